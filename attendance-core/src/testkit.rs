//! Conformance scenarios that every [`Store`] must pass.
//!
//! Each scenario takes a fresh, empty store and asserts behaviour through the
//! services. A backend runs all of them with [`store_conformance_tests!`](crate::store_conformance_tests)
//! (crate root), which generates one `#[tokio::test]` per scenario and a test
//! that fails when the macro and [`SCENARIOS`] disagree, so no backend can
//! silently skip one.
//!
//! ```no_run
//! use std::sync::Arc;
//! use attendance_core::memory::InMemoryStore;
//!
//! // Give every scenario a fresh store (a fresh database, for a real backend).
//! async fn run(scenario: attendance_core::testkit::Scenario) {
//!     scenario(Arc::new(InMemoryStore::new())).await;
//! }
//! attendance_core::store_conformance_tests!(run);
//! # fn main() {}
//! ```
// Scenarios are assertions: panicking with a message is how they fail.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashSet;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, NaiveTime, TimeDelta, Utc};

use crate::domain::{AttendanceSession, Employee, EmployeeId, NewEmployee, NewTeam, Team};
use crate::error::{Conflict, Entity, Error};
use crate::memory::InMemoryStore;
use crate::service::{AttendanceService, ManualClock, TrendService};
use crate::store::{SessionFilter, Store};
use crate::trends::{Granularity, TrendQuery};
use crate::{TeamId, WorkMode};

/// The future a scenario returns.
pub type ScenarioFuture = Pin<Box<dyn Future<Output = ()> + Send>>;
/// A scenario: give it an empty store, await it, and it panics on failure.
pub type Scenario = fn(Arc<dyn Store>) -> ScenarioFuture;

macro_rules! scenarios {
    ($($name:ident),* $(,)?) => {
        /// Every scenario, by name.
        pub const SCENARIOS: &[(&str, Scenario)] = &[
            $((stringify!($name), |store| Box::pin($name(store)))),*
        ];

        /// Scenarios as functions returning a boxed future, for the macro.
        pub mod run {
            use super::*;
            $(
                /// Runs the scenario of the same name.
                pub fn $name(store: Arc<dyn Store>) -> ScenarioFuture {
                    Box::pin(super::$name(store))
                }
            )*
        }
    };
}

scenarios!(
    teams_create_get_list,
    duplicate_team_name,
    employees_create_get_list,
    unknown_ids,
    clock_in_out_happy_path,
    double_clock_in,
    clock_out_without_open_session,
    clock_out_before_clock_in,
    future_instants_rejected,
    several_sessions_a_day,
    backfill,
    overlap_rejected,
    night_shift_across_midnight,
    dst_change_days_in_berlin,
    listing_filters,
    pagination_without_gaps_or_duplicates,
    trend_figures_hand_computed,
    day_records_and_forgotten_clock_outs,
    generated_data_matches_in_memory,
    concurrent_clock_ins_for_one_employee,
    concurrent_cycles_lose_nothing,
);

/// The names of all scenarios.
pub fn scenario_names() -> Vec<&'static str> {
    SCENARIOS.iter().map(|(name, _)| *name).collect()
}

/// Generates one `#[tokio::test]` per conformance scenario, each calling
/// `$run(scenario)` where `$run` is an `async fn(Scenario)` that gives the
/// scenario a fresh store.
#[macro_export]
macro_rules! store_conformance_tests {
    ($run:path) => {
        $crate::store_conformance_tests!(@tests $run;
            teams_create_get_list,
            duplicate_team_name,
            employees_create_get_list,
            unknown_ids,
            clock_in_out_happy_path,
            double_clock_in,
            clock_out_without_open_session,
            clock_out_before_clock_in,
            future_instants_rejected,
            several_sessions_a_day,
            backfill,
            overlap_rejected,
            night_shift_across_midnight,
            dst_change_days_in_berlin,
            listing_filters,
            pagination_without_gaps_or_duplicates,
            trend_figures_hand_computed,
            day_records_and_forgotten_clock_outs,
            generated_data_matches_in_memory,
            concurrent_clock_ins_for_one_employee,
            concurrent_cycles_lose_nothing,
        );
    };
    (@tests $run:path; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $name() {
                $run($crate::testkit::run::$name).await;
            }
        )*

        #[test]
        fn conformance_covers_every_scenario() {
            let generated = [$(stringify!($name)),*];
            assert_eq!(
                generated.to_vec(),
                $crate::testkit::scenario_names(),
                "store_conformance_tests! and testkit::SCENARIOS disagree"
            );
        }
    };
}

/// The instant every scenario treats as "now".
pub fn now() -> DateTime<Utc> {
    ts("2026-11-02T12:00:00Z")
}

/// Parses an RFC 3339 instant.
pub fn ts(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .unwrap_or_else(|e| panic!("bad instant {s:?}: {e}"))
        .with_timezone(&Utc)
}

fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn time(s: &str) -> NaiveTime {
    NaiveTime::parse_from_str(s, "%H:%M:%S").unwrap()
}

/// An attendance service over `store` whose clock shows [`now`].
pub fn service(store: &Arc<dyn Store>) -> AttendanceService {
    AttendanceService::new(store.clone()).with_clock(Arc::new(ManualClock::new(now())))
}

async fn team(svc: &AttendanceService, name: &str, tz: &str) -> Team {
    svc.create_team(&NewTeam::new(name).unwrap().with_timezone(tz).unwrap())
        .await
        .unwrap()
}

async fn employee(svc: &AttendanceService, name: &str, team: TeamId) -> Employee {
    svc.create_employee(&NewEmployee::new(name, "Engineer", team).unwrap())
        .await
        .unwrap()
}

async fn cycle(
    svc: &AttendanceService,
    who: EmployeeId,
    mode: WorkMode,
    clock_in: &str,
    clock_out: Option<&str>,
) -> AttendanceSession {
    let opened = svc.clock_in(who, mode, Some(ts(clock_in))).await.unwrap();
    match clock_out {
        Some(out) => svc.clock_out(who, Some(ts(out))).await.unwrap(),
        None => opened,
    }
}

async fn all_sessions(svc: &AttendanceService, filter: &SessionFilter) -> Vec<AttendanceSession> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = svc
            .sessions(filter, Some(500), cursor.as_deref())
            .await
            .unwrap();
        out.extend(page.items);
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => return out,
        }
    }
}

