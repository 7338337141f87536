//! What an import reports: the rows it refused and why.

use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};

#[cfg(doc)]
use super::ImportBatch;
use crate::domain::{EmployeeId, MAX_SUPPORTED_YEAR, MIN_SUPPORTED_YEAR, SessionId};

/// Why a row was not imported.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RejectReason {
    /// The CSV record could not be read.
    Malformed {
        /// What was wrong with it.
        detail: String,
    },
    /// The work mode is neither `WFH` nor `WFO`.
    WorkMode {
        /// The value found.
        value: String,
    },
    /// No employee has this id.
    UnknownEmployee {
        /// The id in the row.
        employee_id: EmployeeId,
    },
    /// `clock_out` is not after `clock_in`.
    ClockOutNotAfterClockIn {
        /// The row's clock-in.
        clock_in: DateTime<Utc>,
        /// The row's clock-out.
        clock_out: DateTime<Utc>,
    },
    /// An instant lies further in the future than the importer tolerates.
    InFuture {
        /// The instant.
        at: DateTime<Utc>,
    },
    /// An instant lies outside the years the library supports
    /// ([`check_supported_instant`](crate::domain::check_supported_instant)).
    OutOfRange {
        /// The instant.
        at: DateTime<Utc>,
    },
    /// The stated work date is not the local date of the clock-in in the
    /// team's timezone.
    WorkDateMismatch {
        /// The date in the row.
        given: NaiveDate,
        /// The date computed from the clock-in and the team's timezone.
        expected: NaiveDate,
    },
    /// The row overlaps another row of the batch that starts earlier (or at
    /// the same instant on an earlier line).
    OverlapsRow {
        /// The line of the row that was kept.
        line: u64,
        /// Whether that row is an open session.
        open: bool,
    },
    /// The row overlaps a session already stored.
    OverlapsSession {
        /// The stored session.
        session_id: SessionId,
        /// Whether that session is open.
        open: bool,
    },
    /// The row conflicted with a session written concurrently that was gone
    /// again by the time the import looked for it.
    Conflict,
}

impl fmt::Display for RejectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Malformed { detail } => write!(f, "malformed record: {detail}"),
            Self::WorkMode { value } => {
                write!(f, "work_mode {value:?} is not one of \"WFH\", \"WFO\"")
            }
            Self::UnknownEmployee { employee_id } => {
                write!(f, "employee {employee_id} does not exist")
            }
            Self::ClockOutNotAfterClockIn {
                clock_in,
                clock_out,
            } => write!(
                f,
                "clock_out ({}) is not after clock_in ({})",
                clock_out.to_rfc3339(),
                clock_in.to_rfc3339()
            ),
            Self::InFuture { at } => write!(f, "{} is in the future", at.to_rfc3339()),
            Self::OutOfRange { at } => write!(
                f,
                "{} is outside the supported years {MIN_SUPPORTED_YEAR} to {MAX_SUPPORTED_YEAR}",
                at.to_rfc3339()
            ),
            Self::WorkDateMismatch { given, expected } => write!(
                f,
                "work_date {given} is not the local date of the clock-in in the team's \
                 timezone ({expected})"
            ),
            Self::OverlapsRow { line, open: true } => {
                write!(
                    f,
                    "starts while the open session on line {line} is still open"
                )
            }
            Self::OverlapsRow { line, open: false } => {
                write!(f, "overlaps the session on line {line}")
            }
            Self::OverlapsSession {
                session_id,
                open: true,
            } => write!(
                f,
                "the employee has an open session ({session_id}) that starts earlier"
            ),
            Self::OverlapsSession {
                session_id,
                open: false,
            } => write!(f, "overlaps stored session {session_id}"),
            Self::Conflict => f.write_str("conflicted with a session written concurrently"),
        }
    }
}

/// A row that was not imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectedRow {
    /// Its line: the 1-based position for [`ImportBatch::from_rows`], the
    /// line in the text for [`ImportBatch::from_csv`].
    pub line: u64,
    /// Why.
    pub reason: RejectReason,
}

/// The outcome of an import.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ImportReport {
    /// Rows read (rejected ones included).
    pub rows: u64,
    /// Rows inserted.
    pub inserted: u64,
    /// Rows refused, by line.
    pub rejected: Vec<RejectedRow>,
}

/// How far an import has got, for progress bars.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ImportProgress {
    /// Accepted rows handed to the server so far.
    pub sent: u64,
    /// Accepted rows to send in all.
    pub total: u64,
}
