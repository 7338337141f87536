//! Work time on PostgreSQL against the in-memory reference: one small
//! company written to both stores the same way (night shift across
//! midnight, DST in Berlin, holidays full and half in two calendars, a
//! half holiday with a half absence, breaks at 6 h 00 and 6 h 01, split
//! sessions, a weekly threshold, a part-time pattern, an own pattern and
//! its end, a team move mid-month, an open session), then every ledger,
//! total, setting read, refusal and audit entry compared. A few figures are
//! also checked by hand, so the two cannot agree on a wrong answer there.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use attendance_testsupport as common;

use std::sync::Arc;

use attendance_core::access::{Actor, Scope};
use attendance_core::audit::{AuditFilter, AuditRecord, Stamp};
use attendance_core::idempotency::{Claim, Claimed, Fingerprint, IdempotencyKey, Write, Written};
use attendance_core::memory::InMemoryStore;
use attendance_core::store::{PageRequest, Store};
use attendance_core::worktime::{
    AbsenceFilter, AbsenceId, AbsenceKind, BreakRule, DayPortion, HolidayFilter, HolidayId,
    LedgerDay, LedgerPeriod, LedgerTotals, NewAbsence, NewHoliday, NewWorkPattern,
    PatternAssignment, ScheduleTarget, WorkPatternId,
};
use attendance_core::{EmployeeChanges, EmployeeId, NewEmployee, NewTeam, TeamId, WorkMode};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};

