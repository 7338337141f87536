//! Unit tests of plan mode: the service with a scripted model and a mocked
//! runner.

use std::sync::Mutex;

use super::*;
use crate::clock::ManualClock;
use crate::llm::{ChatRequest, ChatResponse, MockChatModel};

fn catalog() -> Catalog {
    let relation = |name| RelationDoc {
        name,
        description: "",
        columns: vec![],
    };
    Catalog {
        relations: [
            "qa_teams",
            "qa_employees",
            "qa_sessions",
            "qa_daily_attendance",
            "qa_ledger_days",
        ]
        .into_iter()
        .map(relation)
        .collect(),
        examples: vec![("Who?", "SELECT employee_name FROM qa_sessions")],
    }
}

/// A model that plays back `answers` in order, records the requests, and
/// says whether it runs locally.
fn scripted(
    answers: Vec<String>,
    local: bool,
) -> (Arc<dyn ChatModel>, Arc<Mutex<Vec<ChatRequest>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let mut answers = answers.into_iter();
    let mut model = MockChatModel::new();
    model.expect_chat().returning(move |request| {
        log.lock().unwrap().push(request);
        let text = answers
            .next()
            .expect("the model was asked more often than scripted");
        Ok(ChatResponse {
            text,
            finish_reason: Some("stop".into()),
            usage: TokenUsage {
                prompt_tokens: 10,
                completion_tokens: 5,
                total_tokens: 15,
            },
        })
    });
    model.expect_describe().returning(|| "scripted".into());
    model.expect_runs_locally().returning(move || local);
    (Arc::new(model), seen)
}

fn plan(json: serde_json::Value) -> String {
    serde_json::json!({"plan": json, "unsupported": null}).to_string()
}

const UNSUPPORTED: &str = r#"{"plan": null, "unsupported": "a list of teams"}"#;

fn service(model: Arc<dyn ChatModel>, runner: MockSqlRunner, mode: AskMode) -> AskService {
    let config = AskConfig {
        mode,
        ..AskConfig::default()
    };
    AskService::new(model, Arc::new(runner), catalog())
        .with_config(config)
        .with_clock(Arc::new(ManualClock::new(
            "2026-03-13T18:00:00Z".parse().unwrap(),
        )))
}

fn rows(columns: &[&str], rows: Vec<Vec<Value>>) -> QueryRows {
    QueryRows {
        columns: columns.iter().map(|c| (*c).to_owned()).collect(),
        rows,
        truncated: false,
    }
}

/// A runner that answers team and employee lookups from fixed lists and
/// records every other query, answering it with `answer`.
fn runner(answer: QueryRows, ran: Arc<Mutex<Vec<String>>>) -> MockSqlRunner {
    let mut runner = MockSqlRunner::new();
    runner.expect_run().returning(move |sql, _| {
        let sql = sql.as_str().to_owned();
        // The names a question holds whole (the service keeps those the
        // question contains).
        if sql.starts_with("SELECT DISTINCT team_name FROM qa_teams") {
            return Ok(rows(
                &["team_name"],
                vec![
                    vec![Value::from("Sales Berlin")],
                    vec![Value::from("Engineering Berlin")],
                ],
            ));
        }
        if sql.starts_with("SELECT DISTINCT employee_name FROM qa_employees") {
            return Ok(rows(
                &["employee_name"],
                vec![
                    vec![Value::from("Tim Goldwasser")],
                    vec![Value::from("Ada Lovelace")],
                ],
            ));
        }
        if sql.starts_with("SELECT team_id, team_name FROM qa_teams") {
            return Ok(rows(
                &["team_id", "team_name"],
                vec![
                    vec![Value::from(4), Value::from("Sales Berlin")],
                    vec![Value::from(5), Value::from("Engineering Berlin")],
                ],
            ));
        }
        if sql.starts_with("SELECT employee_id, employee_name, team_name FROM qa_employees") {
            return Ok(rows(
                &["employee_id", "employee_name", "team_name"],
                vec![
                    vec![
                        Value::from(11),
                        Value::from("Tim Goldwasser"),
                        Value::from("Sales Berlin"),
                    ],
                    vec![
                        Value::from(12),
                        Value::from("Tim Goldwasser"),
                        Value::from("Support Lagos"),
                    ],
                    vec![
                        Value::from(13),
                        Value::from("Ada Lovelace"),
                        Value::from("Sales Berlin"),
                    ],
                ],
            ));
        }
        ran.lock().unwrap().push(sql);
        Ok(answer.clone())
    });
    runner
}

