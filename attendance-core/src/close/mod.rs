//! Closing a period: correction requests that someone other than the
//! requester decides, locks that freeze a range of work dates, and the
//! vocabulary of timesheet exports and webhooks that carry a closed month
//! to payroll and other systems.
//!
//! The rules, written once here and kept by every store:
//!
//! **Correction requests.** An employee (a manager too, for themself) asks
//! for a session that was never recorded ([`RequestedChange::Missing`]) or
//! a change to a stored one ([`RequestedChange::Change`]), with a reason.
//! A change remembers the session as the requester saw it; approving it
//! when the session has changed meanwhile is refused with
//! [`Conflict::RequestStale`](crate::Conflict::RequestStale), which carries
//! the session as it is now. Approving applies the change exactly as a
//! correction or a backfill would (overlaps refused, work date from the
//! clock-in) in one atomic step with the request's new state, both in the
//! audit trail: the request's entry names the requester, both name the
//! approver as the actor. Rejecting needs a reason. A request is decided
//! once: a second decision is
//! [`Conflict::RequestDecided`](crate::Conflict::RequestDecided).
//!
//! **Who decides.** The requester's managers other than the requester, and
//! admins. Nobody decides their own request (forbidden); a request out of
//! the principal's scope is not found.
//!
//! **Locked periods.** A lock covers work dates `from..=to` of one team or
//! of the company ([`PeriodLock`]). While it stands, every write that would
//! create, change or remove a session or an absence with a work date in it
//! is refused with [`Conflict::PeriodLocked`](crate::Conflict::PeriodLocked):
//! clock-in and clock-out, backfill, correction, approval, import,
//! auto-close, absences, and new correction requests. Which team's locks
//! apply is decided by the employee's team *on that work date* (the
//! membership history of [`crate::worktime`]), so moving someone later
//! does not unlock their closed month. PostgreSQL enforces it with
//! triggers on the tables themselves, so no statement bypasses it; the
//! in-memory store keeps the same rule in [`lock_on`].
//!
//! A lock is refused when it overlaps a standing lock of the same team or
//! of the company ([`Conflict::LockOverlap`](crate::Conflict::LockOverlap)):
//! reopen that one first, or lock the days around it. It is refused when
//! sessions in it are still open ([`Conflict::OpenSessions`](crate::Conflict::OpenSessions),
//! with them). Reopening removes the lock, with a reason; the audit trail
//! keeps both.

mod requests;
mod service;

pub use requests::{
    CorrectionRequest, Decision, NewCorrectionRequest, RequestFilter, RequestId, RequestState,
    RequestedChange,
};

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::access::Actor;
use crate::domain::{TeamId, check_supported_date};
use crate::error::{Error, Result};
use crate::worktime::worktime_id;

/// The longest period a lock may cover, in days: a year, leap day included.
pub const MAX_LOCK_DAYS: i64 = 366;

/// At most this many open sessions are listed when a lock is refused for
/// them.
pub const MAX_LISTED_OPEN_SESSIONS: usize = 50;

worktime_id!(
    /// Identifies a [`PeriodLock`].
    PeriodLockId
);

/// A validated request to lock a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewPeriodLock {
    team_id: Option<TeamId>,
    from: NaiveDate,
    to: NaiveDate,
    reason: Option<String>,
}

impl NewPeriodLock {
    /// A lock of work dates `from..=to` (at most [`MAX_LOCK_DAYS`]) for
    /// `team`, or for the company when `None`, with an optional reason
    /// (validated as a correction's). The store checks that the team
    /// exists.
    pub fn new(
        team_id: Option<TeamId>,
        from: NaiveDate,
        to: NaiveDate,
        reason: Option<&str>,
    ) -> Result<Self> {
        let from = check_supported_date("from", from)?;
        let to = check_supported_date("to", to)?;
        if to < from {
            return Err(Error::validation(
                "to",
                format!("{to} is before the start, {from}"),
            ));
        }
        let days = (to - from).num_days() + 1;
        if days > MAX_LOCK_DAYS {
            return Err(Error::validation(
                "to",
                format!("the period has {days} days; a lock covers at most {MAX_LOCK_DAYS}"),
            ));
        }
        let reason = reason.map(crate::audit::validate_reason).transpose()?;
        Ok(Self {
            team_id,
            from,
            to,
            reason,
        })
    }

