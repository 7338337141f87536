//! Webhook endpoints and their delivery logs: admins only (core refuses
//! anyone else with a 403, for reads too: the URLs name other systems).

use attendance_core::Entity;
use attendance_core::webhooks::{DeliveryFilter, DeliveryId, DeliveryState, EndpointId, EventType};
use axum::Json;
use axum::extract::{OriginalUri, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::auth::Caller;
use crate::dto::{
    DeliveriesQuery, DeliveryPage, Redeliver, RegisterWebhook, RegisteredWebhook, WebhookEndpoint,
    WebhookList,
};
use crate::extract::{IdempotencyHeader, JsonBody, QueryParams, excerpt, parse_page_size, path_id};
use crate::problem::Problem;
use crate::routes::{Shared, created, written};

fn event_types(values: &[String]) -> Result<Vec<EventType>, Problem> {
    values
        .iter()
        .map(|value| {
            EventType::parse(value.trim()).ok_or_else(|| {
                Problem::validation(
                    "event_types",
                    format!(
                        "\"{}\" is not an event type; expected one of {}",
                        excerpt(value, 40),
                        EventType::ALL.map(EventType::as_str).join(", ")
                    ),
                )
            })
        })
        .collect()
}

fn endpoint_path(raw: &str) -> Result<EndpointId, Problem> {
    path_id(Entity::Webhook, raw).map(EndpointId)
}

/// Registers an endpoint that hears of the given events, signed with a
/// secret (Standard Webhooks). The answer is the only one that shows the
/// secret.
#[utoipa::path(
    post,
    path = "/webhooks",
    tag = "webhooks",
    request_body = RegisterWebhook,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes the write safe to retry, as for the other POSTs; a replay shows the same secret.")),
    responses(
        (status = 201, description = "The endpoint and its signing secret", body = RegisteredWebhook,
            headers(("Location" = String, description = "The endpoint's URL"),
                ("Idempotent-Replayed" = bool, description = "`true` when this is the stored answer to an earlier request with the same Idempotency-Key"))),
        (status = 400, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only admins manage webhooks", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not declared as JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The URL, an event type or the secret is invalid, no event type is given, or the Idempotency-Key is invalid or was used for another request", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn register_webhook(
    State(app): Shared,
    Caller(principal): Caller,
    uri: OriginalUri,
    IdempotencyHeader(key): IdempotencyHeader,
    JsonBody(body): JsonBody<RegisterWebhook>,
) -> Result<Response, Problem> {
    let acting = app.services.attendance.acting_as(&principal);
    // Admins only, before a word about the body: whether a URL or a secret
    // would pass is nobody else's business.
    acting.principal().check_admin("register a webhook")?;
    let types = event_types(&body.event_types)?;
    let once = acting
        .with_key(key.as_ref())
        .register_webhook(&body.url, &types, body.secret.as_deref())
        .await?;
    let registered = RegisteredWebhook::from(once.value);
    Ok(created(
        &uri,
        registered.endpoint.id,
        registered,
        once.replayed,
    ))
}

/// Every endpoint, by id.
#[utoipa::path(
    get,
    path = "/webhooks",
    tag = "webhooks",
    responses(
        (status = 200, description = "The endpoints (without their secrets)", body = WebhookList),
        (status = 403, description = "Only admins manage webhooks", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn list_webhooks(
    State(app): Shared,
    Caller(principal): Caller,
) -> Result<Json<WebhookList>, Problem> {
    let endpoints = app
        .services
        .attendance
        .acting_as(&principal)
        .webhooks()
        .await?;
    Ok(Json(WebhookList {
        items: endpoints.into_iter().map(Into::into).collect(),
    }))
}

/// One endpoint.
#[utoipa::path(
    get,
    path = "/webhooks/{id}",
    tag = "webhooks",
    params(("id" = i64, Path, description = "The endpoint's id")),
    responses(
        (status = 200, description = "The endpoint (without its secret)", body = WebhookEndpoint),
        (status = 403, description = "Only admins manage webhooks", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such endpoint", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn get_webhook(
    State(app): Shared,
    Caller(principal): Caller,
    Path(id): Path<String>,
) -> Result<Json<WebhookEndpoint>, Problem> {
    let id = endpoint_path(&id)?;
    let endpoint = app
        .services
        .attendance
        .acting_as(&principal)
        .webhook(id)
        .await?;
    Ok(Json(endpoint.into()))
}

/// Removes an endpoint and its delivery log; nothing more is sent to it.
#[utoipa::path(
    delete,
    path = "/webhooks/{id}",
    tag = "webhooks",
    params(("id" = i64, Path, description = "The endpoint's id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 403, description = "Only admins manage webhooks", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such endpoint", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn remove_webhook(
    State(app): Shared,
    Caller(principal): Caller,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let id = endpoint_path(&id)?;
    app.services
        .attendance
        .acting_as(&principal)
        .remove_webhook(id)
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// An endpoint's delivery log, newest first, one page at a time.
#[utoipa::path(
    get,
    path = "/webhooks/{id}/deliveries",
    tag = "webhooks",
    params(("id" = i64, Path, description = "The endpoint's id"), DeliveriesQuery),
    responses(
        (status = 200, description = "One page", body = DeliveryPage),
        (status = 403, description = "Only admins manage webhooks", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such endpoint", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A parameter is invalid", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn list_deliveries(
    State(app): Shared,
    Caller(principal): Caller,
    Path(id): Path<String>,
    QueryParams(query): QueryParams<DeliveriesQuery>,
) -> Result<Json<DeliveryPage>, Problem> {
    let id = endpoint_path(&id)?;
    let state = query
        .state
        .as_deref()
        .map(|s| {
            DeliveryState::parse(s.trim()).ok_or_else(|| {
                Problem::validation(
                    "state",
                    format!(
                        "must be \"pending\", \"delivered\" or \"failed\", got \"{}\"",
                        excerpt(s, 40)
                    ),
                )
            })
        })
        .transpose()?;
    let limit = query.limit.as_deref().map(parse_page_size).transpose()?;
    let page = app
        .services
        .attendance
        .acting_as(&principal)
        .webhook_deliveries(
            id,
            &DeliveryFilter { state },
            limit,
            query.cursor.as_deref(),
        )
        .await?;
    Ok(Json(DeliveryPage {
        items: page.items.into_iter().map(Into::into).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// Sends one delivery again (as new), or every failed one, and makes the
/// endpoint active again; the delivery worker does the sending.
#[utoipa::path(
    post,
    path = "/webhooks/{id}/redeliver",
    tag = "webhooks",
    request_body = Redeliver,
    params(
        ("id" = i64, Path, description = "The endpoint's id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes the write safe to retry, as for the other POSTs."),
    ),
    responses(
        (status = 202, description = "Queued; the endpoint, active", body = WebhookEndpoint,
            headers(("Idempotent-Replayed" = bool, description = "`true` when this is the stored answer to an earlier request with the same Idempotency-Key"))),
        (status = 400, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only admins manage webhooks", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such endpoint, or no such delivery of it", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not declared as JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid, or the Idempotency-Key is invalid or was used for another request", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn redeliver(
    State(app): Shared,
    Caller(principal): Caller,
    Path(id): Path<String>,
    IdempotencyHeader(key): IdempotencyHeader,
    JsonBody(body): JsonBody<Redeliver>,
) -> Result<Response, Problem> {
    let id = endpoint_path(&id)?;
    let once = app
        .services
        .attendance
        .acting_as(&principal)
        .with_key(key.as_ref())
        .redeliver_webhook(id, body.delivery_id.map(DeliveryId))
        .await?;
    Ok(written(
        StatusCode::ACCEPTED,
        WebhookEndpoint::from(once.value),
        once.replayed,
    ))
}
