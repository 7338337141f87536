//! Backfills, corrections and the audit trail: their bodies, the entry,
//! its page and the listing's query.

use attendance_core::access::Actor as CoreActor;
use attendance_core::audit::{AuditAction as CoreAction, AuditEntry as CoreEntry, MAX_REASON};
use attendance_core::idempotency::Written;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::openapi::schema::ObjectBuilder;
use utoipa::{IntoParams, ToSchema};

use super::attendance::Session;
use super::calendar::{Absence, Holiday};
use super::close::{CorrectionRequest, DecidedRequest, PeriodLock};
use super::employees::Employee;
use super::shared::{PageSize, WorkMode, described_string};
use super::teams::Team;
use super::webhooks::WebhookEndpoint;
use super::worktime::{BreakRule, PatternAssignment, WorkPattern};

/// Body of `POST /attendance/sessions`: a whole past session (a backfill).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordSession {
    /// Whose session.
    pub employee_id: i64,
    /// When it started (RFC 3339).
    #[schema(value_type = DateTime<Utc>, example = "2026-03-02T08:55:00Z")]
    pub clock_in: String,
    /// When it ended (RFC 3339): after the clock-in, not in the future.
    #[schema(value_type = DateTime<Utc>, example = "2026-03-02T17:05:00Z")]
    pub clock_out: String,
    /// `WFH` or `WFO`.
    #[schema(value_type = WorkMode)]
    pub work_mode: String,
    /// Why the session is recorded after the fact; kept in the audit trail.
    #[schema(schema_with = reason_schema)]
    pub reason: String,
}

/// Body of `PATCH /attendance/sessions/{id}`: at least one change, and why.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CorrectSession {
    /// The new clock-in (RFC 3339); an open session stays open.
    #[schema(value_type = Option<DateTime<Utc>>, example = "2026-03-02T08:55:00Z")]
    pub clock_in: Option<String>,
    /// The new clock-out (RFC 3339); setting it closes an open session.
    #[schema(value_type = Option<DateTime<Utc>>, example = "2026-03-02T17:05:00Z")]
    pub clock_out: Option<String>,
    /// The new work mode, `WFH` or `WFO`.
    #[schema(value_type = Option<WorkMode>)]
    pub work_mode: Option<String>,
    /// Why; kept in the audit trail with the values before and after.
    #[schema(schema_with = reason_schema)]
    pub reason: String,
}

pub(super) fn reason_schema() -> ObjectBuilder {
    described_string(
        format!("Why, 1–{MAX_REASON} characters after trimming; kept in the audit trail."),
        "The badge reader was down",
        false,
    )
}

/// Who wrote an audit entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Actor {
    /// The host application itself (scheduled jobs, imports, tools).
    System,
    /// An administrator.
    Admin {
        /// How the administrator is named.
        name: String,
        /// The token the administrator authenticated with, which tells
        /// apart administrators named alike; absent for one without a
        /// token (the host's own tools).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        token_id: Option<i64>,
    },
    /// An employee (a manager included).
    Employee {
        /// The employee's id.
        id: i64,
    },
}

impl From<CoreActor> for Actor {
    fn from(actor: CoreActor) -> Self {
        match actor {
            CoreActor::System => Self::System,
            CoreActor::Admin { name, token } => Self::Admin {
                name,
                token_id: token.map(|t| t.0),
            },
            CoreActor::Employee { id } => Self::Employee { id: id.0 },
        }
    }
}

