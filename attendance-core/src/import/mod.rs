//! Bulk import of attendance sessions: the rows, their checks and the
//! report, shared by every store.
//!
//! A batch ([`ImportBatch`]) is read from typed [`ImportRow`]s or CSV text.
//! [`AttendanceService::import`](crate::service::AttendanceService::import)
//! hands it to the store's [`AttendanceStore::import_sessions`](crate::store::AttendanceStore::import_sessions)
//! with the latest instant a row may hold (the service's
//! clock plus its future tolerance). The store looks up what only it knows
//! (each employee's team timezone, the sessions already stored) and calls
//! the checks here, so every store refuses the same rows for the same
//! reasons; the conformance kit runs the import scenarios on each.
//!
//! # What is checked, and in which order
//! 1. Each row on its own ([`ImportBatch::check`]): instants are cut to
//!    [`stored_precision`](crate::domain::stored_precision) first, so a row
//!    with sub-microsecond digits is stored as the service would store it;
//!    the employee exists; every instant lies in the supported years
//!    ([`check_supported_instant`](crate::domain::check_supported_instant))
//!    and not after the latest instant allowed; the clock-out follows the clock-in
//!    ([`check_clock_out`](crate::domain::check_clock_out)); the work date is
//!    *computed* ([`work_date`](crate::domain::work_date)), and a work date
//!    stated in the input must equal it.
//! 2. Against the other rows of the batch, per employee in order of
//!    clock-in: of two overlapping rows the one that starts first is kept
//!    (an open session reaches to the end of time, so this also keeps one
//!    open session per employee).
//! 3. Against the stored sessions ([`sweep_stored`]). A row refused for
//!    meeting a stored session still keeps out the later rows of the batch
//!    that overlap it (step 2 ran first), so the report does not depend on
//!    how a store finds stored sessions.
//!
//! A bad row never fails the batch: it is reported with its line and the
//! reason ([`RejectReason`]), and every accepted row is written in one
//! transaction (or none, when the store itself fails).

mod check;
mod csv;
mod instant;
mod report;

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};

use crate::domain::{EmployeeId, WorkMode};

pub use check::{Candidate, CheckedBatch, StoredSpan, sweep_stored};
pub use instant::{InstantError, parse_instant};
pub use report::{ImportProgress, ImportReport, RejectReason, RejectedRow};

/// One session to import.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ImportRow {
    /// Whose session it is.
    pub employee_id: EmployeeId,
    /// Where the work was done.
    pub work_mode: WorkMode,
    /// When the session started.
    pub clock_in: DateTime<Utc>,
    /// When it ended; `None` for a session still open.
    pub clock_out: Option<DateTime<Utc>>,
    /// The work date the source states, if it states one. It is checked, not
    /// trusted: the stored work date is always computed from the clock-in
    /// and the team's timezone.
    pub work_date: Option<NaiveDate>,
}

impl ImportRow {
    /// A row without a stated work date.
    pub fn new(
        employee_id: EmployeeId,
        work_mode: WorkMode,
        clock_in: DateTime<Utc>,
        clock_out: Option<DateTime<Utc>>,
    ) -> Self {
        Self {
            employee_id,
            work_mode,
            clock_in,
            clock_out,
            work_date: None,
        }
    }

    /// States the work date the source claims, to be checked.
    pub fn with_work_date(mut self, work_date: NaiveDate) -> Self {
        self.work_date = Some(work_date);
        self
    }
}

type ProgressFn = Arc<dyn Fn(ImportProgress) + Send + Sync>;

/// The rows of one import, numbered by line, with the records that could
/// not even be read.
#[derive(Clone, Default)]
pub struct ImportBatch {
    rows: Vec<(u64, ImportRow)>,
    unreadable: Vec<RejectedRow>,
    progress: Option<ProgressFn>,
}

impl std::fmt::Debug for ImportBatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImportBatch")
            .field("rows", &self.rows.len())
            .field("unreadable", &self.unreadable.len())
            .finish_non_exhaustive()
    }
}

impl ImportBatch {
    /// `rows`, numbered from line 1.
    pub fn from_rows(rows: impl IntoIterator<Item = ImportRow>) -> Self {
        Self {
            rows: (1..).zip(rows).collect(),
            ..Self::default()
        }
    }

    /// CSV text, one session per line:
    /// `employee_id,clock_in,clock_out,work_mode[,work_date]`.
    ///
    /// - `clock_in` and `clock_out` are instants with their UTC offset, as
    ///   [`parse_instant`] reads them: `YYYY-MM-DD`, `T` or a space,
    ///   `HH:MM:SS`, up to nine fractional digits, then `Z` or
    ///   `±HH[:MM[:SS]]`. So RFC 3339 (`2026-03-02T07:55:00Z`,
    ///   `2026-03-02T08:55:00.5+01:00`) and PostgreSQL's text output of a
    ///   `timestamptz` (`2026-03-02 08:55:00.5+01`) are both read. An
    ///   instant without an offset (`2026-03-02 07:55:00`) is refused: its
    ///   row is reported, the rest of the batch goes on. Digits below the
    ///   microsecond are cut, as for a clock-in.
    /// - An empty `clock_out` is an open session.
    /// - `work_mode` is `WFH` or `WFO` (any case); `work_date`, when given
    ///   and not empty, is `YYYY-MM-DD` and must be the computed one.
    /// - Quoting is RFC 4180's: a field in double quotes may hold commas,
    ///   line breaks and doubled quotes (`""` for one). Blanks around a
    ///   field are dropped, also outside its quotes.
    /// - A first line starting with a letter (quoted or not) is a header and
    ///   skipped, as are blank lines; `\r\n` line ends and a byte order mark
    ///   are fine. Lines in the report count from 1, header included; a
    ///   record is reported on the line it starts on.
    /// - A record that cannot be read (a field past 256 bytes, more or
    ///   fewer than 4 or 5 fields) is refused with its line, never the batch.
    ///
    /// That is what `psql` writes for
    /// `\copy (SELECT employee_id, clock_in, clock_out, work_mode, work_date
    /// FROM attendance.sessions) TO 'sessions.csv' WITH (FORMAT csv, HEADER)`,
    /// in any `TimeZone` setting (with the default `DateStyle`, ISO).
    pub fn from_csv(text: &str) -> Self {
        Self::from_csv_bytes(text.as_bytes())
    }

    /// [`from_csv`](Self::from_csv) for bytes that may not be UTF-8 (a file
    /// as read): a record with a field that is not UTF-8 is refused with
    /// its line, and the rest are read.
    pub fn from_csv_bytes(bytes: &[u8]) -> Self {
        let (rows, unreadable) = csv::read(bytes);
        Self {
            rows,
            unreadable,
            progress: None,
        }
    }

    /// Calls `report` as accepted rows are handed to the store.
    pub fn on_progress(mut self, report: impl Fn(ImportProgress) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(report));
        self
    }

    /// Records read, unreadable ones included.
    pub fn len(&self) -> usize {
        self.rows.len() + self.unreadable.len()
    }

    /// Whether the batch has no record at all.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The employees the rows name, sorted, each once: what a store looks up
    /// before [`ImportBatch::check`].
    pub fn employee_ids(&self) -> Vec<EmployeeId> {
        let mut ids: Vec<EmployeeId> = self.rows.iter().map(|(_, r)| r.employee_id).collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }
}
