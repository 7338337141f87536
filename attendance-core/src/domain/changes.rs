//! What an admin may change about an employee, validated like a new one.

use super::{Employee, MAX_EMPLOYEE_NAME, MAX_ROLE, TeamId, validate_text};
use crate::error::{Error, Result};

/// Changes to an employee: name, role, team and manager flag, each left as
/// it is when `None`; at least one is given. Built only through
/// [`EmployeeChanges::new`], which checks names and roles as
/// [`NewEmployee::new`](super::NewEmployee::new) does.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct EmployeeChanges {
    name: Option<String>,
    role: Option<String>,
    team_id: Option<TeamId>,
    is_manager: Option<bool>,
}

impl EmployeeChanges {
    /// The changes, trimmed and checked; nothing to change is a validation
    /// error (the team's existence is checked by the store).
    pub fn new(
        name: Option<&str>,
        role: Option<&str>,
        team_id: Option<TeamId>,
        is_manager: Option<bool>,
    ) -> Result<Self> {
        if name.is_none() && role.is_none() && team_id.is_none() && is_manager.is_none() {
            return Err(Error::validation(
                "name",
                "a change gives at least one of name, role, team_id and is_manager",
            ));
        }
        Ok(Self {
            name: name
                .map(|n| validate_text("name", n, MAX_EMPLOYEE_NAME))
                .transpose()?,
            role: role
                .map(|r| validate_text("role", r, MAX_ROLE))
                .transpose()?,
            team_id,
            is_manager,
        })
    }

    /// The new name, if it changes.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// The new role, if it changes.
    pub fn role(&self) -> Option<&str> {
        self.role.as_deref()
    }

    /// The new team, if it changes.
    pub fn team_id(&self) -> Option<TeamId> {
        self.team_id
    }

    /// The new manager flag, if it changes.
    pub fn is_manager(&self) -> Option<bool> {
        self.is_manager
    }

    /// `employee` with these changes applied.
    pub fn apply(&self, employee: &Employee) -> Employee {
        Employee {
            id: employee.id,
            name: self.name.clone().unwrap_or_else(|| employee.name.clone()),
            role: self.role.clone().unwrap_or_else(|| employee.role.clone()),
            team_id: self.team_id.unwrap_or(employee.team_id),
            is_manager: self.is_manager.unwrap_or(employee.is_manager),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::EmployeeId;

    #[test]
    fn a_change_changes_something_valid() {
        assert!(matches!(
            EmployeeChanges::new(None, None, None, None),
            Err(Error::Validation { .. })
        ));
        assert!(matches!(
            EmployeeChanges::new(Some("  "), None, None, None),
            Err(Error::Validation { field: "name", .. })
        ));
        let ada = Employee {
            id: EmployeeId(1),
            name: "Ada".into(),
            role: "Engineer".into(),
            team_id: TeamId(1),
            is_manager: true,
        };
        let changes = EmployeeChanges::new(Some(" Ada L. "), None, Some(TeamId(2)), Some(false))
            .unwrap_or_default();
        let after = changes.apply(&ada);
        assert_eq!(after.name, "Ada L.");
        assert_eq!(after.role, "Engineer");
        assert_eq!(after.team_id, TeamId(2));
        assert!(!after.is_manager);
    }
}
