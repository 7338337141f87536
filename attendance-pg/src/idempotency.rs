//! [`IdempotentWrites`] over PostgreSQL: the key is claimed, the write done
//! and its outcome stored in one transaction (`attendance.idempotency_keys`,
//! migration 0004).
//!
//! The claim comes first, so a concurrent retry of the same key waits on the
//! key's primary key rather than racing the write: when the first commits,
//! the retry finds its outcome; when it rolls back (the write failed), the
//! retry claims the key and writes itself.

use async_trait::async_trait;
use attendance_core::audit::Stamp;
use attendance_core::idempotency::{Claim, Claimed, Fingerprint, Write, Written};
use attendance_core::store::IdempotentWrites;
use attendance_core::{Employee, Entity, Error, Result};
use chrono::{DateTime, Utc};
use sqlx::{Connection, PgConnection};

use crate::PgStore;
use crate::audit::correct_session;
use crate::employees::update_employee;
use crate::error::map;
use crate::store::session;
use crate::writes::{
    NewSession, TeamInsert, close_session, employee_error, insert_employee, insert_session,
    insert_team, team_error, vanished_conflict,
};

/// How one transaction went.
enum Attempt {
    /// The write was performed and stored with the key.
    Performed(Written),
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

#[async_trait]
impl IdempotentWrites for PgStore {
    async fn write(&self, stamp: &Stamp, write: &Write) -> Result<Written> {
        self.perform_write(stamp, write).await
    }

    async fn write_once(&self, claim: &Claim<'_>, stamp: &Stamp, write: &Write) -> Result<Claimed> {
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
                Ok(Attempt::Performed(outcome)) => return Ok(Claimed::Performed(outcome)),
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

    async fn forget_keys(&self, before: DateTime<Utc>) -> Result<u64> {
        self.retry
            .write(|| {
                self.conns.run(async |c| {
                    sqlx::query("DELETE FROM attendance.idempotency_keys WHERE created_at <= $1")
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

impl PgStore {
    /// What a failed write's error means, as the plain store methods say
    /// it; `None` when a session conflict vanished and a retry may succeed.
    async fn write_error(&self, e: sqlx::Error, write: &Write) -> Result<Option<Error>> {
        Ok(Some(match write {
            Write::CreateTeam(team) => team_error(e, team.name(), team.timezone().name()),
            Write::CreateEmployee(employee) => employee_error(e, employee),
            Write::ClockIn { employee, at, .. } => {
                return self.session_error(e, *employee, *at, None).await;
            }
            Write::RecordSession {
                employee,
                clock_in,
                clock_out,
                ..
            } => {
                return self
                    .session_error(e, *employee, *clock_in, Some(*clock_out))
                    .await;
            }
            // A clock-out's UPDATE violates nothing a caller could cause:
            // it only ever closes the open session after its clock-in.
            _ => map(e),
        }))
    }

    /// Why a write's statement returned no row.
    async fn no_row(&self, write: &Write) -> Error {
        match write {
            Write::ClockOut { employee, at } => self.nothing_closed(*employee, *at).await,
            Write::ClockIn { employee, .. } | Write::RecordSession { employee, .. } => {
                Error::not_found(Entity::Employee, *employee)
            }
            _ => Error::backend("an insert returned no row"),
        }
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
        "INSERT INTO attendance.idempotency_keys AS k (scope, key, fingerprint, created_at) \
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
            "SELECT fingerprint, outcome::text FROM attendance.idempotency_keys \
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
    let written = match perform(&mut tx, stamp, write).await? {
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
        "UPDATE attendance.idempotency_keys SET outcome = $3::jsonb \
         WHERE scope = $1 AND key = $2",
    )
    .bind(claim.key.scope())
    .bind(claim.key.key())
    .bind(outcome)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Attempt::Performed(written))
}

/// Runs `write`'s statement: `None` when it returned no row, `Some(Err)`
/// when the row could not be read or the write was refused (nothing was
/// written either way).
async fn perform(
    c: &mut PgConnection,
    stamp: &Stamp,
    write: &Write,
) -> std::result::Result<Option<Result<Written>>, sqlx::Error> {
    Ok(match *write {
        Write::CreateTeam(ref team) => {
            let row = insert_team(c, stamp, &TeamInsert::of(team)).await?;
            Some(row.try_into().map(Written::Team))
        }
        Write::CreateEmployee(ref employee) => {
            let row = insert_employee(c, stamp, employee).await?;
            Some(Ok(Written::Employee(Employee::from(row))))
        }
        Write::ClockIn { employee, mode, at } => {
            let new = NewSession {
                employee,
                mode,
                clock_in: at,
                clock_out: None,
                reason: None,
            };
            insert_session(c, stamp, &new)
                .await?
                .map(|row| session(row).map(Written::Session))
        }
        Write::ClockOut { employee, at } => close_session(c, stamp, employee, at)
            .await?
            .map(|row| session(row).map(Written::Session)),
        Write::RecordSession {
            employee,
            mode,
            clock_in,
            clock_out,
            ref reason,
        } => {
            let new = NewSession {
                employee,
                mode,
                clock_in,
                clock_out: Some(clock_out),
                reason: reason.as_deref(),
            };
            insert_session(c, stamp, &new)
                .await?
                .map(|row| session(row).map(Written::Session))
        }
        Write::CorrectSession {
            session: id,
            ref changes,
            ref reason,
        } => Some(
            correct_session(c, stamp, id, changes, reason)
                .await?
                .map(Written::Session),
        ),
        Write::UpdateEmployee {
            employee,
            ref changes,
        } => Some(
            update_employee(c, stamp, employee, changes)
                .await?
                .map(Written::Employee),
        ),
        _ => Some(Err(Error::backend(
            "this store does not know that kind of write",
        ))),
    })
}
