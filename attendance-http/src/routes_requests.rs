//! Correction requests: an employee asks for a session that was never
//! recorded or for a change to one of theirs; their managers (never the
//! requester) or an admin approve or reject. Core decides who may, as for
//! every route.

use attendance_core::audit::SessionChanges;
use attendance_core::close::{Decision, RequestFilter, RequestId, RequestState};
use attendance_core::{EmployeeId, Entity, SessionId, TeamId};
use axum::Json;
use axum::extract::{OriginalUri, Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use crate::auth::Caller;
use crate::dto::{
    ApproveRequest, CorrectionRequest, CreateRequest, DecidedRequest, PageQuery, RejectRequest,
    RequestPage, RequestsQuery,
};
use crate::extract::{
    IdempotencyHeader, JsonBody, QueryParams, excerpt, parse_date, parse_instant, parse_page_size,
    parse_work_mode, path_id, required,
};
use crate::problem::Problem;
use crate::routes::{Shared, created, written};
use crate::routes_worktime::optional_id;

/// A member the request's kind does not take: refused rather than ignored,
/// so a client that mixes the two shapes learns it at once.
fn not_of(kind: &str, field: &'static str, present: bool) -> Result<(), Problem> {
    if present {
        return Err(Problem::validation(
            field,
            format!("is not a member of a \"{kind}\" request"),
        ));
    }
    Ok(())
}

fn optional_instant(
    field: &'static str,
    value: Option<&str>,
) -> Result<Option<chrono::DateTime<chrono::Utc>>, Problem> {
    value.map(|v| parse_instant(field, v)).transpose()
}

/// Asks for a session that was never recorded, or for a change to one of
/// one's own sessions, with a reason. The requester's managers or an
/// admin decide it.
#[utoipa::path(
    post,
    path = "/attendance/requests",
    tag = "closing",
    request_body = CreateRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes the write safe to retry, as for the other POSTs.")),
    responses(
        (status = 201, description = "The request, open", body = CorrectionRequest,
            headers(("Location" = String, description = "The request's URL"),
                ("Idempotent-Replayed" = bool, description = "`true` when this is the stored answer to an earlier request with the same Idempotency-Key"))),
        (status = 400, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only an employee asks, for their own sessions (an admin, or a manager for someone else, corrects directly)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such session, or none the caller may see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The work date is locked (`period_locked`, with `lock`)", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not declared as JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid or missing for the kind, one of the other kind is given, nothing would change, the clock-out is not after the clock-in, an instant is in the future, or the Idempotency-Key is invalid or was used for another request", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn create_request(
    State(app): Shared,
    Caller(principal): Caller,
    uri: OriginalUri,
    IdempotencyHeader(key): IdempotencyHeader,
    JsonBody(body): JsonBody<CreateRequest>,
) -> Result<Response, Problem> {
    let acting = app
        .services
        .attendance
        .acting_as(&principal)
        .with_key(key.as_ref());
    let once = match body.kind.trim() {
        kind @ "missing" => {
            not_of(kind, "session_id", body.session_id.is_some())?;
            let employee = required("employee_id", body.employee_id)?;
            let clock_in =
                parse_instant("clock_in", required("clock_in", body.clock_in.as_deref())?)?;
            let clock_out = parse_instant(
                "clock_out",
                required("clock_out", body.clock_out.as_deref())?,
            )?;
            let mode = parse_work_mode(required("work_mode", body.work_mode.as_deref())?)?;
            acting
                .request_missing_session(
                    EmployeeId(employee),
                    mode,
                    clock_in,
                    clock_out,
                    &body.reason,
                )
                .await?
        }
        kind @ "change" => {
            not_of(kind, "employee_id", body.employee_id.is_some())?;
            let session = required("session_id", body.session_id)?;
            let changes = SessionChanges {
                clock_in: optional_instant("clock_in", body.clock_in.as_deref())?,
                clock_out: optional_instant("clock_out", body.clock_out.as_deref())?,
                work_mode: body.work_mode.as_deref().map(parse_work_mode).transpose()?,
            };
            acting
                .request_session_change(SessionId(session), &changes, &body.reason)
                .await?
        }
        other => {
            return Err(Problem::validation(
                "kind",
                format!(
                    "must be \"missing\" or \"change\", got \"{}\"",
                    excerpt(other, 40)
                ),
            ));
        }
    };
    let request = CorrectionRequest::from(once.value);
    Ok(created(&uri, request.id, request, once.replayed))
}

/// The requests the caller may read (an employee's own, a manager's and
/// their teams' members', every one for an admin), newest first, one page
/// at a time.
#[utoipa::path(
    get,
    path = "/attendance/requests",
    tag = "closing",
    params(RequestsQuery),
    responses(
        (status = 200, description = "One page", body = RequestPage),
        (status = 422, description = "A parameter is invalid, or `to` is before `from`", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn list_requests(
    State(app): Shared,
    Caller(principal): Caller,
    QueryParams(query): QueryParams<RequestsQuery>,
) -> Result<Json<RequestPage>, Problem> {
    let state = query
        .state
        .as_deref()
        .map(|s| {
            RequestState::parse(s.trim()).ok_or_else(|| {
                Problem::validation(
                    "state",
                    format!(
                        "must be \"open\", \"approved\" or \"rejected\", got \"{}\"",
                        excerpt(s, 40)
                    ),
                )
            })
        })
        .transpose()?;
    let date = |field, value: Option<&str>| value.map(|v| parse_date(field, v)).transpose();
    let filter = RequestFilter {
        state,
        employee_id: optional_id("employee_id", query.employee_id.as_deref())?.map(EmployeeId),
        team_id: optional_id("team_id", query.team_id.as_deref())?.map(TeamId),
        from: date("from", query.from.as_deref())?,
        to: date("to", query.to.as_deref())?,
        ..RequestFilter::default()
    };
    let limit = query.limit.as_deref().map(parse_page_size).transpose()?;
    let page = app
        .services
        .attendance
        .acting_as(&principal)
        .correction_requests(&filter, limit, query.cursor.as_deref())
        .await?;
    Ok(Json(RequestPage {
        items: page.items.into_iter().map(Into::into).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// The open requests the caller may decide, newest first: those of a
/// manager's teams' members other than their own, every open one for an
/// admin, none for an employee who manages nobody.
#[utoipa::path(
    get,
    path = "/attendance/requests/inbox",
    tag = "closing",
    params(PageQuery),
    responses(
        (status = 200, description = "One page", body = RequestPage),
        (status = 422, description = "A parameter is invalid", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn request_inbox(
    State(app): Shared,
    Caller(principal): Caller,
    QueryParams(query): QueryParams<PageQuery>,
) -> Result<Json<RequestPage>, Problem> {
    let limit = query.limit.as_deref().map(parse_page_size).transpose()?;
    let page = app
        .services
        .attendance
        .acting_as(&principal)
        .request_inbox(limit, query.cursor.as_deref())
        .await?;
    Ok(Json(RequestPage {
        items: page.items.into_iter().map(Into::into).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// One request: for the requester, their managers and admins.
#[utoipa::path(
    get,
    path = "/attendance/requests/{id}",
    tag = "closing",
    params(("id" = i64, Path, description = "The request's id")),
    responses(
        (status = 200, description = "The request", body = CorrectionRequest),
        (status = 404, description = "No such request, or none the caller may read", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn get_request(
    State(app): Shared,
    Caller(principal): Caller,
    Path(id): Path<String>,
) -> Result<Json<CorrectionRequest>, Problem> {
    let id = RequestId(path_id(Entity::Request, &id)?);
    let request = app
        .services
        .attendance
        .acting_as(&principal)
        .correction_request(id)
        .await?;
    Ok(Json(request.into()))
}

/// Approves a request and applies it, as a correction or a backfill
/// would, in one step: the requester's managers other than the requester,
/// and admins.
#[utoipa::path(
    post,
    path = "/attendance/requests/{id}/approve",
    tag = "closing",
    request_body = ApproveRequest,
    params(
        ("id" = i64, Path, description = "The request's id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes the write safe to retry, as for the other POSTs."),
    ),
    responses(
        (status = 200, description = "The request, approved, and the session it recorded or corrected", body = DecidedRequest,
            headers(("Idempotent-Replayed" = bool, description = "`true` when this is the stored answer to an earlier request with the same Idempotency-Key"))),
        (status = 400, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Nobody decides their own request", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such request, or none the caller may decide", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Decided already (`request_decided`, with `request`), the session changed since the request was made (`request_stale`, with `current_session`), the work date is locked (`period_locked`, with `lock`), or the session would overlap another (`overlap`, with `existing_session`)", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not declared as JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The body is not `{}`, or the Idempotency-Key is invalid or was used for another request", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn approve_request(
    State(app): Shared,
    Caller(principal): Caller,
    Path(id): Path<String>,
    IdempotencyHeader(key): IdempotencyHeader,
    JsonBody(ApproveRequest {}): JsonBody<ApproveRequest>,
) -> Result<Response, Problem> {
    let id = RequestId(path_id(Entity::Request, &id)?);
    decide(&app, &principal, key.as_ref(), id, &Decision::Approve).await
}

/// Rejects a request, saying why: the requester's managers other than the
/// requester, and admins.
#[utoipa::path(
    post,
    path = "/attendance/requests/{id}/reject",
    tag = "closing",
    request_body = RejectRequest,
    params(
        ("id" = i64, Path, description = "The request's id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes the write safe to retry, as for the other POSTs."),
    ),
    responses(
        (status = 200, description = "The request, rejected; `session` is `null`", body = DecidedRequest,
            headers(("Idempotent-Replayed" = bool, description = "`true` when this is the stored answer to an earlier request with the same Idempotency-Key"))),
        (status = 400, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Nobody decides their own request", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such request, or none the caller may decide", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Decided already (`request_decided`, with `request`)", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not declared as JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The reason is missing or invalid, or the Idempotency-Key is invalid or was used for another request", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn reject_request(
    State(app): Shared,
    Caller(principal): Caller,
    Path(id): Path<String>,
    IdempotencyHeader(key): IdempotencyHeader,
    JsonBody(body): JsonBody<RejectRequest>,
) -> Result<Response, Problem> {
    let id = RequestId(path_id(Entity::Request, &id)?);
    let decision = Decision::Reject {
        reason: body.reason,
    };
    decide(&app, &principal, key.as_ref(), id, &decision).await
}

async fn decide(
    app: &crate::routes::AppState,
    principal: &attendance_core::access::Principal,
    key: Option<&attendance_core::idempotency::IdempotencyKey>,
    id: RequestId,
    decision: &Decision,
) -> Result<Response, Problem> {
    let once = app
        .services
        .attendance
        .acting_as(principal)
        .with_key(key)
        .decide_request(id, decision)
        .await?;
    Ok(written(
        StatusCode::OK,
        DecidedRequest::from(once.value),
        once.replayed,
    ))
}
