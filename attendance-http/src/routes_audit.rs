//! Backfills, corrections and the audit trail: handlers that act as the
//! request's [`Caller`], so core's permission matrix decides (managers of
//! the employee's team and admins may backfill and correct; the trail is
//! scoped to what the caller may read).

use attendance_core::audit::{AuditFilter, SessionChanges};
use attendance_core::{EmployeeId, Entity, SessionId};
use axum::Json;
use axum::extract::{OriginalUri, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, NaiveDate, Utc};

use crate::auth::Caller;
use crate::dto::{
    AuditEntry, AuditPage, AuditQuery, CorrectSession, RecordSession, Session, day_or_instant,
};
use crate::extract::{
    IdempotencyHeader, JsonBody, QueryParams, parse_i64, parse_instant, parse_page_size,
    parse_work_mode, path_id,
};
use crate::problem::Problem;
use crate::routes::{Shared, created, written};

/// Records a whole past session (a backfill) with a reason.
#[utoipa::path(
    post,
    path = "/attendance/sessions",
    tag = "attendance",
    request_body = RecordSession,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes the write safe to retry: the same key and request within 24 hours replays the first response (with `Idempotent-Replayed: true`) without writing again; the same key with another request is a 422. 1–255 printable ASCII characters, such as a UUID.")),
    responses(
        (status = 201, description = "The recorded session", body = Session,
            headers(("Location" = String, description = "The session's URL (for corrections)"),
                ("Idempotent-Replayed" = bool, description = "`true` when this is the stored answer to an earlier request with the same Idempotency-Key"))),
        (status = 400, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No credentials, or bad ones", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only the employee's managers and admins may record sessions", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such employee (admins only: anyone else is refused)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The session would overlap another (`existing_session`)", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not declared as JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid (the reason is required), the clock-out is not after the clock-in, an instant is in the future, or the Idempotency-Key is invalid or was used for another request", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn record_session(
    State(app): Shared,
    caller: Caller,
    uri: OriginalUri,
    IdempotencyHeader(key): IdempotencyHeader,
    JsonBody(body): JsonBody<RecordSession>,
) -> Result<Response, Problem> {
    let mode = parse_work_mode(&body.work_mode)?;
    let clock_in = parse_instant("clock_in", &body.clock_in)?;
    let clock_out = parse_instant("clock_out", &body.clock_out)?;
    let once = app
        .services
        .attendance
        .acting_as(&caller.0)
        .with_key(key.as_ref())
        .record_session(
            EmployeeId(body.employee_id),
            mode,
            clock_in,
            clock_out,
            &body.reason,
        )
        .await?;
    let session = Session::from(once.value);
    Ok(created(&uri, session.id, session, once.replayed))
}

/// Corrects a session's clock-in, clock-out or work mode, with a reason.
#[utoipa::path(
    patch,
    path = "/attendance/sessions/{id}",
    tag = "attendance",
    request_body = CorrectSession,
    params(
        ("id" = i64, Path, description = "The session's id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes the write safe to retry, as for the POSTs."),
    ),
    responses(
        (status = 200, description = "The corrected session", body = Session,
            headers(("Idempotent-Replayed" = bool, description = "`true` when this is the stored answer to an earlier request with the same Idempotency-Key"))),
        (status = 400, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No credentials, or bad ones", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The caller sees the session but may not correct it (only the employee's managers and admins may)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such session, or none the caller may see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The corrected session would overlap another (`existing_session`)", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not declared as JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Nothing to change, a field is invalid (the reason is required), the clock-out would not follow the clock-in, or an instant is in the future", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn correct_session(
    State(app): Shared,
    caller: Caller,
    Path(id): Path<String>,
    IdempotencyHeader(key): IdempotencyHeader,
    JsonBody(body): JsonBody<CorrectSession>,
) -> Result<Response, Problem> {
    let id = SessionId(path_id(Entity::Session, &id)?);
    let instant = |field, value: &Option<String>| {
        value
            .as_deref()
            .map(|v| parse_instant(field, v))
            .transpose()
    };
    let changes = SessionChanges {
        clock_in: instant("clock_in", &body.clock_in)?,
        clock_out: instant("clock_out", &body.clock_out)?,
        work_mode: body.work_mode.as_deref().map(parse_work_mode).transpose()?,
    };
    let once = app
        .services
        .attendance
        .acting_as(&caller.0)
        .with_key(key.as_ref())
        .correct_session(id, &changes, &body.reason)
        .await?;
    Ok(written(
        StatusCode::OK,
        Session::from(once.value),
        once.replayed,
    ))
}

/// The audit trail in the caller's scope, newest first, one page at a time.
#[utoipa::path(
    get,
    path = "/audit",
    tag = "attendance",
    params(AuditQuery),
    responses(
        (status = 200, description = "One page: an employee's own entries, a manager's and their teams' members' (but those naming another team), every entry for an admin", body = AuditPage),
        (status = 401, description = "No credentials, or bad ones", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A parameter is invalid", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn list_audit(
    State(app): Shared,
    caller: Caller,
    QueryParams(query): QueryParams<AuditQuery>,
) -> Result<Json<AuditPage>, Problem> {
    let id =
        |field, value: &Option<String>| value.as_deref().map(|v| parse_i64(field, v)).transpose();
    let filter = AuditFilter {
        employee_id: id("employee_id", &query.employee_id)?.map(EmployeeId),
        session_id: id("session_id", &query.session_id)?.map(SessionId),
        from: bound("from", query.from.as_deref(), false)?,
        to: bound("to", query.to.as_deref(), true)?,
        ..AuditFilter::default()
    };
    let limit = query.limit.as_deref().map(parse_page_size).transpose()?;
    let page = app
        .services
        .attendance
        .acting_as(&caller.0)
        .audit(&filter, limit, query.cursor.as_deref())
        .await?;
    Ok(Json(AuditPage {
        items: page.items.into_iter().map(AuditEntry::from).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// A range bound: a `YYYY-MM-DD` day in UTC (its start for `from`, its end
/// for `to`), else an RFC 3339 instant.
fn bound(
    field: &'static str,
    value: Option<&str>,
    end: bool,
) -> Result<Option<DateTime<Utc>>, Problem> {
    let Some(value) = value else {
        return Ok(None);
    };
    if let Ok(date) = NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d") {
        let at = day_or_instant(Some(date), end)
            .ok_or_else(|| Problem::validation(field, "is outside the supported years"))?;
        return Ok(Some(at));
    }
    parse_instant(field, value).map(Some)
}