fn ts(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn at(s: &str) -> Stamp {
    Stamp {
        actor: Actor::System,
        at: ts(s),
    }
}

const NOW: &str = "2026-03-31T13:00:00Z";

/// Everything a store answered, in the order asked.
#[derive(Debug, PartialEq)]
struct Answers {
    refusals: Vec<String>,
    ledgers: Vec<Vec<LedgerDay>>,
    totals: Vec<Vec<(EmployeeId, LedgerTotals)>>,
    settings: Vec<String>,
    audit: Vec<AuditRecord>,
}

async fn write(store: &Arc<dyn Store>, when: &str, w: Write) -> Written {
    store
        .write(&at(when), &w)
        .await
        .unwrap_or_else(|e| panic!("{w:?}: {e:?}"))
}

async fn refused(store: &Arc<dyn Store>, w: Write) -> String {
    let err = store.write(&at(NOW), &w).await.unwrap_err();
    format!("{err:?}")
}

async fn session(store: &Arc<dyn Store>, who: i64, from: &str, to: &str) {
    write(
        store,
        NOW,
        Write::RecordSession {
            employee: EmployeeId(who),
            mode: WorkMode::Wfo,
            clock_in: ts(from),
            clock_out: ts(to),
            reason: None,
        },
    )
    .await;
}

fn pattern(name: &str, minutes: [u32; 7]) -> NewWorkPattern {
    NewWorkPattern::new(name, minutes).unwrap()
}

fn assign(target: ScheduleTarget, pattern: Option<i64>, from: &str) -> Write {
    Write::AssignWorkPattern(
        PatternAssignment::new(target, pattern.map(WorkPatternId), d(from)).unwrap(),
    )
}

fn holiday(team: Option<i64>, date: &str, portion: DayPortion) -> Write {
    Write::AddHoliday(NewHoliday::new(team.map(TeamId), d(date), "Feiertag", portion).unwrap())
}

fn absence(who: i64, kind: AbsenceKind, from: &str, to: &str, portion: DayPortion) -> Write {
    Write::RecordAbsence(
        NewAbsence::new(EmployeeId(who), kind, d(from), d(to))
            .unwrap()
            .with_portion(portion),
    )
}

async fn company(store: Arc<dyn Store>) -> Answers {
    let berlin = TeamId(1);
    let tokyo = TeamId(2);
    for (name, tz) in [("Berlin", "Europe/Berlin"), ("Tokyo", "Asia/Tokyo")] {
        let team = NewTeam::new(name).unwrap().with_timezone(tz).unwrap();
        write(&store, NOW, Write::CreateTeam(team)).await;
    }
    // 1 Ada, 2 Bo (own pattern for a while), 3 Cy (Tokyo), 4 Di (moves).
    for (name, team) in [
        ("Ada", berlin),
        ("Bo", berlin),
        ("Cy", tokyo),
        ("Di", berlin),
    ] {
        let e = NewEmployee::new(name, "Engineer", team).unwrap();
        write(&store, NOW, Write::CreateEmployee(e)).await;
    }
    let full_time = pattern("Full time", [480, 480, 480, 480, 480, 0, 0]);
    let part_time = pattern("4 x 6 h", [360, 360, 360, 360, 0, 0, 0])
        .with_weekly_overtime_after(1200)
        .unwrap();
    let early = pattern("Early", [360, 360, 360, 360, 360, 0, 0])
        .starting_at(NaiveTime::from_hms_opt(8, 0, 0).unwrap());
    for p in [full_time, part_time, early] {
        write(&store, NOW, Write::CreateWorkPattern(p)).await;
    }
    let team = ScheduleTarget::Team;
    let employee = |id| ScheduleTarget::Employee(EmployeeId(id));
    for w in [
        assign(team(berlin), Some(1), "2026-01-01"),
        assign(team(tokyo), Some(2), "2026-03-01"),
        // A schedule change mid-week: from Wednesday on, Tokyo owes nothing.
        assign(team(tokyo), None, "2026-03-25"),
        assign(employee(2), Some(3), "2026-03-10"),
        assign(employee(2), None, "2026-03-20"),
        holiday(None, "2026-03-26", DayPortion::Half),
        holiday(Some(1), "2026-03-26", DayPortion::Full),
        holiday(Some(1), "2026-03-13", DayPortion::Half),
        holiday(None, "2026-03-07", DayPortion::Full),
        holiday(Some(2), "2026-03-12", DayPortion::Full),
        holiday(None, "2026-04-01", DayPortion::Full),
        absence(
            2,
            AbsenceKind::Sick,
            "2026-03-13",
            "2026-03-13",
            DayPortion::Half,
        ),
        absence(
            3,
            AbsenceKind::Vacation,
            "2026-03-09",
            "2026-03-11",
            DayPortion::Full,
        ),
        absence(
            1,
            AbsenceKind::Other,
            "2026-03-18",
            "2026-03-18",
            DayPortion::Full,
        ),
        Write::SetBreakRule {
            team: berlin,
            rule: BreakRule::statutory(),
        },
    ] {
        write(&store, NOW, w).await;
    }

    // Ada: a night shift across midnight (Mon 22:00 to Tue 06:00 local).
    session(&store, 1, "2026-03-02T21:00:00Z", "2026-03-03T05:00:00Z").await;
    // 6 h 00 and 6 h 01 of work, no gap.
    session(&store, 1, "2026-03-04T07:00:00Z", "2026-03-04T13:00:00Z").await;
    session(&store, 1, "2026-03-05T07:00:00Z", "2026-03-05T13:01:00Z").await;
    // Split sessions: 20 min of gap against 30 required.
    session(&store, 1, "2026-03-06T07:00:00Z", "2026-03-06T11:00:00Z").await;
    session(&store, 1, "2026-03-06T11:20:00Z", "2026-03-06T15:30:30Z").await;
    // Work on the company holiday (a Saturday) and across the DST change
    // (Sat 23:00 CET to Sun 08:00 CEST: 8 h elapsed).
    session(&store, 1, "2026-03-07T09:00:00Z", "2026-03-07T12:00:00Z").await;
    session(&store, 1, "2026-03-28T22:00:00Z", "2026-03-29T06:00:00Z").await;
    // Work on an absence day; a long day with 45 min needed.
    session(&store, 1, "2026-03-18T08:00:00Z", "2026-03-18T10:00:00Z").await;
    session(&store, 1, "2026-03-19T06:00:00Z", "2026-03-19T16:00:00Z").await;
    // Bo: late against the own pattern's 08:00, then the team's 09:30.
    session(&store, 2, "2026-03-10T07:30:00Z", "2026-03-10T13:00:00Z").await;
    session(&store, 2, "2026-03-13T08:00:00Z", "2026-03-13T10:00:00Z").await;
    session(&store, 2, "2026-03-23T08:20:00Z", "2026-03-23T16:00:00Z").await;
    // Cy: part time, weekly threshold of 20 h: 4 × 6 h + 1 h.
    for day in ["02", "03", "04", "05"] {
        let from = format!("2026-03-{day}T00:00:00Z");
        let to = format!("2026-03-{day}T06:00:00Z");
        session(&store, 3, &from, &to).await;
    }
    session(&store, 3, "2026-03-06T00:00:00Z", "2026-03-06T01:00:00Z").await;
    session(&store, 3, "2026-03-12T00:00:00Z", "2026-03-12T02:00:00Z").await;
    // Di: moves to Tokyo on 16 March at 20:00 UTC, already the 17th there.
    session(&store, 4, "2026-03-16T07:00:00Z", "2026-03-16T15:00:00Z").await;
    let changes = EmployeeChanges::new(None, None, Some(tokyo), None).unwrap();
    write(
        &store,
        "2026-03-16T20:00:00Z",
        Write::UpdateEmployee {
            employee: EmployeeId(4),
            changes,
        },
    )
    .await;
    session(&store, 4, "2026-03-17T00:00:00Z", "2026-03-17T07:00:00Z").await;
    // Ada is clocked in now.
    write(
        &store,
        NOW,
        Write::ClockIn {
            employee: EmployeeId(1),
            mode: WorkMode::Wfh,
            at: ts("2026-03-31T07:00:00Z"),
        },
    )
    .await;

    // Replaying a keyed write answers the first outcome, writing nothing.
    let key = IdempotencyKey::new("tests", "absence-1").unwrap();
    let claim = Claim {
        key: &key,
        fingerprint: Fingerprint::from_slice(&[7; 32]).unwrap(),
        now: ts(NOW),
        expired_at_or_before: ts("2026-03-30T00:00:00Z"),
    };
    let keyed = absence(
        4,
        AbsenceKind::Vacation,
        "2026-03-30",
        "2026-03-30",
        DayPortion::Half,
    );
    let first = store.write_once(&claim, &at(NOW), &keyed).await.unwrap();
    let again = store.write_once(&claim, &at(NOW), &keyed).await.unwrap();
    let Claimed::Performed(written) = first else {
        panic!("the first use performs: {first:?}")
    };
    assert!(
        matches!(&again, Claimed::Existing { outcome, .. } if *outcome == written),
        "{again:?}"
    );

    let mut refusals = Vec::new();
    for w in [
        assign(team(berlin), Some(2), "2026-01-01"),
        assign(team(TeamId(99)), Some(1), "2026-01-01"),
        assign(employee(99), Some(1), "2026-01-01"),
        assign(employee(1), Some(99), "2026-01-01"),
        holiday(Some(99), "2026-05-01", DayPortion::Full),
        holiday(Some(1), "2026-03-26", DayPortion::Half),
        holiday(None, "2026-03-07", DayPortion::Half),
        absence(
            99,
            AbsenceKind::Sick,
            "2026-03-01",
            "2026-03-02",
            DayPortion::Full,
        ),
        absence(
            3,
            AbsenceKind::Sick,
            "2026-03-01",
            "2026-03-31",
            DayPortion::Full,
        ),
        Write::RemoveHoliday(HolidayId(99)),
        Write::RemoveAbsence(AbsenceId(99)),
        Write::SetBreakRule {
            team: TeamId(99),
            rule: BreakRule::none(),
        },
    ] {
        refusals.push(refused(&store, w).await);
    }
    // A second overlapping absence: the earliest is named.
    write(
        &store,
        NOW,
        absence(
            3,
            AbsenceKind::Other,
            "2026-03-20",
            "2026-03-21",
            DayPortion::Full,
        ),
    )
    .await;
    refusals.push(
        refused(
            &store,
            absence(
                3,
                AbsenceKind::Sick,
                "2026-03-11",
                "2026-03-20",
                DayPortion::Full,
            ),
        )
        .await,
    );
    // Removals, then removing again.
    write(&store, NOW, Write::RemoveHoliday(HolidayId(6))).await;
    write(&store, NOW, Write::RemoveAbsence(AbsenceId(5))).await;
    refusals.push(refused(&store, Write::RemoveHoliday(HolidayId(6))).await);
    refusals.push(refused(&store, Write::RemoveAbsence(AbsenceId(5))).await);

    let now = ts(NOW);
    let periods = [
        LedgerPeriod::new(d("2026-03-01"), d("2026-03-31")).unwrap(),
        // From a Wednesday: weekly overtime still sums from Monday.
        LedgerPeriod::new(d("2026-03-04"), d("2026-03-12")).unwrap(),
        LedgerPeriod::new(d("2026-01-01"), d("2026-12-31")).unwrap(),
    ];
    let mut ledgers = Vec::new();
    let mut totals = Vec::new();
    for period in &periods {
        for e in 1..=4 {
            ledgers.push(store.ledger_days(EmployeeId(e), period, now).await.unwrap());
        }
        for team in [Some(berlin), Some(tokyo), None] {
            totals.push(store.ledger_totals(team, period, now).await.unwrap());
        }
    }
    let period = &periods[0];
    refusals.push(format!(
        "{:?}",
        store
            .ledger_days(EmployeeId(99), period, now)
            .await
            .unwrap_err()
    ));
    refusals.push(format!(
        "{:?}",
        store
            .ledger_totals(Some(TeamId(99)), period, now)
            .await
            .unwrap_err()
    ));

    let mut settings = vec![
        format!("{:?}", store.work_patterns().await.unwrap()),
        format!("{:?}", store.pattern_assignments(None).await.unwrap()),
        format!(
            "{:?}",
            store.pattern_assignments(Some(employee(2))).await.unwrap()
        ),
        format!(
            "{:?}",
            store.pattern_assignments(Some(team(tokyo))).await.unwrap()
        ),
        format!("{:?}", store.break_rule(berlin).await.unwrap()),
        format!("{:?}", store.break_rule(tokyo).await.unwrap()),
        format!("{:?}", store.break_rule(TeamId(99)).await.unwrap_err()),
        format!("{:?}", store.absence(AbsenceId(1)).await.unwrap()),
        format!("{:?}", store.absence(AbsenceId(5)).await.unwrap_err()),
    ];
    for filter in [
        HolidayFilter::default(),
        HolidayFilter {
            team_id: Some(tokyo),
            from: Some(d("2026-03-08")),
            to: None,
        },
        HolidayFilter {
            team_id: None,
            from: None,
            to: Some(d("2026-03-12")),
        },
    ] {
        settings.push(format!("{:?}", store.holidays(&filter).await.unwrap()));
    }
    for filter in [
        AbsenceFilter::default(),
        AbsenceFilter {
            team_id: Some(tokyo),
            ..AbsenceFilter::default()
        },
        AbsenceFilter {
            employee_id: Some(EmployeeId(3)),
            from: Some(d("2026-03-12")),
            ..AbsenceFilter::default()
        },
        AbsenceFilter {
            to: Some(d("2026-03-13")),
            scope: Scope::Member {
                employee: EmployeeId(2),
                teams: vec![tokyo],
            },
            ..AbsenceFilter::default()
        },
    ] {
        settings.push(format!("{:?}", store.absences(&filter).await.unwrap()));
    }
    // Setting an empty rule removes it.
    write(
        &store,
        NOW,
        Write::SetBreakRule {
            team: berlin,
            rule: BreakRule::none(),
        },
    )
    .await;
    settings.push(format!("{:?}", store.break_rule(berlin).await.unwrap()));

    let page = PageRequest::new(Some(500), None).unwrap();
    let audit = store
        .audit_entries(&AuditFilter::default(), &page)
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|e| e.record)
        .collect();
    Answers {
        refusals,
        ledgers,
        totals,
        settings,
        audit,
    }
}

