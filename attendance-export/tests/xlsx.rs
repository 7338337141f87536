//! The XLSX workbook, opened as the zip of XML parts it is.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod rows;

use std::io::Read;

use attendance_core::export::{LockCoverage, stream_from};
use attendance_export::{LOCK_PROPERTY, TIMESHEET_SHEET, TOTALS_SHEET, xlsx};
use rows::{day, failing_after, many};

fn part(workbook: &[u8], name: &str) -> String {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(workbook)).unwrap();
    let mut file = archive.by_name(name).unwrap();
    let mut text = String::new();
    file.read_to_string(&mut text).unwrap();
    text
}

fn count(haystack: &str, needle: &str) -> usize {
    haystack.matches(needle).count()
}

#[tokio::test]
async fn the_workbook_has_both_sheets_and_says_whether_the_period_is_locked() {
    let rows = vec![
        day(1, "=SUM(A1:A9)", 10, "Core", 1, 500),
        day(1, "=SUM(A1:A9)", 10, "Core", 2, 430),
        day(2, "Grace & <Co>", 10, "Core", 1, 480),
    ];
    let book = xlsx(stream_from(rows), LockCoverage::Partial)
        .await
        .unwrap();

    let workbook = part(&book, "xl/workbook.xml");
    assert!(
        workbook.contains(&format!("name=\"{TIMESHEET_SHEET}\"")),
        "{workbook}"
    );
    assert!(
        workbook.contains(&format!("name=\"{TOTALS_SHEET}\"")),
        "{workbook}"
    );

    let custom = part(&book, "docProps/custom.xml");
    assert!(
        custom.contains(&format!("name=\"{LOCK_PROPERTY}\"")),
        "{custom}"
    );
    assert!(
        custom.contains("<vt:lpwstr>partial</vt:lpwstr>"),
        "{custom}"
    );

    let days = part(&book, "xl/worksheets/sheet1.xml");
    // A header and three day lines.
    assert_eq!(count(&days, "<row "), 4, "{days}");
    // The formula-like name is a string, and no cell holds a formula.
    assert!(days.contains("=SUM(A1:A9)"), "{days}");
    assert_eq!(count(&days, "<f>"), 0, "{days}");
    assert!(days.contains("Grace &amp; &lt;Co&gt;"), "{days}");

    let totals = part(&book, "xl/worksheets/sheet2.xml");
    // A header and one line per employee.
    assert_eq!(count(&totals, "<row "), 3, "{totals}");
    assert!(totals.contains("<v>930</v>"), "Ada's net minutes: {totals}");
    assert!(totals.contains(">total<"), "{totals}");
}

#[tokio::test]
async fn every_coverage_is_written_as_spelled() {
    for coverage in [LockCoverage::Full, LockCoverage::None] {
        let book = xlsx(stream_from(Vec::new()), coverage).await.unwrap();
        let custom = part(&book, "docProps/custom.xml");
        assert!(
            custom.contains(&format!("<vt:lpwstr>{}</vt:lpwstr>", coverage.as_str())),
            "{custom}"
        );
    }
}

#[tokio::test]
async fn a_month_of_many_employees_fits_both_sheets() {
    let book = xlsx(stream_from(many(60, 31)), LockCoverage::None)
        .await
        .unwrap();
    let days = part(&book, "xl/worksheets/sheet1.xml");
    let totals = part(&book, "xl/worksheets/sheet2.xml");
    assert_eq!(count(&days, "<row "), 1 + 60 * 31);
    assert_eq!(count(&totals, "<row "), 1 + 60);
}

#[tokio::test]
async fn an_error_in_the_rows_is_the_workbook_s_error() {
    let err = xlsx(failing_after(2), LockCoverage::None)
        .await
        .unwrap_err();
    assert!(
        matches!(err, attendance_core::Error::NotFound { .. }),
        "{err:?}"
    );
}
