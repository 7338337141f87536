//! Seeds a realistic company into PostgreSQL through the bulk import.
//!
//! ```sh
//! DATABASE_URL=postgres://postgres@127.0.0.1:5432/attendance_bench \
//!     cargo run --release --example seed -- --reset
//! ```
//!
//! By default: 10,000 employees in 50 teams across ten timezones, the 250
//! working days up to two days ago, about 2.5 M sessions.
//! Employees have their own habits: how often they work from home, how
//! punctual they are, whether they clock out for lunch; the operations teams
//! work night shifts that end after midnight; a few sessions of the last day
//! are left open. The data is the same for the same `--seed`.
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

use attendance::core::domain::{DEFAULT_FUTURE_TOLERANCE, work_date};
use attendance::core::import::{ImportBatch, ImportProgress, ImportRow};
use attendance::core::service::{Clock, SystemClock};
use attendance::core::{EmployeeId, NewTeam, WorkMode};
use attendance::pg::{Imported, Strategy};
use attendance::pg::{PgConfig, PgStore};
use chrono::{
    DateTime, Datelike, Days, NaiveDate, NaiveDateTime, NaiveTime, SecondsFormat, TimeDelta,
    TimeZone, Utc, Weekday,
};
use chrono_tz::Tz;
use indicatif::{ProgressBar, ProgressStyle};

/// Ten offices, from UTC-8 to UTC+11, with DST rules of both hemispheres.
const CITIES: [(&str, &str); 10] = [
    ("Berlin", "Europe/Berlin"),
    ("London", "Europe/London"),
    ("New York", "America/New_York"),
    ("San Francisco", "America/Los_Angeles"),
    ("São Paulo", "America/Sao_Paulo"),
    ("Bangalore", "Asia/Kolkata"),
    ("Tokyo", "Asia/Tokyo"),
    ("Sydney", "Australia/Sydney"),
    ("Lagos", "Africa/Lagos"),
    ("Remote", "UTC"),
];

/// Departments and their roles; `Operations` works night shifts.
const DEPARTMENTS: [(&str, &[&str]); 5] = [
    (
        "Engineering",
        &["Engineer", "Senior Engineer", "SRE", "QA Engineer"],
    ),
    ("Sales", &["Account Executive", "Sales Engineer"]),
    ("Support", &["Support Engineer", "Support Specialist"]),
    ("Operations", &["Operator", "Shift Technician"]),
    ("Finance", &["Accountant", "Controller", "Analyst"]),
];

const FIRST: [&str; 24] = [
    "Ada",
    "Alan",
    "Grace",
    "Edsger",
    "Barbara",
    "Ken",
    "Margaret",
    "Dennis",
    "Frances",
    "Donald",
    "Radia",
    "John",
    "Hedy",
    "Linus",
    "Sophie",
    "Tim",
    "Katherine",
    "Guido",
    "Anita",
    "Bjarne",
    "Shafi",
    "Leslie",
    "Mary",
    "Niklaus",
];
const LAST: [&str; 24] = [
    "Lovelace",
    "Turing",
    "Hopper",
    "Dijkstra",
    "Liskov",
    "Thompson",
    "Hamilton",
    "Ritchie",
    "Allen",
    "Knuth",
    "Perlman",
    "Backus",
    "Lamarr",
    "Torvalds",
    "Wilson",
    "Berners-Lee",
    "Johnson",
    "van Rossum",
    "Borg",
    "Stroustrup",
    "Goldwasser",
    "Lamport",
    "Kenneth",
    "Wirth",
];

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

/// SplitMix64: small, fast and deterministic.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// Roughly normal minutes around 0 with the given spread (sum of three
    /// uniforms).
    fn minutes(&mut self, spread: f64) -> i64 {
        let s = self.unit() + self.unit() + self.unit() - 1.5;
        (s * spread) as i64
    }
}

/// What one person tends to do.
struct Habits {
    employee: EmployeeId,
    tz: Tz,
    night_shift: bool,
    presence: f64,
    wfh_share: f64,
    /// Mean arrival, minutes after local midnight.
    arrival: i64,
    lunch_clock_out: f64,
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
                "usage: cargo run --release --example seed -- [--employees N] [--teams N] \
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
            "TRUNCATE attendance.sessions, attendance.employees, attendance.teams \
             RESTART IDENTITY",
        )
        .execute(store.pool())
        .await?;
    }
    let mut rng = Rng(args.seed);
    let people = create_company(&store, &args, &mut rng).await?;
    println!(
        "{} employees in {} teams",
        people.len(),
        args.teams.min(args.employees.max(1))
    );
    if !args.sessions {
        return Ok(());
    }

    let days = working_days(args.until, args.days);
    let started = Instant::now();
    let rows = generate(&people, &days, args.open, &mut rng);
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