fn line<'a>(days: &'a [LedgerDay], date: &str) -> &'a LedgerDay {
    days.iter().find(|l| l.date == d(date)).unwrap()
}

#[tokio::test]
async fn the_ledger_and_the_settings_agree_with_the_in_memory_store() {
    common::with_store(|store| async move {
        let reference = company(Arc::new(InMemoryStore::new())).await;
        let pg = company(Arc::new(store)).await;
        compare(&pg, &reference);
    })
    .await;
}

fn compare(pg: &Answers, reference: &Answers) {
    // By hand, where each rule bites.
    let ada = &pg.ledgers[0];
    let night = line(ada, "2026-03-02");
    assert_eq!(
        (night.worked_gross_minutes, night.break_deducted_minutes),
        (480, 30)
    );
    assert_eq!(line(ada, "2026-03-03").sessions, 0, "the night is Monday's");
    assert_eq!(line(ada, "2026-03-04").break_deducted_minutes, 0, "6 h 00");
    assert_eq!(line(ada, "2026-03-05").break_deducted_minutes, 30, "6 h 01");
    let split = line(ada, "2026-03-06");
    assert_eq!(
        (split.worked_gross_minutes, split.break_deducted_minutes),
        (490, 10)
    );
    assert_eq!(line(ada, "2026-03-07").holiday_work_minutes, 180);
    let dst = line(ada, "2026-03-28");
    assert_eq!(
        (dst.worked_gross_minutes, dst.rest_day_work_minutes),
        (480, 450)
    );
    assert!(line(ada, "2026-03-31").open);
    assert_eq!(line(ada, "2026-03-31").worked_gross_minutes, 360);
    let bo = &pg.ledgers[1];
    assert!(line(bo, "2026-03-10").late, "after the own pattern's 08:00");
    assert!(
        !line(bo, "2026-03-23").late,
        "09:20 local, the team's 09:30"
    );
    let half = line(bo, "2026-03-13");
    assert_eq!(
        (half.expected_minutes, half.absence_credit_minutes),
        (180, 180)
    );
    let cy = &pg.ledgers[2];
    assert_eq!(line(cy, "2026-03-04").overtime_minutes, 0);
    assert_eq!(line(cy, "2026-03-05").overtime_minutes, 4 * 360 - 1200);
    assert_eq!(line(cy, "2026-03-06").rest_day_work_minutes, 60);
    assert_eq!(line(cy, "2026-03-12").holiday_work_minutes, 120);
    let di = &pg.ledgers[3];
    assert_eq!(line(di, "2026-03-16").team_id, TeamId(1));
    assert_eq!(line(di, "2026-03-17").team_id, TeamId(2));
    assert_eq!(line(di, "2026-03-17").expected_minutes, 360);

    assert_eq!(pg.refusals, reference.refusals);
    assert_eq!(pg.settings, reference.settings);
    for (i, (p, r)) in pg.ledgers.iter().zip(&reference.ledgers).enumerate() {
        for (pl, rl) in p.iter().zip(r) {
            assert_eq!(pl, rl, "ledger {i}");
        }
        assert_eq!(p.len(), r.len(), "ledger {i}");
    }
    assert_eq!(pg.totals, reference.totals);
    assert_eq!(pg.audit, reference.audit);
}

