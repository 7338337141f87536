//! The store's own connections: a last-in-first-out stack of open
//! connections, used for everything the store does: its statements, the
//! bulk importer, the migrations and the Q&A runner made with
//! [`PgSqlRunner::for_store`](crate::PgSqlRunner::for_store). One stack,
//! one bound: a store never has more than
//! [`PgConfig::max_connections`](crate::PgConfig::max_connections) backend
//! connections open (`tests/connections.rs` counts them in
//! `pg_stat_activity` under load). The sqlx pool behind
//! [`PgStore::pool`](crate::PgStore::pool) is the host's: the store never
//! uses it, so it opens nothing unless the host does.
//!
//! Why the stack and not sqlx's pool for everything, which would make one
//! bound too: in sqlx 0.9 every connection handed back to a `PgPool` is
//! pinged (a `Sync` message and its `ReadyForQuery` answer) before another
//! task may take it, whatever the pool's options, which doubles the
//! messages of the store's one-statement operations (what that costs is
//! measured in `docs/PERFORMANCE.md`). This stack hands a connection back
//! without a round trip and pings only one that has been idle for
//! [`crate::PgConfig::ping_after_idle`].
//!
//! Why not a maintained pool: deadpool's managed pool with a `recycle` that
//! pings only after idle was tried in its place and was slower at 8 clients
//! (fewer cycles per second, more CPU per cycle), so this stays. Figures and
//! commands: `docs/PERFORMANCE.md`, "One round trip per statement" and
//! "Connection pool: hand-written vs deadpool".
//!
//! What the pings protected against is handled here instead:
//! - a connection whose operation did not finish (an I/O error, a future
//!   dropped mid-statement, the server closing the session) is closed, never
//!   reused; after any other database error (a constraint violation, say)
//!   the server has answered in full, so the connection goes back on the
//!   stack;
//! - a connection that died while idle fails its ping and is replaced;
//! - connections are retired after [`MAX_LIFETIME`].
//!
//! The stack is LIFO so that under light load the same few connections stay
//! warm (caches, prepared statements) and the rest age out.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool};
use sqlx::{ConnectOptions, Connection, Postgres};
use tokio::sync::{Semaphore, SemaphorePermit};

use crate::error::is_connection_error;
use crate::tenant::Tenant;

/// Connections older than this are closed when handed back (as sqlx's pool
/// does by default), so the server can free what a session accumulates.
pub(crate) const MAX_LIFETIME: Duration = Duration::from_secs(30 * 60);

struct Idle {
    conn: PgConnection,
    since: Instant,
    born: Instant,
    /// The tenant whose `search_path` the connection has.
    tenant: Tenant,
}

/// A bounded stack of connections to one database.
pub(crate) struct Connections {
    options: PgConnectOptions,
    idle: Mutex<Vec<Idle>>,
    permits: Semaphore,
    max: u32,
    acquire_timeout: Duration,
    ping_after_idle: Duration,
}

impl fmt::Debug for Connections {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connections")
            .field("max", &self.max)
            .field("idle", &self.idle.lock().map(|i| i.len()).unwrap_or(0))
            .field("acquire_timeout", &self.acquire_timeout)
            .field("ping_after_idle", &self.ping_after_idle)
            .finish_non_exhaustive()
    }
}

/// A connection taken from the stack. Handed back by [`Lease::release`];
/// dropped otherwise, which closes it.
pub(crate) struct Lease<'a> {
    conn: PgConnection,
    born: Instant,
    tenant: Tenant,
    owner: &'a Connections,
    _permit: SemaphorePermit<'a>,
}

impl Lease<'_> {
    fn release(self) {
        if self.born.elapsed() < MAX_LIFETIME {
            self.owner
                .idle
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(Idle {
                    conn: self.conn,
                    since: Instant::now(),
                    born: self.born,
                    tenant: self.tenant,
                });
        }
    }
}

impl Connections {
    /// At most `max` connections with `options`; nothing is opened yet.
    pub(crate) fn new(
        options: PgConnectOptions,
        max: u32,
        acquire_timeout: Duration,
        ping_after_idle: Duration,
    ) -> Self {
        let max = max.max(1);
        Self {
            options,
            idle: Mutex::new(Vec::new()),
            permits: Semaphore::new(max as usize),
            max,
            acquire_timeout,
            ping_after_idle,
        }
    }

