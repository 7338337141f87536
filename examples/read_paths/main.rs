//! Every read path of the library at company scale, each timed against the
//! best hand-written SQL for the same answer (`sql.rs`, beside this file).
//!
//! ```sh
//! benches/read-paths.sh      # seeds its own database, measures before and after ANALYZE
//! # or, on a database the seed example filled:
//! DATABASE_URL=postgres://postgres@127.0.0.1:5432/attendance_read_bench \
//!     cargo run --release --example read_paths -- [--samples 20] [--deep 20] [--only team]
//! ```
//!
//! The cases: the attendance listing with each filter alone and in pairs
//! (employee, team, a month's from/to, work mode), its first page and a deep
//! page reached by cursor (`--deep` pages of 100 in); employee and team
//! trends at each granularity over a week, a month and a year; daily and
//! weekly summaries (template, no model) for a team and for the company.
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
//! or a company summary at most 100 ms p95.
// A benchmark is test code: a failure must stop it loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod sql;

use std::sync::Arc;
use std::time::{Duration, Instant};

use attendance::core::domain::IsoWeek;
use attendance::core::service::{AttendanceService, TrendService};
use attendance::core::store::{Cursor, SessionFilter, Store};
use attendance::core::summary::SummaryService;
use attendance::core::trends::{Granularity, TrendQuery};
use attendance::core::{AttendanceSession, EmployeeId, SessionId, TeamId, WorkMode};
use attendance::pg::{PgConfig, PgStore};
use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveTime, Timelike, Utc};
use sqlx::PgPool;
use sqlx::postgres::PgArguments;
use sqlx::query::QueryAs;

use sql::{Bind, Listing};

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
}

struct Case {
    name: String,
    kind: Kind,
    /// The p95 the library must stay under, in ms.
    p95_target_ms: Option<f64>,
}

struct Bench {
    pool: PgPool,
    attendance: AttendanceService,
    trends: TrendService,
    summaries: SummaryService,
    s: Subject,
}

/// What a case answers, in a form both sides can be compared in.
type Answer = Vec<String>;

type SessionRow = (
    i64,
    i64,
    NaiveDate,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
    String,
);

type PeriodRow = (NaiveDate, i64, i64, i64, Option<i64>, i64, i64, i64, i64);

type DayRow = (
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    Option<Vec<String>>,
    Option<Vec<String>>,
    Option<Vec<String>>,
    Option<Vec<String>>,
);

type WeekRow = (
    i64,
    NaiveDate,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
);

fn session_line(
    id: i64,
    employee: i64,
    date: NaiveDate,
    i: DateTime<Utc>,
    o: Option<DateTime<Utc>>,
    mode: &str,
) -> String {
    format!("{id} {employee} {date} {i} {o:?} {mode}")
}

fn period_line(f: [i64; 8], avg: Option<i64>, period: NaiveDate) -> String {
    format!("{period} {f:?} {avg:?}")
}

