//! The audit trail: every write appends one [`AuditEntry`] saying who did
//! what, when, to which records, with the values before and after and, for
//! corrections and backfills, why.
//!
//! Stores append the entry **atomically with the write** (PostgreSQL: in
//! the write's own statement or transaction; the in-memory store: under its
//! lock), so a failed write leaves no entry and no write goes unrecorded.
//! PostgreSQL also refuses to change or remove an entry once written
//! (migration `0008_audit.sql`).
//!
//! Who wrote is the [`Actor`] of the [`Stamp`] a write is performed under:
//! [`Actor::System`] for the plain [`AttendanceService`] methods (the host's
//! own authority) and the principal's actor for
//! [`Acting`](crate::Acting) writes. When is the service's clock at the
//! write, so a host's test clock governs the trail as it governs sessions.
//!
//! Bulk imports ([`crate::import`]) are not entered row by row: they are
//! the host's own loading of history, through `COPY` in PostgreSQL, and one
//! entry per imported session would double their cost.
//!
//! What a reader sees is scoped as the matrix in [`crate::access`] says:
//! an employee the entries about themself, a manager those about their
//! teams' members that name no other team, an admin all. Entries about no
//! employee (a team created) are for admins only.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::access::{Actor, Scope};
use crate::close::{CorrectionRequest, Decision};
use crate::domain::{
    AttendanceSession, EmployeeId, SessionId, TeamId, check_not_future, check_supported_instant,
    validate_text,
};
use crate::error::{Error, Result};
use crate::service::AttendanceService;
use crate::store::{IdCursor, Page, PageRequest};
use crate::tokens::TokenId;
use crate::worktime::ScheduleTarget;
pub use crate::write::{SessionChanges, Stamp};
use crate::write::{Write, Written};

/// The longest reason a correction or backfill may carry, in characters.
pub const MAX_REASON: usize = 500;

/// Checks a correction's or backfill's reason: trimmed, 1 to
/// [`MAX_REASON`] characters, no control characters.
pub fn validate_reason(reason: &str) -> Result<String> {
    validate_text("reason", reason, MAX_REASON)
}

/// What a write did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    /// A team was created.
    TeamCreated,
    /// An employee was created.
    EmployeeCreated,
    /// An employee was appointed to manage a team.
    ManagerAppointed,
    /// A manager's appointment to a team ended.
    ManagerDismissed,
    /// A session was opened.
    ClockIn,
    /// A session was closed.
    ClockOut,
    /// A whole past session was recorded.
    Backfill,
    /// A session's instants or work mode were corrected.
    Correction,
    /// A forgotten session was closed by the team's policy.
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

impl AuditAction {
    /// Every action, in the order above.
    pub const ALL: [Self; 27] = [
        Self::TeamCreated,
        Self::EmployeeCreated,
        Self::ManagerAppointed,
        Self::ManagerDismissed,
        Self::ClockIn,
        Self::ClockOut,
        Self::Backfill,
        Self::Correction,
        Self::AutoClose,
        Self::TokenCreated,
        Self::TokenRevoked,
        Self::EmployeeUpdated,
        Self::WorkPatternCreated,
        Self::WorkPatternAssigned,
        Self::HolidayAdded,
        Self::HolidayRemoved,
        Self::AbsenceRecorded,
        Self::AbsenceRemoved,
        Self::BreakRuleSet,
        Self::RequestCreated,
        Self::RequestApproved,
        Self::RequestRejected,
        Self::PeriodLocked,
        Self::PeriodReopened,
        Self::WebhookRegistered,
        Self::WebhookRemoved,
        Self::WebhookRedelivered,
    ];

    /// The spelling stores and the wire use (`"clock_in"`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::TeamCreated => "team_created",
            Self::EmployeeCreated => "employee_created",
            Self::ManagerAppointed => "manager_appointed",
            Self::ManagerDismissed => "manager_dismissed",
            Self::ClockIn => "clock_in",
            Self::ClockOut => "clock_out",
            Self::Backfill => "backfill",
            Self::Correction => "correction",
            Self::AutoClose => "auto_close",
            Self::TokenCreated => "token_created",
            Self::TokenRevoked => "token_revoked",
            Self::EmployeeUpdated => "employee_updated",
            Self::WorkPatternCreated => "work_pattern_created",
            Self::WorkPatternAssigned => "work_pattern_assigned",
            Self::HolidayAdded => "holiday_added",
            Self::HolidayRemoved => "holiday_removed",
            Self::AbsenceRecorded => "absence_recorded",
            Self::AbsenceRemoved => "absence_removed",
            Self::BreakRuleSet => "break_rule_set",
            Self::RequestCreated => "request_created",
            Self::RequestApproved => "request_approved",
            Self::RequestRejected => "request_rejected",
            Self::PeriodLocked => "period_locked",
            Self::PeriodReopened => "period_reopened",
            Self::WebhookRegistered => "webhook_registered",
            Self::WebhookRemoved => "webhook_removed",
            Self::WebhookRedelivered => "webhook_redelivered",
        }
    }

    /// Reads [`AuditAction::as_str`]'s spelling back.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

