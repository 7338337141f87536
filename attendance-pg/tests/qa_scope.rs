//! Question answering scoped by PostgreSQL itself (migration
//! `0006_qa_scope.sql`): a manager's or an employee's query sees only the
//! rows of their scope in every Q&A view, and nothing the query itself
//! says can widen that scope. The hostile statements go through
//! `run_unguarded` (this crate's test builds only), so what is shown here
//! is the database's own protection, with the SQL guard out of the way.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use attendance_testsupport as common;

use std::collections::BTreeSet;
use std::sync::Arc;

use attendance_core::access::{Member, Principal};
use attendance_core::ask::{QueryContext, QueryError, QueryRows};
use attendance_core::service::{AttendanceService, ManualClock};
use attendance_core::{EmployeeId, NewEmployee, NewTeam, TeamId, WorkMode};
use attendance_pg::{PgSqlRunner, PgStore};
use chrono::{DateTime, TimeDelta, Utc};
use serde_json::Value;

/// Three teams: Ops (Mirela, who manages Dev, and Annika), Dev (Dario,
/// Delia) and Sales (Samir); two days of sessions each.
struct Company {
    ops: TeamId,
    dev: TeamId,
    sales: TeamId,
    /// Name → id.
    people: Vec<(&'static str, EmployeeId)>,
}

impl Company {
    fn id(&self, name: &str) -> EmployeeId {
        self.people
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, id)| *id)
            .unwrap()
    }

    /// Mirela: her own rows and Dev's.
    fn manager(&self) -> Principal {
        Principal::Member(Member::new(self.id("Mirela"), self.ops, vec![self.dev]))
    }

    /// Annika: her own rows only.
    fn employee(&self) -> Principal {
        Principal::Member(Member::new(self.id("Annika"), self.ops, Vec::new()))
    }
}

const NAMES: [&str; 5] = ["Mirela", "Annika", "Dario", "Delia", "Samir"];

async fn seed(store: &PgStore) -> Company {
    let now: DateTime<Utc> = "2026-11-27T18:00:00Z".parse().unwrap();
    let svc =
        AttendanceService::new(Arc::new(store.clone())).with_clock(Arc::new(ManualClock::new(now)));
    let mut teams = Vec::new();
    for name in ["Ops", "Dev", "Sales"] {
        teams.push(
            svc.create_team(&NewTeam::new(name).unwrap())
                .await
                .unwrap()
                .id,
        );
    }
    let mut people = Vec::new();
    for (name, team) in NAMES.iter().zip([0, 0, 1, 1, 2]) {
        let e = svc
            .create_employee(&NewEmployee::new(name, "Engineer", teams[team]).unwrap())
            .await
            .unwrap();
        people.push((*name, e.id));
    }
    for day in 1..=2 {
        for (i, (_, id)) in people.iter().enumerate() {
            let start = now - TimeDelta::days(day) - TimeDelta::hours(9)
                + TimeDelta::minutes(10 * i as i64);
            svc.record_session(*id, WorkMode::Wfo, start, start + TimeDelta::hours(8))
                .await
                .unwrap();
        }
    }
    Company {
        ops: teams[0],
        dev: teams[1],
        sales: teams[2],
        people,
    }
}

async fn run(
    runner: &PgSqlRunner,
    principal: &Principal,
    sql: &str,
) -> Result<QueryRows, QueryError> {
    let context = QueryContext::default().with_scope(principal.scope());
    runner.run_unguarded(sql, &context).await
}

/// The values of `column`, as integers, in row order.
fn ints(rows: &QueryRows, column: &str) -> Vec<i64> {
    let i = rows
        .columns
        .iter()
        .position(|c| c == column)
        .unwrap_or_else(|| panic!("no column {column} in {:?}", rows.columns));
    rows.rows.iter().map(|r| r[i].as_i64().unwrap()).collect()
}

fn ids(ids: impl IntoIterator<Item = EmployeeId>) -> BTreeSet<i64> {
    ids.into_iter().map(|id| id.0).collect()
}

/// Whether any value of `rows`, as text, names one of `hidden`.
fn names_any(rows: &QueryRows, hidden: &[&str]) -> Option<String> {
    rows.rows.iter().flatten().find_map(|v| {
        let text = match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        hidden
            .iter()
            .find(|name| text.contains(*name))
            .map(|name| format!("{name} in {text:.200}"))
    })
}

