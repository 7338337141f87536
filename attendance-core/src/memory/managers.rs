//! Manager appointments in memory, each with its audit entry under the
//! one lock.

use async_trait::async_trait;

use super::{InMemoryStore, State, next_id};
use crate::audit::{AuditAction, AuditEntry, AuditRecord, Stamp};
use crate::domain::{EmployeeId, TeamId};
use crate::error::Result;
use crate::store::ManagerStore;

#[async_trait]
impl ManagerStore for InMemoryStore {
    async fn managed_teams(&self, employee: EmployeeId) -> Result<Vec<TeamId>> {
        let state = self.state();
        let own = state
            .employee(employee)
            .ok()
            .filter(|e| e.is_manager)
            .map(|e| e.team_id);
        let mut teams: Vec<TeamId> = state
            .appointments
            .iter()
            .filter(|(_, e)| *e == employee)
            .map(|(t, _)| *t)
            .chain(own)
            .collect();
        teams.sort_unstable();
        teams.dedup();
        Ok(teams)
    }

    async fn appoint_manager(
        &self,
        stamp: &Stamp,
        team: TeamId,
        employee: EmployeeId,
    ) -> Result<()> {
        let mut state = self.state();
        state.team(team)?;
        state.employee(employee)?;
        if state.appointments.insert((team, employee)) {
            state.append(stamp, AuditAction::ManagerAppointed, team, employee);
        }
        Ok(())
    }

    async fn dismiss_manager(
        &self,
        stamp: &Stamp,
        team: TeamId,
        employee: EmployeeId,
    ) -> Result<bool> {
        let mut state = self.state();
        let dismissed = state.appointments.remove(&(team, employee));
        if dismissed {
            state.append(stamp, AuditAction::ManagerDismissed, team, employee);
        }
        Ok(dismissed)
    }
}

impl State {
    /// Appends an appointment's audit entry.
    fn append(&mut self, stamp: &Stamp, action: AuditAction, team: TeamId, employee: EmployeeId) {
        let record = AuditRecord {
            action,
            employee_id: Some(employee),
            session_id: None,
            team_id: Some(team),
            before: None,
            after: None,
            reason: None,
            token_id: None,
        };
        self.audit.push(AuditEntry {
            id: next_id(self.audit.len()),
            at: stamp.at,
            actor: stamp.actor.clone(),
            record,
        });
    }
}
