//! Timesheets: one row per employee and work date, with the ledger's
//! columns ([`crate::worktime`]), for a period, a team or the company, read
//! from the store as a stream so a month of a large company never sits in
//! memory. The CSV and XLSX writers are the `attendance-export` crate; the
//! rows, the query and the stream are here, where every store can produce
//! them.

use std::pin::Pin;
use std::task::{Context, Poll};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::access::Scope;
use crate::domain::{EmployeeId, TeamId};
use crate::error::Result;
use crate::worktime::{LedgerDay, LedgerPeriod};

/// Which rows a timesheet holds: the period, and optionally one team or one
/// employee, within the principal's scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimesheetQuery {
    /// The work dates, at most a year.
    pub period: LedgerPeriod,
    /// Only the current members of this team.
    pub team_id: Option<TeamId>,
    /// Only this employee.
    pub employee_id: Option<EmployeeId>,
    /// Only employees in the principal's scope: set by the service.
    pub scope: Scope,
}

/// One employee's work date: the ledger's line with the names a payroll
/// file needs, and whether the date is locked (final).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimesheetRow {
    /// The employee's name.
    pub employee_name: String,
    /// The employee's team's name on that date.
    pub team_name: String,
    /// The ledger's line.
    pub day: LedgerDay,
    /// A lock covers the date: the numbers are final.
    pub locked: bool,
}

/// Whether a timesheet's period is final.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LockCoverage {
    /// Every row's date is locked.
    Full,
    /// Some are.
    Partial,
    /// None is.
    None,
}

impl LockCoverage {
    /// The spelling of headers and file properties.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Full => "full",
            Self::Partial => "partial",
            Self::None => "none",
        }
    }
}

/// What the locks say of a whole timesheet before its rows are read (a
/// response header must be sent before the body). For one team's
/// timesheet (`team`), the locks that apply are the company's and that
/// team's; for everyone's (`None`), every lock. Full when the company's
/// locks, or the team's, cover every date of `from..=to`; partial when any
/// lock that applies meets the period; none otherwise. Each row says for
/// itself ([`TimesheetRow::locked`]).
pub fn coverage(
    locks: &[crate::close::PeriodLock],
    team: Option<TeamId>,
    from: NaiveDate,
    to: NaiveDate,
) -> LockCoverage {
    let applies = |l: &&crate::close::PeriodLock| {
        l.from <= to && from <= l.to && (l.team_id.is_none() || team.is_none() || l.team_id == team)
    };
    let applying: Vec<&crate::close::PeriodLock> = locks.iter().filter(applies).collect();
    if applying.is_empty() {
        return LockCoverage::None;
    }
    // A team's lock makes a company-wide timesheet final only for that
    // team: counted as full only by the company's locks then.
    let covering = |l: &&&crate::close::PeriodLock| team.is_some() || l.team_id.is_none();
    let every_date = from.iter_days().take_while(|d| *d <= to).all(|d| {
        applying
            .iter()
            .filter(covering)
            .any(|l| l.from <= d && d <= l.to)
    });
    if every_date {
        LockCoverage::Full
    } else {
        LockCoverage::Partial
    }
}

/// A timesheet ready to write: its rows, and what is known before them.
pub struct Timesheet<'a> {
    /// The rows, by employee id then date.
    pub rows: TimesheetStream<'a>,
    /// Whether the locks make the period final ([`coverage`]).
    pub coverage: LockCoverage,
    /// The file's name without extension ([`file_stem`]).
    pub file_stem: String,
}

impl std::fmt::Debug for Timesheet<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Timesheet")
            .field("coverage", &self.coverage)
            .field("file_stem", &self.file_stem)
            .finish_non_exhaustive()
    }
}

/// Rows in order: by employee id, then date. Each item is a row or the
/// error that ended the stream.
pub type TimesheetStream<'a> =
    Pin<Box<dyn futures_core::Stream<Item = Result<TimesheetRow>> + Send + 'a>>;

/// A stream over rows already in memory: what the in-memory store returns.
pub fn stream_from(rows: Vec<TimesheetRow>) -> TimesheetStream<'static> {
    Box::pin(VecStream(rows.into_iter().map(Ok)))
}

/// A stream whose one item is `error`: a refusal found before the first
/// row.
pub fn failed(error: crate::Error) -> TimesheetStream<'static> {
    Box::pin(VecStream(vec![Err(error)].into_iter()))
}

struct VecStream<I>(I);

impl<I: Iterator<Item = Result<TimesheetRow>> + Unpin> futures_core::Stream for VecStream<I> {
    type Item = Result<TimesheetRow>;

    fn poll_next(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Poll::Ready(self.0.next())
    }
}

/// Whether `dates` (each row's) are all, some or none locked: what a
/// writer says of the file once the rows are through.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LockTally {
    locked: u64,
    open: u64,
}

impl LockTally {
    /// Counts one row.
    pub fn add(&mut self, row: &TimesheetRow) {
        if row.locked {
            self.locked += 1;
        } else {
            self.open += 1;
        }
    }

    /// The coverage so far (no rows: none).
    pub fn coverage(&self) -> LockCoverage {
        match (self.locked, self.open) {
            (0, _) => LockCoverage::None,
            (_, 0) => LockCoverage::Full,
            _ => LockCoverage::Partial,
        }
    }
}

/// A timesheet file's name without its extension:
/// `timesheet-2026-03-01-2026-03-31`, or `timesheet-team-7-…` for a team.
pub fn file_stem(from: NaiveDate, to: NaiveDate, team: Option<TeamId>) -> String {
    match team {
        Some(team) => format!("timesheet-team-{team}-{from}-{to}"),
        None => format!("timesheet-{from}-{to}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::Actor;
    use crate::close::{PeriodLock, PeriodLockId};

    fn lock(id: i64, team: Option<i64>, from: &str, to: &str) -> PeriodLock {
        PeriodLock {
            id: PeriodLockId(id),
            team_id: team.map(TeamId),
            from: from.parse().unwrap(),
            to: to.parse().unwrap(),
            reason: None,
            locked_by: Actor::System,
            locked_at: chrono::DateTime::UNIX_EPOCH,
        }
    }

    fn of(locks: &[PeriodLock], team: Option<i64>) -> LockCoverage {
        let (from, to) = ("2026-11-01".parse().unwrap(), "2026-11-30".parse().unwrap());
        coverage(locks, team.map(TeamId), from, to)
    }

    #[test]
    fn coverage_counts_the_locks_that_apply_to_the_timesheet() {
        let november_a = lock(1, Some(1), "2026-11-01", "2026-11-30");
        let half_company = lock(2, None, "2026-11-01", "2026-11-15");
        let rest_company = lock(3, None, "2026-11-16", "2026-12-31");
        assert_eq!(of(&[], Some(1)), LockCoverage::None);
        assert_eq!(
            of(std::slice::from_ref(&november_a), Some(1)),
            LockCoverage::Full
        );
        assert_eq!(
            of(std::slice::from_ref(&november_a), Some(2)),
            LockCoverage::None,
            "another team's lock says nothing of this team"
        );
        assert_eq!(
            of(std::slice::from_ref(&november_a), None),
            LockCoverage::Partial,
            "one team's lock leaves the company's timesheet partly open"
        );
        assert_eq!(
            of(std::slice::from_ref(&half_company), Some(2)),
            LockCoverage::Partial
        );
        assert_eq!(of(&[half_company, rest_company], None), LockCoverage::Full);
    }
}
