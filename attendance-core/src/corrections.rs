//! Backfills and corrections of sessions, and reading the audit trail, for
//! the host ([`AttendanceService`]), under a key ([`Idempotent`]) and as a
//! principal ([`Acting`]).
//!
//! The rules of a correction, decided here once:
//! - it changes at least one of clock-in, clock-out and work mode, and
//!   carries a reason (trimmed, 1 to [`MAX_REASON`](crate::audit::MAX_REASON)
//!   characters);
//! - each new instant obeys the clock-in rules: supported years, not in the
//!   future beyond the tolerance; the clock-out stays after the clock-in;
//!   the session may not overlap another of the employee's (a conflict);
//! - an open session's clock-in may be corrected (it stays open), and
//!   giving it a clock-out closes it; a clock-out is never removed;
//! - the work date follows the clock-in, in the team's timezone;
//! - the values before stay in the audit trail.
//!
//! Who may: the employee's managers and admins. Anyone else is refused
//! ([`Error::Forbidden`]) if they can see the session (their own: an
//! employee may not correct their own record), and told it does not exist
//! ([`Error::NotFound`]) if they cannot: a correction reveals nothing
//! outside the principal's scope. A backfill names an employee, not a
//! session, and follows the write rule of [`crate::access`]: forbidden for
//! anyone but a manager of the employee's team or an admin, whether or not
//! the employee exists.

use chrono::{DateTime, Utc};

use crate::Acting;
use crate::access::manage_refusal;
use crate::audit::{AuditEntry, AuditFilter, SessionChanges, validate_reason};
use crate::domain::{AttendanceSession, EmployeeId, SessionId, WorkMode};
use crate::error::{Entity, Error, Result};
use crate::idempotency::{Once, Write, request};
use crate::service::{AttendanceService, Idempotent};
use crate::store::Page;

impl AttendanceService {
    /// Corrects a stored session, as the host's own authority: at least one
    /// of clock-in, clock-out and work mode changes, with a reason; new
    /// instants obey the clock-in rules (supported years, not in the
    /// future, clock-out after clock-in, no overlap: a conflict); an open
    /// session stays open unless given a clock-out; the work date follows
    /// the clock-in; the values before stay in the audit trail.
    pub async fn correct_session(
        &self,
        session: SessionId,
        changes: &SessionChanges,
        reason: &str,
    ) -> Result<AttendanceSession> {
        let once = self
            .with_key(None)
            .correct_session(session, changes, reason)
            .await?;
        Ok(once.value)
    }
}

impl Idempotent<'_> {
    /// A backfill: [`Idempotent::record_session`] with the reason the
    /// audit trail keeps.
    pub async fn backfill(
        &self,
        employee: EmployeeId,
        mode: WorkMode,
        clock_in: DateTime<Utc>,
        clock_out: DateTime<Utc>,
        reason: &str,
    ) -> Result<Once<AttendanceSession>> {
        let fingerprint =
            request::record_session(employee, mode, clock_in, clock_out, Some(reason));
        let reason = validate_reason(reason)?;
        let (clock_in, clock_out) = self.service.session_span(clock_in, clock_out)?;
        let write = Write::RecordSession {
            employee,
            mode,
            clock_in,
            clock_out,
            reason: Some(reason),
        };
        self.write(fingerprint, write).await?.session()
    }

    /// [`AttendanceService::correct_session`], once.
    pub async fn correct_session(
        &self,
        session: SessionId,
        changes: &SessionChanges,
        reason: &str,
    ) -> Result<Once<AttendanceSession>> {
        let fingerprint = request::correct_session(session, changes, reason);
        let reason = validate_reason(reason)?;
        let changes = self.service.check_changes(changes)?;
        let write = Write::CorrectSession {
            session,
            changes,
            reason,
        };
        self.write(fingerprint, write).await?.session()
    }
}

impl Acting<'_> {
    /// Records a whole past session of `employee` with a reason: their
    /// managers and admins only.
    pub async fn record_session(
        &self,
        employee: EmployeeId,
        mode: WorkMode,
        clock_in: DateTime<Utc>,
        clock_out: DateTime<Utc>,
        reason: &str,
    ) -> Result<Once<AttendanceSession>> {
        const ACTION: &str = "record a session";
        match self.principal.member() {
            // No team to manage: refused without a lookup, as an unknown
            // id would be.
            Some(member) if !member.is_manager() => return Err(manage_refusal(ACTION)),
            Some(_) => {
                let target = self.target(employee, || manage_refusal(ACTION)).await?;
                self.principal.check_manages(&target, ACTION)?;
            }
            None => {}
        }
        self.writes()
            .backfill(employee, mode, clock_in, clock_out, reason)
            .await
    }

    /// Corrects a session with a reason: the employee's managers and
    /// admins only; a session out of scope is not found.
    pub async fn correct_session(
        &self,
        session: SessionId,
        changes: &SessionChanges,
        reason: &str,
    ) -> Result<Once<AttendanceSession>> {
        if let Some(member) = self.principal.member() {
            let hidden = || Error::not_found(Entity::Session, session);
            let stored = match self.service.session(session).await {
                Ok(stored) => stored,
                Err(Error::NotFound { .. }) if member.is_manager() => {
                    // Refusing a manager someone else's session costs a
                    // second lookup (its employee's team); one that does
                    // not exist costs the same, so timing tells nothing.
                    let _ = self.service.employee(member.employee).await;
                    return Err(hidden());
                }
                Err(other) => return Err(other),
            };
            if stored.employee_id == member.employee {
                // Their own: they see it, so they are told why not.
                let own = self.service.employee(stored.employee_id).await?;
                self.principal.check_manages(&own, "correct a session")?;
            } else if !member.is_manager() {
                // Someone else's, and no team to manage: hidden without a
                // further lookup, as a session that does not exist is.
                return Err(hidden());
            } else {
                let employee = self.service.employee(stored.employee_id).await?;
                if !self.principal.sees(&employee) {
                    return Err(hidden());
                }
                self.principal
                    .check_manages(&employee, "correct a session")?;
            }
        }
        self.writes()
            .correct_session(session, changes, reason)
            .await
    }

    /// One page of the audit trail in scope: an employee's own entries, a
    /// manager's and their teams' members', every entry for an admin.
    pub async fn audit(
        &self,
        filter: &AuditFilter,
        limit: Option<u32>,
        cursor: Option<&str>,
    ) -> Result<Page<AuditEntry>> {
        let filter = AuditFilter {
            scope: self.principal.scope(),
            ..filter.clone()
        };
        self.service.audit(&filter, limit, cursor).await
    }
}
