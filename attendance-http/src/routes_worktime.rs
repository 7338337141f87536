//! Work time settings: work patterns and who works by which, and break
//! rules. Writes are admins'; the core checks who may, as for every route.
//! Holidays and absences are in `routes_calendar.rs`.

use attendance_core::worktime::{self as core, NewWorkPattern, ScheduleTarget};
use attendance_core::{EmployeeId, TeamId};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use crate::auth::Caller;
use crate::dto::{
    AssignWorkPattern, AssignmentsQuery, BreakRule, CreateWorkPattern, PatternAssignment,
    PatternAssignmentList, SetBreakRule, WorkPattern, WorkPatternList,
};
use crate::extract::{
    IdempotencyHeader, JsonBody, QueryParams, parse_date, parse_i64, parse_time, team_path,
};
use crate::problem::Problem;
use crate::routes::{Shared, written};

pub(crate) fn optional_id(
    field: &'static str,
    value: Option<&str>,
) -> Result<Option<i64>, Problem> {
    value.map(|v| parse_i64(field, v)).transpose()
}

/// Creates a work pattern.
#[utoipa::path(
    post,
    path = "/work-patterns",
    tag = "work time",
    request_body = CreateWorkPattern,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes the write safe to retry, as for the other POSTs.")),
    responses(
        (status = 201, description = "The pattern", body = WorkPattern,
            headers(("Idempotent-Replayed" = bool, description = "`true` when this is the stored answer to an earlier request with the same Idempotency-Key"))),
        (status = 400, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only admins create work patterns", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not declared as JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid (`minutes` over a day, `name` empty or too long), or the Idempotency-Key is invalid or was used for another request", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn create_work_pattern(
    State(app): Shared,
    Caller(principal): Caller,
    IdempotencyHeader(key): IdempotencyHeader,
    JsonBody(body): JsonBody<CreateWorkPattern>,
) -> Result<Response, Problem> {
    let mut pattern = NewWorkPattern::new(&body.name, body.minutes.to_core()?)?;
    if let Some(starts_at) = &body.starts_at {
        pattern = pattern.starting_at(parse_time("starts_at", starts_at)?);
    }
    if let Some(minutes) = body.weekly_overtime_after {
        // Out of u32's range is out of the rule's range too: saturated, so
        // that core words the error with its bounds.
        let saturated = u32::try_from(minutes.max(0)).unwrap_or(u32::MAX);
        pattern = pattern.with_weekly_overtime_after(saturated)?;
    }
    let once = app
        .services
        .attendance
        .acting_as(&principal)
        .with_key(key.as_ref())
        .create_work_pattern(&pattern)
        .await?;
    Ok(written(
        StatusCode::CREATED,
        WorkPattern::from(once.value),
        once.replayed,
    ))
}

/// Every work pattern; anyone signed in may read them.
#[utoipa::path(
    get,
    path = "/work-patterns",
    tag = "work time",
    responses((status = 200, description = "The patterns", body = WorkPatternList))
)]
pub(crate) async fn list_work_patterns(
    State(app): Shared,
    Caller(principal): Caller,
) -> Result<Json<WorkPatternList>, Problem> {
    let patterns = app
        .services
        .attendance
        .acting_as(&principal)
        .work_patterns()
        .await?;
    Ok(Json(WorkPatternList {
        items: patterns.into_iter().map(Into::into).collect(),
    }))
}

