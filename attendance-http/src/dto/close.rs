//! Closing a period: correction requests and their decisions, period
//! locks, and the timesheet export's query; their bodies, lists and
//! queries.

use attendance_core::close::{
    self as core, MAX_LISTED_OPEN_SESSIONS, MAX_LOCK_DAYS, RequestedChange as CoreChange,
};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::openapi::schema::ObjectBuilder;
use utoipa::{IntoParams, ToSchema};

use super::attendance::Session;
use super::audit::{Actor, reason_schema};
use super::shared::{PageSize, WorkMode, described_string};

/// What a correction request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RequestKind {
    /// A whole session that was never recorded.
    Missing,
    /// A change to a stored session.
    Change,
}

/// What a request asks for, as it was asked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RequestedChange {
    /// A whole session that was never recorded, as a backfill records it.
    Missing {
        /// From (RFC 3339).
        clock_in: DateTime<Utc>,
        /// Until (RFC 3339).
        clock_out: DateTime<Utc>,
        /// Where.
        work_mode: WorkMode,
    },
    /// A change to a stored session, as a correction makes it; `null`
    /// leaves a value as it is.
    Change {
        /// The new clock-in.
        clock_in: Option<DateTime<Utc>>,
        /// The new clock-out.
        clock_out: Option<DateTime<Utc>>,
        /// The new work mode.
        work_mode: Option<WorkMode>,
        /// The session as the requester saw it: approval is refused
        /// (`request_stale`) if it is no longer so.
        seen: Session,
    },
}

impl From<CoreChange> for RequestedChange {
    fn from(change: CoreChange) -> Self {
        match change {
            CoreChange::Missing {
                clock_in,
                clock_out,
                work_mode,
            } => Self::Missing {
                clock_in,
                clock_out,
                work_mode: work_mode.into(),
            },
            CoreChange::Change { changes, seen } => Self::Change {
                clock_in: changes.clock_in,
                clock_out: changes.clock_out,
                work_mode: changes.work_mode.map(Into::into),
                seen: seen.into(),
            },
        }
    }
}

/// Where a request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RequestState {
    /// Waiting for a decision.
    Open,
    /// Approved and applied.
    Approved,
    /// Rejected, with a reason.
    Rejected,
}

impl From<core::RequestState> for RequestState {
    fn from(state: core::RequestState) -> Self {
        match state {
            core::RequestState::Open => Self::Open,
            core::RequestState::Approved => Self::Approved,
            core::RequestState::Rejected => Self::Rejected,
        }
    }
}

/// A correction request: an employee asks, someone else decides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CorrectionRequest {
    /// The request's id.
    pub id: i64,
    /// Who asked, and whose session it is.
    pub employee_id: i64,
    /// The work date it concerns (what locks and the `from`/`to` filters
    /// compare).
    pub work_date: NaiveDate,
    /// What was asked for.
    pub change: RequestedChange,
    /// Why.
    pub reason: String,
    /// Where it stands.
    pub state: RequestState,
    /// When it was made (RFC 3339).
    pub created_at: DateTime<Utc>,
    /// Who decided it; `null` while open.
    pub decided_by: Option<Actor>,
    /// When it was decided.
    pub decided_at: Option<DateTime<Utc>>,
    /// Why it was rejected.
    pub decision_reason: Option<String>,
    /// The session it changes, or (a missing session, once approved) the
    /// session it recorded.
    pub session_id: Option<i64>,
}

impl From<core::CorrectionRequest> for CorrectionRequest {
    fn from(r: core::CorrectionRequest) -> Self {
        let core::CorrectionRequest {
            id,
            employee_id,
            work_date,
            change,
            reason,
            state,
            created_at,
            decided_by,
            decided_at,
            decision_reason,
            session_id,
        } = r;
        Self {
            id: id.0,
            employee_id: employee_id.0,
            work_date,
            change: change.into(),
            reason,
            state: state.into(),
            created_at,
            decided_by: decided_by.map(Into::into),
            decided_at,
            decision_reason,
            session_id: session_id.map(|s| s.0),
        }
    }
}

