//! Applying the embedded migrations to one tenant's schema.
//!
//! sqlx's migrator sends each migration as one multi-statement string. Two
//! things need more than it offers: a tenant's migrations are the files
//! rewritten for its schema ([`Tenant::rewrite`]), and Citus refuses some
//! multi-statement strings through its coordinator ("cannot insert multiple
//! commands into a prepared statement"). So each migration is split into
//! its statements ([`statements`]) and run one statement at a time, in one
//! transaction with its row in the tracking table, as sqlx does. The
//! tracking table is sqlx's own (`<schema>._sqlx_migrations`, same columns,
//! the files' checksums), so a schema migrated by an earlier version of
//! this crate is recognised as it is.

use sqlx::migrate::{MigrateError, Migrator};
use sqlx::{AssertSqlSafe, Connection, PgConnection};

use crate::tenant::Tenant;

/// Checksums an applied migration may have besides its file's: each of
/// these files once changed a table with one multi-subcommand `ALTER
/// TABLE` that Citus refuses, and now makes the same change with one
/// `ALTER TABLE` per subcommand in the same transaction. Same effect, so a
/// schema migrated from the earlier text is up to date. (Version, SHA-384
/// of the earlier text as hex.)
const EARLIER_CHECKSUMS: [(i64, &str); 4] = [
    (
        10,
        "91801f0a52aa02c9979d12f3115b68fb27faf3a4419a81d7947e5d0f4cd5266481edeff75f47ebcd56861ff3acbef310",
    ),
    (
        12,
        "a7416e915fd35ab102e34672d4da1924bd62169d2c88a71ef0f07fbb863a7194a9f18aca15557a7d50fbbe51bcb55906",
    ),
    (
        13,
        "e9b64fabf8fb99544ad3baacccb1a0de593677ee70e3a504429f1a2102ea8cd94bed0e3486654819e7cb8a7fb44ad099",
    ),
    (
        15,
        "5b6d937fe749d842e2a1bb3a28c9aef324a6ceea786d463292ecfbedc14062c3ddd99f2b66c43747be2627334a3b285e",
    ),
];

/// Whether `applied`, the checksum recorded for `version`, is that of the
/// file `current` or of an earlier text of it with the same effect.
fn checksum_accepted(version: i64, current: &[u8], applied: &[u8]) -> bool {
    current == applied
        || EARLIER_CHECKSUMS
            .iter()
            .any(|(v, hex)| *v == version && hex_eq(hex, applied))
}

/// Whether lower-case `hex` spells `bytes`.
fn hex_eq(hex: &str, bytes: &[u8]) -> bool {
    hex.len() == bytes.len() * 2
        && bytes
            .iter()
            .zip(hex.as_bytes().chunks(2))
            .all(|(b, pair)| format!("{b:02x}").as_bytes() == pair)
}

/// Applies every migration of `migrations` that `tenant`'s schema lacks,
/// creating the schema and its tracking table when missing. Concurrent
/// runs for one tenant wait for each other (an advisory lock per schema);
/// a run interrupted anywhere leaves each migration applied whole or not at
/// all, and the next run goes on from there.
pub(crate) async fn run(
    conn: &mut PgConnection,
    tenant: &Tenant,
    migrations: &Migrator,
) -> Result<(), MigrateError> {
    let lock = format!("attendance migrations {}", tenant.schema());
    sqlx::query("SELECT pg_advisory_lock(hashtextextended($1, 0))")
        .bind(&lock)
        .execute(&mut *conn)
        .await?;
    let outcome = apply(conn, tenant, migrations).await;
    let unlocked = sqlx::query("SELECT pg_advisory_unlock(hashtextextended($1, 0))")
        .bind(&lock)
        .execute(&mut *conn)
        .await;
    outcome?;
    unlocked?;
    Ok(())
}

