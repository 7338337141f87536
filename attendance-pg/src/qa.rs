//! Question answering on PostgreSQL: the catalog of Q&A views the model is
//! shown, and [`PgSqlRunner`], which runs a guarded query as the second
//! layer of defence.
//!
//! The only way in is [`SqlRunner::run`], which takes
//! [`GuardedSql`]: text the guard has not accepted cannot reach the
//! database through this crate's public API.
//!
//! # Testing the second layer on its own
//! To show that the runner's own protections hold even for statements the
//! guard refuses, this crate's integration tests need to run raw SQL. The
//! method that does, `PgSqlRunner::run_unguarded`, exists only with the
//! feature `unguarded-sql-for-tests`, which nothing enables except this
//! crate's dev-dependency on itself (`attendance-pg/Cargo.toml`), so it is
//! compiled into this crate's own test builds and never into a dependent's.
//! Do not enable that feature anywhere else.

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use attendance_core::access::Scope;
use attendance_core::ask::{QueryContext, QueryError, QueryRows, SqlRunner};
use attendance_core::guard::GuardedSql;
use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::Value;
use sqlx::postgres::PgConnection;
use sqlx::{AssertSqlSafe, Column, Connection, Executor, PgPool, SqlSafeStr};

use crate::conns::Source;
use crate::error::{db_code, sqlstate};
use crate::tenant::Tenant;
use crate::{Error, PgStore};

mod catalog;

pub use catalog::{QUESTIONS_JSONL, catalog, plan_examples};

/// The role the migrations create for the model's queries (migration
/// `0003_qa_role.sql`): it cannot log in, reads the Q&A views and
/// nothing else, and is granted to the login role that migrated.
///
/// Roles are cluster-wide: every database of a cluster migrated by this
/// crate shares the role, each granting it its own views. Where the login
/// role may not create roles (a hosted database without `CREATEROLE`), an
/// administrator runs, once per cluster and database:
///
/// ```sql
/// CREATE ROLE attendance_qa NOLOGIN;
/// GRANT USAGE ON SCHEMA attendance TO attendance_qa;
/// GRANT SELECT ON attendance.qa_teams, attendance.qa_employees,
///                 attendance.qa_sessions, attendance.qa_daily_attendance,
///                 attendance.qa_ledger_days TO attendance_qa;
/// GRANT attendance_qa TO <the application's login role>;
/// ALTER FUNCTION attendance.qa_execute(text) OWNER TO attendance_qa;
/// ALTER FUNCTION attendance.qa_execute(text) SECURITY DEFINER;
/// ```
///
/// (The last two: see [`PgSqlRunner`] on `attendance.qa_execute`.)
pub const QA_ROLE: &str = "attendance_qa";

/// Runs guarded queries in a read-only transaction with a statement
/// timeout, a row cap, `search_path` = the tenant's schema and, unless explicitly
/// turned off, as [`QA_ROLE`], a role that may only read the Q&A views.
/// Each of these stops a write on its own, whatever the guard let through;
/// the role also stops a login role's other rights (a superuser's above
/// all) from reaching the model's query. Check it at start-up with
/// [`check_role`](Self::check_role).
///
/// As a role, the query runs in `attendance.qa_execute` (migration 0009), a
/// `SECURITY DEFINER` function owned by that role: elsewhere a query may
/// reset its role to the login role (`set_config('role', 'none', true)`) and
/// read the base tables through `query_to_xml`; in it PostgreSQL refuses
/// any change of role.
///
/// The timezone a query runs in is not configured here: it comes with each
/// query ([`QueryContext::timezone`]), from the service that wrote the
/// prompt, so `current_date` is the prompt's "today". So does the scope
/// ([`QueryContext::scope`]): the runner writes it for the query's
/// transaction only, and the Q&A views show no row outside it (migration
/// `0006_qa_scope.sql` says how, and why the model's query cannot change
/// it). The login role must be able to insert into `attendance.qa_scope`,
/// which it can when it ran the migrations (it owns the table).
#[derive(Clone)]
pub struct PgSqlRunner {
    conns: Source,
    tenant: Tenant,
    statement_timeout: Duration,
    row_cap: usize,
    max_result_bytes: usize,
    max_value_chars: usize,
    role: Option<String>,
}

/// Default of [`PgSqlRunner::with_max_result_bytes`]: 1 MiB.
pub const DEFAULT_MAX_RESULT_BYTES: usize = 1024 * 1024;

/// Default of [`PgSqlRunner::with_max_value_chars`]: 1,000 characters.
pub const DEFAULT_MAX_VALUE_CHARS: usize = 1000;

