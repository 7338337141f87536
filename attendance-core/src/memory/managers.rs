//! Manager appointments in memory.

use super::State;
use crate::domain::{EmployeeId, TeamId};
use crate::error::Result;

impl State {
    /// The teams `employee` manages: their own as a manager, and those
    /// they were appointed to.
    pub(super) fn managed_teams(&self, employee: EmployeeId) -> Vec<TeamId> {
        let own = self
            .employee(employee)
            .ok()
            .filter(|e| e.is_manager)
            .map(|e| e.team_id);
        let mut teams: Vec<TeamId> = self
            .appointments
            .iter()
            .filter(|(_, e)| *e == employee)
            .map(|(t, _)| *t)
            .chain(own)
            .collect();
        teams.sort_unstable();
        teams.dedup();
        teams
    }

    /// Appoints `employee` to `team`; whether that is new.
    pub(super) fn appoint(&mut self, team: TeamId, employee: EmployeeId) -> Result<bool> {
        self.team(team)?;
        self.employee(employee)?;
        Ok(self.appointments.insert((team, employee)))
    }

    /// Ends `employee`'s appointment to `team`; whether there was one.
    pub(super) fn dismiss(&mut self, team: TeamId, employee: EmployeeId) -> bool {
        self.appointments.remove(&(team, employee))
    }
}
