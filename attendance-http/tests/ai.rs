//! Summaries and questions in-process (`oneshot`), with a scripted chat
//! model and SQL runner: every outcome and every error class.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use attendance_core::access::Principal;
use attendance_core::ask::{
    AskService, Catalog, ColumnDoc, QueryContext, QueryError, QueryRows, RelationDoc, SqlRunner,
};
use attendance_core::guard::GuardedSql;
use attendance_core::llm::{ChatModel, ChatRequest, ChatResponse, LlmError, TokenUsage};
use attendance_http::HttpConfig;
use axum::http::{StatusCode, header};
use serde_json::{Value, json};
use support::{Harness, services, services_with_model};

/// What the scripted model does.
#[derive(Clone)]
enum Script {
    /// Writes `sql` for questions, then phrases rows as `answer`; phrases
    /// daily summaries as `summary` and weekly ones as `weekly`.
    Works {
        sql: &'static str,
        answer: &'static str,
        summary: &'static str,
        weekly: &'static str,
    },
    /// Declines the question.
    Refuses,
    /// Fails every call with the error `make` builds.
    Fails(fn() -> LlmError),
}

struct ScriptedModel(Script);

#[async_trait]
impl ChatModel for ScriptedModel {
    async fn chat(&self, request: ChatRequest) -> Result<ChatResponse, LlmError> {
        let text = match &self.0 {
            Script::Fails(make) => return Err(make()),
            Script::Refuses => {
                json!({ "sql": null, "refusal": "salaries are not in the data" }).to_string()
            }
            Script::Works {
                sql,
                answer,
                summary,
                weekly,
            } => {
                let system = &request.messages[0].content;
                if request.json_schema.is_some() {
                    json!({ "sql": sql, "refusal": null }).to_string()
                } else if system.contains("summaries") {
                    if request.messages[1].content.contains("\"previous_week\"") {
                        (*weekly).to_owned()
                    } else {
                        (*summary).to_owned()
                    }
                } else {
                    (*answer).to_owned()
                }
            }
        };
        Ok(ChatResponse {
            text,
            finish_reason: Some("stop".into()),
            usage: TokenUsage {
                prompt_tokens: 10,
                completion_tokens: 5,
                total_tokens: 15,
            },
        })
    }
}

/// What the scripted runner does.
#[derive(Clone, Copy)]
enum Rows {
    Two,
    Rejects,
    Unavailable,
}

struct ScriptedRunner(Rows);

/// Text of the runner's rejections, which must not reach a client.
const DB_TEXT: &str = "column \"salary\" does not exist";

#[async_trait]
impl SqlRunner for ScriptedRunner {
    async fn run(
        &self,
        _sql: &GuardedSql,
        _context: &QueryContext,
    ) -> Result<QueryRows, QueryError> {
        match self.0 {
            Rows::Two => Ok(QueryRows {
                columns: vec!["employee_name".into(), "wfh_days".into()],
                rows: vec![
                    vec![Value::from("Ada"), Value::from(3)],
                    vec![Value::from("Bob"), Value::from(1)],
                ],
                truncated: false,
            }),
            Rows::Rejects => Err(QueryError::Rejected {
                message: DB_TEXT.into(),
            }),
            Rows::Unavailable => Err(QueryError::Unavailable {
                source: Box::new(std::io::Error::other("connection refused")),
            }),
        }
    }
}

fn catalog() -> Catalog {
    Catalog {
        relations: vec![RelationDoc {
            name: "qa_daily_attendance",
            description: "one row per employee and day present",
            columns: vec![ColumnDoc {
                name: "employee_name",
                sql_type: "text",
                meaning: "who",
            }],
        }],
        examples: vec![],
    }
}

/// A daily text that states the headline facts of [`seed`]'s day.
const DAILY_TEXT: &str = "On 2026-03-04, 2 of 3 employees came in: 1 from home and 1 at the \
                          office. Ada arrived late.";

/// A weekly text that states the headline facts of [`seed`]'s week.
const WEEKLY_TEXT: &str = "Week 2026-W10: attendance 13.3%, 2 employee-days present, 1 from \
                           home and 1 at the office.";

const SQL: &str = "SELECT employee_name, count(*) AS wfh_days FROM qa_daily_attendance \
                   GROUP BY employee_name ORDER BY wfh_days DESC LIMIT 100";

fn works() -> Script {
    Script::Works {
        sql: SQL,
        answer: "Ada worked from home most.",
        summary: DAILY_TEXT,
        weekly: WEEKLY_TEXT,
    }
}

