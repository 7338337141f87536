//! The handlers, each with its `#[utoipa::path]`: the one declaration of
//! its method, path, parameters and responses, from which `api.rs` both
//! routes and documents it.

use std::sync::Arc;

use attendance_core::store::SessionFilter;
use attendance_core::trends::{Granularity, TrendQuery};
use attendance_core::{EmployeeId, NewEmployee, NewTeam, TeamId};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::Services;
use crate::auth::Caller;
use crate::dto::{
    Answer, AskRequest, AttendanceQuery, ClockIn, ClockOut, CreateEmployee, CreateTeam, Employee,
    EmployeePage, EmployeeTrend, EmployeesQuery, Health, Session, SessionPage, Team, TeamPage,
    TeamTrend, TeamsQuery, TrendParams,
};
use crate::extract::{
    IdempotencyHeader, JsonBody, QueryParams, employee_path, parse_date, parse_i64, parse_instant,
    parse_page_size, parse_time, parse_work_mode, required, team_path,
};
use crate::problem::Problem;

/// What the handlers share: the services, the rendered spec, and the
/// time budget of an export, whose body outlives its handler.
#[derive(Clone)]
pub(crate) struct AppState {
    pub(crate) services: Services,
    pub(crate) openapi_json: Bytes,
    pub(crate) export_timeout: std::time::Duration,
}

pub(crate) type Shared = State<Arc<AppState>>;

/// `path/{id}` as the client addressed it (so nesting under a prefix keeps
/// the prefix), for a `Location` header.
fn location(uri: &OriginalUri, id: i64) -> Option<HeaderValue> {
    let path = uri.path().trim_end_matches('/');
    HeaderValue::from_str(&format!("{path}/{id}")).ok()
}

pub(crate) fn created<T: serde::Serialize>(
    uri: &OriginalUri,
    id: i64,
    body: T,
    replayed: bool,
) -> Response {
    let mut response = written(StatusCode::CREATED, body, replayed);
    if let Some(value) = location(uri, id) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

/// The answer to a write; a replay (the stored outcome of an earlier
/// request with the same `Idempotency-Key`) says so in a header.
pub(crate) fn written<T: serde::Serialize>(
    status: StatusCode,
    body: T,
    replayed: bool,
) -> Response {
    let mut response = (status, Json(body)).into_response();
    if replayed {
        response
            .headers_mut()
            .insert(REPLAYED, HeaderValue::from_static("true"));
    }
    response
}

/// Set on the answer to a write that was replayed, not performed.
const REPLAYED: &str = "idempotent-replayed";

/// Liveness of the service and its database.
#[utoipa::path(
    get,
    path = "/health",
    tag = "operations",
    responses(
        (status = 200, description = "The service and its database answer", body = Health),
        (status = 503, description = "The database is unreachable", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u32, description = "Seconds to wait"))),
    )
)]
pub(crate) async fn health(State(app): Shared) -> Result<Json<Health>, Problem> {
    match app.services.attendance.ping().await {
        Ok(()) => Ok(Json(Health {
            status: String::from("ok"),
        })),
        Err(err) => {
            tracing::warn!(error = %crate::problem::chain(&err), "health check failed");
            Err(Problem::unavailable("the database cannot be reached"))
        }
    }
}

