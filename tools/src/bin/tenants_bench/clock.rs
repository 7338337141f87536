//! The clock cycle: clients clocking random employees of random tenants
//! in and out, round after round on each backend, while the node's
//! sessions are sampled; the table of cycles per second and connections.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use attendance::core::EmployeeId;
use attendance::core::service::AttendanceService;
use attendance::pg::TenantError;

use crate::args::Args;
use crate::backend::Backend;
use crate::cycle::{Tally, cycle};
use crate::monitor::sample;
use crate::stats::median;
use crate::{BoxError, EMPLOYEES};

/// One tenant's service and employees.
struct TenantEmployees {
    service: AttendanceService,
    employees: Vec<EmployeeId>,
}

async fn load_tenants(
    b: &Backend,
    names: &Arc<Vec<String>>,
    loaders: usize,
) -> Result<Vec<TenantEmployees>, BoxError> {
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..loaders {
        let (store, names, next) = (b.store.clone(), names.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let mut found = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(name) = names.get(i) else {
                    return Ok::<_, BoxError>(found);
                };
                let tenant = match store.find_tenant(name).await {
                    Ok(tenant) => tenant,
                    Err(TenantError::NotFound(_)) => continue,
                    Err(e) => return Err(e.into()),
                };
                let service = AttendanceService::new(Arc::new(store.for_tenant(tenant)));
                let employees: Vec<EmployeeId> = service
                    .employees(None, Some(500), None)
                    .await?
                    .items
                    .iter()
                    .map(|e| e.id)
                    .collect();
                if employees.len() >= EMPLOYEES {
                    found.push((i, TenantEmployees { service, employees }));
                }
            }
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await??);
    }
    all.sort_by_key(|(i, _)| *i);
    Ok(all.into_iter().map(|(_, t)| t).collect())
}

struct Round {
    cycles_per_second: f64,
    cycles: u64,
    errors: u64,
    first_error: Option<String>,
    /// Most sessions named `attendance` seen on the node at once: this
    /// process's, and everyone's.
    max_own: i64,
    max_all: i64,
    samples: usize,
    /// Per worker, most sessions named `citus…` seen at once.
    max_workers: Vec<i64>,
}

