//! The webhook outbox for a delivery worker: claiming due deliveries and
//! recording how their attempts went.
//!
//! A claim is one statement. It finds each active endpoint's oldest
//! pending delivery (in event order, through the partial index of pending
//! deliveries), keeps those due, locks them `SKIP LOCKED` so workers
//! claiming at once take different ones, and moves each one's
//! `next_attempt_at` to the end of its lease. A row another worker leased
//! and committed meanwhile is re-checked against the WHERE on its new
//! version (`FOR UPDATE` in READ COMMITTED) and dropped, since its next
//! attempt is now in the future; and it stays its endpoint's oldest
//! pending delivery, so the endpoint's later ones wait behind it.

use attendance_core::audit::AuditEntry;
use attendance_core::webhooks::{
    AttemptOutcome, DeliveryId, DueDelivery, EndpointId, Event, EventId, MAX_DELIVERY_ERROR,
    WebhookOutbox, WebhookSecret, WebhookUrl,
};
use attendance_core::{Entity, Error, Result};
use chrono::{DateTime, Utc};
use sqlx::{Connection, FromRow, PgConnection};

use crate::PgStore;
use crate::audit::{AuditRow, audit_columns};
use crate::error::map;

/// A claimed delivery with its endpoint's address and secret and its
/// event's audit entry.
#[derive(FromRow)]
struct ClaimedRow {
    delivery_id: i64,
    endpoint_id: i64,
    url: String,
    secret: String,
    attempts: i32,
    first_attempt_at: Option<DateTime<Utc>>,
    #[sqlx(flatten)]
    entry: AuditRow,
}

/// The claim. Parameters: `$1` now, `$2` the lease's end, `$3` how many.
const CLAIM_SQL: &str = concat!(
    "WITH heads AS ( \
         SELECT d.id, d.next_attempt_at FROM webhook_endpoints e \
         CROSS JOIN LATERAL ( \
             SELECT p.id, p.next_attempt_at FROM webhook_deliveries p \
             WHERE p.endpoint_id = e.id AND p.state = 'pending' \
             ORDER BY p.event_id LIMIT 1 \
         ) d \
         WHERE e.state = 'active' AND d.next_attempt_at <= $1 \
         ORDER BY d.next_attempt_at, d.id LIMIT $3 \
     ), \
     claimed AS ( \
         SELECT d.id FROM webhook_deliveries d \
         WHERE d.id IN (SELECT id FROM heads) \
           AND d.state = 'pending' AND d.next_attempt_at <= $1 \
         FOR UPDATE OF d SKIP LOCKED \
     ) \
     UPDATE webhook_deliveries d \
     SET attempts = d.attempts + 1, next_attempt_at = $2, \
         first_attempt_at = coalesce(d.first_attempt_at, $1), last_attempt_at = $1 \
     FROM claimed, webhook_endpoints e, audit_log a \
     WHERE d.id = claimed.id AND e.id = d.endpoint_id AND a.id = d.event_id \
     RETURNING d.id AS delivery_id, d.endpoint_id, e.url, e.secret, d.attempts, \
     d.first_attempt_at, ",
    audit_columns!()
);

impl ClaimedRow {
    fn into_due(self, now: DateTime<Utc>) -> Result<DueDelivery> {
        let corrupt = |what: &str| {
            Error::backend(format!(
                "delivery {} has an unusable {what}",
                self.delivery_id
            ))
        };
        let url = WebhookUrl::new(&self.url).map_err(|_| corrupt("url"))?;
        let secret = WebhookSecret::new(&self.secret).map_err(|_| corrupt("secret"))?;
        let attempt = u32::try_from(self.attempts).map_err(|_| corrupt("attempt count"))?;
        let entry = AuditEntry::try_from(self.entry)?;
        let event = Event::of(EventId(entry.id), &entry).ok_or_else(|| corrupt("event"))?;
        Ok(DueDelivery {
            id: DeliveryId(self.delivery_id),
            endpoint_id: EndpointId(self.endpoint_id),
            url,
            secret,
            event,
            attempt,
            first_attempt_at: self.first_attempt_at.unwrap_or(now),
        })
    }
}