/// The SQLSTATE and constraint `sql` fails with.
async fn failure(pool: &sqlx::PgPool, sql: &str) -> (String, String) {
    // The test's own statements, with no input in them.
    match sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
        .execute(pool)
        .await
    {
        Err(sqlx::Error::Database(db)) => (
            db.code().map(|c| c.into_owned()).unwrap_or_default(),
            db.constraint().unwrap_or_default().to_owned(),
        ),
        other => panic!("{sql}: expected a refusal, got {other:?}"),
    }
}

/// Each work-time constraint refuses a row that breaks it, and a row that
/// keeps them all is stored.
#[tokio::test]
async fn the_schema_refuses_bad_work_time_rows() {
    common::with_store(|store| async move {
        let pool = store.pool();
        for ok in [
            "INSERT INTO attendance.teams (name) VALUES ('Ops')",
            "INSERT INTO attendance.employees (team_id, name, role) VALUES (1, 'Ada', 'Engineer')",
            "INSERT INTO attendance.team_memberships VALUES (1, '1900-01-01', 1)",
            "INSERT INTO attendance.work_patterns (name, minutes_mon, minutes_tue, minutes_wed, \
             minutes_thu, minutes_fri, minutes_sat, minutes_sun, weekly_overtime_after) \
             VALUES ('Full', 1440, 480, 480, 480, 480, 0, 0, 10080)",
            "INSERT INTO attendance.pattern_assignments (team_id, pattern_id, valid_from) \
             VALUES (1, 1, '2026-01-01')",
            "INSERT INTO attendance.pattern_assignments (employee_id, valid_from) \
             VALUES (1, '2026-01-01')",
            "INSERT INTO attendance.holidays (team_id, date, name, portion) \
             VALUES (NULL, '2026-12-25', 'Christmas', 'full')",
            "INSERT INTO attendance.holidays (team_id, date, name, portion) \
             VALUES (1, '2026-12-25', 'Christmas', 'half')",
            "INSERT INTO attendance.absences (employee_id, kind, from_date, to_date, portion) \
             VALUES (1, 'sick', '2026-01-01', '2027-01-01', 'full')",
            "INSERT INTO attendance.break_thresholds VALUES (1, 360, 30), (1, 540, 45)",
        ] {
            sqlx::query(sqlx::AssertSqlSafe(ok))
                .execute(pool)
                .await
                .unwrap_or_else(|e| panic!("{ok}: {e}"));
        }
        let pattern = |cols: &str, values: &str| {
            format!(
                "INSERT INTO attendance.work_patterns (name, minutes_mon, minutes_tue, \
                 minutes_wed, minutes_thu, minutes_fri, minutes_sat, minutes_sun{cols}) \
                 VALUES ({values})"
            )
        };
        let absence = |values: &str| {
            format!(
                "INSERT INTO attendance.absences \
                 (employee_id, kind, from_date, to_date, portion, note) VALUES ({values})"
            )
        };
        let (check, unique, fk, exclusion) = ("23514", "23505", "23503", "23P01");
        let cases = [
            (
                pattern("", "' Full', 0, 0, 0, 0, 0, 0, 0"),
                check,
                "work_patterns_name_valid",
            ),
            (
                pattern("", "'Full', 0, 0, 0, 0, 0, 0, 1441"),
                check,
                "work_patterns_minutes_valid",
            ),
            (
                pattern("", "'Full', 0, -1, 0, 0, 0, 0, 0"),
                check,
                "work_patterns_minutes_valid",
            ),
            (
                pattern(", weekly_overtime_after", "'Full', 0, 0, 0, 0, 0, 0, 0, 0"),
                check,
                "work_patterns_weekly_overtime_after_range",
            ),
            (
                pattern(
                    ", weekly_overtime_after",
                    "'Full', 0, 0, 0, 0, 0, 0, 0, 10081",
                ),
                check,
                "work_patterns_weekly_overtime_after_range",
            ),
            (
                "INSERT INTO attendance.pattern_assignments (valid_from) VALUES ('2026-02-01')"
                    .to_owned(),
                check,
                "pattern_assignments_one_target",
            ),
            (
                "INSERT INTO attendance.pattern_assignments (team_id, employee_id, valid_from) \
                 VALUES (1, 1, '2026-02-01')"
                    .to_owned(),
                check,
                "pattern_assignments_one_target",
            ),
            (
                "INSERT INTO attendance.pattern_assignments (team_id, valid_from) \
                 VALUES (1, '2026-01-01')"
                    .to_owned(),
                unique,
                "pattern_assignments_team_date_unique",
            ),
            (
                "INSERT INTO attendance.pattern_assignments (employee_id, pattern_id, valid_from) \
                 VALUES (1, 1, '2026-01-01')"
                    .to_owned(),
                unique,
                "pattern_assignments_employee_date_unique",
            ),
            (
                "INSERT INTO attendance.pattern_assignments (team_id, valid_from) \
                 VALUES (1, '1899-12-31')"
                    .to_owned(),
                check,
                "pattern_assignments_valid_from_supported",
            ),
            (
                "INSERT INTO attendance.pattern_assignments (team_id, pattern_id, valid_from) \
                 VALUES (1, 9, '2026-03-01')"
                    .to_owned(),
                fk,
                "pattern_assignments_pattern_id_fkey",
            ),
            (
                "INSERT INTO attendance.pattern_assignments (team_id, valid_from) \
                 VALUES (9, '2026-03-01')"
                    .to_owned(),
                fk,
                "pattern_assignments_team_id_fkey",
            ),
            (
                "INSERT INTO attendance.holidays (team_id, date, name, portion) \
                 VALUES (NULL, '2026-12-25', 'Again', 'half')"
                    .to_owned(),
                unique,
                "holidays_calendar_date_unique",
            ),
            (
                "INSERT INTO attendance.holidays (team_id, date, name, portion) \
                 VALUES (1, '2026-12-25', 'Again', 'full')"
                    .to_owned(),
                unique,
                "holidays_calendar_date_unique",
            ),
            (
                "INSERT INTO attendance.holidays (date, name, portion) \
                 VALUES ('2026-12-26', 'Boxing Day', 'quarter')"
                    .to_owned(),
                check,
                "holidays_portion_valid",
            ),
            (
                "INSERT INTO attendance.holidays (date, name, portion) \
                 VALUES ('2026-12-26', '', 'full')"
                    .to_owned(),
                check,
                "holidays_name_valid",
            ),
            (
                "INSERT INTO attendance.holidays (date, name, portion) \
                 VALUES ('10000-01-01', 'Far', 'full')"
                    .to_owned(),
                check,
                "holidays_date_supported",
            ),
            (
                "INSERT INTO attendance.holidays (team_id, date, name, portion) \
                 VALUES (9, '2026-12-26', 'Nowhere', 'full')"
                    .to_owned(),
                fk,
                "holidays_team_id_fkey",
            ),
            (
                absence("1, 'holiday', '2027-02-01', '2027-02-01', 'full', NULL"),
                check,
                "absences_kind_valid",
            ),
            (
                absence("1, 'sick', '2027-02-01', '2027-02-01', 'most', NULL"),
                check,
                "absences_portion_valid",
            ),
            (
                absence("1, 'sick', '2027-02-02', '2027-02-01', 'full', NULL"),
                check,
                "absences_range_valid",
            ),
            (
                absence("1, 'sick', '2027-02-01', '2028-02-02', 'full', NULL"),
                check,
                "absences_range_valid",
            ),
            (
                absence("1, 'sick', '1899-12-31', '1900-01-01', 'full', NULL"),
                check,
                "absences_dates_supported",
            ),
            (
                absence("1, 'sick', '2027-02-01', '2027-02-01', 'full', ' note'"),
                check,
                "absences_note_valid",
            ),
            (
                absence("1, 'other', '2027-01-01', '2027-01-03', 'half', NULL"),
                exclusion,
                "absences_no_overlap",
            ),
            (
                absence("9, 'sick', '2027-02-01', '2027-02-01', 'full', NULL"),
                fk,
                "absences_employee_id_fkey",
            ),
            (
                "INSERT INTO attendance.break_thresholds VALUES (1, 0, 1)".to_owned(),
                check,
                "break_thresholds_after_range",
            ),
            (
                "INSERT INTO attendance.break_thresholds VALUES (1, 1440, 30)".to_owned(),
                check,
                "break_thresholds_after_range",
            ),
            (
                "INSERT INTO attendance.break_thresholds VALUES (1, 600, 600)".to_owned(),
                check,
                "break_thresholds_break_range",
            ),
            (
                "INSERT INTO attendance.break_thresholds VALUES (1, 600, 0)".to_owned(),
                check,
                "break_thresholds_break_range",
            ),
            (
                "INSERT INTO attendance.break_thresholds VALUES (1, 360, 20)".to_owned(),
                unique,
                "break_thresholds_pkey",
            ),
            (
                "INSERT INTO attendance.team_memberships VALUES (1, '1900-01-01', 1)".to_owned(),
                unique,
                "team_memberships_pkey",
            ),
            (
                "INSERT INTO attendance.team_memberships VALUES (1, '2026-01-01', 9)".to_owned(),
                fk,
                "team_memberships_team_id_fkey",
            ),
        ];
        for (sql, code, constraint) in cases {
            assert_eq!(
                failure(pool, &sql).await,
                (code.to_owned(), constraint.to_owned()),
                "{sql}"
            );
        }
    })
    .await;
}

