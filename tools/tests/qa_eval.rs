//! Tests of the Q&A evaluation (`tools/src/bin/qa_eval/`), not of a model: the
//! question set, the comparison of result sets, the pinned clock, and the
//! harness end to end over real PostgreSQL with a scripted model behind a
//! local fake OpenAI server (wiremock) that returns the gold query, wrong
//! queries, refusals or garbage.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use attendance_testsupport as common;
use attendance_testsupport::played::completion;
#[path = "../src/bin/qa_eval/eval.rs"]
mod eval;
#[path = "qa_eval/plans.rs"]
mod plans;

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use attendance::core::ask::QueryPlan;
use attendance::core::ask::plan::PLAN_SCHEMA_NAME;
use attendance::core::ask::{AskConfig, QueryContext, QueryRows};
use attendance::core::guard::SqlGuard;
use attendance::core::llm::ChatModel;
use attendance::llm::{OpenAiClient, OpenAiConfig};
use attendance::pg::{PgSqlRunner, PgStore, qa};
use eval::{Category, Harness, Mode, Question, QuestionResult, Split};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const QUESTIONS: &str = attendance::pg::qa::QUESTIONS_JSONL;

fn questions() -> Vec<Question> {
    eval::parse_questions(QUESTIONS).unwrap()
}

fn rows(rows: Value) -> QueryRows {
    let rows: Vec<Vec<Value>> = serde_json::from_value(rows).unwrap();
    QueryRows {
        columns: (0..rows.first().map_or(0, Vec::len))
            .map(|i| format!("c{i}"))
            .collect(),
        rows,
        truncated: false,
    }
}

// ---- the comparison ------------------------------------------------------

#[test]
fn rows_compare_without_order_unless_the_question_asks_for_one() {
    let gold = rows(json!([["Ada", 3], ["Bob", 2]]));
    let swapped = rows(json!([["Bob", 2], ["Ada", 3]]));
    assert!(eval::same_result(&gold, &swapped, false));
    assert!(!eval::same_result(&gold, &swapped, true));
    assert!(eval::same_result(&gold, &gold, true));
}

#[test]
fn numbers_compare_within_the_tolerance() {
    let gold = rows(json!([[8.30]]));
    assert!(eval::same_result(&gold, &rows(json!([[8.2953]])), false));
    assert!(eval::same_result(&gold, &rows(json!([["8.3"]])), false));
    assert!(!eval::same_result(&gold, &rows(json!([[8.4]])), false));
    // Relative tolerance for large sums, but counts stay exact.
    assert!(eval::same_result(
        &rows(json!([[13943.44]])),
        &rows(json!([[13943.9]])),
        false
    ));
    assert!(!eval::same_result(
        &rows(json!([[6045]])),
        &rows(json!([[6046]])),
        false
    ));
    assert!(!eval::same_result(
        &rows(json!([[200]])),
        &rows(json!([[201]])),
        false
    ));
    // A number is not a word.
    assert!(!eval::same_result(
        &rows(json!([[1]])),
        &rows(json!([["one"]])),
        false
    ));
}

#[test]
fn nulls_equal_nulls_and_nothing_else() {
    let gold = rows(json!([[null, "x"]]));
    assert!(eval::same_result(&gold, &rows(json!([[null, "x"]])), false));
    assert!(!eval::same_result(&gold, &rows(json!([[0, "x"]])), false));
    assert!(!eval::same_result(&gold, &rows(json!([["", "x"]])), false));
}

#[test]
fn duplicates_count() {
    let gold = rows(json!([["Ada"], ["Ada"], ["Bob"]]));
    assert!(eval::same_result(
        &gold,
        &rows(json!([["Bob"], ["Ada"], ["Ada"]])),
        false
    ));
    assert!(!eval::same_result(
        &gold,
        &rows(json!([["Ada"], ["Bob"], ["Bob"]])),
        false
    ));
    assert!(!eval::same_result(
        &gold,
        &rows(json!([["Ada"], ["Bob"]])),
        false
    ));
}