/// What a write records, besides who and when: the part of an
/// [`AuditEntry`] that the write itself determines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRecord {
    /// What was done.
    pub action: AuditAction,
    /// The employee it concerns, if any (scope follows it).
    pub employee_id: Option<EmployeeId>,
    /// The session it concerns, if any.
    pub session_id: Option<SessionId>,
    /// The team it concerns, if any: the team created, or the employee's.
    pub team_id: Option<TeamId>,
    /// The record before the write; `None` for a creation.
    pub before: Option<Written>,
    /// The record after the write.
    pub after: Option<Written>,
    /// Why, for corrections and backfills.
    pub reason: Option<String>,
    /// The API token it concerns, for token creation and revocation.
    #[serde(default)]
    pub token_id: Option<TokenId>,
}

impl AuditRecord {
    /// What `write` records, given what it wrote and, for a change to a
    /// session or an employee, the record before it; `None` for a write
    /// that changed nothing (an appointment already in place). Stores that
    /// compute the record in their own language (PostgreSQL) agree with
    /// this, as the conformance kit's audit scenarios prove.
    pub fn of(write: &Write, before: Option<&Written>, written: &Written) -> Option<Self> {
        let (action, reason) = match write {
            Write::CreateTeam(_) => (AuditAction::TeamCreated, None),
            Write::CreateEmployee(_) => (AuditAction::EmployeeCreated, None),
            Write::ClockIn { .. } => (AuditAction::ClockIn, None),
            Write::ClockOut { .. } => (AuditAction::ClockOut, None),
            Write::RecordSession { reason, .. } => (AuditAction::Backfill, reason.clone()),
            Write::CorrectSession { reason, .. } => (AuditAction::Correction, Some(reason.clone())),
            Write::UpdateEmployee { .. } => (AuditAction::EmployeeUpdated, None),
            Write::AppointManager { team, employee } => {
                return Self::appointment(AuditAction::ManagerAppointed, *team, *employee, written);
            }
            Write::DismissManager { team, employee } => {
                return Self::appointment(AuditAction::ManagerDismissed, *team, *employee, written);
            }
            Write::CreateWorkPattern(_) => (AuditAction::WorkPatternCreated, None),
            Write::AssignWorkPattern(_) => (AuditAction::WorkPatternAssigned, None),
            Write::AddHoliday(_) => (AuditAction::HolidayAdded, None),
            Write::RecordAbsence(_) => (AuditAction::AbsenceRecorded, None),
            Write::SetBreakRule { .. } => (AuditAction::BreakRuleSet, None),
            Write::RequestCorrection(request) => (
                AuditAction::RequestCreated,
                Some(request.reason().to_owned()),
            ),
            Write::DecideRequest { decision, .. } => match decision {
                Decision::Approve => (AuditAction::RequestApproved, None),
                Decision::Reject { reason } => (AuditAction::RequestRejected, Some(reason.clone())),
            },
            Write::LockPeriod(lock) => {
                (AuditAction::PeriodLocked, lock.reason().map(str::to_owned))
            }
            Write::RegisterWebhook(_) => {
                // The secret stays out of the trail.
                let Written::WebhookRegistered { endpoint, .. } = written else {
                    return None;
                };
                return Some(Self {
                    action: AuditAction::WebhookRegistered,
                    employee_id: None,
                    session_id: None,
                    team_id: None,
                    before: None,
                    after: Some(Written::Webhook(endpoint.clone())),
                    reason: None,
                    token_id: None,
                });
            }
            Write::RedeliverWebhook { .. } => (AuditAction::WebhookRedelivered, None),
            Write::ReopenPeriod { reason, .. } => {
                return Some(Self::removal(
                    AuditAction::PeriodReopened,
                    written,
                    Some(reason.clone()),
                ));
            }
            Write::RemoveWebhook(_) => {
                return Some(Self::removal(AuditAction::WebhookRemoved, written, None));
            }
            // A removal records what was removed, and nothing after.
            Write::RemoveHoliday(_) => {
                return Some(Self::removal(AuditAction::HolidayRemoved, written, None));
            }
            Write::RemoveAbsence(_) => {
                return Some(Self::removal(AuditAction::AbsenceRemoved, written, None));
            }
        };
        let (employee_id, session_id, team_id) = Self::subject(written);
        Some(Self {
            action,
            employee_id,
            session_id,
            team_id,
            before: before.cloned(),
            after: Some(written.clone()),
            reason,
            token_id: None,
        })
    }

