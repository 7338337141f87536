//! Closing a period below the library: the lock triggers refuse every
//! statement that touches a locked work date (raw SQL included), every
//! write path reports the lock that refused it, a lock racing clock-ins
//! never lets an open session into its range, and a request is decided
//! once.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use attendance_testsupport as common;

use std::sync::Arc;

use attendance_core::access::Actor;
use attendance_core::audit::{AuditAction, AuditFilter, Stamp};
use attendance_core::close::{
    Decision, LockFilter, NewCorrectionRequest, NewPeriodLock, PeriodLock, RequestFilter,
    RequestId, RequestState, lock_on,
};
use attendance_core::idempotency::{IdempotencyKey, Write, Written};
use attendance_core::import::{ImportBatch, ImportRow};
use attendance_core::service::{AttendanceService, ManualClock};
use attendance_core::store::{AttendanceStore, Directory, IdCursor, PageRequest, SessionFilter};
use attendance_core::worktime::{AbsenceKind, NewAbsence};
use attendance_core::{
    AttendanceSession, Conflict, EmployeeChanges, EmployeeId, Entity, Error, NewEmployee, NewTeam,
    TeamId, WorkMode,
};
use attendance_pg::PgStore;
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{Connection, PgPool};

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

const NOW: &str = "2026-04-15T12:00:00Z";

fn admin() -> Stamp {
    Stamp::new(
        Actor::Admin {
            name: "payroll".into(),
            token: None,
        },
        at(NOW),
    )
}

fn service(store: &PgStore) -> AttendanceService {
    AttendanceService::new(Arc::new(store.clone())).with_clock(Arc::new(ManualClock::new(at(NOW))))
}

/// Teams A and B (UTC), Ada in A and Bob in B.
async fn company(store: &PgStore) -> (TeamId, TeamId, EmployeeId, EmployeeId) {
    let svc = service(store);
    let a = svc.create_team(&NewTeam::new("A").unwrap()).await.unwrap();
    let b = svc.create_team(&NewTeam::new("B").unwrap()).await.unwrap();
    let ada = svc
        .create_employee(&NewEmployee::new("Ada", "Engineer", a.id).unwrap())
        .await
        .unwrap();
    let bob = svc
        .create_employee(&NewEmployee::new("Bob", "Engineer", b.id).unwrap())
        .await
        .unwrap();
    (a.id, b.id, ada.id, bob.id)
}

async fn lock(
    store: &PgStore,
    team: Option<TeamId>,
    from: &str,
    to: &str,
) -> Result<PeriodLock, Error> {
    let new = NewPeriodLock::new(team, day(from), day(to), Some("payroll")).unwrap();
    match store.write(&admin(), &Write::LockPeriod(new)).await? {
        Written::PeriodLock(lock) => Ok(lock),
        other => panic!("a lock wrote {other:?}"),
    }
}

async fn backfill(
    store: &PgStore,
    employee: EmployeeId,
    from: &str,
    to: &str,
) -> Result<AttendanceSession, Error> {
    service(store)
        .record_session(employee, WorkMode::Wfo, at(from), at(to))
        .await
}

/// The lock a write was refused for.
fn locked_by(result: Result<impl std::fmt::Debug, Error>) -> PeriodLock {
    match result {
        Err(Error::Conflict(Conflict::PeriodLocked { lock })) => *lock,
        other => panic!("expected PeriodLocked, got {other:?}"),
    }
}

/// The SQLSTATE of a refused statement and the lock id its DETAIL names.
fn refusal(err: sqlx::Error) -> (String, Option<i64>) {
    let sqlx::Error::Database(db) = err else {
        panic!("expected a database error, got {err}");
    };
    let code = db.code().map(|c| c.into_owned()).unwrap_or_default();
    let detail = db
        .try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
        .and_then(|pg| pg.detail())
        .map(|d| serde_json::from_str::<serde_json::Value>(d).unwrap());
    (code, detail.and_then(|d| d["id"].as_i64()))
}

async fn raw(pool: &PgPool, sql: &'static str, binds: &[i64]) -> Result<u64, sqlx::Error> {
    let mut q = sqlx::query(sql);
    for b in binds {
        q = q.bind(*b);
    }
    q.execute(pool).await.map(|done| done.rows_affected())
}

async fn audit_count(pool: &PgPool) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM attendance.audit_log")
        .fetch_one(pool)
        .await
        .unwrap()
}

mod locking;
mod requests;
mod triggers;
