//! The Q&A view of the ledger (`attendance.qa_ledger_days`, migration
//! 0014) against the store's own ledger: one small company (holidays full
//! and half in two calendars, absences, a break rule with split sessions,
//! a weekly threshold, an own pattern, a move mid-month, a night shift),
//! every line of every employee compared, a few figures by hand, and the
//! view's scope.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use attendance_testsupport as common;

use std::collections::BTreeSet;

use attendance_core::access::{Actor, Member, Principal};
use attendance_core::ask::QueryContext;
use attendance_core::audit::Stamp;
use attendance_core::idempotency::Write;
use attendance_core::store::{AnalyticsStore, AttendanceStore};
use attendance_core::worktime::{
    AbsenceKind, BreakRule, DayPortion, LedgerDay, LedgerPeriod, NewAbsence, NewHoliday,
    NewWorkPattern, PatternAssignment, ScheduleTarget, WorkPatternId,
};
use attendance_core::{EmployeeChanges, EmployeeId, NewEmployee, NewTeam, TeamId, WorkMode};
use attendance_pg::{PgSqlRunner, PgStore};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use sqlx::FromRow;

fn ts(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

async fn write(store: &PgStore, when: &str, w: Write) {
    let stamp = Stamp {
        actor: Actor::System,
        at: ts(when),
    };
    store
        .write(&stamp, &w)
        .await
        .unwrap_or_else(|e| panic!("{w:?}: {e:?}"));
}

async fn session(store: &PgStore, who: i64, from: &str, to: &str) {
    let w = Write::RecordSession {
        employee: EmployeeId(who),
        mode: WorkMode::Wfo,
        clock_in: ts(from),
        clock_out: ts(to),
        reason: None,
    };
    write(store, "2026-03-31T13:00:00Z", w).await;
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

/// Berlin (1: Ada, Bo, Di until the 16th) and Tokyo (2: Cy, then Di).
async fn company(store: &PgStore) {
    let when = "2026-03-01T00:00:00Z";
    for (name, tz) in [("Berlin", "Europe/Berlin"), ("Tokyo", "Asia/Tokyo")] {
        let team = NewTeam::new(name).unwrap().with_timezone(tz).unwrap();
        write(store, when, Write::CreateTeam(team)).await;
    }
    for (name, team) in [("Ada", 1), ("Bo", 1), ("Cy", 2), ("Di", 1)] {
        let e = NewEmployee::new(name, "Engineer", TeamId(team)).unwrap();
        write(store, when, Write::CreateEmployee(e)).await;
    }
    let patterns = [
        NewWorkPattern::new("Full time", [480, 480, 480, 480, 480, 0, 0]).unwrap(),
        NewWorkPattern::new("4 x 6 h", [360, 360, 360, 360, 0, 0, 0])
            .unwrap()
            .with_weekly_overtime_after(1200)
            .unwrap(),
        NewWorkPattern::new("Early", [360, 360, 360, 360, 360, 0, 0])
            .unwrap()
            .starting_at(NaiveTime::from_hms_opt(8, 0, 0).unwrap()),
    ];
    for p in patterns {
        write(store, when, Write::CreateWorkPattern(p)).await;
    }
    let team = |id| ScheduleTarget::Team(TeamId(id));
    let employee = |id| ScheduleTarget::Employee(EmployeeId(id));
    for w in [
        assign(team(1), Some(1), "2026-01-01"),
        assign(team(2), Some(2), "2026-03-01"),
        assign(team(2), None, "2026-03-25"),
        assign(employee(2), Some(3), "2026-03-10"),
        assign(employee(2), None, "2026-03-20"),
        holiday(None, "2026-03-26", DayPortion::Half),
        holiday(Some(1), "2026-03-26", DayPortion::Full),
        holiday(Some(1), "2026-03-13", DayPortion::Half),
        holiday(None, "2026-03-07", DayPortion::Full),
        holiday(Some(2), "2026-03-12", DayPortion::Full),
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
            team: TeamId(1),
            rule: BreakRule::statutory(),
        },
    ] {
        write(store, when, w).await;
    }
    // Ada: a night shift, 6 h 00 and 6 h 01, split sessions with a short
    // gap, the company holiday, DST, work on an absence day, a long day.
    for (from, to) in [
        ("2026-03-02T21:00:00Z", "2026-03-03T05:00:00Z"),
        ("2026-03-04T07:00:00Z", "2026-03-04T13:00:00Z"),
        ("2026-03-05T07:00:00Z", "2026-03-05T13:01:00Z"),
        ("2026-03-06T07:00:00Z", "2026-03-06T11:00:00Z"),
        ("2026-03-06T11:20:00Z", "2026-03-06T15:30:30Z"),
        ("2026-03-07T09:00:00Z", "2026-03-07T12:00:00Z"),
        ("2026-03-28T22:00:00Z", "2026-03-29T06:00:00Z"),
        ("2026-03-18T08:00:00Z", "2026-03-18T10:00:00Z"),
        ("2026-03-19T06:00:00Z", "2026-03-19T16:00:00Z"),
    ] {
        session(store, 1, from, to).await;
    }
    // Bo: late against the own pattern's 08:00, then the team's 09:30.
    session(store, 2, "2026-03-10T07:30:00Z", "2026-03-10T13:00:00Z").await;
    session(store, 2, "2026-03-13T08:00:00Z", "2026-03-13T10:00:00Z").await;
    session(store, 2, "2026-03-23T08:20:00Z", "2026-03-23T16:00:00Z").await;
    // Cy: part time, weekly threshold of 20 h: 4 × 6 h + 1 h on Friday.
    for day in ["02", "03", "04", "05"] {
        let from = format!("2026-03-{day}T00:00:00Z");
        let to = format!("2026-03-{day}T06:00:00Z");
        session(store, 3, &from, &to).await;
    }
    session(store, 3, "2026-03-06T00:00:00Z", "2026-03-06T01:00:00Z").await;
    session(store, 3, "2026-03-12T00:00:00Z", "2026-03-12T02:00:00Z").await;
    // Di: moves to Tokyo on 16 March at 20:00 UTC, already the 17th there.
    session(store, 4, "2026-03-16T07:00:00Z", "2026-03-16T15:00:00Z").await;
    let changes = EmployeeChanges::new(None, None, Some(TeamId(2)), None).unwrap();
    let w = Write::UpdateEmployee {
        employee: EmployeeId(4),
        changes,
    };
    write(store, "2026-03-16T20:00:00Z", w).await;
    session(store, 4, "2026-03-17T00:00:00Z", "2026-03-17T07:00:00Z").await;
}

#[derive(Debug, FromRow)]
struct ViewRow {
    employee_id: i64,
    employee_name: String,
    team_id: i64,
    team_name: String,
    work_date: NaiveDate,
    expected_minutes: i64,
    worked_minutes: i64,
    worked_gross_minutes: i64,
    break_deducted_minutes: i64,
    absence_credit_minutes: i64,
    overtime_minutes: i64,
    undertime_minutes: i64,
    holiday_work_minutes: i64,
    rest_day_work_minutes: i64,
    absence_kind: Option<String>,
    absence_portion: Option<String>,
    holiday_portion: Option<String>,
    absent_without_leave: bool,
    is_late: bool,
    sessions: i64,
    open: bool,
}

fn lower<T: std::fmt::Debug>(value: T) -> String {
    format!("{value:?}").to_lowercase()
}

/// A store line as the view spells it.
fn as_view(line: &LedgerDay) -> String {
    format!(
        "{} {} team {} expected {} worked {} gross {} break {} credit {} over {} under {} \
         holiday {} rest {} absence {:?} {:?} holiday {:?} awol {} late {} sessions {} open {}",
        line.employee_id.0,
        line.date,
        line.team_id.0,
        line.expected_minutes,
        line.worked_net_minutes,
        line.worked_gross_minutes,
        line.break_deducted_minutes,
        line.absence_credit_minutes,
        line.overtime_minutes,
        line.undertime_minutes,
        line.holiday_work_minutes,
        line.rest_day_work_minutes,
        line.absence.map(|a| lower(a.kind)),
        line.absence.map(|a| lower(a.portion)),
        line.holiday.map(lower),
        line.absent_without_leave,
        line.late,
        line.sessions,
        line.open,
    )
}

fn row_text(r: &ViewRow) -> String {
    format!(
        "{} {} team {} expected {} worked {} gross {} break {} credit {} over {} under {} \
         holiday {} rest {} absence {:?} {:?} holiday {:?} awol {} late {} sessions {} open {}",
        r.employee_id,
        r.work_date,
        r.team_id,
        r.expected_minutes,
        r.worked_minutes,
        r.worked_gross_minutes,
        r.break_deducted_minutes,
        r.absence_credit_minutes,
        r.overtime_minutes,
        r.undertime_minutes,
        r.holiday_work_minutes,
        r.rest_day_work_minutes,
        r.absence_kind,
        r.absence_portion,
        r.holiday_portion,
        r.absent_without_leave,
        r.is_late,
        r.sessions,
        r.open,
    )
}

/// The view's lines of `period`, read with an admin's scope.
async fn view_lines(store: &PgStore, from: &str, to: &str) -> Vec<ViewRow> {
    let mut tx = store.pool().begin().await.unwrap();
    sqlx::query(
        "INSERT INTO attendance.qa_scope (xact, all_rows) VALUES (pg_current_xact_id(), true)",
    )
    .execute(&mut *tx)
    .await
    .unwrap();
    let rows = sqlx::query_as::<_, ViewRow>(
        "SELECT * FROM attendance.qa_ledger_days WHERE work_date BETWEEN $1 AND $2 \
         ORDER BY employee_id, work_date",
    )
    .bind(d(from))
    .bind(d(to))
    .fetch_all(&mut *tx)
    .await
    .unwrap();
    tx.rollback().await.unwrap();
    rows
}

#[tokio::test]
async fn the_view_equals_the_ledger_line_for_line() {
    common::with_store(|store| async move {
        company(&store).await;
        let names = ["Ada", "Bo", "Cy", "Di"];
        // A month, and a stretch from a Wednesday (weekly overtime still
        // sums from Monday, which the view reads through itself).
        for (from, to) in [("2026-03-02", "2026-03-31"), ("2026-03-04", "2026-03-12")] {
            let rows = view_lines(&store, from, to).await;
            let period = LedgerPeriod::new(d(from), d(to)).unwrap();
            let mut expected = Vec::new();
            for e in 1..=4 {
                let days = store
                    .ledger_days(EmployeeId(e), &period, Utc::now())
                    .await
                    .unwrap();
                expected.extend(days.iter().map(as_view));
            }
            let actual: Vec<String> = rows.iter().map(row_text).collect();
            assert_eq!(actual.len(), expected.len(), "{from}..{to}");
            for (a, e) in actual.iter().zip(&expected) {
                assert_eq!(a, e, "{from}..{to}");
            }
            for r in &rows {
                assert_eq!(r.employee_name, names[(r.employee_id - 1) as usize]);
                let team = if r.team_id == 1 { "Berlin" } else { "Tokyo" };
                assert_eq!(r.team_name, team);
            }
        }
        // By hand: Cy's week of 4 × 6 h against 20 h is 4 h overtime on
        // Thursday; Friday owes nothing, so its hour is rest-day work.
        let rows = view_lines(&store, "2026-03-02", "2026-03-08").await;
        let cy = |date: &str| {
            rows.iter()
                .find(|r| r.employee_id == 3 && r.work_date == d(date))
                .unwrap()
        };
        assert_eq!(cy("2026-03-04").overtime_minutes, 0);
        assert_eq!(cy("2026-03-05").overtime_minutes, 240);
        assert_eq!(cy("2026-03-06").rest_day_work_minutes, 60);
        // Ada's split day: 20 min of gap against 30 needed, 10 deducted.
        let ada = rows
            .iter()
            .find(|r| r.employee_id == 1 && r.work_date == d("2026-03-06"))
            .unwrap();
        assert_eq!(ada.break_deducted_minutes, 10);
        // Di on the 17th is in Tokyo; the 16th was Berlin's.
        let di = view_lines(&store, "2026-03-16", "2026-03-17").await;
        let teams: Vec<(NaiveDate, i64)> = di
            .iter()
            .filter(|r| r.employee_id == 4)
            .map(|r| (r.work_date, r.team_id))
            .collect();
        assert_eq!(teams, vec![(d("2026-03-16"), 1), (d("2026-03-17"), 2)]);
    })
    .await;
}

#[tokio::test]
async fn the_view_shows_each_principal_only_their_scope() {
    common::with_store(|store| async move {
        company(&store).await;
        let runner = PgSqlRunner::new(store.pool().clone());
        let seen = async |principal: &Principal, sql: &str| -> BTreeSet<i64> {
            let context = QueryContext::default().with_scope(principal.scope());
            let rows = runner.run_unguarded(sql, &context).await.unwrap();
            rows.rows.iter().map(|r| r[0].as_i64().unwrap()).collect()
        };
        let all = "SELECT DISTINCT employee_id FROM qa_ledger_days \
                   WHERE work_date BETWEEN DATE '2026-03-01' AND DATE '2026-03-31'";
        // Bo alone; Bo managing Tokyo: Bo, Cy and Di (Tokyo's members now).
        let bo = Principal::Member(Member::new(EmployeeId(2), TeamId(1), Vec::new()));
        let boss = Principal::Member(Member::new(EmployeeId(2), TeamId(1), vec![TeamId(2)]));
        assert_eq!(seen(&bo, all).await, BTreeSet::from([2]));
        assert_eq!(seen(&boss, all).await, BTreeSet::from([2, 3, 4]));
        assert_eq!(
            seen(&Principal::system(), all).await,
            BTreeSet::from([1, 2, 3, 4])
        );
        // A leaky condition cannot tell a hidden line exists: it runs after
        // the scope, so it never divides by zero on Ada's rows.
        let leaky = "SELECT employee_id FROM qa_ledger_days \
                     WHERE 1 / (employee_id - 1) >= 0";
        assert_eq!(seen(&bo, leaky).await, BTreeSet::from([2]));
        // Without a scope row (outside the runner) the view is empty.
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM attendance.qa_ledger_days")
            .fetch_one(store.pool())
            .await
            .unwrap();
        assert_eq!(n, 0);
    })
    .await;
}
