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
use attendance_testsupport::tenant_sql::{ANSWERED, REFUSED, refusal};

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
