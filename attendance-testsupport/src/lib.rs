//! Test databases: one fresh database per test, dropped afterwards.
//!
//! The server comes from `DATABASE_URL` (a role allowed to `CREATE
//! DATABASE`), or, when it is unset and a Docker engine answers, from a
//! PostgreSQL container started by testcontainers. With neither, tests fail
//! with a message saying how to provide one; they never skip.
#![allow(dead_code, unreachable_pub)]
// Test support: failing loudly with a message is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::future::Future;
use std::sync::atomic::{AtomicU32, Ordering};

use attendance_pg::{PgConfig, PgStore};
use sqlx::postgres::PgConnectOptions;
use sqlx::{AssertSqlSafe, ConnectOptions, Connection, PgConnection};
use tokio::sync::OnceCell;

const HOW_TO: &str = "The attendance-pg tests need PostgreSQL. Either set \
DATABASE_URL to a server and role that may CREATE DATABASE (for example \
DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres, which .ci/run \
exports), or leave it unset and start a Docker engine so testcontainers can \
run postgres:16-alpine.";

/// The admin URL of the server, resolved once per test binary.
async fn server_url() -> String {
    static URL: OnceCell<String> = OnceCell::const_new();
    URL.get_or_init(|| async {
        if let Ok(url) = std::env::var("DATABASE_URL") {
            return url;
        }
        container_url().await
    })
    .await
    .clone()
}

/// Starts a PostgreSQL container; it lives as long as the test binary.
async fn container_url() -> String {
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
    format!("postgres://postgres@127.0.0.1:{port}/postgres")
}

async fn admin_connection(url: &str) -> PgConnection {
    let options: PgConnectOptions = url
        .parse()
        .unwrap_or_else(|e| panic!("DATABASE_URL is not a postgres URL ({e}). {HOW_TO}"));
    options
        .connect()
        .await
        .unwrap_or_else(|e| panic!("cannot connect to PostgreSQL at DATABASE_URL ({e}). {HOW_TO}"))
}

/// A fresh, migrated database. Call [`TestDb::drop_db`] when done, or use
/// [`with_store`], which does.
pub struct TestDb {
    pub name: String,
    pub url: String,
    admin_url: String,
}

impl TestDb {
    pub async fn create() -> Self {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let admin_url = server_url().await;
        let name = format!(
            "attendance_test_{}_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.subsec_nanos())
                .unwrap_or(0)
        );
        let mut admin = admin_connection(&admin_url).await;
        // `name` is made above from digits and letters only.
        sqlx::query(AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut admin)
            .await
            .unwrap_or_else(|e| panic!("cannot create a test database ({e}). {HOW_TO}"));
        admin.close().await.ok();
        let mut url: url_lite::Url = url_lite::Url::parse(&admin_url);
        url.set_database(&name);
        Self {
            name,
            url: url.to_string(),
            admin_url,
        }
    }

    /// A migrated store over this database.
    pub async fn store(&self) -> PgStore {
        let store = PgStore::connect(&PgConfig::new(&self.url).max_connections(8))
            .await
            .expect("connect to the test database");
        store.migrate().await.expect("migrate the test database");
        store
    }

    pub async fn drop_db(self) {
        let mut admin = admin_connection(&self.admin_url).await;
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
    if let Err(e) = outcome {
        if e.is_panic() {
            std::panic::resume_unwind(e.into_panic());
        }
        panic!("test task failed: {e}");
    }
}

/// Minimal URL surgery: swap the database path of a postgres URL.
mod url_lite {
    pub struct Url {
        base: String,
        query: String,
    }

    impl Url {
        pub fn parse(url: &str) -> Self {
            let (without_query, query) = match url.split_once('?') {
                Some((a, q)) => (a, format!("?{q}")),
                None => (url, String::new()),
            };
            let scheme_end = without_query.find("://").map_or(0, |i| i + 3);
            let base = match without_query[scheme_end..].find('/') {
                Some(slash) => without_query[..scheme_end + slash].to_owned(),
                None => without_query.to_owned(),
            };
            Self { base, query }
        }

        pub fn set_database(&mut self, name: &str) {
            self.base = format!("{}/{}", self.base, name);
        }
    }

    impl std::fmt::Display for Url {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "{}{}", self.base, self.query)
        }
    }
}
