//! The company's month as a timesheet file: the library's CSV
//! (`PgStore::timesheet` through `attendance_export::write_csv`) against
//! psql copying the same rows (`benches/export.copy.sql`: the store's ledger
//! lines and a hand-written SELECT of the same rows and columns), then the
//! XLSX workbook.
//!
//! ```sh
//! benches/export.sh          # seeds the company if needed, builds, runs this
//! # or, on a database the seed tool filled:
//! DATABASE_URL=postgres://postgres@127.0.0.1:5432/attendance_export_bench \
//!     cargo run --release -p attendance-tools --bin export_bench -- [--samples 3] [--dir /tmp]
//! ```
//!
//! The two sides run alternately, `--samples` times each; the files are
//! compared byte for byte (line ends aside: CSV's CRLF, COPY's LF) before
//! any time is printed, so the race is fair. Peak memory is this process's
//! `VmHWM`, reset (`/proc/self/clear_refs`) before the CSV runs and before
//! the XLSX run. The last lines are machine-readable `name=value`s:
//! `export_csv_vs_copy` is the library's CSV speed over psql's (higher is
//! better; the target is at least 0.8).
// A benchmark is test code: a failure must stop it loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use attendance::core::access::{Actor, Scope};
use attendance::core::audit::Stamp;
use attendance::core::close::NewPeriodLock;
use attendance::core::export::{LockCoverage, TimesheetQuery};
use attendance::core::idempotency::Write;
use attendance::core::store::{AnalyticsStore, AttendanceStore};
use attendance::core::worktime::LedgerPeriod;
use attendance::core::{Conflict, Error};
use attendance::pg::{PgConfig, PgStore};
use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveTime, Utc};

/// The same file as the library's, from the store's ledger lines.
const SAME_FILE: &str = "export.copy.sql";
/// The store's own statement as it is: the floor of the database's part.
const ROWS_ONLY: &str = "export.rows.copy.sql";

struct Args {
    samples: usize,
    dir: PathBuf,
}

fn args() -> Args {
    let mut args = Args {
        samples: 3,
        dir: std::env::temp_dir(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--samples" => args.samples = value().parse::<usize>().unwrap().max(1),
            "--dir" => args.dir = PathBuf::from(value()),
            other => panic!("unknown flag {other}; see the top of tools/src/bin/export_bench.rs"),
        }
    }
    args
}

/// This process's peak resident memory since the last reset, in KiB.
fn vm_hwm_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM in /proc/self/status")
}