    /// Opens connections for `tenant` until `n` (at most the maximum) are
    /// idle.
    pub(crate) async fn warm_up(&self, tenant: &Tenant, n: u32) -> Result<(), sqlx::Error> {
        let mut opened = Vec::new();
        for _ in 0..n.min(self.max) {
            opened.push(self.acquire(tenant).await?);
        }
        for lease in opened {
            lease.release();
        }
        Ok(())
    }

    /// A connection whose `search_path` is `tenant`'s: the one place a
    /// statement of the store can get a connection, so none runs without
    /// its tenant. An idle connection already on the tenant is preferred
    /// (the most recently used first); another is switched with one `SET`;
    /// a new one is opened with the tenant's `search_path` as a start-up
    /// option, which costs nothing.
    async fn acquire(&self, tenant: &Tenant) -> Result<Lease<'_>, sqlx::Error> {
        let permit = tokio::time::timeout(self.acquire_timeout, self.permits.acquire())
            .await
            .map_err(|_| sqlx::Error::PoolTimedOut)?
            .map_err(|_| sqlx::Error::PoolClosed)?;
        loop {
            let idle = {
                let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
                match idle.iter().rposition(|i| i.tenant == *tenant) {
                    Some(at) => Some(idle.remove(at)),
                    None => idle.pop(),
                }
            };
            let Some(mut idle) = idle else {
                let options = self
                    .options
                    .clone()
                    .options([("search_path", tenant.search_path())]);
                // Bounded like the wait for a permit: a server that accepts
                // the TCP connection but never answers must not hang a call.
                let conn = tokio::time::timeout(self.acquire_timeout, options.connect())
                    .await
                    .map_err(|_| sqlx::Error::PoolTimedOut)??;
                return Ok(Lease {
                    conn,
                    born: Instant::now(),
                    tenant: tenant.clone(),
                    owner: self,
                    _permit: permit,
                });
            };
            if idle.tenant != *tenant {
                // The switch is a round trip too, so it doubles as the ping.
                let set = format!("SET search_path TO {}", tenant.search_path());
                match sqlx::raw_sql(sqlx::AssertSqlSafe(set))
                    .execute(&mut idle.conn)
                    .await
                {
                    Ok(_) => idle.tenant = tenant.clone(),
                    Err(e) if is_connection_error(&e) || !matches!(e, sqlx::Error::Database(_)) => {
                        continue;
                    }
                    Err(e) => return Err(e),
                }
            } else if idle.since.elapsed() >= self.ping_after_idle
                && idle.conn.ping().await.is_err()
            {
                // Died while idle: drop it (closing the socket) and try the next.
                continue;
            }
            return Ok(Lease {
                conn: idle.conn,
                born: idle.born,
                tenant: idle.tenant,
                owner: self,
                _permit: permit,
            });
        }
    }

    /// Runs `op` on a connection from the stack and hands the connection back
    /// if the server answered in full (success or a database error).
    pub(crate) async fn run<T>(
        &self,
        tenant: &Tenant,
        op: impl AsyncFnOnce(&mut PgConnection) -> Result<T, sqlx::Error>,
    ) -> Result<T, sqlx::Error> {
        let mut lease = self.acquire(tenant).await?;
        let result = op(&mut lease.conn).await;
        if answered_in_full(&result) {
            lease.release();
        }
        result
    }
}

impl Connections {
    /// A connection from the stack for the importer, the migrations and the
    /// Q&A runner, which hand it back with [`Held::finish`].
    pub(crate) async fn hold(&self, tenant: &Tenant) -> Result<Held<'_>, sqlx::Error> {
        Ok(Held::Stack(self.acquire(tenant).await?))
    }
}

/// The store's connections, bound to one tenant: what every part of a
/// [`PgStore`](crate::PgStore) runs its statements through. Cheap to clone;
/// all tenants share the one stack and its bound.
#[derive(Debug, Clone)]
pub(crate) struct TenantConns {
    stack: Arc<Connections>,
    tenant: Tenant,
}