async fn apply(
    conn: &mut PgConnection,
    tenant: &Tenant,
    migrations: &Migrator,
) -> Result<(), MigrateError> {
    let schema = tenant.schema();
    let table = format!("{schema}._sqlx_migrations");
    sqlx::raw_sql(AssertSqlSafe(format!(
        "CREATE SCHEMA IF NOT EXISTS {schema}; \
         CREATE TABLE IF NOT EXISTS {table} ( \
             version BIGINT PRIMARY KEY, \
             description TEXT NOT NULL, \
             installed_on TIMESTAMPTZ NOT NULL DEFAULT now(), \
             success BOOLEAN NOT NULL, \
             checksum BYTEA NOT NULL, \
             execution_time BIGINT NOT NULL)"
    )))
    .execute(&mut *conn)
    .await?;
    let applied: Vec<(i64, bool, Vec<u8>)> = sqlx::query_as(AssertSqlSafe(format!(
        "SELECT version, success, checksum FROM {table} ORDER BY version"
    )))
    .fetch_all(&mut *conn)
    .await?;
    // Citus creates no trigger on a distributed table unless told that
    // the trigger is safe there; ours only touch their tenant's tables,
    // which live together on one worker.
    let citus: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname = 'citus')",
    )
    .fetch_one(&mut *conn)
    .await?;
    if let Some((version, ..)) = applied.iter().find(|(_, success, _)| !success) {
        return Err(MigrateError::Dirty(*version));
    }
    for (version, _, checksum) in &applied {
        match migrations.iter().find(|m| m.version == *version) {
            None => return Err(MigrateError::VersionMissing(*version)),
            Some(m) if !checksum_accepted(*version, &m.checksum, checksum) => {
                return Err(MigrateError::VersionMismatch(*version));
            }
            Some(_) => {}
        }
    }
    for migration in migrations.iter() {
        if migration.migration_type.is_down_migration()
            || applied.iter().any(|(v, ..)| *v == migration.version)
        {
            continue;
        }
        let started = std::time::Instant::now();
        let sql = tenant.rewrite(migration.sql.as_str());
        let mut tx = conn.begin().await?;
        if citus {
            sqlx::raw_sql("SET LOCAL citus.enable_unsafe_triggers = on")
                .execute(&mut *tx)
                .await?;
        }
        for statement in statements(&sql) {
            sqlx::raw_sql(AssertSqlSafe(statement))
                .execute(&mut *tx)
                .await
                .map_err(|e| MigrateError::ExecuteMigration(e, migration.version))?;
        }
        sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO {table} (version, description, success, checksum, execution_time) \
             VALUES ($1, $2, TRUE, $3, $4)"
        )))
        .bind(migration.version)
        .bind(&*migration.description)
        .bind(&*migration.checksum)
        .bind(i64::try_from(started.elapsed().as_nanos()).unwrap_or(i64::MAX))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
    }
    Ok(())
}

/// The statements of `sql`, each without its terminating `;`; blank
/// statements and comment-only ones are left out. A `;` ends a statement
/// only outside quotes (`'…'`, `E'…'`, `"…"`), dollar quotes (`$tag$…$tag$`)
/// and comments (`--` to the end of the line, nested `/* … */`).
pub(crate) fn statements(sql: &str) -> Vec<String> {
    let bytes = sql.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    let mut has_code = false;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                i = sql[i..].find('\n').map_or(bytes.len(), |n| i + n);
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                let mut depth = 0usize;
                while i < bytes.len() {
                    if bytes[i..].starts_with(b"/*") {
                        depth += 1;
                        i += 2;
                    } else if bytes[i..].starts_with(b"*/") {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        i += 1;
                    }
                }
                continue;
            }
            b'\'' => {
                let escapes = i > 0 && matches!(bytes[i - 1], b'E' | b'e');
                i += 1;
                while i < bytes.len() {
                    match bytes[i] {
                        b'\\' if escapes => i += 2,
                        b'\'' if bytes.get(i + 1) == Some(&b'\'') => i += 2,
                        b'\'' => break,
                        _ => i += 1,
                    }
                }
                has_code = true;
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += 1;
                }
                has_code = true;
            }
            b'$' => {
                if let Some(tag) = dollar_tag(&sql[i..]) {
                    let body = i + tag.len();
                    i = sql[body..]
                        .find(tag)
                        .map_or(bytes.len(), |n| body + n + tag.len());
                    has_code = true;
                    continue;
                }
            }
            b';' => {
                if has_code {
                    out.push(sql[start..i].trim().to_owned());
                }
                start = i + 1;
                has_code = false;
            }
            b if !b.is_ascii_whitespace() => has_code = true,
            _ => {}
        }
        i += 1;
    }
    if has_code {
        out.push(sql[start..].trim().to_owned());
    }
    out
}