fn hours() -> QueryRows {
    rows(
        &["team_name", "hours_worked"],
        vec![vec![Value::from("Sales Berlin"), Value::from(37.5)]],
    )
}

#[tokio::test]
async fn a_plan_is_resolved_compiled_guarded_run_and_shown() {
    let (model, seen) = scripted(
        vec![
            plan(serde_json::json!({
                "metric": "hours_worked", "group_by": "team", "employees": null,
                "teams": ["sales berlín"], "work_mode": "WFH", "absence_kind": null,
                "period": {"relative": "last_week"}, "having": null, "order": null,
                "limit": null, "unit": null, "compare_with_previous": false
            })),
            "Sales Berlin worked 37.5 hours.".to_owned(),
        ],
        false,
    );
    let ran = Arc::new(Mutex::new(Vec::new()));
    let answer = service(model, runner(hours(), ran.clone()), AskMode::Plan)
        .acting_as(&Principal::system())
        .ask("Hours worked from home by the Sales Berlín team last week?")
        .await
        .unwrap();
    assert_eq!(answer.kind, AnswerKind::Rows);
    assert_eq!(answer.text, "Sales Berlin worked 37.5 hours.");
    assert_eq!(answer.phrased_by, PhrasedBy::Llm);
    assert_eq!(answer.attempts, 1);
    assert_eq!(
        answer.plan_sentence.as_deref(),
        Some("hours worked, by team, in sales berlín, 2026-03-02 to 2026-03-08, WFH only")
    );
    assert_eq!(
        answer.plan.as_ref().unwrap().metric,
        plan::Metric::HoursWorked
    );
    let expected = "SELECT team_name, sum(hours) AS hours_worked FROM qa_daily_attendance \
        WHERE team_id IN (4) AND worked_from_home \
        AND work_date BETWEEN DATE '2026-03-02' AND DATE '2026-03-08' GROUP BY 1 ORDER BY 1";
    assert_eq!(answer.sql, expected);
    assert_eq!(*ran.lock().unwrap(), vec![expected.to_owned()]);
    let requests = seen.lock().unwrap();
    assert_eq!(
        requests[0].json_schema.as_ref().unwrap().name,
        plan::PLAN_SCHEMA_NAME
    );
    assert!(requests[0].messages[0].content.contains("- hours_worked: "));
}

#[tokio::test]
async fn the_question_s_own_period_and_names_win_over_the_model_s_copies() {
    // The model copies a worked plan's team and period; the question names
    // another team whole and another period.
    let copied = serde_json::json!({
        "metric": "hours_worked", "teams": ["Engineering Berlin"],
        "employees": ["Grace Hopper"], "period": {"relative": "last_week"}
    });
    let (model, _) = scripted(vec![plan(copied.clone()), "37.5.".to_owned()], false);
    let ran = Arc::new(Mutex::new(Vec::new()));
    let answer = service(model, runner(hours(), ran.clone()), AskMode::Plan)
        .acting_as(&Principal::system())
        .ask("How many hours did Sales Berlin work in February 2026?")
        .await
        .unwrap();
    assert_eq!(
        answer.plan_sentence.as_deref(),
        Some("hours worked, in Sales Berlin, 2026-02-01 to 2026-02-28")
    );
    assert!(
        answer.sql.contains("team_id IN (4)") && !answer.sql.contains("employee_id"),
        "{}",
        answer.sql
    );

    // A question that names no time and no one: the copies go.
    let (model, _) = scripted(vec![plan(copied), "12.".to_owned()], false);
    let answer = service(model, runner(hours(), ran.clone()), AskMode::Plan)
        .acting_as(&Principal::system())
        .ask("How many hours were worked?")
        .await
        .unwrap();
    assert_eq!(answer.plan_sentence.as_deref(), Some("hours worked"));
    assert_eq!(
        answer.sql,
        "SELECT sum(hours) AS hours_worked FROM qa_daily_attendance"
    );

    // The ledger needs a period: the model's stays when the question has
    // none the rules read.
    let ledger = serde_json::json!({
        "metric": "overtime_hours",
        "period": {"from": "2026-02-01", "to": "2026-02-28"}
    });
    let (model, _) = scripted(vec![plan(ledger), "3.".to_owned()], false);
    let answer = service(model, runner(hours(), ran), AskMode::Plan)
        .acting_as(&Principal::system())
        .ask("How much overtime was there?")
        .await
        .unwrap();
    assert_eq!(
        answer.plan_sentence.as_deref(),
        Some("overtime hours, 2026-02-01 to 2026-02-28")
    );
}