/// Teams can be created, read back and listed.
pub async fn teams_create_get_list(store: Arc<dyn Store>) {
    let svc = service(&store);
    let berlin = team(&svc, "  Berlin Ops ", "Europe/Berlin").await;
    assert_eq!(berlin.name, "Berlin Ops");
    assert_eq!(berlin.timezone, chrono_tz::Europe::Berlin);
    assert_eq!(berlin.late_after, time("09:30:00"));
    let late = NewTeam::new("Night desk")
        .unwrap()
        .with_late_after(time("22:15:00"));
    let night = svc.create_team(&late).await.unwrap();
    assert_eq!(night.timezone, chrono_tz::UTC);
    assert_eq!(night.late_after, time("22:15:00"));
    assert_ne!(berlin.id, night.id);
    assert_eq!(svc.team(berlin.id).await.unwrap(), berlin);
    let all = svc.teams().await.unwrap();
    assert_eq!(all, vec![berlin, night]);
}

/// A second team with the same name, in any letter case, is a conflict.
pub async fn duplicate_team_name(store: Arc<dyn Store>) {
    let svc = service(&store);
    team(&svc, "Platform", "UTC").await;
    for name in ["Platform", " platform ", "PLATFORM"] {
        let err = svc
            .create_team(&NewTeam::new(name).unwrap())
            .await
            .unwrap_err();
        assert!(
            matches!(&err, Error::Conflict(Conflict::DuplicateTeamName { name: n }) if n == name.trim()),
            "{name}: {err:?}"
        );
    }
    assert_eq!(svc.teams().await.unwrap().len(), 1);
}

/// Employees can be created, read back and listed by team.
pub async fn employees_create_get_list(store: Arc<dyn Store>) {
    let svc = service(&store);
    let a = team(&svc, "A", "UTC").await;
    let b = team(&svc, "B", "Asia/Kolkata").await;
    let boss = svc
        .create_employee(
            &NewEmployee::new(" Grace Hopper ", " Director ", a.id)
                .unwrap()
                .manager(true),
        )
        .await
        .unwrap();
    assert_eq!(boss.name, "Grace Hopper");
    assert_eq!(boss.role, "Director");
    assert!(boss.is_manager);
    assert_eq!(boss.team_id, a.id);
    let ada = employee(&svc, "Ada", b.id).await;
    assert!(!ada.is_manager);
    assert_eq!(svc.employee(ada.id).await.unwrap(), ada);
    assert_eq!(
        svc.employees(None).await.unwrap(),
        vec![boss.clone(), ada.clone()]
    );
    assert_eq!(svc.employees(Some(a.id)).await.unwrap(), vec![boss]);
    assert_eq!(svc.employees(Some(b.id)).await.unwrap(), vec![ada]);
}

/// Unknown ids are not-found errors naming the entity, everywhere.
pub async fn unknown_ids(store: Arc<dyn Store>) {
    let svc = service(&store);
    let trends = TrendService::new(store.clone());
    let missing_team = TeamId(4242);
    let missing = EmployeeId(4242);
    let is_missing = |err: Error, entity: Entity| {
        assert!(
            matches!(err, Error::NotFound { entity: e, id: 4242 } if e == entity),
            "{err:?}"
        );
    };
    is_missing(svc.team(missing_team).await.unwrap_err(), Entity::Team);
    is_missing(svc.employee(missing).await.unwrap_err(), Entity::Employee);
    is_missing(
        svc.employees(Some(missing_team)).await.unwrap_err(),
        Entity::Team,
    );
    is_missing(
        svc.create_employee(&NewEmployee::new("Ada", "Engineer", missing_team).unwrap())
            .await
            .unwrap_err(),
        Entity::Team,
    );
    is_missing(
        svc.clock_in(missing, WorkMode::Wfo, None)
            .await
            .unwrap_err(),
        Entity::Employee,
    );
    is_missing(
        svc.clock_out(missing, None).await.unwrap_err(),
        Entity::Employee,
    );
    let q = TrendQuery::new(date("2026-10-01"), date("2026-10-31"), Granularity::Week).unwrap();
    is_missing(
        trends.employee_trend(missing, &q).await.unwrap_err(),
        Entity::Employee,
    );
    is_missing(
        trends.team_trend(missing_team, &q).await.unwrap_err(),
        Entity::Team,
    );
    assert!(svc.open_session(missing).await.unwrap().is_none());
}

/// Clock-in opens a session dated in the team's timezone; clock-out closes it.
pub async fn clock_in_out_happy_path(store: Arc<dyn Store>) {
    let svc = service(&store);
    let t = team(&svc, "Ops", "Europe/Berlin").await;
    let e = employee(&svc, "Ada", t.id).await;
    let opened = svc
        .clock_in(
            e.id,
            WorkMode::Wfh,
            Some(ts("2026-11-02T07:58:12.123456789Z")),
        )
        .await
        .unwrap();
    assert!(opened.is_open());
    assert_eq!(opened.employee_id, e.id);
    assert_eq!(opened.work_mode, WorkMode::Wfh);
    assert_eq!(opened.work_date, date("2026-11-02"));
    // Instants are kept to the microsecond, as PostgreSQL keeps them.
    assert_eq!(opened.clock_in, ts("2026-11-02T07:58:12.123456Z"));
    assert_eq!(svc.open_session(e.id).await.unwrap(), Some(opened.clone()));
    // Without `at`, the service's clock decides.
    let closed = svc.clock_out(e.id, None).await.unwrap();
    assert_eq!(closed.id, opened.id);
    assert_eq!(closed.clock_out, Some(now()));
    assert!(svc.open_session(e.id).await.unwrap().is_none());
    let listed = all_sessions(&svc, &SessionFilter::default()).await;
    assert_eq!(listed, vec![closed]);
}

/// A second clock-in while a session is open is a conflict carrying it.
pub async fn double_clock_in(store: Arc<dyn Store>) {
    let svc = service(&store);
    let t = team(&svc, "Ops", "UTC").await;
    let e = employee(&svc, "Ada", t.id).await;
    let open = svc
        .clock_in(e.id, WorkMode::Wfo, Some(ts("2026-11-02T08:00:00Z")))
        .await
        .unwrap();
    for at in [
        None,
        Some(ts("2026-11-02T07:00:00Z")),
        Some(ts("2026-11-02T09:00:00Z")),
    ] {
        let err = svc.clock_in(e.id, WorkMode::Wfh, at).await.unwrap_err();
        match err {
            Error::Conflict(Conflict::AlreadyClockedIn { open: current }) => {
                assert_eq!(*current, open);
            }
            other => panic!("expected AlreadyClockedIn, got {other:?}"),
        }
    }
    assert_eq!(all_sessions(&svc, &SessionFilter::default()).await.len(), 1);
}

