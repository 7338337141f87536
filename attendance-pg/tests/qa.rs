//! Question answering on real PostgreSQL: the catalog matches the views, the
//! guard's benign corpus runs on them, and the runner's own protections
//! (read-only transaction, timeout, row cap, role) hold even for statements
//! the guard would refuse. Those go through `run_unguarded`, which exists
//! only in this crate's test builds (feature `unguarded-sql-for-tests`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use attendance_testsupport as common;

use std::sync::Arc;
use std::time::Duration;

use attendance_core::ask::{QueryContext, QueryError, QueryRows, SqlRunner};
use attendance_core::guard::{SqlGuard, corpus};
use attendance_core::service::{AttendanceService, ManualClock};
use attendance_core::{NewEmployee, NewTeam, WorkMode};
use attendance_pg::qa::DEFAULT_MAX_VALUE_CHARS;
use attendance_pg::{PgSqlRunner, PgStore, qa};
use chrono::{DateTime, TimeDelta, Utc};
use serde_json::Value;

fn guard() -> SqlGuard {
    SqlGuard::for_catalog(&qa::catalog())
}

/// Checks `sql` with the guard and runs it, in UTC.
async fn run_guarded(runner: &PgSqlRunner, sql: &str) -> Result<QueryRows, QueryError> {
    let guarded = guard().check(sql).unwrap_or_else(|r| panic!("{sql}: {r}"));
    runner.run(&guarded, &QueryContext::default()).await
}

/// Runs `sql` with the guard bypassed, in UTC.
async fn run_unguarded(runner: &PgSqlRunner, sql: &str) -> Result<QueryRows, QueryError> {
    runner.run_unguarded(sql, &QueryContext::default()).await
}

/// Two teams, three employees, `days` days of sessions each.
async fn seed(store: &PgStore, days: i64) {
    let now: DateTime<Utc> = "2026-11-27T18:00:00Z".parse().unwrap();
    let svc =
        AttendanceService::new(Arc::new(store.clone())).with_clock(Arc::new(ManualClock::new(now)));
    let ops = svc
        .create_team(&NewTeam::new("Ops").unwrap())
        .await
        .unwrap();
    let dev = svc
        .create_team(
            &NewTeam::new("Dev")
                .unwrap()
                .with_timezone("Europe/Berlin")
                .unwrap(),
        )
        .await
        .unwrap();
    let mut people = Vec::new();
    for (name, team) in [("Ada", ops.id), ("Bob", ops.id), ("Cy", dev.id)] {
        people.push(
            svc.create_employee(&NewEmployee::new(name, "Engineer", team).unwrap())
                .await
                .unwrap(),
        );
    }
    for day in 0..days {
        for (i, p) in people.iter().enumerate() {
            let start = now - TimeDelta::days(days - day) - TimeDelta::hours(9)
                + TimeDelta::minutes(20 * i as i64);
            let mode = if (day + i as i64) % 3 == 0 {
                WorkMode::Wfh
            } else {
                WorkMode::Wfo
            };
            svc.record_session(p.id, mode, start, start + TimeDelta::hours(8))
                .await
                .unwrap();
        }
    }
}

fn sql_type(data_type: &str) -> &str {
    match data_type {
        "time without time zone" => "time",
        "timestamp with time zone" => "timestamptz",
        "timestamp without time zone" => "timestamp",
        other => other,
    }
}

#[tokio::test]
async fn the_catalog_describes_exactly_the_views() {
    common::with_store(|store| async move {
        for relation in qa::catalog().relations {
            let columns: Vec<(String, String)> = sqlx::query_as(
                "SELECT column_name::text, data_type::text FROM information_schema.columns \
                 WHERE table_schema = 'attendance' AND table_name = $1 ORDER BY ordinal_position",
            )
            .bind(relation.name)
            .fetch_all(store.pool())
            .await
            .unwrap();
            let described: Vec<(String, String)> = relation
                .columns
                .iter()
                .map(|c| (c.name.to_owned(), c.sql_type.to_owned()))
                .collect();
            let actual: Vec<(String, String)> = columns
                .iter()
                .map(|(n, t)| (n.clone(), sql_type(t).to_owned()))
                .collect();
            assert_eq!(described, actual, "{}", relation.name);
        }
    })
    .await;
}