/// The employees a principal must not see.
fn hidden_from(company: &Company, principal: &Principal) -> Vec<&'static str> {
    let scope = principal.scope();
    company
        .people
        .iter()
        .filter(|(name, id)| {
            let team = match *name {
                "Mirela" | "Annika" => company.ops,
                "Dario" | "Delia" => company.dev,
                _ => company.sales,
            };
            !scope.admits(*id, team)
        })
        .map(|(name, _)| *name)
        .collect()
}

#[tokio::test]
async fn every_view_shows_a_manager_their_own_rows_and_their_teams() {
    common::with_store(|store| async move {
        let company = seed(&store).await;
        let runner = PgSqlRunner::new(store.pool().clone());
        let boss = company.manager();
        let visible = ids(["Mirela", "Dario", "Delia"].map(|n| company.id(n)));
        for view in [
            "qa_sessions",
            "qa_employees",
            "qa_daily_attendance",
            "qa_ledger_days",
        ] {
            let rows = run(&runner, &boss, &format!("SELECT * FROM {view}"))
                .await
                .unwrap();
            let seen: BTreeSet<i64> = ints(&rows, "employee_id").into_iter().collect();
            assert_eq!(seen, visible, "{view}");
            assert_eq!(
                names_any(&rows, &["Annika", "Samir", "Sales"]),
                None,
                "{view}"
            );
        }
        let sessions = run(&runner, &boss, "SELECT count(*) AS n FROM qa_sessions")
            .await
            .unwrap();
        assert_eq!(sessions.rows, vec![vec![Value::from(6)]]);
        // Her own team's record and the team she manages; not Sales.
        let teams = run(&runner, &boss, "SELECT team_id FROM qa_teams ORDER BY 1")
            .await
            .unwrap();
        assert_eq!(ints(&teams, "team_id"), vec![company.ops.0, company.dev.0]);
        // An admin sees everyone.
        let all = run(
            &runner,
            &Principal::system(),
            "SELECT count(*) AS n FROM qa_sessions",
        )
        .await
        .unwrap();
        assert_eq!(all.rows, vec![vec![Value::from(10)]]);
        let teams = run(
            &runner,
            &Principal::system(),
            "SELECT team_id FROM qa_teams ORDER BY 1",
        )
        .await
        .unwrap();
        assert_eq!(
            ints(&teams, "team_id"),
            vec![company.ops.0, company.dev.0, company.sales.0]
        );
    })
    .await;
}

#[tokio::test]
async fn every_view_shows_an_employee_only_their_own_rows() {
    common::with_store(|store| async move {
        let company = seed(&store).await;
        let runner = PgSqlRunner::new(store.pool().clone());
        let me = company.employee();
        let hidden = hidden_from(&company, &me);
        assert_eq!(hidden, vec!["Mirela", "Dario", "Delia", "Samir"]);
        for view in [
            "qa_sessions",
            "qa_employees",
            "qa_daily_attendance",
            "qa_ledger_days",
        ] {
            let rows = run(&runner, &me, &format!("SELECT * FROM {view}"))
                .await
                .unwrap();
            let seen: BTreeSet<i64> = ints(&rows, "employee_id").into_iter().collect();
            assert_eq!(seen, ids([company.id("Annika")]), "{view}");
            assert_eq!(names_any(&rows, &hidden), None, "{view}");
        }
        let days = run(
            &runner,
            &me,
            "SELECT count(*) AS n FROM qa_daily_attendance",
        )
        .await
        .unwrap();
        assert_eq!(days.rows, vec![vec![Value::from(2)]]);
        // Her own team's record only, without its headcount: no route
        // shows an employee who manages nobody how many the team has.
        let teams = run(&runner, &me, "SELECT team_id, headcount FROM qa_teams")
            .await
            .unwrap();
        assert_eq!(
            teams.rows,
            vec![vec![Value::from(company.ops.0), Value::Null]]
        );
    })
    .await;
}

