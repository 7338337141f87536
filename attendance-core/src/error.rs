//! The one error type of the core crate.
//!
//! Callers act on the *kind* of failure, so the variants are split by what a
//! caller does next: fix the input ([`Error::Validation`]), look elsewhere
//! ([`Error::NotFound`]), ask someone who may ([`Error::Forbidden`]),
//! reconcile with the current state
//! ([`Error::Conflict`]), try again later ([`Error::Unavailable`]) or report
//! a bug or outage ([`Error::Backend`]).

use std::fmt;

use crate::close::{CorrectionRequest, PeriodLock};
use crate::domain::{AttendanceSession, EmployeeId};
use crate::worktime::{Absence, Holiday};

/// A boxed error from a backend (database driver, HTTP client, …).
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Shorthand for results whose error is [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in the core services and the stores.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Input was rejected; `field` names the offending input.
    #[error("invalid {field}: {reason}")]
    Validation {
        /// The input field, as the caller named it (`"name"`, `"timezone"`, …).
        field: &'static str,
        /// Why the value was rejected, in words a person understands.
        reason: String,
    },
    /// The referenced entity does not exist.
    #[error("{entity} {id} not found")]
    NotFound {
        /// What kind of entity was looked up.
        entity: Entity,
        /// The id that was looked up.
        id: i64,
    },
    /// The principal may not do this (see [`crate::access`]). Only writes
    /// answer it: a read out of scope is [`Error::NotFound`].
    #[error("forbidden to {action}: {reason}")]
    Forbidden {
        /// What was attempted, in words (`"clock in or out"`).
        action: &'static str,
        /// Who may, in words.
        reason: String,
    },
    /// The request contradicts the current state; the variant carries it.
    #[error(transparent)]
    Conflict(#[from] Conflict),
    /// The backend cannot be reached right now; retrying later may succeed.
    #[error("the store is unavailable")]
    Unavailable {
        /// The underlying cause.
        #[source]
        source: BoxError,
    },
    /// The backend failed in a way that retrying will not fix.
    #[error("the store failed")]
    Backend {
        /// The underlying cause.
        #[source]
        source: BoxError,
    },
}

impl Error {
    /// A validation error for `field`.
    pub fn validation(field: &'static str, reason: impl Into<String>) -> Self {
        Self::Validation {
            field,
            reason: reason.into(),
        }
    }

    /// A forbidden error for `action`.
    pub fn forbidden(action: &'static str, reason: impl Into<String>) -> Self {
        Self::Forbidden {
            action,
            reason: reason.into(),
        }
    }

    /// A not-found error.
    pub fn not_found(entity: Entity, id: impl Into<i64>) -> Self {
        Self::NotFound {
            entity,
            id: id.into(),
        }
    }

    /// Wraps a backend error that retrying may fix.
    pub fn unavailable(source: impl Into<BoxError>) -> Self {
        Self::Unavailable {
            source: source.into(),
        }
    }

    /// Wraps a backend error that retrying will not fix.
    pub fn backend(source: impl Into<BoxError>) -> Self {
        Self::Backend {
            source: source.into(),
        }
    }

    /// Whether the same call may succeed if it is made again later.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Unavailable { .. })
    }
}

/// The kinds of entity a [`Error::NotFound`] can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Entity {
    /// A team.
    Team,
    /// An employee.
    Employee,
    /// An attendance session.
    Session,
    /// An API token (see [`crate::tokens`]).
    Token,
    /// A work pattern (see [`crate::worktime`]).
    WorkPattern,
    /// A holiday.
    Holiday,
    /// An absence.
    Absence,
    /// A correction request (see [`crate::close`]).
    Request,
    /// A period lock.
    PeriodLock,
    /// A webhook endpoint (see [`crate::webhooks`]).
    Webhook,
    /// A webhook delivery.
    Delivery,
}

impl fmt::Display for Entity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Team => "team",
            Self::Employee => "employee",
            Self::Session => "session",
            Self::Token => "token",
            Self::WorkPattern => "work pattern",
            Self::Holiday => "holiday",
            Self::Absence => "absence",
            Self::Request => "request",
            Self::PeriodLock => "period lock",
            Self::Webhook => "webhook endpoint",
            Self::Delivery => "delivery",
        })
    }
}

/// A request that contradicts the current state, with that state.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Conflict {
    /// Clock-in while a session is open; carries the open session.
    #[error("employee {} is already clocked in since {}", open.employee_id, open.clock_in)]
    AlreadyClockedIn {
        /// The session that is currently open.
        open: Box<AttendanceSession>,
    },
    /// Clock-out while no session is open.
    #[error("employee {employee_id} is not clocked in")]
    NotClockedIn {
        /// The employee that has no open session.
        employee_id: EmployeeId,
    },
    /// A backfilled session would overlap an existing one.
    #[error("the session would overlap session {} of employee {}", existing.id, existing.employee_id)]
    Overlap {
        /// The first existing session the new one would overlap.
        existing: Box<AttendanceSession>,
    },
    /// A team with the same name (compared case-insensitively) exists.
    #[error("a team named {name:?} already exists")]
    DuplicateTeamName {
        /// The name that is taken.
        name: String,
    },
    /// The calendar already has a holiday on that date.
    #[error("the calendar already has {:?} on {}", existing.name, existing.date)]
    HolidayExists {
        /// The holiday in place.
        existing: Box<Holiday>,
    },
    /// The absence would overlap another of the same employee.
    #[error("the absence would overlap absence {} ({} to {})", existing.id, existing.from, existing.to)]
    AbsenceOverlap {
        /// The first absence it would overlap.
        existing: Box<Absence>,
    },
    /// The write would create, change or remove a session or absence whose
    /// work date a lock covers (see [`crate::close`]).
    #[error("work dates {} to {} are locked", lock.from, lock.to)]
    PeriodLocked {
        /// The lock (the first by id, if several cover it).
        lock: Box<PeriodLock>,
    },
    /// A lock would overlap a standing lock of the same team or the company.
    #[error("the period overlaps lock {} ({} to {})", existing.id, existing.from, existing.to)]
    LockOverlap {
        /// The standing lock.
        existing: Box<PeriodLock>,
    },
    /// A lock would cover sessions still open; they must be closed first.
    #[error("{} session(s) in the period are still open", sessions.len())]
    OpenSessions {
        /// The open sessions, oldest first, at most
        /// [`MAX_LISTED_OPEN_SESSIONS`](crate::close::MAX_LISTED_OPEN_SESSIONS).
        sessions: Vec<AttendanceSession>,
    },
    /// The session a request changes is no longer as the requester saw it.
    #[error("session {} changed since the request was made", current.id)]
    RequestStale {
        /// The session as it is now.
        current: Box<AttendanceSession>,
    },
    /// The request was decided already.
    #[error("request {} is already {}", request.id, request.state.as_str())]
    RequestDecided {
        /// The request as it stands.
        request: Box<CorrectionRequest>,
    },
}

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use super::*;

    #[test]
    fn backend_errors_keep_their_source_without_repeating_it() {
        let err = Error::backend(std::io::Error::other("disk on fire"));
        assert_eq!(err.to_string(), "the store failed");
        let source = err.source().map(ToString::to_string);
        assert_eq!(source.as_deref(), Some("disk on fire"));
        assert!(!err.is_retryable());
        assert!(Error::unavailable(std::io::Error::other("down")).is_retryable());
    }

    #[test]
    fn validation_names_the_field() {
        let err = Error::validation("name", "must not be empty");
        assert_eq!(err.to_string(), "invalid name: must not be empty");
    }
}