fn seconds(t: Option<NaiveTime>) -> Option<i64> {
    t.map(|t| i64::from(t.num_seconds_from_midnight()))
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

impl Bench {
    fn filter(&self, listing: &Listing) -> SessionFilter {
        let mut f = SessionFilter::default();
        for bind in listing.binds {
            match bind {
                Bind::Employee => f.employee_id = Some(EmployeeId(self.s.employee)),
                Bind::Team => f.team_id = Some(TeamId(self.s.team)),
                Bind::From => f.from = Some(self.s.month.0),
                Bind::To => f.to = Some(self.s.month.1),
                Bind::Mode => f.work_mode = Some(WorkMode::Wfh),
            }
        }
        f
    }

    fn bind_listing<'q>(
        &self,
        listing: &Listing,
        cursor: Option<Cursor>,
        limit: i64,
    ) -> QueryAs<'q, sqlx::Postgres, SessionRow, PgArguments> {
        // A first page binds a cursor its statement does not read.
        let sql = if cursor.is_some() {
            listing.sql.1
        } else {
            listing.sql.0
        };
        let (at, id) = cursor.map_or((DateTime::<Utc>::UNIX_EPOCH, 0), |c| (c.clock_in, c.id.0));
        let mut q = sqlx::query_as::<_, SessionRow>(sql)
            .bind(at)
            .bind(id)
            .bind(limit);
        for bind in listing.binds {
            q = match bind {
                Bind::Employee => q.bind(self.s.employee),
                Bind::Team => q.bind(self.s.team),
                Bind::From => q.bind(self.s.month.0),
                Bind::To => q.bind(self.s.month.1),
                Bind::Mode => q.bind("WFH"),
            };
        }
        q
    }

    /// The cursor after `pages` pages of `listing`, walked with the
    /// hand-written statement; `None` when the listing is shorter.
    async fn deep_cursor(&self, listing: &Listing, pages: u32) -> Option<Cursor> {
        let mut cursor = None;
        for _ in 0..pages {
            let rows = self
                .bind_listing(listing, cursor, i64::from(PAGE))
                .fetch_all(&self.pool)
                .await
                .unwrap();
            if rows.len() < PAGE as usize {
                return cursor;
            }
            let last = rows.last()?;
            cursor = Some(Cursor {
                clock_in: last.3,
                id: SessionId(last.0),
            });
        }
        cursor
    }

    fn query(&self, g: Granularity, span: Span) -> TrendQuery {
        let (from, to) = match span {
            Span::Week => (self.s.week.monday(), self.s.week.sunday()),
            Span::Month => self.s.month,
            Span::Year => self.s.year,
        };
        TrendQuery::new(from, to, g).unwrap()
    }

    async fn library(&self, kind: &Kind) -> (Duration, Answer) {
        let start = Instant::now();
        match kind {
            Kind::List { listing, cursor } => {
                let filter = self.filter(listing);
                let token = cursor.map(|c| c.encode());
                let page = self
                    .attendance
                    .sessions(&filter, Some(PAGE), token.as_deref())
                    .await
                    .unwrap();
                let took = start.elapsed();
                let answer = page
                    .items
                    .iter()
                    .map(|s: &AttendanceSession| {
                        session_line(
                            s.id.0,
                            s.employee_id.0,
                            s.work_date,
                            s.clock_in,
                            s.clock_out,
                            s.work_mode.as_str(),
                        )
                    })
                    .collect();
                (took, answer)
            }
            Kind::EmployeeTrend(g, span) => {
                let q = self.query(*g, *span);
                let trend = self
                    .trends
                    .employee_trend(EmployeeId(self.s.employee), &q)
                    .await
                    .unwrap();
                let took = start.elapsed();
                let answer = trend
                    .points
                    .iter()
                    .filter(|p| p.days_present > 0)
                    .map(|p| {
                        period_line(
                            [
                                p.days_present,
                                p.sessions,
                                p.worked_seconds,
                                p.wfh_days,
                                p.wfo_days,
                                p.late_arrivals,
                                p.open_sessions,
                                0,
                            ],
                            seconds(p.avg_clock_in),
                            g.period_start(p.start),
                        )
                    })
                    .collect();
                (took, answer)
            }
            Kind::TeamTrend(g, span) => {
                let q = self.query(*g, *span);
                let trend = self
                    .trends
                    .team_trend(TeamId(self.s.team), &q)
                    .await
                    .unwrap();
                let took = start.elapsed();
                let answer = trend
                    .points
                    .iter()
                    .map(|p| &p.figures)
                    .filter(|p| p.days_present > 0)
                    .map(|p| {
                        period_line(
                            [
                                p.days_present,
                                p.sessions,
                                p.worked_seconds,
                                p.wfh_days,
                                p.wfo_days,
                                p.late_arrivals,
                                p.open_sessions,
                                0,
                            ],
                            seconds(p.avg_clock_in),
                            g.period_start(p.start),
                        )
                    })
                    .collect();
                (took, answer)
            }
            Kind::Daily(team) => {
                let s = self.summaries.daily(self.s.day, *team).await.unwrap();
                let took = start.elapsed();
                let f = &s.facts;
                let answer = vec![format!(
                    "{} {} {} {} {} {} {} {} {}",
                    f.headcount,
                    f.present,
                    f.wfh,
                    f.wfo,
                    f.late_arrivals.len(),
                    f.hours_worked,
                    f.absent_names.len(),
                    f.still_clocked_in.len(),
                    f.forgotten_clock_outs.len()
                )];
                (took, answer)
            }
            Kind::Weekly(team) => {
                let s = self.summaries.weekly(self.s.week, *team).await.unwrap();
                let took = start.elapsed();
                let f = &s.facts;
                let answer = vec![format!(
                    "{} {} {} {} {} {} {}",
                    f.headcount,
                    f.this_week.days_present,
                    f.this_week.wfh_days,
                    f.this_week.wfo_days,
                    f.this_week.late_arrivals,
                    f.previous_week.days_present,
                    f.open_sessions
                )];
                (took, answer)
            }
        }
    }

    async fn hand_written(&self, kind: &Kind) -> (Duration, Answer) {
        let start = Instant::now();
        match kind {
            Kind::List { listing, cursor } => {
                let mut rows = self
                    .bind_listing(listing, *cursor, i64::from(PAGE) + 1)
                    .fetch_all(&self.pool)
                    .await
                    .unwrap();
                let took = start.elapsed();
                rows.truncate(PAGE as usize);
                let answer = rows
                    .iter()
                    .map(|r| session_line(r.0, r.1, r.2, r.3, r.4, &r.5))
                    .collect();
                (took, answer)
            }
            Kind::EmployeeTrend(g, span) | Kind::TeamTrend(g, span) => {
                let q = self.query(*g, *span);
                let (sql, id) = match kind {
                    Kind::EmployeeTrend(..) => (sql::EMPLOYEE_PERIODS, self.s.employee),
                    _ => (sql::TEAM_PERIODS, self.s.team),
                };
                let rows: Vec<PeriodRow> = sqlx::query_as(sql)
                    .bind(id)
                    .bind(q.from())
                    .bind(q.to())
                    .bind(g.as_str())
                    .fetch_all(&self.pool)
                    .await
                    .unwrap();
                let took = start.elapsed();
                let answer = rows
                    .iter()
                    .map(|r| period_line([r.1, r.2, r.3, r.5, r.6, r.7, r.8, 0], r.4, r.0))
                    .collect();
                (took, answer)
            }
            Kind::Daily(team) => {
                let rows: Vec<DayRow> = match team {
                    Some(t) => sqlx::query_as(sql::TEAM_DAY).bind(self.s.day).bind(t.0),
                    None => sqlx::query_as(sql::COMPANY_DAY).bind(self.s.day),
                }
                .fetch_all(&self.pool)
                .await
                .unwrap();
                let took = start.elapsed();
                let sum = |f: fn(&DayRow) -> i64| rows.iter().map(f).sum::<i64>();
                let len = |v: &Option<Vec<String>>| v.as_ref().map_or(0, Vec::len);
                let answer = vec![format!(
                    "{} {} {} {} {} {} {} {} {}",
                    sum(|r| r.1),
                    sum(|r| r.2),
                    sum(|r| r.3),
                    sum(|r| r.4),
                    sum(|r| r.5),
                    round1(sum(|r| r.6) as f64 / 3600.0),
                    rows.iter().map(|r| len(&r.7)).sum::<usize>(),
                    rows.iter().map(|r| len(&r.9)).sum::<usize>(),
                    rows.first().map_or(0, |r| len(&r.10)),
                )];
                (took, answer)
            }
            Kind::Weekly(team) => {
                let (from, to) = (self.s.week.previous().monday(), self.s.week.sunday());
                let rows: Vec<WeekRow> = match team {
                    Some(t) => sqlx::query_as(sql::TEAM_WEEK).bind(from).bind(to).bind(t.0),
                    None => sqlx::query_as(sql::COMPANY_WEEK).bind(from).bind(to),
                }
                .fetch_all(&self.pool)
                .await
                .unwrap();
                let took = start.elapsed();
                let monday = self.s.week.monday();
                let this = |f: fn(&WeekRow) -> i64| {
                    rows.iter().filter(|r| r.1 == monday).map(f).sum::<i64>()
                };
                let mut headcounts: Vec<(i64, i64)> = rows.iter().map(|r| (r.0, r.2)).collect();
                headcounts.dedup();
                let answer = vec![format!(
                    "{} {} {} {} {} {} {}",
                    headcounts.iter().map(|h| h.1).sum::<i64>(),
                    this(|r| r.3),
                    this(|r| r.7),
                    this(|r| r.8),
                    this(|r| r.9),
                    rows.iter()
                        .filter(|r| r.1 != monday)
                        .map(|r| r.3)
                        .sum::<i64>(),
                    this(|r| r.10),
                )];
                (took, answer)
            }
        }
    }
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
    let pool = store.pool().clone();
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
    let bench = Bench {
        pool,
        attendance: AttendanceService::new(store.clone()),
        trends: TrendService::new(store.clone()),
        summaries: SummaryService::new(store, None),
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