/// Creating an employee records their first team since always; a move
/// records the new team from the local date of the move there, and a
/// second move that date replaces the first.
#[tokio::test]
async fn memberships_follow_creation_and_moves() {
    common::with_store(|store| async move {
        let pool = store.pool().clone();
        let store: Arc<dyn Store> = Arc::new(store);
        for (name, tz) in [("Berlin", "Europe/Berlin"), ("Tokyo", "Asia/Tokyo")] {
            let team = NewTeam::new(name).unwrap().with_timezone(tz).unwrap();
            write(&store, NOW, Write::CreateTeam(team)).await;
        }
        let ada = NewEmployee::new("Ada", "Engineer", TeamId(1)).unwrap();
        write(&store, NOW, Write::CreateEmployee(ada)).await;
        let to = |team| Write::UpdateEmployee {
            employee: EmployeeId(1),
            changes: EmployeeChanges::new(None, None, Some(TeamId(team)), None).unwrap(),
        };
        write(&store, "2026-03-16T20:00:00Z", to(2)).await;
        write(&store, "2026-03-16T21:00:00Z", to(1)).await;
        // A change that keeps the team records nothing.
        let rename = Write::UpdateEmployee {
            employee: EmployeeId(1),
            changes: EmployeeChanges::new(Some("Ada L."), None, None, None).unwrap(),
        };
        write(&store, "2026-04-01T09:00:00Z", rename).await;
        let rows: Vec<(NaiveDate, i64)> = sqlx::query_as(
            "SELECT valid_from, team_id FROM attendance.team_memberships \
             WHERE employee_id = 1 ORDER BY valid_from",
        )
        .fetch_all(&pool)
        .await
        .unwrap();
        // 20:00 UTC is already the 17th in Tokyo; back in Berlin at 22:00,
        // still the 16th there.
        assert_eq!(
            rows,
            [
                (d("1900-01-01"), 1),
                (d("2026-03-16"), 1),
                (d("2026-03-17"), 2)
            ]
        );
    })
    .await;
}

