//! Correction requests: the types; the rules are in [`crate::close`].

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::access::{Actor, Scope};
use crate::audit::validate_reason;
use crate::domain::{AttendanceSession, EmployeeId, SessionId, TeamId, WorkMode};
use crate::error::{Error, Result};
use crate::store::{IdCursor, Page};
use crate::worktime::worktime_id;
use crate::write::SessionChanges;

worktime_id!(
    /// Identifies a [`CorrectionRequest`].
    RequestId
);

/// What a request asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RequestedChange {
    /// A whole session that was never recorded, as a backfill records it.
    Missing {
        /// From.
        clock_in: DateTime<Utc>,
        /// Until.
        clock_out: DateTime<Utc>,
        /// Where.
        work_mode: WorkMode,
    },
    /// A change to a stored session, as a correction makes it.
    Change {
        /// What changes.
        changes: SessionChanges,
        /// The session as the requester saw it: approval is refused if it
        /// is no longer so.
        seen: AttendanceSession,
    },
}

impl RequestedChange {
    /// The session it changes, if it changes one.
    pub fn session_id(&self) -> Option<SessionId> {
        match self {
            Self::Missing { .. } => None,
            Self::Change { seen, .. } => Some(seen.id),
        }
    }
}

/// A validated request for a correction, made by the service from what
/// the requester asked and (for a change) the session as it was then.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewCorrectionRequest {
    employee_id: EmployeeId,
    change: RequestedChange,
    reason: String,
}

impl NewCorrectionRequest {
    /// `employee` asks for the session `clock_in..clock_out` in `work_mode`.
    /// The service has checked the instants (supported, not in the future,
    /// in order).
    pub fn missing(
        employee_id: EmployeeId,
        clock_in: DateTime<Utc>,
        clock_out: DateTime<Utc>,
        work_mode: WorkMode,
        reason: &str,
    ) -> Result<Self> {
        crate::domain::check_clock_out("clock_out", clock_in, clock_out)?;
        Ok(Self {
            employee_id,
            change: RequestedChange::Missing {
                clock_in,
                clock_out,
                work_mode,
            },
            reason: validate_reason(reason)?,
        })
    }

    /// The session's employee asks for `changes` to `seen` (the session as
    /// read now). At least one value changes, and the result keeps its
    /// clock-out after its clock-in.
    pub fn change(seen: AttendanceSession, changes: SessionChanges, reason: &str) -> Result<Self> {
        if changes.is_empty() {
            return Err(Error::validation(
                "clock_in",
                "a change asks for at least one of clock_in, clock_out and work_mode",
            ));
        }
        changes.apply(&seen)?;
        Ok(Self {
            employee_id: seen.employee_id,
            change: RequestedChange::Change { changes, seen },
            reason: validate_reason(reason)?,
        })
    }

    /// Who asks (and whose sessions change).
    pub fn employee_id(&self) -> EmployeeId {
        self.employee_id
    }

    /// What they ask for.
    pub fn change_requested(&self) -> &RequestedChange {
        &self.change
    }

    /// Why.
    pub fn reason(&self) -> &str {
        &self.reason
    }

    /// The request this makes once a store gives it `id`, for the work
    /// date `work_date` (a missing session's clock-in in the team's
    /// timezone; a change's, the session's), made at `created_at`.
    pub fn with_id(
        &self,
        id: RequestId,
        work_date: NaiveDate,
        created_at: DateTime<Utc>,
    ) -> CorrectionRequest {
        CorrectionRequest {
            id,
            employee_id: self.employee_id,
            work_date,
            change: self.change.clone(),
            reason: self.reason.clone(),
            state: RequestState::Open,
            created_at,
            decided_by: None,
            decided_at: None,
            decision_reason: None,
            session_id: self.change.session_id(),
        }
    }
}

/// Where a request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestState {
    /// Waiting for a decision.
    Open,
    /// Approved and applied.
    Approved,
    /// Rejected, with a reason.
    Rejected,
}

impl RequestState {
    /// The spelling stores and the wire use.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
        }
    }

    /// Reads [`RequestState::as_str`]'s spelling back.
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Open, Self::Approved, Self::Rejected]
            .into_iter()
            .find(|state| state.as_str() == s)
    }
}

/// A correction request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorrectionRequest {
    /// Its id.
    pub id: RequestId,
    /// Who asked, and whose session it is.
    pub employee_id: EmployeeId,
    /// The work date it concerns (what locks and period filters compare).
    pub work_date: NaiveDate,
    /// What was asked for.
    pub change: RequestedChange,
    /// Why.
    pub reason: String,
    /// Where it stands.
    pub state: RequestState,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// Who decided it.
    pub decided_by: Option<Actor>,
    /// When.
    pub decided_at: Option<DateTime<Utc>>,
    /// Why it was rejected.
    pub decision_reason: Option<String>,
    /// The session it changed, or (a missing session, once approved) the
    /// session it recorded.
    pub session_id: Option<SessionId>,
}

/// A decision on a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum Decision {
    /// Apply it.
    Approve,
    /// Refuse it, saying why.
    Reject {
        /// Why (validated as a correction's reason).
        reason: String,
    },
}

impl Decision {
    /// A rejection, its reason checked.
    pub fn reject(reason: &str) -> Result<Self> {
        Ok(Self::Reject {
            reason: validate_reason(reason)?,
        })
    }
}

/// Which requests to list; every field narrows the result.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestFilter {
    /// Only requests in this state.
    pub state: Option<RequestState>,
    /// Only this employee's.
    pub employee_id: Option<EmployeeId>,
    /// Only those of this team's (current) members.
    pub team_id: Option<TeamId>,
    /// Only work dates on or after this day.
    pub from: Option<NaiveDate>,
    /// Only work dates on or before this day.
    pub to: Option<NaiveDate>,
    /// Only requests the principal may read: set by the service, never by
    /// the caller's query.
    #[serde(skip)]
    pub scope: Scope,
    /// Leave out this employee's own requests: a manager's inbox holds
    /// what they may decide. Set by the service.
    #[serde(skip)]
    pub not_by: Option<EmployeeId>,
}

impl RequestFilter {
    /// Whether `request`, of a (current) member of `team`, matches.
    pub fn matches(&self, request: &CorrectionRequest, team: TeamId) -> bool {
        self.scope.admits(request.employee_id, team)
            && self.not_by.is_none_or(|e| e != request.employee_id)
            && self.state.is_none_or(|s| s == request.state)
            && self.employee_id.is_none_or(|e| e == request.employee_id)
            && self.team_id.is_none_or(|t| t == team)
            && self.from.is_none_or(|f| request.work_date >= f)
            && self.to.is_none_or(|t| request.work_date <= t)
    }
}

impl Page<CorrectionRequest> {
    /// A page of requests, newest first, from up to `limit + 1` rows.
    pub fn of_requests(rows: Vec<CorrectionRequest>, limit: u32) -> Self {
        Self::from_overfetch_by(rows, limit, |r| IdCursor(r.id.0))
    }
}
