//! The command line: the flags, their defaults and the phases.

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    Seed,
    Clock,
    Reads,
    Drop,
}

pub(crate) struct Args {
    pub(crate) single: String,
    pub(crate) citus: Option<String>,
    pub(crate) tenants: usize,
    pub(crate) prefix: String,
    pub(crate) seeders: usize,
    pub(crate) clients: usize,
    pub(crate) connections: u32,
    pub(crate) seconds: f64,
    pub(crate) rounds: usize,
    pub(crate) reads: usize,
    pub(crate) history_weeks: usize,
    pub(crate) phases: Vec<Phase>,
    pub(crate) threads: usize,
}

pub(crate) const USAGE: &str = "usage: tenants_bench [--single URL] [--citus URL] [--tenants N] [--prefix NAME] \
     [--seeders K] [--clients C] [--connections M] [--seconds T] [--rounds R] [--reads R] \
     [--history-weeks W] [--phases seed,clock,reads|drop] [--threads N]\n\
     defaults: --single postgres://postgres@127.0.0.1:5432/attendance_tenants_bench, no --citus, \
     --tenants 1000, --prefix bench, --seeders 4, --clients 8, --connections 16, --seconds 10, \
     --rounds 3, --reads 20, --history-weeks 4, --phases seed,clock,reads, --threads 1";

pub(crate) fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        single: "postgres://postgres@127.0.0.1:5432/attendance_tenants_bench".into(),
        citus: None,
        tenants: 1000,
        prefix: "bench".into(),
        seeders: 4,
        clients: 8,
        connections: 16,
        seconds: 10.0,
        rounds: 3,
        reads: 20,
        history_weeks: 4,
        phases: vec![Phase::Seed, Phase::Clock, Phase::Reads],
        threads: 1,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        if flag == "-h" || flag == "--help" {
            return Err(String::new());
        }
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let number = |v: &str| v.parse::<usize>().map_err(|e| format!("{flag}: {e}"));
        match flag.as_str() {
            "--single" => args.single = value,
            "--citus" => args.citus = Some(value),
            "--tenants" => args.tenants = number(&value)?,
            "--prefix" => args.prefix = value,
            "--seeders" => args.seeders = number(&value)?.max(1),
            "--clients" => args.clients = number(&value)?.max(1),
            "--connections" => {
                args.connections =
                    u32::try_from(number(&value)?.max(1)).map_err(|e| e.to_string())?
            }
            "--seconds" => args.seconds = value.parse().map_err(|e| format!("--seconds: {e}"))?,
            "--rounds" => args.rounds = number(&value)?.max(1),
            "--reads" => args.reads = number(&value)?.max(1),
            "--history-weeks" => args.history_weeks = number(&value)?.clamp(1, 52),
            "--threads" => args.threads = number(&value)?,
            "--phases" => {
                args.phases = value
                    .split(',')
                    .map(|p| match p.trim() {
                        "seed" => Ok(Phase::Seed),
                        "clock" => Ok(Phase::Clock),
                        "reads" => Ok(Phase::Reads),
                        "drop" => Ok(Phase::Drop),
                        other => Err(format!("--phases: unknown phase {other:?}")),
                    })
                    .collect::<Result<_, _>>()?;
                if args.phases.contains(&Phase::Drop) && args.phases.len() > 1 {
                    return Err("--phases: drop runs on its own".into());
                }
            }
            other => return Err(format!("unknown flag {other}")),
        }
    }
    // Tenant names: lower-case letters, digits and underscores (the
    // library checks them too; this keeps the message early).
    if !args.prefix.starts_with(|c: char| c.is_ascii_lowercase())
        || !args
            .prefix
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        return Err(format!(
            "--prefix {:?}: lower-case letters, digits, _",
            args.prefix
        ));
    }
    if args.citus.is_some() && !args.prefix.starts_with("bench") {
        return Err("--prefix must start with `bench` on the shared Citus coordinator".into());
    }
    Ok(args)
}