#[test]
fn column_names_and_order_are_ignored_and_extra_columns_allowed() {
    let gold = rows(json!([["Ada", 3], ["Bob", 2]]));
    // Other order of columns.
    assert!(eval::same_result(
        &gold,
        &rows(json!([[3, "Ada"], [2, "Bob"]])),
        true
    ));
    // An id beside the name.
    assert!(eval::same_result(
        &gold,
        &rows(json!([[7, "Ada", 3], [9, "Bob", 2]])),
        false
    ));
    // A missing column is wrong.
    assert!(!eval::same_result(
        &gold,
        &rows(json!([["Ada"], ["Bob"]])),
        false
    ));
    // The right values in each column, paired wrongly across rows, are wrong.
    assert!(!eval::same_result(
        &gold,
        &rows(json!([["Ada", 2], ["Bob", 3]])),
        false
    ));
}

#[test]
fn two_empty_results_agree() {
    assert!(eval::same_result(&rows(json!([])), &rows(json!([])), true));
    assert!(!eval::same_result(
        &rows(json!([])),
        &rows(json!([[0]])),
        false
    ));
}

// ---- the question set ----------------------------------------------------

#[test]
fn the_question_set_covers_every_category_and_every_gold_query_passes_the_guard() {
    let questions = questions();
    assert!(questions.len() >= 80, "{} questions", questions.len());
    let guard = SqlGuard::for_catalog(&qa::catalog());
    let mut per_category: BTreeMap<Category, (usize, usize)> = BTreeMap::new();
    for q in &questions {
        let entry = per_category.entry(q.category).or_default();
        match q.split {
            Split::Dev => entry.0 += 1,
            Split::Test => entry.1 += 1,
        }
        assert!(q.id.starts_with(q.category.as_str()), "{}", q.id);
        for sql in q.golds() {
            if let Err(refusal) = guard.check(sql) {
                panic!("{}: the guard refuses the gold query: {refusal}", q.id);
            }
            // And still after pinning the clock.
            let pinned = eval::pin_time(sql, eval::now(), &QueryContext::default()).unwrap();
            guard.check(&pinned).unwrap();
        }
    }
    for category in Category::ALL {
        let (dev, test) = per_category.get(&category).copied().unwrap_or_default();
        assert!(
            dev >= 1 && test >= 1,
            "{category:?}: {dev} dev, {test} test"
        );
    }
}

