//! Webhook endpoints and their delivery log: registering, removing and
//! redelivering, and the reads. The deliveries themselves are written by
//! the outbox trigger on the audit trail (migration 0016).

use attendance_core::audit::Stamp;
use attendance_core::idempotency::Written;
use attendance_core::store::{IdCursor, Page, PageRequest};
use attendance_core::webhooks::{
    Delivery, DeliveryFilter, DeliveryId, DeliveryState, Endpoint, EndpointId, EndpointState,
    EventId, EventType, NewEndpoint, WebhookUrl,
};
use attendance_core::{Entity, Error, Result};
use chrono::{DateTime, Utc};
use sqlx::{FromRow, PgConnection};

use super::Step;
use crate::PgStore;
use crate::error::map;

/// An endpoint's row (without its secret).
#[derive(FromRow)]
pub(super) struct EndpointRow {
    id: i64,
    url: String,
    event_types: Vec<String>,
    state: String,
    created_at: DateTime<Utc>,
    failing_since: Option<DateTime<Utc>>,
}

/// The columns of an [`EndpointRow`].
macro_rules! endpoint_columns {
    () => {
        "id, url, event_types, state, created_at, failing_since"
    };
}

impl TryFrom<EndpointRow> for Endpoint {
    type Error = Error;

    fn try_from(row: EndpointRow) -> Result<Self> {
        let corrupt =
            |what: &str| Error::backend(format!("webhook endpoint {} has a bad {what}", row.id));
        let event_types = row
            .event_types
            .iter()
            .map(|t| EventType::parse(t).ok_or_else(|| corrupt("event type")))
            .collect::<Result<Vec<_>>>()?;
        Ok(Endpoint {
            id: EndpointId(row.id),
            url: WebhookUrl::new(&row.url).map_err(|_| corrupt("url"))?,
            event_types,
            state: EndpointState::parse(&row.state).ok_or_else(|| corrupt("state"))?,
            created_at: row.created_at,
            failing_since: row.failing_since,
        })
    }
}

/// A delivery's row.
#[derive(FromRow)]
struct DeliveryRow {
    id: i64,
    endpoint_id: i64,
    event_id: i64,
    event_type: String,
    state: String,
    attempts: i32,
    next_attempt_at: Option<DateTime<Utc>>,
    first_attempt_at: Option<DateTime<Utc>>,
    last_attempt_at: Option<DateTime<Utc>>,
    last_status: Option<i32>,
    last_error: Option<String>,
    delivered_at: Option<DateTime<Utc>>,
}

impl TryFrom<DeliveryRow> for Delivery {
    type Error = Error;

    fn try_from(row: DeliveryRow) -> Result<Self> {
        let corrupt = |what: &str| Error::backend(format!("delivery {} has a bad {what}", row.id));
        Ok(Delivery {
            id: DeliveryId(row.id),
            endpoint_id: EndpointId(row.endpoint_id),
            event_id: EventId(row.event_id),
            event_type: EventType::parse(&row.event_type).ok_or_else(|| corrupt("event type"))?,
            state: DeliveryState::parse(&row.state).ok_or_else(|| corrupt("state"))?,
            attempts: u32::try_from(row.attempts).map_err(|_| corrupt("attempt count"))?,
            next_attempt_at: row.next_attempt_at,
            first_attempt_at: row.first_attempt_at,
            last_attempt_at: row.last_attempt_at,
            last_status: row
                .last_status
                .map(u16::try_from)
                .transpose()
                .map_err(|_| corrupt("status"))?,
            last_error: row.last_error,
            delivered_at: row.delivered_at,
        })
    }
}

/// Registers `new`.
pub(super) async fn register(
    c: &mut PgConnection,
    stamp: &Stamp,
    new: &NewEndpoint,
) -> Step<Written> {
    let types: Vec<&str> = new.event_types().iter().map(|t| t.as_str()).collect();
    let row: EndpointRow = sqlx::query_as(concat!(
        "INSERT INTO webhook_endpoints (url, event_types, secret, created_at) \
         VALUES ($1, $2, $3, $4) RETURNING ",
        endpoint_columns!()
    ))
    .bind(new.url().as_str())
    .bind(types)
    .bind(new.secret().expose())
    .bind(stamp.at)
    .fetch_one(c)
    .await?;
    Ok(
        Endpoint::try_from(row).map(|endpoint| Written::WebhookRegistered {
            endpoint,
            secret: new.secret().clone(),
        }),
    )
}

/// Removes endpoint `id` and (by the foreign key) its deliveries.
pub(super) async fn remove(c: &mut PgConnection, id: EndpointId) -> Step<Written> {
    let row: Option<EndpointRow> = sqlx::query_as(concat!(
        "DELETE FROM webhook_endpoints WHERE id = $1 RETURNING ",
        endpoint_columns!()
    ))
    .bind(id.0)
    .fetch_optional(c)
    .await?;
    Ok(match row {
        Some(row) => Endpoint::try_from(row).map(Written::Webhook),
        None => Err(Error::not_found(Entity::Webhook, id)),
    })
}