/// Statements that try to widen the scope from inside the model's query:
/// each fails, or returns nothing outside the scope.
const HOSTILE: &[&str] = &[
    // Settings: the scope is no setting, and the transaction stays read only.
    "SELECT set_config('transaction_read_only', 'off', true) AS x, employee_id FROM qa_sessions",
    "SELECT set_config('attendance.scope', 'all', false) AS x, employee_id FROM qa_sessions",
    "SELECT set_config('role', 'postgres', true) AS x, employee_id FROM qa_sessions",
    "SELECT set_config('session_authorization', 'postgres', true) AS x, employee_id \
     FROM qa_sessions",
    // RESET ROLE from inside the query: the views still read the scope.
    "SELECT (SELECT set_config('role', 'none', true)) AS x, employee_id, employee_name \
     FROM qa_sessions",
    "SELECT employee_id, employee_name FROM qa_employees \
     WHERE set_config('role', 'none', true) IS NOT NULL",
    // Back as the login role, a query run by a function still reads the
    // views through the scope.
    "SELECT set_config('role', 'none', true) AS r, \
     query_to_xml('SELECT employee_name FROM attendance.qa_sessions', true, false, '') AS x",
    // Statements that are not queries cannot run at all.
    "SET ROLE NONE",
    "RESET ROLE",
    "SET SESSION AUTHORIZATION DEFAULT",
    "DISCARD ALL",
    "SET LOCAL transaction_read_only = off",
    // The scope table: neither written nor read.
    "SELECT * FROM attendance.qa_scope",
    "WITH w AS (UPDATE attendance.qa_scope SET all_rows = true RETURNING 1) \
     SELECT employee_id FROM qa_sessions",
    "WITH w AS (INSERT INTO attendance.qa_scope VALUES \
     (pg_current_xact_id(), true, NULL, '{}') RETURNING 1) SELECT employee_id FROM qa_sessions",
    "SELECT attendance.widen_scope() AS w, employee_id FROM qa_sessions",
    "SELECT attendance.widen_scope_as_owner() AS w, employee_id FROM qa_sessions",
    // CTEs and subqueries see what the views show, no more.
    "WITH everyone AS (SELECT * FROM qa_sessions) SELECT employee_id, employee_name FROM everyone",
    "SELECT employee_id FROM qa_employees e WHERE NOT EXISTS \
     (SELECT 1 FROM qa_sessions s WHERE s.employee_id = e.employee_id) \
     UNION ALL SELECT employee_id FROM qa_daily_attendance",
    "WITH l AS (SELECT * FROM qa_ledger_days) SELECT employee_id, employee_name, team_name \
     FROM l WHERE work_date > DATE '2026-01-01'",
    // The transaction id is not the caller's to choose.
    "SELECT pg_current_xact_id()::text AS x, employee_id, employee_name FROM qa_sessions",
    "SELECT employee_id, employee_name FROM qa_sessions \
     WHERE pg_current_xact_id() IS NOT NULL OR pg_current_xact_id_if_assigned() IS NULL",
];

/// Functions made by the test as the login role (a superuser): one that
/// widens the scope with the caller's rights, one with its owner's.
async fn scope_wideners(store: &PgStore) {
    for body in [
        "CREATE FUNCTION attendance.widen_scope() RETURNS int LANGUAGE sql AS \
         $$ UPDATE attendance.qa_scope SET all_rows = true; SELECT 1 $$",
        "CREATE FUNCTION attendance.widen_scope_as_owner() RETURNS int LANGUAGE sql \
         SECURITY DEFINER AS $$ UPDATE attendance.qa_scope SET all_rows = true; SELECT 1 $$",
        "GRANT EXECUTE ON FUNCTION attendance.widen_scope(), \
         attendance.widen_scope_as_owner() TO PUBLIC",
    ] {
        sqlx::query(body).execute(store.pool()).await.unwrap();
    }
}

/// Runs every [`HOSTILE`] statement as `principal` and fails on any row
/// naming someone out of scope.
async fn assert_no_hostile_statement_widens(
    runner: &PgSqlRunner,
    company: &Company,
    principal: &Principal,
) -> usize {
    let hidden = hidden_from(company, principal);
    let visible: BTreeSet<i64> = company
        .people
        .iter()
        .filter(|(n, _)| !hidden.contains(n))
        .map(|(_, id)| id.0)
        .collect();
    let mut answered = 0;
    for sql in HOSTILE {
        let Ok(rows) = run(runner, principal, sql).await else {
            continue;
        };
        answered += 1;
        assert_eq!(names_any(&rows, &hidden), None, "{sql}");
        if rows.columns.iter().any(|c| c == "employee_id") {
            for id in ints(&rows, "employee_id") {
                assert!(
                    visible.contains(&id),
                    "{sql}: employee {id} is out of scope"
                );
            }
        }
    }
    answered
}