/// Creates a team.
#[utoipa::path(
    post,
    path = "/teams",
    tag = "teams",
    request_body = CreateTeam,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes the write safe to retry: the same key and request within 24 hours replays the first response (with `Idempotent-Replayed: true`) without writing again; the same key with another request is a 422. 1–255 printable ASCII characters, such as a UUID.")),
    responses(
        (status = 201, description = "The team", body = Team,
            headers(("Location" = String, description = "The team's URL"),
                ("Idempotent-Replayed" = bool, description = "`true` when this is the stored answer to an earlier request with the same Idempotency-Key"))),
        (status = 400, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only admins create teams", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A team with this name exists", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not declared as JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid, or the Idempotency-Key is invalid or was used for another request", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn create_team(
    State(app): Shared,
    Caller(principal): Caller,
    uri: OriginalUri,
    IdempotencyHeader(key): IdempotencyHeader,
    JsonBody(body): JsonBody<CreateTeam>,
) -> Result<Response, Problem> {
    let mut team = NewTeam::new(&body.name)?;
    if let Some(timezone) = &body.timezone {
        team = team.with_timezone(timezone)?;
    }
    if let Some(late_after) = &body.late_after {
        team = team.with_late_after(parse_time("late_after", late_after)?);
    }
    if let Some(hours) = body.auto_close_after_hours {
        // Out of u32's range is out of the policy's range too: let core's
        // rule word the error.
        team = team.with_auto_close_after_hours(u32::try_from(hours).unwrap_or(0))?;
    }
    let once = app
        .services
        .attendance
        .acting_as(&principal)
        .with_key(key.as_ref())
        .create_team(&team)
        .await?;
    let team = Team::from(once.value);
    Ok(created(&uri, team.id, team, once.replayed))
}

/// Teams by id, one page at a time.
#[utoipa::path(
    get,
    path = "/teams",
    tag = "teams",
    params(TeamsQuery),
    responses(
        (status = 200, description = "One page", body = TeamPage),
        (status = 422, description = "A parameter is invalid", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn list_teams(
    State(app): Shared,
    Caller(principal): Caller,
    QueryParams(query): QueryParams<TeamsQuery>,
) -> Result<Json<TeamPage>, Problem> {
    let limit = query.limit.as_deref().map(parse_page_size).transpose()?;
    let page = app
        .services
        .attendance
        .acting_as(&principal)
        .teams(limit, query.cursor.as_deref())
        .await?;
    Ok(Json(TeamPage {
        items: page.items.into_iter().map(Team::from).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// One team.
#[utoipa::path(
    get,
    path = "/teams/{id}",
    tag = "teams",
    params(("id" = i64, Path, description = "The team's id")),
    responses(
        (status = 200, description = "The team", body = Team),
        (status = 404, description = "No such team", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn get_team(
    State(app): Shared,
    Caller(principal): Caller,
    Path(id): Path<String>,
) -> Result<Json<Team>, Problem> {
    let team = app
        .services
        .attendance
        .acting_as(&principal)
        .team(team_path(&id)?)
        .await?;
    Ok(Json(team.into()))
}

/// Creates an employee in an existing team.
#[utoipa::path(
    post,
    path = "/employees",
    tag = "employees",
    request_body = CreateEmployee,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes the write safe to retry: the same key and request within 24 hours replays the first response (with `Idempotent-Replayed: true`) without writing again; the same key with another request is a 422. 1–255 printable ASCII characters, such as a UUID.")),
    responses(
        (status = 201, description = "The employee", body = Employee,
            headers(("Location" = String, description = "The employee's URL"),
                ("Idempotent-Replayed" = bool, description = "`true` when this is the stored answer to an earlier request with the same Idempotency-Key"))),
        (status = 400, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only admins create employees", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such team", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not declared as JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid, or the Idempotency-Key is invalid or was used for another request", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn create_employee(
    State(app): Shared,
    Caller(principal): Caller,
    uri: OriginalUri,
    IdempotencyHeader(key): IdempotencyHeader,
    JsonBody(body): JsonBody<CreateEmployee>,
) -> Result<Response, Problem> {
    let employee = NewEmployee::new(&body.name, &body.role, TeamId(body.team_id))?
        .manager(body.is_manager.unwrap_or(false));
    let once = app
        .services
        .attendance
        .acting_as(&principal)
        .with_key(key.as_ref())
        .create_employee(&employee)
        .await?;
    let employee = Employee::from(once.value);
    Ok(created(&uri, employee.id, employee, once.replayed))
}

/// Employees by id, all or those of one team, one page at a time.
#[utoipa::path(
    get,
    path = "/employees",
    tag = "employees",
    params(EmployeesQuery),
    responses(
        (status = 200, description = "One page", body = EmployeePage),
        (status = 404, description = "No such team", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A parameter is invalid", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn list_employees(
    State(app): Shared,
    Caller(principal): Caller,
    QueryParams(query): QueryParams<EmployeesQuery>,
) -> Result<Json<EmployeePage>, Problem> {
    let team = query
        .team_id
        .as_deref()
        .map(|t| parse_i64("team_id", t).map(TeamId))
        .transpose()?;
    let limit = query.limit.as_deref().map(parse_page_size).transpose()?;
    let page = app
        .services
        .attendance
        .acting_as(&principal)
        .employees(team, limit, query.cursor.as_deref())
        .await?;
    Ok(Json(EmployeePage {
        items: page.items.into_iter().map(Employee::from).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// One employee.
#[utoipa::path(
    get,
    path = "/employees/{id}",
    tag = "employees",
    params(("id" = i64, Path, description = "The employee's id")),
    responses(
        (status = 200, description = "The employee", body = Employee),
        (status = 404, description = "No such employee", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn get_employee(
    State(app): Shared,
    Caller(principal): Caller,
    Path(id): Path<String>,
) -> Result<Json<Employee>, Problem> {
    let employee = app
        .services
        .attendance
        .acting_as(&principal)
        .employee(employee_path(&id)?)
        .await?;
    Ok(Json(employee.into()))
}

/// Clocks an employee in, now or at `at`.
#[utoipa::path(
    post,
    path = "/attendance/clock-in",
    tag = "attendance",
    request_body = ClockIn,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes the write safe to retry: the same key and request within 24 hours replays the first response (with `Idempotent-Replayed: true`) without writing again; the same key with another request is a 422. 1–255 printable ASCII characters, such as a UUID.")),
    responses(
        (status = 201, description = "The new open session", body = Session,
            headers(("Idempotent-Replayed" = bool, description = "`true` when this is the stored answer to an earlier request with the same Idempotency-Key"))),
        (status = 400, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only the employee themself (within the self-service window), their manager or an admin may; also for an unknown employee, which a non-admin cannot tell from one out of scope", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such employee", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already clocked in (`open_session` is the open one), or the session would overlap another (`existing_session`)", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not declared as JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid, or `at` is in the future, or the Idempotency-Key is invalid or was used for another request", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn clock_in(
    State(app): Shared,
    Caller(principal): Caller,
    IdempotencyHeader(key): IdempotencyHeader,
    JsonBody(body): JsonBody<ClockIn>,
) -> Result<Response, Problem> {
    let mode = parse_work_mode(&body.work_mode)?;
    let at = body
        .at
        .as_deref()
        .map(|at| parse_instant("at", at))
        .transpose()?;
    let once = app
        .services
        .attendance
        .acting_as(&principal)
        .with_key(key.as_ref())
        .clock_in(EmployeeId(body.employee_id), mode, at)
        .await?;
    let session = Session::from(once.value);
    Ok(written(StatusCode::CREATED, session, once.replayed))
}

/// Clocks an employee out of the open session, now or at `at`.
#[utoipa::path(
    post,
    path = "/attendance/clock-out",
    tag = "attendance",
    request_body = ClockOut,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes the write safe to retry: the same key and request within 24 hours replays the first response (with `Idempotent-Replayed: true`) without writing again; the same key with another request is a 422. 1–255 printable ASCII characters, such as a UUID.")),
    responses(
        (status = 200, description = "The closed session", body = Session,
            headers(("Idempotent-Replayed" = bool, description = "`true` when this is the stored answer to an earlier request with the same Idempotency-Key"))),
        (status = 400, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only the employee themself (within the self-service window), their manager or an admin may; also for an unknown employee, which a non-admin cannot tell from one out of scope", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such employee", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "No session is open", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not declared as JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid, or `at` is not after the clock-in, or the Idempotency-Key is invalid or was used for another request", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn clock_out(
    State(app): Shared,
    Caller(principal): Caller,
    IdempotencyHeader(key): IdempotencyHeader,
    JsonBody(body): JsonBody<ClockOut>,
) -> Result<Response, Problem> {
    let at = body
        .at
        .as_deref()
        .map(|at| parse_instant("at", at))
        .transpose()?;
    let once = app
        .services
        .attendance
        .acting_as(&principal)
        .with_key(key.as_ref())
        .clock_out(EmployeeId(body.employee_id), at)
        .await?;
    let session = Session::from(once.value);
    Ok(written(StatusCode::OK, session, once.replayed))
}

/// Sessions, newest clock-in first, one page at a time.
#[utoipa::path(
    get,
    path = "/attendance",
    tag = "attendance",
    params(AttendanceQuery),
    responses(
        (status = 200, description = "One page", body = SessionPage),
        (status = 422, description = "A parameter is invalid", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn list_attendance(
    State(app): Shared,
    Caller(principal): Caller,
    QueryParams(query): QueryParams<AttendanceQuery>,
) -> Result<Json<SessionPage>, Problem> {
    let filter = SessionFilter {
        employee_id: query
            .employee_id
            .as_deref()
            .map(|v| parse_i64("employee_id", v).map(EmployeeId))
            .transpose()?,
        team_id: query
            .team_id
            .as_deref()
            .map(|v| parse_i64("team_id", v).map(TeamId))
            .transpose()?,
        from: query
            .from
            .as_deref()
            .map(|v| parse_date("from", v))
            .transpose()?,
        to: query
            .to
            .as_deref()
            .map(|v| parse_date("to", v))
            .transpose()?,
        work_mode: query
            .work_mode
            .as_deref()
            .map(parse_work_mode)
            .transpose()?,
        ..SessionFilter::default()
    };
    let limit = query.limit.as_deref().map(parse_page_size).transpose()?;
    let page = app
        .services
        .attendance
        .acting_as(&principal)
        .sessions(&filter, limit, query.cursor.as_deref())
        .await?;
    Ok(Json(SessionPage {
        items: page.items.into_iter().map(Session::from).collect(),
        next_cursor: page.next_cursor,
    }))
}

fn trend_query(params: &TrendParams) -> Result<TrendQuery, Problem> {
    let from = parse_date("from", required("from", params.from.as_deref())?)?;
    let to = parse_date("to", required("to", params.to.as_deref())?)?;
    let granularity = match params.granularity.as_deref() {
        Some(g) => g.parse::<Granularity>()?,
        None => Granularity::Day,
    };
    Ok(TrendQuery::new(from, to, granularity)?)
}

/// An employee's trend over a date range.
#[utoipa::path(
    get,
    path = "/trends/employees/{id}",
    tag = "trends",
    params(("id" = i64, Path, description = "The employee's id"), TrendParams),
    responses(
        (status = 200, description = "One point per period", body = EmployeeTrend),
        (status = 404, description = "No such employee", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A parameter is invalid", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn employee_trend(
    State(app): Shared,
    Caller(principal): Caller,
    Path(id): Path<String>,
    QueryParams(params): QueryParams<TrendParams>,
) -> Result<Json<EmployeeTrend>, Problem> {
    let id = employee_path(&id)?;
    let query = trend_query(&params)?;
    let trend = app
        .services
        .trends
        .acting_as(&principal)
        .employee_trend(id, &query)
        .await?;
    Ok(Json(trend.into()))
}

/// A team's trend over a date range, with attendance rates.
#[utoipa::path(
    get,
    path = "/trends/teams/{id}",
    tag = "trends",
    params(("id" = i64, Path, description = "The team's id"), TrendParams),
    responses(
        (status = 200, description = "One point per period", body = TeamTrend),
        (status = 404, description = "No such team", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A parameter is invalid", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn team_trend(
    State(app): Shared,
    Caller(principal): Caller,
    Path(id): Path<String>,
    QueryParams(params): QueryParams<TrendParams>,
) -> Result<Json<TeamTrend>, Problem> {
    let id = team_path(&id)?;
    let query = trend_query(&params)?;
    let trend = app
        .services
        .trends
        .acting_as(&principal)
        .team_trend(id, &query)
        .await?;
    Ok(Json(trend.into()))
}

/// Answers a question about the attendance data.
///
/// A language model writes one read-only query over views made for
/// questions; it is checked by a SQL guard, run in a read-only transaction
/// with a time limit and a row cap, and the model phrases the rows. The
/// query sees only the caller's rows: an employee's own, a manager's and
/// their teams', every row for an admin.
#[utoipa::path(
    post,
    path = "/ask",
    tag = "questions",
    request_body = AskRequest,
    responses(
        (status = 200, description = "The answer, the query and its rows", body = Answer),
        (status = 400, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not declared as JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The question is invalid (`validation`) or was refused (`question-refused`)", body = Problem, content_type = "application/problem+json"),
        (status = 502, description = "The LLM failed, or wrote no query the database could run", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "No LLM is configured, or the database is unreachable", body = Problem, content_type = "application/problem+json"),
        (status = 504, description = "The LLM did not answer in time", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn ask(
    State(app): Shared,
    caller: Caller,
    JsonBody(body): JsonBody<AskRequest>,
) -> Result<Json<Answer>, Problem> {
    let Some(service) = &app.services.ask else {
        return Err(Problem::llm_not_configured());
    };
    let answer = service.acting_as(&caller.0).ask(&body.question).await?;
    tracing::info!(
        attempts = answer.attempts,
        rows = answer.rows.len(),
        total_tokens = answer.usage.total_tokens,
        "question answered"
    );
    Ok(Json(answer.into()))
}

/// This API's OpenAPI 3.1 document.
#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "operations",
    responses((status = 200, description = "The OpenAPI document", body = Object))
)]
pub(crate) async fn openapi_json(State(app): Shared) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        app.openapi_json.clone(),
    )
        .into_response()
}

/// Answers a path that no route matches.
pub(crate) async fn not_found(uri: OriginalUri) -> Problem {
    Problem::not_found(format!(
        "there is nothing at {}",
        crate::extract::excerpt(uri.path(), 100)
    ))
}

/// Answers a method that the path does not serve; axum adds `Allow`.
pub(crate) async fn method_not_allowed(method: Method) -> Problem {
    Problem::method_not_allowed(method.as_str())
}
