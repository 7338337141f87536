//! The in-memory store's audit trail and corrections: each write and its
//! entry under the one lock.

use chrono::{DateTime, Utc};

use super::{State, index};
use crate::audit::{AuditEntry, AuditFilter, AuditRecord, SessionChanges, Stamp};
use crate::domain::{
    AttendanceSession, Employee, EmployeeChanges, EmployeeId, SessionId, work_date,
};
use crate::error::{Conflict, Entity, Error, Result};
use crate::idempotency::{Write, Written};
use crate::store::{IdCursor, Page, PageRequest};

impl State {
    /// Performs `write` and appends its audit entry: both or neither, under
    /// the one lock.
    pub(super) fn perform(&mut self, stamp: &Stamp, write: &Write) -> Result<Written> {
        let before = match *write {
            Write::ClockOut { employee, .. } => self
                .open_index(employee)
                .and_then(|i| self.sessions.get(i))
                .cloned()
                .map(Written::Session),
            Write::CorrectSession { session, .. } => {
                Some(Written::Session(self.session(session)?.clone()))
            }
            Write::UpdateEmployee { employee, .. } => {
                Some(Written::Employee(self.employee(employee)?.clone()))
            }
            Write::DecideRequest { request, .. } => {
                Some(Written::Request(self.request(request)?.clone()))
            }
            _ => None,
        };
        let written = self.apply(stamp, write)?;
        if let Some(record) = AuditRecord::of(write, before.as_ref(), &written) {
            self.append_audit(stamp.at, stamp.actor.clone(), record);
        }
        // An approval's second entry: the session it recorded or corrected.
        if let Some(record) = Self::applied_record(&written) {
            self.append_audit(stamp.at, stamp.actor.clone(), record);
        }
        Ok(written)
    }

    pub(super) fn session(&self, id: SessionId) -> Result<&AttendanceSession> {
        index(id.0)
            .and_then(|i| self.sessions.get(i))
            .ok_or_else(|| Error::not_found(Entity::Session, id))
    }

    /// Applies `changes` to employee `id`, into a team that exists.
    pub(super) fn update_employee(
        &mut self,
        id: EmployeeId,
        changes: &EmployeeChanges,
        at: DateTime<Utc>,
    ) -> Result<Employee> {
        let current = self.employee(id)?;
        let moved = changes.team_id().is_some_and(|t| t != current.team_id);
        let updated = changes.apply(current);
        self.team(updated.team_id)?;
        if moved {
            self.record_move(id, updated.team_id, at)?;
        }
        let slot = index(id.0)
            .and_then(|i| self.employees.get_mut(i))
            .ok_or_else(|| Error::not_found(Entity::Employee, id))?;
        *slot = updated.clone();
        Ok(updated)
    }

    /// Applies `changes` to session `id` unless the result breaks a rule
    /// or meets another session of the employee.
    pub(super) fn correct(
        &mut self,
        id: SessionId,
        changes: &SessionChanges,
    ) -> Result<AttendanceSession> {
        let stored = self.session(id)?;
        let old_date = stored.work_date;
        let mut corrected = changes.apply(stored)?;
        let team_id = self.employee(corrected.employee_id)?.team_id;
        corrected.work_date = work_date(self.team(team_id)?.timezone, corrected.clock_in);
        self.check_unlocked(corrected.employee_id, old_date, old_date)?;
        self.check_unlocked(
            corrected.employee_id,
            corrected.work_date,
            corrected.work_date,
        )?;
        let overlapping = self
            .sessions_of(corrected.employee_id)
            .filter(|s| s.id != id)
            .filter(|s| {
                s.clock_out.is_none_or(|out| out > corrected.clock_in)
                    && corrected.clock_out.is_none_or(|out| s.clock_in < out)
            })
            .min_by_key(|s| (s.clock_in, s.id));
        if let Some(existing) = overlapping {
            return Err(Conflict::Overlap {
                existing: Box::new(existing.clone()),
            }
            .into());
        }
        let slot = index(id.0)
            .and_then(|i| self.sessions.get_mut(i))
            .ok_or_else(|| Error::not_found(Entity::Session, id))?;
        *slot = corrected.clone();
        Ok(corrected)
    }

    /// The trail's entries matching `filter`, newest first, one page.
    pub(super) fn audit_page(
        &self,
        filter: &AuditFilter,
        page: &PageRequest<IdCursor>,
    ) -> Page<AuditEntry> {
        let team_of =
            |e: Option<EmployeeId>| e.and_then(|e| self.employee(e).ok()).map(|e| e.team_id);
        let rows = self
            .audit
            .iter()
            .rev()
            .filter(|e| page.cursor.is_none_or(|c| e.id < c.0))
            .filter(|e| filter.matches(e, team_of(e.record.employee_id)))
            .take(page.limit as usize + 1)
            .cloned()
            .collect();
        Page::of_audit(rows, page.limit)
    }
}
