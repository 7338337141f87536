//! Test databases for the attendance crates: one fresh database per test,
//! dropped afterwards; [`browser`], a WebDriver client for headless
//! Chromium that the browser tests and the web-views bench share; and
//! [`played`] (feature `played`), replies of a played OpenAI-compatible
//! model.
//!
//! The server comes from `DATABASE_URL` (a role allowed to `CREATE
//! DATABASE`), or, when it is unset and a Docker engine answers, from a
//! PostgreSQL container started by testcontainers. With neither, tests fail
//! with a message saying how to provide one; they never skip.
//!
//! ```no_run
//! # async fn demo() {
//! attendance_testsupport::with_store(|store| async move {
//!     store.migrate().await.unwrap();
//! })
//! .await;
//! # }
//! ```
//!
//! # Tenant mode (and Citus)
//!
//! With `ATTENDANCE_TEST_TENANT=1`, a test gets a fresh *tenant* instead of
//! a fresh database: [`TestDb::create`] creates no database, and
//! [`TestDb::store`] connects to `DATABASE_URL`'s database as it is,
//! migrates the default tenant, creates a tenant with a name unique to the
//! test ([`PgStore::create_tenant`]) and returns the store for it;
//! [`TestDb::drop_db`] drops the tenant. This is how the kit runs on a Citus
//! coordinator, where every tenant is a distributed schema and databases
//! are not created per test:
//!
//! ```text
//! DATABASE_URL=postgres://postgres@127.0.0.1:5440/postgres ATTENDANCE_TEST_TENANT=1 \
//!     cargo test -p attendance-pg --all-features --test conformance
//! ```
//!
//! The store's own statements all follow its tenant. A test that sends its
//! own SQL naming `attendance.` objects, or changes the database itself
//! (`ALTER DATABASE`, roles), reaches the shared database's default tenant
//! instead, and does not belong in this mode.
// Test support: failing loudly with a message is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod browser;
pub mod citus;
#[cfg(feature = "played")]
pub mod played;
pub mod tenant_sql;

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use attendance_pg::{PgConfig, PgStore, TenantError};
use sqlx::postgres::PgConnectOptions;
use sqlx::{AssertSqlSafe, ConnectOptions, Connection, PgConnection};
use tokio::sync::OnceCell;

const HOW_TO: &str = "The attendance-pg tests need PostgreSQL. Either set \
DATABASE_URL to a server and role that may CREATE DATABASE (for example \
DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres, which .ci/run \
exports), or leave it unset and start a Docker engine so testcontainers can \
run postgres:16-alpine.";

/// How to reach the server as a role that may create databases, resolved
/// once per test binary.
async fn server() -> PgConnectOptions {
    static SERVER: OnceCell<PgConnectOptions> = OnceCell::const_new();
    SERVER
        .get_or_init(|| async {
            match std::env::var("DATABASE_URL") {
                Ok(url) => url.parse().unwrap_or_else(|e| {
                    panic!("DATABASE_URL is not a postgres URL ({e}). {HOW_TO}")
                }),
                Err(_) => container().await,
            }
        })
        .await
        .clone()
}

/// Starts a PostgreSQL container; it lives as long as the test binary.
async fn container() -> PgConnectOptions {
    use testcontainers::core::{IntoContainerPort, WaitFor};
    use testcontainers::runners::AsyncRunner;
    use testcontainers::{ContainerAsync, GenericImage, ImageExt};

    static CONTAINER: OnceCell<ContainerAsync<GenericImage>> = OnceCell::const_new();
    let container = CONTAINER
        .get_or_try_init(|| async {
            GenericImage::new("postgres", "16-alpine")
                .with_exposed_port(5432.tcp())
                .with_wait_for(WaitFor::message_on_stderr(
                    "database system is ready to accept connections",
                ))
                .with_env_var("POSTGRES_HOST_AUTH_METHOD", "trust")
                .start()
                .await
        })
        .await
        .unwrap_or_else(|e| {
            panic!("DATABASE_URL is unset and Docker is unavailable ({e}). {HOW_TO}")
        });
    let port = container
        .get_host_port_ipv4(5432)
        .await
        .unwrap_or_else(|e| panic!("could not read the container's port ({e}). {HOW_TO}"));
    PgConnectOptions::new()
        .host("127.0.0.1")
        .port(port)
        .username("postgres")
        .database("postgres")
}

async fn admin_connection(server: &PgConnectOptions) -> PgConnection {
    server
        .connect()
        .await
        .unwrap_or_else(|e| panic!("cannot connect to PostgreSQL at DATABASE_URL ({e}). {HOW_TO}"))
}

