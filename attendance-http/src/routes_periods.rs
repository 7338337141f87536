//! Period locks: an admin closes a range of work dates of a team or of
//! the company, and reopens it with a reason. While a lock stands, every
//! write that would touch a session or an absence dated in it is a 409
//! `period_locked`, whichever route it comes through.

use attendance_core::close::{LockFilter, NewPeriodLock, PeriodLockId};
use attendance_core::{Entity, TeamId};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use crate::auth::Caller;
use crate::dto::{LockPeriod, PeriodLock, PeriodLockList, PeriodsQuery, ReopenPeriod};
use crate::extract::{IdempotencyHeader, JsonBody, QueryParams, parse_date, path_id};
use crate::problem::Problem;
use crate::routes::{Shared, written};
use crate::routes_worktime::optional_id;

/// Locks a range of work dates of one team or of the company: admins
/// only.
#[utoipa::path(
    post,
    path = "/periods",
    tag = "closing",
    request_body = LockPeriod,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes the write safe to retry, as for the other POSTs.")),
    responses(
        (status = 201, description = "The lock", body = PeriodLock,
            headers(("Idempotent-Replayed" = bool, description = "`true` when this is the stored answer to an earlier request with the same Idempotency-Key"))),
        (status = 400, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only admins lock periods", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A standing lock of the same team or of the company meets the period (`lock_overlap`, with `existing_lock`), or sessions in it are still open (`open_sessions`, with them)", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not declared as JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid (`to` before `from`, a period longer than a leap year), `team_id` names no team, or the Idempotency-Key is invalid or was used for another request", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn lock_period(
    State(app): Shared,
    Caller(principal): Caller,
    IdempotencyHeader(key): IdempotencyHeader,
    JsonBody(body): JsonBody<LockPeriod>,
) -> Result<Response, Problem> {
    let from = parse_date("from", &body.from)?;
    let to = parse_date("to", &body.to)?;
    let lock = NewPeriodLock::new(body.team_id.map(TeamId), from, to, body.reason.as_deref())?;
    let once = app
        .services
        .attendance
        .acting_as(&principal)
        .with_key(key.as_ref())
        .lock_period(&lock)
        .await?;
    Ok(written(
        StatusCode::CREATED,
        PeriodLock::from(once.value),
        once.replayed,
    ))
}

/// The standing locks the caller may read (the company's, and those of
/// the teams they see; every one for an admin), by id.
#[utoipa::path(
    get,
    path = "/periods",
    tag = "closing",
    params(PeriodsQuery),
    responses(
        (status = 200, description = "The locks", body = PeriodLockList),
        (status = 422, description = "A parameter is invalid, or `to` is before `from`", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn list_periods(
    State(app): Shared,
    Caller(principal): Caller,
    QueryParams(query): QueryParams<PeriodsQuery>,
) -> Result<Json<PeriodLockList>, Problem> {
    let date = |field, value: Option<&str>| value.map(|v| parse_date(field, v)).transpose();
    let filter = LockFilter {
        team_id: optional_id("team_id", query.team_id.as_deref())?.map(TeamId),
        from: date("from", query.from.as_deref())?,
        to: date("to", query.to.as_deref())?,
    };
    let locks = app
        .services
        .attendance
        .acting_as(&principal)
        .period_locks(&filter)
        .await?;
    Ok(Json(PeriodLockList {
        items: locks.into_iter().map(Into::into).collect(),
    }))
}

/// Reopens a locked period, saying why: admins only. The audit trail
/// keeps the lock and its reopening.
#[utoipa::path(
    post,
    path = "/periods/{id}/reopen",
    tag = "closing",
    request_body = ReopenPeriod,
    params(
        ("id" = i64, Path, description = "The lock's id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes the write safe to retry, as for the other POSTs."),
    ),
    responses(
        (status = 200, description = "The lock as it was", body = PeriodLock,
            headers(("Idempotent-Replayed" = bool, description = "`true` when this is the stored answer to an earlier request with the same Idempotency-Key"))),
        (status = 400, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only admins reopen periods", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such lock", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not declared as JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The reason is missing or invalid, or the Idempotency-Key is invalid or was used for another request", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn reopen_period(
    State(app): Shared,
    Caller(principal): Caller,
    Path(id): Path<String>,
    IdempotencyHeader(key): IdempotencyHeader,
    JsonBody(body): JsonBody<ReopenPeriod>,
) -> Result<Response, Problem> {
    let id = PeriodLockId(path_id(Entity::PeriodLock, &id)?);
    let once = app
        .services
        .attendance
        .acting_as(&principal)
        .with_key(key.as_ref())
        .reopen_period(id, &body.reason)
        .await?;
    Ok(written(
        StatusCode::OK,
        PeriodLock::from(once.value),
        once.replayed,
    ))
}