/// A harness whose summaries and questions use `script` and `rows`.
fn harness(script: Script, rows: Rows) -> Harness {
    harness_with(script, rows, &HttpConfig::default())
}

fn harness_with(script: Script, rows: Rows, config: &HttpConfig) -> Harness {
    Harness::custom(config, move |store, clock| {
        let model: Arc<dyn ChatModel> = Arc::new(ScriptedModel(script));
        let ask = AskService::new(model.clone(), Arc::new(ScriptedRunner(rows)), catalog())
            .with_clock(clock.clone());
        services_with_model(store, clock, Some(model)).with_ask(ask)
    })
}

/// Ada (WFO, late) and Bob (WFH) on Wednesday 4 March; Cy absent.
async fn seed(h: &Harness) -> i64 {
    let team = h.team("Platform").await;
    let ada = h.employee(team, "Ada").await;
    let bob = h.employee(team, "Bob").await;
    h.employee(team, "Cy").await;
    for (who, mode, at) in [(ada, "WFO", "09:45"), (bob, "WFH", "08:30")] {
        let r = h
            .post(
                "/attendance/clock-in",
                json!({ "employee_id": who, "work_mode": mode, "at": format!("2026-03-04T{at}:00Z") }),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    }
    let r = h
        .post(
            "/attendance/clock-out",
            json!({ "employee_id": bob, "at": "2026-03-04T11:30:00Z" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    team
}

// ---- summaries ----------------------------------------------------------------

#[tokio::test]
async fn a_daily_summary_without_a_model_is_written_by_the_template() {
    let h = Harness::new();
    let team = seed(&h).await;
    let reply = h.get("/summaries/daily?date=2026-03-04").await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    let mut keys: Vec<&String> = reply.body.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(keys, ["facts", "generated_by", "text"]);
    assert_eq!(reply.body["generated_by"], "template");
    let facts = &reply.body["facts"];
    assert_eq!(facts["date"], "2026-03-04");
    assert_eq!(facts["weekday"], "Wednesday");
    assert_eq!(facts["scope"], "company");
    assert_eq!(
        (facts["headcount"].as_i64(), facts["present"].as_i64()),
        (Some(3), Some(2))
    );
    assert_eq!(facts["absent_names"], json!(["Cy"]));
    assert_eq!(
        (facts["wfh"].as_i64(), facts["wfo"].as_i64()),
        (Some(1), Some(1))
    );
    assert_eq!(facts["late_arrivals"][0]["name"], "Ada");
    assert_eq!(facts["still_clocked_in"], json!(["Ada"]));
    assert_eq!(facts["hours_worked"], 3.0);
    assert_eq!(facts["teams"][0]["team"], "Platform");
    assert!(reply.body["text"].as_str().unwrap().contains('2'));

    let reply = h
        .get(&format!("/summaries/daily?date=2026-03-04&team_id={team}"))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    assert_eq!(reply.body["facts"]["scope"], "Platform");
    assert_eq!(reply.body["facts"]["teams"], json!([]));
}

#[tokio::test]
async fn a_weekly_summary_compares_with_the_week_before() {
    let h = Harness::new();
    let team = seed(&h).await;
    let reply = h
        .get(&format!("/summaries/weekly?week=2026-W10&team_id={team}"))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    assert_eq!(reply.body["generated_by"], "template");
    let facts = &reply.body["facts"];
    assert_eq!(facts["week"], "2026-W10");
    assert_eq!(facts["from"], "2026-03-02");
    assert_eq!(facts["to"], "2026-03-08");
    assert_eq!(facts["headcount"], 3);
    assert_eq!(facts["this_week"]["days_present"], 2);
    assert_eq!(facts["previous_week"]["week"], "2026-W09");
    assert_eq!(facts["change"]["days_present"], 2);
    assert_eq!(facts["open_sessions"], 1);
    assert!(!reply.body["text"].as_str().unwrap().is_empty());
}

#[tokio::test]
async fn a_summary_phrased_by_the_model_says_so() {
    let h = harness(works(), Rows::Two);
    seed(&h).await;
    let reply = h.get("/summaries/daily?date=2026-03-04").await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    assert_eq!(reply.body["generated_by"], "llm");
    assert_eq!(reply.body["text"], DAILY_TEXT);
    assert_eq!(reply.body["facts"]["present"], 2);
    assert!(reply.body.get("fallback_reason").is_none(), "{reply:?}");
    let reply = h.get("/summaries/weekly?week=2026-W10").await;
    assert_eq!(reply.body["generated_by"], "llm", "{reply:?}");
    assert!(reply.body.get("fallback_reason").is_none(), "{reply:?}");
}

#[tokio::test]
async fn a_text_that_states_no_headline_is_replaced_and_the_category_said() {
    let h = harness(
        Script::Works {
            sql: SQL,
            answer: "",
            summary: "The file contains a list of facts with timestamps and numbers.",
            weekly: "Attendance was steady.",
        },
        Rows::Two,
    );
    seed(&h).await;
    for uri in [
        "/summaries/daily?date=2026-03-04",
        "/summaries/weekly?week=2026-W10",
    ] {
        let reply = h.get(uri).await;
        assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
        assert_eq!(reply.body["generated_by"], "template", "{uri}");
        assert_eq!(reply.body["fallback_reason"], "missing_headline", "{uri}");
        assert!(!reply.text.contains("list of facts"), "{}", reply.text);
    }
}

#[tokio::test]
async fn a_failing_model_falls_back_to_the_template_with_only_a_category() {
    let h = harness(
        Script::Fails(|| LlmError::Rejected {
            status: 401,
            message: "Incorrect API key provided: sk-abc".into(),
        }),
        Rows::Two,
    );
    seed(&h).await;
    let reply = h.get("/summaries/daily?date=2026-03-04").await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    assert_eq!(reply.body["generated_by"], "template");
    assert!(!reply.text.contains("sk-abc"), "{}", reply.text);
    assert!(!reply.text.contains("401"), "{}", reply.text);
    assert_eq!(reply.body["fallback_reason"], "llm_unavailable");
}

#[tokio::test]
async fn summary_parameters_are_validated() {
    let h = Harness::new();
    for (uri, field) in [
        ("/summaries/daily", "date"),
        ("/summaries/daily?date=tomorrow", "date"),
        ("/summaries/daily?date=2026-03-04&team_id=x", "team_id"),
        ("/summaries/daily?day=2026-03-04", "day"),
        ("/summaries/weekly", "week"),
        ("/summaries/weekly?week=2026-W60", "week"),
        ("/summaries/weekly?week=2026-03-02", "week"),
    ] {
        assert_eq!(h.get(uri).await.invalid_field(), field, "{uri}");
    }
    h.get("/summaries/daily?date=2026-03-04&team_id=99")
        .await
        .problem(StatusCode::NOT_FOUND, "not-found");
    h.get("/summaries/weekly?week=2026-W10&team_id=99")
        .await
        .problem(StatusCode::NOT_FOUND, "not-found");
}

// ---- questions ----------------------------------------------------------------

#[tokio::test]
async fn a_question_is_answered_with_exactly_the_contract_fields() {
    let h = harness(works(), Rows::Two);
    let reply = h
        .post("/ask", json!({ "question": "Who worked from home most?" }))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    assert_eq!(
        reply.body,
        json!({
            "text": "Ada worked from home most.",
            "phrased_by": "llm",
            "sql": SQL,
            "columns": ["employee_name", "wfh_days"],
            "rows": [["Ada", 3], ["Bob", 1]],
            "attempts": 1
        })
    );
}

#[tokio::test]
async fn a_phrasing_that_states_what_the_rows_lack_is_replaced_by_the_rows() {
    let h = harness(
        Script::Works {
            sql: SQL,
            answer: r#"{"team_id": 7, "role": "Manager", "note": "ids and roles"}"#,
            summary: "",
            weekly: "",
        },
        Rows::Two,
    );
    let reply = h
        .post("/ask", json!({ "question": "List the teams" }))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    assert_eq!(reply.body["phrased_by"], "template");
    assert_eq!(
        reply.body["text"],
        "2 rows matched (employee_name, wfh_days): Ada, 3; Bob, 1."
    );
    assert_eq!(reply.body["rows"], json!([["Ada", 3], ["Bob", 1]]));
}

#[tokio::test]
async fn sql_that_does_not_parse_is_refused_by_category_without_the_parsers_words() {
    // The query SmolLM2-135M wrote: `order` where an expression belongs.
    let h = harness(
        Script::Works {
            sql: "SELECT employee_name FROM qa_daily_attendance WHERE order by employee_name",
            answer: "",
            summary: "",
            weekly: "",
        },
        Rows::Two,
    );
    let reply = h
        .post("/ask", json!({ "question": "Who was in the office?" }))
        .await;
    let body = reply.problem(StatusCode::UNPROCESSABLE_ENTITY, "question-refused");
    assert_eq!(body["refusal"], "invalid_query");
    assert_eq!(
        body["detail"],
        "the language model wrote no valid query for this question; try rephrasing it"
    );
    for parser_text in ["Expected", "found: order", "Line:", "Column", "parse"] {
        assert!(
            !reply.text.contains(parser_text),
            "{parser_text} in {}",
            reply.text
        );
    }
}

#[tokio::test]
async fn without_a_model_ask_is_a_503_problem_and_summaries_still_work() {
    let h = Harness::custom(&HttpConfig::default(), |store, clock| {
        services(store, clock)
    });
    let reply = h.post("/ask", json!({ "question": "Who was late?" })).await;
    let body = reply.problem(StatusCode::SERVICE_UNAVAILABLE, "llm-not-configured");
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("the LLM is not configured")
    );
    assert_eq!(
        h.get("/summaries/daily?date=2026-03-04").await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn invalid_and_refused_questions_are_422_problems() {
    let h = harness(works(), Rows::Two);
    assert_eq!(
        h.post("/ask", json!({ "question": "   " }))
            .await
            .invalid_field(),
        "question"
    );
    assert_eq!(
        h.post("/ask", json!({ "question": "x".repeat(501) }))
            .await
            .invalid_field(),
        "question"
    );
    assert_eq!(h.post("/ask", json!({})).await.invalid_field(), "question");
    assert_eq!(
        h.post("/ask", json!({ "question": 42 }))
            .await
            .invalid_field(),
        "question"
    );

    let h = harness(Script::Refuses, Rows::Two);
    let reply = h
        .post("/ask", json!({ "question": "What does Ada earn?" }))
        .await;
    let body = reply.problem(StatusCode::UNPROCESSABLE_ENTITY, "question-refused");
    // A fixed sentence and the category, never the model's own words.
    assert!(!reply.text.contains("salaries"), "{}", reply.text);
    assert_eq!(body["refusal"], "out_of_scope");

    // A query the guard refuses on every attempt is refused too.
    let h = harness(
        Script::Works {
            sql: "DELETE FROM qa_daily_attendance",
            answer: "",
            summary: "",
            weekly: "",
        },
        Rows::Two,
    );
    let reply = h
        .post("/ask", json!({ "question": "Delete everything" }))
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        reply.body["type"],
        "https://attendance.dev/problems/question-refused"
    );
    assert_eq!(reply.body["refusal"], "unsafe_query");
    assert!(!reply.text.contains("DELETE"), "{}", reply.text);
}

#[tokio::test]
async fn llm_failures_are_502_and_timeouts_504_problems_without_their_text() {
    for (make, status, kind) in [
        (
            (|| LlmError::Server {
                status: 500,
                attempts: 3,
            }) as fn() -> LlmError,
            StatusCode::BAD_GATEWAY,
            "llm-failed",
        ),
        (
            || LlmError::Rejected {
                status: 401,
                message: "Incorrect API key provided: sk-abc".into(),
            },
            StatusCode::BAD_GATEWAY,
            "llm-failed",
        ),
        (
            || LlmError::InvalidResponse {
                reason: "no choices".into(),
            },
            StatusCode::BAD_GATEWAY,
            "llm-failed",
        ),
        (
            || LlmError::Timeout { attempts: 2 },
            StatusCode::GATEWAY_TIMEOUT,
            "llm-timeout",
        ),
        (
            || LlmError::NotConfigured {
                hint: "set OPENAI_API_KEY".into(),
            },
            StatusCode::SERVICE_UNAVAILABLE,
            "llm-not-configured",
        ),
    ] {
        let h = harness(Script::Fails(make), Rows::Two);
        let reply = h.post("/ask", json!({ "question": "Who was late?" })).await;
        reply.problem(status, kind);
        assert!(!reply.text.contains("sk-abc"), "{}", reply.text);
        assert!(!reply.text.contains("choices"), "{}", reply.text);
    }

    let h = harness(
        Script::Fails(|| LlmError::RateLimited {
            attempts: 3,
            retry_after: Some(Duration::from_secs(20)),
        }),
        Rows::Two,
    );
    let reply = h.post("/ask", json!({ "question": "Who was late?" })).await;
    reply.problem(StatusCode::BAD_GATEWAY, "llm-failed");
    assert_eq!(reply.headers[header::RETRY_AFTER], "20");
}

#[tokio::test]
async fn a_query_the_database_keeps_rejecting_is_a_502_problem_without_database_text() {
    let h = harness(works(), Rows::Rejects);
    let reply = h
        .post("/ask", json!({ "question": "Who earns most?" }))
        .await;
    let body = reply.problem(StatusCode::BAD_GATEWAY, "llm-failed");
    assert!(body["detail"].as_str().unwrap().contains("3 attempt"));
    assert!(!reply.text.contains("salary"), "{}", reply.text);
}

#[tokio::test]
async fn an_unreachable_database_while_asking_is_a_503_problem() {
    let h = harness(works(), Rows::Unavailable);
    let reply = h.post("/ask", json!({ "question": "Who was late?" })).await;
    reply.problem(StatusCode::SERVICE_UNAVAILABLE, "unavailable");
    assert_eq!(reply.headers[header::RETRY_AFTER], "5");
}

// Paused time: the runtime jumps to each deadline once the request can make
// no progress, so the real budgets are tested exactly, in no time.
#[tokio::test(start_paused = true)]
async fn ai_routes_have_their_own_time_budget() {
    struct Slow;
    #[async_trait]
    impl ChatModel for Slow {
        async fn chat(&self, _request: ChatRequest) -> Result<ChatResponse, LlmError> {
            std::future::pending().await
        }
    }
    let config = HttpConfig::default();
    assert!(config.ai_request_timeout > config.request_timeout);
    let h = Harness::custom(&config, |store, clock| {
        let model: Arc<dyn ChatModel> = Arc::new(Slow);
        let ask = AskService::new(
            model.clone(),
            Arc::new(ScriptedRunner(Rows::Two)),
            catalog(),
        );
        services_with_model(store, clock, Some(model)).with_ask(ask)
    });
    let started = tokio::time::Instant::now();
    h.post("/ask", json!({ "question": "Who was late?" }))
        .await
        .problem(StatusCode::SERVICE_UNAVAILABLE, "timeout");
    assert_eq!(started.elapsed(), config.ai_request_timeout);
    let started = tokio::time::Instant::now();
    h.get("/summaries/daily?date=2026-03-04")
        .await
        .problem(StatusCode::SERVICE_UNAVAILABLE, "timeout");
    assert_eq!(started.elapsed(), config.ai_request_timeout);
    // The other routes keep the standard budget.
    assert_eq!(h.get("/teams").await.status, StatusCode::OK);
    h.store.set(support::Fault::Hang);
    let started = tokio::time::Instant::now();
    h.get("/teams")
        .await
        .problem(StatusCode::SERVICE_UNAVAILABLE, "timeout");
    assert_eq!(started.elapsed(), config.request_timeout);
}

#[tokio::test]
async fn wire_facts_serialize_like_the_core_facts() {
    use attendance_core::memory::InMemoryStore;
    use attendance_core::summary::SummaryService;
    use attendance_http::dto;

    // Facts with every list filled in (late arrivals, the absent, teams).
    let store = Arc::new(InMemoryStore::new());
    let clock = Arc::new(attendance_core::service::ManualClock::new(support::now()));
    let service = attendance_core::service::AttendanceService::new(store.clone()).with_clock(clock);
    let team = service
        .create_team(&attendance_core::NewTeam::new("Platform").unwrap())
        .await
        .unwrap();
    for name in ["Ada", "Bob", "Cy"] {
        let e = service
            .create_employee(&attendance_core::NewEmployee::new(name, "Engineer", team.id).unwrap())
            .await
            .unwrap();
        if name != "Cy" {
            service
                .clock_in(
                    e.id,
                    attendance_core::WorkMode::Wfh,
                    Some("2026-03-04T09:45:00Z".parse().unwrap()),
                )
                .await
                .unwrap();
        }
    }
    let summaries = SummaryService::new(store, None);
    let daily = summaries
        .acting_as(&Principal::system())
        .daily(support::date("2026-03-04"), None)
        .await
        .unwrap();
    let weekly = summaries
        .acting_as(&Principal::system())
        .weekly("2026-W10".parse().unwrap(), None)
        .await
        .unwrap();
    assert!(!daily.facts.late_arrivals.is_empty());
    assert_eq!(
        serde_json::to_value(&daily.facts).unwrap(),
        serde_json::to_value(dto::DailyFacts::from(daily.facts.clone())).unwrap()
    );
    assert_eq!(
        serde_json::to_value(&weekly.facts).unwrap(),
        serde_json::to_value(dto::WeeklyFacts::from(weekly.facts.clone())).unwrap()
    );
}