/// Whether tests get a tenant each rather than a database each (see the
/// crate docs).
fn tenant_mode() -> bool {
    std::env::var("ATTENDANCE_TEST_TENANT").is_ok_and(|v| v == "1")
}

/// A fresh, empty database (in tenant mode, a tenant's name in the
/// database of `DATABASE_URL`). Call [`TestDb::drop_db`] when done, or use
/// [`with_db`] or [`with_store`], which do.
#[derive(Debug)]
pub struct TestDb {
    /// A name unique per test: the database's, or in tenant mode the
    /// tenant's (letters, digits and underscores).
    pub name: String,
    /// A URL for the database, for APIs that take one (`PgConfig`, a child
    /// process's environment). In tenant mode, `DATABASE_URL`'s database.
    pub url: String,
    options: PgConnectOptions,
    server: PgConnectOptions,
    tenant: bool,
}

impl TestDb {
    /// Creates a database on the server (in tenant mode, only picks the
    /// tenant's name: [`TestDb::store`] creates it); panics with
    /// instructions when no server answers.
    pub async fn create() -> Self {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let server = server().await;
        let unique = format!(
            "{}_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.subsec_nanos())
                .unwrap_or(0)
        );
        if tenant_mode() {
            return Self {
                name: format!("t{unique}"),
                url: server.to_url_lossy().to_string(),
                options: server.clone(),
                server,
                tenant: true,
            };
        }
        let name = format!("attendance_test_{unique}");
        let mut admin = admin_connection(&server).await;
        // `name` is made above from digits and letters only.
        sqlx::query(AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut admin)
            .await
            .unwrap_or_else(|e| panic!("cannot create a test database ({e}). {HOW_TO}"));
        admin.close().await.ok();
        let options = server.clone().database(&name);
        Self {
            name,
            url: options.to_url_lossy().to_string(),
            options,
            server,
            tenant: false,
        }
    }

    /// Connect options for this database.
    pub fn options(&self) -> PgConnectOptions {
        self.options.clone()
    }

    /// In tenant mode, the name of the test's tenant; otherwise `None`
    /// (the test has the default tenant of a database of its own).
    pub fn tenant(&self) -> Option<&str> {
        self.tenant.then_some(self.name.as_str())
    }

    /// A migrated store over this database; in tenant mode, over the
    /// test's tenant, created on the first call.
    pub async fn store(&self) -> PgStore {
        let store = PgStore::connect(&PgConfig::new(&self.url).max_connections(8))
            .await
            .expect("connect to the test database");
        store.migrate().await.expect("migrate the test database");
        let Some(name) = self.tenant() else {
            return store;
        };
        let tenant = match store.create_tenant(name).await {
            Ok(tenant) => tenant,
            Err(TenantError::Exists(_)) => store.find_tenant(name).await.expect("find the tenant"),
            Err(e) => panic!("cannot create the test tenant {name}: {e:?}"),
        };
        store.for_tenant(tenant)
    }

    /// Drops the database, closing any connection still open to it; in
    /// tenant mode, drops the tenant (if [`TestDb::store`] created it).
    pub async fn drop_db(&self) {
        if let Some(name) = self.tenant() {
            let store = PgStore::connect(&PgConfig::new(&self.url).max_connections(2))
                .await
                .expect("connect to the test database");
            match store.drop_tenant(name).await {
                Ok(()) | Err(TenantError::NotFound(_)) => {}
                Err(e) => panic!("cannot drop the test tenant {name}: {e:?}"),
            }
            store.pool().close().await;
            return;
        }
        let mut admin = admin_connection(&self.server).await;
        sqlx::query(AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        )))
        .execute(&mut admin)
        .await
        .expect("drop the test database");
        admin.close().await.ok();
    }
}

/// Runs `test` against a fresh database, then drops it, whether the test
/// passed or panicked.
pub async fn with_db<F, Fut>(test: F)
where
    F: FnOnce(Arc<TestDb>) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let db = Arc::new(TestDb::create().await);
    let outcome = tokio::spawn(test(Arc::clone(&db))).await;
    db.drop_db().await;
    resume(outcome);
}

/// Runs `test` against a fresh migrated store, then drops the database,
/// whether the test passed or panicked.
pub async fn with_store<F, Fut>(test: F)
where
    F: FnOnce(PgStore) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let db = TestDb::create().await;
    let store = db.store().await;
    let pool = store.pool().clone();
    let outcome = tokio::spawn(test(store)).await;
    pool.close().await;
    db.drop_db().await;
    resume(outcome);
}

/// Re-raises a test task's panic in the test itself.
fn resume(outcome: Result<(), tokio::task::JoinError>) {
    if let Err(e) = outcome {
        if e.is_panic() {
            std::panic::resume_unwind(e.into_panic());
        }
        panic!("test task failed: {e}");
    }
}
