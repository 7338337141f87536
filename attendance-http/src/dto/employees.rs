//! Employees: the employee, the body that creates one, the listing's query.

use attendance_core::Employee as CoreEmployee;
use attendance_core::domain::{MAX_EMPLOYEE_NAME, MAX_ROLE};
use serde::{Deserialize, Serialize};
use utoipa::openapi::schema::ObjectBuilder;
use utoipa::{IntoParams, ToSchema};

use super::shared::{PageSize, described_string};

/// An employee.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Employee {
    /// The employee's id.
    pub id: i64,
    /// Full name.
    #[schema(example = "Ada Lovelace")]
    pub name: String,
    /// Job role.
    #[schema(example = "Engineer")]
    pub role: String,
    /// The employee's team.
    pub team_id: i64,
    /// Whether the employee manages others.
    pub is_manager: bool,
}

impl From<CoreEmployee> for Employee {
    fn from(e: CoreEmployee) -> Self {
        Self {
            id: e.id.0,
            name: e.name,
            role: e.role,
            team_id: e.team_id.0,
            is_manager: e.is_manager,
        }
    }
}

/// Body of `POST /employees`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateEmployee {
    /// Full name, 1 to [`MAX_EMPLOYEE_NAME`] characters after trimming.
    #[schema(schema_with = employee_name_schema)]
    pub name: String,
    /// Job role, 1 to [`MAX_ROLE`] characters after trimming.
    #[schema(schema_with = role_schema)]
    pub role: String,
    /// An existing team.
    pub team_id: i64,
    /// Default `false`.
    pub is_manager: Option<bool>,
}

/// Body of `PATCH /employees/{id}`: at least one field; those left out
/// stay as they are.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateEmployee {
    /// A new full name, 1 to [`MAX_EMPLOYEE_NAME`] characters after
    /// trimming.
    #[schema(schema_with = employee_name_schema)]
    pub name: Option<String>,
    /// A new job role, 1 to [`MAX_ROLE`] characters after trimming.
    #[schema(schema_with = role_schema)]
    pub role: Option<String>,
    /// An existing team to move to; sessions opened from then on are dated
    /// in its timezone, existing ones keep their work dates.
    pub team_id: Option<i64>,
    /// Whether the employee manages their team.
    pub is_manager: Option<bool>,
}

fn employee_name_schema() -> ObjectBuilder {
    described_string(
        format!("Full name, 1–{MAX_EMPLOYEE_NAME} characters after trimming."),
        "Ada Lovelace",
        false,
    )
}

fn role_schema() -> ObjectBuilder {
    described_string(
        format!("Job role, 1–{MAX_ROLE} characters after trimming."),
        "Engineer",
        false,
    )
}

/// Query of `GET /employees`.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct EmployeesQuery {
    /// Only this team's employees.
    #[param(value_type = Option<i64>)]
    pub(crate) team_id: Option<String>,
    /// Page size; its bounds and default are in the schema.
    #[param(value_type = Option<PageSize>, inline)]
    pub(crate) limit: Option<String>,
    /// `next_cursor` of the previous page.
    pub(crate) cursor: Option<String>,
}

/// One page of employees, by id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EmployeePage {
    /// The employees of this page.
    pub items: Vec<Employee>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// What kind of principal a request acts as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PrincipalKind {
    /// Sees and changes everything.
    Admin,
    /// An employee who manages one or more teams.
    Manager,
    /// An employee who manages no team.
    Employee,
}

/// Who the caller is: `GET /me`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Me {
    /// Admin, manager or employee.
    pub kind: PrincipalKind,
    /// The employee's name, or the admin's (an admin token's name).
    pub name: String,
    /// The caller's employee record; `null` for an admin.
    pub employee: Option<Employee>,
    /// The ids of the teams the caller manages, ascending; empty for an
    /// employee and for an admin (who reads every team).
    pub manages: Vec<i64>,
}