/// Makes one delivery of `endpoint` (or every failed one) new again, due
/// at the stamp's instant, and the endpoint active. The last attempt's
/// instant, status and error stay in the log until the next attempt.
pub(super) async fn redeliver(
    c: &mut PgConnection,
    stamp: &Stamp,
    endpoint: EndpointId,
    delivery: Option<DeliveryId>,
) -> Step<Written> {
    let found: Option<i32> =
        sqlx::query_scalar("SELECT 1 FROM webhook_endpoints WHERE id = $1 FOR UPDATE")
            .bind(endpoint.0)
            .fetch_optional(&mut *c)
            .await?;
    if found.is_none() {
        return Ok(Err(Error::not_found(Entity::Webhook, endpoint)));
    }
    let reset = sqlx::query(
        "UPDATE webhook_deliveries SET state = 'pending', attempts = 0, \
         next_attempt_at = $3, first_attempt_at = NULL, delivered_at = NULL \
         WHERE endpoint_id = $1 AND ($2::bigint IS NULL AND state = 'failed' OR id = $2)",
    )
    .bind(endpoint.0)
    .bind(delivery.map(|d| d.0))
    .bind(stamp.at)
    .execute(&mut *c)
    .await?;
    if let Some(delivery) = delivery
        && reset.rows_affected() == 0
    {
        return Ok(Err(Error::not_found(Entity::Delivery, delivery)));
    }
    let row: EndpointRow = sqlx::query_as(concat!(
        "UPDATE webhook_endpoints SET state = 'active', failing_since = NULL \
         WHERE id = $1 RETURNING ",
        endpoint_columns!()
    ))
    .bind(endpoint.0)
    .fetch_one(c)
    .await?;
    Ok(Endpoint::try_from(row).map(Written::Webhook))
}

impl PgStore {
    /// [`AttendanceStore::webhook_endpoints`](attendance_core::store::AttendanceStore::webhook_endpoints).
    pub(crate) async fn read_endpoints(&self) -> Result<Vec<Endpoint>> {
        let rows: Vec<EndpointRow> = self
            .retry
            .read(|| {
                self.conns.run(async |c| {
                    sqlx::query_as(concat!(
                        "SELECT ",
                        endpoint_columns!(),
                        " FROM webhook_endpoints ORDER BY id"
                    ))
                    .fetch_all(c)
                    .await
                })
            })
            .await
            .map_err(map)?;
        rows.into_iter().map(Endpoint::try_from).collect()
    }

    /// [`AttendanceStore::webhook_endpoint`](attendance_core::store::AttendanceStore::webhook_endpoint).
    pub(crate) async fn read_endpoint(&self, id: EndpointId) -> Result<Endpoint> {
        let row: Option<EndpointRow> = self
            .retry
            .read(|| {
                self.conns.run(async |c| {
                    sqlx::query_as(concat!(
                        "SELECT ",
                        endpoint_columns!(),
                        " FROM webhook_endpoints WHERE id = $1"
                    ))
                    .bind(id.0)
                    .fetch_optional(c)
                    .await
                })
            })
            .await
            .map_err(map)?;
        row.map(Endpoint::try_from)
            .transpose()?
            .ok_or_else(|| Error::not_found(Entity::Webhook, id))
    }

    /// [`AttendanceStore::webhook_deliveries`](attendance_core::store::AttendanceStore::webhook_deliveries).
    pub(crate) async fn read_deliveries(
        &self,
        endpoint: EndpointId,
        filter: &DeliveryFilter,
        page: &PageRequest<IdCursor>,
    ) -> Result<Page<Delivery>> {
        let (found, rows): (bool, Vec<DeliveryRow>) = self
            .retry
            .read(|| {
                self.conns.run(async |c| {
                    let found: bool = sqlx::query_scalar(
                        "SELECT EXISTS (SELECT FROM webhook_endpoints WHERE id = $1)",
                    )
                    .bind(endpoint.0)
                    .fetch_one(&mut *c)
                    .await?;
                    let rows = sqlx::query_as(
                        "SELECT id, endpoint_id, event_id, event_type, state, attempts, \
                         next_attempt_at, first_attempt_at, last_attempt_at, last_status, \
                         last_error, delivered_at \
                         FROM webhook_deliveries \
                         WHERE endpoint_id = $1 AND ($2::text IS NULL OR state = $2) \
                           AND ($3::bigint IS NULL OR id < $3) \
                         ORDER BY id DESC LIMIT $4",
                    )
                    .bind(endpoint.0)
                    .bind(filter.state.map(DeliveryState::as_str))
                    .bind(page.cursor.map(|c| c.0))
                    .bind(i64::from(page.limit) + 1)
                    .fetch_all(c)
                    .await?;
                    Ok((found, rows))
                })
            })
            .await
            .map_err(map)?;
        if !found {
            return Err(Error::not_found(Entity::Webhook, endpoint));
        }
        let items = rows
            .into_iter()
            .map(Delivery::try_from)
            .collect::<Result<Vec<_>>>()?;
        Ok(Page::of_deliveries(items, page.limit))
    }
}
