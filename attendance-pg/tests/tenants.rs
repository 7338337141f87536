//! Tenants in one database: created, found, listed and dropped through the
//! registry; a creation cut off halfway is not served and resumes when
//! rerun; a tenant that does not exist creates nothing and fails clearly;
//! tenants share the store's connections and its bound, and a connection
//! that served one tenant serves the next on the next tenant's schema.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use attendance_testsupport as common;

use std::sync::Arc;
use std::time::Duration;

use attendance_core::service::AttendanceService;
use attendance_core::{EmployeeId, Error as CoreError, NewTeam, WorkMode};
use attendance_pg::{PgConfig, PgStore, Tenant, TenantError};
use sqlx::{AssertSqlSafe, Connection, PgConnection};

async fn store(db: &common::TestDb, max: u32) -> PgStore {
    let store = PgStore::connect(&PgConfig::new(&db.url).max_connections(max))
        .await
        .unwrap();
    store.migrate().await.unwrap();
    store
}

async fn teams(store: &PgStore) -> Vec<String> {
    let service = AttendanceService::new(Arc::new(store.clone()));
    let page = service.teams(Some(100), None).await.unwrap();
    page.items.into_iter().map(|t| t.name).collect()
}

#[tokio::test]
async fn a_tenant_is_created_found_listed_and_dropped() {
    common::with_db(|db| async move {
        let store = store(&db, 4).await;
        assert_eq!(store.tenants().await.unwrap(), vec![Tenant::default()]);
        assert!(matches!(
            store.find_tenant("acme").await,
            Err(TenantError::NotFound(_))
        ));
        let acme = store.create_tenant("acme").await.unwrap();
        assert_eq!(acme.schema(), "tenant_acme");
        assert!(matches!(
            store.create_tenant("acme").await,
            Err(TenantError::Exists(_))
        ));
        for bad in ["Acme", "", "a-b", "x; DROP SCHEMA attendance"] {
            assert!(matches!(
                store.create_tenant(bad).await,
                Err(TenantError::InvalidName(_))
            ));
        }
        assert!(matches!(
            store.create_tenant("default").await,
            Err(TenantError::Default)
        ));
        assert!(matches!(
            store.drop_tenant("default").await,
            Err(TenantError::Default)
        ));
        assert_eq!(store.find_tenant("acme").await.unwrap(), acme);
        let names: Vec<String> = store
            .tenants()
            .await
            .unwrap()
            .iter()
            .map(|t| t.name().to_owned())
            .collect();
        assert_eq!(names, ["default", "acme"]);

        // Its data is its own.
        let service = AttendanceService::new(Arc::new(store.for_tenant(acme.clone())));
        service
            .create_team(&NewTeam::new("Acme Ops").unwrap())
            .await
            .unwrap();
        assert_eq!(teams(&store.for_tenant(acme.clone())).await, ["Acme Ops"]);
        assert!(teams(&store).await.is_empty());

        store.drop_tenant("acme").await.unwrap();
        assert!(matches!(
            store.find_tenant("acme").await,
            Err(TenantError::NotFound(_))
        ));
        assert!(matches!(
            store.drop_tenant("acme").await,
            Err(TenantError::NotFound(_))
        ));
        let (schemas, roles): (i64, i64) = sqlx::query_as(
            "SELECT (SELECT count(*) FROM pg_namespace WHERE nspname = 'tenant_acme'), \
                    (SELECT count(*) FROM pg_roles WHERE rolname = 'tenant_acme_qa')",
        )
        .fetch_one(store.pool())
        .await
        .unwrap();
        assert_eq!((schemas, roles), (0, 0), "the schema and its role are gone");
    })
    .await;
}

