//! Seeding: `--tenants` tenants of 10 teams of 10 employees, made
//! through the library by `--seeders` tasks, resuming a half-made run.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use attendance::core::service::AttendanceService;
use attendance::core::{NewEmployee, NewTeam};
use attendance::pg::{PgStore, TenantError};

use crate::backend::Backend;
use crate::stats::percentile;
use crate::{BoxError, EMPLOYEES, PER_TEAM, TEAMS};

/// One timezone per team, as a company with offices would have.
const ZONES: [&str; TEAMS] = [
    "Europe/Berlin",
    "Europe/London",
    "America/New_York",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Asia/Kolkata",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Africa/Lagos",
    "UTC",
];
const ROLES: [&str; 4] = ["Engineer", "Analyst", "Support Specialist", "Operator"];

/// What one tenant's seeding did.
pub(crate) enum Seeded {
    /// Complete already: nothing written.
    Complete,
    /// Created or completed, in this long.
    Made(Duration),
}

/// Makes `name` complete: the tenant, its teams, its employees; whatever
/// exists already is kept (a rerun after a crash completes the tenant).
pub(crate) async fn seed_tenant(store: &PgStore, name: &str) -> Result<Seeded, BoxError> {
    let started = Instant::now();
    let tenant = match store.find_tenant(name).await {
        Ok(tenant) => tenant,
        Err(TenantError::NotFound(_)) => match store.create_tenant(name).await {
            Ok(tenant) => tenant,
            Err(TenantError::Exists(_)) => store.find_tenant(name).await?,
            Err(e) => return Err(e.into()),
        },
        Err(e) => return Err(e.into()),
    };
    let service = AttendanceService::new(Arc::new(store.for_tenant(tenant)));
    let teams = service.teams(Some(500), None).await?.items;
    let employees = service.employees(None, Some(500), None).await?.items;
    if teams.len() >= TEAMS && employees.len() >= EMPLOYEES {
        return Ok(Seeded::Complete);
    }
    for (t, zone) in ZONES.iter().enumerate() {
        let team_name = format!("Team {t}");
        let team = match teams.iter().find(|x| x.name == team_name) {
            Some(team) => team.id,
            None => {
                service
                    .create_team(&NewTeam::new(&team_name)?.with_timezone(zone)?)
                    .await?
                    .id
            }
        };
        for e in 0..PER_TEAM {
            let employee_name = format!("Employee {t}-{e}");
            if employees.iter().any(|x| x.name == employee_name) {
                continue;
            }
            let role = if e == 0 {
                "Manager"
            } else {
                ROLES[(t + e) % ROLES.len()]
            };
            service
                .create_employee(&NewEmployee::new(&employee_name, role, team)?.manager(e == 0))
                .await?;
        }
    }
    Ok(Seeded::Made(started.elapsed()))
}

pub(crate) struct SeedReport {
    tenants: usize,
    made: Vec<Duration>,
    wall: Duration,
}

impl SeedReport {
    pub(crate) fn print(&self, label: &str, lines: &mut Vec<String>) {
        let made = self.made.len();
        let mut each: Vec<f64> = self.made.iter().map(Duration::as_secs_f64).collect();
        each.sort_by(f64::total_cmp);
        let wall = self.wall.as_secs_f64();
        let per_tenant = if made == 0 { 0.0 } else { wall / made as f64 };
        if made == 0 {
            println!(
                "{label}: {} tenants, all complete already (checked in {wall:.1} s)",
                self.tenants
            );
            lines.push(format!(
                "seed_{label}_tenants={} seed_{label}_made=0",
                self.tenants
            ));
            return;
        }
        println!(
            "{label}: {} tenants, {made} seeded now ({} complete already) in {wall:.1} s: \
             {per_tenant:.3} s of wall time per tenant seeded; one tenant's own time: \
             median {:.3} s, p95 {:.3} s",
            self.tenants,
            self.tenants - made,
            percentile(&each, 0.5),
            percentile(&each, 0.95),
        );
        lines.push(format!(
            "seed_{label}_tenants={} seed_{label}_made={made} seed_{label}_seconds={wall:.1} \
             seed_{label}_seconds_per_tenant={per_tenant:.3} seed_{label}_tenant_p50={:.3}",
            self.tenants,
            percentile(&each, 0.5)
        ));
    }
}

pub(crate) async fn seed_all(
    b: &Backend,
    names: Arc<Vec<String>>,
    seeders: usize,
) -> Result<SeedReport, BoxError> {
    let started = Instant::now();
    let next = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..seeders {
        let (store, names, next, done) =
            (b.store.clone(), names.clone(), next.clone(), done.clone());
        let label = b.label;
        tasks.push(tokio::spawn(async move {
            let mut made = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(name) = names.get(i) else {
                    return Ok::<_, BoxError>(made);
                };
                match seed_tenant(&store, name)
                    .await
                    .map_err(|e| format!("seeding {name}: {e}"))?
                {
                    Seeded::Complete => {}
                    Seeded::Made(took) => made.push(took),
                }
                let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                if n % 50 == 0 || n == names.len() {
                    println!(
                        "  {label}: {n}/{} tenants checked, {:.0} s",
                        names.len(),
                        started.elapsed().as_secs_f64()
                    );
                }
            }
        }));
    }
    let mut made = Vec::new();
    for task in tasks {
        made.extend(task.await??);
    }
    Ok(SeedReport {
        tenants: names.len(),
        made,
        wall: started.elapsed(),
    })
}
