//! Trend and summary queries through the library next to the best
//! hand-written SQL for the same figures, each pair in one criterion group,
//! on a seeded database; the last lines give `name=ratio` (library time over
//! SQL time, median per call; lower is better, 1.0 is parity).
//!
//! ```sh
//! # once: the default company, 10,000 employees and ~2.5 M sessions
//! DATABASE_URL=postgres://postgres@127.0.0.1:5432/attendance_bench \
//!     cargo run --release -p attendance-tools --bin seed -- --reset
//! ATTENDANCE_BENCH_DB=postgres://postgres@127.0.0.1:5432/attendance_bench \
//!     cargo bench --bench trends
//! ```
//!
//! Without `ATTENDANCE_BENCH_DB` it says so and exits successfully: a bench
//! is not a test, and it needs a seeded database that CI does not have.
//!
//! The pairs: one employee's year by ISO week, one team's month by day, the
//! company's daily summary facts and its weekly summary facts (both weeks
//! the summary compares, by team). Before timing, each pair is checked to
//! produce the same totals.
// A bench is test code: a failure must abort it loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use attendance::core::access::Principal;
use attendance::core::domain::IsoWeek;
use attendance::core::service::TrendService;
use attendance::core::store::Store;
use attendance::core::summary::SummaryService;
use attendance::core::trends::{Granularity, TrendQuery};
use attendance::core::{EmployeeId, TeamId};
use attendance::pg::{PgConfig, PgStore};
use chrono::{Datelike, Days, NaiveDate};
use criterion::{Criterion, criterion_group};
use sqlx::PgPool;

/// One employee's days, then per ISO week; tz and late time joined in.
const EMPLOYEE_WEEKS_SQL: &str = "
SELECT date_trunc('week', d.work_date)::date AS period,
       count(*) AS days_present,
       sum(d.sessions)::bigint AS sessions,
       sum(d.worked)::bigint AS worked_seconds,
       floor(avg(date_part('epoch', (d.first_in AT TIME ZONE z.timezone)::time)))::bigint
           AS avg_clock_in_seconds,
       count(*) FILTER (WHERE d.wfh) AS wfh_days,
       count(*) FILTER (WHERE d.wfo) AS wfo_days,
       count(*) FILTER (WHERE (d.first_in AT TIME ZONE z.timezone)::time > z.late_after)
           AS late_arrivals,
       sum(d.open)::bigint AS open_sessions
FROM (SELECT work_date, min(clock_in) AS first_in, count(*) AS sessions,
             coalesce(sum(floor(date_part('epoch', clock_out - clock_in))), 0) AS worked,
             bool_or(work_mode = 'WFH') AS wfh, bool_or(work_mode = 'WFO') AS wfo,
             count(*) FILTER (WHERE clock_out IS NULL) AS open
      FROM attendance.sessions
      WHERE employee_id = $1 AND work_date BETWEEN $2 AND $3
      GROUP BY work_date) d
CROSS JOIN (SELECT t.timezone, t.late_after FROM attendance.employees e
            JOIN attendance.teams t ON t.id = e.team_id WHERE e.id = $1) z
GROUP BY 1 ORDER BY 1";

/// One team's employee-days, then per day, with headcount. Per employee
/// through the (employee_id, work_date) index: a plain join of employees and
/// sessions gets a generic plan (after five executions of the prepared
/// statement) that scans the whole month through the work-date index.
const TEAM_DAYS_SQL: &str = "
SELECT d.work_date AS period,
       (SELECT count(*) FROM attendance.employees WHERE team_id = $1) AS headcount,
       count(*) AS days_present, sum(d.sessions)::bigint AS sessions,
       sum(d.worked)::bigint AS worked_seconds,
       floor(avg(date_part('epoch', d.first_local)))::bigint AS avg_clock_in_seconds,
       count(*) FILTER (WHERE d.wfh) AS wfh_days, count(*) FILTER (WHERE d.wfo) AS wfo_days,
       count(*) FILTER (WHERE d.first_local > t.late_after) AS late_arrivals,
       sum(d.open)::bigint AS open_sessions
FROM attendance.teams t
JOIN attendance.employees e ON e.team_id = t.id
CROSS JOIN LATERAL (
    SELECT work_date, (min(clock_in) AT TIME ZONE t.timezone)::time AS first_local,
           count(*) AS sessions,
           coalesce(sum(floor(date_part('epoch', clock_out - clock_in))), 0) AS worked,
           bool_or(work_mode = 'WFH') AS wfh, bool_or(work_mode = 'WFO') AS wfo,
           count(*) FILTER (WHERE clock_out IS NULL) AS open
    FROM attendance.sessions s
    WHERE s.employee_id = e.id AND s.work_date BETWEEN $2 AND $3
    GROUP BY work_date) d