/// Records `outcome` of delivery `id` in one transaction: the delivery,
/// and for a delivery given up, its endpoint. `false` when there is no
/// such delivery (its endpoint was removed).
async fn record(
    c: &mut PgConnection,
    id: DeliveryId,
    outcome: &AttemptOutcome,
    at: DateTime<Utc>,
) -> std::result::Result<bool, sqlx::Error> {
    let mut tx = c.begin().await?;
    let endpoint: Option<i64> = match outcome {
        AttemptOutcome::Delivered { status } => {
            sqlx::query_scalar(
                "UPDATE webhook_deliveries SET state = 'delivered', \
                 delivered_at = $2, next_attempt_at = NULL, last_status = $3, last_error = NULL \
                 WHERE id = $1 RETURNING endpoint_id",
            )
            .bind(id.0)
            .bind(at)
            .bind(i32::from(*status))
            .fetch_optional(&mut *tx)
            .await?
        }
        AttemptOutcome::Failed {
            status,
            error,
            retry_at,
        } => {
            let error: String = error.chars().take(MAX_DELIVERY_ERROR).collect();
            // A delivery delivered meanwhile (by a worker whose lease had
            // ended) stays delivered.
            let endpoint = sqlx::query_scalar(
                "UPDATE webhook_deliveries SET \
                 state = CASE WHEN $4::timestamptz IS NULL THEN 'failed' ELSE 'pending' END, \
                 next_attempt_at = $4, last_status = $2, last_error = $3 \
                 WHERE id = $1 AND state = 'pending' RETURNING endpoint_id",
            )
            .bind(id.0)
            .bind(status.map(i32::from))
            .bind(error)
            .bind(*retry_at)
            .fetch_optional(&mut *tx)
            .await?;
            if let (Some(endpoint), None) = (endpoint, retry_at) {
                sqlx::query(
                    "UPDATE webhook_endpoints SET state = 'failing', failing_since = $2 \
                     WHERE id = $1 AND state = 'active'",
                )
                .bind(endpoint)
                .bind(at)
                .execute(&mut *tx)
                .await?;
            }
            match endpoint {
                Some(endpoint) => Some(endpoint),
                None => {
                    sqlx::query_scalar("SELECT endpoint_id FROM webhook_deliveries WHERE id = $1")
                        .bind(id.0)
                        .fetch_optional(&mut *tx)
                        .await?
                }
            }
        }
    };
    tx.commit().await?;
    Ok(endpoint.is_some())
}

#[async_trait::async_trait]
impl WebhookOutbox for PgStore {
    async fn claim_due(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<DueDelivery>> {
        // Not retried after a lost connection: the claim may have taken
        // effect, and its leases would then only delay those deliveries.
        let rows: Vec<ClaimedRow> = self
            .retry
            .write(|| {
                self.conns.run(async |c| {
                    sqlx::query_as(CLAIM_SQL)
                        .bind(now)
                        .bind(lease_until)
                        .bind(i64::from(limit))
                        .fetch_all(c)
                        .await
                })
            })
            .await
            .map_err(map)?;
        let mut due: Vec<DueDelivery> = rows
            .into_iter()
            .map(|row| row.into_due(now))
            .collect::<Result<_>>()?;
        due.sort_unstable_by_key(|d| d.id);
        Ok(due)
    }

    async fn record_attempt(
        &self,
        delivery: DeliveryId,
        outcome: &AttemptOutcome,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let found = self
            .retry
            .write(|| {
                self.conns
                    .run(async |c| record(c, delivery, outcome, at).await)
            })
            .await
            .map_err(map)?;
        if found {
            Ok(())
        } else {
            Err(Error::not_found(Entity::Delivery, delivery))
        }
    }
}