    /// A removal's entry: what was removed, and nothing after.
    fn removal(action: AuditAction, written: &Written, reason: Option<String>) -> Self {
        let (employee_id, session_id, team_id) = Self::subject(written);
        Self {
            action,
            employee_id,
            session_id,
            team_id,
            before: Some(written.clone()),
            after: None,
            reason,
            token_id: None,
        }
    }

    /// The second entry of an approval: the session it recorded (`before`
    /// `None`, a backfill) or corrected (`before` the session as it was),
    /// with the request's reason. The first entry is [`AuditRecord::of`]
    /// the decision.
    pub fn applied(
        request: &CorrectionRequest,
        before: Option<&AttendanceSession>,
        after: &AttendanceSession,
    ) -> Self {
        let action = match before {
            None => AuditAction::Backfill,
            Some(_) => AuditAction::Correction,
        };
        Self {
            action,
            employee_id: Some(after.employee_id),
            session_id: Some(after.id),
            team_id: None,
            before: before.map(|s| Written::Session(s.clone())),
            after: Some(Written::Session(after.clone())),
            reason: Some(request.reason.clone()),
            token_id: None,
        }
    }

    /// The employee, session and team a written record is about.
    fn subject(written: &Written) -> (Option<EmployeeId>, Option<SessionId>, Option<TeamId>) {
        match written {
            Written::Team(team) => (None, None, Some(team.id)),
            Written::Employee(employee) => (Some(employee.id), None, Some(employee.team_id)),
            Written::Session(session) => (Some(session.employee_id), Some(session.id), None),
            Written::Appointment { .. } | Written::WorkPattern(_) => (None, None, None),
            Written::PatternAssigned(a) => match a.target {
                ScheduleTarget::Team(team) => (None, None, Some(team)),
                ScheduleTarget::Employee(employee) => (Some(employee), None, None),
            },
            Written::Holiday(h) => (None, None, h.team_id),
            Written::Absence(a) => (Some(a.employee_id), None, None),
            Written::BreakRule { team, .. } => (None, None, Some(*team)),
            Written::Request(request) | Written::Decided { request, .. } => {
                (Some(request.employee_id), request.session_id, None)
            }
            Written::PeriodLock(lock) => (None, None, lock.team_id),
            Written::Webhook(_) | Written::WebhookRegistered { .. } => (None, None, None),
        }
    }

    /// An appointment's entry names the pair and carries no values; none
    /// when nothing changed.
    fn appointment(
        action: AuditAction,
        team: TeamId,
        employee: EmployeeId,
        written: &Written,
    ) -> Option<Self> {
        matches!(written, Written::Appointment { changed: true }).then_some(Self {
            action,
            employee_id: Some(employee),
            session_id: None,
            team_id: Some(team),
            before: None,
            after: None,
            reason: None,
            token_id: None,
        })
    }
}

impl AuditRecord {
    /// What closing a forgotten session records: the open session before,
    /// the closed one after, no reason (the action says why).
    pub fn auto_close(before: &AttendanceSession, after: &AttendanceSession) -> Self {
        Self {
            action: AuditAction::AutoClose,
            employee_id: Some(after.employee_id),
            session_id: Some(after.id),
            team_id: None,
            before: Some(Written::Session(before.clone())),
            after: Some(Written::Session(after.clone())),
            reason: None,
            token_id: None,
        }
    }
}

/// One entry of the audit trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// The entry's id: entries are numbered in the order they were written.
    pub id: i64,
    /// When the write happened (the service's clock).
    pub at: DateTime<Utc>,
    /// Who wrote.
    pub actor: Actor,
    /// What was written.
    #[serde(flatten)]
    pub record: AuditRecord,
}

/// Which audit entries to list; every field narrows the result.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditFilter {
    /// Only entries about this employee.
    pub employee_id: Option<EmployeeId>,
    /// Only entries about this session.
    pub session_id: Option<SessionId>,
    /// Only entries written at or after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Only entries written before this instant.
    pub to: Option<DateTime<Utc>>,
    /// Only entries the principal may read: set by
    /// [`Acting::audit`](crate::Acting::audit), never by the caller's query.
    #[serde(skip)]
    pub scope: Scope,
}

impl AuditFilter {
    /// Whether `entry` matches, its employee (if any) being a member of
    /// `team`. A member sees the entries about themself, and a manager
    /// those about their teams' members that name no team, or one of
    /// theirs (an appointment elsewhere is the other team's business).
    /// Entries about no employee are outside every member's scope.
    pub fn matches(&self, entry: &AuditEntry, team: Option<TeamId>) -> bool {
        let record = &entry.record;
        let in_scope = match (&self.scope, record.employee_id, team) {
            (Scope::All, _, _) => true,
            (Scope::Member { employee: own, .. }, Some(employee), _) if *own == employee => true,
            (Scope::Member { teams, .. }, Some(_), Some(team)) => {
                let manages = |t: &TeamId| teams.binary_search(t).is_ok();
                manages(&team) && record.team_id.as_ref().is_none_or(manages)
            }
            _ => false,
        };
        in_scope
            && self
                .employee_id
                .is_none_or(|e| record.employee_id == Some(e))
            && self.session_id.is_none_or(|s| record.session_id == Some(s))
            && self.from.is_none_or(|from| entry.at >= from)
            && self.to.is_none_or(|to| entry.at < to)
    }
}

