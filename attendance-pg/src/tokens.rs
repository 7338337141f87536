//! API tokens in PostgreSQL ([`PgTokenStore`]): the table
//! `attendance.api_tokens` of migration 0007, holding hashes only.

use async_trait::async_trait;
use attendance_core::access::Identity;
use attendance_core::tokens::{NewToken, TokenHash, TokenId, TokenInfo, TokenStore};
use attendance_core::{EmployeeId, Entity, Error, Result};
use chrono::{DateTime, Utc};
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};

use crate::PgStore;
use crate::error::{map, sqlstate, violates};

/// The tokens of a [`PgStore`]'s database, sharing its connections. Made by
/// [`PgStore::tokens`]; cheap to clone.
#[derive(Debug, Clone)]
pub struct PgTokenStore {
    store: PgStore,
}

impl PgStore {
    /// The API tokens kept in this database (see [`attendance_core::tokens`]).
    pub fn tokens(&self) -> PgTokenStore {
        PgTokenStore {
            store: self.clone(),
        }
    }
}

/// The columns [`info`] reads, spliced into the statements at compile time.
macro_rules! columns {
    () => {
        "id, admin_name, employee_id, created_at, expires_at, last_used_at, revoked_at"
    };
}

fn info(row: &PgRow) -> std::result::Result<TokenInfo, sqlx::Error> {
    let admin_name: Option<String> = row.try_get("admin_name")?;
    let employee_id: Option<i64> = row.try_get("employee_id")?;
    // The table's CHECK makes exactly one of the two non-null.
    let identity = match (admin_name, employee_id) {
        (Some(name), _) => Identity::Admin { name },
        (None, Some(id)) => Identity::Employee { id: EmployeeId(id) },
        (None, None) => {
            return Err(sqlx::Error::Decode(
                "an api_tokens row names no identity".into(),
            ));
        }
    };
    Ok(TokenInfo {
        id: TokenId(row.try_get("id")?),
        identity,
        created_at: row.try_get("created_at")?,
        expires_at: row.try_get("expires_at")?,
        last_used_at: row.try_get("last_used_at")?,
        revoked_at: row.try_get("revoked_at")?,
    })
}

async fn insert(
    c: &mut PgConnection,
    token: &NewToken,
) -> std::result::Result<TokenInfo, sqlx::Error> {
    let (admin_name, employee_id) = match &token.identity {
        Identity::Admin { name } => (Some(name.as_str()), None),
        Identity::Employee { id } => (None, Some(id.0)),
    };
    // The token and its audit entry in one statement (the host's own
    // authority, at the token's creation instant).
    let row = sqlx::query(concat!(
        "WITH t AS (INSERT INTO api_tokens \
         (hash, admin_name, employee_id, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING ",
        columns!(),
        "), a AS (INSERT INTO audit_log \
         (at, actor_kind, action, employee_id, token_id) \
         SELECT t.created_at, 'system', 'token_created', t.employee_id, t.id FROM t) \
         SELECT ",
        columns!(),
        " FROM t"
    ))
    .bind(token.hash.0.as_slice())
    .bind(admin_name)
    .bind(employee_id)
    .bind(token.created_at)
    .bind(token.expires_at)
    .fetch_one(c)
    .await?;
    info(&row)
}

#[async_trait]
impl TokenStore for PgTokenStore {
    async fn create_token(&self, token: &NewToken) -> Result<TokenInfo> {
        let s = &self.store;
        s.retry
            .write(|| s.conns.run(async |c| insert(c, token).await))
            .await
            .map_err(|err| match &token.identity {
                Identity::Employee { id }
                    if violates(
                        &err,
                        sqlstate::FOREIGN_KEY_VIOLATION,
                        "api_tokens_employee_id_fkey",
                    ) =>
                {
                    Error::not_found(Entity::Employee, *id)
                }
                _ => map(err),
            })
    }

    async fn token_by_hash(&self, hash: &TokenHash) -> Result<Option<TokenInfo>> {
        let s = &self.store;
        let row = s
            .retry
            .read(|| {
                s.conns.run(async |c| {
                    sqlx::query(concat!(
                        "SELECT ",
                        columns!(),
                        " FROM api_tokens WHERE hash = $1"
                    ))
                    .bind(hash.0.as_slice())
                    .fetch_optional(c)
                    .await
                })
            })
            .await
            .map_err(map)?;
        row.as_ref().map(info).transpose().map_err(map)
    }

    async fn tokens(&self) -> Result<Vec<TokenInfo>> {
        let s = &self.store;
        let rows = s
            .retry
            .read(|| {
                s.conns.run(async |c| {
                    sqlx::query(concat!(
                        "SELECT ",
                        columns!(),
                        " FROM api_tokens ORDER BY id"
                    ))
                    .fetch_all(c)
                    .await
                })
            })
            .await
            .map_err(map)?;
        rows.iter().map(info).collect::<Result<_, _>>().map_err(map)
    }

    async fn revoke_token(&self, id: TokenId, at: DateTime<Utc>) -> Result<Option<TokenInfo>> {
        let s = &self.store;
        // Idempotent, so a retry after a lost connection is harmless.
        let row = s
            .retry
            .write(|| {
                s.conns.run(async |c| {
                    // An entry only for the revocation that took effect:
                    // revoking again keeps the first instant and adds none.
                    sqlx::query(concat!(
                        "WITH t AS (UPDATE api_tokens \
                         SET revoked_at = COALESCE(revoked_at, greatest($2, created_at)) \
                         WHERE id = $1 RETURNING ",
                        columns!(),
                        "), a AS (INSERT INTO audit_log \
                         (at, actor_kind, action, employee_id, token_id) \
                         SELECT t.revoked_at, 'system', 'token_revoked', t.employee_id, t.id \
                         FROM t WHERE t.revoked_at = greatest($2, t.created_at)) \
                         SELECT ",
                        columns!(),
                        " FROM t"
                    ))
                    .bind(id.0)
                    .bind(at)
                    .fetch_optional(c)
                    .await
                })
            })
            .await
            .map_err(map)?;
        row.as_ref().map(info).transpose().map_err(map)
    }

    async fn touch_token(&self, id: TokenId, at: DateTime<Utc>) -> Result<()> {
        let s = &self.store;
        s.retry
            .write(|| {
                s.conns.run(async |c| {
                    sqlx::query(
                        "UPDATE api_tokens SET last_used_at = $2 \
                         WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $2)",
                    )
                    .bind(id.0)
                    .bind(at)
                    .execute(c)
                    .await
                })
            })
            .await
            .map(drop)
            .map_err(map)
    }
}