async fn clock_round(
    b: &Backend,
    tenants: &Arc<Vec<TenantEmployees>>,
    clients: usize,
    seconds: f64,
    seed: u64,
) -> Result<Round, BoxError> {
    let stop = Arc::new(AtomicBool::new(false));
    let sampler = tokio::spawn(sample(
        b.node.clone(),
        b.workers.iter().map(|w| w.1.clone()).collect(),
        stop.clone(),
    ));
    let deadline = Duration::from_secs_f64(seconds);
    let start = Arc::new(tokio::sync::Barrier::new(clients + 1));
    let mut tasks = Vec::with_capacity(clients);
    for client in 0..clients {
        // This client's employees of each tenant: every `clients`-th, so
        // the slices of two clients never meet.
        let mine: Vec<(usize, Vec<EmployeeId>)> = tenants
            .iter()
            .enumerate()
            .map(|(t, te)| {
                (
                    t,
                    te.employees
                        .iter()
                        .copied()
                        .skip(client)
                        .step_by(clients)
                        .collect::<Vec<_>>(),
                )
            })
            .filter(|(_, e)| !e.is_empty())
            .collect();
        let (tenants, start) = (tenants.clone(), start.clone());
        tasks.push(tokio::spawn(async move {
            let mut rng = seed ^ (0x9e37_79b9_7f4a_7c15_u64.wrapping_mul(client as u64 + 1)) | 1;
            let mut next = move || {
                rng ^= rng << 13;
                rng ^= rng >> 7;
                rng ^= rng << 17;
                rng
            };
            let mut pick = move || {
                let (t, employees) = &mine[(next() % mine.len() as u64) as usize];
                (*t, employees[(next() % employees.len() as u64) as usize])
            };
            let mut tally = Tally::default();
            // Warm-up: connect and prepare before the clock starts.
            let (t, who) = pick();
            cycle(&tenants[t].service, who, &mut tally).await;
            tally = Tally::default();
            start.wait().await;
            let began = Instant::now();
            while began.elapsed() < deadline {
                let (t, who) = pick();
                cycle(&tenants[t].service, who, &mut tally).await;
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
    let elapsed = began.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    let ((max_own, max_all), samples, max_workers) = sampler.await??;
    Ok(Round {
        cycles_per_second: total.cycles as f64 / elapsed,
        cycles: total.cycles,
        errors: total.errors,
        first_error: total.first_error,
        max_own,
        max_all,
        samples,
        max_workers,
    })
}

pub(crate) async fn clock_phase(
    args: &Args,
    backends: &[Backend],
    names: &Arc<Vec<String>>,
    lines: &mut Vec<String>,
) -> Result<bool, BoxError> {
    let mut tenants = Vec::new();
    for b in backends {
        let loaded = load_tenants(b, names, args.seeders).await?;
        if loaded.is_empty() {
            return Err(format!("{}: no complete tenant: run the seed phase", b.label).into());
        }
        if loaded.len() < names.len() {
            println!(
                "{}: only {} of {} tenants are complete (seed them); cycling over those",
                b.label,
                loaded.len(),
                names.len()
            );
        }
        tenants.push(Arc::new(loaded));
    }
    let m = args.connections;
    println!(
        "\n## Clock cycle: {} clients, {:.0} s a round, {} rounds, one store of {m} connections \
         per backend\n",
        args.clients, args.seconds, args.rounds
    );
    let mut rounds: Vec<Vec<Round>> = backends.iter().map(|_| Vec::new()).collect();
    for r in 0..args.rounds {
        let mut order: Vec<usize> = (0..backends.len()).collect();
        if r % 2 == 1 {
            order.reverse();
        }
        for i in order {
            let b = &backends[i];
            let round =
                clock_round(b, &tenants[i], args.clients, args.seconds, r as u64 + 1).await?;
            println!(
                "  round {} {}: {:.0} cycles/s ({} cycles, {} errors); sessions named \
                 'attendance' at most {} of this process, {} in all, in {} samples{}",
                r + 1,
                b.label,
                round.cycles_per_second,
                round.cycles,
                round.errors,
                round.max_own,
                round.max_all,
                round.samples,
                if round.max_workers.is_empty() {
                    String::new()
                } else {
                    format!(
                        ", workers' 'citus…' sessions at most {:?}",
                        round.max_workers
                    )
                }
            );
            if let Some(e) = &round.first_error {
                println!("    first error: {e}");
            }
            rounds[i].push(round);
        }
    }

    let mut ok = true;
    println!(
        "\n| backend | tenants | employees | cycles/s per round | median cycles/s | errors | \
         'attendance' sessions of this process, max (M = {m}) | all 'attendance' sessions \
         on the node, max | workers' 'citus…' sessions, max |"
    );
    println!("|---|--:|--:|---|--:|--:|--:|--:|---|");
    let mut medians = Vec::new();
    for (i, b) in backends.iter().enumerate() {
        let rs = &rounds[i];
        let mut cps: Vec<f64> = rs.iter().map(|r| r.cycles_per_second).collect();
        let per_round = cps
            .iter()
            .map(|c| format!("{c:.0}"))
            .collect::<Vec<_>>()
            .join(", ");
        cps.sort_by(f64::total_cmp);
        let median = median(&cps);
        medians.push(median);
        let errors: u64 = rs.iter().map(|r| r.errors).sum();
        let max = rs.iter().map(|r| r.max_own).max().unwrap_or(0);
        let all = rs.iter().map(|r| r.max_all).max().unwrap_or(0);
        let workers = if b.workers.is_empty() {
            "-".to_owned()
        } else {
            b.workers
                .iter()
                .enumerate()
                .map(|(w, (name, _))| {
                    let most = rs.iter().map(|r| r.max_workers[w]).max().unwrap_or(0);
                    format!("{name}: {most}")
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        println!(
            "| {} | {} | {} | {per_round} | {median:.0} | {errors} | {max} | {all} | {workers} |",
            b.label,
            tenants[i].len(),
            tenants[i].iter().map(|t| t.employees.len()).sum::<usize>(),
        );
        lines.push(format!(
            "clock_{0}_cycles_per_second={median:.1} clock_{0}_errors={errors} \
             clock_{0}_max_connections={max} clock_{0}_max_connections_all={all} \
             clock_{0}_others_before={1}",
            b.label, b.others_before
        ));
        if max > i64::from(m) {
            ok = false;
            println!(
                "FAILED: {}: this process had {max} sessions named 'attendance' at once, \
                 more than max_connections = {m}",
                b.label
            );
        }
        if all > i64::from(m) && max <= i64::from(m) {
            println!(
                "note: {}: {all} sessions named 'attendance' at once on the node, of which at \
                 most {max} this process's: the others are other programs' ({} before the \
                 store connected)",
                b.label, b.others_before
            );
        }
    }
    if medians.len() == 2 {
        let ratio = medians[1] / medians[0];
        let mut per_round: Vec<f64> = rounds[1]
            .iter()
            .zip(&rounds[0])
            .map(|(c, s)| c.cycles_per_second / s.cycles_per_second)
            .collect();
        per_round.sort_by(f64::total_cmp);
        println!(
            "\ncoordinator / single node: {ratio:.2} (ratio of the medians); the rounds' own \
             ratios: median {:.2}, from {:.2} to {:.2}",
            median(&per_round),
            per_round.first().copied().unwrap_or(0.0),
            per_round.last().copied().unwrap_or(0.0)
        );
        lines.push(format!("clock_citus_vs_single={ratio:.2}"));
    }
    Ok(ok)
}
