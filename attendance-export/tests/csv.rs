//! The CSV file: RFC 4180 through a real reader, hostile names, totals,
//! chunking and errors.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod rows;

use attendance_core::export::{LockCoverage, TimesheetStream, stream_from};
use attendance_core::worktime::{AbsenceKind, DayAbsence, DayPortion};
use attendance_core::{Entity, Error};
use attendance_export::{CHUNK_BYTES, csv_chunks, write_csv};
use rows::{day, failing_after, many};

async fn csv_of(rows: TimesheetStream<'static>) -> (Vec<u8>, LockCoverage) {
    let mut out = Vec::new();
    let tally = write_csv(rows, &mut out).await.unwrap();
    (out, tally.coverage())
}

fn records(bytes: &[u8]) -> (csv::StringRecord, Vec<csv::StringRecord>) {
    let mut reader = csv::Reader::from_reader(bytes);
    let header = reader.headers().unwrap().clone();
    let records = reader.records().map(Result::unwrap).collect();
    (header, records)
}

fn field<'r>(header: &csv::StringRecord, record: &'r csv::StringRecord, name: &str) -> &'r str {
    let i = header.iter().position(|h| h == name).unwrap();
    &record[i]
}

#[tokio::test]
async fn rows_round_trip_through_a_csv_reader_with_totals_after_each_employee() {
    let mut ada_1 = day(1, "Ada, \"the first\"\nLovelace", 10, "Core", 1, 500);
    ada_1.day.late = true;
    ada_1.day.sessions = 2;
    let mut ada_2 = day(1, "Ada, \"the first\"\nLovelace", 11, "Platform", 2, 430);
    ada_2.day.absence = Some(DayAbsence {
        kind: AbsenceKind::Vacation,
        portion: DayPortion::Half,
    });
    ada_2.day.absence_credit_minutes = 240;
    ada_2.day.holiday = Some(DayPortion::Half);
    let grace = day(2, "Grace", 10, "Core", 1, 480);
    let (bytes, _) = csv_of(stream_from(vec![ada_1.clone(), ada_2.clone(), grace])).await;

    let (header, recs) = records(&bytes);
    assert_eq!(header.len(), 24);
    assert_eq!(&header[0], "kind");
    let kinds: Vec<_> = recs.iter().map(|r| field(&header, r, "kind")).collect();
    assert_eq!(kinds, ["day", "day", "total", "day", "total"]);

    let first = &recs[0];
    assert_eq!(field(&header, first, "employee_name"), ada_1.employee_name);
    assert_eq!(field(&header, first, "team_name"), "Core");
    assert_eq!(field(&header, first, "work_date"), "2026-03-01");
    assert_eq!(field(&header, first, "worked_net_minutes"), "500");
    assert_eq!(field(&header, first, "late_days"), "1");
    assert_eq!(field(&header, first, "sessions"), "2");
    assert_eq!(field(&header, first, "balance_change_minutes"), "20");

    let second = &recs[1];
    assert_eq!(field(&header, second, "vacation_days"), "0.5");
    assert_eq!(field(&header, second, "holiday_days"), "0.5");
    assert_eq!(field(&header, second, "locked"), "false");

    let total = &recs[2];
    assert_eq!(field(&header, total, "employee_id"), "1");
    assert_eq!(field(&header, total, "work_date"), "");
    assert_eq!(field(&header, total, "worked_net_minutes"), "930");
    assert_eq!(field(&header, total, "expected_minutes"), "960");
    assert_eq!(field(&header, total, "absence_credit_minutes"), "240");
    assert_eq!(field(&header, total, "balance_change_minutes"), "210");
    assert_eq!(field(&header, total, "vacation_days"), "0.5");
    assert_eq!(field(&header, total, "late_days"), "1");
    assert_eq!(field(&header, total, "sessions"), "3");
    // The team at the period's end.
    assert_eq!(field(&header, total, "team_id"), "11");
    assert_eq!(field(&header, total, "team_name"), "Platform");

    let grace_total = &recs[4];
    assert_eq!(field(&header, grace_total, "employee_name"), "Grace");
    assert_eq!(field(&header, grace_total, "worked_net_minutes"), "480");
}

#[tokio::test]
async fn commas_quotes_and_line_breaks_are_quoted_as_rfc_4180_says() {
    let row = day(1, "Doe, \"Jr\"\r\nSr", 10, "A,B", 1, 0);
    let (bytes, _) = csv_of(stream_from(vec![row])).await;
    let text = String::from_utf8(bytes).unwrap();
    assert!(
        text.contains(",\"Doe, \"\"Jr\"\"\r\nSr\",10,\"A,B\",2026-03-01,"),
        "{text}"
    );
    // Every record ends in CRLF.
    let lines: Vec<_> = text.split("\r\n").collect();
    assert_eq!(lines.last(), Some(&""));
    assert!(!text.replace("\r\n", "").contains('\n'));
}

