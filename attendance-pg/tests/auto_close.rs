//! The forgotten clock-out sweep below the library: a clock-out in flight
//! is never overwritten, and the schema holds the policy's bounds and the
//! mark's meaning itself.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use attendance_testsupport as common;

use std::sync::Arc;

use attendance_core::service::{AttendanceService, ManualClock};
use attendance_core::{NewEmployee, NewTeam, WorkMode};
use chrono::{DateTime, Utc};
use sqlx::Connection;

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn sqlstate(err: sqlx::Error) -> String {
    match err {
        sqlx::Error::Database(db) => db.code().map(|c| c.into_owned()).unwrap_or_default(),
        other => panic!("expected a database error, got {other}"),
    }
}

/// A session being clocked out in a transaction not yet committed is left
/// to that clock-out: the sweep neither waits for it nor overwrites it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clock_out_in_flight_is_not_overwritten() {
    common::with_store(|store| async move {
        let pool = store.pool().clone();
        let clock = Arc::new(ManualClock::new(at("2026-11-02T12:00:00Z")));
        let svc = AttendanceService::new(Arc::new(store)).with_clock(clock);
        let team = svc
            .create_team(
                &NewTeam::new("Night")
                    .unwrap()
                    .with_auto_close_after_hours(8)
                    .unwrap(),
            )
            .await
            .unwrap();
        let ada = svc
            .create_employee(&NewEmployee::new("Ada", "Engineer", team.id).unwrap())
            .await
            .unwrap();
        let open = svc
            .clock_in(ada.id, WorkMode::Wfo, Some(at("2026-11-01T20:00:00Z")))
            .await
            .unwrap();

        // Another connection clocks Ada out and has not committed yet.
        let mut other = sqlx::PgConnection::connect_with(&pool.connect_options())
            .await
            .unwrap();
        let mut tx = other.begin().await.unwrap();
        sqlx::query("UPDATE attendance.sessions SET clock_out = $2 WHERE id = $1")
            .bind(open.id.0)
            .bind(at("2026-11-02T07:00:00Z"))
            .execute(&mut *tx)
            .await
            .unwrap();
        assert_eq!(svc.close_forgotten_sessions().await.unwrap(), vec![]);
        tx.commit().await.unwrap();

        let session = svc.sessions(&Default::default(), None, None).await.unwrap();
        let session = session.items.first().unwrap();
        assert_eq!(session.clock_out, Some(at("2026-11-02T07:00:00Z")));
        assert!(!session.auto_closed);
        assert_eq!(svc.close_forgotten_sessions().await.unwrap(), vec![]);
        let auto_closes: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM attendance.audit_log WHERE action = 'auto_close'",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        assert_eq!(auto_closes, 0);
    })
    .await;
}

/// The schema refuses a policy out of 1..=72 hours and an open session
/// marked as closed by the policy, whatever writes them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_schema_checks_the_policy_and_the_mark() {
    common::with_store(|store| async move {
        let pool = store.pool().clone();
        for hours in [0, 73, -1] {
            let err = sqlx::query(
                "INSERT INTO attendance.teams (name, timezone, late_after, auto_close_after_hours) \
                 VALUES ('Ops', 'UTC', '09:30', $1)",
            )
            .bind(hours)
            .execute(&pool)
            .await
            .unwrap_err();
            assert_eq!(sqlstate(err), "23514", "{hours}");
        }
        let svc = AttendanceService::new(Arc::new(store));
        let team = svc
            .create_team(&NewTeam::new("Ops").unwrap())
            .await
            .unwrap();
        let ada = svc
            .create_employee(&NewEmployee::new("Ada", "Engineer", team.id).unwrap())
            .await
            .unwrap();
        let open = svc
            .clock_in(ada.id, WorkMode::Wfo, Some(at("2026-03-02T08:00:00Z")))
            .await
            .unwrap();
        let err = sqlx::query("UPDATE attendance.sessions SET auto_closed = true WHERE id = $1")
            .bind(open.id.0)
            .execute(&pool)
            .await
            .unwrap_err();
        assert_eq!(sqlstate(err), "23514");
    })
    .await;
}