#[tokio::test]
async fn unsupported_is_a_refusal_unless_free_sql_is_allowed() {
    // Plan mode, or Auto with a local model: refused, no query run.
    for (mode, local) in [(AskMode::Plan, false), (AskMode::Auto, true)] {
        let (model, _) = scripted(vec![UNSUPPORTED.to_owned()], local);
        let mut runner = MockSqlRunner::new();
        runner.expect_run().never();
        let err = service(model, runner, mode)
            .acting_as(&Principal::system())
            .ask("List the teams.")
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                AskError::Refused {
                    category: RefusalCategory::OutOfScope
                }
            ),
            "{mode:?}: {err:?}"
        );
    }
    // Auto with a hosted model: the question goes on to free SQL.
    let (model, seen) = scripted(
        vec![
            UNSUPPORTED.to_owned(),
            r#"{"sql": "SELECT team_name FROM qa_teams", "refusal": null}"#.to_owned(),
            "Sales Berlin.".to_owned(),
        ],
        false,
    );
    let ran = Arc::new(Mutex::new(Vec::new()));
    let team = rows(&["team_name"], vec![vec![Value::from("Sales Berlin")]]);
    let answer = service(model, runner(team, ran), AskMode::Auto)
        .acting_as(&Principal::system())
        .ask("List the teams.")
        .await
        .unwrap();
    assert_eq!(answer.sql, "SELECT team_name FROM qa_teams");
    assert!(answer.plan.is_none());
    // Both turns' tokens, and the phrasing's.
    assert_eq!(answer.usage.total_tokens, 45);
    let schema = seen.lock().unwrap()[1].json_schema.clone().unwrap();
    assert_eq!(schema.name, "sql_or_refusal");
    // The host may turn the fallback off for a hosted model too.
    let (model, _) = scripted(vec![UNSUPPORTED.to_owned()], false);
    let config = AskConfig {
        mode: AskMode::Auto,
        free_sql_fallback: Some(false),
        ..AskConfig::default()
    };
    let err = service(model, MockSqlRunner::new(), AskMode::Auto)
        .with_config(config)
        .acting_as(&Principal::system())
        .ask("List the teams.")
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "the question was refused (out_of_scope)");
}