/// What an approval or a rejection produced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DecidedRequest {
    /// The request as decided.
    pub request: CorrectionRequest,
    /// The session an approval recorded or corrected; `null` for a
    /// rejection.
    pub session: Option<Session>,
}

impl From<core::DecidedRequest> for DecidedRequest {
    fn from(d: core::DecidedRequest) -> Self {
        Self {
            request: d.request.into(),
            session: d.session.map(Into::into),
        }
    }
}

/// One page of requests, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RequestPage {
    /// The requests of this page.
    pub items: Vec<CorrectionRequest>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// Body of `POST /attendance/requests`: a missing session
/// (`kind: "missing"` with `employee_id`, `clock_in`, `clock_out` and
/// `work_mode`) or a change to one's own session (`kind: "change"` with
/// `session_id` and at least one of `clock_in`, `clock_out` and
/// `work_mode`), and why. Members of the other kind are refused.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateRequest {
    /// `missing` or `change`.
    #[schema(value_type = RequestKind)]
    pub kind: String,
    /// `missing`: who (the caller themself).
    pub employee_id: Option<i64>,
    /// `change`: which session (one of the caller's own).
    pub session_id: Option<i64>,
    /// The clock-in (RFC 3339): required for `missing`, optional for
    /// `change`.
    #[schema(value_type = Option<DateTime<Utc>>, example = "2026-03-02T08:55:00Z")]
    pub clock_in: Option<String>,
    /// The clock-out (RFC 3339), after the clock-in and not in the
    /// future: required for `missing`, optional for `change`.
    #[schema(value_type = Option<DateTime<Utc>>, example = "2026-03-02T17:05:00Z")]
    pub clock_out: Option<String>,
    /// `WFH` or `WFO`: required for `missing`, optional for `change`.
    #[schema(value_type = Option<WorkMode>)]
    pub work_mode: Option<String>,
    /// Why; the decider reads it, the audit trail keeps it.
    #[schema(schema_with = reason_schema)]
    pub reason: String,
}

/// Body of `POST /attendance/requests/{id}/approve`: nothing, `{}`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApproveRequest {}

/// Body of `POST /attendance/requests/{id}/reject`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RejectRequest {
    /// Why; the requester reads it, the audit trail keeps it.
    #[schema(schema_with = reason_schema)]
    pub reason: String,
}

/// Query of `GET /attendance/requests`.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct RequestsQuery {
    /// Only requests in this state.
    #[param(value_type = Option<RequestState>)]
    pub(crate) state: Option<String>,
    /// Only this employee's.
    #[param(value_type = Option<i64>)]
    pub(crate) employee_id: Option<String>,
    /// Only those of this team's current members.
    #[param(value_type = Option<i64>)]
    pub(crate) team_id: Option<String>,
    /// Only work dates on or after this day (`YYYY-MM-DD`).
    #[param(value_type = Option<NaiveDate>)]
    pub(crate) from: Option<String>,
    /// Only work dates on or before this day (`YYYY-MM-DD`).
    #[param(value_type = Option<NaiveDate>)]
    pub(crate) to: Option<String>,
    /// Page size; its bounds and default are in the schema.
    #[param(value_type = Option<PageSize>, inline)]
    pub(crate) limit: Option<String>,
    /// `next_cursor` of the previous page.
    pub(crate) cursor: Option<String>,
}

/// Query of `GET /attendance/requests/inbox`: a page.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct PageQuery {
    /// Page size; its bounds and default are in the schema.
    #[param(value_type = Option<PageSize>, inline)]
    pub(crate) limit: Option<String>,
    /// `next_cursor` of the previous page.
    pub(crate) cursor: Option<String>,
}