/// What a write did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    /// A team was created.
    TeamCreated,
    /// An employee was created.
    EmployeeCreated,
    /// An employee was appointed to manage a team.
    ManagerAppointed,
    /// A manager's appointment ended.
    ManagerDismissed,
    /// A session was opened.
    ClockIn,
    /// A session was closed.
    ClockOut,
    /// A whole past session was recorded.
    Backfill,
    /// A session was corrected.
    Correction,
    /// A forgotten session was closed by its team's policy.
    AutoClose,
    /// An API token was created.
    TokenCreated,
    /// An API token was revoked.
    TokenRevoked,
    /// An employee's name, role, team or manager flag was changed.
    EmployeeUpdated,
    /// A work pattern was created.
    WorkPatternCreated,
    /// A work pattern was assigned to a team or an employee.
    WorkPatternAssigned,
    /// A holiday was added to a calendar.
    HolidayAdded,
    /// A holiday was removed from a calendar.
    HolidayRemoved,
    /// An absence was recorded.
    AbsenceRecorded,
    /// An absence was removed.
    AbsenceRemoved,
    /// A team's break rule was set.
    BreakRuleSet,
    /// A correction request was filed.
    RequestCreated,
    /// A correction request was approved (and applied).
    RequestApproved,
    /// A correction request was rejected.
    RequestRejected,
    /// A period was locked.
    PeriodLocked,
    /// A locked period was reopened.
    PeriodReopened,
    /// A webhook endpoint was registered.
    WebhookRegistered,
    /// A webhook endpoint was removed.
    WebhookRemoved,
    /// Deliveries to a webhook endpoint were sent again.
    WebhookRedelivered,
}

impl From<CoreAction> for AuditAction {
    fn from(action: CoreAction) -> Self {
        match action {
            CoreAction::TeamCreated => Self::TeamCreated,
            CoreAction::EmployeeCreated => Self::EmployeeCreated,
            CoreAction::ManagerAppointed => Self::ManagerAppointed,
            CoreAction::ManagerDismissed => Self::ManagerDismissed,
            CoreAction::ClockIn => Self::ClockIn,
            CoreAction::ClockOut => Self::ClockOut,
            CoreAction::Backfill => Self::Backfill,
            CoreAction::Correction => Self::Correction,
            CoreAction::AutoClose => Self::AutoClose,
            CoreAction::TokenCreated => Self::TokenCreated,
            CoreAction::TokenRevoked => Self::TokenRevoked,
            CoreAction::EmployeeUpdated => Self::EmployeeUpdated,
            CoreAction::WorkPatternCreated => Self::WorkPatternCreated,
            CoreAction::WorkPatternAssigned => Self::WorkPatternAssigned,
            CoreAction::HolidayAdded => Self::HolidayAdded,
            CoreAction::HolidayRemoved => Self::HolidayRemoved,
            CoreAction::AbsenceRecorded => Self::AbsenceRecorded,
            CoreAction::AbsenceRemoved => Self::AbsenceRemoved,
            CoreAction::BreakRuleSet => Self::BreakRuleSet,
            CoreAction::RequestCreated => Self::RequestCreated,
            CoreAction::RequestApproved => Self::RequestApproved,
            CoreAction::RequestRejected => Self::RequestRejected,
            CoreAction::PeriodLocked => Self::PeriodLocked,
            CoreAction::PeriodReopened => Self::PeriodReopened,
            CoreAction::WebhookRegistered => Self::WebhookRegistered,
            CoreAction::WebhookRemoved => Self::WebhookRemoved,
            CoreAction::WebhookRedelivered => Self::WebhookRedelivered,
        }
    }
}

/// A record as an audit entry shows it, before or after the write.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum AuditValue {
    /// A team.
    Team(Team),
    /// An employee.
    Employee(Employee),
    /// A session.
    Session(Session),
    /// A work pattern.
    WorkPattern(WorkPattern),
    /// A pattern assignment.
    PatternAssignment(PatternAssignment),
    /// A holiday.
    Holiday(Holiday),
    /// An absence.
    Absence(Absence),
    /// A team's break rule.
    BreakRule(BreakRule),
    /// A correction request, as filed.
    Request(CorrectionRequest),
    /// A decided request, and the session an approval recorded or
    /// corrected.
    Decided(DecidedRequest),
    /// A period lock.
    PeriodLock(PeriodLock),
    /// A webhook endpoint (never its signing secret).
    Webhook(WebhookEndpoint),
}