#[tokio::test]
async fn every_worked_example_passes_the_guard_and_runs() {
    common::with_store(|store| async move {
        seed(&store, 20).await;
        let runner = PgSqlRunner::new(store.pool().clone());
        for (question, sql) in qa::catalog().examples {
            let rows = run_guarded(&runner, sql).await.unwrap();
            assert!(!rows.columns.is_empty(), "{question}");
        }
        let rows = run_guarded(
            &runner,
            "SELECT team_name, headcount, late_after FROM qa_teams ORDER BY team_id",
        )
        .await
        .unwrap();
        assert_eq!(rows.columns, vec!["team_name", "headcount", "late_after"]);
        assert_eq!(
            rows.rows,
            vec![
                vec![Value::from("Ops"), Value::from(2), Value::from("09:30:00")],
                vec![Value::from("Dev"), Value::from(1), Value::from("09:30:00")],
            ]
        );
        let empty = run_guarded(
            &runner,
            "SELECT employee_name, role FROM qa_employees WHERE false",
        )
        .await
        .unwrap();
        assert_eq!(empty.columns, vec!["employee_name", "role"]);
        assert!(empty.rows.is_empty() && !empty.truncated);
    })
    .await;
}

async fn team_count(store: &PgStore) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM attendance.teams")
        .fetch_one(store.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_write_that_passes_the_parser_still_fails_read_only() {
    common::with_store(|store| async move {
        seed(&store, 1).await;
        // A function that writes, called from a SELECT: syntactically a
        // plain query. The guard refuses it (unknown function)…
        sqlx::query(
            "CREATE FUNCTION attendance.evil() RETURNS bigint LANGUAGE sql AS \
             $$ INSERT INTO attendance.teams (name) VALUES ('pwned') RETURNING id $$",
        )
        .execute(store.pool())
        .await
        .unwrap();
        assert!(guard().check("SELECT evil()").is_err());
        // …and had it not, the read-only transaction would.
        let before = team_count(&store).await;
        // Without the Q&A role, to show the read-only transaction alone.
        let runner = PgSqlRunner::new(store.pool().clone()).without_role_accepting_the_risk();
        for sql in [
            "SELECT evil()",
            "SELECT nextval('attendance.teams_id_seq')",
            "SELECT * FROM qa_teams FOR UPDATE",
        ] {
            match run_unguarded(&runner, sql).await {
                Err(QueryError::Rejected { message }) => {
                    assert!(message.contains("read-only"), "{sql}: {message}")
                }
                other => panic!("{sql}: expected a read-only rejection, got {other:?}"),
            }
        }
        assert_eq!(team_count(&store).await, before);
    })
    .await;
}

#[tokio::test]
async fn slow_queries_hit_the_timeout_and_big_ones_the_row_cap() {
    common::with_store(|store| async move {
        seed(&store, 100).await;
        let runner = PgSqlRunner::new(store.pool().clone())
            .with_statement_timeout(Duration::from_millis(300))
            .with_row_cap(200);
        let err = run_unguarded(&runner, "SELECT pg_sleep(5)")
            .await
            .unwrap_err();
        assert!(matches!(err, QueryError::Timeout), "{err:?}");
        // A cartesian product the guard lets through (300⁴ rows to count)
        // is cancelled by the timeout…
        let err = run_guarded(
            &runner,
            "SELECT count(*) FROM qa_sessions a, qa_sessions b, qa_sessions c, qa_sessions d",
        )
        .await
        .unwrap_err();
        assert!(matches!(err, QueryError::Timeout), "{err:?}");
        // …and one that returns rows is cut at the cap.
        let rows = run_guarded(
            &runner,
            "SELECT a.session_id, b.session_id FROM qa_sessions a CROSS JOIN qa_sessions b",
        )
        .await
        .unwrap();
        assert_eq!(rows.rows.len(), 200);
        assert!(rows.truncated);
        // The connection is fine afterwards.
        let ok = run_guarded(&runner, "SELECT count(*) AS n FROM qa_sessions")
            .await
            .unwrap();
        assert_eq!(ok.rows, vec![vec![Value::from(300)]]);
    })
    .await;
}

#[tokio::test]
async fn a_configured_role_reads_the_views_and_nothing_else() {
    let db = common::TestDb::create().await;
    let store = db.store().await;
    seed(&store, 2).await;
    let role = format!("{}_qa", db.name);
    for statement in [
        format!("CREATE ROLE {role} NOLOGIN"),
        format!("GRANT USAGE ON SCHEMA attendance TO {role}"),
        format!(
            "GRANT SELECT ON attendance.qa_teams, attendance.qa_employees, \
             attendance.qa_sessions, attendance.qa_daily_attendance TO {role}"
        ),
        // The query runs inside this function, as its owner (migration 0009).
        format!("ALTER FUNCTION attendance.qa_execute(text) OWNER TO {role}"),
    ] {
        sqlx::query(sqlx::AssertSqlSafe(statement))
            .execute(store.pool())
            .await
            .unwrap();
    }
    let runner = PgSqlRunner::new(store.pool().clone())
        .with_role(&role)
        .unwrap();
    let outcome = async {
        let ok = run_guarded(&runner, "SELECT count(*) AS n FROM qa_sessions").await;
        // The guard refuses this relation; the role must refuse it too.
        let denied = run_unguarded(&runner, "SELECT count(*) FROM attendance.sessions").await;
        (ok, denied, runner.check_role().await)
    }
    .await;
    for statement in [format!("DROP OWNED BY {role}"), format!("DROP ROLE {role}")] {
        sqlx::query(sqlx::AssertSqlSafe(statement))
            .execute(store.pool())
            .await
            .unwrap();
    }
    store.pool().close().await;
    db.drop_db().await;
    outcome.2.unwrap();
    assert_eq!(outcome.0.unwrap().rows, vec![vec![Value::from(6)]]);
    match outcome.1 {
        Err(QueryError::Rejected { message }) => {
            assert!(message.contains("permission denied"), "{message}")
        }
        other => panic!("expected permission denied, got {other:?}"),
    }
}

#[tokio::test]
async fn every_benign_corpus_statement_passes_the_guard_and_runs() {
    common::with_store(|store| async move {
        seed(&store, 3).await;
        let runner = PgSqlRunner::new(store.pool().clone());
        let mut failed = Vec::new();
        for sql in corpus::BENIGN {
            if let Err(e) = run_guarded(&runner, sql).await {
                failed.push(format!("{sql}\n  {e}"));
            }
        }
        assert!(failed.is_empty(), "{}", failed.join("\n"));
    })
    .await;
}

#[tokio::test]
async fn queries_run_in_the_timezone_of_their_context() {
    common::with_store(|store| async move {
        let runner = PgSqlRunner::new(store.pool().clone());
        let guarded = guard()
            .check("SELECT now() AT TIME ZONE 'UTC' - now()::timestamp AS behind")
            .unwrap();
        for (zone, offset) in [
            (chrono_tz::UTC, "00:00:00"),
            (chrono_tz::Asia::Kolkata, "-05:30:00"),
        ] {
            let rows = runner
                .run(&guarded, &QueryContext::new(zone))
                .await
                .unwrap();
            assert_eq!(rows.rows, vec![vec![Value::from(offset)]], "{zone}");
        }
    })
    .await;
}

/// A database configured to read text differently (backslash escapes in
/// plain strings, `= NULL` as `IS NULL`, day-first dates) must not make the
/// server read a guarded statement otherwise than the guard did.
#[tokio::test]
async fn settings_that_change_how_text_is_read_are_pinned() {
    let db = common::TestDb::create().await;
    let migrated = db.store().await;
    for setting in [
        "standard_conforming_strings = off",
        "transform_null_equals = on",
        "array_nulls = off",
        "datestyle = 'SQL, DMY'",
        "intervalstyle = 'sql_standard'",
    ] {
        // `db.name` is made of letters, digits and underscores only.
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "ALTER DATABASE {} SET {setting}",
            db.name
        )))
        .execute(migrated.pool())
        .await
        .unwrap();
    }
    migrated.pool().close().await;
    let store = PgStore::connect(&attendance_pg::PgConfig::new(&db.url))
        .await
        .unwrap();
    let runner = PgSqlRunner::new(store.pool().clone());
    let outcome = async {
        let configured = run_unguarded(&runner, "SELECT 1 AS one").await;
        let read = run_guarded(
            &runner,
            "SELECT 'a\\nb' AS s, (NULL = NULL) IS NULL AS unknown, \
             DATE '01/02/2024' AS d, ('{NULL}'::text[])[1] IS NULL AS null_element, \
             INTERVAL '1' DAY + INTERVAL '1 hour' AS i",
        )
        .await;
        // The setting is pinned inside the transaction: the session keeps
        // its own afterwards.
        let session: String = sqlx::query_scalar("SHOW standard_conforming_strings")
            .fetch_one(store.pool())
            .await
            .unwrap();
        (configured, read, session)
    }
    .await;
    store.pool().close().await;
    db.drop_db().await;
    outcome.0.unwrap();
    let rows = outcome.1.unwrap();
    assert_eq!(
        rows.rows,
        vec![vec![
            Value::from("a\\nb"),
            Value::from(true),
            Value::from("2024-01-02"),
            Value::from(true),
            Value::from("1 day 01:00:00"),
        ]]
    );
    assert_eq!(outcome.2, "off");
}

