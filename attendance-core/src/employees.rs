//! Changing an employee (name, role, team, manager flag) and ending the
//! management of the team a manager heads, for the host
//! ([`AttendanceService`]), under a key ([`Idempotent`]) and as a
//! principal ([`Acting`]): admins only, each change audited with the
//! employee before and after.

use crate::Acting;
use crate::domain::{Employee, EmployeeChanges, EmployeeId, TeamId};
use crate::error::{Error, Result};
use crate::idempotency::{Once, Write, request};
use crate::service::{AttendanceService, Idempotent};

impl AttendanceService {
    /// Changes an employee, as the host's own authority. A move to another
    /// team counts for the sessions opened from then on (dated in the new
    /// team's timezone); existing sessions keep their work dates. An
    /// unknown employee or team is not found.
    pub async fn update_employee(
        &self,
        employee: EmployeeId,
        changes: &EmployeeChanges,
    ) -> Result<Employee> {
        let once = self
            .with_key(None)
            .update_employee(employee, changes)
            .await?;
        Ok(once.value)
    }
}

impl Idempotent<'_> {
    /// [`AttendanceService::update_employee`], once.
    pub async fn update_employee(
        &self,
        employee: EmployeeId,
        changes: &EmployeeChanges,
    ) -> Result<Once<Employee>> {
        let fingerprint = request::update_employee(employee, changes);
        let write = Write::UpdateEmployee {
            employee,
            changes: changes.clone(),
        };
        self.write(fingerprint, write).await?.employee()
    }
}

impl Acting<'_> {
    /// Changes an employee: admins only.
    pub async fn update_employee(
        &self,
        employee: EmployeeId,
        changes: &EmployeeChanges,
    ) -> Result<Once<Employee>> {
        self.principal.check_admin("change an employee")?;
        self.writes().update_employee(employee, changes).await
    }

    /// Ends `employee`'s management of `team` (`false`: they did not
    /// manage it): an appointment ends, and a manager of the team they
    /// belong to (made with `is_manager`) stops being one, recorded as a
    /// change of the employee. Admins only.
    pub async fn dismiss_manager(&self, team: TeamId, employee: EmployeeId) -> Result<bool> {
        self.principal.check_admin("dismiss a manager")?;
        if self.dismiss_appointment(team, employee).await? {
            return Ok(true);
        }
        let heads = match self.service.employee(employee).await {
            Ok(e) => e.is_manager && e.team_id == team,
            Err(Error::NotFound { .. }) => false,
            Err(other) => return Err(other),
        };
        if heads {
            let demote = EmployeeChanges::new(None, None, None, Some(false))?;
            self.writes().update_employee(employee, &demote).await?;
        }
        Ok(heads)
    }
}