WHERE t.id = $1
GROUP BY d.work_date
ORDER BY 1";

/// The daily summary's facts per team: counts, hours, first clock-ins and
/// the names behind absences, late arrivals and open sessions; forgotten
/// clock-outs of earlier days alongside.
const COMPANY_DAY_SQL: &str = "
WITH d AS (
    SELECT employee_id, min(clock_in) AS first_in, count(*) AS sessions,
           coalesce(sum(floor(date_part('epoch', clock_out - clock_in))), 0) AS worked,
           bool_or(work_mode = 'WFH') AS wfh, bool_or(work_mode = 'WFO') AS wfo,
           bool_or(clock_out IS NULL) AS open
    FROM attendance.sessions WHERE work_date = $1 GROUP BY employee_id
), r AS (
    SELECT e.id, e.name, e.team_id, t.name AS team,
           (d.first_in AT TIME ZONE t.timezone)::time AS first_local, t.late_after,
           d.sessions, d.worked, d.wfh, d.wfo, d.open
    FROM attendance.employees e
    JOIN attendance.teams t ON t.id = e.team_id
    LEFT JOIN d ON d.employee_id = e.id
)
SELECT team_id, team, count(*) AS headcount, count(sessions) AS present,
       count(*) FILTER (WHERE wfh) AS wfh, count(*) FILTER (WHERE wfo) AS wfo,
       count(*) FILTER (WHERE first_local > late_after) AS late,
       coalesce(sum(worked), 0)::bigint AS worked_seconds,
       coalesce(sum(floor(date_part('epoch', first_local))), 0)::bigint AS first_in_seconds,
       array_agg(name ORDER BY id) FILTER (WHERE sessions IS NULL) AS absent,
       array_agg(name || ' ' || to_char(first_local, 'HH24:MI') ORDER BY id)
           FILTER (WHERE first_local > late_after) AS late_arrivals,
       array_agg(name ORDER BY id) FILTER (WHERE open) AS still_in,
       (SELECT array_agg(e.name || ' ' || s.work_date ORDER BY s.clock_in, s.id)
        FROM attendance.sessions s JOIN attendance.employees e ON e.id = s.employee_id
        WHERE s.clock_out IS NULL AND s.work_date < $1) AS forgotten
FROM r
GROUP BY team_id, team
ORDER BY team_id";

/// The weekly summary's facts: per team and ISO week, over the week and the
/// one before. Per employee through the (employee_id, work_date) index, which
/// beat a hash aggregate over the work-date range (that one spills to disk
/// at the default `work_mem`).
const COMPANY_WEEK_SQL: &str = "
SELECT t.id AS team_id, date_trunc('week', d.work_date::timestamp)::date AS week,
       (SELECT count(*) FROM attendance.employees x WHERE x.team_id = t.id) AS headcount,
       count(*) AS days_present, sum(d.sessions)::bigint AS sessions,
       sum(d.worked)::bigint AS worked_seconds,
       sum(floor(date_part('epoch', d.first_local)))::bigint AS first_in_seconds,
       count(*) FILTER (WHERE d.wfh) AS wfh_days, count(*) FILTER (WHERE d.wfo) AS wfo_days,
       count(*) FILTER (WHERE d.first_local > t.late_after) AS late_arrivals,
       sum(d.open)::bigint AS open_sessions,
       count(*) FILTER (WHERE extract(isodow FROM d.work_date) < 6) AS on_working_days
FROM attendance.teams t
JOIN attendance.employees e ON e.team_id = t.id
CROSS JOIN LATERAL (
    SELECT work_date, (min(clock_in) AT TIME ZONE t.timezone)::time AS first_local,
           count(*) AS sessions,
           coalesce(sum(floor(date_part('epoch', clock_out - clock_in))), 0) AS worked,
           bool_or(work_mode = 'WFH') AS wfh, bool_or(work_mode = 'WFO') AS wfo,
           count(*) FILTER (WHERE clock_out IS NULL) AS open
    FROM attendance.sessions s
    WHERE s.employee_id = e.id AND s.work_date BETWEEN $1 AND $2
    GROUP BY work_date) d
GROUP BY t.id, 2
ORDER BY 1, 2";

/// Where the benchmarked data lies in the seeded database.
struct Subject {
    employee: i64,
    team: i64,
    year: (NaiveDate, NaiveDate),
    month: (NaiveDate, NaiveDate),
    day: NaiveDate,
    week: IsoWeek,
}

