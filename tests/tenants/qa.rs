//! Questions across tenants: alpha's Q&A runner, which runs as alpha's own
//! role (`tenant_alpha_qa`), reads nothing of beta's schema nor of the
//! default tenant's (`attendance`), whatever the SQL names: through the
//! guard, it is refused first or, where the guard lets a name through, by
//! PostgreSQL; through `POST /ask` with a played model, no answer shows
//! another tenant's rows. The same SQL past the guard is
//! `attendance-pg/tests/tenants_qa.rs` (only that crate's tests may run
//! SQL unguarded).

use super::*;

use attendance::core::ask::{QueryContext, QueryError, QueryRows, SqlRunner};
use attendance::core::guard::SqlGuard;

/// SQL that reaches for another tenant's rows, each of which PostgreSQL
/// must refuse: "permission denied" for a schema named, "does not exist"
/// for a name looked up on a search_path through a schema the role may
/// not use (PostgreSQL skips such a schema), and no change of role.
const REFUSED: &[&str] = &[
    "SELECT * FROM tenant_beta.qa_sessions",
    "SELECT * FROM tenant_beta.sessions",
    "SELECT * FROM tenant_beta.qa_employees",
    "SELECT * FROM tenant_beta.employees",
    "SELECT * FROM tenant_beta.qa_execute('SELECT 1') AS t",
    "SELECT tenant_beta.qa_execute('SELECT name FROM tenant_beta.employees')",
    "SELECT * FROM attendance.qa_sessions",
    "SELECT * FROM attendance.qa_employees",
    "SELECT * FROM attendance.employees",
    "SELECT * FROM attendance.qa_execute('SELECT 1') AS t",
    "SELECT * FROM attendance_tenants.tenants",
    // Parsed after the search_path changed: names resolve in beta.
    "SELECT query_to_xml('SELECT * FROM qa_employees', true, false, '') \
     FROM (SELECT set_config('search_path', 'tenant_beta', true)) AS s",
    "SELECT query_to_xml('SELECT * FROM employees', true, false, '') \
     FROM (SELECT set_config('search_path', 'tenant_beta, pg_catalog', false)) AS s",
    "SELECT query_to_xml('SELECT * FROM tenant_beta.qa_sessions', true, false, '')",
    "SELECT query_to_xml('SELECT * FROM attendance.qa_sessions', true, false, '')",
    // Back to the login role first, then the same.
    "SELECT set_config('role', 'none', true) AS r, \
     query_to_xml('SELECT name FROM tenant_beta.employees', true, false, '') AS x",
    "SELECT 'tenant_beta.qa_employees'::regclass",
    "SELECT pg_get_viewdef('tenant_beta.qa_employees')",
];

/// SQL that PostgreSQL may run, and whose rows must show nothing of
/// another tenant's data: views that change search_path within the
/// statement (names already resolved in alpha), and the catalogs.
const ANSWERED: &[&str] = &[
    "SELECT employee_name FROM qa_employees WHERE \
     (SELECT set_config('search_path', 'tenant_beta', true)) IS NOT NULL",
    "SELECT s.*, e.employee_name FROM (SELECT set_config('search_path', 'tenant_beta', true)) AS x, \
     qa_employees AS e, qa_sessions AS s",
    "SELECT * FROM pg_stats WHERE schemaname IN ('tenant_beta', 'attendance')",
    "SELECT * FROM pg_stats",
    // These show how many rows each of beta's tables has (PostgreSQL's
    // statistics views are public); names and counts, no values. The
    // guard refuses every relation outside the Q&A views.
    "SELECT * FROM pg_stat_user_tables",
    "SELECT * FROM pg_statio_user_tables",
    "SELECT relname, reltuples FROM pg_class WHERE relnamespace = 'tenant_beta'::regnamespace",
    "SELECT nspname FROM pg_namespace",
    "SELECT * FROM pg_views WHERE schemaname = 'tenant_beta'",
    "SELECT usename, query FROM pg_stat_activity",
    "SELECT * FROM pg_prepared_statements",
    "SELECT * FROM pg_settings WHERE name = 'search_path'",
];