/// Clock-out with no open session is a conflict.
pub async fn clock_out_without_open_session(store: Arc<dyn Store>) {
    let svc = service(&store);
    let t = team(&svc, "Ops", "UTC").await;
    let e = employee(&svc, "Ada", t.id).await;
    let err = svc.clock_out(e.id, None).await.unwrap_err();
    assert!(
        matches!(err, Error::Conflict(Conflict::NotClockedIn { employee_id }) if employee_id == e.id),
        "{err:?}"
    );
    cycle(
        &svc,
        e.id,
        WorkMode::Wfo,
        "2026-11-02T08:00:00Z",
        Some("2026-11-02T09:00:00Z"),
    )
    .await;
    let err = svc.clock_out(e.id, None).await.unwrap_err();
    assert!(
        matches!(err, Error::Conflict(Conflict::NotClockedIn { .. })),
        "{err:?}"
    );
}

/// Clock-out at or before its clock-in is a validation error on `at`, and
/// leaves the session open.
pub async fn clock_out_before_clock_in(store: Arc<dyn Store>) {
    let svc = service(&store);
    let t = team(&svc, "Ops", "UTC").await;
    let e = employee(&svc, "Ada", t.id).await;
    let open = svc
        .clock_in(e.id, WorkMode::Wfo, Some(ts("2026-11-02T08:00:00Z")))
        .await
        .unwrap();
    for at in ["2026-11-02T07:59:59Z", "2026-11-02T08:00:00Z"] {
        let err = svc.clock_out(e.id, Some(ts(at))).await.unwrap_err();
        assert!(
            matches!(err, Error::Validation { field: "at", .. }),
            "{err:?}"
        );
    }
    assert_eq!(svc.open_session(e.id).await.unwrap(), Some(open));
}

/// Instants more than five minutes ahead of the clock are rejected and
/// nothing is written.
pub async fn future_instants_rejected(store: Arc<dyn Store>) {
    let svc = service(&store);
    let t = team(&svc, "Ops", "UTC").await;
    let e = employee(&svc, "Ada", t.id).await;
    let err = svc
        .clock_in(e.id, WorkMode::Wfo, Some(now() + TimeDelta::minutes(6)))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Validation { field: "at", .. }),
        "{err:?}"
    );
    assert!(svc.open_session(e.id).await.unwrap().is_none());
    // Within the tolerance is fine (a device clock slightly ahead).
    svc.clock_in(e.id, WorkMode::Wfo, Some(now() + TimeDelta::minutes(4)))
        .await
        .unwrap();
    let err = svc
        .clock_out(e.id, Some(now() + TimeDelta::hours(1)))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Validation { field: "at", .. }),
        "{err:?}"
    );
    assert!(svc.open_session(e.id).await.unwrap().is_some());
}

/// Several sessions on one day (a lunch break) are allowed.
pub async fn several_sessions_a_day(store: Arc<dyn Store>) {
    let svc = service(&store);
    let t = team(&svc, "Ops", "UTC").await;
    let e = employee(&svc, "Ada", t.id).await;
    let morning = cycle(
        &svc,
        e.id,
        WorkMode::Wfo,
        "2026-11-01T08:00:00Z",
        Some("2026-11-01T12:00:00Z"),
    )
    .await;
    // Clocking in again exactly when the previous session ended is fine.
    let afternoon = cycle(
        &svc,
        e.id,
        WorkMode::Wfh,
        "2026-11-01T12:00:00Z",
        Some("2026-11-01T16:00:00Z"),
    )
    .await;
    assert_eq!(morning.work_date, afternoon.work_date);
    assert_ne!(morning.id, afternoon.id);
    let listed = all_sessions(&svc, &SessionFilter::default()).await;
    assert_eq!(listed, vec![afternoon, morning]);
}

/// Sessions can be recorded after the fact: by a late clock-in/out after
/// the latest session, or in one step between existing ones.
pub async fn backfill(store: Arc<dyn Store>) {
    let svc = service(&store);
    let t = team(&svc, "Ops", "UTC").await;
    let e = employee(&svc, "Ada", t.id).await;
    let tuesday = cycle(
        &svc,
        e.id,
        WorkMode::Wfo,
        "2026-10-27T08:00:00Z",
        Some("2026-10-27T16:00:00Z"),
    )
    .await;
    let friday = cycle(
        &svc,
        e.id,
        WorkMode::Wfo,
        "2026-10-30T08:00:00Z",
        Some("2026-10-30T16:00:00Z"),
    )
    .await;
    // A forgotten Thursday, entered the next week between two sessions.
    let thursday = svc
        .record_session(
            e.id,
            WorkMode::Wfh,
            ts("2026-10-29T09:00:00Z"),
            ts("2026-10-29T17:00:00Z"),
        )
        .await
        .unwrap();
    assert_eq!(thursday.work_date, date("2026-10-29"));
    assert_eq!(thursday.duration(), Some(TimeDelta::hours(8)));
    // A clock-in on Thursday cannot do it: open, it would run into Friday.
    let err = svc
        .clock_in(e.id, WorkMode::Wfh, Some(ts("2026-10-28T09:00:00Z")))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Conflict(Conflict::Overlap { .. })),
        "{err:?}"
    );
    // Recorded sessions obey the same overlap rule, and their own order.
    let err = svc
        .record_session(
            e.id,
            WorkMode::Wfh,
            ts("2026-10-29T16:00:00Z"),
            ts("2026-10-29T18:00:00Z"),
        )
        .await
        .unwrap_err();
    match err {
        Error::Conflict(Conflict::Overlap { existing }) => assert_eq!(*existing, thursday),
        other => panic!("expected Overlap, got {other:?}"),
    }
    let err = svc
        .record_session(
            e.id,
            WorkMode::Wfh,
            ts("2026-10-28T10:00:00Z"),
            ts("2026-10-28T09:00:00Z"),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Validation {
                field: "clock_out",
                ..
            }
        ),
        "{err:?}"
    );
    // A late device sync: clock-in and clock-out after the latest session.
    let evening = cycle(
        &svc,
        e.id,
        WorkMode::Wfh,
        "2026-10-30T18:00:00Z",
        Some("2026-10-30T19:00:00Z"),
    )
    .await;
    // While clocked in today, a past day can still be recorded.
    let today = svc.clock_in(e.id, WorkMode::Wfo, None).await.unwrap();
    let monday = svc
        .record_session(
            e.id,
            WorkMode::Wfo,
            ts("2026-10-26T08:00:00Z"),
            ts("2026-10-26T12:00:00Z"),
        )
        .await
        .unwrap();
    let err = svc
        .record_session(
            e.id,
            WorkMode::Wfo,
            ts("2026-11-02T11:30:00Z"),
            ts("2026-11-02T12:01:00Z"),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Conflict(Conflict::Overlap { .. })),
        "{err:?}"
    );
    let listed = all_sessions(&svc, &SessionFilter::default()).await;
    assert_eq!(
        listed,
        vec![today, evening, friday, thursday, tuesday, monday]
    );
}

