//! Every read path of the library at company scale, each timed against the
//! best hand-written SQL for the same answer (`sql.rs`, beside this file).
//!
//! ```sh
//! benches/read-paths.sh      # seeds its own database, measures before and after ANALYZE
//! # or, on a database the seed tool filled:
//! DATABASE_URL=postgres://postgres@127.0.0.1:5432/attendance_read_bench \
//!     cargo run --release -p attendance-tools --bin read_paths -- [--samples 20] [--deep 20] [--only team]
//! ```
//!
//! The cases: the attendance listing with each filter alone and in pairs
//! (employee, team, a month's from/to, work mode), its first page and a deep
//! page reached by cursor (`--deep` pages of 100 in); employee and team
//! trends at each granularity over a week, a month and a year; daily and
//! weekly summaries (template, no model) for a team and for the company,
//! which include the ledger of the day or the week; the ledger itself: one
//! employee's year day by day, and the totals of a team's and of the
//! company's month.
//! Each case runs through the library (`PgStore` and the services, not HTTP)
//! and as hand-written SQL on the same database, alternately; the answers of
//! the two are compared first, so the race is fair.
//!
//! It prints whether the planner had statistics (the seed's import does not
//! run `ANALYZE`), a table (p50, p95, ratio of the p50s, the target and
//! whether it is met) and one `name=value` line per case: `read_<case>_vs_sql`
//! is library time over SQL time (lower is better, 1.0 is parity). The last
//! line counts the cases that miss a target. Targets: every case at most
//! 1.2× its SQL; a page of 100 rows at most 50 ms p95; a trend over a month
//! or a company summary at most 100 ms p95; an employee's year or a team's
//! month of the ledger at most 50 ms p95, the company's month at most 1 s.
// A benchmark is test code: a failure must stop it loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod bench;
mod sql;

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use attendance::core::TeamId;
use attendance::core::clock::ManualClock;
use attendance::core::domain::IsoWeek;
use attendance::core::service::{AttendanceService, TrendService};
use attendance::core::store::{Cursor, Store};
use attendance::core::summary::SummaryService;
use attendance::core::trends::Granularity;
use attendance::pg::{PgConfig, PgStore};
use chrono::{Datelike, Days, NaiveDate, Utc};
use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use bench::Bench;
use sql::Listing;

const PAGE: u32 = 100;

/// Where the benchmarked data lies in the seeded database.
struct Subject {
    employee: i64,
    team: i64,
    /// The last complete month: the listing's range and the month trends.
    month: (NaiveDate, NaiveDate),
    /// The last complete ISO week.
    week: IsoWeek,
    /// The year up to the last work date.
    year: (NaiveDate, NaiveDate),
    /// The last day most employees worked.
    day: NaiveDate,
}

async fn subject(pool: &PgPool) -> Subject {
    let (employee, team): (i64, i64) = sqlx::query_as(
        "SELECT id, team_id FROM attendance.employees ORDER BY id \
         OFFSET (SELECT count(*) / 2 FROM attendance.employees) LIMIT 1",
    )
    .fetch_one(pool)
    .await
    .expect("the database has no employees: seed it first (see the top of this file)");
    let last: NaiveDate = sqlx::query_scalar("SELECT max(work_date) FROM attendance.sessions")
        .fetch_one(pool)
        .await
        .expect("the database has no sessions: seed it first");
    let day: NaiveDate = sqlx::query_scalar(
        "SELECT work_date FROM attendance.sessions WHERE work_date > $1::date - 10 \
         GROUP BY work_date \
         HAVING count(*) > (SELECT count(*) / 2 FROM attendance.employees) \
         ORDER BY work_date DESC LIMIT 1",
    )
    .bind(last)
    .fetch_one(pool)
    .await
    .expect("no day of the last ten has most employees present: seed the database");
    let month_end = last.with_day(1).unwrap() - Days::new(1);
    Subject {
        employee,
        team,
        month: (month_end.with_day(1).unwrap(), month_end),
        week: IsoWeek::containing(last - Days::new(7)),
        year: (last - Days::new(364), last),
        day,
    }
}

#[derive(Clone, Copy)]
enum Span {
    Week,
    Month,
    Year,
}

impl Span {
    fn name(self) -> &'static str {
        match self {
            Self::Week => "week",
            Self::Month => "month",
            Self::Year => "year",
        }
    }
}

