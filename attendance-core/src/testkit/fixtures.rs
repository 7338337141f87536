//! What the scenarios share: a fixed "now", instants, a service over the
//! store under test, and small builders.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};

use crate::clock::ManualClock;
use crate::domain::WorkMode;
use crate::domain::{AttendanceSession, Employee, EmployeeId, NewEmployee, NewTeam, Team, TeamId};
use crate::service::AttendanceService;
use crate::store::{SessionFilter, Store};

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

pub(crate) fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

pub(crate) fn time(s: &str) -> NaiveTime {
    NaiveTime::parse_from_str(s, "%H:%M:%S").unwrap()
}

/// An attendance service over `store` whose clock shows [`now`].
pub fn service(store: &Arc<dyn Store>) -> AttendanceService {
    AttendanceService::new(store.clone()).with_clock(Arc::new(ManualClock::new(now())))
}

pub(crate) async fn team(svc: &AttendanceService, name: &str, tz: &str) -> Team {
    svc.create_team(&NewTeam::new(name).unwrap().with_timezone(tz).unwrap())
        .await
        .unwrap()
}

pub(crate) async fn employee(svc: &AttendanceService, name: &str, team: TeamId) -> Employee {
    svc.create_employee(&NewEmployee::new(name, "Engineer", team).unwrap())
        .await
        .unwrap()
}

pub(crate) async fn cycle(
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

pub(crate) async fn all_sessions(
    svc: &AttendanceService,
    filter: &SessionFilter,
) -> Vec<AttendanceSession> {
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