/// A session that would overlap another of the same employee is refused
/// with the existing session; other employees are unaffected.
pub async fn overlap_rejected(store: Arc<dyn Store>) {
    let svc = service(&store);
    let t = team(&svc, "Ops", "UTC").await;
    let e = employee(&svc, "Ada", t.id).await;
    let other = employee(&svc, "Bob", t.id).await;
    let day = cycle(
        &svc,
        e.id,
        WorkMode::Wfo,
        "2026-10-30T08:00:00Z",
        Some("2026-10-30T16:00:00Z"),
    )
    .await;
    for at in [
        "2026-10-30T07:00:00Z",
        "2026-10-30T08:00:00Z",
        "2026-10-30T15:59:59Z",
    ] {
        let err = svc
            .clock_in(e.id, WorkMode::Wfh, Some(ts(at)))
            .await
            .unwrap_err();
        match err {
            Error::Conflict(Conflict::Overlap { existing }) => assert_eq!(*existing, day),
            other => panic!("{at}: expected Overlap, got {other:?}"),
        }
    }
    assert!(svc.open_session(e.id).await.unwrap().is_none());
    cycle(
        &svc,
        other.id,
        WorkMode::Wfo,
        "2026-10-30T09:00:00Z",
        Some("2026-10-30T10:00:00Z"),
    )
    .await;
    assert_eq!(all_sessions(&svc, &SessionFilter::default()).await.len(), 2);
}

/// A night shift is one session on the date it started, in the team's
/// timezone, whatever the UTC date.
pub async fn night_shift_across_midnight(store: Arc<dyn Store>) {
    let svc = service(&store);
    let trends = TrendService::new(store.clone());
    let ny = svc
        .create_team(
            &NewTeam::new("Night desk")
                .unwrap()
                .with_timezone("America/New_York")
                .unwrap()
                .with_late_after(time("22:15:00")),
        )
        .await
        .unwrap();
    let e = employee(&svc, "Nina", ny.id).await;
    // 22:00 to 06:00 in New York (UTC-5 in January): both UTC instants are on the 16th.
    let shift = cycle(
        &svc,
        e.id,
        WorkMode::Wfo,
        "2026-01-16T03:00:00Z",
        Some("2026-01-16T11:00:00Z"),
    )
    .await;
    assert_eq!(shift.work_date, date("2026-01-15"));
    let on_15th = SessionFilter {
        from: Some(date("2026-01-15")),
        to: Some(date("2026-01-15")),
        ..SessionFilter::default()
    };
    assert_eq!(all_sessions(&svc, &on_15th).await, vec![shift]);
    let on_16th = SessionFilter {
        from: Some(date("2026-01-16")),
        to: Some(date("2026-01-16")),
        ..SessionFilter::default()
    };
    assert!(all_sessions(&svc, &on_16th).await.is_empty());

    // East of UTC: 04:00 in Kolkata (UTC+05:30) is 22:30 UTC the day before.
    let kolkata = team(&svc, "Kolkata", "Asia/Kolkata").await;
    let k = employee(&svc, "Kiran", kolkata.id).await;
    let early = cycle(
        &svc,
        k.id,
        WorkMode::Wfh,
        "2026-01-15T22:30:00Z",
        Some("2026-01-16T06:30:00Z"),
    )
    .await;
    assert_eq!(early.work_date, date("2026-01-16"));

    let q = TrendQuery::new(date("2026-01-15"), date("2026-01-16"), Granularity::Day).unwrap();
    let trend = trends.employee_trend(e.id, &q).await.unwrap();
    assert_eq!(trend.points.len(), 2);
    let first = &trend.points[0];
    assert_eq!(
        (first.days_present, first.sessions, first.worked_seconds),
        (1, 1, 8 * 3600)
    );
    assert_eq!(first.avg_clock_in, Some(time("22:00:00")));
    assert_eq!(first.late_arrivals, 0, "22:00 is before the team's 22:15");
    assert_eq!(trend.points[1].days_present, 0);
    let trend = trends.employee_trend(k.id, &q).await.unwrap();
    assert_eq!(trend.points[0].days_present, 0);
    assert_eq!(trend.points[1].avg_clock_in, Some(time("04:00:00")));
}

