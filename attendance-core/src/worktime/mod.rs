//! Hours owed and hours worked: work patterns, holidays, absences, break
//! rules, and the ledger derived from them and the sessions.
//!
//! # How hours are counted
//!
//! The ledger has one line per employee and work date. It is never stored:
//! every read computes it from the sessions and the settings below, so a
//! correction, a backfill, an import, a new holiday or absence shows in the
//! next read, with no job to run. PostgreSQL computes it in SQL, the
//! in-memory store in Rust with [`ledger`]; the conformance kit holds both to
//! the same hand-computed answers.
//!
//! - **Work date.** A session counts, whole, to the work date of its
//!   clock-in (the local date in the team's timezone), as everywhere else: a
//!   night shift is one day's work. Durations are real elapsed time, so a
//!   DST day is measured as it was lived. An open session counts up to now
//!   and marks the day `open`. The ledger stops at today: a later date has
//!   not happened and owes nothing yet.
//! - **Team on a date.** An employee moved to another team belongs to the
//!   new team from the local date of the move (in the new team's timezone);
//!   days before keep the old team's pattern, holidays and break rule.
//! - **Expected minutes.** The [`WorkPattern`] in effect on the date (the
//!   employee's own assignment if they have one in effect, else their
//!   team's; see [`PatternAssignment`]) gives the minutes of that ISO
//!   weekday; no pattern in effect owes nothing. A full-day [`Holiday`] of
//!   the company or the team sets them to 0, a half day to half (rounded
//!   down to a whole minute).
//! - **Absence.** An [`Absence`] day counts as the day's expected minutes
//!   met ([`LedgerDay::absence_credit_minutes`]); a half day as half the
//!   pattern's minutes, never more than expected. Work on an absence day is
//!   counted too.
//! - **Breaks.** Gaps between a day's sessions count as break. A team's
//!   [`BreakRule`] says how much break a day needs after how much work;
//!   only the shortfall is deducted from the time worked. No rule, no
//!   deduction.
//! - **Overtime** is what the day's net work and absence credit exceed its
//!   expected minutes by, on days that owe minutes. A pattern with a weekly
//!   threshold counts it per ISO week instead: the minutes past the
//!   threshold, on the day they were worked. Work on a full holiday and on
//!   a day the pattern owes nothing (a weekend) is reported apart, as
//!   holiday and rest-day work, never as overtime.
//! - **Balance.** Net work plus absence credit minus expected, summed from
//!   the start of the requested period on top of an optional opening
//!   balance.
//!
//! Every figure is a whole number of minutes; a day's seconds are summed
//! before they are cut to minutes. Hours are for display only, rounded once
//! by [`display_hours`].

use chrono::{Datelike, NaiveDate, NaiveTime, TimeDelta, Weekday};
use serde::{Deserialize, Serialize};

use crate::domain::{EmployeeId, TeamId, check_supported_date, validate_text};
use crate::error::{Error, Result};

mod breaks;
mod calendar;
mod compute;
mod ledger;
mod pattern;
mod service;
#[cfg(test)]
mod tests;

pub use breaks::*;
pub use calendar::*;
pub use compute::{DayInput, SessionSpan, ledger};
pub use ledger::*;
pub use pattern::*;
pub use service::{EmployeeLedger, EmployeeTotals, LedgerLine, TeamLedger};

/// Minutes in a day: the most a pattern can expect of one.
pub const MINUTES_PER_DAY: u32 = 24 * 60;
/// Longest name of a work pattern or a holiday, in characters.
pub const MAX_WORKTIME_NAME: usize = 100;
/// Longest note on an absence, in characters.
pub const MAX_ABSENCE_NOTE: usize = 500;
/// Most days one ledger read or one absence covers: a leap year.
pub const MAX_LEDGER_DAYS: i64 = 366;
/// The largest opening balance accepted, either way, in minutes: a
/// hundred years of full days, far beyond any real balance, and small
/// enough that no sum over a period can overflow.
pub const MAX_OPENING_BALANCE_MINUTES: i64 = 100 * 366 * 24 * 60;
/// Most thresholds a break rule may have.
pub const MAX_BREAK_THRESHOLDS: usize = 8;

macro_rules! worktime_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl From<$name> for i64 {
            fn from(id: $name) -> i64 {
                id.0
            }
        }
    };
}

pub(crate) use worktime_id;

worktime_id!(
    /// Identifies a [`WorkPattern`].
    WorkPatternId
);
worktime_id!(
    /// Identifies a [`Holiday`].
    HolidayId
);
worktime_id!(
    /// Identifies an [`Absence`].
    AbsenceId
);

/// The first date of an employee's first team: they belong to the team
/// they were created in for every date before they were first moved.
pub const SINCE_ALWAYS: NaiveDate =
    match NaiveDate::from_ymd_opt(crate::domain::MIN_SUPPORTED_YEAR, 1, 1) {
        Some(d) => d,
        None => NaiveDate::MIN,
    };

/// The date from which a move to a team in `timezone` at `at` counts: the
/// local date of the move there.
pub fn moved_on(timezone: chrono_tz::Tz, at: chrono::DateTime<chrono::Utc>) -> NaiveDate {
    crate::domain::work_date(timezone, at)
}