async fn subject(pool: &PgPool) -> Subject {
    let (employee, team): (i64, i64) = sqlx::query_as(
        "SELECT id, team_id FROM attendance.employees ORDER BY id \
         OFFSET (SELECT count(*) / 2 FROM attendance.employees) LIMIT 1",
    )
    .fetch_one(pool)
    .await
    .expect("the database has no employees: seed it first (see the top of benches/trends.rs)");
    let last: NaiveDate = sqlx::query_scalar("SELECT max(work_date) FROM attendance.sessions")
        .fetch_one(pool)
        .await
        .expect("the database has no sessions: seed it first");
    // The last day most employees worked (the very last work date may hold
    // only night shifts that began after midnight), the last complete month
    // and ISO week.
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
    let month = (month_end.with_day(1).unwrap(), month_end);
    let week = IsoWeek::containing(last - Days::new(7));
    Subject {
        employee,
        team,
        year: (last - Days::new(364), last),
        month,
        day,
        week,
    }
}

/// Per-call times recorded by `iter_custom`, to print ratios at the end.
#[derive(Default)]
struct Times(RefCell<BTreeMap<(&'static str, &'static str), Vec<f64>>>);

impl Times {
    fn record(&self, pair: &'static str, side: &'static str, per_call: f64) {
        self.0
            .borrow_mut()
            .entry((pair, side))
            .or_default()
            .push(per_call);
    }

    fn median(&self, pair: &'static str, side: &'static str) -> f64 {
        let mut v = self
            .0
            .borrow()
            .get(&(pair, side))
            .cloned()
            .unwrap_or_default();
        v.sort_by(f64::total_cmp);
        v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
    }
}

fn bench_pair<L, LF, S, SF>(
    c: &mut Criterion,
    rt: &tokio::runtime::Runtime,
    times: &Times,
    pair: &'static str,
    library: L,
    sql: S,
) where
    L: Fn() -> LF,
    LF: Future<Output = ()>,
    S: Fn() -> SF,
    SF: Future<Output = ()>,
{
    let mut group = c.benchmark_group(pair);
    group
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    group.bench_function("library", |b| {
        b.iter_custom(|iters| {
            let start = Instant::now();
            for _ in 0..iters {
                rt.block_on(library());
            }
            let elapsed = start.elapsed();
            times.record(pair, "library", elapsed.as_secs_f64() / iters as f64);
            elapsed
        });
    });
    group.bench_function("hand_written_sql", |b| {
        b.iter_custom(|iters| {
            let start = Instant::now();
            for _ in 0..iters {
                rt.block_on(sql());
            }
            let elapsed = start.elapsed();
            times.record(pair, "sql", elapsed.as_secs_f64() / iters as f64);
            elapsed
        });
    });
    group.finish();
}

