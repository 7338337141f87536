//! Questions in plan mode in-process (`oneshot`), with a scripted chat
//! model and SQL runner: a name two people share comes back as a
//! clarification, and hostile plans are 422 refusals with a category,
//! never a 500.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::sync::Arc;

use async_trait::async_trait;
use attendance_core::ask::{
    AskConfig, AskMode, AskService, Catalog, QueryContext, QueryError, QueryRows, RelationDoc,
    SqlRunner,
};
use attendance_core::guard::GuardedSql;
use attendance_core::llm::{ChatModel, ChatRequest, ChatResponse, LlmError, TokenUsage};
use attendance_http::HttpConfig;
use axum::http::StatusCode;
use serde_json::{Value, json};
use support::{Harness, services_with_model};

/// Answers every plan request with `plan`; phrases with a word.
struct Planner(Value);

#[async_trait]
impl ChatModel for Planner {
    async fn chat(&self, request: ChatRequest) -> Result<ChatResponse, LlmError> {
        let text = match request.json_schema {
            Some(_) => json!({ "plan": self.0, "unsupported": null }).to_string(),
            None => "Done.".to_owned(),
        };
        Ok(ChatResponse {
            text,
            finish_reason: Some("stop".into()),
            usage: TokenUsage::default(),
        })
    }
}

/// Two employees called Tim Goldwasser; any other query counts 4.
struct Runner;

#[async_trait]
impl SqlRunner for Runner {
    async fn run(&self, sql: &GuardedSql, _: &QueryContext) -> Result<QueryRows, QueryError> {
        let row = |id: i64, team: &str| vec![json!(id), json!("Tim Goldwasser"), json!(team)];
        Ok(if sql.as_str().contains("FROM qa_employees") {
            QueryRows {
                columns: vec![
                    "employee_id".into(),
                    "employee_name".into(),
                    "team_name".into(),
                ],
                rows: vec![row(11, "Sales Berlin"), row(12, "Support Lagos")],
                truncated: false,
            }
        } else {
            QueryRows {
                columns: vec!["days_present".into()],
                rows: vec![vec![json!(4)]],
                truncated: false,
            }
        })
    }
}

fn harness(plan: Value) -> Harness {
    Harness::custom(&HttpConfig::default(), move |store, clock| {
        let model: Arc<dyn ChatModel> = Arc::new(Planner(plan));
        let catalog = Catalog {
            relations: [
                "qa_teams",
                "qa_employees",
                "qa_daily_attendance",
                "qa_sessions",
            ]
            .into_iter()
            .map(|name| RelationDoc {
                name,
                description: "",
                columns: vec![],
            })
            .collect(),
            examples: vec![],
        };
        let ask = AskService::new(model.clone(), Arc::new(Runner), catalog)
            .with_config(AskConfig::default().with_mode(AskMode::Plan))
            .with_clock(clock.clone());
        services_with_model(store, clock, Some(model)).with_ask(ask)
    })
}

#[tokio::test]
async fn a_name_two_people_share_is_a_clarification_with_the_plan() {
    let h = harness(json!({ "metric": "days_present", "employees": ["Tim Goldwasser"] }));
    let reply = h
        .post(
            "/ask",
            json!({ "question": "How many days did Tim Goldwasser work?" }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    let body = &reply.body;
    assert_eq!(body["kind"], "clarification");
    assert_eq!(
        body["columns"],
        json!(["employee_id", "employee_name", "team_name"])
    );
    assert_eq!(body["rows"].as_array().unwrap().len(), 2);
    assert!(
        body["text"]
            .as_str()
            .unwrap()
            .contains("Tim Goldwasser (Support Lagos, id 12)"),
        "{body}"
    );
    assert_eq!(body["plan"]["metric"], "days_present");
    assert_eq!(body["plan_sentence"], "days present, for Tim Goldwasser");
    assert_eq!(body["sql"], "");
}

#[tokio::test]
async fn a_plan_answer_carries_its_plan_and_sentence() {
    let h = harness(json!({ "metric": "sessions", "work_mode": "WFH" }));
    let reply = h
        .post(
            "/ask",
            json!({ "question": "How many sessions from home?" }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    assert_eq!(reply.body["plan_sentence"], "sessions, WFH only");
    assert_eq!(
        reply.body["sql"],
        "SELECT count(*) AS sessions FROM qa_sessions WHERE work_mode = 'WFH'"
    );
    assert!(reply.body.get("kind").is_none(), "{:?}", reply.body);
}

#[tokio::test]
async fn hostile_plans_are_422_refusals_with_a_category() {
    // Each question asks for what its hostile field says, so the plan that
    // would run keeps it (a field the question does not ask for is
    // dropped, not refused).
    let cases = [
        (
            json!({ "metric": "salary" }),
            "How many sessions?",
            "invalid_plan",
        ),
        (
            json!({ "metric": "sessions", "period": { "from": "2020-01-01", "to": "2026-03-13" } }),
            "How many sessions were there from 2020-01-01 to 2026-03-13?",
            "plan_out_of_bounds",
        ),
        (
            json!({ "metric": "sessions", "group_by": "employee", "limit": 501 }),
            "Who are the top 501 employees by sessions?",
            "plan_out_of_bounds",
        ),
        (
            json!({ "metric": "sessions", "employees": ["x".repeat(10_000)] }),
            "How many sessions?",
            "plan_out_of_bounds",
        ),
        (
            json!({ "metric": "sessions", "teams": ["Ops'; DROP TABLE attendance.sessions; --"] }),
            "How many sessions did Ops'; DROP TABLE attendance.sessions; -- have?",
            "",
        ),
    ];
    for (plan, question, category) in cases {
        let h = harness(plan.clone());
        let reply = h.post("/ask", json!({ "question": question })).await;
        if category.is_empty() {
            // A hostile name is only a name: looked up, not found, 200.
            assert_eq!(reply.status, StatusCode::OK, "{plan}: {reply:?}");
            assert_eq!(reply.body["kind"], "not_found", "{plan}");
            continue;
        }
        let body = reply.problem(StatusCode::UNPROCESSABLE_ENTITY, "question-refused");
        assert_eq!(body["refusal"], category, "{plan}");
        assert!(!reply.text.contains("xxxx"), "the name is not echoed");
    }
}