/// A standing lock over a range of work dates: sessions and absences
/// dated in it cannot be created, changed or removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PeriodLock {
    /// The lock's id.
    pub id: i64,
    /// The team whose work dates it covers; `null`: every team.
    pub team_id: Option<i64>,
    /// The first locked work date.
    pub from: NaiveDate,
    /// The last locked work date.
    pub to: NaiveDate,
    /// Why, if given.
    pub reason: Option<String>,
    /// Who locked it.
    pub locked_by: Actor,
    /// When (RFC 3339).
    pub locked_at: DateTime<Utc>,
}

impl From<core::PeriodLock> for PeriodLock {
    fn from(l: core::PeriodLock) -> Self {
        let core::PeriodLock {
            id,
            team_id,
            from,
            to,
            reason,
            locked_by,
            locked_at,
        } = l;
        Self {
            id: id.0,
            team_id: team_id.map(|t| t.0),
            from,
            to,
            reason,
            locked_by: locked_by.into(),
            locked_at,
        }
    }
}

/// Standing locks, by id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PeriodLockList {
    /// The locks.
    pub items: Vec<PeriodLock>,
}

/// Body of `POST /periods`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(description = lock_period_description())]
pub struct LockPeriod {
    /// The team whose work dates it locks; absent: every team's.
    pub team_id: Option<i64>,
    /// The first work date to lock (`YYYY-MM-DD`).
    #[schema(value_type = NaiveDate, example = "2026-02-01")]
    pub from: String,
    /// The last work date to lock (`YYYY-MM-DD`).
    #[schema(value_type = NaiveDate, example = "2026-02-28")]
    pub to: String,
    /// Why, if anyone needs to know.
    #[schema(schema_with = optional_reason_schema)]
    pub reason: Option<String>,
}

fn lock_period_description() -> String {
    format!(
        "Body of `POST /periods`: work dates `from` to `to` (at most {MAX_LOCK_DAYS} days) \
         of one team or of the company. Refused while a session in them is open (up to \
         {MAX_LISTED_OPEN_SESSIONS} of them are listed) or when a standing lock of the same \
         team or of the company meets them."
    )
}

fn optional_reason_schema() -> ObjectBuilder {
    described_string(
        format!(
            "Why, 1–{} characters after trimming; kept in the audit trail.",
            attendance_core::audit::MAX_REASON
        ),
        "February is paid",
        true,
    )
}

/// Body of `POST /periods/{id}/reopen`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReopenPeriod {
    /// Why the period opens again; the audit trail keeps it.
    #[schema(schema_with = reason_schema)]
    pub reason: String,
}

/// Query of `GET /periods`.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct PeriodsQuery {
    /// Only locks that cover this team: its own and the company's.
    #[param(value_type = Option<i64>)]
    pub(crate) team_id: Option<String>,
    /// Only locks that end on or after this day (`YYYY-MM-DD`).
    #[param(value_type = Option<NaiveDate>)]
    pub(crate) from: Option<String>,
    /// Only locks that start on or before this day (`YYYY-MM-DD`).
    #[param(value_type = Option<NaiveDate>)]
    pub(crate) to: Option<String>,
}

/// The format of a timesheet file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TimesheetFormat {
    /// RFC 4180 CSV, streamed as it is written.
    Csv,
    /// An Excel workbook: day lines, and totals on a second sheet.
    Xlsx,
}

/// Query of `GET /exports/timesheet`.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct TimesheetQuery {
    /// The first work date (`YYYY-MM-DD`); required.
    #[param(value_type = NaiveDate, required)]
    pub(crate) from: Option<String>,
    /// The last work date (`YYYY-MM-DD`); required. The period has at
    /// most as many days as a leap year.
    #[param(value_type = NaiveDate, required)]
    pub(crate) to: Option<String>,
    /// Only this team's current members.
    #[param(value_type = Option<i64>)]
    pub(crate) team_id: Option<String>,
    /// Only this employee.
    #[param(value_type = Option<i64>)]
    pub(crate) employee_id: Option<String>,
    /// `csv` (default) or `xlsx`.
    #[param(value_type = Option<TimesheetFormat>)]
    pub(crate) format: Option<String>,
}
