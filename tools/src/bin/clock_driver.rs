//! Clock-in + clock-out cycles through the library, as fast as PostgreSQL
//! takes them: the library's column of `benches/vs-pgbench.sh`.
//!
//! ```sh
//! DATABASE_URL=postgres://postgres@127.0.0.1:5432/attendance_bench \
//!     cargo run --release -p attendance-tools --bin clock_driver -- --clients 8 --seconds 10
//! ```
//!
//! Each of `--clients` tasks owns a slice of the employees (so two clients
//! never race for one employee, as in the pgbench script) and repeats: pick
//! one of its employees at random, clock in now, clock out now, through
//! `AttendanceService` over a `PgStore` whose pool has one connection per
//! client. A warm-up cycle per client (connecting, preparing statements) runs
//! before the clock starts. The database must hold employees without open
//! sessions (`cargo run --release -p attendance-tools --bin seed -- --open 0`).
//!
//! The last line is machine-readable:
//! `clients=… cycles=… seconds=… cycles_per_second=… errors=…`.

use std::error::Error;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use attendance::core::EmployeeId;
use attendance::core::service::AttendanceService;
use attendance::core::store::Directory;
use attendance::pg::{PgConfig, PgStore};

#[path = "../common/clock.rs"]
mod clock;
use clock::{Tally, cycle};

struct Args {
    clients: usize,
    seconds: f64,
    threads: usize,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        clients: 8,
        seconds: 10.0,
        threads: 1,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--clients" => {
                args.clients = value
                    .parse::<usize>()
                    .map_err(|e| format!("--clients: {e}"))?
                    .max(1)
            }
            "--seconds" => args.seconds = value.parse().map_err(|e| format!("--seconds: {e}"))?,
            "--threads" => args.threads = value.parse().map_err(|e| format!("--threads: {e}"))?,
            other => return Err(format!("unknown flag {other}")),
        }
    }
    Ok(args)
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}\nusage: clock_driver [--clients N] [--seconds S] [--threads N]");
            return ExitCode::from(2);
        }
    };
    let runtime = if args.threads <= 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(args.threads)
            .enable_all()
            .build()
    };
    let runtime = match runtime {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("clock_driver: no tokio runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("clock_driver failed: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<(), Box<dyn Error>> {
    let url = std::env::var("DATABASE_URL").map_err(|_| "set DATABASE_URL")?;
    let clients = u32::try_from(args.clients)?;
    let store = PgStore::connect(
        &PgConfig::new(url)
            .max_connections(clients)
            .min_connections(clients),
    )
    .await?;
    let ids: Vec<EmployeeId> = store.employees(None).await?.iter().map(|e| e.id).collect();
    if ids.len() < args.clients {
        return Err(format!(
            "{} employees for {} clients: seed the database first",
            ids.len(),
            args.clients
        )
        .into());
    }
    let service = AttendanceService::new(Arc::new(store));
    let deadline = Duration::from_secs_f64(args.seconds);
    let start = Arc::new(tokio::sync::Barrier::new(args.clients + 1));

    let mut tasks = Vec::with_capacity(args.clients);
    for client in 0..args.clients {
        let mine: Vec<EmployeeId> = ids
            .iter()
            .copied()
            .skip(client)
            .step_by(args.clients)
            .collect();
        let service = service.clone();
        let start = start.clone();
        tasks.push(tokio::spawn(async move {
            let mut rng = 0x9e37_79b9_7f4a_7c15_u64 ^ (client as u64 + 1);
            let mut pick = move || {
                rng ^= rng << 13;
                rng ^= rng >> 7;
                rng ^= rng << 17;
                mine[(rng % mine.len() as u64) as usize]
            };
            let mut tally = Tally::default();
            // Warm-up: connect and prepare before the clock starts.
            cycle(&service, pick(), &mut tally).await;
            tally = Tally::default();
            start.wait().await;
            let began = Instant::now();
            while began.elapsed() < deadline {
                cycle(&service, pick(), &mut tally).await;
            }
            tally
        }));
    }
    start.wait().await;
    let began = Instant::now();
    let mut total = Tally::default();
    for task in tasks {
        total.add(task.await?);
    }
    let seconds = began.elapsed().as_secs_f64();
    if let Some(e) = &total.first_error {
        eprintln!("{} cycles failed; the first: {e}", total.errors);
    }
    println!(
        "clients={} cycles={} seconds={seconds:.2} cycles_per_second={:.1} errors={}",
        args.clients,
        total.cycles,
        total.cycles as f64 / seconds,
        total.errors
    );
    Ok(())
}
