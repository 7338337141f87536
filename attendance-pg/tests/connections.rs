//! One store, one bound: clocking in and out from many tasks at once, a
//! bulk import and a Q&A query together never hold more backend
//! connections than the store's `max_connections`, counted by the server
//! itself in `pg_stat_activity`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use attendance_testsupport as common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use attendance_core::ask::QueryContext;
use attendance_core::import::{ImportBatch, ImportRow};
use attendance_core::service::AttendanceService;
use attendance_core::{NewEmployee, NewTeam, WorkMode};
use attendance_pg::{PgConfig, PgSqlRunner, PgStore};
use chrono::{TimeDelta, Utc};
use sqlx::{Connection, PgConnection};

const MAX: u32 = 3;
const WORKERS: usize = 8;

/// Backend connections to `db` other than the counting one.
async fn open_connections(counter: &mut PgConnection, db: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM pg_stat_activity \
         WHERE datname = $1 AND pid <> pg_backend_pid()",
    )
    .bind(db)
    .fetch_one(counter)
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_store_never_opens_more_than_its_maximum() {
    let db = common::TestDb::create().await;
    let outcome = tokio::spawn(load_and_count(db.url.clone(), db.name.clone())).await;
    db.drop_db().await;
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}

async fn load_and_count(url: String, name: String) {
    let store = PgStore::connect(&PgConfig::new(&url).max_connections(MAX))
        .await
        .unwrap();
    store.migrate().await.unwrap();
    let runner = PgSqlRunner::for_store(&store);
    runner.check_role().await.unwrap();
    let svc = AttendanceService::new(Arc::new(store.clone()));
    let team = svc
        .create_team(&NewTeam::new("Ops").unwrap())
        .await
        .unwrap();
    let mut employees = Vec::new();
    for i in 0..=WORKERS {
        let new = NewEmployee::new(&format!("E{i}"), "Operator", team.id).unwrap();
        employees.push(svc.create_employee(&new).await.unwrap().id);
    }

    let mut counter = PgConnection::connect(&url).await.unwrap();
    let done = Arc::new(AtomicBool::new(false));
    let count = {
        let done = done.clone();
        tokio::spawn(async move {
            let mut most = 0;
            while !done.load(Ordering::Relaxed) {
                most = most.max(open_connections(&mut counter, &name).await);
                tokio::task::yield_now().await;
            }
            most.max(open_connections(&mut counter, &name).await)
        })
    };

    let mut work = tokio::task::JoinSet::new();
    // The last employee is the import's; the others clock in and out.
    for &employee in &employees[..WORKERS] {
        let svc = svc.clone();
        work.spawn(async move {
            for _ in 0..10 {
                svc.clock_in(employee, WorkMode::Wfo, None).await.unwrap();
                svc.clock_out(employee, None).await.unwrap();
            }
        });
    }
    let importer = svc.clone();
    let imported = employees[WORKERS];
    work.spawn(async move {
        let start = Utc::now() - TimeDelta::days(30);
        let rows = (0..200).map(|day| {
            let clock_in = start + TimeDelta::hours(3 * day);
            let clock_out = Some(clock_in + TimeDelta::hours(2));
            ImportRow::new(imported, WorkMode::Wfh, clock_in, clock_out)
        });
        let report = importer.import(ImportBatch::from_rows(rows)).await.unwrap();
        assert_eq!(report.inserted, 200, "{report:?}");
    });
    work.spawn(async move {
        for _ in 0..5 {
            let rows = runner
                .run_unguarded(
                    "SELECT count(*) AS n FROM attendance.qa_sessions",
                    &QueryContext::default(),
                )
                .await
                .unwrap();
            assert_eq!(rows.columns, ["n"]);
        }
    });
    while let Some(finished) = work.join_next().await {
        finished.unwrap();
    }
    done.store(true, Ordering::Relaxed);
    let most = count.await.unwrap();
    assert!(most >= 1, "the count saw the store's connections");
    assert!(
        most <= i64::from(MAX),
        "the store held {most} connections at once, more than its maximum of {MAX}"
    );
    store.pool().close().await;
}