/// The migrations make a role that reads only the Q&A views and grant it
/// to the login role; a runner uses it unless told, explicitly, not to, so
/// the model's query never runs as the login role (here a superuser).
#[tokio::test]
async fn the_models_query_runs_as_the_qa_role_by_default() {
    common::with_store(|store| async move {
        seed(&store, 1).await;
        let runner = PgSqlRunner::new(store.pool().clone());
        runner.check_role().await.unwrap();
        let who = run_unguarded(&runner, "SELECT current_user::text AS u")
            .await
            .unwrap();
        assert_eq!(who.rows, vec![vec![Value::from(qa::QA_ROLE)]]);
        for sql in [
            "SELECT count(*) FROM attendance.sessions",
            "SELECT count(*) FROM attendance.employees",
            "SELECT pg_read_file('postgresql.conf')",
            "SELECT count(*) FROM pg_authid",
        ] {
            match run_unguarded(&runner, sql).await {
                Err(QueryError::Rejected { message }) => {
                    assert!(message.contains("permission denied"), "{sql}: {message}")
                }
                other => panic!("{sql}: expected permission denied, got {other:?}"),
            }
        }
        let ok = run_guarded(&runner, "SELECT count(*) AS n FROM qa_sessions")
            .await
            .unwrap();
        assert_eq!(ok.rows, vec![vec![Value::from(3)]]);
        // Migrating again (another database on the same cluster does) is fine.
        store.migrate().await.unwrap();
    })
    .await;
}