#[tokio::test]
async fn names_a_spreadsheet_would_run_as_formulas_are_neutralised() {
    let hostile = [
        "=HYPERLINK(\"http://x.invalid\",\"pay\")",
        "+1+1",
        "-2+3",
        "@SUM(A1)",
        "\tindent",
        "\rback",
    ];
    let rows = hostile
        .iter()
        .zip(1..)
        .map(|(name, id)| day(id, name, 10, "=cmd|' /C calc'!A0", 1, 0))
        .collect();
    let (bytes, _) = csv_of(stream_from(rows)).await;
    let (header, recs) = records(&bytes);
    for (name, rec) in hostile.iter().zip(recs.iter().step_by(2)) {
        assert_eq!(field(&header, rec, "employee_name"), format!("'{name}"));
        assert_eq!(field(&header, rec, "team_name"), "'=cmd|' /C calc'!A0");
    }

    // Harmless names and negative numbers stay as they are.
    let mut row = day(9, "Ana = Bob", 10, "Team-1", 1, 0);
    row.day.expected_minutes = 60;
    let (bytes, _) = csv_of(stream_from(vec![row])).await;
    let (header, recs) = records(&bytes);
    assert_eq!(field(&header, &recs[0], "employee_name"), "Ana = Bob");
    assert_eq!(field(&header, &recs[0], "team_name"), "Team-1");
    assert_eq!(field(&header, &recs[0], "balance_change_minutes"), "-60");
}

#[tokio::test]
async fn chunks_are_bounded_and_make_the_same_file() {
    let rows = many(100, 31);
    let (whole, _) = csv_of(stream_from(rows.clone())).await;

    let chunks = collect(csv_chunks(stream_from(rows))).await;
    assert!(chunks.len() > 2, "{} chunks", chunks.len());
    for chunk in &chunks {
        let chunk = chunk.as_ref().unwrap();
        // A chunk is handed on as soon as it passes the size, so it exceeds
        // it by less than one line.
        assert!(chunk.len() < CHUNK_BYTES + 1024, "{}", chunk.len());
    }
    let joined: Vec<u8> = chunks.into_iter().flat_map(Result::unwrap).collect();
    assert_eq!(joined, whole);
    let (_, recs) = records(&joined);
    assert_eq!(recs.len(), 100 * 31 + 100);
}

#[tokio::test]
async fn an_error_in_the_rows_ends_the_file_with_that_error() {
    let chunks = collect(csv_chunks(failing_after(3))).await;
    let last = chunks.last().unwrap();
    assert!(
        matches!(
            last,
            Err(Error::NotFound {
                entity: Entity::Team,
                ..
            })
        ),
        "{last:?}"
    );
    assert!(chunks[..chunks.len() - 1].iter().all(Result::is_ok));

    let mut out = Vec::new();
    let err = write_csv(failing_after(3), &mut out).await.unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
}

#[tokio::test]
async fn the_tally_says_what_the_rows_said_of_locks() {
    let mut locked = day(1, "A", 10, "T", 1, 0);
    locked.locked = true;
    let open = day(1, "A", 10, "T", 2, 0);
    assert_eq!(
        csv_of(stream_from(vec![locked.clone()])).await.1,
        LockCoverage::Full
    );
    let (bytes, coverage) = csv_of(stream_from(vec![locked, open])).await;
    assert_eq!(coverage, LockCoverage::Partial);
    let (header, recs) = records(&bytes);
    assert_eq!(field(&header, &recs[0], "locked"), "true");
    // A total is final only when every one of its days is.
    assert_eq!(field(&header, &recs[2], "locked"), "false");
    assert_eq!(csv_of(stream_from(Vec::new())).await.1, LockCoverage::None);
}

#[tokio::test]
async fn no_rows_is_the_header_alone() {
    let (bytes, _) = csv_of(stream_from(Vec::new())).await;
    let (header, recs) = records(&bytes);
    assert_eq!(header.len(), 24);
    assert!(recs.is_empty());
}

async fn collect<S: futures_core::Stream<Item = T>, T>(stream: S) -> Vec<T> {
    let mut stream = std::pin::pin!(stream);
    let mut items = Vec::new();
    while let Some(item) = std::future::poll_fn(|cx| stream.as_mut().poll_next(cx)).await {
        items.push(item);
    }
    items
}
