//! Webhooks on PostgreSQL, in one run on a fresh database (dropped after).
//! Each round measures, back to back, so that load from other processes
//! falls on all of them alike:
//!
//! 1. what a registered endpoint costs the clock cycle: the clock driver's
//!    loop (`tools/src/bin/clock_driver.rs`: each client owns a slice of the
//!    employees and clocks a random one of them in and out, now, through
//!    `AttendanceService` over a `PgStore` with a connection per client)
//!    with no endpoint, with one endpoint subscribed to clock-ins and
//!    clock-outs (each write then also stores a delivery), and with that
//!    endpoint and the delivery worker draining it meanwhile; the three run
//!    in a rotating order, and the endpoint is removed after each run;
//! 2. delivery throughput: events written with no worker running, then
//!    drained by one `Deliverer` (default settings, loopback allowed) to an
//!    axum receiver on 127.0.0.1: `BENCH_EVENTS` to one endpoint, and the
//!    same number of deliveries spread over `BENCH_ENDPOINTS` endpoints.
//!
//! ```sh
//! DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres cargo bench --bench webhooks
//! # shorter: BENCH_SECONDS=3 BENCH_ROUNDS=1 BENCH_EVENTS=1000 cargo bench --bench webhooks
//! ```
//!
//! Environment (defaults in brackets): `BENCH_CLIENTS` [8], `BENCH_SECONDS`
//! per clock run [5], `BENCH_ROUNDS` [3], `BENCH_EMPLOYEES` [1000],
//! `BENCH_EVENTS` per delivery run [5000], `BENCH_ENDPOINTS` [8]. Without
//! `DATABASE_URL` it says so and exits successfully: a bench is not a
//! test. It prints a table per round, then `name=value` lines: medians
//! over the rounds, ratios taken within each round.
// A bench is test code: a failure must abort it loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use attendance::core::audit::Stamp;
use attendance::core::idempotency::{Write, Written};
use attendance::core::service::AttendanceService;
use attendance::core::store::Store;
use attendance::core::webhooks::{EndpointId, EventType, NewEndpoint, WebhookSecret, WebhookUrl};
use attendance::core::{EmployeeId, NewEmployee, NewTeam, WorkMode};
use attendance::pg::{PgConfig, PgStore};
use attendance::webhooks::{AddressPolicy, Deliverer, DeliveryConfig};
use attendance_testsupport::TestDb;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .map(|v| {
            v.parse()
                .unwrap_or_else(|_| panic!("{name}={v:?} is not a number"))
        })
        .unwrap_or(default)
}

fn main() {
    if std::env::var("DATABASE_URL").is_err() {
        eprintln!("webhooks bench: set DATABASE_URL to a role that may CREATE DATABASE");
        return;
    }
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(run());
}