#[tokio::test]
async fn a_name_two_people_share_is_asked_back() {
    let (model, seen) = scripted(
        vec![plan(
            serde_json::json!({"metric": "days_present", "employees": ["Tim Goldwaser"]}),
        )],
        false,
    );
    let ran = Arc::new(Mutex::new(Vec::new()));
    let answer = service(model, runner(hours(), ran.clone()), AskMode::Plan)
        .acting_as(&Principal::system())
        .ask("How many days did Tim Goldwaser work?")
        .await
        .unwrap();
    assert_eq!(answer.kind, AnswerKind::Clarification);
    assert_eq!(
        answer.text,
        "Which employee do you mean by \"Tim Goldwaser\": Tim Goldwasser (Sales Berlin, id 11), \
         or Tim Goldwasser (Support Lagos, id 12)? Ask again with the full name."
    );
    assert_eq!(
        answer.columns,
        vec!["employee_id", "employee_name", "team_name"]
    );
    assert_eq!(answer.rows.len(), 2);
    assert!(answer.plan_sentence.is_some());
    // Nothing but the lookup ran, and the model was not asked to phrase.
    assert!(ran.lock().unwrap().is_empty());
    assert_eq!(seen.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn a_name_no_one_in_scope_has_is_said_so() {
    let (model, _) = scripted(
        vec![plan(
            serde_json::json!({"metric": "days_present", "teams": ["Marketing Paris"]}),
        )],
        false,
    );
    let ran = Arc::new(Mutex::new(Vec::new()));
    let answer = service(model, runner(hours(), ran.clone()), AskMode::Plan)
        .acting_as(&Principal::system())
        .ask("Days present in Marketing Paris?")
        .await
        .unwrap();
    assert_eq!(answer.kind, AnswerKind::NotFound);
    assert_eq!(
        answer.text,
        "No team called \"Marketing Paris\" is among those you can see."
    );
    assert!(answer.rows.is_empty());
    assert!(ran.lock().unwrap().is_empty());
}

#[tokio::test]
async fn an_invalid_plan_is_repaired_once_then_refused() {
    // Wrong, then right: two attempts.
    let (model, seen) = scripted(
        vec![
            plan(serde_json::json!({"metric": "salary"})),
            plan(serde_json::json!({"metric": "sessions"})),
            "There were 37.5.".to_owned(),
        ],
        false,
    );
    let ran = Arc::new(Mutex::new(Vec::new()));
    let answer = service(model, runner(hours(), ran), AskMode::Plan)
        .acting_as(&Principal::system())
        .ask("How many sessions?")
        .await
        .unwrap();
    assert_eq!(answer.attempts, 2);
    assert_eq!(answer.sql, "SELECT count(*) AS sessions FROM qa_sessions");
    let repair = seen.lock().unwrap()[1]
        .messages
        .last()
        .unwrap()
        .content
        .clone();
    assert!(repair.contains("not accepted"), "{repair}");
    assert!(
        repair.contains("salary"),
        "the model is told what was wrong: {repair}"
    );

    // Wrong every time: refused by category, the model's words not kept.
    let (model, _) = scripted(
        vec![
            "not json".to_owned(),
            plan(serde_json::json!({"metric": "salary"})),
            r#"{"plan": null, "unsupported": null}"#.to_owned(),
        ],
        false,
    );
    let mut runner = MockSqlRunner::new();
    runner.expect_run().never();
    let err = service(model, runner, AskMode::Plan)
        .acting_as(&Principal::system())
        .ask("What does Ada earn?")
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "the question was refused (invalid_plan)");
}

#[tokio::test]
async fn hostile_plans_are_refused_with_a_category_and_never_run() {
    // The bounds hold for the plan that would run: each question asks for
    // what the hostile field says, so grounding keeps it.
    let period = serde_json::json!({"from": "2020-01-01", "to": "2026-03-13"});
    let cases = [
        (
            serde_json::json!({"metric": "sessions", "period": period}),
            "How many sessions were there from 2020-01-01 to 2026-03-13?",
            "plan_out_of_bounds",
        ),
        (
            serde_json::json!({"metric": "sessions", "group_by": "employee", "limit": 501}),
            "Who are the top 501 employees by sessions?",
            "plan_out_of_bounds",
        ),
        (
            serde_json::json!({"metric": "sessions", "employees": ["x".repeat(10_000)]}),
            "How many sessions?",
            "plan_out_of_bounds",
        ),
        (
            serde_json::json!({"metric": "drop_table"}),
            "How many sessions?",
            "invalid_plan",
        ),
        (
            serde_json::json!({"metric": "sessions", "sql": "DELETE FROM qa_sessions"}),
            "How many sessions?",
            "invalid_plan",
        ),
    ];
    for (hostile, question, category) in cases {
        let (model, _) = scripted(vec![plan(hostile.clone()); 3], false);
        let ran = Arc::new(Mutex::new(Vec::new()));
        let err = service(model, runner(hours(), ran.clone()), AskMode::Plan)
            .acting_as(&Principal::system())
            .ask(question)
            .await
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("the question was refused ({category})"),
            "{hostile}"
        );
        // Only the name lookups ran, never a query of the plan.
        assert!(ran.lock().unwrap().is_empty(), "{hostile}");
    }
}

#[tokio::test]
async fn names_are_looked_up_in_the_askers_scope() {
    use crate::access::Member;
    use crate::domain::{EmployeeId, TeamId};

    let member = Principal::Member(Member::new(EmployeeId(13), TeamId(4), vec![]));
    let (model, _) = scripted(
        vec![
            plan(serde_json::json!({"metric": "days_present", "employees": ["Ada Lovelace"]})),
            "Ada.".to_owned(),
        ],
        false,
    );
    let mut runner = MockSqlRunner::new();
    let scope = member.scope();
    // Every query in the asker's scope: the names the question holds (two),
    // the candidates of the plan's name, and the answer.
    runner
        .expect_run()
        .times(4)
        .withf(move |_, context| context.scope == scope)
        .returning(|sql, _| {
            Ok(if sql.as_str().starts_with("SELECT DISTINCT") {
                rows(&["name"], vec![])
            } else if sql.as_str().contains("FROM qa_employees") {
                rows(
                    &["employee_id", "employee_name", "team_name"],
                    vec![vec![
                        Value::from(13),
                        Value::from("Ada Lovelace"),
                        Value::Null,
                    ]],
                )
            } else {
                rows(&["days_present"], vec![vec![Value::from(4)]])
            })
        });
    let answer = service(model, runner, AskMode::Plan)
        .acting_as(&member)
        .ask("How many days was Ada Lovelace present?")
        .await
        .unwrap();
    assert!(
        answer.sql.ends_with("WHERE employee_id IN (13)"),
        "{}",
        answer.sql
    );
}