#[tokio::test]
async fn nothing_the_query_says_widens_the_scope() {
    common::with_store(|store| async move {
        let company = seed(&store).await;
        scope_wideners(&store).await;
        let runner = PgSqlRunner::new(store.pool().clone());
        for principal in [company.manager(), company.employee()] {
            let answered = assert_no_hostile_statement_widens(&runner, &company, &principal).await;
            // Some of them do run (and show only the scope), so the check
            // above looked at rows, not only at errors.
            assert!(answered >= 5, "{answered}");
        }
        // The Q&A role may not even read the scope table.
        match run(
            &runner,
            &company.employee(),
            "SELECT * FROM attendance.qa_scope",
        )
        .await
        {
            Err(QueryError::Rejected { message }) => {
                assert!(message.contains("permission denied"), "{message}")
            }
            other => panic!("expected permission denied, got {other:?}"),
        }
    })
    .await;
}

/// Where the model's query runs as the login role itself (a superuser
/// here: `without_role_accepting_the_risk`, the server's
/// `ATTENDANCE_QA_ACCEPT_LOGIN_ROLE`), no privilege stands in the way, and
/// the scope must still hold: the views filter, and the transaction is
/// read only before the query runs.
#[tokio::test]
async fn the_scope_holds_for_a_superuser_login_without_the_qa_role() {
    common::with_store(|store| async move {
        let company = seed(&store).await;
        scope_wideners(&store).await;
        let runner = PgSqlRunner::new(store.pool().clone()).without_role_accepting_the_risk();
        let me = company.employee();
        let rows = run(&runner, &me, "SELECT employee_id FROM qa_sessions")
            .await
            .unwrap();
        assert_eq!(ints(&rows, "employee_id"), vec![company.id("Annika").0; 2]);
        for principal in [company.manager(), me.clone()] {
            assert_no_hostile_statement_widens(&runner, &company, &principal).await;
        }
        for sql in [
            "SELECT attendance.widen_scope() AS w",
            "SELECT attendance.widen_scope_as_owner() AS w",
        ] {
            match run(&runner, &me, sql).await {
                Err(QueryError::Rejected { message }) => {
                    assert!(message.contains("read-only"), "{sql}: {message}")
                }
                other => panic!("{sql}: expected a read-only rejection, got {other:?}"),
            }
        }
    })
    .await;
}

/// With `security_barrier` views, a condition that fails on some rows (a
/// division by zero, a bad cast) is applied only to rows in scope: its
/// error cannot tell whether a hidden row exists.
#[tokio::test]
async fn a_failing_condition_learns_nothing_about_hidden_rows() {
    common::with_store(|store| async move {
        let company = seed(&store).await;
        let runner = PgSqlRunner::new(store.pool().clone());
        let me = company.employee();
        let samir = company.id("Samir").0;
        for sql in [
            format!(
                "SELECT employee_id FROM qa_sessions WHERE 100 / (employee_id - {samir}) IS NOT NULL"
            ),
            format!(
                "SELECT employee_id FROM qa_employees \
                 WHERE CASE WHEN employee_id = {samir} THEN 1 / (team_id - team_id) ELSE 1 END = 1"
            ),
            format!(
                "SELECT employee_id FROM qa_daily_attendance \
                 WHERE 10 % (employee_id - {samir}) IS NOT NULL"
            ),
        ] {
            let rows = run(&runner, &me, &sql)
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
            assert_eq!(
                ints(&rows, "employee_id")
                    .into_iter()
                    .collect::<BTreeSet<_>>(),
                ids([company.id("Annika")]),
                "{sql}"
            );
        }
    })
    .await;
}

/// A scope is written for one transaction and never committed: another
/// transaction's scope (an admin's, open at the same time) is invisible,
/// a row cannot be planted for another transaction id, and outside the
/// runner the views show nothing at all.
#[tokio::test]
async fn only_the_queries_own_uncommitted_scope_counts() {
    common::with_store(|store| async move {
        let company = seed(&store).await;
        let runner = PgSqlRunner::new(store.pool().clone());
        let me = company.employee();
        // No scope, no rows: the host's own connection reads nothing.
        let outside: i64 = sqlx::query_scalar("SELECT count(*) FROM attendance.qa_sessions")
            .fetch_one(store.pool())
            .await
            .unwrap();
        assert_eq!(outside, 0);
        // An admin's scope, written and held open by another transaction.
        let mut admin = store.pool().begin().await.unwrap();
        sqlx::query(
            "INSERT INTO attendance.qa_scope (xact, all_rows) VALUES (pg_current_xact_id(), true)",
        )
        .execute(&mut *admin)
        .await
        .unwrap();
        let rows = run(&runner, &me, "SELECT employee_id FROM qa_sessions")
            .await
            .unwrap();
        assert_eq!(ints(&rows, "employee_id"), vec![company.id("Annika").0; 2]);
        admin.rollback().await.unwrap();
        // A committed row for a later transaction id (only a role that
        // can write the table could try): the table keys every row to the
        // transaction that writes it, so the row is that transaction's,
        // which has ended, and the queries after it keep their own scope.
        let (given, kept): (String, String) = sqlx::query_as(
            "WITH p AS (INSERT INTO attendance.qa_scope (xact, all_rows) \
             VALUES ((pg_current_xact_id()::text::bigint + 1)::text::xid8, true) \
             RETURNING xact) \
             SELECT (pg_current_xact_id()::text::bigint + 1)::text, xact::text FROM p",
        )
        .fetch_one(store.pool())
        .await
        .unwrap();
        assert_ne!(given, kept);
        for _ in 0..5 {
            let rows = run(&runner, &me, "SELECT employee_id FROM qa_sessions")
                .await
                .unwrap();
            assert_eq!(ints(&rows, "employee_id"), vec![company.id("Annika").0; 2]);
        }
        // Nothing the runner wrote stayed behind.
        let left: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM attendance.qa_scope WHERE NOT all_rows OR employee_id IS NOT NULL",
        )
        .fetch_one(store.pool())
        .await
        .unwrap();
        assert_eq!(left, 0);
    })
    .await;
}