fn trends(c: &mut Criterion) {
    let Ok(url) = std::env::var("ATTENDANCE_BENCH_DB") else {
        println!(
            "trends bench skipped: set ATTENDANCE_BENCH_DB to a database seeded with \
             `cargo run --release -p attendance-tools --bin seed -- --reset` (see benches/trends.rs)"
        );
        return;
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let store = rt
        .block_on(PgStore::connect(&PgConfig::new(&url).max_connections(2)))
        .expect("connect to ATTENDANCE_BENCH_DB");
    let pool = store.pool().clone();
    let s = rt.block_on(subject(&pool));
    let store: Arc<dyn Store> = Arc::new(store);
    let trend_service = TrendService::new(store.clone());
    let summaries = SummaryService::new(store, None);
    let year = TrendQuery::new(s.year.0, s.year.1, Granularity::Week).unwrap();
    let month = TrendQuery::new(s.month.0, s.month.1, Granularity::Day).unwrap();
    let (employee, team) = (EmployeeId(s.employee), TeamId(s.team));
    println!(
        "employee {} year {}..{}, team {} month {}..{}, day {}, week {}..{}",
        s.employee,
        s.year.0,
        s.year.1,
        s.team,
        s.month.0,
        s.month.1,
        s.day,
        s.week.monday(),
        s.week.sunday()
    );

    // The pairs compute the same figures.
    rt.block_on(async {
        let lib = trend_service.employee_trend(employee, &year).await.unwrap();
        let rows: Vec<(NaiveDate, i64, i64)> = sqlx::query_as(EMPLOYEE_WEEKS_SQL)
            .bind(s.employee)
            .bind(s.year.0)
            .bind(s.year.1)
            .fetch_all(&pool)
            .await
            .unwrap()
            .into_iter()
            .map(|r: EmployeeWeek| (r.0, r.1, r.2))
            .collect();
        let lib_days: i64 = lib.points.iter().map(|p| p.days_present).sum();
        assert_eq!(lib_days, rows.iter().map(|r| r.1).sum::<i64>());

        let lib = trend_service.team_trend(team, &month).await.unwrap();
        let rows: Vec<TeamDay> = sqlx::query_as(TEAM_DAYS_SQL)
            .bind(s.team)
            .bind(s.month.0)
            .bind(s.month.1)
            .fetch_all(&pool)
            .await
            .unwrap();
        let lib_sessions: i64 = lib.points.iter().map(|p| p.figures.sessions).sum();
        assert_eq!(lib_sessions, rows.iter().map(|r| r.3).sum::<i64>());

        let facts = summaries
            .acting_as(&Principal::system())
            .daily_facts(s.day, None)
            .await
            .unwrap();
        let rows: Vec<CompanyDay> = sqlx::query_as(COMPANY_DAY_SQL)
            .bind(s.day)
            .fetch_all(&pool)
            .await
            .unwrap();
        assert_eq!(facts.present, rows.iter().map(|r| r.3).sum::<i64>());
        assert_eq!(
            facts.late_arrivals.len() as i64,
            rows.iter().map(|r| r.6).sum::<i64>()
        );

        let facts = summaries
            .acting_as(&Principal::system())
            .weekly_facts(s.week, None)
            .await
            .unwrap();
        let rows: Vec<CompanyWeek> = sqlx::query_as(COMPANY_WEEK_SQL)
            .bind(s.week.previous().monday())
            .bind(s.week.sunday())
            .fetch_all(&pool)
            .await
            .unwrap();
        let this_week: i64 = rows
            .iter()
            .filter(|r| r.1 == s.week.monday())
            .map(|r| r.3)
            .sum();
        assert_eq!(facts.this_week.days_present, this_week);
    });

    let times = Times::default();
    bench_pair(
        c,
        &rt,
        &times,
        "employee_year_by_week",
        || async {
            black_box(trend_service.employee_trend(employee, &year).await.unwrap());
        },
        || async {
            let rows: Vec<EmployeeWeek> = sqlx::query_as(EMPLOYEE_WEEKS_SQL)
                .bind(s.employee)
                .bind(s.year.0)
                .bind(s.year.1)
                .fetch_all(&pool)
                .await
                .unwrap();
            black_box(rows);
        },
    );
    bench_pair(
        c,
        &rt,
        &times,
        "team_month_by_day",
        || async {
            black_box(trend_service.team_trend(team, &month).await.unwrap());
        },
        || async {
            let rows: Vec<TeamDay> = sqlx::query_as(TEAM_DAYS_SQL)
                .bind(s.team)
                .bind(s.month.0)
                .bind(s.month.1)
                .fetch_all(&pool)
                .await
                .unwrap();
            black_box(rows);
        },
    );
    bench_pair(
        c,
        &rt,
        &times,
        "company_day_summary",
        || async {
            black_box(
                summaries
                    .acting_as(&Principal::system())
                    .daily_facts(s.day, None)
                    .await
                    .unwrap(),
            );
        },
        || async {
            let rows: Vec<CompanyDay> = sqlx::query_as(COMPANY_DAY_SQL)
                .bind(s.day)
                .fetch_all(&pool)
                .await
                .unwrap();
            black_box(rows);
        },
    );
    bench_pair(
        c,
        &rt,
        &times,
        "company_week_summary",
        || async {
            black_box(
                summaries
                    .acting_as(&Principal::system())
                    .weekly_facts(s.week, None)
                    .await
                    .unwrap(),
            );
        },
        || async {
            let rows: Vec<CompanyWeek> = sqlx::query_as(COMPANY_WEEK_SQL)
                .bind(s.week.previous().monday())
                .bind(s.week.sunday())
                .fetch_all(&pool)
                .await
                .unwrap();
            black_box(rows);
        },
    );

    println!("\nlibrary vs hand-written SQL, median per call:");
    let pairs = [
        "employee_year_by_week",
        "team_month_by_day",
        "company_day_summary",
        "company_week_summary",
    ];
    for pair in pairs {
        let (lib, sql) = (times.median(pair, "library"), times.median(pair, "sql"));
        println!(
            "  {pair:<24} library {:>8.2} ms   SQL {:>8.2} ms",
            lib * 1e3,
            sql * 1e3
        );
    }
    for pair in pairs {
        let ratio = times.median(pair, "library") / times.median(pair, "sql");
        println!("trend_{pair}_vs_sql={ratio:.2}");
    }
}

type EmployeeWeek = (NaiveDate, i64, i64, i64, Option<i64>, i64, i64, i64, i64);

type TeamDay = (
    NaiveDate,
    i64,
    i64,
    i64,
    i64,
    Option<i64>,
    i64,
    i64,
    i64,
    i64,
);

type CompanyDay = (
    i64,
    String,
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

type CompanyWeek = (
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

criterion_group!(benches, trends);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
}
