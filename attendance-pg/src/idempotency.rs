//! Writes once per key over PostgreSQL: the key is claimed, the write done
//! and its outcome stored in one transaction (`attendance.idempotency_keys`,
//! migration 0004).
//!
//! The claim comes first, so a concurrent retry of the same key waits on the
//! key's primary key rather than racing the write: when the first commits,
//! the retry finds its outcome; when it rolls back (the write failed), the
//! retry claims the key and writes itself.

use attendance_core::audit::Stamp;
use attendance_core::idempotency::{Claim, Claimed, Fingerprint, Write, Written};
use attendance_core::{Error, Result};
use chrono::{DateTime, Utc};
use sqlx::{Connection, PgConnection};

use crate::PgStore;
use crate::error::map;
use crate::writes::{perform_in, vanished_conflict};

/// How one transaction went.
enum Attempt {
    /// The write was performed and stored with the key (boxed: a decided
    /// request carries the request and its session).
    Performed(Box<Written>),
    /// The key holds an earlier write (the transaction changed nothing).
    Existing {
        fingerprint: Vec<u8>,
        outcome: Option<String>,
    },
    /// The write's statement returned no row (an unknown employee, nothing
    /// to close); the transaction was rolled back.
    NoRow,
    /// A returned row could not be read, or the write was refused (a
    /// correction checks in Rust); rolled back.
    Unreadable(Error),
    /// The key that blocked the claim was deleted (expired and forgotten)
    /// before it could be read; claiming again will succeed.
    Vanished,
}

impl PgStore {
    /// [`AttendanceStore::write_once`](attendance_core::store::AttendanceStore::write_once).
    pub(crate) async fn perform_once(
        &self,
        claim: &Claim<'_>,
        stamp: &Stamp,
        write: &Write,
    ) -> Result<Claimed> {
        // As for a plain insert: a conflict whose cause vanished before it
        // could be explained (or a key forgotten while it blocked the claim)
        // is tried once more.
        for _ in 0..2 {
            let attempt = self
                .retry
                .write(|| {
                    self.conns
                        .run(async |c| attempt(c, claim, stamp, write).await)
                })
                .await;
            match attempt {
                Ok(Attempt::Performed(outcome)) => return Ok(Claimed::Performed(*outcome)),
                Ok(Attempt::Existing {
                    fingerprint,
                    outcome,
                }) => return existing(&fingerprint, outcome.as_deref()),
                Ok(Attempt::NoRow) => return Err(self.no_row(write).await),
                Ok(Attempt::Unreadable(e)) => return Err(e),
                Ok(Attempt::Vanished) => {}
                Err(e) => {
                    if let Some(err) = self.write_error(e, write).await? {
                        return Err(err);
                    }
                }
            }
        }
        Err(vanished_conflict())
    }

    /// [`AttendanceStore::forget_keys`](attendance_core::store::AttendanceStore::forget_keys).
    pub(crate) async fn forget_keys_before(&self, before: DateTime<Utc>) -> Result<u64> {
        self.retry
            .write(|| {
                self.conns.run(async |c| {
                    sqlx::query("DELETE FROM idempotency_keys WHERE created_at <= $1")
                        .bind(before)
                        .execute(c)
                        .await
                })
            })
            .await
            .map(|done| done.rows_affected())
            .map_err(map)
    }
}

/// The key's earlier write, read back.
fn existing(fingerprint: &[u8], outcome: Option<&str>) -> Result<Claimed> {
    let fingerprint = Fingerprint::from_slice(fingerprint)
        .ok_or_else(|| Error::backend("an idempotency key's fingerprint is not 32 bytes"))?;
    // The outcome is set in the claiming transaction, so a committed key
    // always has one.
    let outcome = outcome.ok_or_else(|| Error::backend("an idempotency key has no outcome"))?;
    let outcome = serde_json::from_str(outcome).map_err(Error::backend)?;
    Ok(Claimed::Existing {
        fingerprint,
        outcome,
    })
}

/// One transaction: claim the key (or find it taken), write, store the
/// outcome, commit. Any error rolls it all back (the transaction is dropped).
async fn attempt(
    c: &mut PgConnection,
    claim: &Claim<'_>,
    stamp: &Stamp,
    write: &Write,
) -> std::result::Result<Attempt, sqlx::Error> {
    let mut tx = c.begin().await?;
    // A live key blocks the update (its WHERE is false) and returns no row;
    // an expired one is claimed afresh.
    let claimed: Option<bool> = sqlx::query_scalar(
        "INSERT INTO idempotency_keys AS k (scope, key, fingerprint, created_at) \
         VALUES ($1, $2, $3, $4) \
         ON CONFLICT (scope, key) DO UPDATE \
         SET fingerprint = EXCLUDED.fingerprint, outcome = NULL, created_at = EXCLUDED.created_at \
         WHERE k.created_at <= $5 \
         RETURNING true",
    )
    .bind(claim.key.scope())
    .bind(claim.key.key())
    .bind(claim.fingerprint.as_bytes().as_slice())
    .bind(claim.now)
    .bind(claim.expired_at_or_before)
    .fetch_optional(&mut *tx)
    .await?;
    if claimed.is_none() {
        let found: Option<(Vec<u8>, Option<String>)> = sqlx::query_as(
            "SELECT fingerprint, outcome::text FROM idempotency_keys \
             WHERE scope = $1 AND key = $2",
        )
        .bind(claim.key.scope())
        .bind(claim.key.key())
        .fetch_optional(&mut *tx)
        .await?;
        tx.rollback().await?;
        return Ok(match found {
            Some((fingerprint, outcome)) => Attempt::Existing {
                fingerprint,
                outcome,
            },
            None => Attempt::Vanished,
        });
    }
    let written = match perform_in(&mut tx, stamp, write).await? {
        Some(Ok(written)) => written,
        unusable => {
            tx.rollback().await?;
            return Ok(match unusable {
                Some(Err(e)) => Attempt::Unreadable(e),
                _ => Attempt::NoRow,
            });
        }
    };
    let outcome = serde_json::to_string(&written).map_err(|e| sqlx::Error::Encode(e.into()))?;
    sqlx::query(
        "UPDATE idempotency_keys SET outcome = $3::jsonb \
         WHERE scope = $1 AND key = $2",
    )
    .bind(claim.key.scope())
    .bind(claim.key.key())
    .bind(outcome)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Attempt::Performed(Box::new(written)))
}
