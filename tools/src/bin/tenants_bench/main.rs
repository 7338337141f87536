//! Many tenants on one store: seeding them, clock cycles spread over them,
//! the connections that takes, and the reads of one tenant, on plain
//! PostgreSQL and on a Citus coordinator in the same run.
//!
//! ```sh
//! cargo run --release -p attendance-tools --bin tenants_bench -- \
//!     --single postgres://postgres@127.0.0.1:5432/attendance_tenants_bench \
//!     --citus postgres://postgres@127.0.0.1:5440/postgres \
//!     --tenants 1000 [--seeders 4] [--clients 8] [--connections 16] [--seconds 10] \
//!     [--rounds 3] [--reads 20] [--phases seed,clock,reads]
//! ```
//!
//! Phases (`--phases`, default all three; `drop` only on its own):
//! - `seed`: `--tenants` tenants named `<prefix>_0001`… (`--prefix`,
//!   default `bench`), each 10 teams of 10 employees, made through the
//!   library (`PgStore::create_tenant`, then `AttendanceService`) by
//!   `--seeders` tasks. A tenant already complete is skipped, one left
//!   half-made is completed, so a rerun resumes. It prints the wall time
//!   per tenant and each tenant's own time (median, p95).
//! - `clock`: `--clients` tasks for `--seconds`, each cycle a clock-in and
//!   a clock-out of a random employee of a random tenant, over one
//!   `PgStore` with `--connections` connections per backend (the seed and
//!   the reads use the same store). Each client owns a slice of every
//!   tenant's employees, so no two clients race for one employee. The
//!   backends take turns, `--rounds` rounds, the first one alternating;
//!   the figure is the median of the rounds, and the ratio is the Citus
//!   median over the single node's. Meanwhile, every 100 ms, the node the
//!   store talks to is asked how many of its sessions are named
//!   `attendance` (the store's `application_name`): all of them, and this
//!   process's alone (by client port, read from `/proc`), since other
//!   programs on a shared server use the library too. This process's
//!   maximum must not exceed `--connections`, else a `FAILED` line. On
//!   Citus, the workers' sessions named `citus…` (the coordinator's
//!   connections to them, and the other nodes') are counted too, for
//!   information. With `--clients` at most `--connections` the bound is
//!   never pressed; `--clients 32 --connections 16` presses it.
//! - `reads`: the tenant `<prefix>_reads`, seeded as the others plus
//!   `--history-weeks` weeks (default 4) of sessions before the last full
//!   week (imported through the service, once), is read through the
//!   services: the listing (filters, first and deep pages), employee and
//!   team trends, the daily and weekly summaries (template, no model) and
//!   the ledgers. Each read runs on both backends alternately, `--reads`
//!   times after a warm-up; the table gives the medians and Citus over
//!   single node, and whether the two answered the same.
//! - `drop`: drops the tenants of `--tenants` and `<prefix>_reads` on every
//!   backend given.
//!
//! `--single` defaults to the database `attendance_tenants_bench` on the
//! local PostgreSQL, created when missing; `--citus` is optional (without
//! it, the single node alone runs). On Citus the prefix must start with
//! `bench`: the coordinator is shared. `--threads` (default 1) sets the
//! bench's own tokio worker threads, as `clock_driver` does.
//!
//! The `name=value` lines at the end are machine-readable.
// A benchmark is test code: a failure must stop it loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod args;
mod backend;
mod clock;
#[path = "../../common/clock.rs"]
mod cycle;
mod history;
mod monitor;
mod reads;
mod seed;
mod stats;

use std::error::Error;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use attendance::pg::TenantError;

use args::{Args, Phase, USAGE, parse_args};
use backend::{ensure_database, open_backend};
use clock::clock_phase;
use reads::reads_phase;
use seed::seed_all;

type BoxError = Box<dyn Error + Send + Sync>;

const TEAMS: usize = 10;
const PER_TEAM: usize = 10;
const EMPLOYEES: usize = TEAMS * PER_TEAM;

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            if message.is_empty() {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            eprintln!("{message}\n{USAGE}");
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
            eprintln!("tenants_bench: no tokio runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(args)) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("tenants_bench failed: {e}");
            let mut source = e.source();
            while let Some(cause) = source {
                eprintln!("  caused by: {cause}");
                source = cause.source();
            }
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<bool, BoxError> {
    ensure_database(&args.single).await?;
    let mut backends = vec![open_backend("single", &args.single, args.connections).await?];
    if let Some(citus) = &args.citus {
        backends.push(open_backend("citus", citus, args.connections).await?);
    }
    let width = args.tenants.to_string().len().max(4);
    let names: Arc<Vec<String>> = Arc::new(
        (1..=args.tenants)
            .map(|i| format!("{}_{i:0width$}", args.prefix))
            .collect(),
    );
    let reads_tenant = format!("{}_reads", args.prefix);
    let mut lines = Vec::new();
    let mut ok = true;

    if args.phases == [Phase::Drop] {
        for b in &backends {
            let started = Instant::now();
            let mut dropped = 0;
            for name in names.iter().chain(std::iter::once(&reads_tenant)) {
                match b.store.drop_tenant(name).await {
                    Ok(()) => dropped += 1,
                    Err(TenantError::NotFound(_)) => {}
                    Err(e) => return Err(e.into()),
                }
            }
            println!(
                "{}: dropped {dropped} tenants in {:.1} s",
                b.label,
                started.elapsed().as_secs_f64()
            );
        }
        return Ok(true);
    }

    if args.phases.contains(&Phase::Seed) {
        println!(
            "\n## Seed: {} tenants of {TEAMS} teams x {PER_TEAM} employees, {} seeders\n",
            args.tenants, args.seeders
        );
        for b in &backends {
            let report = seed_all(b, names.clone(), args.seeders).await?;
            report.print(b.label, &mut lines);
        }
    }

    if args.phases.contains(&Phase::Clock) {
        ok &= clock_phase(&args, &backends, &names, &mut lines).await?;
    }

    if args.phases.contains(&Phase::Reads) {
        reads_phase(&args, &backends, &reads_tenant, &mut lines).await?;
    }

    println!();
    for line in lines {
        println!("{line}");
    }
    Ok(ok)
}
