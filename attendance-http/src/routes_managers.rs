//! Manager appointments: an admin makes an employee a manager of more
//! teams than their own, and ends it.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;

use crate::auth::Caller;
use crate::extract::{employee_path, team_path};
use crate::problem::Problem;
use crate::routes::AppState;

/// Makes an employee a manager of a team (again: no change).
#[utoipa::path(
    put,
    path = "/teams/{id}/managers/{employee_id}",
    tag = "teams",
    params(("id" = i64, Path, description = "The team's id"),
        ("employee_id" = i64, Path, description = "The employee's id")),
    responses(
        (status = 204, description = "The employee manages the team"),
        (status = 403, description = "Only admins appoint managers", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such team or employee", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn appoint_manager(
    State(app): State<Arc<AppState>>,
    Caller(principal): Caller,
    Path((team, employee)): Path<(String, String)>,
) -> Result<StatusCode, Problem> {
    let (team, employee) = (team_path(&team)?, employee_path(&employee)?);
    app.services
        .attendance
        .acting_as(&principal)
        .appoint_manager(team, employee)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Ends an employee's management of a team: an appointment, or the
/// management of their own team (made with `is_manager`, which this turns
/// off, as `PATCH /employees/{id}` would).
#[utoipa::path(
    delete,
    path = "/teams/{id}/managers/{employee_id}",
    tag = "teams",
    params(("id" = i64, Path, description = "The team's id"),
        ("employee_id" = i64, Path, description = "The employee's id")),
    responses(
        (status = 204, description = "The employee no longer manages the team"),
        (status = 403, description = "Only admins dismiss managers", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "The employee does not manage the team (or one of them does not exist)", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn dismiss_manager(
    State(app): State<Arc<AppState>>,
    Caller(principal): Caller,
    Path((team, employee)): Path<(String, String)>,
) -> Result<StatusCode, Problem> {
    let (team, employee) = (team_path(&team)?, employee_path(&employee)?);
    let dismissed = app
        .services
        .attendance
        .acting_as(&principal)
        .dismiss_manager(team, employee)
        .await?;
    if dismissed {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(Problem::not_found(format!(
            "employee {employee} does not manage team {team}"
        )))
    }
}