/// Whether the database's `message` refuses what the role may not read
/// (or, inside `qa_execute`, a change of role).
fn refusal(message: &str) -> bool {
    [
        "permission denied",
        "does not exist",
        "cannot set parameter \"role\"",
    ]
    .iter()
    .any(|m| message.contains(m))
}

/// The rows as text, with beta's schema and role names put aside: the
/// catalogs name them (`pg_namespace`, its statistics), and names are not
/// data.
fn text_of(rows: &QueryRows) -> String {
    serde_json::to_string(&rows.rows)
        .unwrap()
        .replace("tenant_beta", "")
}

/// Both tenants and the default one seeded, with planner statistics on
/// every table (so that `pg_stats` has values to show a reader allowed).
async fn seeded_world(store: PgStore) -> (World, Seeded, Seeded) {
    let world = World::new(store).await;
    seed_default(&world).await;
    let alpha = world.seed(&world.alpha, "Alpha").await;
    let beta = world.seed(&world.beta, "Beta").await;
    sqlx::query("ANALYZE")
        .execute(world.default.pool())
        .await
        .unwrap();
    (world, alpha, beta)
}

#[tokio::test]
async fn the_guard_or_the_database_refuses_other_schemas() {
    common::with_store(|store| async move {
        let (world, _alpha, _beta) = seeded_world(store).await;
        let runner = PgSqlRunner::for_store(&world.alpha);
        let guard = SqlGuard::for_catalog(&pg_qa::catalog());
        let mut passed_the_guard = Vec::new();
        for sql in REFUSED
            .iter()
            .chain(ANSWERED)
            .chain(HOSTILE_QUESTIONS.iter().map(|(_, s)| s))
        {
            let Ok(guarded) = guard.check(sql) else {
                continue;
            };
            passed_the_guard.push(*sql);
            match runner.run(&guarded, &QueryContext::default()).await {
                Err(QueryError::Rejected { message }) => {
                    assert!(refusal(&message), "{sql}: {message}");
                }
                Err(other) => panic!("{sql}: {other}"),
                Ok(rows) => assert_eq!(foreign_marker(&text_of(&rows)), None, "{sql}: {rows:?}"),
            }
        }
        // The guard's schema is the default tenant's: `attendance.` passes
        // it, and only PostgreSQL stands between alpha and those rows.
        assert_eq!(
            passed_the_guard,
            [
                "SELECT * FROM attendance.qa_sessions",
                "SELECT * FROM attendance.qa_employees",
                "SELECT * FROM attendance.qa_sessions",
                "SELECT employee_name FROM attendance.qa_employees",
            ],
            "what the guard lets through changed"
        );
    })
    .await;
}

#[tokio::test]
async fn ask_with_a_model_reaching_for_other_tenants_shows_none_of_them() {
    common::with_store(|store| async move {
        let (_world, alpha, _beta) = seeded_world(store).await;
        for (marker, sql) in HOSTILE_QUESTIONS {
            let question = format!("Show me everything, {marker}");
            let reply = alpha
                .admin
                .post("/ask", json!({"question": question}))
                .await;
            assert_ne!(
                reply.status,
                StatusCode::INTERNAL_SERVER_ERROR,
                "{sql}: {reply:?}"
            );
            // The SQL and the database's refusal may name the schema; no
            // row may show.
            let shown = reply.text.replace("tenant_beta", "");
            assert_eq!(foreign_marker(&shown), None, "{sql}: {reply:?}");
            assert!(
                !reply.status.is_success()
                    || reply.body["rows"].as_array().is_none_or(Vec::is_empty),
                "{sql}: answered with rows: {reply:?}"
            );
        }
    })
    .await;
}
