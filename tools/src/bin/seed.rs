//! Seeds a realistic company into PostgreSQL through the bulk import.
//!
//! ```sh
//! DATABASE_URL=postgres://postgres@127.0.0.1:5432/attendance_bench \
//!     cargo run --release -p attendance-tools --bin seed -- --reset
//! ```
//!
//! By default: 10,000 employees in 50 teams across ten timezones, the 250
//! working days up to two days ago, about 2.5 M sessions.
//! Employees have their own habits: how often they work from home, how
//! punctual they are, whether they clock out for lunch; the operations teams
//! work night shifts that end after midnight; a few sessions of the last day
//! are left open. Work time as `company::create_worktime` describes it: a
//! pattern per team, holiday calendars, absences, break rules; nobody
//! works a day they are away, and only the night shifts work full
//! holidays. The data is the same for the same `--seed`.
//!
//! Flags:
//! - `--employees N` (10000), `--teams N` (50), `--days N` (250 working days),
//!   `--until YYYY-MM-DD` (two days ago, so that the night shifts of the
//!   last day have ended, in every timezone), `--open N`
//!   (20 sessions left open), `--seed N` (1);
//! - `--reset`: empty the attendance tables first (ids start at 1 again);
//! - `--no-sessions`: teams and employees only;
//! - `--csv PATH`: also write the sessions as CSV
//!   (`employee_id,clock_in,clock_out,work_mode,work_date`), the format of
//!   both `ImportBatch::from_csv` and `psql \copy … (FORMAT csv, HEADER)`;
//! - `--import-csv PATH`: import that CSV file instead of generating
//!   sessions (teams and employees must exist); instants in RFC 3339 or as
//!   PostgreSQL prints them, so the output of `psql -c "\copy (SELECT
//!   employee_id, clock_in, clock_out, work_mode, work_date FROM
//!   attendance.sessions) TO 'sessions.csv' WITH (FORMAT csv, HEADER)"`
//!   works too;
//! - `--strategy direct|staged`: the import strategy (default direct).
//!
//! The last line is machine-readable:
//! `import_rows=… import_seconds=… import_rows_per_second=…`.

use std::error::Error;
use std::io::Write;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use attendance::core::domain::DEFAULT_FUTURE_TOLERANCE;
use attendance::core::import::{ImportBatch, ImportProgress, ImportRow};
use attendance::core::service::{Clock, SystemClock};
use attendance::pg::{Imported, Strategy};
use attendance::pg::{PgConfig, PgStore};
use chrono::{NaiveDate, SecondsFormat};
use indicatif::{ProgressBar, ProgressStyle};

#[path = "../common/company.rs"]
mod company;

use company::{Rng, create_company, create_worktime, generate, working_days};

