//! Closing a period: correction requests, locks, the webhook outbox and
//! timesheets (see [`crate::close`], [`crate::webhooks`], [`crate::export`]).

mod locks;
mod outbox;
mod requests;

pub use locks::*;
pub use outbox::*;
pub use requests::*;

use super::prelude::*;
use crate::access::{Identity, Principal};
use crate::close::{CorrectionRequest, Decision, NewPeriodLock, PeriodLock};
use crate::export::{TimesheetRow, TimesheetStream};

/// A team in UTC with a manager and two employees.
struct Crew {
    team: Team,
    boss: Employee,
    ada: Employee,
    bob: Employee,
}

async fn crew(svc: &AttendanceService, name: &str) -> Crew {
    let team = team(svc, name, "UTC").await;
    let boss = svc
        .create_employee(
            &NewEmployee::new(&format!("{name} Boss"), "Lead", team.id)
                .unwrap()
                .manager(true),
        )
        .await
        .unwrap();
    let ada = employee(svc, &format!("{name} Ada"), team.id).await;
    let bob = employee(svc, &format!("{name} Bob"), team.id).await;
    Crew {
        team,
        boss,
        ada,
        bob,
    }
}

async fn member(svc: &AttendanceService, who: &Employee) -> Principal {
    svc.principal(&Identity::Employee { id: who.id })
        .await
        .unwrap()
}

fn admin() -> Principal {
    Principal::admin("payroll")
}

async fn ask_missing(
    svc: &AttendanceService,
    who: &Employee,
    from: &str,
    to: &str,
) -> CorrectionRequest {
    let me = member(svc, who).await;
    svc.acting_as(&me)
        .request_missing_session(who.id, WorkMode::Wfo, ts(from), ts(to), "forgot to clock")
        .await
        .unwrap()
        .value
}

async fn lock(
    svc: &AttendanceService,
    team: Option<TeamId>,
    from: &str,
    to: &str,
) -> std::result::Result<PeriodLock, Error> {
    let new = NewPeriodLock::new(team, date(from), date(to), Some("month closed")).unwrap();
    svc.acting_as(&admin())
        .lock_period(&new)
        .await
        .map(|once| once.value)
}

fn locked(result: std::result::Result<impl std::fmt::Debug, Error>, lock: &PeriodLock) {
    match result {
        Err(Error::Conflict(Conflict::PeriodLocked { lock: found })) => {
            assert_eq!(*found, *lock, "the conflict names the lock");
        }
        other => panic!("expected period_locked, got {other:?}"),
    }
}

async fn rows(mut stream: TimesheetStream<'_>) -> Vec<TimesheetRow> {
    let mut out = Vec::new();
    while let Some(item) =
        std::future::poll_fn(|cx| futures_core::Stream::poll_next(stream.as_mut(), cx)).await
    {
        out.push(item.unwrap());
    }
    out
}

fn approve() -> Decision {
    Decision::Approve
}