/// `work_mem` of the model's query: sorts and hashes past it spill to
/// temporary files, which [`TEMP_FILE_LIMIT`] bounds.
const WORK_MEM: &str = "16MB";

/// `temp_file_limit` of the model's query. Only a superuser may set it, so
/// it is set when the login role is one (the case it matters most).
const TEMP_FILE_LIMIT: &str = "256MB";

impl fmt::Debug for PgSqlRunner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PgSqlRunner")
            .field("tenant", &self.tenant)
            .field("statement_timeout", &self.statement_timeout)
            .field("row_cap", &self.row_cap)
            .field("max_result_bytes", &self.max_result_bytes)
            .field("max_value_chars", &self.max_value_chars)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

impl PgSqlRunner {
    /// A runner over `pool`: 2 s timeout, 200 rows, as [`QA_ROLE`].
    pub fn new(pool: PgPool) -> Self {
        Self::over(Source::Pool(pool), Tenant::default())
    }

    /// [`new`](Self::new) on `store`'s own connections, so the runner opens
    /// none beyond the store's [`PgConfig::max_connections`](crate::PgConfig::max_connections),
    /// for the store's tenant, as its Q&A role ([`Tenant::qa_role`]).
    pub fn for_store(store: &PgStore) -> Self {
        Self::over(Source::Stack(store.conns.clone()), store.tenant().clone())
    }

    fn over(conns: Source, tenant: Tenant) -> Self {
        Self {
            conns,
            role: Some(tenant.qa_role().to_owned()),
            tenant,
            statement_timeout: Duration::from_secs(2),
            row_cap: 200,
            max_result_bytes: DEFAULT_MAX_RESULT_BYTES,
            max_value_chars: DEFAULT_MAX_VALUE_CHARS,
        }
    }

    /// Cuts every value of a result to this many characters, ending the cut
    /// ones with `…` (an array or object is cut as its JSON text): no
    /// attendance answer needs a longer value, and a padded or aggregated
    /// one would otherwise go whole to the client and into the phrasing
    /// prompt. Default: [`DEFAULT_MAX_VALUE_CHARS`].
    pub fn with_max_value_chars(mut self, chars: usize) -> Self {
        self.max_value_chars = chars.max(1);
        self
    }

    /// Reads at most this many bytes of result text (rows as JSON); a
    /// larger result is [`QueryError::TooLarge`], and the server sends
    /// little past the budget: each row is cut to it, and rows stop once
    /// it is spent. Default: [`DEFAULT_MAX_RESULT_BYTES`].
    pub fn with_max_result_bytes(mut self, bytes: usize) -> Self {
        self.max_result_bytes = bytes.max(1);
        self
    }

    /// Runs the model's queries as the login role itself, with all its
    /// rights: only the guard and the read-only transaction stand between
    /// the model and them, and a superuser's functions ignore the latter.
    /// For a database where [`QA_ROLE`] cannot exist, and only by an
    /// explicit choice of whoever runs the server.
    pub fn without_role_accepting_the_risk(mut self) -> Self {
        self.role = None;
        self
    }

    /// Whether the login role can switch to the configured role, which owns
    /// the security-definer `attendance.qa_execute`, so that queries will
    /// not fail one by one (or run as another role); call it at start-up.
    ///
    /// # Errors
    /// [`Error::Config`] saying what is missing and how to grant it, or
    /// [`Error::Connect`] if the check could not run.
    pub async fn check_role(&self) -> Result<(), Error> {
        let Some(role) = &self.role else {
            return Ok(());
        };
        let query = sqlx::query_as(
            "SELECT r.oid IS NOT NULL, \
                    coalesce(pg_has_role(current_user, r.oid, 'MEMBER'), false), \
                    coalesce((SELECT p.prosecdef AND p.proowner = r.oid FROM pg_catalog.pg_proc p \
                    WHERE p.oid = to_regprocedure($2)), false) \
             FROM (SELECT 1) AS one \
             LEFT JOIN pg_catalog.pg_roles r ON r.rolname = $1",
        )
        .bind(role)
        .bind(format!("{}.qa_execute(text)", self.tenant.schema()));
        let mut held = self.conns.hold().await.map_err(Error::Connect)?;
        let found = query.fetch_one(held.conn()).await;
        held.finish(found.is_ok());
        let (exists, member, runs_as_role): (bool, bool, bool) = found.map_err(Error::Connect)?;
        if !exists {
            return Err(Error::Config(format!(
                "the Q&A role {role} does not exist: the migrations could not create it \
                 (the login role lacks CREATEROLE); see attendance_pg::qa::QA_ROLE for the grants"
            )));
        }
        if !member {
            return Err(Error::Config(format!(
                "the login role is not a member of the Q&A role {role}: \
                 GRANT {role} TO <the login role>"
            )));
        }
        // Owned by another role, it would run the query with that role's rights.
        if !runs_as_role {
            let schema = self.tenant.schema();
            return Err(Error::Config(format!(
                "{schema}.qa_execute(text) is not a security-definer function owned by the \
                 Q&A role {role}: ALTER FUNCTION {schema}.qa_execute(text) OWNER TO {role}; \
                 ALTER FUNCTION {schema}.qa_execute(text) SECURITY DEFINER"
            )));
        }
        Ok(())
    }

