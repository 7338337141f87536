//! Tenants on a real Citus cluster (coordinator and two workers, see
//! `attendance_testsupport::citus`): each tenant's schema is distributed
//! whole onto one worker, new tenants go to the worker holding fewer, and a
//! tenant moved to the other worker while its employees clock in and out
//! loses and duplicates nothing; the model's query runs on the worker with
//! the settings the runner pins.
//!
//! The tests share the cluster, so they run one after another in this
//! binary (the placement test counts tenants per worker).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::Duration;

use attendance_core::ask::QueryContext;
use attendance_core::service::AttendanceService;
use attendance_core::{EmployeeId, NewEmployee, NewTeam, WorkMode};
use attendance_pg::{PgConfig, PgSqlRunner, PgStore};
use attendance_testsupport::citus::coordinator_url;
use serde_json::json;
use tokio::sync::Mutex;

/// One test at a time: they count tenants per worker.
static SERIAL: Mutex<()> = Mutex::const_new(());

async fn coordinator() -> PgStore {
    PgStore::connect(&PgConfig::new(coordinator_url().await).max_connections(8))
        .await
        .expect("connect to the Citus coordinator")
}

fn unique(prefix: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    format!(
        "{prefix}{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// Tenants per worker port, over every distributed tenant schema.
async fn tenants_per_worker(store: &PgStore) -> BTreeMap<i32, i64> {
    sqlx::query_as::<_, (i32, i64)>(
        "SELECT n.nodeport, count(DISTINCT ds.schemaid) \
         FROM pg_dist_node n \
         LEFT JOIN pg_dist_placement pl ON pl.groupid = n.groupid \
         LEFT JOIN pg_dist_shard s ON s.shardid = pl.shardid \
         LEFT JOIN pg_dist_partition p ON p.logicalrelid = s.logicalrelid \
         LEFT JOIN pg_dist_schema ds ON ds.colocationid = p.colocationid \
         WHERE n.shouldhaveshards AND n.noderole = 'primary' \
         GROUP BY n.nodeport",
    )
    .fetch_all(store.pool())
    .await
    .unwrap()
    .into_iter()
    .collect()
}

/// The host of the worker on `port`.
async fn worker_host(store: &PgStore, port: i32) -> String {
    sqlx::query_scalar("SELECT nodename FROM pg_dist_node WHERE nodeport = $1")
        .bind(port)
        .fetch_one(store.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_tenant_is_a_distributed_schema_and_new_ones_go_to_the_emptier_worker() {
    let _serial = SERIAL.lock().await;
    let store = coordinator().await;
    let before = tenants_per_worker(&store).await;
    assert_eq!(before.len(), 2, "two workers expected: {before:?}");
    // Three tenants moved onto the worker already holding more: from then on
    // it holds at least three more than the other, whatever the cluster held.
    let (&full, _) = before.iter().max_by_key(|(_, n)| **n).unwrap();
    let full_host = worker_host(&store, full).await;
    let mut names = Vec::new();
    for _ in 0..3 {
        let name = unique("spread");
        store.create_tenant(&name).await.unwrap();
        let (_, port) = store.tenant_node(&name).await.unwrap().expect("placed");
        if i32::from(port) != full {
            let port = u16::try_from(full).unwrap();
            store.move_tenant(&name, &full_host, port).await.unwrap();
        }
        names.push(name);
    }
    let skewed = tenants_per_worker(&store).await;
    let (&empty, &least) = skewed.iter().min_by_key(|(_, n)| **n).unwrap();
    assert!(skewed[&full] >= least + 3, "not skewed: {skewed:?}");

    // Citus alone places new schemas round robin, so of two in a row one
    // would go to the fuller worker; the library puts both on the other.
    for _ in 0..2 {
        let name = unique("spread");
        let tenant = store.create_tenant(&name).await.unwrap();
        let (_, port) = store.tenant_node(&name).await.unwrap().expect("placed");
        assert_eq!(
            i32::from(port),
            empty,
            "{name} went to {port}, not to the emptier of {skewed:?}"
        );
        // The schema is distributed, every table of it on that one worker.
        let (distributed, tables, ports): (bool, i64, i64) = sqlx::query_as(
            "SELECT EXISTS (SELECT FROM citus_schemas WHERE schema_name::text = $1), \
                    (SELECT count(*) FROM citus_tables WHERE table_name::text LIKE $1 || '.%'), \
                    (SELECT count(DISTINCT nodeport) FROM citus_shards \
                     WHERE table_name::text LIKE $1 || '.%')",
        )
        .bind(tenant.schema())
        .fetch_one(store.pool())
        .await
        .unwrap();
        assert!(
            distributed,
            "{} is not a distributed schema",
            tenant.schema()
        );
        assert!(
            tables >= 15,
            "{} has {tables} distributed tables",
            tenant.schema()
        );
        assert_eq!(ports, 1, "{} is split over workers", tenant.schema());
        names.push(name);
    }
    for name in names {
        store.drop_tenant(&name).await.unwrap();
    }
}

#[tokio::test]
async fn a_tenant_moved_while_clocking_loses_and_duplicates_nothing() {
    let _serial = SERIAL.lock().await;
    let store = coordinator().await;
    let name = unique("move");
    let tenant = store.create_tenant(&name).await.unwrap();
    let tenant_store = store.for_tenant(tenant.clone());
    let service = AttendanceService::new(Arc::new(tenant_store.clone()));
    let team = service
        .create_team(&NewTeam::new("Movers").unwrap())
        .await
        .unwrap();
    let mut employees = Vec::new();
    for i in 0..8 {
        let employee = NewEmployee::new(&format!("Mover {i}"), "Engineer", team.id).unwrap();
        employees.push(service.create_employee(&employee).await.unwrap().id);
    }
    let stop = Arc::new(AtomicBool::new(false));
    let load = |employee: EmployeeId| {
        let (service, stop) = (service.clone(), stop.clone());
        tokio::spawn(async move {
            let (mut ins, mut outs, mut errors) = (Vec::new(), 0u32, Vec::new());
            while !stop.load(Ordering::Relaxed) {
                match service.clock_in(employee, WorkMode::Wfo, None).await {
                    Ok(session) => ins.push(session.id),
                    Err(e) => {
                        errors.push(e.to_string());
                        continue;
                    }
                }
                match service.clock_out(employee, None).await {
                    Ok(_) => outs += 1,
                    Err(e) => errors.push(e.to_string()),
                }
            }
            (ins, outs, errors)
        })
    };
    let workers: Vec<_> = employees.iter().map(|&e| load(e)).collect();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (_, from) = store.tenant_node(&name).await.unwrap().expect("placed");
    let to = tenants_per_worker(&store)
        .await
        .into_keys()
        .find(|&port| port != i32::from(from))
        .expect("a second worker");
    let host = worker_host(&store, to).await;
    let to = u16::try_from(to).unwrap();
    store.move_tenant(&name, &host, to).await.unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, Ordering::Relaxed);
    let (mut ins, mut outs, mut errors) = (Vec::new(), 0u32, Vec::new());
    for worker in workers {
        let (i, o, e) = worker.await.unwrap();
        ins.extend(i);
        outs += o;
        errors.extend(e);
    }
    assert!(
        errors.is_empty(),
        "writes failed during the move: {errors:?}"
    );
    assert_eq!(
        store.tenant_node(&name).await.unwrap().map(|(_, p)| p),
        Some(to)
    );
    // Every acknowledged clock-in is there once, and nothing else is.
    let stored: Vec<(i64, bool)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT id, clock_out IS NOT NULL FROM {}.sessions ORDER BY id",
        tenant.schema()
    )))
    .fetch_all(store.pool())
    .await
    .unwrap();
    let mut acknowledged: Vec<i64> = ins.iter().map(|id| id.0).collect();
    acknowledged.sort_unstable();
    let ids: Vec<i64> = stored.iter().map(|(id, _)| *id).collect();
    assert!(
        acknowledged.len() > 20,
        "too little load: {}",
        acknowledged.len()
    );
    assert_eq!(
        ids, acknowledged,
        "stored sessions differ from the acknowledged ones"
    );
    let closed = stored.iter().filter(|(_, closed)| *closed).count();
    assert_eq!(closed, outs as usize);
    store.drop_tenant(&name).await.unwrap();
}