/// Across the DST changes in Europe/Berlin, durations are real elapsed time
/// and local times and dates follow the wall clock.
pub async fn dst_change_days_in_berlin(store: Arc<dyn Store>) {
    let svc = service(&store);
    let trends = TrendService::new(store.clone());
    let t = team(&svc, "Berlin", "Europe/Berlin").await;
    let e = employee(&svc, "Bea", t.id).await;
    // 22:00 CET on 28 March to 06:00 CEST on 29 March: 7 hours, not 8.
    let spring = cycle(
        &svc,
        e.id,
        WorkMode::Wfo,
        "2026-03-28T21:00:00Z",
        Some("2026-03-29T04:00:00Z"),
    )
    .await;
    assert_eq!(spring.work_date, date("2026-03-28"));
    // 08:00 CEST on the change day itself.
    let after = cycle(
        &svc,
        e.id,
        WorkMode::Wfh,
        "2026-03-29T06:00:00Z",
        Some("2026-03-29T10:00:00Z"),
    )
    .await;
    assert_eq!(after.work_date, date("2026-03-29"));
    // 22:00 CEST on 24 October to 06:00 CET on 25 October: 9 hours.
    let autumn = cycle(
        &svc,
        e.id,
        WorkMode::Wfo,
        "2026-10-24T20:00:00Z",
        Some("2026-10-25T05:00:00Z"),
    )
    .await;
    assert_eq!(autumn.work_date, date("2026-10-24"));
    // 02:30 CET, the second 02:30 of 25 October, for a colleague.
    let cem = employee(&svc, "Cem", t.id).await;
    let repeated = cycle(
        &svc,
        cem.id,
        WorkMode::Wfh,
        "2026-10-25T01:30:00Z",
        Some("2026-10-25T02:00:00Z"),
    )
    .await;
    assert_eq!(repeated.work_date, date("2026-10-25"));

    let q = TrendQuery::new(date("2026-03-28"), date("2026-03-29"), Granularity::Day).unwrap();
    let trend = trends.employee_trend(e.id, &q).await.unwrap();
    assert_eq!(trend.points[0].worked_seconds, 7 * 3600);
    assert_eq!(trend.points[0].avg_clock_in, Some(time("22:00:00")));
    assert_eq!(trend.points[1].worked_seconds, 4 * 3600);
    assert_eq!(trend.points[1].avg_clock_in, Some(time("08:00:00")));
    let q = TrendQuery::new(date("2026-10-24"), date("2026-10-25"), Granularity::Day).unwrap();
    let trend = trends.employee_trend(e.id, &q).await.unwrap();
    assert_eq!(trend.points[0].worked_seconds, 9 * 3600);
    assert_eq!(trend.points[1].days_present, 0);
    let trend = trends.employee_trend(cem.id, &q).await.unwrap();
    assert_eq!(trend.points[1].worked_seconds, 30 * 60);
    assert_eq!(trend.points[1].avg_clock_in, Some(time("02:30:00")));
}

/// Listing filters by employee, team, date range and work mode.
pub async fn listing_filters(store: Arc<dyn Store>) {
    let svc = service(&store);
    let a = team(&svc, "A", "UTC").await;
    let b = team(&svc, "B", "UTC").await;
    let ada = employee(&svc, "Ada", a.id).await;
    let bob = employee(&svc, "Bob", b.id).await;
    let s1 = cycle(
        &svc,
        ada.id,
        WorkMode::Wfo,
        "2026-10-26T08:00:00Z",
        Some("2026-10-26T16:00:00Z"),
    )
    .await;
    let s2 = cycle(
        &svc,
        ada.id,
        WorkMode::Wfh,
        "2026-10-27T08:00:00Z",
        Some("2026-10-27T16:00:00Z"),
    )
    .await;
    let s3 = cycle(&svc, bob.id, WorkMode::Wfh, "2026-10-27T09:00:00Z", None).await;
    let cases = [
        (SessionFilter::default(), vec![&s3, &s2, &s1]),
        (
            SessionFilter {
                employee_id: Some(ada.id),
                ..Default::default()
            },
            vec![&s2, &s1],
        ),
        (
            SessionFilter {
                team_id: Some(b.id),
                ..Default::default()
            },
            vec![&s3],
        ),
        (
            SessionFilter {
                work_mode: Some(WorkMode::Wfh),
                ..Default::default()
            },
            vec![&s3, &s2],
        ),
        (
            SessionFilter {
                from: Some(date("2026-10-27")),
                ..Default::default()
            },
            vec![&s3, &s2],
        ),
        (
            SessionFilter {
                to: Some(date("2026-10-26")),
                ..Default::default()
            },
            vec![&s1],
        ),
        (
            SessionFilter {
                team_id: Some(a.id),
                work_mode: Some(WorkMode::Wfh),
                from: Some(date("2026-10-27")),
                to: Some(date("2026-10-27")),
                ..Default::default()
            },
            vec![&s2],
        ),
        (
            SessionFilter {
                employee_id: Some(ada.id),
                team_id: Some(b.id),
                ..Default::default()
            },
            vec![],
        ),
    ];
    for (filter, expected) in cases {
        let got = all_sessions(&svc, &filter).await;
        let expected: Vec<AttendanceSession> = expected.into_iter().cloned().collect();
        assert_eq!(got, expected, "{filter:?}");
    }
    let err = svc
        .sessions(&SessionFilter::default(), Some(0), None)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Validation { field: "limit", .. }));
    let err = svc
        .sessions(&SessionFilter::default(), Some(501), None)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Validation { field: "limit", .. }));
    let err = svc
        .sessions(&SessionFilter::default(), None, Some("not-a-cursor"))
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        Error::Validation {
            field: "cursor",
            ..
        }
    ));
    let reversed = SessionFilter {
        from: Some(date("2026-10-27")),
        to: Some(date("2026-10-26")),
        ..Default::default()
    };
    let err = svc.sessions(&reversed, None, None).await.unwrap_err();
    assert!(matches!(err, Error::Validation { field: "from", .. }));
}