/// The dollar-quote tag (`$$`, `$body$`) `text` starts with, if any; `$1`
/// (a parameter) is none.
fn dollar_tag(text: &str) -> Option<&str> {
    let rest = &text[1..];
    let end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))?;
    let tag = &rest[..end];
    if !rest[end..].starts_with('$') || tag.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    Some(&text[..end + 2])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_end_at_semicolons_outside_quotes_and_comments() {
        let sql = "-- a comment; still a comment\n\
                   CREATE TABLE t (a text DEFAULT ';', \"b;\" int);\n\
                   /* a /* nested; */ comment; */\n\
                   CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$;\n\
                   DO $body$ BEGIN RAISE NOTICE 'x;'; END $body$;\n\
                   SELECT E'it\\'s; fine', 'it''s; fine', $1;\n\
                   ;  -- nothing\n\
                   SELECT 2";
        assert_eq!(
            statements(sql),
            [
                "-- a comment; still a comment\nCREATE TABLE t (a text DEFAULT ';', \"b;\" int)",
                "/* a /* nested; */ comment; */\nCREATE FUNCTION f() RETURNS int LANGUAGE plpgsql \
                 AS $$ BEGIN RETURN 1; END $$",
                "DO $body$ BEGIN RAISE NOTICE 'x;'; END $body$",
                "SELECT E'it\\'s; fine', 'it''s; fine', $1",
                "-- nothing\nSELECT 2",
            ]
        );
    }

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    fn unhex(hex: &str) -> Vec<u8> {
        (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn earlier_checksums_are_of_migrations_that_changed_since() {
        for (version, earlier) in EARLIER_CHECKSUMS {
            let migration = crate::MIGRATIONS
                .iter()
                .find(|m| m.version == version)
                .unwrap();
            assert_eq!(earlier.len(), 96, "{version}: SHA-384 is 48 bytes");
            assert_ne!(hex(&migration.checksum), earlier, "{version}");
            assert!(checksum_accepted(
                version,
                &migration.checksum,
                &unhex(earlier)
            ));
            assert!(checksum_accepted(
                version,
                &migration.checksum,
                &migration.checksum
            ));
            // An earlier checksum belongs to its own version only.
            let other = crate::MIGRATIONS.iter().find(|m| m.version == 1).unwrap();
            assert!(!checksum_accepted(1, &other.checksum, &unhex(earlier)));
        }
    }

    /// A schema whose tracking table holds the checksum of an earlier text
    /// of a split migration is up to date; any other mismatch still stops
    /// the run.
    #[tokio::test]
    async fn a_schema_migrated_from_the_earlier_texts_is_accepted_and_no_other() {
        crate::test_db::with_store(|store| async move {
            let table = format!("{}._sqlx_migrations", store.tenant().schema());
            let set = |version: i64, checksum: Vec<u8>| {
                let (pool, table) = (store.pool().clone(), table.clone());
                async move {
                    sqlx::query(AssertSqlSafe(format!(
                        "UPDATE {table} SET checksum = $2 WHERE version = $1"
                    )))
                    .bind(version)
                    .bind(checksum)
                    .execute(&pool)
                    .await
                    .unwrap();
                }
            };
            for (version, earlier) in EARLIER_CHECKSUMS {
                set(version, unhex(earlier)).await;
            }
            store.migrate().await.unwrap();

            let fifteen = unhex(EARLIER_CHECKSUMS[3].1);
            set(14, fifteen).await;
            let err = store.migrate().await.unwrap_err();
            assert!(
                matches!(
                    err,
                    crate::Error::Migrate(MigrateError::VersionMismatch(14))
                ),
                "{err:?}"
            );
            let current = crate::MIGRATIONS.iter().find(|m| m.version == 14).unwrap();
            set(14, current.checksum.to_vec()).await;
            let mut changed = unhex(EARLIER_CHECKSUMS[1].1);
            changed[0] ^= 1;
            set(12, changed).await;
            let err = store.migrate().await.unwrap_err();
            assert!(
                matches!(
                    err,
                    crate::Error::Migrate(MigrateError::VersionMismatch(12))
                ),
                "{err:?}"
            );
        })
        .await;
    }

    #[test]
    fn every_migration_splits_into_statements_that_end_where_the_file_says() {
        for migration in crate::MIGRATIONS.iter() {
            let sql = migration.sql.as_str();
            let parts = statements(sql);
            assert!(!parts.is_empty(), "{}", migration.description);
            // Split correctly, the statements joined again are the file
            // without its comments' and whitespace's differences: each one
            // is found in the file, in order.
            let mut from = 0;
            for part in &parts {
                let at = sql[from..].find(part.as_str()).unwrap_or_else(|| {
                    panic!("{}: {part:?} is not in the file", migration.description)
                });
                from += at + part.len();
                assert!(
                    sql[from..].trim_start().starts_with(';') || sql[from..].trim().is_empty(),
                    "{}: a statement ends before its `;`: {part:?}",
                    migration.description
                );
            }
        }
    }
}
