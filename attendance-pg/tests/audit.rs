//! The audit trail below the library: the database keeps it append-only
//! for the application's own connection (the table's owner), and a
//! clock-in appends its entry in the same statement.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use attendance_testsupport as common;

use std::sync::Arc;

use attendance_core::service::AttendanceService;
use attendance_core::{NewEmployee, NewTeam, WorkMode};

fn sqlstate(err: sqlx::Error) -> String {
    match err {
        sqlx::Error::Database(db) => db.code().map(|c| c.into_owned()).unwrap_or_default(),
        other => panic!("expected a database error, got {other}"),
    }
}

async fn entries(pool: &sqlx::PgPool) -> Vec<(i64, String, Option<String>)> {
    sqlx::query_as("SELECT id, action, after::text FROM attendance.audit_log ORDER BY id")
        .fetch_all(pool)
        .await
        .unwrap()
}

/// UPDATE, DELETE and TRUNCATE through the store's own pool (the role that
/// owns the table) are refused, with or without rows to touch, and the
/// entries stay as written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_table_refuses_update_delete_and_truncate() {
    common::with_store(|store| async move {
        let pool = store.pool().clone();
        let svc = AttendanceService::new(Arc::new(store));
        let team = svc
            .create_team(&NewTeam::new("Ops").unwrap())
            .await
            .unwrap();
        let ada = svc
            .create_employee(&NewEmployee::new("Ada", "Engineer", team.id).unwrap())
            .await
            .unwrap();
        svc.clock_in(ada.id, WorkMode::Wfh, None).await.unwrap();
        let written = entries(&pool).await;
        assert_eq!(written.len(), 3, "{written:?}");

        let owner: bool = sqlx::query_scalar(
            "SELECT pg_get_userbyid(relowner) = current_user FROM pg_class \
             WHERE oid = 'attendance.audit_log'::regclass",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        assert!(owner, "the test runs as the table's owner");

        for statement in [
            "UPDATE attendance.audit_log SET reason = 'rewritten'",
            "UPDATE attendance.audit_log SET actor_kind = 'system' WHERE id < 0",
            "DELETE FROM attendance.audit_log",
            "DELETE FROM attendance.audit_log WHERE id < 0",
            "TRUNCATE attendance.audit_log",
        ] {
            let err = sqlx::query(statement).execute(&pool).await.unwrap_err();
            assert_eq!(sqlstate(err), "42501", "{statement} must be refused");
        }
        assert_eq!(entries(&pool).await, written, "nothing changed");
    })
    .await;
}

/// The clock-in and its entry are one statement: the entry names the
/// session the statement returned.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clock_in_and_its_entry_are_written_together() {
    common::with_store(|store| async move {
        let pool = store.pool().clone();
        let svc = AttendanceService::new(Arc::new(store));
        let team = svc
            .create_team(&NewTeam::new("Ops").unwrap())
            .await
            .unwrap();
        let ada = svc
            .create_employee(&NewEmployee::new("Ada", "Engineer", team.id).unwrap())
            .await
            .unwrap();
        let session = svc.clock_in(ada.id, WorkMode::Wfo, None).await.unwrap();
        let (action, session_id, actor): (String, Option<i64>, String) = sqlx::query_as(
            "SELECT action, session_id, actor_kind FROM attendance.audit_log \
             ORDER BY id DESC LIMIT 1",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        assert_eq!(action, "clock_in");
        assert_eq!(session_id, Some(session.id.0));
        assert_eq!(actor, "system");
    })
    .await;
}
