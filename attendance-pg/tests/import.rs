//! Bulk import through `COPY`, beyond the conformance kit's import
//! scenarios: both strategies refuse the same rows, large batches report
//! progress and land whole, and a concurrent write falls back to staging.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use attendance_core::domain::DEFAULT_FUTURE_TOLERANCE;
use attendance_core::import::{ImportBatch, ImportProgress, ImportRow, RejectReason, RejectedRow};
use attendance_core::store::{EmployeeStore, SessionFilter, SessionStore, TeamStore};
use attendance_core::{EmployeeId, NewEmployee, NewTeam, SessionId, WorkMode};
use attendance_pg::{Imported, PgStore, Strategy};
use chrono::{DateTime, TimeDelta, Utc};

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

/// Two employees in Berlin, one in New York.
async fn company(store: &PgStore) -> (EmployeeId, EmployeeId, EmployeeId) {
    let berlin = store
        .create_team(
            &NewTeam::new("Berlin")
                .unwrap()
                .with_timezone("Europe/Berlin")
                .unwrap(),
        )
        .await
        .unwrap();
    let ny = store
        .create_team(
            &NewTeam::new("New York")
                .unwrap()
                .with_timezone("America/New_York")
                .unwrap(),
        )
        .await
        .unwrap();
    let mut ids = Vec::new();
    for (name, team) in [("Ada", berlin.id), ("Grace", berlin.id), ("Linus", ny.id)] {
        let e = store
            .create_employee(&NewEmployee::new(name, "Engineer", team).unwrap())
            .await
            .unwrap();
        ids.push(e.id);
    }
    (ids[0], ids[1], ids[2])
}

/// Imports with the default strategy, now by the machine's clock.
async fn import(store: &PgStore, batch: ImportBatch) -> Imported {
    store
        .importer()
        .import(batch, Utc::now(), DEFAULT_FUTURE_TOLERANCE)
        .await
        .unwrap()
}

fn row(e: EmployeeId, from: &str, to: Option<&str>) -> ImportRow {
    ImportRow::new(e, WorkMode::Wfo, at(from), to.map(at))
}

async fn all_sessions(store: &PgStore, e: EmployeeId) -> Vec<attendance_core::AttendanceSession> {
    let filter = SessionFilter {
        employee_id: Some(e),
        ..SessionFilter::default()
    };
    let page = attendance_core::store::PageRequest {
        limit: 500,
        cursor: None,
    };
    let mut sessions = store.sessions(&filter, &page).await.unwrap().items;
    sessions.reverse();
    sessions
}

/// The import scenarios of the conformance kit run on every store through
/// the default (direct) strategy; here they run again through the staging
/// table, which must refuse the same rows for the same reasons.
#[tokio::test]
async fn the_staged_strategy_passes_the_import_scenarios() {
    use attendance_core::testkit;
    for (name, scenario) in testkit::SCENARIOS {
        if !name.starts_with("import_") {
            continue;
        }
        common::with_store(move |store| async move {
            scenario(Arc::new(store.with_import_strategy(Strategy::Staged))).await;
        })
        .await;
    }
}

#[tokio::test]
async fn large_batches_report_progress_and_land_whole() {
    common::with_store(|store| async move {
        let (ada, grace, linus) = company(&store).await;
        let start = at("2024-01-01T08:00:00Z");
        let mut rows = Vec::new();
        for i in 0..20_000i64 {
            let e = [ada, grace, linus][(i % 3) as usize];
            let clock_in = start + TimeDelta::hours(i);
            rows.push(ImportRow::new(
                e,
                if i % 2 == 0 {
                    WorkMode::Wfo
                } else {
                    WorkMode::Wfh
                },
                clock_in,
                Some(clock_in + TimeDelta::minutes(30)),
            ));
        }
        let seen = Arc::new(AtomicU64::new(0));
        let calls = Arc::new(AtomicU64::new(0));
        let (s, c) = (seen.clone(), calls.clone());
        let batch = ImportBatch::from_rows(rows).on_progress(move |p: ImportProgress| {
            assert!(p.sent <= p.total);
            s.store(p.sent, Ordering::Relaxed);
            c.fetch_add(1, Ordering::Relaxed);
        });
        let report = import(&store, batch).await.report;
        assert_eq!(report.inserted, 20_000);
        assert_eq!(seen.load(Ordering::Relaxed), 20_000);
        assert!(calls.load(Ordering::Relaxed) >= 2);
        let count: i64 = sqlx::query_scalar("SELECT count(*) FROM attendance.sessions")
            .fetch_one(store.pool())
            .await
            .unwrap();
        assert_eq!(count, 20_000);

        // Importing the same rows again refuses every one of them, as rows.
        let again: Vec<ImportRow> = (0..3i64)
            .map(|i| {
                let clock_in = start + TimeDelta::hours(i);
                row(
                    [ada, grace, linus][i as usize],
                    &clock_in.to_rfc3339(),
                    Some(&(clock_in + TimeDelta::minutes(30)).to_rfc3339()),
                )
            })
            .collect();
        let report = import(&store, ImportBatch::from_rows(again)).await.report;
        assert_eq!(report.inserted, 0);
        assert_eq!(report.rejected.len(), 3);
        assert!(
            report
                .rejected
                .iter()
                .all(|r| matches!(r.reason, RejectReason::OverlapsSession { open: false, .. }))
        );
    })
    .await;
}

/// A clock-in that commits between the direct import's check and its COPY
/// makes the COPY fail; the import rolls back and runs again through the
/// staging table, still refusing only the one row.
#[tokio::test]
async fn a_concurrent_write_falls_back_to_the_staging_table() {
    common::with_store(|store| async move {
        let (ada, grace, _) = company(&store).await;
        let mut other = store.pool().begin().await.unwrap();
        let raced: i64 = sqlx::query_scalar(
            "INSERT INTO attendance.sessions (employee_id, work_date, clock_in, clock_out, work_mode) \
             VALUES ($1, '2026-03-02', '2026-03-02T08:00:00Z', '2026-03-02T10:00:00Z', 'WFO') \
             RETURNING id",
        )
        .bind(ada.0)
        .fetch_one(&mut *other)
        .await
        .unwrap();

        let batch = ImportBatch::from_rows(vec![
            row(ada, "2026-03-02T09:00:00Z", Some("2026-03-02T11:00:00Z")),
            row(grace, "2026-03-02T09:00:00Z", Some("2026-03-02T11:00:00Z")),
        ]);
        let racing = store.clone();
        let import = tokio::spawn(async move { import(&racing, batch).await });
        // Wait until the COPY waits for the other transaction, then commit it.
        let mut waited = Duration::ZERO;
        loop {
            let waiting: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM pg_stat_activity \
                 WHERE datname = current_database() AND wait_event_type = 'Lock'",
            )
            .fetch_one(store.pool())
            .await
            .unwrap();
            if waiting > 0 {
                break;
            }
            assert!(waited < Duration::from_secs(20), "the import never waited");
            tokio::time::sleep(Duration::from_millis(20)).await;
            waited += Duration::from_millis(20);
        }
        other.commit().await.unwrap();

        let imported = import.await.unwrap();
        assert_eq!(imported.strategy, Strategy::Staged);
        let report = imported.report;
        assert_eq!(report.inserted, 1);
        assert_eq!(
            report.rejected,
            [RejectedRow {
                line: 1,
                reason: RejectReason::OverlapsSession {
                    session_id: SessionId(raced),
                    open: false,
                },
            }]
        );
        assert_eq!(all_sessions(&store, grace).await.len(), 1);
    })
    .await;
}
