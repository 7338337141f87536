//! Bulk import through `COPY`: each refused row is reported with its line
//! and reason, the accepted ones are stored exactly as a clock-in would
//! store them, and both strategies agree.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use attendance_core::store::{EmployeeStore, SessionFilter, SessionStore, TeamStore};
use attendance_core::{Conflict, EmployeeId, Error, NewEmployee, NewTeam, SessionId, WorkMode};
use attendance_pg::PgStore;
use attendance_pg::import::{ImportProgress, ImportRow, RejectReason, RejectedRow, Strategy};
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn day(s: &str) -> NaiveDate {
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

async fn good_rows_are_stored_with_computed_work_dates(strategy: Strategy) {
    common::with_store(move |store| async move {
        let (ada, _, linus) = company(&store).await;
        let rows = vec![
            // Berlin is UTC+1 in March: 23:30Z is already the next local day.
            row(ada, "2026-03-02T23:30:00Z", Some("2026-03-03T06:00:00Z")),
            // New York is UTC-5: 03:00Z is still the previous local day.
            row(linus, "2026-03-02T03:00:00Z", Some("2026-03-02T05:00:00Z"))
                .with_work_date(day("2026-03-01")),
            ImportRow::new(ada, WorkMode::Wfh, at("2026-03-03T08:00:00Z"), None),
        ];
        let report = store
            .importer()
            .strategy(strategy)
            .import_rows(rows)
            .await
            .unwrap();
        assert_eq!((report.rows, report.inserted), (3, 3));
        assert!(report.rejected.is_empty(), "{:?}", report.rejected);
        assert_eq!(report.strategy, strategy);

        let ada_sessions = all_sessions(&store, ada).await;
        assert_eq!(ada_sessions.len(), 2);
        assert_eq!(ada_sessions[0].work_date, day("2026-03-03"));
        assert_eq!(ada_sessions[0].clock_out, Some(at("2026-03-03T06:00:00Z")));
        assert_eq!(ada_sessions[1].work_mode, WorkMode::Wfh);
        let linus_sessions = all_sessions(&store, linus).await;
        assert_eq!(linus_sessions[0].work_date, day("2026-03-01"));

        // The imported open session is the employee's open session for the
        // store's rules too.
        let open = store.open_session(ada).await.unwrap().unwrap();
        assert_eq!(open.clock_in, at("2026-03-03T08:00:00Z"));
        let err = store
            .clock_in(ada, WorkMode::Wfo, at("2026-03-03T09:00:00Z"))
            .await
            .unwrap_err();
        assert!(matches!(
            err,
            Error::Conflict(Conflict::AlreadyClockedIn { .. })
        ));
    })
    .await;
}

#[tokio::test]
async fn good_rows_are_stored_with_computed_work_dates_direct() {
    good_rows_are_stored_with_computed_work_dates(Strategy::Direct).await;
}

#[tokio::test]
async fn good_rows_are_stored_with_computed_work_dates_staged() {
    good_rows_are_stored_with_computed_work_dates(Strategy::Staged).await;
}

async fn every_bad_row_is_reported_with_its_line(strategy: Strategy) {
    common::with_store(move |store| async move {
        let (ada, grace, linus) = company(&store).await;
        // Already stored: a closed session of Grace and an open one of Linus.
        let stored = store
            .record_session(
                grace,
                WorkMode::Wfo,
                at("2026-03-02T08:00:00Z"),
                at("2026-03-02T12:00:00Z"),
            )
            .await
            .unwrap();
        let open = store
            .clock_in(linus, WorkMode::Wfh, at("2026-03-02T14:00:00Z"))
            .await
            .unwrap();
        let future = (Utc::now() + TimeDelta::hours(1)).to_rfc3339();
        let rows = vec![
            /* 1 */ row(ada, "2026-03-02T08:00:00Z", Some("2026-03-02T12:00:00Z")),
            /* 2 */ row(EmployeeId(999_999), "2026-03-02T08:00:00Z", None),
            /* 3 */ row(ada, "2026-03-03T08:00:00Z", Some("2026-03-03T08:00:00Z")),
            /* 4 */ row(ada, &future, None),
            /* 5 */
            row(ada, "2026-03-04T08:00:00Z", Some("2026-03-04T09:00:00Z"))
                .with_work_date(day("2026-03-03")),
            /* 6 */ row(ada, "2026-03-02T11:00:00Z", Some("2026-03-02T13:00:00Z")),
            /* 7 */ row(ada, "2026-03-05T08:00:00Z", None),
            /* 8 */ row(ada, "2026-03-06T08:00:00Z", Some("2026-03-06T09:00:00Z")),
            /* 9 */ row(grace, "2026-03-02T11:59:59Z", Some("2026-03-02T13:00:00Z")),
            /* 10 */ row(grace, "2026-03-02T12:00:00Z", Some("2026-03-02T13:00:00Z")),
            /* 11 */ row(linus, "2026-03-02T15:00:00Z", Some("2026-03-02T16:00:00Z")),
            /* 12 */ row(linus, "2026-03-02T13:00:00Z", Some("2026-03-02T14:00:00Z")),
        ];
        let report = store
            .importer()
            .strategy(strategy)
            .import_rows(rows)
            .await
            .unwrap();
        let expected = vec![
            (
                2,
                RejectReason::UnknownEmployee {
                    employee_id: EmployeeId(999_999),
                },
            ),
            (
                3,
                RejectReason::ClockOutNotAfterClockIn {
                    clock_in: at("2026-03-03T08:00:00Z"),
                    clock_out: at("2026-03-03T08:00:00Z"),
                },
            ),
            (4, RejectReason::InFuture { at: at(&future) }),
            (
                5,
                RejectReason::WorkDateMismatch {
                    given: day("2026-03-03"),
                    expected: day("2026-03-04"),
                },
            ),
            (
                6,
                RejectReason::OverlapsRow {
                    line: 1,
                    open: false,
                },
            ),
            (
                8,
                RejectReason::OverlapsRow {
                    line: 7,
                    open: true,
                },
            ),
            (
                9,
                RejectReason::OverlapsSession {
                    session_id: stored.id,
                    open: false,
                },
            ),
            // Rows are checked against each other before against the stored
            // sessions: line 9 keeps line 10 out, though it is refused itself.
            (
                10,
                RejectReason::OverlapsRow {
                    line: 9,
                    open: false,
                },
            ),
            (
                11,
                RejectReason::OverlapsSession {
                    session_id: open.id,
                    open: true,
                },
            ),
        ];
        let got: Vec<(u64, RejectReason)> = report
            .rejected
            .iter()
            .map(|r| (r.line, r.reason.clone()))
            .collect();
        assert_eq!(got, expected);
        assert_eq!((report.rows, report.inserted), (12, 3));
        // Lines 1, 7 and 12 went in, nothing else.
        assert_eq!(all_sessions(&store, ada).await.len(), 2);
        assert_eq!(all_sessions(&store, grace).await.len(), 1);
        assert_eq!(all_sessions(&store, linus).await.len(), 2);
        // Every reason reads as a sentence.
        for r in &report.rejected {
            assert!(!r.reason.to_string().is_empty());
        }
    })
    .await;
}

#[tokio::test]
async fn every_bad_row_is_reported_with_its_line_direct() {
    every_bad_row_is_reported_with_its_line(Strategy::Direct).await;
}

#[tokio::test]
async fn every_bad_row_is_reported_with_its_line_staged() {
    every_bad_row_is_reported_with_its_line(Strategy::Staged).await;
}

#[tokio::test]
async fn csv_lines_are_counted_as_in_the_file() {
    common::with_store(|store| async move {
        let (ada, grace, _) = company(&store).await;
        let csv = format!(
            "employee_id,clock_in,clock_out,work_mode,work_date\n\
             {ada},2026-03-02T08:00:00Z,2026-03-02T12:00:00Z,WFO,2026-03-02\n\
             \n\
             {ada},2026-03-02T13:00:00Z,2026-03-02T17:00:00Z,office\n\
             {grace},2026-03-02T08:00:00Z,,wfh\n\
             {grace},not a time,,WFH\n\
             {grace},2026-03-02T09:00:00Z\n"
        );
        let report = store.importer().import_csv(&csv).await.unwrap();
        assert_eq!((report.rows, report.inserted), (5, 2));
        let lines: Vec<u64> = report.rejected.iter().map(|r| r.line).collect();
        assert_eq!(lines, [4, 6, 7]);
        assert!(matches!(
            &report.rejected[0],
            RejectedRow {
                reason: RejectReason::WorkMode { value },
                ..
            } if value == "office"
        ));
        assert!(matches!(
            report.rejected[1].reason,
            RejectReason::Malformed { .. }
        ));
        assert_eq!(
            store.open_session(grace).await.unwrap().unwrap().work_mode,
            WorkMode::Wfh
        );
    })
    .await;
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
        let report = store
            .importer()
            .on_progress(move |p: ImportProgress| {
                assert!(p.sent <= p.total);
                s.store(p.sent, Ordering::Relaxed);
                c.fetch_add(1, Ordering::Relaxed);
            })
            .import_rows(rows)
            .await
            .unwrap();
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
        let report = store.importer().import_rows(again).await.unwrap();
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

#[tokio::test]
async fn empty_input_is_an_empty_report() {
    common::with_store(|store| async move {
        let report = store.importer().import_rows(Vec::new()).await.unwrap();
        assert_eq!((report.rows, report.inserted), (0, 0));
        let report = store.importer().import_csv("").await.unwrap();
        assert_eq!(report.rows, 0);
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

        let importer = store.importer();
        let import = tokio::spawn(async move {
            importer
                .import_rows(vec![
                    row(ada, "2026-03-02T09:00:00Z", Some("2026-03-02T11:00:00Z")),
                    row(grace, "2026-03-02T09:00:00Z", Some("2026-03-02T11:00:00Z")),
                ])
                .await
        });
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

        let report = import.await.unwrap().unwrap();
        assert_eq!(report.strategy, Strategy::Staged);
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
