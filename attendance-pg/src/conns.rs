//! The store's own connections: a last-in-first-out stack of open
//! connections, used for every statement the store sends.
//!
//! Why not sqlx's pool: in sqlx 0.9 every connection handed back to a
//! `PgPool` is pinged (a `Sync` message and its `ReadyForQuery` answer)
//! before another task may take it, and by default pinged again when taken.
//! For the store's one-statement operations that doubled the messages per
//! statement; on a clock-in + clock-out cycle at 8 clients it cost about a
//! fifth of the throughput against the same statements on a connection held
//! directly (see the README's Performance section). This stack hands a
//! connection back without a round trip and pings only one that has been
//! idle for [`crate::PgConfig::ping_after_idle`].
//!
//! What the pings protected against is handled here instead:
//! - a connection whose operation did not finish (an I/O error, a future
//!   dropped mid-statement) is closed, never reused; after a database error
//!   (a constraint violation, say) the server has answered in full, so the
//!   connection goes back on the stack;
//! - a connection that died while idle fails its ping and is replaced;
//! - connections are retired after [`MAX_LIFETIME`].
//!
//! The stack is LIFO so that under light load the same few connections stay
//! warm (caches, prepared statements) and the rest age out.

use std::fmt;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{ConnectOptions, Connection};
use tokio::sync::{Semaphore, SemaphorePermit};

/// Connections older than this are closed when handed back (as sqlx's pool
/// does by default), so the server can free what a session accumulates.
pub(crate) const MAX_LIFETIME: Duration = Duration::from_secs(30 * 60);

struct Idle {
    conn: PgConnection,
    since: Instant,
    born: Instant,
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
struct Lease<'a> {
    conn: PgConnection,
    born: Instant,
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

    /// Opens connections until `n` (at most the maximum) are idle.
    pub(crate) async fn warm_up(&self, n: u32) -> Result<(), sqlx::Error> {
        let mut opened = Vec::new();
        for _ in 0..n.min(self.max) {
            opened.push(self.acquire().await?);
        }
        for lease in opened {
            lease.release();
        }
        Ok(())
    }

    async fn acquire(&self) -> Result<Lease<'_>, sqlx::Error> {
        let permit = tokio::time::timeout(self.acquire_timeout, self.permits.acquire())
            .await
            .map_err(|_| sqlx::Error::PoolTimedOut)?
            .map_err(|_| sqlx::Error::PoolClosed)?;
        loop {
            let idle = self
                .idle
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .pop();
            let Some(mut idle) = idle else {
                // Bounded like the wait for a permit: a server that accepts
                // the TCP connection but never answers must not hang a call.
                let conn = tokio::time::timeout(self.acquire_timeout, self.options.connect())
                    .await
                    .map_err(|_| sqlx::Error::PoolTimedOut)??;
                return Ok(Lease {
                    conn,
                    born: Instant::now(),
                    owner: self,
                    _permit: permit,
                });
            };
            if idle.since.elapsed() >= self.ping_after_idle && idle.conn.ping().await.is_err() {
                // Died while idle: drop it (closing the socket) and try the next.
                continue;
            }
            return Ok(Lease {
                conn: idle.conn,
                born: idle.born,
                owner: self,
                _permit: permit,
            });
        }
    }

    /// Runs `op` on a connection from the stack and hands the connection back
    /// if the server answered in full (success or a database error).
    pub(crate) async fn run<T>(
        &self,
        op: impl AsyncFnOnce(&mut PgConnection) -> Result<T, sqlx::Error>,
    ) -> Result<T, sqlx::Error> {
        let mut lease = self.acquire().await?;
        let result = op(&mut lease.conn).await;
        if matches!(result, Ok(_) | Err(sqlx::Error::Database(_))) {
            lease.release();
        }
        result
    }
}