impl Page<AuditEntry> {
    /// A page of entries, newest first, from up to `limit + 1` rows.
    pub fn of_audit(rows: Vec<AuditEntry>, limit: u32) -> Self {
        Self::from_overfetch_by(rows, limit, |e| IdCursor(e.id))
    }
}

impl AttendanceService {
    /// One page of the audit trail, newest first (`limit` and `cursor` as
    /// for [`AttendanceService::sessions`]); every entry, as the host's own
    /// authority. `from` must not be after `to`.
    pub async fn audit(
        &self,
        filter: &AuditFilter,
        limit: Option<u32>,
        cursor: Option<&str>,
    ) -> Result<Page<AuditEntry>> {
        let page = PageRequest::new(limit, cursor)?;
        if let Some(from) = filter.from {
            check_supported_instant("from", from)?;
        }
        if let Some(to) = filter.to {
            check_supported_instant("to", to)?;
        }
        if let (Some(from), Some(to)) = (filter.from, filter.to)
            && from > to
        {
            return Err(Error::validation(
                "from",
                format!(
                    "the range starts ({}) after it ends ({})",
                    from.to_rfc3339(),
                    to.to_rfc3339()
                ),
            ));
        }
        self.store.audit_entries(filter, &page).await
    }

    /// One session, as the host's own authority.
    pub async fn session(&self, id: SessionId) -> Result<AttendanceSession> {
        self.store.session(id).await
    }

    /// Checks a correction's instants against the same rules as a clock-in
    /// (supported years, not in the future); returns them at stored
    /// precision. Whether the clock-out follows the clock-in needs the
    /// stored session: [`SessionChanges::apply`] checks it.
    pub(crate) fn check_changes(&self, changes: &SessionChanges) -> Result<SessionChanges> {
        if changes.is_empty() {
            return Err(Error::validation(
                "clock_in",
                "a correction changes at least one of clock_in, clock_out and work_mode",
            ));
        }
        let now = self.now();
        let tolerance = self.config().future_tolerance;
        let check = |field: &'static str, at: Option<DateTime<Utc>>| {
            at.map(|at| {
                check_supported_instant(field, at)?;
                check_not_future(field, at, now, tolerance)
            })
            .transpose()
        };
        Ok(SessionChanges {
            clock_in: check("clock_in", changes.clock_in)?,
            clock_out: check("clock_out", changes.clock_out)?,
            work_mode: changes.work_mode,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::WorkMode;

    #[test]
    fn actions_round_trip_through_their_spelling() {
        for action in AuditAction::ALL {
            assert_eq!(AuditAction::parse(action.as_str()), Some(action));
            let json = serde_json::to_value(action).unwrap();
            assert_eq!(json, action.as_str());
        }
        assert_eq!(AuditAction::parse("clock-in"), None);
    }

    #[test]
    fn reasons_are_trimmed_and_bounded() {
        assert_eq!(validate_reason("  typo  ").unwrap(), "typo");
        assert!(validate_reason(" ").is_err());
        assert!(validate_reason(&"x".repeat(MAX_REASON)).is_ok());
        let err = validate_reason(&"x".repeat(MAX_REASON + 1)).unwrap_err();
        assert!(matches!(
            err,
            Error::Validation {
                field: "reason",
                ..
            }
        ));
    }

    #[test]
    fn a_correction_keeps_the_clock_out_after_the_clock_in() {
        let session = AttendanceSession {
            id: SessionId(1),
            employee_id: EmployeeId(1),
            work_date: "2026-03-02".parse().unwrap(),
            clock_in: "2026-03-02T08:00:00Z".parse().unwrap(),
            clock_out: None,
            work_mode: WorkMode::Wfh,
            auto_closed: false,
        };
        let late_in = SessionChanges {
            clock_in: Some("2026-03-02T09:00:00Z".parse().unwrap()),
            ..SessionChanges::default()
        };
        assert_eq!(late_in.apply(&session).unwrap().clock_out, None);
        let close_before = SessionChanges {
            clock_out: Some("2026-03-02T07:00:00Z".parse().unwrap()),
            ..SessionChanges::default()
        };
        let err = close_before.apply(&session).unwrap_err();
        assert!(matches!(
            err,
            Error::Validation {
                field: "clock_out",
                ..
            }
        ));
    }
}