/// Statements that try to leave the Q&A role inside the model's own query
/// (PostgreSQL always lets a session reset its role to the login role) and
/// then read the base tables through a function that runs SQL.
const ROLE_ESCAPES: &[&str] = &[
    "SELECT set_config('role', 'none', true) AS r, \
     query_to_xml('SELECT * FROM attendance.sessions', true, false, '')::text AS x",
    "SELECT set_config('role', 'none', true) AS r, \
     query_to_xml('SELECT * FROM attendance.employees', true, false, '')::text AS x",
    "SELECT set_config('role', current_setting('is_superuser'), true) AS r, \
     query_to_xml('SELECT * FROM attendance.sessions', true, false, '')::text AS x",
    "SELECT set_config('session_authorization', 'postgres', true) AS r, \
     query_to_xml('SELECT * FROM attendance.sessions', true, false, '')::text AS x",
    "SELECT x FROM (SELECT set_config('role', 'none', true)) AS first, \
     LATERAL (SELECT query_to_xml('SELECT * FROM attendance.employees', true, false, '')::text \
     AS x) AS then_read",
    "SELECT * FROM attendance.sessions",
    "SELECT * FROM attendance.employees",
];

/// Whether `text` (a value of a result) shows an employee of `hidden_ids`
/// by id, as a row of `attendance.sessions` or `attendance.employees`
/// would in `query_to_xml`.
fn shows_hidden_id(text: &str, hidden_ids: &[i64]) -> Option<i64> {
    hidden_ids.iter().copied().find(|id| {
        text.contains(&format!("<employee_id>{id}</employee_id>"))
            || text.contains(&format!("<id>{id}</id>"))
    })
}

/// The model's query cannot switch back to the login role and read the
/// base tables with its rights: the runner runs it inside a
/// security-definer function (migration `0009_qa_definer.sql`), where
/// PostgreSQL refuses any change of role, so the scope holds even with the
/// guard out of the way.
#[tokio::test]
async fn the_query_cannot_leave_the_qa_role_to_read_the_base_tables() {
    common::with_store(|store| async move {
        let company = seed(&store).await;
        let runner = PgSqlRunner::new(store.pool().clone());
        for principal in [company.manager(), company.employee()] {
            let hidden = hidden_from(&company, &principal);
            let hidden_ids: Vec<i64> = hidden.iter().map(|n| company.id(n).0).collect();
            assert!(!hidden.is_empty());
            for sql in ROLE_ESCAPES {
                let Ok(rows) = run(&runner, &principal, sql).await else {
                    continue;
                };
                assert_eq!(names_any(&rows, &hidden), None, "{sql}");
                for value in rows.rows.iter().flatten() {
                    let text = value.to_string();
                    assert_eq!(
                        shows_hidden_id(&text, &hidden_ids),
                        None,
                        "{sql}: {text:.300}"
                    );
                }
            }
        }
        // The refusal is PostgreSQL's own, inside the query.
        match run(
            &runner,
            &company.employee(),
            "SELECT set_config('role', 'none', true) AS r, current_user::text AS u",
        )
        .await
        {
            Err(QueryError::Rejected { message }) => {
                assert!(message.contains("security-definer"), "{message}")
            }
            other => panic!("expected the role change refused, got {other:?}"),
        }
    })
    .await;
}
