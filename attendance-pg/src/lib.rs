//! PostgreSQL store for the `attendance` library.
//!
//! [`PgStore`] implements every store trait of [`attendance_core`] with
//! sqlx: one round trip for a clock-in or clock-out in the common case,
//! invariants enforced by the schema (one open session per employee through
//! a partial unique index, no overlapping sessions through an exclusion
//! constraint), and trends aggregated in SQL.
//!
//! Migrations are embedded and kept in the schema `attendance`, tracking
//! table included, so they never collide with the host's own migrations.
//!
//! ```no_run
//! use std::sync::Arc;
//! use attendance_core::service::AttendanceService;
//! use attendance_pg::{PgConfig, PgStore};
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let store = PgStore::connect(&PgConfig::new("postgres://postgres@localhost/app")).await?;
//! store.migrate().await?;
//! let service = AttendanceService::new(Arc::new(store));
//! # Ok(()) }
//! ```
//!
//! # Transient failures
//! Reads are retried with exponential backoff and jitter on serialization
//! failures, deadlocks, pool time-outs and lost connections. Writes are
//! retried only when the statement certainly did not take effect
//! (serialization failure, deadlock, pool time-out, connection refused); a
//! connection lost mid-write surfaces as [`attendance_core::Error::Unavailable`],
//! and a retry by the caller is safe because the schema refuses a duplicate
//! open session.

mod analytics;
mod audit;
#[cfg(test)]
mod bench_sql;
#[macro_use]
mod close;
mod conns;
mod employees;
mod error;
mod idempotency;
pub mod import;
mod ledger;
mod listing;
mod migrate;
pub mod qa;
mod retry;
mod store;
mod tenant;
mod tenants;
mod timesheet;
mod tokens;
mod worktime;
mod writes;

#[cfg(test)]
mod test_db;

use std::sync::Arc;
use std::time::Duration;

use sqlx::Connection;
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};

pub use error::Error;
pub use import::{Imported, Importer, Strategy};
pub use qa::PgSqlRunner;
pub use tenant::{DEFAULT_TENANT, InvalidTenantName, MAX_TENANT_NAME_CHARS, Tenant};
pub use tenants::TenantError;
pub use tokens::PgTokenStore;

use conns::TenantConns;

/// The schema that holds every object of this library.
pub const SCHEMA: &str = "attendance";

/// The embedded migrations, as written for the default tenant. Use
/// [`PgStore::migrate`] or [`migrate`], which apply them (rewritten for the
/// store's tenant) with the tracking table in the tenant's schema.
pub static MIGRATIONS: Migrator = sqlx::migrate!();

/// Applies the embedded migrations to the default tenant through `pool`,
/// keeping the tracking table in `attendance._sqlx_migrations`. Safe to
/// call from several processes at once (an advisory lock serialises them).
pub async fn migrate(pool: &PgPool) -> Result<(), Error> {
    let mut conn = pool.acquire().await.map_err(Error::Connect)?;
    migrate::run(&mut conn, &Tenant::default(), &MIGRATIONS)
        .await
        .map_err(Error::Migrate)
}

/// The store's own connections run without JIT compilation. Its
/// statements are short, and the few that the planner costs high (the
/// company's ledger over 10,000 employees) spent longer compiling than
/// executing: measured in `docs/PERFORMANCE.md`. The host's pool keeps the
/// server's setting.
fn without_jit(options: PgConnectOptions) -> PgConnectOptions {
    options.options([("jit", "off")])
}

/// See [`PgConfig::ping_after_idle`].
const DEFAULT_PING_AFTER_IDLE: Duration = Duration::from_secs(10);

/// Connection settings; every default is documented on its setter.
#[derive(Clone)]
pub struct PgConfig {
    url: String,
    max_connections: u32,
    min_connections: u32,
    acquire_timeout: Duration,
    statement_timeout: Option<Duration>,
    max_retries: usize,
    ping_after_idle: Duration,
}

impl std::fmt::Debug for PgConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may hold a password.
        f.debug_struct("PgConfig")
            .field("url", &"***")
            .field("max_connections", &self.max_connections)
            .field("min_connections", &self.min_connections)
            .field("acquire_timeout", &self.acquire_timeout)
            .field("statement_timeout", &self.statement_timeout)
            .field("max_retries", &self.max_retries)
            .field("ping_after_idle", &self.ping_after_idle)
            .finish()
    }
}