/// Walking pages of any size visits every session exactly once, newest
/// first, even when equal clock-ins tie and new sessions arrive meanwhile.
pub async fn pagination_without_gaps_or_duplicates(store: Arc<dyn Store>) {
    let svc = service(&store);
    let t = team(&svc, "Ops", "UTC").await;
    let mut people = Vec::new();
    for name in ["Ada", "Bob", "Cy"] {
        people.push(employee(&svc, name, t.id).await);
    }
    let start = ts("2026-10-01T08:00:00Z");
    let mut expected = HashSet::new();
    for day in 0..13 {
        for person in &people {
            // Everyone clocks in at the same instant: ties are broken by id.
            let at = start + TimeDelta::days(day);
            let s = svc
                .clock_in(person.id, WorkMode::Wfo, Some(at))
                .await
                .unwrap();
            svc.clock_out(person.id, Some(at + TimeDelta::hours(8)))
                .await
                .unwrap();
            expected.insert(s.id);
        }
    }
    for limit in [1u32, 5, 7, 39, 500] {
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        let mut pages = 0;
        loop {
            let page = svc
                .sessions(&SessionFilter::default(), Some(limit), cursor.as_deref())
                .await
                .unwrap();
            assert!(page.items.len() <= limit as usize);
            pages += 1;
            if pages == 2 && limit == 5 {
                // A new, newest session must not shift later pages.
                let late = svc
                    .clock_in(
                        people[0].id,
                        WorkMode::Wfh,
                        Some(now() - TimeDelta::minutes(1)),
                    )
                    .await
                    .unwrap();
                svc.clock_out(people[0].id, None).await.unwrap();
                assert!(!expected.contains(&late.id));
            }
            seen.extend(page.items.into_iter().filter(|s| expected.contains(&s.id)));
            match page.next_cursor {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        let ids: Vec<_> = seen.iter().map(|s| s.id).collect();
        let unique: HashSet<_> = ids.iter().copied().collect();
        assert_eq!(ids.len(), unique.len(), "limit {limit}: duplicates");
        assert_eq!(unique, expected, "limit {limit}: gaps");
        assert!(
            seen.windows(2)
                .all(|w| (w[0].clock_in, w[0].id) > (w[1].clock_in, w[1].id)),
            "limit {limit}: not newest first"
        );
    }
}

/// Every trend figure on a small data set computed by hand.
///
/// Team Berlin (CET, late after 09:30), week of Monday 2 March 2026:
/// - Ada: Mon 08:00–12:00 WFO + 12:30–16:30 WFO; Tue 09:45–17:45 WFH (late);
///   Wed 09:00–12:00 WFH + 13:00–17:00 WFO.
/// - Bob: Mon 10:00–18:00 WFO (late); Sat 10:00–12:00 WFH (late);
///   Mon 9 March 08:30 WFO, never clocked out.
pub async fn trend_figures_hand_computed(store: Arc<dyn Store>) {
    let svc = service(&store);
    let trends = TrendService::new(store.clone());
    let t = team(&svc, "Berlin", "Europe/Berlin").await;
    let ada = employee(&svc, "Ada", t.id).await;
    let bob = employee(&svc, "Bob", t.id).await;
    let _idle = employee(&svc, "Idle", t.id).await;
    let other_team = team(&svc, "Elsewhere", "UTC").await;
    let stranger = employee(&svc, "Stranger", other_team.id).await;
    use WorkMode::{Wfh, Wfo};
    for (who, mode, i, o) in [
        (
            ada.id,
            Wfo,
            "2026-03-02T07:00:00Z",
            Some("2026-03-02T11:00:00Z"),
        ),
        (
            ada.id,
            Wfo,
            "2026-03-02T11:30:00Z",
            Some("2026-03-02T15:30:00Z"),
        ),
        (
            ada.id,
            Wfh,
            "2026-03-03T08:45:00Z",
            Some("2026-03-03T16:45:00Z"),
        ),
        (
            ada.id,
            Wfh,
            "2026-03-04T08:00:00Z",
            Some("2026-03-04T11:00:00Z"),
        ),
        (
            ada.id,
            Wfo,
            "2026-03-04T12:00:00Z",
            Some("2026-03-04T16:00:00Z"),
        ),
        (
            bob.id,
            Wfo,
            "2026-03-02T09:00:00Z",
            Some("2026-03-02T17:00:00Z"),
        ),
        (
            bob.id,
            Wfh,
            "2026-03-07T09:00:00Z",
            Some("2026-03-07T11:00:00Z"),
        ),
        (bob.id, Wfo, "2026-03-09T07:30:00Z", None),
        (
            stranger.id,
            Wfo,
            "2026-03-02T07:00:00Z",
            Some("2026-03-02T20:00:00Z"),
        ),
    ] {
        cycle(&svc, who, mode, i, o).await;
    }

    let q = TrendQuery::new(date("2026-03-02"), date("2026-03-04"), Granularity::Day).unwrap();
    let by_day = trends.employee_trend(ada.id, &q).await.unwrap();
    let got: Vec<_> = by_day
        .points
        .iter()
        .map(|p| {
            (
                p.label.as_str(),
                p.days_present,
                p.sessions,
                p.worked_seconds,
                p.avg_clock_in,
                p.wfh_days,
                p.wfo_days,
                p.late_arrivals,
                p.open_sessions,
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                "2026-03-02",
                1,
                2,
                28_800,
                Some(time("08:00:00")),
                0,
                1,
                0,
                0
            ),
            (
                "2026-03-03",
                1,
                1,
                28_800,
                Some(time("09:45:00")),
                1,
                0,
                1,
                0
            ),
            (
                "2026-03-04",
                1,
                2,
                25_200,
                Some(time("09:00:00")),
                1,
                1,
                0,
                0
            ),
        ]
    );

    let q = TrendQuery::new(date("2026-03-02"), date("2026-03-08"), Granularity::Week).unwrap();
    let week = trends.employee_trend(ada.id, &q).await.unwrap();
    assert_eq!(week.points.len(), 1);
    let p = &week.points[0];
    assert_eq!(p.label, "2026-W10");
    assert_eq!(
        (p.days_present, p.sessions, p.worked_seconds),
        (3, 5, 82_800)
    );
    assert_eq!(p.hours_worked, 23.0);
    // (08:00 + 09:45 + 09:00) / 3
    assert_eq!(p.avg_clock_in, Some(time("08:55:00")));
    assert_eq!(
        (p.wfh_days, p.wfo_days, p.late_arrivals, p.open_sessions),
        (2, 2, 1, 0)
    );

    let q = TrendQuery::new(date("2026-03-02"), date("2026-03-15"), Granularity::Week).unwrap();
    let team_trend = trends.team_trend(t.id, &q).await.unwrap();
    assert_eq!(team_trend.headcount, 3);
    assert_eq!(team_trend.points.len(), 2);
    let w10 = &team_trend.points[0];
    assert_eq!(
        (
            w10.figures.days_present,
            w10.figures.sessions,
            w10.figures.worked_seconds
        ),
        (5, 7, 118_800)
    );
    // (08:00 + 09:45 + 09:00 + 10:00 + 10:00) / 5
    assert_eq!(w10.figures.avg_clock_in, Some(time("09:21:00")));
    assert_eq!(
        (
            w10.figures.wfh_days,
            w10.figures.wfo_days,
            w10.figures.late_arrivals,
            w10.figures.open_sessions
        ),
        (3, 3, 3, 0)
    );
    assert_eq!((w10.working_days, w10.days_present_on_working_days), (5, 4));
    // 4 present weekdays / (3 people × 5 days)
    assert_eq!(w10.attendance_rate, Some(0.2667));
    let w11 = &team_trend.points[1];
    assert_eq!(
        (
            w11.figures.days_present,
            w11.figures.sessions,
            w11.figures.worked_seconds
        ),
        (1, 1, 0)
    );
    assert_eq!(w11.figures.avg_clock_in, Some(time("08:30:00")));
    assert_eq!(
        (
            w11.figures.open_sessions,
            w11.figures.wfo_days,
            w11.figures.late_arrivals
        ),
        (1, 1, 0)
    );
    assert_eq!(w11.attendance_rate, Some(0.0667));

    let q = TrendQuery::new(date("2026-02-15"), date("2026-03-31"), Granularity::Month).unwrap();
    let months = trends.team_trend(t.id, &q).await.unwrap();
    assert_eq!(months.points.len(), 2);
    assert_eq!(months.points[0].figures.label, "2026-02");
    assert_eq!(months.points[0].figures.days_present, 0);
    assert_eq!(months.points[0].attendance_rate, Some(0.0));
    assert_eq!(months.points[1].figures.days_present, 6);
    assert_eq!(months.points[1].figures.sessions, 8);
    // 1–31 March 2026 has 22 weekdays.
    assert_eq!(months.points[1].working_days, 22);
}

/// Day records list every employee in scope, present or not, and open
/// sessions from earlier days are reported as forgotten clock-outs.
pub async fn day_records_and_forgotten_clock_outs(store: Arc<dyn Store>) {
    let svc = service(&store);
    let berlin = team(&svc, "Berlin", "Europe/Berlin").await;
    let ny = team(&svc, "New York", "America/New_York").await;
    let ada = employee(&svc, "Ada", berlin.id).await;
    employee(&svc, "Bob", berlin.id).await;
    let cy = employee(&svc, "Cy", berlin.id).await;
    let nina = employee(&svc, "Nina", ny.id).await;
    use WorkMode::{Wfh, Wfo};
    // Cy forgot to clock out on Thursday 29 October.
    let forgotten = cycle(&svc, cy.id, Wfo, "2026-10-29T08:00:00Z", None).await;
    // Friday 30 October (CET, UTC+1).
    cycle(
        &svc,
        ada.id,
        Wfh,
        "2026-10-30T07:10:00Z",
        Some("2026-10-30T11:00:00Z"),
    )
    .await;
    cycle(
        &svc,
        ada.id,
        Wfo,
        "2026-10-30T12:00:00Z",
        Some("2026-10-30T16:00:00Z"),
    )
    .await;
    cycle(&svc, nina.id, Wfo, "2026-10-30T14:00:00Z", None).await;
    let records = store.day_records(date("2026-10-30"), None).await.unwrap();
    let names: Vec<&str> = records.iter().map(|r| r.employee.name.as_str()).collect();
    assert_eq!(names, vec!["Ada", "Bob", "Cy", "Nina"]);
    let a = &records[0];
    assert!(a.present() && a.wfh && a.wfo && !a.late && !a.open);
    assert_eq!(a.team_name, "Berlin");
    assert_eq!(a.first_clock_in, Some(time("08:10:00")));
    assert_eq!((a.sessions, a.worked_seconds), (2, 8 * 3600 - 10 * 60));
    let b = &records[1];
    assert!(!b.present() && !b.wfh && !b.wfo && !b.late && !b.open);
    assert_eq!(
        (b.first_clock_in, b.sessions, b.worked_seconds),
        (None, 0, 0)
    );
    assert!(!records[2].present(), "Cy's open session is dated the 29th");
    let n = &records[3];
    // 14:00 UTC is 10:00 in New York (UTC-4 until 1 November): late.
    assert!(n.present() && n.late && n.open && n.wfo);
    assert_eq!(n.first_clock_in, Some(time("10:00:00")));
    assert_eq!(n.team_name, "New York");

    let only_berlin = store
        .day_records(date("2026-10-30"), Some(berlin.id))
        .await
        .unwrap();
    assert_eq!(only_berlin.len(), 3);
    let err = store
        .day_records(date("2026-10-30"), Some(TeamId(999)))
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        Error::NotFound {
            entity: Entity::Team,
            ..
        }
    ));

    let stale = store
        .open_sessions_before(date("2026-10-30"), None)
        .await
        .unwrap();
    assert_eq!(stale, vec![forgotten.clone()]);
    let stale = store
        .open_sessions_before(date("2026-10-31"), None)
        .await
        .unwrap();
    assert_eq!(stale.len(), 2);
    assert_eq!(stale[0], forgotten);
    let stale = store
        .open_sessions_before(date("2026-10-31"), Some(ny.id))
        .await
        .unwrap();
    assert_eq!(stale.len(), 1);
    assert_eq!(stale[0].employee_id, nina.id);
    assert!(
        store
            .open_sessions_before(date("2026-10-29"), None)
            .await
            .unwrap()
            .is_empty()
    );
    store.ping().await.unwrap();
}