/// Makes the peak start again from the current resident memory.
fn reset_hwm() {
    std::fs::write("/proc/self/clear_refs", "5").expect("reset VmHWM (/proc/self/clear_refs)");
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

async fn library_csv(
    store: &PgStore,
    q: &TimesheetQuery,
    now: DateTime<Utc>,
    path: &Path,
) -> Duration {
    let start = Instant::now();
    let mut out = BufWriter::with_capacity(64 * 1024, File::create(path).unwrap());
    attendance_export::write_csv(store.timesheet(q.clone(), now), &mut out)
        .await
        .expect("the library's CSV");
    drop(out);
    start.elapsed()
}

/// The rows read and dropped: the database's and the decoding's share of
/// the library's time.
async fn rows_alone(store: &PgStore, q: &TimesheetQuery, now: DateTime<Utc>) -> Duration {
    let start = Instant::now();
    let mut rows = store.timesheet(q.clone(), now);
    while let Some(row) = std::future::poll_fn(|cx| rows.as_mut().poll_next(cx)).await {
        row.expect("a timesheet row");
    }
    start.elapsed()
}

/// psql running `benches/<file>` for the period, its output into `path`.
fn psql_copy(
    file: &str,
    url: &str,
    period: &LedgerPeriod,
    now: DateTime<Utc>,
    path: &Path,
) -> Duration {
    let copy = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../benches")
        .join(file);
    let start = Instant::now();
    let status = Command::new("psql")
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1"])
        .arg("-v")
        .arg(format!("from={}", period.from()))
        .arg("-v")
        .arg(format!("to={}", period.to()))
        .arg("-v")
        .arg(format!("now={}", now.to_rfc3339()))
        .arg("-f")
        .arg(&copy)
        // As on the store's own connections (see `without_jit` in
        // attendance-pg): compiling this plan takes longer than running it.
        // The store's statements name their tables unqualified, on its
        // default tenant's search_path.
        .env("PGOPTIONS", "-c jit=off -c search_path=attendance")
        .arg(url)
        .stdout(File::create(path).unwrap())
        .status()
        .expect("run psql (apt-get install postgresql-client)");
    assert!(status.success(), "psql failed: {status}");
    start.elapsed()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args = args();
    let url = std::env::var("DATABASE_URL")
        .expect("set DATABASE_URL to a seeded database (see the top of this file)");
    let store = PgStore::connect(&PgConfig::new(&url).max_connections(2))
        .await
        .expect("connect to DATABASE_URL");

    // The last complete month before the last work date; now is the noon
    // after that date, so every line of the month exists.
    let last: NaiveDate = sqlx::query_scalar("SELECT max(work_date) FROM attendance.sessions")
        .fetch_one(store.pool())
        .await
        .expect("the database has no sessions: seed it first");
    let first_of_last = last.with_day(1).unwrap();
    let to = first_of_last - Days::new(1);
    let from = to.with_day(1).unwrap();
    let period = LedgerPeriod::new(from, to).unwrap();
    let now = last
        .and_time(NaiveTime::from_hms_opt(12, 0, 0).unwrap())
        .and_utc();
    let q = TimesheetQuery {
        period,
        team_id: None,
        employee_id: None,
        scope: Scope::All,
    };
    // The first half of the month is final, as payroll would leave it:
    // half the rows are locked, through the store's own write.
    let half = NewPeriodLock::new(None, from, from + Days::new(14), Some("export bench")).unwrap();
    let stamp = Stamp {
        actor: Actor::System,
        at: Utc::now(),
    };
    match store.write(&stamp, &Write::LockPeriod(half)).await {
        Ok(_) | Err(Error::Conflict(Conflict::LockOverlap { .. })) => {}
        Err(e) => panic!("lock the first half of the month: {e:?}"),
    }
    let lib_path = args.dir.join("export_bench_library.csv");
    let copy_path = args.dir.join("export_bench_copy.csv");
    let xlsx_path = args.dir.join("export_bench_library.xlsx");
    println!(
        "period {from} to {to} (the first 15 days locked), now {now}, {} samples per side",
        args.samples
    );

    // Warm both sides once (caches, the prepared statement), then compare.
    library_csv(&store, &q, now, &lib_path).await;
    psql_copy(SAME_FILE, &url, &period, now, &copy_path);
    let ours = std::fs::read(&lib_path).unwrap();
    let theirs = std::fs::read(&copy_path).unwrap();
    let ours_lf: Vec<u8> = String::from_utf8(ours.clone())
        .unwrap()
        .replace("\r\n", "\n")
        .into_bytes();
    if ours_lf != theirs {
        let a = String::from_utf8_lossy(&ours_lf);
        let b = String::from_utf8_lossy(&theirs);
        let (n, (x, y)) = a
            .lines()
            .zip(b.lines())
            .enumerate()
            .find(|(_, (x, y))| x != y)
            .unwrap_or((0, ("(lengths differ)", "")));
        panic!(
            "the files differ at line {}:\nlibrary: {x}\npsql:    {y}",
            n + 1
        );
    }
    let rows = ours.iter().filter(|b| **b == b'\n').count() - 1;
    let bytes = ours.len();
    drop((ours, ours_lf, theirs));

    let mut lib_times = Vec::new();
    let mut copy_times = Vec::new();
    let mut rows_times = Vec::new();
    let mut stream_times = Vec::new();
    reset_hwm();
    let base_kib = vm_hwm_kib();
    for _ in 0..args.samples {
        lib_times.push(library_csv(&store, &q, now, &lib_path).await);
        copy_times.push(psql_copy(SAME_FILE, &url, &period, now, &copy_path));
        rows_times.push(psql_copy(ROWS_ONLY, &url, &period, now, &copy_path));
        stream_times.push(rows_alone(&store, &q, now).await);
    }
    let csv_hwm_kib = vm_hwm_kib();

    reset_hwm();
    let xlsx_base_kib = vm_hwm_kib();
    let start = Instant::now();
    let book = attendance_export::xlsx(store.timesheet(q.clone(), now), LockCoverage::None)
        .await
        .expect("the library's XLSX");
    let xlsx_time = start.elapsed();
    let xlsx_hwm_kib = vm_hwm_kib();
    std::fs::write(&xlsx_path, &book).unwrap();

    let lib = median(lib_times);
    let copy = median(copy_times);
    let rows_only = median(rows_times);
    let stream = median(stream_times);
    let ratio = copy.as_secs_f64() / lib.as_secs_f64();
    let rows_ratio = rows_only.as_secs_f64() / lib.as_secs_f64();
    println!();
    println!("| what | median | rows/s | MB/s | peak RSS |");
    println!("|---|---:|---:|---:|---:|");
    let per_s = |d: Duration| rows as f64 / d.as_secs_f64();
    let mb_s = |d: Duration| bytes as f64 / 1e6 / d.as_secs_f64();
    println!(
        "| library CSV (store stream + writer) | {:.2} s | {:.0} | {:.1} | {:.1} MiB |",
        lib.as_secs_f64(),
        per_s(lib),
        mb_s(lib),
        mib(csv_hwm_kib)
    );
    println!(
        "| of which the store's stream alone (rows read and dropped) | {:.2} s | {:.0} | | |",
        stream.as_secs_f64(),
        per_s(stream),
    );
    println!(
        "| psql COPY of the same rows | {:.2} s | {:.0} | {:.1} | (psql's) |",
        copy.as_secs_f64(),
        per_s(copy),
        mb_s(copy)
    );
    println!(
        "| psql COPY of the store's statement (day rows, no totals or formatting) | {:.2} s | {:.0} | | (psql's) |",
        rows_only.as_secs_f64(),
        per_s(rows_only),
    );
    println!(
        "| library XLSX (both sheets) | {:.2} s | {:.0} | {:.1} (file) | {:.1} MiB |",
        xlsx_time.as_secs_f64(),
        per_s(xlsx_time),
        book.len() as f64 / 1e6 / xlsx_time.as_secs_f64(),
        mib(xlsx_hwm_kib)
    );
    println!();
    println!("export_rows={rows}");
    println!("export_csv_bytes={bytes}");
    println!("export_files_identical=true");
    println!("export_csv_seconds={:.3}", lib.as_secs_f64());
    println!("export_copy_seconds={:.3}", copy.as_secs_f64());
    println!("export_csv_vs_copy={ratio:.2}");
    println!("export_stream_seconds={:.3}", stream.as_secs_f64());
    println!("export_rows_copy_seconds={:.3}", rows_only.as_secs_f64());
    println!("export_csv_vs_rows_copy={rows_ratio:.2}");
    println!("export_csv_rss_before_mib={:.1}", mib(base_kib));
    println!("export_csv_peak_rss_mib={:.1}", mib(csv_hwm_kib));
    println!("export_xlsx_seconds={:.3}", xlsx_time.as_secs_f64());
    println!("export_xlsx_bytes={}", book.len());
    println!("export_xlsx_rss_before_mib={:.1}", mib(xlsx_base_kib));
    println!("export_xlsx_peak_rss_mib={:.1}", mib(xlsx_hwm_kib));
    let met = ratio >= 0.8 && mib(csv_hwm_kib) < 64.0;
    println!("export_targets_met={met}");
}
