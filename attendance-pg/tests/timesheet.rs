//! The timesheet streamed from PostgreSQL: each employee's rows are their
//! ledger (`ledger_days`, held to the in-memory reference by the
//! conformance kit), with names, in order, marked locked as core's
//! `PeriodLock::covers` says, for the company, a team, one employee and a
//! member's scope.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use attendance_testsupport as common;

use std::sync::Arc;

use attendance_core::access::{Actor, Scope};
use attendance_core::audit::Stamp;
use attendance_core::close::{NewPeriodLock, PeriodLock};
use attendance_core::export::{TimesheetQuery, TimesheetRow, TimesheetStream};
use attendance_core::idempotency::{Write, Written};
use attendance_core::store::Store;
use attendance_core::worktime::{
    AbsenceKind, DayPortion, LedgerPeriod, NewAbsence, NewHoliday, NewWorkPattern,
    PatternAssignment, ScheduleTarget, WorkPatternId,
};
use attendance_core::{EmployeeChanges, EmployeeId, NewEmployee, NewTeam, TeamId, WorkMode};
use chrono::{DateTime, NaiveDate, Utc};

const NOW: &str = "2026-03-31T13:00:00Z";
const BERLIN: TeamId = TeamId(1);
const TOKYO: TeamId = TeamId(2);