    /// Cancels queries running longer than this. Default: 2 s.
    pub fn with_statement_timeout(mut self, timeout: Duration) -> Self {
        self.statement_timeout = timeout;
        self
    }

    /// Returns at most this many rows (and says the result was cut).
    /// Default: 200.
    pub fn with_row_cap(mut self, rows: usize) -> Self {
        self.row_cap = rows.max(1);
        self
    }

    /// Runs queries as `role` (`SET LOCAL ROLE`) instead of [`QA_ROLE`]; it
    /// should only be allowed to read the Q&A views (see [`QA_ROLE`] for the
    /// grants). The login role must be a member of it, and it must own
    /// `attendance.qa_execute(text)`, which the query runs in with its
    /// owner's rights ([`check_role`](Self::check_role) says so).
    pub fn with_role(mut self, role: &str) -> Result<Self, Error> {
        let valid = !role.is_empty()
            && role.len() <= 63
            && role.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
            && role
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !valid {
            return Err(Error::Config(format!(
                "{role:?} is not a plain lower-case role name"
            )));
        }
        self.role = Some(role.to_owned());
        Ok(self)
    }

    /// Runs `sql` with the guard bypassed, under every other protection of
    /// this runner, so tests can show those protections hold on their own.
    /// Test-only: see the [module docs](self) for how it is kept out of
    /// reach.
    #[cfg(feature = "unguarded-sql-for-tests")]
    pub async fn run_unguarded(
        &self,
        sql: &str,
        context: &QueryContext,
    ) -> Result<QueryRows, QueryError> {
        self.execute(sql, context).await
    }

    /// Runs `sql` under every protection of this runner. `sql` is guarded,
    /// or a test's own through [`run_unguarded`](Self::run_unguarded).
    async fn execute(&self, sql: &str, context: &QueryContext) -> Result<QueryRows, QueryError> {
        let mut held = self.conns.hold().await.map_err(classify)?;
        let result = self.execute_on(held.conn(), sql, context).await;
        held.finish(result.is_ok());
        result
    }

    /// `SET LOCAL ROLE` to the Q&A role, when the runner has one.
    async fn switch_role(&self, conn: &mut PgConnection) -> Result<(), QueryError> {
        if let Some(role) = &self.role {
            sqlx::query("SELECT set_config('role', $1, true)")
                .bind(role)
                .execute(conn)
                .await
                .map_err(classify)?;
        }
        Ok(())
    }

    /// On Citus the query runs on the worker holding the tenant, where
    /// `set_config` on the coordinator does not reach: it would read
    /// `now()` and dates in the worker's timezone and run with its
    /// statement timeout and JIT. `SET LOCAL` does reach it once
    /// `citus.propagate_set_commands` says so: the coordinator sends it to
    /// the transaction's worker connections, open or opened later. One
    /// statement each, because Citus forwards the whole text it was sent.
    /// The worker's session is the Q&A role's, which may not set
    /// `temp_file_limit`: migration `0019_qa_citus_limits.sql` makes
    /// [`TEMP_FILE_LIMIT`] a setting of the role instead.
    async fn pin_on_the_worker(
        &self,
        conn: &mut PgConnection,
        context: &QueryContext,
    ) -> Result<(), QueryError> {
        let timezone = context.timezone.name().replace('\'', "''");
        let pins = [
            "SET LOCAL citus.propagate_set_commands = 'local'".to_owned(),
            format!(
                "SET LOCAL statement_timeout = {}",
                self.statement_timeout.as_millis()
            ),
            "SET LOCAL jit = off".to_owned(),
            format!("SET LOCAL timezone = '{timezone}'"),
            "SET LOCAL datestyle = 'ISO, MDY'".to_owned(),
            "SET LOCAL intervalstyle = 'postgres'".to_owned(),
            format!("SET LOCAL work_mem = '{WORK_MEM}'"),
        ];
        for pin in pins {
            sqlx::raw_sql(AssertSqlSafe(pin))
                .execute(&mut *conn)
                .await
                .map_err(classify)?;
        }
        Ok(())
    }