impl PgConfig {
    /// Settings for the database at `url` (`postgres://user:pass@host/db`).
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            max_connections: 16,
            min_connections: 0,
            acquire_timeout: Duration::from_secs(5),
            statement_timeout: Some(Duration::from_secs(30)),
            max_retries: 3,
            ping_after_idle: DEFAULT_PING_AFTER_IDLE,
        }
    }

    /// Connections the store opens at most, for everything it does: its
    /// statements, bulk imports, migrations and the Q&A runner of
    /// [`PgSqlRunner::for_store`]. The pool behind [`PgStore::pool`] is
    /// the host's, opened only when the host uses it, with the same
    /// maximum. Default: 16.
    pub fn max_connections(mut self, n: u32) -> Self {
        self.max_connections = n;
        self
    }

    /// Connections the store opens at once and keeps when idle. Default: 0
    /// (one is opened at connect time all the same, to check the database
    /// answers).
    pub fn min_connections(mut self, n: u32) -> Self {
        self.min_connections = n;
        self
    }

    /// How long a call waits for a free connection before failing with
    /// [`attendance_core::Error::Unavailable`]. Default: 5 s.
    pub fn acquire_timeout(mut self, timeout: Duration) -> Self {
        self.acquire_timeout = timeout;
        self
    }

    /// `statement_timeout` set on every connection; `None` keeps the
    /// server's. Default: 30 s.
    pub fn statement_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.statement_timeout = timeout;
        self
    }

    /// Retries after a transient failure. Default: 3.
    pub fn max_retries(mut self, n: usize) -> Self {
        self.max_retries = n;
        self
    }

    /// A pooled connection idle for at least this long is pinged before it
    /// is handed out, so one that died while idle (server restart, a
    /// firewall's idle timeout) is replaced instead of failing a call.
    /// Connections in steady use are not pinged: sqlx's default pings on
    /// *every* acquire, one extra round trip per statement (measured in
    /// `docs/PERFORMANCE.md`, "One round trip per statement").
    /// `Duration::ZERO` pings every time. Default: 10 s.
    pub fn ping_after_idle(mut self, idle: Duration) -> Self {
        self.ping_after_idle = idle;
        self
    }
}

/// The PostgreSQL store. Cheap to clone.
///
/// Everything the store does runs on one stack of connections it keeps
/// itself, at most [`PgConfig::max_connections`] (see `conns.rs` for why
/// not on sqlx's pool); [`PgStore::pool`] is a sqlx pool to the same
/// database for the host's own queries, which the store never uses.
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
    conns: TenantConns,
    retry: retry::Policy,
    import_strategy: Strategy,
}

impl PgStore {
    /// Opens a pool with `config`; fails when the database is unreachable.
    pub async fn connect(config: &PgConfig) -> Result<Self, Error> {
        let mut options: PgConnectOptions = config
            .url
            .parse()
            .map_err(|_| Error::Config("DATABASE_URL is not a valid postgres:// URL".into()))?;
        options = options.application_name("attendance");
        if let Some(timeout) = config.statement_timeout {
            options = options.options([("statement_timeout", timeout.as_millis().to_string())]);
        }
        let ping_after_idle = config.ping_after_idle;
        let conns = conns::Connections::new(
            without_jit(options.clone()),
            config.max_connections,
            config.acquire_timeout,
            ping_after_idle,
        );
        let tenant = Tenant::default();
        conns
            .warm_up(&tenant, config.min_connections.max(1))
            .await
            .map_err(Error::Connect)?;
        // sqlx's default pings a connection on every acquire, a round trip
        // per statement; ping only those idle for a while.
        let pool = PgPoolOptions::new()
            .max_connections(config.max_connections)
            .acquire_timeout(config.acquire_timeout)
            .test_before_acquire(false)
            .before_acquire(move |conn, meta| {
                Box::pin(async move {
                    if meta.idle_for >= ping_after_idle {
                        conn.ping().await?;
                    }
                    Ok(true)
                })
            })
            .connect_lazy_with(options);
        Ok(Self {
            pool,
            conns: TenantConns::new(Arc::new(conns), tenant),
            retry: retry::Policy::new(config.max_retries),
            import_strategy: Strategy::default(),
        })
    }

    /// A store over an existing pool (the host's own), with default retries.
    /// The store runs on connections it opens with the pool's connect
    /// options, as many as the pool's maximum, and leaves the pool to the
    /// host.
    pub fn from_pool(pool: PgPool) -> Self {
        let options = pool.options();
        let conns = conns::Connections::new(
            without_jit((*pool.connect_options()).clone()),
            options.get_max_connections(),
            options.get_acquire_timeout(),
            DEFAULT_PING_AFTER_IDLE,
        );
        Self {
            pool,
            conns: TenantConns::new(Arc::new(conns), Tenant::default()),
            retry: retry::Policy::new(3),
            import_strategy: Strategy::default(),
        }
    }

    /// Applies the embedded migrations to the store's tenant (see
    /// [`migrate`]) on one of the store's connections, creating its schema
    /// when missing.
    pub async fn migrate(&self) -> Result<(), Error> {
        let mut held = self.conns.hold().await.map_err(Error::Connect)?;
        let result = migrate::run(held.conn(), self.conns.tenant(), &MIGRATIONS).await;
        held.finish(result.is_ok());
        result.map_err(Error::Migrate)
    }

    /// This store for `tenant`: the same connections (and their one bound),
    /// every statement on `tenant`'s schema. The tenant must exist
    /// ([`PgStore::create_tenant`]); a store of one that does not fails
    /// each call with a clear error, and creates nothing.
    pub fn for_tenant(&self, tenant: Tenant) -> Self {
        Self {
            pool: self.pool.clone(),
            conns: self.conns.for_tenant(tenant),
            retry: self.retry,
            import_strategy: self.import_strategy,
        }
    }

    /// The tenant this store serves.
    pub fn tenant(&self) -> &Tenant {
        self.conns.tenant()
    }

    /// A pool to the store's database for the host's own queries and
    /// health checks, opened lazily; the store never uses it, so its
    /// connections are the host's and not within the store's bound.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}