async fn run() {
    let clients = env("BENCH_CLIENTS", 8) as usize;
    let seconds = env("BENCH_SECONDS", 5);
    let rounds = env("BENCH_ROUNDS", 3);
    let employees = env("BENCH_EMPLOYEES", 1000) as usize;
    let events = env("BENCH_EVENTS", 5000);
    let endpoints = env("BENCH_ENDPOINTS", 8) as usize;

    let db = TestDb::create().await;
    let setup = db.store().await;
    drop(setup);
    let store: Arc<dyn Store> = Arc::new(
        PgStore::connect(
            &PgConfig::new(&db.url)
                .max_connections(u32::try_from(clients).unwrap() + 4)
                .min_connections(u32::try_from(clients).unwrap()),
        )
        .await
        .unwrap(),
    );
    let service = AttendanceService::new(store.clone());
    let team = service
        .create_team(&NewTeam::new("Bench").unwrap())
        .await
        .unwrap();
    let mut ids = Vec::with_capacity(employees);
    for i in 0..employees {
        let e = service
            .create_employee(&NewEmployee::new(&format!("E{i}"), "Engineer", team.id).unwrap())
            .await
            .unwrap();
        ids.push(e.id);
    }
    let receiver = Receiver::start().await;

    // Each round: the clock cycle in each variant (in rotating order),
    // then the deliveries to one endpoint and to several.
    let variants = ["none", "endpoint", "endpoint+worker"];
    let mut rows: Vec<Round> = Vec::new();
    cycles(&service, &ids, clients, Duration::from_secs(1)).await;
    for round in 0..rounds {
        let mut rates = [0.0; 3];
        let mut order: Vec<usize> = (0..variants.len()).collect();
        order.rotate_left(usize::try_from(round).unwrap() % variants.len());
        for v in order {
            let endpoint = if v > 0 {
                Some(register(&store, &receiver.url("cycle")).await)
            } else {
                None
            };
            let worker = (v == 2).then(|| spawn_worker(&store));
            rates[v] = cycles(&service, &ids, clients, Duration::from_secs(seconds)).await;
            if let Some((stop, handle)) = worker {
                stop.send(()).unwrap();
                handle.await.unwrap();
            }
            if let Some(id) = endpoint {
                // Its deliveries go with it, so each run starts alike.
                store
                    .write(&Stamp::system_now(), &Write::RemoveWebhook(id))
                    .await
                    .unwrap();
            }
            eprintln!(
                "round {}: {:<16} {:8.1} cycles/s",
                round + 1,
                variants[v],
                rates[v]
            );
        }
        let per_endpoint = (events / endpoints as u64).max(2);
        let one = deliver(&store, &service, &ids, &receiver, 1, events).await;
        let many = deliver(&store, &service, &ids, &receiver, endpoints, per_endpoint).await;
        rows.push(Round { rates, one, many });
    }

    println!();
    println!(
        "| round | clock cycles/s: none | endpoint | endpoint + worker | endpoint / none | endpoint + worker / none | deliveries/s: 1 endpoint | {endpoints} endpoints |"
    );
    println!("|--:|--:|--:|--:|--:|--:|--:|--:|");
    for (i, r) in rows.iter().enumerate() {
        println!(
            "| {} | {:.0} | {:.0} | {:.0} | {:.2} | {:.2} | {:.0} | {:.0} |",
            i + 1,
            r.rates[0],
            r.rates[1],
            r.rates[2],
            r.rates[1] / r.rates[0],
            r.rates[2] / r.rates[0],
            r.one.rate,
            r.many.rate
        );
    }
    let med = |f: &dyn Fn(&Round) -> f64| median(&mut rows.iter().map(f).collect::<Vec<_>>());
    let duplicates: u64 = rows
        .iter()
        .map(|r| r.one.duplicates + r.many.duplicates)
        .sum();
    let delivered: u64 = rows
        .iter()
        .map(|r| r.one.deliveries + r.many.deliveries)
        .sum();
    println!();
    println!(
        "({clients} clients, {seconds} s per clock run; {delivered} deliveries, {duplicates} duplicates)"
    );
    println!();
    println!("clock_cycles_per_second_none={:.1}", med(&|r| r.rates[0]));
    println!(
        "clock_cycles_per_second_endpoint={:.1}",
        med(&|r| r.rates[1])
    );
    println!(
        "clock_cycles_per_second_endpoint_worker={:.1}",
        med(&|r| r.rates[2])
    );
    println!(
        "clock_cycle_endpoint_vs_none={:.3}",
        med(&|r| r.rates[1] / r.rates[0])
    );
    println!(
        "clock_cycle_endpoint_worker_vs_none={:.3}",
        med(&|r| r.rates[2] / r.rates[0])
    );
    println!(
        "deliveries_per_second_1_endpoint={:.1}",
        med(&|r| r.one.rate)
    );
    println!(
        "deliveries_per_second_{endpoints}_endpoints={:.1}",
        med(&|r| r.many.rate)
    );
    println!("duplicates={duplicates}");

    drop(service);
    drop(store);
    db.drop_db().await;
}