    async fn execute_on(
        &self,
        conn: &mut PgConnection,
        sql: &str,
        context: &QueryContext,
    ) -> Result<QueryRows, QueryError> {
        // Read-write only long enough to write the scope (see
        // `scope_statement`); the next statement makes it read only, and
        // PostgreSQL refuses to make it read-write again once it has run a
        // query, so nothing the model writes can.
        let mut tx = conn.begin().await.map_err(classify)?;
        // The tenant's schema first: the scope, the views and `qa_execute`
        // are named unqualified, so that they are the tenant's. Only a
        // superuser may set `temp_file_limit`, so it is set while the login
        // role is still the current one.
        let (_, _, citus): (String, Option<String>, bool) = sqlx::query_as(
            "SELECT set_config('search_path', $1, true), \
                    CASE WHEN (SELECT rolsuper FROM pg_catalog.pg_roles \
                               WHERE rolname = current_user) \
                         THEN set_config('temp_file_limit', $2, true) END, \
                    EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname = 'citus')",
        )
        .bind(self.tenant.schema())
        .bind(TEMP_FILE_LIMIT)
        .fetch_one(&mut *tx)
        .await
        .map_err(classify)?;
        // On Citus the role comes first: a worker refuses a transaction in
        // which two roles touched the scope's placement (migration
        // `0018_qa_citus.sql` lets the role write its scope there).
        if citus {
            self.switch_role(&mut tx).await?;
        }
        scope_statement(&context.scope)
            .execute(&mut *tx)
            .await
            .map_err(classify)?;
        // Besides the limits, every setting that changes how the statement's
        // text is read is pinned to what the guard assumed, so a database or
        // role configured otherwise cannot make the two read different
        // statements: string escapes, `= NULL`, `NULL` in array literals,
        // and the input of dates and intervals. JIT is off: the views'
        // plans are large, and compiling one costs more than most queries
        // take to run (docs/PERFORMANCE.md).
        sqlx::query(
            "SELECT set_config('transaction_read_only', 'on', true), \
                    set_config('statement_timeout', $1, true), \
                    set_config('jit', 'off', true), \
                    set_config('timezone', $2, true), \
                    set_config('standard_conforming_strings', 'on', true), \
                    set_config('backslash_quote', 'safe_encoding', true), \
                    set_config('transform_null_equals', 'off', true), \
                    set_config('array_nulls', 'on', true), \
                    set_config('datestyle', 'ISO, MDY', true), \
                    set_config('intervalstyle', 'postgres', true), \
                    set_config('work_mem', $3, true)",
        )
        .bind(format!("{}ms", self.statement_timeout.as_millis()))
        .bind(context.timezone.name())
        .bind(WORK_MEM)
        .execute(&mut *tx)
        .await
        .map_err(classify)?;
        if citus {
            self.pin_on_the_worker(&mut tx, context).await?;
        } else {
            self.switch_role(&mut tx).await?;
        }
        // The newline keeps a trailing `--` comment from swallowing the
        // closing parenthesis. The server cuts each row to one character
        // past the byte budget and sends no row once the rows before it
        // have spent it, so a result of any size costs this process at most
        // the budget and one row of it (four bytes a character).
        let cap = self.max_result_bytes;
        let wrapped = format!(
            "SELECT t FROM (SELECT t, coalesce(sum(octet_length(t)) OVER \
             (ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS before \
             FROM (SELECT left(row_to_json(q)::text, {}) AS t FROM ({sql}\n) AS q LIMIT {}) \
             AS r) AS s WHERE before <= {cap}",
            cap + 1,
            self.row_cap + 1
        );
        // As a role, inside `attendance.qa_execute`, which it cannot leave
        // (see the type's docs); the text is a parameter. As the login role
        // there is no role to leave, so the query runs as it is.
        let texts: Vec<String> = match self.role {
            Some(_) => sqlx::query_scalar("SELECT t FROM qa_execute($1) AS t")
                .bind(wrapped)
                .fetch_all(&mut *tx)
                .await
                .map_err(classify)?,
            None => sqlx::query_scalar(AssertSqlSafe(wrapped))
                .persistent(false)
                .fetch_all(&mut *tx)
                .await
                .map_err(classify)?,
        };
        if texts.iter().map(String::len).sum::<usize>() > cap {
            tx.rollback().await.ok();
            return Err(QueryError::TooLarge { limit_bytes: cap });
        }
        let truncated = texts.len() > self.row_cap;
        let mut columns = Vec::new();
        let mut rows = Vec::with_capacity(texts.len().min(self.row_cap));
        for text in texts.iter().take(self.row_cap) {
            let OrderedRow(pairs) =
                serde_json::from_str(text).map_err(|e| QueryError::Rejected {
                    message: format!("a row could not be read: {e}"),
                })?;
            if columns.is_empty() {
                columns = pairs.iter().map(|(k, _)| k.clone()).collect();
            }
            let max = self.max_value_chars;
            rows.push(pairs.into_iter().map(|(_, v)| cap_value(v, max)).collect());
        }
        if texts.is_empty() {
            let described = (&mut *tx)
                .describe(AssertSqlSafe(sql.to_owned()).into_sql_str())
                .await
                .map_err(classify)?;
            columns = described
                .columns()
                .iter()
                .map(|c| c.name().to_owned())
                .collect();
        }
        tx.rollback().await.ok();
        Ok(QueryRows {
            columns,
            rows,
            truncated,
        })
    }
}