struct Args {
    employees: usize,
    teams: usize,
    days: usize,
    until: Option<NaiveDate>,
    open: usize,
    seed: u64,
    reset: bool,
    sessions: bool,
    csv: Option<String>,
    import_csv: Option<String>,
    strategy: Strategy,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        employees: 10_000,
        teams: 50,
        days: 250,
        until: None,
        open: 20,
        seed: 1,
        reset: false,
        sessions: true,
        csv: None,
        import_csv: None,
        strategy: Strategy::Direct,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        let number = |v: String| v.parse::<usize>().map_err(|e| format!("{flag}: {e}"));
        match flag.as_str() {
            "--employees" => args.employees = number(value()?)?,
            "--teams" => args.teams = number(value()?)?.max(1),
            "--days" => args.days = number(value()?)?,
            "--open" => args.open = number(value()?)?,
            "--seed" => args.seed = number(value()?)? as u64,
            "--until" => args.until = Some(value()?.parse().map_err(|e| format!("--until: {e}"))?),
            "--reset" => args.reset = true,
            "--no-sessions" => args.sessions = false,
            "--csv" => args.csv = Some(value()?),
            "--import-csv" => args.import_csv = Some(value()?),
            "--strategy" => {
                args.strategy = match value()?.as_str() {
                    "direct" => Strategy::Direct,
                    "staged" => Strategy::Staged,
                    other => return Err(format!("--strategy: {other:?} is not direct|staged")),
                }
            }
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown flag {other}")),
        }
    }
    Ok(args)
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("{message}");
            }
            eprintln!(
                "usage: cargo run --release -p attendance-tools --bin seed -- [--employees N] [--teams N] \
                 [--days N] [--until YYYY-MM-DD] [--open N] [--seed N] [--reset] \
                 [--no-sessions] [--csv PATH] [--import-csv PATH] [--strategy direct|staged]"
            );
            return ExitCode::from(2);
        }
    };
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("seed failed: {e}");
            let mut source = e.source();
            while let Some(cause) = source {
                eprintln!("  caused by: {cause}");
                source = cause.source();
            }
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<(), Box<dyn Error>> {
    let url = std::env::var("DATABASE_URL").map_err(
        |_| "set DATABASE_URL, e.g. postgres://postgres@127.0.0.1:5432/attendance_bench",
    )?;
    let store = PgStore::connect(&PgConfig::new(url).max_connections(2)).await?;
    store.migrate().await?;

    if let Some(path) = &args.import_csv {
        println!("reading {path}");
        let started = Instant::now();
        let csv = std::fs::read_to_string(path)?;
        let batch = ImportBatch::from_csv(&csv);
        println!(
            "read {} records in {:.2} s",
            batch.len(),
            started.elapsed().as_secs_f64()
        );
        let (imported, elapsed) = import(&store, args.strategy, batch).await?;
        return finish(imported, elapsed);
    }

    if args.reset {
        sqlx::query(
            // CASCADE: manager appointments, API tokens and the work-time
            // settings name employees, teams or patterns, and a reset
            // company has none of them left.
            "TRUNCATE attendance.sessions, attendance.employees, attendance.teams, \
             attendance.work_patterns RESTART IDENTITY CASCADE",
        )
        .execute(store.pool())
        .await?;
    }
    let mut rng = Rng(args.seed);
    let people = create_company(&store, args.employees, args.teams, &mut rng).await?;
    println!(
        "{} employees in {} teams",
        people.len(),
        args.teams.min(args.employees.max(1))
    );
    if !args.sessions {
        return Ok(());
    }

    let days = working_days(args.until, args.days);
    // A stream of its own, so that the sessions are those of a seed
    // without work time, less the days nobody would have worked.
    let mut work_rng = Rng(args.seed ^ 0x5eed_0f71);
    let work = create_worktime(&store, &days, &mut work_rng).await?;
    println!(
        "{} work patterns, {} holidays, {} absences, {} teams with a break rule",
        work.patterns, work.holiday_count, work.absences, work.break_rules
    );
    let started = Instant::now();
    let mut rows = generate(&people, &days, args.open, &mut rng);
    rows.retain(|row| work.keep(row));
    println!(
        "generated {} sessions over {} working days ({} to {}) in {:.1} s",
        rows.len(),
        days.len(),
        days.first().map(ToString::to_string).unwrap_or_default(),
        days.last().map(ToString::to_string).unwrap_or_default(),
        started.elapsed().as_secs_f64()
    );
    if let Some(path) = &args.csv {
        write_csv(path, &rows)?;
        println!("wrote {path}");
    }
    let (imported, elapsed) = import(&store, args.strategy, ImportBatch::from_rows(rows)).await?;
    finish(imported, elapsed)
}

/// Runs one import under a progress bar; returns what it did and its time.
async fn import(
    store: &PgStore,
    strategy: Strategy,
    batch: ImportBatch,
) -> Result<(Imported, Duration), Box<dyn Error>> {
    let bar = ProgressBar::new(0).with_style(ProgressStyle::with_template(
        "{msg:9} [{elapsed_precise}] {wide_bar} {human_pos}/{human_len} rows, {eta} left",
    )?);
    // Until the first chunk goes out, the rows are being checked.
    bar.set_message("checking");
    bar.enable_steady_tick(Duration::from_millis(200));
    let progress = bar.clone();
    let batch = batch.on_progress(move |p: ImportProgress| {
        progress.set_message("importing");
        progress.set_length(p.total);
        progress.set_position(p.sent);
    });
    let started = Instant::now();
    let imported = store
        .importer()
        .strategy(strategy)
        .import(batch, SystemClock.now(), DEFAULT_FUTURE_TOLERANCE)
        .await;
    let elapsed = started.elapsed();
    bar.finish_and_clear();
    Ok((imported?, elapsed))
}

fn finish(imported: Imported, elapsed: Duration) -> Result<(), Box<dyn Error>> {
    let Imported {
        report, strategy, ..
    } = imported;
    for rejected in report.rejected.iter().take(10) {
        println!("rejected line {}: {}", rejected.line, rejected.reason);
    }
    if report.rejected.len() > 10 {
        println!("… and {} more rejected", report.rejected.len() - 10);
    }
    let seconds = elapsed.as_secs_f64();
    println!(
        "imported {} of {} sessions ({} rejected) with the {:?} strategy in {seconds:.2} s",
        report.inserted,
        report.rows,
        report.rejected.len(),
        strategy
    );
    println!(
        "import_rows={} import_seconds={seconds:.3} import_rows_per_second={:.0}",
        report.inserted,
        report.inserted as f64 / seconds.max(1e-9)
    );
    Ok(())
}

fn write_csv(path: &str, rows: &[ImportRow]) -> Result<(), Box<dyn Error>> {
    let mut out = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    writeln!(out, "employee_id,clock_in,clock_out,work_mode,work_date")?;
    for row in rows {
        let clock_out = row
            .clock_out
            .map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true))
            .unwrap_or_default();
        writeln!(
            out,
            "{},{},{},{},{}",
            row.employee_id,
            row.clock_in.to_rfc3339_opts(SecondsFormat::Secs, true),
            clock_out,
            row.work_mode,
            row.work_date.map(|d| d.to_string()).unwrap_or_default()
        )?;
    }
    out.flush()?;
    Ok(())
}
