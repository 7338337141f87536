//! The guard's tests: the shared corpus, messages, nesting, lists, and the
//! properties that no input makes the parser panic.

use proptest::prelude::*;

use super::corpus::{self, RefusalKind};
use super::*;

fn guard() -> SqlGuard {
    SqlGuard::for_catalog(&corpus::catalog())
}

/// Whether `outcome` is the refusal a caught parser panic becomes: a "never
/// panics" property must fail on it, not count it as a normal refusal.
fn parser_panicked(outcome: &Result<GuardedSql, Refusal>) -> bool {
    matches!(outcome, Err(Refusal::GuardFailure { reason }) if *reason == PARSER_PANICKED)
}

#[test]
fn refuses_every_hostile_statement_for_the_right_reason() {
    let guard = guard();
    let mut cases: Vec<(String, RefusalKind)> = corpus::HOSTILE
        .iter()
        .map(|case| (case.sql.to_owned(), case.refused_as))
        .collect();
    cases.extend(
        corpus::pathological()
            .into_iter()
            .map(|case| (case.sql, case.refused_as)),
    );
    assert!(cases.len() >= 45, "only {} hostile cases", cases.len());
    let mut wrong = Vec::new();
    for (sql, expected) in &cases {
        match guard.check(sql) {
            Ok(accepted) => wrong.push(format!("ACCEPTED {sql:.80}\n  as {accepted:.80}")),
            Err(refusal) if RefusalKind::of(&refusal) != *expected => wrong.push(format!(
                "{sql:.80}\n  expected {expected:?}, got {:?}: {refusal}",
                RefusalKind::of(&refusal)
            )),
            Err(_) => {}
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn accepts_realistic_questions_over_the_views() {
    let guard = guard();
    let cases = corpus::BENIGN;
    assert!(cases.len() >= 12);
    let refused: Vec<String> = cases
        .iter()
        .filter_map(|sql| guard.check(sql).err().map(|r| format!("{sql}\n  {r}")))
        .collect();
    assert!(refused.is_empty(), "{}", refused.join("\n"));
}

#[test]
fn renders_a_single_statement_without_comments_or_semicolon() {
    let sql = guard()
        .check("select count(*) /* all */ from Attendance.QA_SESSIONS ; -- done")
        .unwrap();
    assert_eq!(sql.as_str(), "SELECT count(*) FROM Attendance.QA_SESSIONS");
    assert_eq!(sql.to_string(), sql.as_str());
    assert_eq!(String::from(sql.clone()), sql.into_string());
}

#[test]
fn messages_say_what_is_wrong_in_plain_words() {
    let guard = guard();
    let message = |sql: &str| guard.check(sql).unwrap_err().to_string();
    assert_eq!(
        message("SELECT 1; DROP TABLE x"),
        "only one statement is allowed, found 2"
    );
    assert_eq!(
        message("INSERT INTO qa_teams (name) VALUES ('x')"),
        "statements other than SELECT are not allowed (found INSERT)"
    );
    assert_eq!(
        message("SELECT * FROM pg_catalog.pg_user"),
        "relation pg_catalog.pg_user is not allowed; allowed: qa_daily_attendance, \
         qa_employees, qa_sessions, qa_teams"
    );
    assert_eq!(
        message("SELECT pg_sleep(1)"),
        "function pg_sleep is not allowed"
    );
    assert_eq!(
        message("SELECT * FROM qa_teams FOR UPDATE"),
        "locking clauses (FOR UPDATE/SHARE) are not allowed"
    );
    assert_eq!(
        message("SELECT * INTO t FROM qa_teams"),
        "SELECT … INTO is not allowed"
    );
    assert_eq!(
        message("WITH d AS (DELETE FROM qa_teams RETURNING *) SELECT * FROM d"),
        "data-modifying statements in WITH are not allowed"
    );
    assert!(message("SELECT FROM WHERE").starts_with("the statement could not be parsed: "));
    assert_eq!(
        guard
            .with_max_len(10)
            .check("SELECT 1234567890")
            .unwrap_err()
            .to_string(),
        "the statement is longer than 10 characters (it has 17)"
    );
}

#[test]
fn deep_nesting_is_refused_without_overflowing_the_stack() {
    let guard = guard().with_max_len(MAX_LEN_CEILING);
    let n = 5000;
    let cases = [
        format!("SELECT {}1{}", "(".repeat(n), ")".repeat(n)),
        format!("SELECT * FROM {}qa_teams{}", "(".repeat(n), ")".repeat(n)),
        format!("SELECT {}1{}", "(SELECT ".repeat(n), ")".repeat(n)),
        format!("SELECT {}1{}", "abs(".repeat(n), ")".repeat(n)),
        format!("SELECT {}1", "NOT ".repeat(n)),
        format!("SELECT {}1", "- ".repeat(n)),
        format!(
            "SELECT {}1{}",
            "CASE WHEN true THEN ".repeat(n / 5),
            " END".repeat(n / 5)
        ),
        format!("SELECT 1{}", "+1".repeat(40_000)),
        format!("SELECT 1 WHERE {}", vec!["true"; 10_000].join(" AND ")),
        format!("SELECT 1{}", "::int".repeat(15_000)),
        format!("SELECT 1{}", " IS NULL".repeat(10_000)),
        format!("SELECT 1{}", " UNION SELECT 1".repeat(6_000)),
        format!("SELECT 1{}", " AT TIME ZONE 'UTC'".repeat(5_000)),
    ];
    for sql in &cases {
        let refusal = guard.check(sql).unwrap_err();
        assert!(
            matches!(refusal, Refusal::TooDeep | Refusal::Unparsable { .. }),
            "{:.40}: {refusal}",
            sql
        );
    }
}

#[test]
fn moderate_nesting_still_passes() {
    let sql = format!(
        "SELECT {}count(*){} FROM qa_sessions WHERE employee_id IN \
         (SELECT id FROM qa_employees WHERE team_id IN (SELECT id FROM qa_teams \
         WHERE id IN (SELECT team_id FROM qa_employees WHERE id IN \
         (SELECT employee_id FROM qa_daily_attendance))))",
        "round(".repeat(8),
        ", 1)".repeat(8)
    );
    guard().check(&sql).unwrap();
}

#[test]
fn the_function_allow_list_can_be_replaced_and_extended() {
    let strict = guard().with_functions(["count"]);
    assert!(strict.check("SELECT count(*) FROM qa_teams").is_ok());
    assert!(matches!(
        strict.check("SELECT max(id) FROM qa_teams"),
        Err(Refusal::Function { .. })
    ));
    let extended = strict.allow_functions(["MAX"]);
    assert!(extended.check("SELECT max(id) FROM qa_teams").is_ok());
    assert_eq!(extended.functions().collect::<Vec<_>>(), ["count", "max"]);
}

#[test]
fn relations_may_be_given_qualified_and_in_any_case() {
    let catalog = Catalog {
        relations: vec![crate::ask::RelationDoc {
            name: "Attendance.QA_Teams",
            description: "one row per team",
            columns: Vec::new(),
        }],
        examples: Vec::new(),
    };
    let guard = SqlGuard::for_catalog(&catalog);
    assert_eq!(guard.relations().collect::<Vec<_>>(), ["qa_teams"]);
    assert!(guard.check("SELECT * FROM qa_teams").is_ok());
    assert!(guard.check("SELECT * FROM attendance.qa_teams").is_ok());
    assert!(guard.check("SELECT * FROM qa_sessions").is_err());
    assert_eq!(guard.max_len(), DEFAULT_MAX_LEN);
    assert_eq!(guard.with_max_len(usize::MAX).max_len(), MAX_LEN_CEILING);
}

proptest! {
    #[test]
    fn arbitrary_text_never_panics(sql in "\\PC{0,200}") {
        let outcome = guard().check(&sql);
        prop_assert!(!parser_panicked(&outcome), "{sql:?}");
    }

    #[test]
    fn token_soup_never_panics(words in proptest::collection::vec(
        proptest::sample::select(vec![
            "SELECT", "FROM", "WHERE", "WITH", "AS", "(", ")", ",", ";", "qa_sessions",
            "pg_class", "count(*)", "UNION", "JOIN", "ON", "1", "'x'", "FOR UPDATE",
            "INTO", "LATERAL", "generate_series(1,2)", "DELETE", "RETURNING", "*", "+",
            "--", "/*", "*/", "$$", "::int", "CASE", "WHEN", "THEN", "END", "NOT",
        ]),
        0..60,
    )) {
        let sql = words.join(" ");
        let outcome = guard().check(&sql);
        prop_assert!(!parser_panicked(&outcome), "{sql:?}");
    }
}
