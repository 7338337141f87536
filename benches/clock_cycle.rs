//! Clock-in + clock-out cycles on the in-memory store, through the service
//! and straight through the store's write door, so the report shows what
//! the service's checks cost on top.
//!
//! ```sh
//! cargo bench --bench clock_cycle
//! ```
// A bench is test code: a failure must abort it loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::sync::Arc;

use attendance::core::audit::Stamp;
use attendance::core::idempotency::Write;
use attendance::core::memory::InMemoryStore;
use attendance::core::service::AttendanceService;
use attendance::core::store::Store;
use attendance::core::{EmployeeId, NewEmployee, NewTeam, WorkMode};
use chrono::{DateTime, TimeDelta, Utc};
use criterion::{Criterion, criterion_group, criterion_main};

fn setup(rt: &tokio::runtime::Runtime, employees: usize) -> (Arc<dyn Store>, Vec<EmployeeId>) {
    rt.block_on(async {
        let store: Arc<dyn Store> = Arc::new(InMemoryStore::new());
        let svc = AttendanceService::new(store.clone());
        let team = svc
            .create_team(&NewTeam::new("Bench").unwrap())
            .await
            .unwrap();
        let mut ids = Vec::new();
        for i in 0..employees {
            let e = svc
                .create_employee(&NewEmployee::new(&format!("E{i}"), "Engineer", team.id).unwrap())
                .await
                .unwrap();
            ids.push(e.id);
        }
        (store, ids)
    })
}

fn clock_cycle(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let mut group = c.benchmark_group("in_memory_clock_cycle");

    let (store, ids) = setup(&rt, 1_000);
    let start: DateTime<Utc> = Utc::now() - TimeDelta::days(3000);
    let mut n = 0i64;
    group.bench_function("store", |b| {
        b.iter(|| {
            n += 1;
            let who = ids[(n as usize) % ids.len()];
            let at = start + TimeDelta::seconds(n);
            let clock_in = Write::ClockIn {
                employee: who,
                mode: WorkMode::Wfo,
                at,
            };
            let clock_out = Write::ClockOut {
                employee: who,
                at: at + TimeDelta::milliseconds(500),
            };
            rt.block_on(async {
                let stamp = Stamp::system_now();
                black_box(store.write(&stamp, &clock_in).await.unwrap());
                black_box(store.write(&stamp, &clock_out).await.unwrap());
            });
        });
    });

    let (store, ids) = setup(&rt, 1_000);
    let svc = AttendanceService::new(store);
    let mut n = 0i64;
    group.bench_function("service", |b| {
        b.iter(|| {
            n += 1;
            let who = ids[(n as usize) % ids.len()];
            let at = start + TimeDelta::seconds(n);
            rt.block_on(async {
                black_box(svc.clock_in(who, WorkMode::Wfo, Some(at)).await.unwrap());
                black_box(
                    svc.clock_out(who, Some(at + TimeDelta::milliseconds(500)))
                        .await
                        .unwrap(),
                );
            });
        });
    });
    group.finish();
}

criterion_group!(benches, clock_cycle);
criterion_main!(benches);
