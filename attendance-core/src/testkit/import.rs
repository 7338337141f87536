//! Bulk import: rows stored as a clock-in would store them, every bad row
//! reported with its line and reason, CSV lines counted as in the file.

use super::prelude::*;
use crate::import::{ImportBatch, ImportReport, ImportRow, RejectReason};

/// Two employees in Berlin, one in New York.
async fn company(svc: &AttendanceService) -> (EmployeeId, EmployeeId, EmployeeId) {
    let berlin = team(svc, "Berlin", "Europe/Berlin").await;
    let ny = team(svc, "New York", "America/New_York").await;
    (
        employee(svc, "Ada", berlin.id).await.id,
        employee(svc, "Grace", berlin.id).await.id,
        employee(svc, "Linus", ny.id).await.id,
    )
}

fn row(e: EmployeeId, from: &str, to: Option<&str>) -> ImportRow {
    ImportRow::new(e, WorkMode::Wfo, ts(from), to.map(ts))
}

async fn sessions_of(svc: &AttendanceService, e: EmployeeId) -> Vec<AttendanceSession> {
    let filter = SessionFilter {
        employee_id: Some(e),
        ..SessionFilter::default()
    };
    let mut sessions = all_sessions(svc, &filter).await;
    sessions.reverse();
    sessions
}

fn reasons(report: &ImportReport) -> Vec<(u64, RejectReason)> {
    report
        .rejected
        .iter()
        .map(|r| (r.line, r.reason.clone()))
        .collect()
}

/// Imported rows get the work date a clock-in would give them, and an
/// imported open session is the employee's open session.
pub async fn import_stores_rows_as_a_clock_in_would(store: Arc<dyn Store>) {
    let svc = service(&store);
    let (ada, _, linus) = company(&svc).await;
    let rows = vec![
        // Berlin is UTC+1 in March: 23:30Z is already the next local day.
        row(ada, "2026-03-02T23:30:00Z", Some("2026-03-03T06:00:00Z")),
        // New York is UTC-5: 03:00Z is still the previous local day.
        row(linus, "2026-03-02T03:00:00Z", Some("2026-03-02T05:00:00Z"))
            .with_work_date(date("2026-03-01")),
        ImportRow::new(ada, WorkMode::Wfh, ts("2026-03-03T08:00:00Z"), None),
    ];
    let report = svc.import(ImportBatch::from_rows(rows)).await.unwrap();
    assert_eq!((report.rows, report.inserted), (3, 3));
    assert!(report.rejected.is_empty(), "{:?}", report.rejected);

    let ada_sessions = sessions_of(&svc, ada).await;
    assert_eq!(ada_sessions.len(), 2);
    assert_eq!(ada_sessions[0].work_date, date("2026-03-03"));
    assert_eq!(ada_sessions[0].clock_out, Some(ts("2026-03-03T06:00:00Z")));
    assert_eq!(ada_sessions[1].work_mode, WorkMode::Wfh);
    assert_eq!(
        sessions_of(&svc, linus).await[0].work_date,
        date("2026-03-01")
    );

    let open = svc.open_session(ada).await.unwrap().unwrap();
    assert_eq!(open.clock_in, ts("2026-03-03T08:00:00Z"));
    let err = svc
        .clock_in(ada, WorkMode::Wfo, Some(ts("2026-03-03T09:00:00Z")))
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        Error::Conflict(Conflict::AlreadyClockedIn { .. })
    ));
}