/// Racing writers meet the constraints: of eight overlapping absences of
/// one employee, or eight holidays on one calendar date, written at once,
/// one is stored and every other is refused as a conflict naming it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_writes_store_one_and_name_it_to_the_others() {
    common::with_store(|store| async move {
        let store: Arc<dyn Store> = Arc::new(store);
        let team = match write(
            &store,
            NOW,
            Write::CreateTeam(NewTeam::new("Racers").unwrap()),
        )
        .await
        {
            Written::Team(t) => t,
            other => panic!("{other:?}"),
        };
        let new = NewEmployee::new("Ada", "Engineer", team.id).unwrap();
        let ada = match write(&store, NOW, Write::CreateEmployee(new)).await {
            Written::Employee(e) => e,
            other => panic!("{other:?}"),
        };

        let absences = (0..8).map(|i| {
            let store = store.clone();
            let from = d("2026-03-02") + chrono::TimeDelta::days(i % 3);
            let w = Write::RecordAbsence(
                NewAbsence::new(ada.id, AbsenceKind::Vacation, from, d("2026-03-06")).unwrap(),
            );
            tokio::spawn(async move { store.write(&at(NOW), &w).await })
        });
        let mut outcomes = Vec::new();
        for handle in absences.collect::<Vec<_>>() {
            outcomes.push(handle.await.unwrap());
        }
        let stored: Vec<_> = outcomes
            .iter()
            .filter_map(|o| match o {
                Ok(Written::Absence(a)) => Some(a.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(stored.len(), 1, "{outcomes:?}");
        for outcome in &outcomes {
            match outcome {
                Ok(_) => {}
                Err(attendance_core::Error::Conflict(
                    attendance_core::Conflict::AbsenceOverlap { existing },
                )) => assert_eq!(existing.id, stored[0].id),
                other => panic!("{other:?}"),
            }
        }

        let holidays = (0..8).map(|i| {
            let store = store.clone();
            let w = Write::AddHoliday(
                NewHoliday::new(
                    Some(team.id),
                    d("2026-05-01"),
                    &format!("Day {i}"),
                    DayPortion::Full,
                )
                .unwrap(),
            );
            tokio::spawn(async move { store.write(&at(NOW), &w).await })
        });
        let mut outcomes = Vec::new();
        for handle in holidays.collect::<Vec<_>>() {
            outcomes.push(handle.await.unwrap());
        }
        let stored: Vec<_> = outcomes
            .iter()
            .filter_map(|o| match o {
                Ok(Written::Holiday(h)) => Some(h.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(stored.len(), 1, "{outcomes:?}");
        for outcome in &outcomes {
            match outcome {
                Ok(_) => {}
                Err(attendance_core::Error::Conflict(
                    attendance_core::Conflict::HolidayExists { existing },
                )) => assert_eq!(existing.id, stored[0].id),
                other => panic!("{other:?}"),
            }
        }
        let audit = store
            .audit_entries(
                &AuditFilter::default(),
                &PageRequest::new(Some(100), None).unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(
            audit.items.len(),
            4,
            "two creations, one absence, one holiday"
        );
    })
    .await;
}