/// A small deterministic generator (64-bit LCG), so the data set is the same
/// for every store and every run without a `rand` dependency.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, bound: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % bound
    }
}

/// One recorded action of the generated data set.
#[derive(Debug, Clone, Copy)]
struct Op {
    employee: usize,
    mode: WorkMode,
    clock_in: DateTime<Utc>,
    clock_out: Option<DateTime<Utc>>,
}

fn generated_ops(employees: usize, days: i64) -> Vec<Op> {
    let mut rng = Lcg(0x5eed);
    let start = ts("2026-06-01T00:00:00Z");
    let mut ops = Vec::new();
    for employee in 0..employees {
        let mut last_end = start;
        for day in 0..days {
            if rng.next(10) < 2 {
                continue; // absent
            }
            let sessions = 1 + rng.next(3) / 2; // 1 or 2
            for part in 0..sessions {
                // Shifts start between 04:00 and 12:59 UTC, so the second
                // timezone's local dates and late arrivals vary too.
                let minute = if part == 0 {
                    4 * 60 + rng.next(9 * 60)
                } else {
                    13 * 60 + rng.next(120)
                };
                let clock_in = start
                    + TimeDelta::days(day)
                    + TimeDelta::minutes(minute as i64)
                    + TimeDelta::seconds(rng.next(60) as i64);
                if clock_in <= last_end {
                    continue;
                }
                let mode = if rng.next(5) < 2 {
                    WorkMode::Wfh
                } else {
                    WorkMode::Wfo
                };
                let forgot = day == days - 1 || rng.next(200) == 0;
                let clock_out =
                    (!forgot).then(|| clock_in + TimeDelta::minutes(60 + rng.next(5 * 60) as i64));
                ops.push(Op {
                    employee,
                    mode,
                    clock_in,
                    clock_out,
                });
                match clock_out {
                    Some(out) => last_end = out,
                    None => break,
                }
            }
            if ops
                .last()
                .is_some_and(|op| op.employee == employee && op.clock_out.is_none())
            {
                break;
            }
        }
    }
    ops
}