impl TenantConns {
    pub(crate) fn new(stack: Arc<Connections>, tenant: Tenant) -> Self {
        Self { stack, tenant }
    }

    /// The same stack, bound to `tenant`.
    pub(crate) fn for_tenant(&self, tenant: Tenant) -> Self {
        Self::new(Arc::clone(&self.stack), tenant)
    }

    pub(crate) fn tenant(&self) -> &Tenant {
        &self.tenant
    }

    /// [`Connections::run`] on the tenant's `search_path`.
    pub(crate) async fn run<T>(
        &self,
        op: impl AsyncFnOnce(&mut PgConnection) -> Result<T, sqlx::Error>,
    ) -> Result<T, sqlx::Error> {
        self.stack.run(&self.tenant, op).await
    }

    /// [`Connections::hold`] on the tenant's `search_path`.
    pub(crate) async fn hold(&self) -> Result<Held<'_>, sqlx::Error> {
        self.stack.hold(&self.tenant).await
    }
}

/// Where a component that is not the store itself gets its connections:
/// the store's stack, or a pool its host handed it.
#[derive(Debug, Clone)]
pub(crate) enum Source {
    /// The store's stack, within the store's bound.
    Stack(TenantConns),
    /// A pool of the host's.
    Pool(PgPool),
}

impl Source {
    /// A connection from this source.
    pub(crate) async fn hold(&self) -> Result<Held<'_>, sqlx::Error> {
        match self {
            Self::Stack(conns) => conns.hold().await,
            Self::Pool(pool) => Ok(Held::Pool(pool.acquire().await?)),
        }
    }
}

/// A connection held by the importer, the migrations or the Q&A runner.
pub(crate) enum Held<'a> {
    /// From the store's stack.
    Stack(Lease<'a>),
    /// From a host's pool.
    Pool(PoolConnection<Postgres>),
}

impl Held<'_> {
    /// The connection.
    pub(crate) fn conn(&mut self) -> &mut PgConnection {
        match self {
            Self::Stack(lease) => &mut lease.conn,
            Self::Pool(conn) => conn,
        }
    }

    /// Hands the connection back when the work on it succeeded. After an
    /// error, which for these callers comes in their own types and may
    /// leave a transaction or a `COPY` behind, a stack connection is closed
    /// rather than guessed about (a pool's is pinged by sqlx as always).
    pub(crate) fn finish(self, succeeded: bool) {
        if let (Self::Stack(lease), true) = (self, succeeded) {
            lease.release();
        }
    }
}

