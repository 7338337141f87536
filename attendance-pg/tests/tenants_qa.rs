//! Alpha's Q&A runner, which runs as alpha's own role (`tenant_alpha_qa`),
//! past the guard (`run_unguarded`): whatever the SQL names of beta's
//! schema or of the default tenant's (`attendance`), PostgreSQL refuses it
//! or shows nothing of theirs. The same statements through the guard and
//! through `POST /ask` are the root package's `tests/tenants/qa.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use attendance_testsupport as common;

use std::sync::Arc;

use attendance_core::ask::{QueryContext, QueryError, QueryRows};
use attendance_core::guard::corpus;
use attendance_core::service::AttendanceService;
use attendance_core::{NewEmployee, NewTeam, WorkMode};
use attendance_pg::{PgConfig, PgSqlRunner, PgStore};
use attendance_testsupport::tenant_sql::{ANSWERED, REFUSED, refusal};

/// Unguarded, in UTC, as the whole company.
async fn run(runner: &PgSqlRunner, sql: &str) -> Result<QueryRows, QueryError> {
    runner.run_unguarded(sql, &QueryContext::default()).await
}

/// The rows as text, with beta's schema and role names put aside: the
/// catalogs name them (`pg_namespace`, its statistics), and names are not
/// data.
fn text_of(rows: &QueryRows) -> String {
    serde_json::to_string(&rows.rows)
        .unwrap()
        .replace("tenant_beta", "")
}

/// What only beta's or the default tenant's rows say.
fn foreign_marker(text: &str) -> Option<&'static str> {
    let lower = text.to_lowercase();
    ["beta", "omega"].into_iter().find(|m| lower.contains(m))
}

struct World {
    default: PgStore,
    alpha: PgStore,
}

/// A team of two employees with a closed session each, named `who`.
async fn seed(store: &PgStore, who: &str) {
    let service = AttendanceService::new(Arc::new(store.clone()));
    let team = service
        .create_team(&NewTeam::new(&format!("{who} Team")).unwrap())
        .await
        .unwrap();
    for name in ["Mara", "Ines"] {
        let new = NewEmployee::new(
            &format!("{who} {name}"),
            &format!("{who} Engineer"),
            team.id,
        )
        .unwrap();
        let employee = service.create_employee(&new).await.unwrap();
        service
            .clock_in(employee.id, WorkMode::Wfh, None)
            .await
            .unwrap();
        service.clock_out(employee.id, None).await.unwrap();
    }
}

/// Alpha, beta and the default tenant seeded, with planner statistics on
/// every table (so that `pg_stats` has values to show a reader allowed).
async fn seeded(db: &common::TestDb) -> World {
    let default = PgStore::connect(&PgConfig::new(&db.url).max_connections(4))
        .await
        .unwrap();
    default.migrate().await.unwrap();
    let alpha = default.for_tenant(default.create_tenant("alpha").await.unwrap());
    let beta = default.for_tenant(default.create_tenant("beta").await.unwrap());
    seed(&default, "Omega").await;
    seed(&alpha, "Alpha").await;
    seed(&beta, "Beta").await;
    sqlx::query("ANALYZE")
        .execute(default.pool())
        .await
        .unwrap();
    World { default, alpha }
}

#[tokio::test]
async fn alphas_runner_reads_nothing_of_other_schemas_past_the_guard() {
    common::with_db(|db| async move {
        let world = seeded(&db).await;
        let runner = PgSqlRunner::for_store(&world.alpha);
        runner.check_role().await.unwrap();

        // What alpha may read, it reads: its own names, and nothing else.
        let own = run(&runner, "SELECT employee_name FROM qa_employees")
            .await
            .unwrap();
        assert!(text_of(&own).contains("Alpha Mara"), "{own:?}");
        assert_eq!(foreign_marker(&text_of(&own)), None);
        // The statistics are there, for a reader allowed to see them.
        let stats: Vec<String> = sqlx::query_scalar(
            "SELECT most_common_vals::text FROM pg_stats \
             WHERE schemaname = 'tenant_beta' AND most_common_vals IS NOT NULL",
        )
        .fetch_all(world.default.pool())
        .await
        .unwrap();
        assert!(stats.iter().any(|v| v.contains("Beta")), "{stats:?}");

        for sql in REFUSED {
            match run(&runner, sql).await {
                Err(QueryError::Rejected { message }) => assert!(
                    refusal(&message),
                    "{sql}: refused for another reason: {message}"
                ),
                other => panic!("{sql}: not refused: {other:?}"),
            }
        }
        for sql in ANSWERED {
            let rows = run(&runner, sql).await;
            let rows = rows.unwrap_or_else(|e| panic!("{sql}: {e}"));
            assert_eq!(foreign_marker(&text_of(&rows)), None, "{sql}: {rows:?}");
        }
        // Schema names are visible in the catalogs (they are not data).
        let schemas = run(&runner, "SELECT nspname FROM pg_namespace")
            .await
            .unwrap();
        assert!(
            format!("{:?}", schemas.rows).contains("tenant_beta"),
            "{schemas:?}"
        );

        // The corpus of hostile statements, as written and aimed at beta.
        let mut answered = 0;
        for case in corpus::HOSTILE {
            for sql in [
                case.sql.to_owned(),
                case.sql.replace("attendance", "tenant_beta"),
            ] {
                if let Ok(rows) = run(&runner, &sql).await {
                    answered += 1;
                    assert_eq!(foreign_marker(&text_of(&rows)), None, "{sql}: {rows:?}");
                }
            }
        }
        assert!(
            answered > 0,
            "no hostile statement ran at all: nothing was checked"
        );
        // And the runner still serves alpha afterwards.
        let again = run(&runner, "SELECT count(*) AS n FROM qa_sessions")
            .await
            .unwrap();
        assert!(again.rows[0][0].as_i64().unwrap() >= 2, "{again:?}");
    })
    .await;
}
