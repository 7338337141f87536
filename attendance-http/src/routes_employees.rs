//! Who the caller is, and changing an employee: an admin renames them,
//! changes their role, moves them to another team or makes them a manager
//! of their team, or not.

use attendance_core::access::Principal;
use attendance_core::{EmployeeChanges, TeamId};
use axum::Json;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;

use crate::auth::Caller;
use crate::dto::{Employee, Me, PrincipalKind, UpdateEmployee};
use crate::extract::{IdempotencyHeader, JsonBody, employee_path};
use crate::problem::Problem;
use crate::routes::{Shared, written};

/// Changes an employee's name, role, team or manager flag: admins only.
#[utoipa::path(
    patch,
    path = "/employees/{id}",
    tag = "employees",
    request_body = UpdateEmployee,
    params(
        ("id" = i64, Path, description = "The employee's id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes the write safe to retry, as for the POSTs."),
    ),
    responses(
        (status = 200, description = "The employee as changed; a move to another team counts for the sessions opened from then on", body = Employee,
            headers(("Idempotent-Replayed" = bool, description = "`true` when this is the stored answer to an earlier request with the same Idempotency-Key"))),
        (status = 400, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only admins change employees", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such employee, or no such team to move to", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not declared as JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Nothing to change, a field is invalid or unknown, or the Idempotency-Key is invalid or was used for another request", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn update_employee(
    axum::extract::State(app): Shared,
    Caller(principal): Caller,
    Path(id): Path<String>,
    IdempotencyHeader(key): IdempotencyHeader,
    JsonBody(body): JsonBody<UpdateEmployee>,
) -> Result<Response, Problem> {
    let id = employee_path(&id)?;
    let changes = EmployeeChanges::new(
        body.name.as_deref(),
        body.role.as_deref(),
        body.team_id.map(TeamId),
        body.is_manager,
    )?;
    let once = app
        .services
        .attendance
        .acting_as(&principal)
        .with_key(key.as_ref())
        .update_employee(id, &changes)
        .await?;
    Ok(written(
        StatusCode::OK,
        Employee::from(once.value),
        once.replayed,
    ))
}

/// Who the caller is: an admin, or an employee (with their record and the
/// teams they manage). A client reads it to know which views to offer; the
/// routes check access themselves whatever it says.
#[utoipa::path(
    get,
    path = "/me",
    tag = "employees",
    responses(
        (status = 200, description = "The caller", body = Me),
        (status = 404, description = "The caller's employee record no longer exists", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn me(
    axum::extract::State(app): Shared,
    Caller(principal): Caller,
) -> Result<Json<Me>, Problem> {
    let me = match &principal {
        Principal::Admin { name, .. } => Me {
            kind: PrincipalKind::Admin,
            name: name.clone(),
            employee: None,
            manages: Vec::new(),
        },
        Principal::Member(member) => {
            let employee = app
                .services
                .attendance
                .acting_as(&principal)
                .employee(member.employee)
                .await?;
            Me {
                kind: if member.manages.is_empty() {
                    PrincipalKind::Employee
                } else {
                    PrincipalKind::Manager
                },
                name: employee.name.clone(),
                employee: Some(employee.into()),
                manages: member.manages.iter().map(|team| team.0).collect(),
            }
        }
    };
    Ok(Json(me))
}