/// Every bad row is refused with its line and reason, the good ones are
/// stored, and the batch as a whole never fails. "The future" is the
/// service's clock, not the machine's.
pub async fn import_reports_every_bad_row(store: Arc<dyn Store>) {
    let svc = service(&store);
    let (ada, grace, linus) = company(&svc).await;
    let stored = svc
        .record_session(
            grace,
            WorkMode::Wfo,
            ts("2026-03-02T08:00:00Z"),
            ts("2026-03-02T12:00:00Z"),
        )
        .await
        .unwrap();
    let open = svc
        .clock_in(linus, WorkMode::Wfh, Some(ts("2026-03-02T14:00:00Z")))
        .await
        .unwrap();
    let future = now() + TimeDelta::hours(1);
    let rows = vec![
        /* 1 */ row(ada, "2026-03-02T08:00:00Z", Some("2026-03-02T12:00:00Z")),
        /* 2 */ row(EmployeeId(999_999), "2026-03-02T08:00:00Z", None),
        /* 3 */ row(ada, "2026-03-03T08:00:00Z", Some("2026-03-03T08:00:00Z")),
        /* 4 */ ImportRow::new(ada, WorkMode::Wfo, future, None),
        /* 5 */
        row(ada, "2026-03-04T08:00:00Z", Some("2026-03-04T09:00:00Z"))
            .with_work_date(date("2026-03-03")),
        /* 6 */ row(ada, "2026-03-02T11:00:00Z", Some("2026-03-02T13:00:00Z")),
        /* 7 */ row(ada, "2026-03-05T08:00:00Z", None),
        /* 8 */ row(ada, "2026-03-06T08:00:00Z", Some("2026-03-06T09:00:00Z")),
        /* 9 */ row(grace, "2026-03-02T11:59:59Z", Some("2026-03-02T13:00:00Z")),
        /* 10 */ row(grace, "2026-03-02T12:00:00Z", Some("2026-03-02T13:00:00Z")),
        /* 11 */ row(linus, "2026-03-02T15:00:00Z", Some("2026-03-02T16:00:00Z")),
        /* 12 */ row(linus, "2026-03-02T13:00:00Z", Some("2026-03-02T14:00:00Z")),
    ];
    let report = svc.import(ImportBatch::from_rows(rows)).await.unwrap();
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
                clock_in: ts("2026-03-03T08:00:00Z"),
                clock_out: ts("2026-03-03T08:00:00Z"),
            },
        ),
        (4, RejectReason::InFuture { at: future }),
        (
            5,
            RejectReason::WorkDateMismatch {
                given: date("2026-03-03"),
                expected: date("2026-03-04"),
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
    assert_eq!(reasons(&report), expected);
    assert_eq!((report.rows, report.inserted), (12, 3));
    // Lines 1, 7 and 12 went in, nothing else.
    assert_eq!(sessions_of(&svc, ada).await.len(), 2);
    assert_eq!(sessions_of(&svc, grace).await.len(), 1);
    assert_eq!(sessions_of(&svc, linus).await.len(), 2);
    for r in &report.rejected {
        assert!(!r.reason.to_string().is_empty());
    }
}

/// Instants with digits below the microsecond are cut to the microsecond
/// before they are checked, as a clock-in cuts them: no such row can fail
/// the batch, and what is stored is what was checked.
pub async fn import_cuts_instants_to_the_microsecond(store: Arc<dyn Store>) {
    let svc = service(&store);
    let (ada, grace, _) = company(&svc).await;
    let start = ts("2026-03-02T08:00:00Z");
    let rows = vec![
        // Ends within the microsecond it starts: refused, not a failed batch.
        ImportRow::new(
            ada,
            WorkMode::Wfo,
            start + TimeDelta::nanoseconds(100),
            Some(start + TimeDelta::nanoseconds(900)),
        ),
        ImportRow::new(
            grace,
            WorkMode::Wfo,
            start + TimeDelta::nanoseconds(1_999),
            Some(start + TimeDelta::hours(1) + TimeDelta::nanoseconds(500)),
        ),
    ];
    let report = svc.import(ImportBatch::from_rows(rows)).await.unwrap();
    assert_eq!(report.inserted, 1, "{:?}", report.rejected);
    assert!(matches!(
        reasons(&report).as_slice(),
        [(1, RejectReason::ClockOutNotAfterClockIn { .. })]
    ));
    let stored = sessions_of(&svc, grace).await;
    assert_eq!(stored[0].clock_in, start + TimeDelta::microseconds(1));
    assert_eq!(stored[0].clock_out, Some(start + TimeDelta::hours(1)));
}

/// CSV: a header and blank lines are skipped but counted, unreadable
/// records are reported with their line, and empty input is an empty
/// report. Instants may be written as PostgreSQL prints them; one without
/// an offset is refused as a row.
pub async fn import_csv_counts_lines_as_in_the_file(store: Arc<dyn Store>) {
    let svc = service(&store);
    let (ada, grace, _) = company(&svc).await;
    let csv = format!(
        "employee_id,clock_in,clock_out,work_mode,work_date\n\
         {ada},2026-03-02T08:00:00Z,2026-03-02T12:00:00Z,WFO,2026-03-02\n\
         \n\
         {ada},2026-03-02T13:00:00Z,2026-03-02T17:00:00Z,office\n\
         {grace},2026-03-02T08:00:00Z,,wfh\n\
         {grace},not a time,,WFH\n\
         {grace},2026-03-02T09:00:00Z\n\
         {ada},2026-03-03 09:00:00+01,2026-03-03 17:30:00.25+01,WFO,2026-03-03\n\
         {ada},2026-03-04 09:00:00,2026-03-04 17:00:00,WFO\n"
    );
    let report = svc.import(ImportBatch::from_csv(&csv)).await.unwrap();
    assert_eq!((report.rows, report.inserted), (7, 3));
    let lines: Vec<u64> = report.rejected.iter().map(|r| r.line).collect();
    assert_eq!(lines, [4, 6, 7, 9]);
    assert!(
        report.rejected[3]
            .reason
            .to_string()
            .contains("no UTC offset"),
        "{}",
        report.rejected[3].reason
    );
    let ada_sessions = sessions_of(&svc, ada).await;
    assert_eq!(ada_sessions[1].clock_in, ts("2026-03-03T08:00:00Z"));
    assert_eq!(
        ada_sessions[1].clock_out,
        Some(ts("2026-03-03T16:30:00.25Z"))
    );
    assert!(matches!(
        &report.rejected[0].reason,
        RejectReason::WorkMode { value } if value == "office"
    ));
    assert!(matches!(
        report.rejected[1].reason,
        RejectReason::Malformed { .. }
    ));
    assert_eq!(
        svc.open_session(grace).await.unwrap().unwrap().work_mode,
        WorkMode::Wfh
    );
    for empty in [ImportBatch::from_rows([]), ImportBatch::from_csv("")] {
        let report = svc.import(empty).await.unwrap();
        assert_eq!((report.rows, report.inserted), (0, 0));
    }
}