#[tokio::test]
async fn a_store_of_a_tenant_that_does_not_exist_fails_clearly_and_creates_nothing() {
    common::with_db(|db| async move {
        let store = store(&db, 2).await;
        let ghost = store.for_tenant(Tenant::new("ghost").unwrap());
        let service = AttendanceService::new(Arc::new(ghost));
        let err = service
            .clock_in(EmployeeId(1), WorkMode::Wfh, None)
            .await
            .unwrap_err();
        assert!(matches!(err, CoreError::Unavailable { .. }), "{err:?}");
        let err = service
            .create_team(&NewTeam::new("Ghosts").unwrap())
            .await
            .unwrap_err();
        assert!(matches!(err, CoreError::Unavailable { .. }), "{err:?}");
        let schemas: i64 =
            sqlx::query_scalar("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'tenant\\_%'")
                .fetch_one(store.pool())
                .await
                .unwrap();
        assert_eq!(schemas, 0);
    })
    .await;
}

/// Migrations recorded for `schema`, if its tracking table exists.
async fn recorded(url: &str, schema: &str) -> i64 {
    let mut conn = PgConnection::connect(url).await.unwrap();
    let n = sqlx::query_scalar(AssertSqlSafe(format!(
        "SELECT count(*) FROM {schema}._sqlx_migrations"
    )))
    .fetch_one(&mut conn)
    .await
    .unwrap_or(0);
    conn.close().await.ok();
    n
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_creation_cut_off_halfway_is_not_served_and_resumes_when_rerun() {
    common::with_db(|db| async move {
        let store = store(&db, 4).await;
        let all = attendance_pg::MIGRATIONS.iter().count() as i64;
        let mut cut = None;
        for attempt in 0..5 {
            let name = format!("halfway{attempt}");
            let creating = tokio::spawn({
                let (store, name) = (store.clone(), name.clone());
                async move { store.create_tenant(&name).await }
            });
            let schema = format!("tenant_{name}");
            // Cut it off once a few migrations are in, before the last.
            loop {
                let n = recorded(&db.url, &schema).await;
                if n >= 3 || creating.is_finished() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            creating.abort();
            let _ = creating.await;
            let n = recorded(&db.url, &schema).await;
            if n < all {
                cut = Some((name, n));
                break;
            }
            store.drop_tenant(&name).await.unwrap();
        }
        let (name, done) = cut.expect("no attempt was cut off before its last migration");
        assert!(done >= 3, "{done}");
        // Not served, not listed.
        assert!(matches!(
            store.find_tenant(&name).await,
            Err(TenantError::NotFound(_))
        ));
        assert!(
            store
                .tenants()
                .await
                .unwrap()
                .iter()
                .all(|t| t.name() != name)
        );
        // Rerun: it goes on from where it stopped, each migration once.
        let tenant = store.create_tenant(&name).await.unwrap();
        assert_eq!(store.find_tenant(&name).await.unwrap(), tenant);
        assert_eq!(recorded(&db.url, tenant.schema()).await, all);
        let service = AttendanceService::new(Arc::new(store.for_tenant(tenant)));
        service
            .create_team(&NewTeam::new("Resumed").unwrap())
            .await
            .unwrap();
    })
    .await;
}

#[tokio::test]
async fn one_connection_serves_tenant_after_tenant_each_on_its_own_schema() {
    common::with_db(|db| async move {
        // One connection for everything: each call switches it.
        let store = store(&db, 1).await;
        let mut tenants = Vec::new();
        for name in ["north", "south"] {
            let tenant = store.create_tenant(name).await.unwrap();
            let service = AttendanceService::new(Arc::new(store.for_tenant(tenant.clone())));
            service
                .create_team(&NewTeam::new(&format!("{name} team")).unwrap())
                .await
                .unwrap();
            tenants.push(store.for_tenant(tenant));
        }
        for _ in 0..3 {
            assert_eq!(teams(&tenants[0]).await, ["north team"]);
            assert_eq!(teams(&tenants[1]).await, ["south team"]);
            assert!(teams(&store).await.is_empty());
        }
        // Still one backend for the store.
        let mut counter = PgConnection::connect(&db.url).await.unwrap();
        let open: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity \
             WHERE datname = current_database() AND application_name = 'attendance' \
               AND pid <> pg_backend_pid()",
        )
        .fetch_one(&mut counter)
        .await
        .unwrap();
        assert_eq!(open, 1);
    })
    .await;
}