fn ts(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

async fn write(store: &Arc<dyn Store>, when: &str, w: Write) {
    let stamp = Stamp {
        actor: Actor::System,
        at: ts(when),
    };
    store
        .write(&stamp, &w)
        .await
        .unwrap_or_else(|e| panic!("{w:?}: {e:?}"));
}

async fn session(store: &Arc<dyn Store>, who: i64, from: &str, to: &str) {
    let w = Write::RecordSession {
        employee: EmployeeId(who),
        mode: WorkMode::Wfo,
        clock_in: ts(from),
        clock_out: ts(to),
        reason: None,
    };
    write(store, NOW, w).await;
}

/// Two teams; Ada, "=Bo, \"the second\"" (a hostile name travels as it
/// is: neutralising is the file writer's), Cy in Tokyo, Di who moves to
/// Tokyo mid-month; a pattern, holidays, an absence, sessions, an open one.
async fn company(store: &Arc<dyn Store>) {
    for (name, tz) in [("Berlin", "Europe/Berlin"), ("Tokyo", "Asia/Tokyo")] {
        let team = NewTeam::new(name).unwrap().with_timezone(tz).unwrap();
        write(store, NOW, Write::CreateTeam(team)).await;
    }
    for (name, team) in [
        ("Ada", BERLIN),
        ("=Bo, \"the second\"", BERLIN),
        ("Cy", TOKYO),
        ("Di", BERLIN),
    ] {
        let e = NewEmployee::new(name, "Engineer", team).unwrap();
        write(store, NOW, Write::CreateEmployee(e)).await;
    }
    let full_time = NewWorkPattern::new("Full time", [480, 480, 480, 480, 480, 0, 0]).unwrap();
    write(store, NOW, Write::CreateWorkPattern(full_time)).await;
    for team in [BERLIN, TOKYO] {
        let a = PatternAssignment::new(
            ScheduleTarget::Team(team),
            Some(WorkPatternId(1)),
            d("2026-01-01"),
        )
        .unwrap();
        write(store, NOW, Write::AssignWorkPattern(a)).await;
    }
    let holiday = NewHoliday::new(Some(BERLIN), d("2026-03-13"), "Fest", DayPortion::Half).unwrap();
    write(store, NOW, Write::AddHoliday(holiday)).await;
    let absence = NewAbsence::new(
        EmployeeId(3),
        AbsenceKind::Vacation,
        d("2026-03-09"),
        d("2026-03-11"),
    )
    .unwrap();
    write(store, NOW, Write::RecordAbsence(absence)).await;

    session(store, 1, "2026-03-02T07:00:00Z", "2026-03-02T16:00:00Z").await;
    session(store, 1, "2026-03-13T07:00:00Z", "2026-03-13T11:00:00Z").await;
    session(store, 2, "2026-03-03T09:45:00Z", "2026-03-03T15:00:00Z").await;
    session(store, 3, "2026-03-04T00:00:00Z", "2026-03-04T09:00:00Z").await;
    session(store, 4, "2026-03-16T07:00:00Z", "2026-03-16T15:00:00Z").await;
    let to_tokyo = EmployeeChanges::new(None, None, Some(TOKYO), None).unwrap();
    let moved = Write::UpdateEmployee {
        employee: EmployeeId(4),
        changes: to_tokyo,
    };
    write(store, "2026-03-16T20:00:00Z", moved).await;
    session(store, 4, "2026-03-18T00:00:00Z", "2026-03-18T08:00:00Z").await;
    let clock_in = Write::ClockIn {
        employee: EmployeeId(1),
        mode: WorkMode::Wfh,
        at: ts("2026-03-31T07:00:00Z"),
    };
    write(store, NOW, clock_in).await;
}

/// The company's first week and Tokyo's 17th to 20th are locked.
async fn locks(store: &Arc<dyn Store>) -> Vec<PeriodLock> {
    let mut locks = Vec::new();
    for (team, from, to) in [
        (None, "2026-03-02", "2026-03-06"),
        (Some(TOKYO), "2026-03-17", "2026-03-20"),
    ] {
        let new = NewPeriodLock::new(team, d(from), d(to), Some("payroll")).unwrap();
        let stamp = Stamp {
            actor: Actor::System,
            at: ts(NOW),
        };
        match store.write(&stamp, &Write::LockPeriod(new)).await.unwrap() {
            Written::PeriodLock(lock) => locks.push(lock),
            other => panic!("{other:?}"),
        }
    }
    locks
}

async fn all(mut rows: TimesheetStream<'_>) -> Vec<TimesheetRow> {
    let mut out = Vec::new();
    while let Some(row) = std::future::poll_fn(|cx| rows.as_mut().poll_next(cx)).await {
        out.push(row.unwrap());
    }
    out
}

fn query(team_id: Option<TeamId>, employee_id: Option<EmployeeId>, scope: Scope) -> TimesheetQuery {
    TimesheetQuery {
        period: LedgerPeriod::new(d("2026-03-01"), d("2026-03-31")).unwrap(),
        team_id,
        employee_id,
        scope,
    }
}

fn employees(rows: &[TimesheetRow]) -> Vec<i64> {
    let mut ids: Vec<i64> = rows.iter().map(|r| r.day.employee_id.0).collect();
    ids.dedup();
    ids
}

#[tokio::test]
async fn each_employee_s_rows_are_their_ledger_with_names_and_locks() {
    common::with_store(|pg| async move {
        let store: Arc<dyn Store> = Arc::new(pg);
        company(&store).await;
        let locks = locks(&store).await;
        let now = ts(NOW);
        let q = query(None, None, Scope::All);
        let rows = all(store.timesheet(q.clone(), now)).await;

        assert_eq!(employees(&rows), [1, 2, 3, 4]);
        for e in 1..=4 {
            let mine: Vec<_> = rows
                .iter()
                .filter(|r| r.day.employee_id == EmployeeId(e))
                .collect();
            let days: Vec<_> = mine.iter().map(|r| r.day.clone()).collect();
            let ledger = store
                .ledger_days(EmployeeId(e), &q.period, now)
                .await
                .unwrap();
            assert_eq!(days, ledger, "employee {e}");
            let name = store.employee(EmployeeId(e)).await.unwrap().name;
            assert!(mine.iter().all(|r| r.employee_name == name), "{e}");
        }
        for r in &rows {
            let team = store.team(r.day.team_id).await.unwrap().name;
            assert_eq!(r.team_name, team);
            let covered = locks.iter().any(|l| l.covers(r.day.team_id, r.day.date));
            assert_eq!(r.locked, covered, "{:?} {}", r.day.employee_id, r.day.date);
        }

        // By hand: the hostile name as stored; Di in Berlin on the 16th,
        // open; in Tokyo (locked) on the 18th.
        let bo = rows.iter().find(|r| r.day.employee_id == EmployeeId(2));
        assert_eq!(bo.unwrap().employee_name, "=Bo, \"the second\"");
        let di = |date: &str| {
            rows.iter()
                .find(|r| r.day.employee_id == EmployeeId(4) && r.day.date == d(date))
                .unwrap()
        };
        assert_eq!(
            (di("2026-03-16").day.team_id, di("2026-03-16").locked),
            (BERLIN, false)
        );
        assert_eq!(
            (di("2026-03-18").day.team_id, di("2026-03-18").locked),
            (TOKYO, true)
        );
        assert_eq!(di("2026-03-18").day.worked_net_minutes, 480);
        assert!(di("2026-03-03").locked);
        assert!(!di("2026-03-09").locked);
    })
    .await;
}

#[tokio::test]
async fn a_team_an_employee_and_a_scope_select_their_employees() {
    common::with_store(|pg| async move {
        let store: Arc<dyn Store> = Arc::new(pg);
        company(&store).await;
        let now = ts(NOW);
        let ids = |q: TimesheetQuery| {
            let store = Arc::clone(&store);
            async move { employees(&all(store.timesheet(q, now)).await) }
        };
        // A team's current members, with all their dates (Di's in Berlin too).
        let tokyo = all(store.timesheet(query(Some(TOKYO), None, Scope::All), now)).await;
        assert_eq!(employees(&tokyo), [3, 4]);
        assert!(tokyo.iter().any(|r| r.day.team_id == BERLIN));
        assert_eq!(ids(query(None, Some(EmployeeId(2)), Scope::All)).await, [2]);
        let ada = Scope::Member {
            employee: EmployeeId(1),
            teams: Vec::new(),
        };
        assert_eq!(ids(query(None, None, ada.clone())).await, [1]);
        assert!(ids(query(None, Some(EmployeeId(2)), ada)).await.is_empty());
        let ada_manages_tokyo = Scope::Member {
            employee: EmployeeId(1),
            teams: vec![TOKYO],
        };
        assert_eq!(ids(query(None, None, ada_manages_tokyo)).await, [1, 3, 4]);
        // Unknown: empty.
        assert!(
            ids(query(Some(TeamId(99)), None, Scope::All))
                .await
                .is_empty()
        );
        assert!(
            ids(query(None, Some(EmployeeId(99)), Scope::All))
                .await
                .is_empty()
        );
    })
    .await;
}

#[tokio::test]
async fn a_stream_dropped_early_leaves_the_store_working() {
    common::with_store(|pg| async move {
        let store: Arc<dyn Store> = Arc::new(pg);
        company(&store).await;
        let now = ts(NOW);
        let q = query(None, None, Scope::All);
        let whole = all(store.timesheet(q.clone(), now)).await.len();
        for _ in 0..12 {
            let mut rows = store.timesheet(q.clone(), now);
            let first = std::future::poll_fn(|cx| rows.as_mut().poll_next(cx)).await;
            assert!(first.unwrap().is_ok());
        }
        assert_eq!(all(store.timesheet(q.clone(), now)).await.len(), whole);
    })
    .await;
}
