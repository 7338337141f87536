//! Timesheet files: CSV and XLSX written from a store's streamed
//! [`TimesheetStream`], one line per employee and work date and one total
//! line per employee, in memory bounded by a chunk and the employee being
//! summed, never by the number of rows.
//!
//! The same columns in both formats: `kind` (`day` or `total`), employee id
//! and name, team id and name, work date (empty on totals), the ledger's
//! minutes ([`attendance_core::worktime::LedgerDay`]), the balance change,
//! holiday and absence days (a half day counts 0.5), days absent without
//! leave, late days, sessions, and `locked`. A total line is the sum of its
//! employee's day lines; its team is the one of their last date, and it is
//! locked only when every one of its days is.
//!
//! ```
//! use attendance_core::export::stream_from;
//!
//! # async fn demo() -> attendance_core::Result<()> {
//! let mut file = Vec::new();
//! let tally = attendance_export::write_csv(stream_from(Vec::new()), &mut file).await?;
//! assert!(file.starts_with(b"kind,employee_id,employee_name,"));
//! assert_eq!(tally.coverage().as_str(), "none");
//!
//! let workbook = attendance_export::xlsx(stream_from(Vec::new()), tally.coverage()).await?;
//! assert!(workbook.starts_with(b"PK"));
//! # Ok(()) }
//! # tokio::runtime::Builder::new_current_thread().build().map_err(attendance_core::Error::backend)?
//! #     .block_on(demo())?;
//! # Ok::<(), attendance_core::Error>(())
//! ```
#![cfg_attr(docsrs, feature(doc_cfg))]

mod csv_file;
mod line;
mod xlsx_file;

use std::io::Write;

use attendance_core::export::{LockCoverage, LockTally, TimesheetRow, TimesheetStream};
use attendance_core::{Error, Result};
use futures_core::Stream;

pub use csv_file::CHUNK_BYTES;
pub use xlsx_file::{LOCK_PROPERTY, TIMESHEET_SHEET, TOTALS_SHEET};

/// The `Content-Type` of [`csv_chunks`]' file.
pub const CSV_CONTENT_TYPE: &str = "text/csv; charset=utf-8";
/// The `Content-Type` of [`xlsx`]'s workbook.
pub const XLSX_CONTENT_TYPE: &str =
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The CSV file as chunks of bytes (header row first; each employee's day
/// rows, then their total row).
///
/// RFC 4180 (quoted where needed, CRLF line ends). A name that a
/// spreadsheet app would run as a formula gets a leading `'`. Chunks are
/// about [`CHUNK_BYTES`]; the last may be shorter. An error from `rows`
/// is the last item.
pub fn csv_chunks<'a>(
    rows: TimesheetStream<'a>,
) -> impl Stream<Item = Result<Vec<u8>>> + Send + 'a {
    csv_file::CsvChunks::new(rows)
}

/// The same into a writer (files, tools); returns what the rows said of
/// locks.
pub async fn write_csv(
    rows: TimesheetStream<'_>,
    out: &mut (impl Write + Send),
) -> Result<LockTally> {
    let mut chunks = std::pin::pin!(csv_file::CsvChunks::new(rows));
    while let Some(chunk) = std::future::poll_fn(|cx| chunks.as_mut().poll_next(cx)).await {
        out.write_all(&chunk?).map_err(Error::backend)?;
    }
    out.flush().map_err(Error::backend)?;
    Ok(chunks.tally())
}

/// The XLSX workbook: sheet "Timesheet" (day rows) and sheet "Totals" (one
/// row per employee); document custom property `period_locked` =
/// coverage.as_str().
///
/// Numbers are number cells, dates date cells, and text is always a string
/// cell, never a formula. A sheet holds at most 1,048,575 rows: more is a
/// validation error (`format`). The rows pass through temporary files; the
/// workbook itself, compressed, is returned whole.
pub async fn xlsx(rows: TimesheetStream<'_>, coverage: LockCoverage) -> Result<Vec<u8>> {
    xlsx_file::xlsx(rows, coverage).await
}

/// The next row of `rows`, without an extension-trait crate for one call.
pub(crate) async fn next_row(rows: &mut TimesheetStream<'_>) -> Option<Result<TimesheetRow>> {
    std::future::poll_fn(|cx| rows.as_mut().poll_next(cx)).await
}