/// Assigns a pattern (or none) to a team or an employee from a date, until
/// their next assignment; the days before keep the pattern they had.
#[utoipa::path(
    post,
    path = "/work-patterns/assignments",
    tag = "work time",
    request_body = AssignWorkPattern,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes the write safe to retry, as for the other POSTs.")),
    responses(
        (status = 201, description = "The assignment", body = PatternAssignment,
            headers(("Idempotent-Replayed" = bool, description = "`true` when this is the stored answer to an earlier request with the same Idempotency-Key"))),
        (status = 400, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only admins assign work patterns", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such team, employee or work pattern", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not declared as JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid: not exactly one of `team_id` and `employee_id`, no `pattern_id`, or `valid_from` already starts an assignment of the target", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn assign_work_pattern(
    State(app): Shared,
    Caller(principal): Caller,
    IdempotencyHeader(key): IdempotencyHeader,
    JsonBody(body): JsonBody<AssignWorkPattern>,
) -> Result<Response, Problem> {
    let target = match (body.team_id, body.employee_id) {
        (Some(team), None) => ScheduleTarget::Team(TeamId(team)),
        (None, Some(employee)) => ScheduleTarget::Employee(EmployeeId(employee)),
        _ => {
            return Err(Problem::validation(
                "team_id",
                "give exactly one of team_id and employee_id",
            ));
        }
    };
    let Some(pattern) = body.pattern_id else {
        return Err(Problem::validation(
            "pattern_id",
            "is required; null assigns no pattern",
        ));
    };
    let valid_from = parse_date("valid_from", &body.valid_from)?;
    let assignment =
        core::PatternAssignment::new(target, pattern.map(core::WorkPatternId), valid_from)?;
    let once = app
        .services
        .attendance
        .acting_as(&principal)
        .with_key(key.as_ref())
        .assign_work_pattern(&assignment)
        .await?;
    Ok(written(
        StatusCode::CREATED,
        PatternAssignment::from(once.value),
        once.replayed,
    ))
}

/// The pattern assignments of a team (for whoever may read the team) or
/// an employee (for whoever may read the employee); without a filter,
/// every assignment, for admins.
#[utoipa::path(
    get,
    path = "/work-patterns/assignments",
    tag = "work time",
    params(AssignmentsQuery),
    responses(
        (status = 200, description = "The assignments, each target's oldest first", body = PatternAssignmentList),
        (status = 403, description = "Only admins list every assignment", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such team or employee, or one out of the caller's scope", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A parameter is invalid, or both are given", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn list_assignments(
    State(app): Shared,
    Caller(principal): Caller,
    QueryParams(query): QueryParams<AssignmentsQuery>,
) -> Result<Json<PatternAssignmentList>, Problem> {
    let team = optional_id("team_id", query.team_id.as_deref())?;
    let employee = optional_id("employee_id", query.employee_id.as_deref())?;
    let target = match (team, employee) {
        (Some(_), Some(_)) => {
            return Err(Problem::validation(
                "employee_id",
                "give at most one of team_id and employee_id",
            ));
        }
        (Some(team), None) => Some(ScheduleTarget::Team(TeamId(team))),
        (None, Some(employee)) => Some(ScheduleTarget::Employee(EmployeeId(employee))),
        (None, None) => None,
    };
    let items = app
        .services
        .attendance
        .acting_as(&principal)
        .pattern_assignments(target)
        .await?;
    Ok(Json(PatternAssignmentList {
        items: items.into_iter().map(Into::into).collect(),
    }))
}

/// Sets a team's break rule: how much break a day needs after how much
/// work. Gaps between a day's sessions count as break; only the shortfall
/// is deducted.
#[utoipa::path(
    put,
    path = "/teams/{id}/break-rule",
    tag = "work time",
    request_body = SetBreakRule,
    params(("id" = i64, Path, description = "The team's id")),
    responses(
        (status = 200, description = "The rule now", body = BreakRule),
        (status = 400, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only admins set break rules", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such team", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not declared as JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`thresholds` is invalid (out of order, out of range, too many)", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn set_break_rule(
    State(app): Shared,
    Caller(principal): Caller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<SetBreakRule>,
) -> Result<Json<BreakRule>, Problem> {
    let team = team_path(&id)?;
    let rule = body.to_core()?;
    let rule = app
        .services
        .attendance
        .acting_as(&principal)
        .set_break_rule(team, &rule)
        .await?;
    Ok(Json(BreakRule::of(team, &rule)))
}

/// A team's break rule, for whoever may read the team.
#[utoipa::path(
    get,
    path = "/teams/{id}/break-rule",
    tag = "work time",
    params(("id" = i64, Path, description = "The team's id")),
    responses(
        (status = 200, description = "The rule; no thresholds: no rule", body = BreakRule),
        (status = 404, description = "No such team, or one out of the caller's scope", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn get_break_rule(
    State(app): Shared,
    Caller(principal): Caller,
    Path(id): Path<String>,
) -> Result<Json<BreakRule>, Problem> {
    let team = team_path(&id)?;
    let rule = app
        .services
        .attendance
        .acting_as(&principal)
        .break_rule(team)
        .await?;
    Ok(Json(BreakRule::of(team, &rule)))
}