async fn load_generated(store: &Arc<dyn Store>) -> (Vec<Team>, Vec<Employee>) {
    let svc = service(store);
    let teams = vec![
        team(&svc, "Lisbon", "Europe/Lisbon").await,
        team(&svc, "Tokyo", "Asia/Tokyo").await,
    ];
    let mut people = Vec::new();
    for i in 0..24 {
        people.push(employee(&svc, &format!("Person {i:02}"), teams[i % 2].id).await);
    }
    for op in generated_ops(people.len(), 150) {
        let who = people[op.employee].id;
        svc.clock_in(who, op.mode, Some(op.clock_in)).await.unwrap();
        if let Some(out) = op.clock_out {
            svc.clock_out(who, Some(out)).await.unwrap();
        }
    }
    (teams, people)
}

/// On a generated data set of a few thousand sessions, the store's trends
/// equal those of the in-memory store at every granularity.
pub async fn generated_data_matches_in_memory(store: Arc<dyn Store>) {
    let reference: Arc<dyn Store> = Arc::new(InMemoryStore::new());
    let (teams, people) = load_generated(&store).await;
    let (ref_teams, ref_people) = load_generated(&reference).await;
    let svc = service(&store);
    let total = all_sessions(&svc, &SessionFilter::default()).await.len();
    assert!(total > 2_000, "only {total} sessions generated");
    let trends = TrendService::new(store.clone());
    let expected = TrendService::new(reference.clone());
    let queries = [
        TrendQuery::new(date("2026-06-01"), date("2026-10-29"), Granularity::Day).unwrap(),
        TrendQuery::new(date("2026-06-03"), date("2026-09-20"), Granularity::Week).unwrap(),
        TrendQuery::new(date("2026-05-20"), date("2026-10-10"), Granularity::Month).unwrap(),
    ];
    for q in &queries {
        for (team, ref_team) in teams.iter().zip(&ref_teams) {
            let mut got = trends.team_trend(team.id, q).await.unwrap();
            let want = expected.team_trend(ref_team.id, q).await.unwrap();
            got.team_id = want.team_id;
            assert_eq!(got, want, "team {} {:?}", team.name, q.granularity());
            assert!(got.points.iter().any(|p| p.figures.late_arrivals > 0));
        }
        for (person, ref_person) in people.iter().zip(&ref_people).step_by(3) {
            let mut got = trends.employee_trend(person.id, q).await.unwrap();
            let want = expected.employee_trend(ref_person.id, q).await.unwrap();
            got.employee_id = want.employee_id;
            assert_eq!(got, want, "employee {} {:?}", person.name, q.granularity());
        }
    }
}

/// Fifty simultaneous clock-ins for one employee: exactly one wins, the
/// others get the conflict with the winner's session.
pub async fn concurrent_clock_ins_for_one_employee(store: Arc<dyn Store>) {
    let svc = service(&store);
    let t = team(&svc, "Ops", "UTC").await;
    let e = employee(&svc, "Ada", t.id).await;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..50 {
        let svc = svc.clone();
        let at = now() - TimeDelta::minutes(60) + TimeDelta::seconds(i);
        tasks.spawn(async move { svc.clock_in(e.id, WorkMode::Wfo, Some(at)).await });
    }
    let mut won = Vec::new();
    let mut conflicts = 0;
    while let Some(result) = tasks.join_next().await {
        match result.expect("task panicked") {
            Ok(session) => won.push(session),
            Err(Error::Conflict(Conflict::AlreadyClockedIn { .. } | Conflict::Overlap { .. })) => {
                conflicts += 1;
            }
            Err(other) => panic!("unexpected error {other:?}"),
        }
    }
    assert_eq!(won.len(), 1, "exactly one clock-in must win");
    assert_eq!(conflicts, 49);
    let open = svc.open_session(e.id).await.unwrap();
    assert_eq!(open.as_ref(), won.first());
    assert_eq!(all_sessions(&svc, &SessionFilter::default()).await.len(), 1);
}

/// Many employees clocking in and out at the same time: every acknowledged
/// session is stored, closed, exactly once.
pub async fn concurrent_cycles_lose_nothing(store: Arc<dyn Store>) {
    let svc = service(&store);
    let t = team(&svc, "Ops", "UTC").await;
    let mut people = Vec::new();
    for i in 0..24 {
        people.push(employee(&svc, &format!("P{i}"), t.id).await);
    }
    let before = all_sessions(&svc, &SessionFilter::default()).await.len();
    let mut tasks = tokio::task::JoinSet::new();
    for person in &people {
        let svc = svc.clone();
        let who = person.id;
        tasks.spawn(async move {
            let mut acknowledged = Vec::new();
            for cycle in 0..8 {
                let at = now() - TimeDelta::hours(10) + TimeDelta::minutes(10 * cycle);
                let opened = svc.clock_in(who, WorkMode::Wfh, Some(at)).await.unwrap();
                // A second clock-in while this one is open is refused.
                assert!(svc.clock_in(who, WorkMode::Wfo, Some(at)).await.is_err());
                svc.clock_out(who, Some(at + TimeDelta::minutes(5)))
                    .await
                    .unwrap();
                acknowledged.push(opened.id);
            }
            acknowledged
        });
    }
    let mut acknowledged = HashSet::new();
    while let Some(ids) = tasks.join_next().await {
        acknowledged.extend(ids.expect("task panicked"));
    }
    assert_eq!(acknowledged.len(), 24 * 8);
    let stored = all_sessions(&svc, &SessionFilter::default()).await;
    assert_eq!(stored.len() - before, 24 * 8);
    let stored_ids: HashSet<_> = stored.iter().map(|s| s.id).collect();
    assert_eq!(stored_ids, acknowledged);
    assert!(stored.iter().all(|s| !s.is_open()));
}