enum Kind {
    List {
        listing: &'static Listing,
        /// `None` for the first page.
        cursor: Option<Cursor>,
    },
    EmployeeTrend(Granularity, Span),
    TeamTrend(Granularity, Span),
    Daily(Option<TeamId>),
    Weekly(Option<TeamId>),
    /// The employee's ledger over the year, day by day.
    EmployeeLedger,
    /// The ledger totals of the team's members (the company's when
    /// `None`) over the month.
    TeamLedger(Option<TeamId>),
}

struct Case {
    name: String,
    kind: Kind,
    /// The p95 the library must stay under, in ms.
    p95_target_ms: Option<f64>,
}

/// Nearest-rank percentile of sorted milliseconds.
fn percentile(sorted: &[f64], p: f64) -> f64 {
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

struct Args {
    samples: usize,
    deep: u32,
    only: Option<String>,
}

fn args() -> Args {
    let mut args = Args {
        samples: 20,
        deep: 20,
        only: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--samples" => args.samples = value().parse::<usize>().unwrap().max(2),
            "--deep" => args.deep = value().parse().unwrap(),
            "--only" => args.only = Some(value()),
            other => panic!(
                "unknown flag {other}; usage: read_paths [--samples N] [--deep PAGES] [--only TEXT]"
            ),
        }
    }
    args
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args = args();
    let url = std::env::var("DATABASE_URL").expect(
        "set DATABASE_URL to a seeded database, e.g. \
         postgres://postgres@127.0.0.1:5432/attendance_read_bench",
    );
    let store = PgStore::connect(&PgConfig::new(&url).max_connections(2))
        .await
        .expect("connect to DATABASE_URL");
    store.migrate().await.expect("migrate");
    // The hand-written side runs with JIT off, as the store's statements
    // do: compiling the company's ledger costs more than running it.
    let pool = PgPoolOptions::new()
        .max_connections(2)
        .connect_with(
            PgConnectOptions::from_str(&url)
                .expect("DATABASE_URL")
                .options([("jit", "off")]),
        )
        .await
        .expect("connect to DATABASE_URL");
    let s = subject(&pool).await;
    let statistics: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM pg_stats \
         WHERE schemaname = 'attendance' AND tablename = 'sessions')",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    let sessions: i64 = sqlx::query_scalar("SELECT count(*) FROM attendance.sessions")
        .fetch_one(&pool)
        .await
        .unwrap();
    println!(
        "{sessions} sessions; planner statistics on attendance.sessions: {}",
        if statistics {
            "present"
        } else {
            "none (straight after the import)"
        }
    );
    println!(
        "employee {} (team {}), month {}..{}, week {}, year {}..{}, day {}",
        s.employee, s.team, s.month.0, s.month.1, s.week, s.year.0, s.year.1, s.day
    );
    let store: Arc<dyn Store> = Arc::new(store);
    // One instant for both sides: a ledger counts an open session up to now.
    let now = Utc::now();
    let clock = Arc::new(ManualClock::new(now));
    let bench = Bench {
        pool,
        attendance: AttendanceService::new(store.clone()),
        trends: TrendService::new(store.clone()).with_clock(clock.clone()),
        summaries: SummaryService::new(store, None).with_clock(clock),
        now,
        s,
    };

    let mut cases = Vec::new();
    for listing in sql::LISTINGS {
        cases.push(Case {
            name: format!("list_{}_first", listing.name),
            kind: Kind::List {
                listing,
                cursor: None,
            },
            p95_target_ms: Some(50.0),
        });
        cases.push(Case {
            name: format!("list_{}_deep", listing.name),
            kind: Kind::List {
                listing,
                // Filled in below, for the cases that run.
                cursor: None,
            },
            p95_target_ms: Some(50.0),
        });
    }
    for (scope, team) in [("employee", false), ("team", true)] {
        for span in [Span::Week, Span::Month, Span::Year] {
            for g in [Granularity::Day, Granularity::Week, Granularity::Month] {
                cases.push(Case {
                    name: format!("trend_{scope}_{}_by_{}", span.name(), g.as_str()),
                    kind: if team {
                        Kind::TeamTrend(g, span)
                    } else {
                        Kind::EmployeeTrend(g, span)
                    },
                    p95_target_ms: matches!(span, Span::Month).then_some(100.0),
                });
            }
        }
    }
    let team = TeamId(bench.s.team);
    cases.push(Case {
        name: "summary_daily_team".into(),
        kind: Kind::Daily(Some(team)),
        p95_target_ms: None,
    });
    cases.push(Case {
        name: "summary_daily_company".into(),
        kind: Kind::Daily(None),
        p95_target_ms: Some(100.0),
    });
    cases.push(Case {
        name: "summary_weekly_team".into(),
        kind: Kind::Weekly(Some(team)),
        p95_target_ms: None,
    });
    cases.push(Case {
        name: "summary_weekly_company".into(),
        kind: Kind::Weekly(None),
        p95_target_ms: Some(100.0),
    });
    cases.push(Case {
        name: "ledger_employee_year".into(),
        kind: Kind::EmployeeLedger,
        p95_target_ms: Some(50.0),
    });
    cases.push(Case {
        name: "ledger_team_month".into(),
        kind: Kind::TeamLedger(Some(team)),
        p95_target_ms: Some(50.0),
    });
    cases.push(Case {
        name: "ledger_company_month".into(),
        kind: Kind::TeamLedger(None),
        p95_target_ms: Some(1000.0),
    });
    if let Some(only) = &args.only {
        cases.retain(|c| c.name.contains(only.as_str()));
    }
    for case in &mut cases {
        if let Kind::List { listing, cursor } = &mut case.kind
            && case.name.ends_with("_deep")
        {
            *cursor = bench.deep_cursor(listing, args.deep).await;
        }
    }

    println!(
        "\nup to {} samples per side (fewer for slow cases), alternating; ms; \
         ratio = library p50 / SQL p50\n",
        args.samples
    );
    println!("| case | library p50 | library p95 | SQL p50 | SQL p95 | ratio | target | met |");
    println!("|---|--:|--:|--:|--:|--:|---|---|");
    let mut lines = Vec::new();
    let mut missed = 0;
    for case in &cases {
        // The two answers agree (this is also the warm-up).
        let (first_lib, lib) = bench.library(&case.kind).await;
        let (first_sql, sql) = bench.hand_written(&case.kind).await;
        assert_eq!(lib, sql, "{}: the library and the SQL disagree", case.name);
        assert!(
            !lib.is_empty() && lib.iter().all(|l| !l.starts_with("0 ")),
            "{}: an empty answer proves nothing",
            case.name
        );
        bench.library(&case.kind).await;
        bench.hand_written(&case.kind).await;
        // A slow case gets fewer samples (about 4 s a side, at least 6), so
        // that a run before the fixes ends in minutes.
        let slowest = first_lib.max(first_sql).as_secs_f64().max(1e-6);
        let samples = args.samples.min(((4.0 / slowest) as usize).max(6));
        let (mut l, mut q) = (Vec::new(), Vec::new());
        for i in 0..samples {
            // Alternate who goes first, so neither always runs on a cache
            // the other warmed.
            if i % 2 == 0 {
                l.push(bench.library(&case.kind).await.0);
                q.push(bench.hand_written(&case.kind).await.0);
            } else {
                q.push(bench.hand_written(&case.kind).await.0);
                l.push(bench.library(&case.kind).await.0);
            }
        }
        let ms = |v: Vec<Duration>| {
            let mut v: Vec<f64> = v.iter().map(|d| d.as_secs_f64() * 1e3).collect();
            v.sort_by(f64::total_cmp);
            v
        };
        let (l, q) = (ms(l), ms(q));
        let (l50, l95, q50, q95) = (
            percentile(&l, 0.5),
            percentile(&l, 0.95),
            percentile(&q, 0.5),
            percentile(&q, 0.95),
        );
        let ratio = l50 / q50;
        let mut target = "≤ 1.2×".to_owned();
        let mut met = ratio <= 1.2;
        if let Some(p95) = case.p95_target_ms {
            target.push_str(&format!(", p95 ≤ {p95:.0} ms"));
            met &= l95 <= p95;
        }
        missed += usize::from(!met);
        println!(
            "| {} | {l50:.2} | {l95:.2} | {q50:.2} | {q95:.2} | {ratio:.2} | {target} | {} |",
            case.name,
            if met { "yes" } else { "**no**" }
        );
        lines.push(format!("read_{}_vs_sql={ratio:.2}", case.name));
    }
    println!();
    for line in lines {
        println!("{line}");
    }
    println!("read_targets_missed={missed}");
}