/// Whether the server answered in full, leaving the connection ready for the
/// next statement: a success, or a database error other than the server's
/// notice that it is closing the session (`pg_terminate_backend`, a
/// shutdown), which arrives as a database error too.
fn answered_in_full<T>(result: &Result<T, sqlx::Error>) -> bool {
    match result {
        Ok(_) => true,
        Err(e @ sqlx::Error::Database(_)) => !is_connection_error(e),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_db::TestDb;

    async fn backend_pid(conns: &Connections) -> Result<i32, sqlx::Error> {
        conns
            .run(&Tenant::default(), async |c| {
                sqlx::query_scalar("SELECT pg_backend_pid()")
                    .fetch_one(c)
                    .await
            })
            .await
    }

    async fn terminate(db: &TestDb, pid: i32) {
        let mut admin = PgConnection::connect(&db.url).await.unwrap();
        let killed: bool = sqlx::query_scalar("SELECT pg_terminate_backend($1, 5000)")
            .bind(pid)
            .fetch_one(&mut admin)
            .await
            .unwrap();
        assert!(killed);
        admin.close().await.ok();
    }

    fn connections(db: &TestDb, max: u32, ping_after_idle: Duration) -> Connections {
        Connections::new(
            db.url.parse().unwrap(),
            max,
            Duration::from_millis(500),
            ping_after_idle,
        )
    }

    /// Runs `test` on a fresh database, dropped afterwards even if it panics.
    async fn with_db<F>(test: impl FnOnce(std::sync::Arc<TestDb>) -> F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        let db = std::sync::Arc::new(TestDb::create().await);
        let outcome = tokio::spawn(test(db.clone())).await;
        if let Ok(db) = std::sync::Arc::try_unwrap(db) {
            db.drop_db().await;
        }
        if let Err(e) = outcome {
            std::panic::resume_unwind(e.into_panic());
        }
    }

    #[tokio::test]
    async fn a_connection_in_steady_use_is_reused_without_a_new_one() {
        with_db(async |db| {
            let conns = connections(&db, 4, Duration::from_secs(60));
            let first = backend_pid(&conns).await.unwrap();
            for _ in 0..3 {
                assert_eq!(backend_pid(&conns).await.unwrap(), first);
            }
        })
        .await;
    }

    #[tokio::test]
    async fn a_database_error_hands_the_connection_back() {
        with_db(async |db| {
            let conns = connections(&db, 1, Duration::from_secs(60));
            let first = backend_pid(&conns).await.unwrap();
            let err = conns
                .run(&Tenant::default(), async |c| {
                    sqlx::query("SELECT 1 / 0").execute(c).await
                })
                .await
                .unwrap_err();
            assert!(matches!(err, sqlx::Error::Database(_)), "{err}");
            assert_eq!(backend_pid(&conns).await.unwrap(), first);
        })
        .await;
    }

    #[tokio::test]
    async fn a_connection_that_died_while_idle_is_replaced_after_a_ping() {
        with_db(async |db| {
            let conns = connections(&db, 1, Duration::ZERO);
            let first = backend_pid(&conns).await.unwrap();
            terminate(&db, first).await;
            let second = backend_pid(&conns).await.unwrap();
            assert_ne!(second, first);
        })
        .await;
    }

    #[tokio::test]
    async fn a_recently_used_connection_is_not_pinged_and_a_failed_one_is_closed() {
        with_db(async |db| {
            let conns = connections(&db, 1, Duration::from_secs(60));
            let first = backend_pid(&conns).await.unwrap();
            terminate(&db, first).await;
            // Not pinged: the statement meets the dead connection...
            let err = backend_pid(&conns).await.unwrap_err();
            assert!(is_connection_error(&err), "{err}");
            // ...which is closed rather than handed back.
            assert_ne!(backend_pid(&conns).await.unwrap(), first);
        })
        .await;
    }

    #[tokio::test]
    async fn a_cancelled_statement_closes_its_connection() {
        with_db(async |db| {
            let conns = connections(&db, 1, Duration::from_secs(60));
            let first = backend_pid(&conns).await.unwrap();
            let tenant = Tenant::default();
            let sleep = conns.run(&tenant, async |c| {
                sqlx::query("SELECT pg_sleep(10)").execute(c).await
            });
            assert!(
                tokio::time::timeout(Duration::from_millis(200), sleep)
                    .await
                    .is_err()
            );
            assert_ne!(backend_pid(&conns).await.unwrap(), first);
        })
        .await;
    }

    #[tokio::test]
    async fn waiting_for_a_busy_connection_times_out() {
        with_db(async |db| {
            let conns = connections(&db, 1, Duration::from_secs(60));
            let (held, hold) = tokio::sync::oneshot::channel::<()>();
            let (release, released) = tokio::sync::oneshot::channel::<()>();
            let tenant = Tenant::default();
            let busy = conns.run(&tenant, async |c| {
                sqlx::query("SELECT 1").execute(&mut *c).await?;
                held.send(()).ok();
                released.await.ok();
                Ok(())
            });
            let waiter = async {
                hold.await.unwrap();
                let err = backend_pid(&conns).await.unwrap_err();
                release.send(()).ok();
                err
            };
            let (done, err) = tokio::join!(busy, waiter);
            done.unwrap();
            assert!(matches!(err, sqlx::Error::PoolTimedOut), "{err}");
        })
        .await;
    }

    #[tokio::test]
    async fn warm_up_opens_connections_up_to_the_maximum() {
        with_db(async |db| {
            let conns = connections(&db, 2, Duration::from_secs(60));
            conns.warm_up(&Tenant::default(), 5).await.unwrap();
            let open: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM pg_stat_activity \
                 WHERE datname = current_database() AND pid <> pg_backend_pid()",
            )
            .fetch_one(&mut PgConnection::connect(&db.url).await.unwrap())
            .await
            .unwrap();
            assert_eq!(open, 2);
        })
        .await;
    }
}