impl AuditValue {
    fn of(written: Written) -> Option<Self> {
        match written {
            Written::Team(team) => Some(Self::Team(team.into())),
            Written::Employee(employee) => Some(Self::Employee(employee.into())),
            Written::Session(session) => Some(Self::Session(session.into())),
            Written::WorkPattern(pattern) => Some(Self::WorkPattern(pattern.into())),
            Written::PatternAssigned(assignment) => {
                Some(Self::PatternAssignment(assignment.into()))
            }
            Written::Holiday(holiday) => Some(Self::Holiday(holiday.into())),
            Written::Absence(absence) => Some(Self::Absence(absence.into())),
            Written::BreakRule { team, rule } => Some(Self::BreakRule(BreakRule::of(team, &rule))),
            Written::Request(request) => Some(Self::Request(request.into())),
            Written::Decided { request, session } => Some(Self::Decided(DecidedRequest {
                request: request.into(),
                session: session.map(Into::into),
            })),
            Written::PeriodLock(lock) => Some(Self::PeriodLock(lock.into())),
            Written::Webhook(endpoint) => Some(Self::Webhook(endpoint.into())),
            // The secret is shown once, to whoever registered the endpoint;
            // the trail, which others read, shows the endpoint alone.
            Written::WebhookRegistered { endpoint, .. } => Some(Self::Webhook(endpoint.into())),
            // A manager's appointment is told by the entry's action and ids.
            Written::Appointment { .. } => None,
            _ => None,
        }
    }
}

/// One entry of the audit trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AuditEntry {
    /// The entry's id; entries are numbered in the order they were written.
    pub id: i64,
    /// When the write happened (RFC 3339).
    pub at: DateTime<Utc>,
    /// Who wrote.
    pub actor: Actor,
    /// What was done.
    pub action: AuditAction,
    /// The employee concerned, if any.
    pub employee_id: Option<i64>,
    /// The session concerned, if any.
    pub session_id: Option<i64>,
    /// The team concerned, if any.
    pub team_id: Option<i64>,
    /// The record before the write; `null` for a creation.
    pub before: Option<AuditValue>,
    /// The record after the write.
    pub after: Option<AuditValue>,
    /// Why: for backfills, corrections, correction requests, rejections,
    /// and locks and reopenings that give one.
    pub reason: Option<String>,
    /// The API token concerned, for token creation and revocation.
    pub token_id: Option<i64>,
}

impl From<CoreEntry> for AuditEntry {
    fn from(entry: CoreEntry) -> Self {
        let record = entry.record;
        Self {
            id: entry.id,
            at: entry.at,
            actor: entry.actor.into(),
            action: record.action.into(),
            employee_id: record.employee_id.map(|e| e.0),
            session_id: record.session_id.map(|s| s.0),
            team_id: record.team_id.map(|t| t.0),
            before: record.before.and_then(AuditValue::of),
            after: record.after.and_then(AuditValue::of),
            reason: record.reason,
            token_id: record.token_id.map(|t| t.0),
        }
    }
}

/// One page of the audit trail, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AuditPage {
    /// The entries of this page.
    pub items: Vec<AuditEntry>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// Query of `GET /audit`.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct AuditQuery {
    /// Only entries about this employee.
    #[param(value_type = Option<i64>)]
    pub(crate) employee_id: Option<String>,
    /// Only entries about this session.
    #[param(value_type = Option<i64>)]
    pub(crate) session_id: Option<String>,
    /// Only entries written at or after this instant (RFC 3339), or from
    /// the start of this day in UTC (`YYYY-MM-DD`).
    #[param(value_type = Option<String>)]
    pub(crate) from: Option<String>,
    /// Only entries written before this instant (RFC 3339), or up to the
    /// end of this day in UTC (`YYYY-MM-DD`, inclusive).
    #[param(value_type = Option<String>)]
    pub(crate) to: Option<String>,
    /// Page size; its bounds and default are in the schema.
    #[param(value_type = Option<PageSize>, inline)]
    pub(crate) limit: Option<String>,
    /// `next_cursor` of the previous page.
    pub(crate) cursor: Option<String>,
}

/// A `from`/`to` bound: an RFC 3339 instant, or a UTC day whose start
/// (`from`) or end (`to`, inclusive) is meant.
pub(crate) fn day_or_instant(date: Option<NaiveDate>, end: bool) -> Option<DateTime<Utc>> {
    let date = if end { date?.succ_opt()? } else { date? };
    Some(date.and_time(chrono::NaiveTime::MIN).and_utc())
}