#[async_trait]
impl SqlRunner for PgSqlRunner {
    async fn run(&self, sql: &GuardedSql, context: &QueryContext) -> Result<QueryRows, QueryError> {
        self.execute(sql.as_str(), context).await
    }
}

/// The statement that writes `scope` for the current transaction into
/// `attendance.qa_scope` (migration `0006_qa_scope.sql`), which the Q&A
/// views filter on. It runs as the login role, before the transaction is
/// made read only and before the switch to the Q&A role, which has no
/// privilege on that table; the row is never committed. The view filter,
/// not a role, does the hiding, so the scope holds also when the model's
/// query runs as the login role itself.
fn scope_statement(
    scope: &Scope,
) -> sqlx::query::Query<'static, sqlx::Postgres, sqlx::postgres::PgArguments> {
    let (all, employee, teams) = match scope {
        Scope::All => (true, None, Vec::new()),
        Scope::Member { employee, teams } => {
            (false, Some(employee.0), teams.iter().map(|t| t.0).collect())
        }
    };
    sqlx::query(
        "INSERT INTO qa_scope (xact, all_rows, employee_id, team_ids) \
         VALUES (pg_catalog.pg_current_xact_id(), $1, $2, $3)",
    )
    .bind(all)
    .bind(employee)
    .bind(teams)
}

/// `value` cut to `max` characters (see [`PgSqlRunner::with_max_value_chars`]).
fn cap_value(value: Value, max: usize) -> Value {
    let cut = |text: &str| {
        let mut short: String = text.chars().take(max).collect();
        short.push('…');
        Value::String(short)
    };
    match value {
        Value::String(text) if text.chars().nth(max).is_some() => cut(&text),
        Value::Array(_) | Value::Object(_) => {
            let text = value.to_string();
            if text.chars().nth(max).is_some() {
                cut(&text)
            } else {
                value
            }
        }
        other => other,
    }
}

fn classify(err: sqlx::Error) -> QueryError {
    match db_code(&err) {
        Some((code, _)) if code == "57014" => QueryError::Timeout,
        Some((code, _))
            if code.starts_with("08")
                || code == sqlstate::ADMIN_SHUTDOWN
                || code == sqlstate::CRASH_SHUTDOWN
                || code == sqlstate::CANNOT_CONNECT_NOW
                || code == sqlstate::TOO_MANY_CONNECTIONS =>
        {
            QueryError::Unavailable {
                source: Box::new(err),
            }
        }
        Some(_) => match err {
            sqlx::Error::Database(db) => QueryError::Rejected {
                message: db.message().to_owned(),
            },
            other => QueryError::Rejected {
                message: other.to_string(),
            },
        },
        None => match err {
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::WorkerCrashed => QueryError::Unavailable {
                source: Box::new(err),
            },
            other => QueryError::Rejected {
                message: other.to_string(),
            },
        },
    }
}

/// A JSON object read with its keys in order (and duplicates kept), so
/// columns come back in the order the query named them.
struct OrderedRow(Vec<(String, Value)>);

impl<'de> Deserialize<'de> for OrderedRow {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Pairs;

        impl<'de> Visitor<'de> for Pairs {
            type Value = OrderedRow;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<OrderedRow, A::Error> {
                let mut pairs = Vec::new();
                while let Some(pair) = map.next_entry::<String, Value>()? {
                    pairs.push(pair);
                }
                Ok(OrderedRow(pairs))
            }
        }

        deserializer.deserialize_map(Pairs)
    }
}

#[cfg(test)]
mod tests;