struct Round {
    rates: [f64; 3],
    one: Delivered,
    many: Delivered,
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// Registers an endpoint of the receiver for clock-ins and clock-outs.
async fn register(store: &Arc<dyn Store>, url: &str) -> EndpointId {
    let new = NewEndpoint::new(
        WebhookUrl::new(url).unwrap(),
        &[EventType::ClockedIn, EventType::ClockedOut],
        WebhookSecret::generate().unwrap(),
    )
    .unwrap();
    match store
        .write(&Stamp::system_now(), &Write::RegisterWebhook(new))
        .await
        .unwrap()
    {
        Written::WebhookRegistered { endpoint, .. } => endpoint.id,
        other => panic!("registering gave {other:?}"),
    }
}

fn config() -> DeliveryConfig {
    DeliveryConfig::new().with_address_policy(AddressPolicy::public_only().allow_loopback(true))
}

fn spawn_worker(
    store: &Arc<dyn Store>,
) -> (
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<()>,
) {
    let worker = Deliverer::new(store.clone(), config()).unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let handle = tokio::spawn(worker.run(async move {
        let _ = stopped.await;
    }));
    (stop, handle)
}

/// The clock driver's loop for `length`: cycles per second.
async fn cycles(
    service: &AttendanceService,
    ids: &[EmployeeId],
    clients: usize,
    length: Duration,
) -> f64 {
    let start = Arc::new(tokio::sync::Barrier::new(clients + 1));
    let mut tasks = Vec::new();
    for client in 0..clients {
        let mine: Vec<EmployeeId> = ids.iter().copied().skip(client).step_by(clients).collect();
        let (service, start) = (service.clone(), start.clone());
        tasks.push(tokio::spawn(async move {
            let mut rng = 0x9e37_79b9_7f4a_7c15_u64 ^ (client as u64 + 1);
            start.wait().await;
            let began = Instant::now();
            let mut done = 0u64;
            while began.elapsed() < length {
                rng ^= rng << 13;
                rng ^= rng >> 7;
                rng ^= rng << 17;
                let who = mine[(rng % mine.len() as u64) as usize];
                service.clock_in(who, WorkMode::Wfo, None).await.unwrap();
                service.clock_out(who, None).await.unwrap();
                done += 1;
            }
            done
        }));
    }
    start.wait().await;
    let began = Instant::now();
    let mut total = 0;
    for task in tasks {
        total += task.await.unwrap();
    }
    total as f64 / began.elapsed().as_secs_f64()
}

struct Delivered {
    deliveries: u64,
    rate: f64,
    duplicates: u64,
}

/// `events` events (half clock-ins, half clock-outs) for `endpoints`
/// endpoints written with no worker running, then drained by one worker.
async fn deliver(
    store: &Arc<dyn Store>,
    service: &AttendanceService,
    ids: &[EmployeeId],
    receiver: &Receiver,
    endpoints: usize,
    events: u64,
) -> Delivered {
    let mut registered = Vec::new();
    for _ in 0..endpoints {
        let name = format!("d{}", receiver.shared.names.fetch_add(1, Ordering::SeqCst));
        registered.push(register(store, &receiver.url(&name)).await);
    }
    for i in 0..events / 2 {
        let who = ids[usize::try_from(i).unwrap() % ids.len()];
        service.clock_in(who, WorkMode::Wfo, None).await.unwrap();
        service.clock_out(who, None).await.unwrap();
    }
    let expected = (events / 2) * 2 * endpoints as u64;
    let before = receiver.received();
    let began = Instant::now();
    let (stop, handle) = spawn_worker(store);
    while receiver.received() - before < expected {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let seconds = began.elapsed().as_secs_f64();
    stop.send(()).unwrap();
    handle.await.unwrap();
    for id in registered {
        store
            .write(&Stamp::system_now(), &Write::RemoveWebhook(id))
            .await
            .unwrap();
    }
    eprintln!("delivery to {endpoints} endpoint(s): {expected} in {seconds:.2} s");
    Delivered {
        deliveries: expected,
        rate: expected as f64 / seconds,
        duplicates: receiver.duplicates(),
    }
}

/// Counts what arrives; an event id at or below the last one of its
/// endpoint is a duplicate (there are no failures to retry here).
struct Receiver {
    addr: std::net::SocketAddr,
    shared: Arc<Shared>,
}

#[derive(Default)]
struct Shared {
    /// Endpoint names handed out, so that each run's are new.
    names: AtomicU64,
    received: AtomicU64,
    duplicates: AtomicU64,
    last: std::sync::Mutex<std::collections::HashMap<String, i64>>,
}

impl Receiver {
    async fn start() -> Self {
        let shared = Arc::new(Shared::default());
        let app = axum::Router::new()
            .route("/hook/{name}", post(hook))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self { addr, shared }
    }

    fn url(&self, name: &str) -> String {
        format!("http://{}/hook/{name}", self.addr)
    }

    fn received(&self) -> u64 {
        self.shared.received.load(Ordering::SeqCst)
    }

    fn duplicates(&self) -> u64 {
        self.shared.duplicates.load(Ordering::SeqCst)
    }
}

async fn hook(
    State(shared): State<Arc<Shared>>,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> StatusCode {
    // No id reads as 0, which counts as a duplicate: it should not happen.
    let id: i64 = headers
        .get("webhook-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("evt_"))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut last = shared.last.lock().unwrap();
    let seen = last.entry(name).or_insert(0);
    if id <= *seen {
        shared.duplicates.fetch_add(1, Ordering::SeqCst);
    }
    *seen = id.max(*seen);
    shared.received.fetch_add(1, Ordering::SeqCst);
    StatusCode::NO_CONTENT
}