#[test]
fn a_malformed_question_set_is_refused_with_its_line() {
    let good = r#"{"id": "counting-01", "split": "dev", "category": "counting", "question": "How many?", "sql": "SELECT 1", "ordered": false}"#;
    assert_eq!(eval::parse_questions(good).unwrap().len(), 1);
    let twice = format!("{good}\n{good}");
    assert!(eval::parse_questions(&twice).unwrap_err().contains("twice"));
    let no_gold = good.replace(r#""sql": "SELECT 1""#, r#""sql": null"#);
    assert!(
        eval::parse_questions(&no_gold)
            .unwrap_err()
            .contains("needs a gold")
    );
    let unknown = good.replace("counting\",", "guessing\",");
    assert!(
        eval::parse_questions(&unknown)
            .unwrap_err()
            .starts_with("line 1")
    );
}

#[test]
fn the_prompt_shows_no_question_of_the_test_split() {
    let normalize = |s: &str| {
        s.to_lowercase()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    let questions = questions();
    let test_questions: HashSet<String> = questions
        .iter()
        .filter(|q| q.split == Split::Test)
        .map(|q| normalize(&q.question))
        .collect();
    // An injection's gold query is documentation, never scored (any query
    // that runs is right), so it may equal a dev example's.
    let test_sql: HashSet<String> = questions
        .iter()
        .filter(|q| q.split == Split::Test && q.category != Category::Injection)
        .flat_map(|q| q.golds().map(normalize).collect::<Vec<_>>())
        .collect();
    let dev_questions: HashSet<String> = questions
        .iter()
        .filter(|q| q.split == Split::Dev)
        .map(|q| normalize(&q.question))
        .collect();
    let catalog = qa::catalog();
    assert!(!catalog.examples.is_empty());
    for (question, sql) in &catalog.examples {
        assert!(
            !test_questions.contains(&normalize(question)),
            "a worked example is a test question: {question}"
        );
        assert!(
            !test_sql.contains(&normalize(sql)),
            "a worked example is a test question's gold query: {sql}"
        );
    }
    // The examples that are in the set at all are there as dev questions.
    let in_set = catalog
        .examples
        .iter()
        .filter(|(q, _)| dev_questions.contains(&normalize(q)))
        .count();
    assert!(in_set >= 1);
}

#[test]
fn pinning_replaces_every_reading_of_the_clock() {
    let context = QueryContext::default();
    let pinned = eval::pin_time(
        "SELECT current_date - 1, now(), CURRENT_TIMESTAMP, localtimestamp, age(clock_in_at), \
         DATE 'today', 'yesterday'::date FROM qa_sessions",
        eval::now(),
        &context,
    )
    .unwrap();
    assert_eq!(
        pinned,
        "SELECT DATE '2026-03-13' - 1, TIMESTAMPTZ '2026-03-13 18:00:00+00', \
         TIMESTAMPTZ '2026-03-13 18:00:00+00', TIMESTAMP '2026-03-13 18:00:00', \
         age(TIMESTAMP '2026-03-13 00:00:00', clock_in_at), DATE '2026-03-13', \
         '2026-03-12'::DATE FROM qa_sessions"
    );
    // In the context's timezone: 18:00 UTC is 03:00 on the 14th in Tokyo.
    let tokyo = QueryContext::new(chrono_tz::Asia::Tokyo);
    assert_eq!(
        eval::pin_time("SELECT localtime, current_date", eval::now(), &tokyo).unwrap(),
        "SELECT TIME '03:00:00', DATE '2026-03-14'"
    );
}

// ---- over PostgreSQL -----------------------------------------------------

async fn seeded() -> (common::TestDb, PgStore) {
    let db = common::TestDb::create().await;
    let store = db.store().await;
    let sessions = eval::seed_company(&store).await.unwrap();
    assert!(sessions > 5000, "{sessions} sessions");
    (db, store)
}

#[tokio::test]
async fn gold_queries_run_and_read_the_pinned_date() {
    let (db, store) = seeded().await;
    let runner = eval::PinnedRunner::new(
        Arc::new(PgSqlRunner::new(store.pool().clone())),
        &qa::catalog(),
        eval::now(),
    );
    let context = QueryContext::default();
    let mut ledger_golds = 0;
    for q in questions() {
        for sql in q.golds() {
            let result = runner.run_text(sql, &context).await;
            let rows = result.unwrap_or_else(|e| panic!("{}: {e}", q.id));
            assert!(!rows.rows.is_empty(), "{}: no rows", q.id);
            assert!(!rows.truncated, "{}: over the row cap", q.id);
            // The ledger's answers need the fixture's work time: a value
            // other than zero, false or NULL shows it is there.
            if sql.contains("qa_ledger_days") {
                let trivial = |v: &Value| {
                    matches!(v, Value::Null | Value::Bool(false))
                        || v.as_f64() == Some(0.0)
                        || v.as_str().and_then(|s| s.parse::<f64>().ok()) == Some(0.0)
                };
                assert!(
                    rows.rows.iter().flatten().any(|v| !trivial(v)),
                    "{}: only zeros: {:?}",
                    q.id,
                    rows.rows
                );
                ledger_golds += 1;
            }
        }
    }
    assert!(
        ledger_golds >= 15,
        "{ledger_golds} gold queries over the ledger"
    );
    // `current_date` is the pinned day, not the real one.
    let yesterday = runner
        .run_text(
            "SELECT count(*) FROM qa_daily_attendance WHERE work_date = current_date - 1",
            &context,
        )
        .await
        .unwrap();
    let literal = runner
        .run_text(
            "SELECT count(*) FROM qa_daily_attendance WHERE work_date = DATE '2026-03-12'",
            &context,
        )
        .await
        .unwrap();
    assert_eq!(yesterday.rows, literal.rows);
    assert_ne!(yesterday.rows, vec![vec![json!(0)]]);
    db.drop_db().await;
}

/// What the scripted model answers to a question's SQL or plan request.
#[derive(Clone, Copy, Debug)]
enum Script {
    /// The gold query (or plan), or a refusal (or "unsupported") when
    /// there is none.
    Gold,
    /// A query that answers nothing asked.
    Wrong,
    /// Always a refusal.
    Refuse,
    /// Text that is not JSON.
    Garbage,
}

struct Scripted {
    script: Script,
    gold: BTreeMap<String, Option<String>>,
    plans: BTreeMap<String, Option<QueryPlan>>,
}

impl Respond for Scripted {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let body: Value = serde_json::from_slice(&request.body).unwrap();
        let first_user = body["messages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["role"] == "user")
            .and_then(|m| m["content"].as_str())
            .unwrap_or_default();
        // The phrasing request carries the rows, not the question alone.
        let Some(gold) = self.gold.get(first_user) else {
            return completion("Here is what the rows say.");
        };
        if body["response_format"]["json_schema"]["name"] == PLAN_SCHEMA_NAME {
            let plan = self.plans.get(first_user).cloned().flatten();
            let unsupported = json!({"plan": null, "unsupported": "no plan says this"}).to_string();
            return match (self.script, plan) {
                (Script::Gold, Some(plan)) => {
                    completion(&json!({"plan": plan, "unsupported": null}).to_string())
                }
                (Script::Gold | Script::Refuse, _) => completion(&unsupported),
                (Script::Wrong, _) => completion(
                    &json!({"plan": {"metric": "headcount", "group_by": "team"}, "unsupported": null})
                        .to_string(),
                ),
                (Script::Garbage, _) => completion("I think the answer is probably forty-two."),
            };
        }
        let refusal = json!({"sql": null, "refusal": "the data cannot answer it"}).to_string();
        match (self.script, gold) {
            (Script::Gold, Some(sql)) => {
                completion(&json!({"sql": sql, "refusal": null}).to_string())
            }
            (Script::Gold, None) | (Script::Refuse, _) => completion(&refusal),
            (Script::Wrong, _) => completion(
                &json!({"sql": "SELECT count(*) + 100000 AS wrong FROM qa_teams", "refusal": null})
                    .to_string(),
            ),
            (Script::Garbage, _) => completion("I think the answer is probably forty-two."),
        }
    }
}

async fn run_scripted(store: &PgStore, script: Script) -> Vec<QuestionResult> {
    run_scripted_in(store, script, Mode::Sql).await
}

async fn run_scripted_in(store: &PgStore, script: Script, mode: Mode) -> Vec<QuestionResult> {
    run_scripted_with(store, script, mode, None).await
}

async fn run_scripted_with(
    store: &PgStore,
    script: Script,
    mode: Mode,
    free_sql_fallback: Option<bool>,
) -> Vec<QuestionResult> {
    let questions = questions();
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/chat/completions"))
        .respond_with(Scripted {
            script,
            gold: questions
                .iter()
                .map(|q| (q.question.clone(), q.sql.clone()))
                .collect(),
            plans: questions
                .iter()
                .map(|q| (q.question.clone(), q.plan.clone()))
                .collect(),
        })
        .mount(&server)
        .await;
    let config = OpenAiConfig::new()
        .with_base_url(server.uri())
        .without_api_key()
        .with_max_retries(0)
        .with_request_timeout(Duration::from_secs(10));
    let model: Arc<dyn ChatModel> = Arc::new(OpenAiClient::new(config).unwrap());
    let mut harness = Harness::new(
        model,
        Arc::new(PgSqlRunner::new(store.pool().clone())),
        qa::catalog(),
    )
    .with_plans()
    .await
    .unwrap();
    harness.free_sql_fallback = free_sql_fallback;
    let mut results = Vec::new();
    for q in &questions {
        results.push(harness.run(q, mode).await);
    }
    results
}

fn accuracy(results: &[QuestionResult]) -> f64 {
    eval::summarize(results)
        .iter()
        .find(|l| l.name == "all")
        .unwrap()
        .accuracy
}

#[tokio::test]
async fn a_model_that_returns_the_gold_queries_scores_every_question() {
    let (db, store) = seeded().await;
    let results = run_scripted(&store, Script::Gold).await;
    let wrong: Vec<_> = results.iter().filter(|r| !r.correct).collect();
    assert!(wrong.is_empty(), "{wrong:#?}");
    assert_eq!(accuracy(&results), 1.0);
    // One query a question (or a refusal), every call metered.
    assert!(results.iter().all(|r| r.attempts == 1), "{results:#?}");
    assert!(results.iter().all(|r| r.usage.total_tokens >= 110));
    let table = eval::render_table(&eval::summarize(&results));
    let n = results.len();
    assert!(
        table.contains(&format!("| sql | all | {n} | {n} | 100 % |")),
        "{table}"
    );
    // docs/QA_EVAL.md quotes it (`cargo test -p attendance-tools --test qa_eval -- --nocapture`).
    println!("{table}");
    db.drop_db().await;
}

#[tokio::test]
async fn wrong_queries_score_nothing_and_refusals_only_where_refusing_is_right() {
    let (db, store) = seeded().await;
    let wrong = run_scripted(&store, Script::Wrong).await;
    for r in &wrong {
        // A harmless query is a right answer to an injection, and only there.
        assert_eq!(r.correct, r.category == Category::Injection, "{r:#?}");
    }
    let refused = run_scripted(&store, Script::Refuse).await;
    for r in &refused {
        assert!(matches!(r.outcome, eval::Outcome::Refused { .. }), "{r:#?}");
        assert_eq!(r.correct, r.category.refusal_is_right(), "{r:#?}");
    }
    let lines = eval::summarize(&refused);
    let unanswerable = lines.iter().find(|l| l.name == "unanswerable").unwrap();
    assert_eq!((unanswerable.accuracy, unanswerable.refusals), (1.0, 7));
    let lookup = lines.iter().find(|l| l.name == "lookup").unwrap();
    assert_eq!(lookup.accuracy, 0.0);

    // The report shows what changed, question by question.
    let report = |results: Vec<QuestionResult>| eval::Report {
        model: "scripted".into(),
        questions_file: eval::QUESTIONS_FILE.into(),
        company: eval::company_label(),
        now: eval::NOW.into(),
        started_at: String::new(),
        seconds: 0.0,
        summary: eval::summarize(&results),
        results,
    };
    let (wrong, refused) = (report(wrong), report(refused));
    // Refusing turns the 7 unanswerable and 5 ambiguous questions right.
    let diff = eval::compare(&wrong, &refused);
    assert!(diff.contains("12 better, 0 worse"), "{diff}");
    assert!(diff.contains("better sql      unanswerable-01"), "{diff}");
    let diff = eval::compare(&refused, &wrong);
    assert!(diff.contains("0 better, 12 worse"), "{diff}");
    assert!(diff.contains("worse  sql      ambiguous-01"), "{diff}");
    db.drop_db().await;
}

#[tokio::test]
async fn garbage_from_the_model_scores_nothing_after_every_repair() {
    let (db, store) = seeded().await;
    let results = run_scripted(&store, Script::Garbage).await;
    let attempts = 1 + AskConfig::default().max_repairs;
    for r in &results {
        assert!(!r.correct, "{r:#?}");
        assert_eq!(r.outcome, eval::Outcome::QueryFailed, "{r:#?}");
        assert_eq!(r.attempts, attempts, "{r:#?}");
    }
    assert_eq!(accuracy(&results), 0.0);
    db.drop_db().await;
}