    /// The team, or `None` for the company.
    pub fn team_id(&self) -> Option<TeamId> {
        self.team_id
    }

    /// The first locked work date.
    pub fn from(&self) -> NaiveDate {
        self.from
    }

    /// The last locked work date.
    pub fn to(&self) -> NaiveDate {
        self.to
    }

    /// Why, if given.
    pub fn reason(&self) -> Option<&str> {
        self.reason.as_deref()
    }

    /// The lock this request makes, once a store gives it `id`, stamped
    /// with who locked it and when.
    pub fn with_id(
        &self,
        id: PeriodLockId,
        locked_by: Actor,
        locked_at: DateTime<Utc>,
    ) -> PeriodLock {
        PeriodLock {
            id,
            team_id: self.team_id,
            from: self.from,
            to: self.to,
            reason: self.reason.clone(),
            locked_by,
            locked_at,
        }
    }
}

/// A standing lock over work dates `from..=to`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeriodLock {
    /// The lock's id.
    pub id: PeriodLockId,
    /// The team whose work dates it covers; `None`: every team.
    pub team_id: Option<TeamId>,
    /// The first locked work date.
    pub from: NaiveDate,
    /// The last locked work date.
    pub to: NaiveDate,
    /// Why, if given.
    pub reason: Option<String>,
    /// Who locked it.
    pub locked_by: Actor,
    /// When.
    pub locked_at: DateTime<Utc>,
}

impl PeriodLock {
    /// Whether it covers `date` of a member of `team`.
    pub fn covers(&self, team: TeamId, date: NaiveDate) -> bool {
        self.team_id.is_none_or(|t| t == team) && self.from <= date && date <= self.to
    }

    /// Whether it covers any date of `from..=to` of a member of `team`.
    pub fn covers_any(&self, team: TeamId, from: NaiveDate, to: NaiveDate) -> bool {
        self.team_id.is_none_or(|t| t == team) && self.from <= to && from <= self.to
    }

    /// Whether it and `other` may not stand together: their dates meet and
    /// they are of the same team, or one is the company's.
    pub fn overlaps(&self, team_id: Option<TeamId>, from: NaiveDate, to: NaiveDate) -> bool {
        let same_scope = match (self.team_id, team_id) {
            (Some(a), Some(b)) => a == b,
            _ => true,
        };
        same_scope && self.from <= to && from <= self.to
    }
}

/// The first lock (by id) of `locks` that covers any date of `from..=to`
/// of a member of `team`: the rule the in-memory store applies, and that
/// PostgreSQL's triggers apply in SQL.
pub fn lock_on<'a>(
    locks: impl IntoIterator<Item = &'a PeriodLock>,
    team: TeamId,
    from: NaiveDate,
    to: NaiveDate,
) -> Option<&'a PeriodLock> {
    locks
        .into_iter()
        .filter(|l| l.covers_any(team, from, to))
        .min_by_key(|l| l.id)
}

/// What an approval or a rejection produced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecidedRequest {
    /// The request as decided.
    pub request: CorrectionRequest,
    /// The session an approval recorded or corrected.
    pub session: Option<crate::domain::AttendanceSession>,
}

/// Which locks to list; every field narrows the result.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockFilter {
    /// Only locks that cover this team: its own and the company's.
    pub team_id: Option<TeamId>,
    /// Only locks that end on or after this date.
    pub from: Option<NaiveDate>,
    /// Only locks that start on or before this date.
    pub to: Option<NaiveDate>,
}

impl LockFilter {
    /// Whether `lock` matches.
    pub fn matches(&self, lock: &PeriodLock) -> bool {
        self.team_id
            .is_none_or(|t| lock.team_id.is_none_or(|own| own == t))
            && self.from.is_none_or(|f| lock.to >= f)
            && self.to.is_none_or(|t| lock.from <= t)
    }
}
