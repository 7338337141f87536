//! The databases the bench runs on: the single node's database, created
//! when missing, and one store per backend (plain PostgreSQL or a Citus
//! coordinator with its workers).

use std::str::FromStr;

use attendance::pg::{PgConfig, PgStore};
use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection};

use crate::BoxError;
use crate::monitor::{count_attendance, monitor_options};

/// One database the bench runs on, through one store.
pub(crate) struct Backend {
    pub(crate) label: &'static str,
    pub(crate) store: PgStore,
    /// The node the store talks to, for `pg_stat_activity`.
    pub(crate) node: PgConnectOptions,
    /// Citus workers (name, options); empty on plain PostgreSQL.
    pub(crate) workers: Vec<(String, PgConnectOptions)>,
    /// Sessions named `attendance` on the node before the store connected:
    /// someone else's, which the samples count too.
    pub(crate) others_before: i64,
}

/// Creates the single node's database when missing (its name is checked
/// to be a plain identifier: it is spliced into `CREATE DATABASE`).
pub(crate) async fn ensure_database(url: &str) -> Result<(), BoxError> {
    let options = PgConnectOptions::from_str(url)?;
    let Some(name) = options.get_database().map(str::to_owned) else {
        return Ok(());
    };
    if !name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        return Err(format!("database name {name:?}: use lower-case letters, digits, _").into());
    }
    let mut conn = options
        .clone()
        .database("postgres")
        .application_name("tenants_bench_monitor")
        .connect()
        .await?;
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT FROM pg_database WHERE datname = $1)")
            .bind(&name)
            .fetch_one(&mut conn)
            .await?;
    if !exists {
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut conn)
            .await?;
        println!("created database {name}");
    }
    conn.close().await?;
    Ok(())
}

pub(crate) async fn open_backend(
    label: &'static str,
    url: &str,
    connections: u32,
) -> Result<Backend, BoxError> {
    let node = monitor_options(url)?;
    let mut conn = node.connect().await?;
    let (others_before, _) = count_attendance(&mut conn).await?;
    let citus: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname = 'citus')",
    )
    .fetch_one(&mut conn)
    .await?;
    let mut workers = Vec::new();
    if citus {
        let nodes: Vec<(String, i32)> = sqlx::query_as(
            "SELECT nodename::text, nodeport FROM pg_dist_node \
             WHERE noderole = 'primary' AND groupid <> 0 ORDER BY nodeport",
        )
        .fetch_all(&mut conn)
        .await?;
        for (host, port) in nodes {
            let port = u16::try_from(port)?;
            workers.push((
                format!("{host}:{port}"),
                node.clone().host(&host).port(port),
            ));
        }
    }
    conn.close().await?;
    let store = PgStore::connect(&PgConfig::new(url).max_connections(connections)).await?;
    println!(
        "{label}: {}{}, {others_before} sessions named 'attendance' before the store connected",
        if citus {
            "Citus coordinator"
        } else {
            "PostgreSQL"
        },
        if workers.is_empty() {
            String::new()
        } else {
            format!(
                " with workers {}",
                workers
                    .iter()
                    .map(|w| w.0.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    );
    Ok(Backend {
        label,
        store,
        node,
        workers,
        others_before,
    })
}