/// Teams and employees, in one statement each; returns everyone's habits.
async fn create_company(
    store: &PgStore,
    args: &Args,
    rng: &mut Rng,
) -> Result<Vec<Habits>, Box<dyn Error>> {
    let teams = args.teams.min(args.employees.max(1));
    let mut team_ids = Vec::with_capacity(teams);
    let mut team_info = Vec::with_capacity(teams);
    for i in 0..teams {
        let (city, zone) = CITIES[i % CITIES.len()];
        let (department, roles) = DEPARTMENTS[(i / CITIES.len()) % DEPARTMENTS.len()];
        let round = i / (CITIES.len() * DEPARTMENTS.len());
        let name = if round == 0 {
            format!("{department} {city}")
        } else {
            format!("{department} {city} {}", round + 1)
        };
        let night = department == "Operations";
        let mut new = NewTeam::new(&name)?.with_timezone(zone)?;
        if night {
            new = new.with_late_after(NaiveTime::from_hms_opt(22, 15, 0).unwrap_or_default());
        }
        let team = attendance::core::store::TeamStore::create_team(store, &new).await?;
        team_ids.push(team.id.0);
        team_info.push((team.timezone, roles, night));
    }

    let (mut team_col, mut names, mut role_col, mut managers) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for i in 0..args.employees {
        let t = i % teams;
        let (_, roles, _) = team_info[t];
        let manager = i < teams;
        team_col.push(team_ids[t]);
        names.push(format!(
            "{} {}",
            FIRST[rng.below(FIRST.len())],
            LAST[rng.below(LAST.len())]
        ));
        role_col.push(if manager {
            "Manager".to_owned()
        } else {
            roles[rng.below(roles.len())].to_owned()
        });
        managers.push(manager);
    }
    let ids: Vec<(i64, i64)> = sqlx::query_as(
        "INSERT INTO attendance.employees (team_id, name, role, is_manager) \
         SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bool[]) \
         RETURNING id, team_id",
    )
    .bind(&team_col)
    .bind(&names)
    .bind(&role_col)
    .bind(&managers)
    .fetch_all(store.pool())
    .await?;

    let mut people = Vec::with_capacity(ids.len());
    for (id, team_id) in ids {
        let t = team_ids.iter().position(|&x| x == team_id).unwrap_or(0);
        let (tz, _, night) = team_info[t];
        let wfh_share = [0.0, 0.2, 0.4, 0.4, 0.6, 0.8, 1.0][rng.below(7)];
        people.push(Habits {
            employee: EmployeeId(id),
            tz,
            night_shift: night,
            presence: 0.88 + rng.unit() * 0.1,
            wfh_share: if night { 0.0 } else { wfh_share },
            arrival: if night {
                21 * 60 + 50 + rng.minutes(20.0)
            } else {
                8 * 60 + 40 + rng.minutes(60.0)
            },
            lunch_clock_out: if rng.chance(0.3) { 0.3 } else { 0.02 },
        });
    }
    Ok(people)
}

/// The `n` working days (Monday to Friday) up to `until`, oldest first.
fn working_days(until: Option<NaiveDate>, n: usize) -> Vec<NaiveDate> {
    let mut day = until.unwrap_or_else(|| Utc::now().date_naive() - Days::new(2));
    let mut days = Vec::with_capacity(n);
    while days.len() < n {
        if !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
            days.push(day);
        }
        day = day - Days::new(1);
    }
    days.reverse();
    days
}

fn local(tz: Tz, date: NaiveDate, minutes: i64) -> Option<DateTime<Utc>> {
    let at: NaiveDateTime = date.and_time(NaiveTime::MIN) + TimeDelta::minutes(minutes);
    tz.from_local_datetime(&at)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

/// Sessions day by day, as a clock would have produced them.
fn generate(people: &[Habits], days: &[NaiveDate], open: usize, rng: &mut Rng) -> Vec<ImportRow> {
    let mut rows = Vec::with_capacity(people.len() * days.len() * 11 / 10);
    let last = days.len().saturating_sub(1);
    // On the last day, these people forget to clock out (or are still in).
    let mut forgetful = vec![false; people.len()];
    for _ in 0..open.min(people.len()) {
        forgetful[rng.below(people.len())] = true;
    }
    for (d, &date) in days.iter().enumerate() {
        for (p, who) in people.iter().enumerate() {
            if !rng.chance(who.presence) {
                continue;
            }
            let mode = if rng.chance(who.wfh_share) {
                WorkMode::Wfh
            } else {
                WorkMode::Wfo
            };
            // Mostly near the habit, sometimes stuck in traffic.
            let mut arrival = who.arrival + rng.minutes(40.0);
            if rng.chance(0.04) {
                arrival += 30 + rng.below(90) as i64;
            }
            let length = if who.night_shift { 8 * 60 } else { 8 * 60 + 30 } + rng.minutes(90.0);
            let leave = arrival + length.max(60);
            let keep_open = d == last && forgetful[p];
            let mut push = |from: i64, to: Option<i64>, mode: WorkMode| {
                if let Some(clock_in) = local(who.tz, date, from) {
                    let clock_out = to.and_then(|to| local(who.tz, date, to));
                    if to.is_none() || clock_out.is_some_and(|o| o > clock_in) {
                        // The source states the work date; the import checks it.
                        let work_date = work_date(who.tz, clock_in);
                        rows.push(
                            ImportRow::new(who.employee, mode, clock_in, clock_out)
                                .with_work_date(work_date),
                        );
                    }
                }
            };
            if !who.night_shift && rng.chance(who.lunch_clock_out) {
                // Out for lunch around noon; now and then back from home.
                let out = (12 * 60 + rng.minutes(60.0)).max(arrival + 60);
                let back = out + 30 + rng.below(31) as i64;
                let after = if rng.chance(0.1) { WorkMode::Wfh } else { mode };
                push(arrival, Some(out), mode);
                push(back, (!keep_open).then_some(leave.max(back + 60)), after);
            } else {
                push(arrival, (!keep_open).then_some(leave), mode);
            }
        }
    }
    rows
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