/// Padding and aggregation the guard accepts can make one value, or the
/// whole result, huge: the runner stops reading at its byte budget and says
/// so, instead of holding a 100 MB string; a long value under the budget is
/// cut to the value cap.
#[tokio::test]
async fn a_result_larger_than_its_byte_budget_is_refused_before_it_is_read() {
    common::with_store(|store| async move {
        seed(&store, 20).await;
        let runner =
            PgSqlRunner::new(store.pool().clone()).with_statement_timeout(Duration::from_secs(10));
        for sql in [
            "SELECT lpad('x', 100000000, 'x') AS s",
            "SELECT rpad(employee_name, 50000000, '.') AS s FROM qa_employees",
            "SELECT string_agg(lpad(employee_name, 1000000, '.'), ',') AS s FROM qa_sessions",
            "SELECT lpad('x', 20000, 'x') AS s FROM qa_sessions a, qa_sessions b",
            "SELECT concat(lpad('x', 400000, 'y'), lpad('x', 400000, 'y'), \
             lpad('x', 400000, 'y')) AS s",
        ] {
            match run_guarded(&runner, sql).await {
                Err(QueryError::TooLarge { limit_bytes }) => {
                    assert_eq!(limit_bytes, 1024 * 1024, "{sql}")
                }
                other => panic!(
                    "{sql}: expected TooLarge, got {:.200}",
                    format!("{other:?}")
                ),
            }
        }
        // A smaller budget is honoured, and ordinary results still fit.
        // Under the budget, a single value is still cut to the value cap.
        let rows = run_guarded(&runner, "SELECT lpad('x', 5000, 'x') AS s, 7 AS n")
            .await
            .unwrap();
        let value = rows.rows[0][0].as_str().unwrap();
        assert_eq!(
            value.chars().count(),
            DEFAULT_MAX_VALUE_CHARS + 1,
            "{value:.40}"
        );
        assert!(value.ends_with('…'));
        assert_eq!(rows.rows[0][1], 7);
        let small = PgSqlRunner::new(store.pool().clone()).with_max_result_bytes(1000);
        assert!(matches!(
            run_guarded(&small, "SELECT lpad('x', 2000, 'x') AS s").await,
            Err(QueryError::TooLarge { limit_bytes: 1000 })
        ));
        let ok = run_guarded(&small, "SELECT count(*) AS n FROM qa_sessions")
            .await
            .unwrap();
        assert_eq!(ok.rows, vec![vec![Value::from(60)]]);
    })
    .await;
}