#[tokio::test]
async fn the_model_query_runs_on_the_worker_with_the_runners_settings() {
    let _serial = SERIAL.lock().await;
    let store = coordinator().await;
    let name = unique("pins");
    let tenant = store.create_tenant(&name).await.unwrap();
    let runner = PgSqlRunner::for_store(&store.for_tenant(tenant));
    // Read from a table of the tenant, the statement goes whole to the
    // worker: the port says where the settings were read.
    let context = QueryContext::new(chrono_tz::Asia::Tokyo);
    let rows = runner
        .run_unguarded(
            "SELECT inet_server_port() AS port, current_setting('TimeZone') AS tz, \
                    current_setting('jit') AS jit, current_setting('DateStyle') AS datestyle, \
                    current_setting('work_mem') AS work_mem, \
                    current_setting('statement_timeout') <> '0' AS timed, \
                    current_setting('temp_file_limit') AS temp_files, count(*) AS n \
             FROM qa_employees",
            &context,
        )
        .await
        .unwrap();
    store.drop_tenant(&name).await.unwrap();
    let row = &rows.rows[0];
    let coordinator_port: i32 = sqlx::query_scalar("SELECT inet_server_port()")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_ne!(row[0], json!(coordinator_port), "not on a worker: {row:?}");
    assert_eq!(
        &row[1..7],
        &[
            json!("Asia/Tokyo"),
            json!("off"),
            json!("ISO, MDY"),
            json!("16MB"),
            json!(true),
            json!("256MB")
        ],
        "the worker's settings: {row:?}"
    );
}
