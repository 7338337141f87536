//! SCAFFOLD: correction requests, period locks and webhook endpoints in
//! PostgreSQL. Every function refuses until the real statements land.

use attendance_core::audit::Stamp;
use attendance_core::idempotency::{Write, Written};
use attendance_core::{Error, Result};
use sqlx::PgConnection;

/// Performs a close-the-period or webhook write in one transaction.
pub(crate) async fn perform(
    _c: &mut PgConnection,
    _stamp: &Stamp,
    _write: &Write,
) -> std::result::Result<Result<Written>, sqlx::Error> {
    Ok(Err(scaffold()))
}

/// SCAFFOLD.
pub(crate) fn scaffold() -> Error {
    Error::backend("SCAFFOLD: not implemented in PostgreSQL yet")
}

#[async_trait::async_trait]
impl attendance_core::webhooks::WebhookOutbox for crate::PgStore {
    async fn claim_due(
        &self,
        _now: chrono::DateTime<chrono::Utc>,
        _lease_until: chrono::DateTime<chrono::Utc>,
        _limit: u32,
    ) -> Result<Vec<attendance_core::webhooks::DueDelivery>> {
        Err(scaffold())
    }

    async fn record_attempt(
        &self,
        _delivery: attendance_core::webhooks::DeliveryId,
        _outcome: &attendance_core::webhooks::AttemptOutcome,
        _at: chrono::DateTime<chrono::Utc>,
    ) -> Result<()> {
        Err(scaffold())
    }
}