/// The query runs inside `attendance.qa_execute` (migration 0009): its
/// errors still come back as the query's own, with nothing of the wrapper
/// or the function in the message, and the start-up check refuses a
/// function that would run it as another role than the Q&A role.
#[tokio::test]
async fn errors_inside_the_definer_function_read_as_the_querys_own() {
    common::with_store(|store| async move {
        seed(&store, 1).await;
        let runner = PgSqlRunner::new(store.pool().clone());
        for (sql, expected) in [
            (
                "SELECT 1 / (count(*) - count(*)) AS n FROM qa_sessions",
                "division by zero",
            ),
            (
                "SELECT nope FROM qa_sessions",
                "column \"nope\" does not exist",
            ),
            ("SELECT FROM FROM qa_sessions", "syntax error"),
        ] {
            match run_unguarded(&runner, sql).await {
                Err(QueryError::Rejected { message }) => {
                    assert!(message.contains(expected), "{sql}: {message}");
                    for wrapper in ["qa_execute", "row_to_json", "octet_length", "PL/pgSQL"] {
                        assert!(!message.contains(wrapper), "{sql}: {message}");
                    }
                }
                other => panic!("{sql}: expected a rejection, got {other:?}"),
            }
        }
        runner.check_role().await.unwrap();
        sqlx::query("ALTER FUNCTION attendance.qa_execute(text) OWNER TO CURRENT_USER")
            .execute(store.pool())
            .await
            .unwrap();
        match runner.check_role().await {
            Err(attendance_pg::Error::Config(message)) => {
                assert!(message.contains("qa_execute"), "{message}")
            }
            other => panic!("expected the owner refused, got {other:?}"),
        }
    })
    .await;
}
