//! Bulk import through `COPY`, beyond the conformance kit's import
//! scenarios: both strategies refuse the same rows, large batches report
//! progress and land whole, a concurrent write falls back to staging, and
//! what PostgreSQL itself exports as CSV imports back row for row.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use attendance_testsupport as common;

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use attendance_core::domain::DEFAULT_FUTURE_TOLERANCE;
use attendance_core::import::{ImportBatch, ImportProgress, ImportRow, RejectReason, RejectedRow};
use attendance_core::service::AttendanceService;
use attendance_core::store::{AttendanceStore, SessionFilter};
use attendance_core::{EmployeeId, NewEmployee, NewTeam, SessionId, WorkMode};
use attendance_pg::{Imported, PgStore, Strategy};
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use sqlx::PgConnection;

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

/// The host's own service over `store`: how these tests write.
fn service(store: &PgStore) -> AttendanceService {
    AttendanceService::new(std::sync::Arc::new(store.clone()))
}

/// Two employees in Berlin, one in New York.
async fn company(store: &PgStore) -> (EmployeeId, EmployeeId, EmployeeId) {
    let berlin = service(store)
        .create_team(
            &NewTeam::new("Berlin")
                .unwrap()
                .with_timezone("Europe/Berlin")
                .unwrap(),
        )
        .await
        .unwrap();
    let ny = service(store)
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
        let e = service(store)
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

/// A session as stored, for comparing two databases row by row.
type StoredRow = (i64, NaiveDate, DateTime<Utc>, Option<DateTime<Utc>>, String);

async fn stored_rows(store: &PgStore) -> Vec<StoredRow> {
    sqlx::query_as(
        "SELECT employee_id, work_date, clock_in, clock_out, work_mode \
         FROM attendance.sessions ORDER BY employee_id, clock_in",
    )
    .fetch_all(store.pool())
    .await
    .unwrap()
}

/// What `psql`'s `\copy (query) TO file` writes: `COPY (query) TO STDOUT`,
/// collected, with the session's `TimeZone` set first.
async fn copy_out(conn: &mut PgConnection, timezone: &str, statement: &str) -> String {
    sqlx::query("SELECT set_config('TimeZone', $1, false)")
        .bind(timezone)
        .execute(&mut *conn)
        .await
        .unwrap();
    let mut stream = conn.copy_out_raw(statement).await.unwrap();
    let mut out = Vec::new();
    while let Some(chunk) =
        std::future::poll_fn(|cx| futures_core::Stream::poll_next(Pin::as_mut(&mut stream), cx))
            .await
    {
        out.extend_from_slice(&chunk.unwrap());
    }
    String::from_utf8(out).unwrap()
}

/// Sessions that put PostgreSQL's text output through its paces: a night
/// shift over midnight, both DST changes, an open session, fractional
/// seconds, and a day in 1900, when Dublin kept a local mean time 25
/// minutes 21 seconds behind UTC.
async fn sessions_worth_exporting(store: &PgStore) -> usize {
    let (ada, grace, linus) = company(store).await;
    let rows = vec![
        // 22:00 to 06:00 in Berlin, one work date.
        row(
            ada,
            "2026-03-02T21:00:00.123456Z",
            Some("2026-03-03T05:00:00.5Z"),
        ),
        // Berlin springs forward at 02:00 local on 29 March 2026.
        row(
            ada,
            "2026-03-29T00:30:00Z",
            Some("2026-03-29T06:15:30.000001Z"),
        ),
        // ... and falls back at 03:00 local on 25 October.
        row(grace, "2026-10-25T00:15:00Z", Some("2026-10-25T02:45:00Z")),
        row(
            grace,
            "1900-06-01T08:00:00Z",
            Some("1900-06-01T16:00:00.25Z"),
        ),
        // New York springs forward on 8 March; 19:30 there is the next UTC day.
        row(linus, "2026-03-08T06:30:00Z", Some("2026-03-08T12:00:00Z")),
        row(linus, "2026-03-09T23:30:00Z", Some("2026-03-10T03:00:00Z")),
        ImportRow::new(
            linus,
            WorkMode::Wfh,
            at("2026-03-11T13:00:00.654321Z"),
            None,
        ),
    ];
    let count = rows.len();
    let report = import(store, ImportBatch::from_rows(rows)).await.report;
    assert!(report.rejected.is_empty(), "{:?}", report.rejected);
    count
}

const EXPORT: &str = "COPY (SELECT employee_id, clock_in, clock_out, work_mode, work_date \
                      FROM attendance.sessions ORDER BY id) TO STDOUT WITH (FORMAT csv, HEADER)";

/// The round trip of `\copy … TO … CSV` then the library's CSV import, in
/// every offset form PostgreSQL prints: whole hours (`+00`, `+01`, `-05`),
/// hours and minutes (`+05:30`, `-03:30`) and a local mean time to the
/// second (`-00:25:21`). Every row comes back as it was.
#[tokio::test]
async fn what_postgres_exports_as_csv_imports_back_row_for_row() {
    common::with_store(|source| async move {
        let sessions = sessions_worth_exporting(&source).await;
        let expected = stored_rows(&source).await;
        assert_eq!(expected.len(), sessions);
        let mut conn = source.pool().acquire().await.unwrap();
        let mut exports = Vec::new();
        for (timezone, form) in [
            (
                "UTC",
                "2026-03-02 21:00:00.123456+00,2026-03-03 05:00:00.5+00,WFO,2026-03-02",
            ),
            (
                "Europe/Berlin",
                "2026-03-29 01:30:00+01,2026-03-29 08:15:30.000001+02",
            ),
            (
                "Asia/Kolkata",
                "2026-03-11 18:30:00.654321+05:30,,WFH,2026-03-11",
            ),
            (
                "America/St_Johns",
                "2026-03-02 17:30:00.123456-03:30,2026-03-03 01:30:00.5-03:30",
            ),
            (
                "America/St_Johns",
                "2026-03-08 04:00:00-02:30,2026-03-08 09:30:00-02:30",
            ),
            (
                "Europe/Dublin",
                "1900-06-01 07:34:39-00:25:21,1900-06-01 15:34:39.25-00:25:21",
            ),
        ] {
            let csv = copy_out(&mut conn, timezone, EXPORT).await;
            assert!(csv.starts_with("employee_id,clock_in,clock_out,work_mode,work_date\n"));
            assert!(csv.contains(form), "{timezone}: {form:?} not in\n{csv}");
            exports.push((timezone, csv));
        }
        drop(conn);

        common::with_store(move |target| async move {
            company(&target).await;
            for (timezone, csv) in exports {
                sqlx::query("DELETE FROM attendance.sessions")
                    .execute(target.pool())
                    .await
                    .unwrap();
                let report = import(&target, ImportBatch::from_csv(&csv)).await.report;
                assert!(
                    report.rejected.is_empty(),
                    "{timezone}: {:?}",
                    report.rejected
                );
                assert_eq!(report.inserted, sessions as u64, "{timezone}");
                assert_eq!(stored_rows(&target).await, expected, "{timezone}");
            }
        })
        .await;
    })
    .await;
}

/// ISO 8601 with a `T` and a `Z` (as `to_char` writes it) imports the same;
/// a `timestamp` without time zone in one row (`clock_in AT TIME ZONE
/// 'UTC'`, no offset) is refused with a row error saying why, and the rest
/// of the batch lands.
#[tokio::test]
async fn t_and_z_are_read_and_an_instant_without_offset_is_a_row_error() {
    common::with_store(|source| async move {
        let sessions = sessions_worth_exporting(&source).await;
        let expected = stored_rows(&source).await;
        let mut conn = source.pool().acquire().await.unwrap();
        // One clock-in goes out as a bare timestamp: the seventh by
        // clock-in, on line 8.
        let csv = copy_out(
            &mut conn,
            "Asia/Tokyo",
            "COPY (SELECT employee_id, \
                   CASE WHEN clock_in = '2026-10-25T00:15:00Z' \
                        THEN (clock_in AT TIME ZONE 'UTC')::text \
                        ELSE to_char(clock_in AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') \
                   END, \
                   to_char(clock_out AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), \
                   work_mode, work_date \
                 FROM attendance.sessions ORDER BY clock_in) TO STDOUT WITH (FORMAT csv, HEADER)",
        )
        .await;
        drop(conn);
        assert!(csv.contains(",2026-03-02T21:00:00.123456Z,2026-03-03T05:00:00.500000Z,"), "{csv}");
        assert!(csv.contains(",2026-10-25 00:15:00,2026-10-25T02:45:00.000000Z,"), "{csv}");

        common::with_store(move |target| async move {
            company(&target).await;
            let report = import(&target, ImportBatch::from_csv(&csv)).await.report;
            assert_eq!(report.rows, sessions as u64);
            assert_eq!(report.inserted, sessions as u64 - 1);
            let [rejected] = report.rejected.as_slice() else {
                panic!("{:?}", report.rejected);
            };
            assert_eq!(rejected.line, 8);
            let reason = rejected.reason.to_string();
            assert!(matches!(rejected.reason, RejectReason::Malformed { .. }), "{reason}");
            assert!(
                reason.contains("clock_in \"2026-10-25 00:15:00\"") && reason.contains("no UTC offset"),
                "{reason}"
            );
            let mut landed = expected.clone();
            landed.retain(|r| r.2 != at("2026-10-25T00:15:00Z"));
            assert_eq!(stored_rows(&target).await, landed);
        })
        .await;
    })
    .await;
}
