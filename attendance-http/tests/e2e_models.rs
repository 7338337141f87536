//! End to end with a played model (wiremock behind the OpenAI-compatible
//! client): summaries and questions over the real server and a real
//! PostgreSQL database per test, with a healthy, failing, slow or no model.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod live;

use attendance_testsupport as common;
use attendance_testsupport::played::completion;

use std::sync::Arc;
use std::time::Duration;

use attendance_core::App;
use attendance_core::ask::{AskConfig, AskMode};
use attendance_core::llm::ChatModel;
use attendance_core::tokens::TokenStore;
use attendance_http::Services;
use attendance_llm::{OpenAiClient, OpenAiConfig};
use attendance_pg::PgStore;
use attendance_pg::{PgSqlRunner, qa};
use chrono::Datelike;
use chrono::{TimeDelta, Utc};
use live::{Server, with_admin_token};
use reqwest::StatusCode;
use serde_json::{Value, json};
use wiremock::matchers::{body_string_contains, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const SQL: &str = "SELECT employee_name, count(*) AS days FROM qa_daily_attendance \
                              GROUP BY employee_name ORDER BY employee_name";

/// An OpenAI-compatible client of the played model: one retry, short
/// backoff, and `timeout` per attempt.
fn client(base_url: &str, timeout: Duration) -> Arc<dyn ChatModel> {
    let config = OpenAiConfig::new()
        .with_base_url(base_url)
        .without_api_key()
        .with_max_retries(1)
        .with_min_backoff(Duration::from_millis(10))
        .with_max_backoff(Duration::from_millis(20))
        .with_request_timeout(timeout);
    Arc::new(OpenAiClient::new(config).unwrap())
}

/// A played model that phrases summaries faithfully: it reads the facts
/// out of the request and states their headline numbers, as the
/// grounding check wants.
fn faithful_summary(request: &Request) -> ResponseTemplate {
    let body: Value = request.body_json().unwrap();
    let user = body["messages"][1]["content"].as_str().unwrap();
    let facts = user
        .strip_prefix("<facts>")
        .and_then(|rest| rest.strip_suffix("</facts>"))
        .unwrap();
    let f: Value = serde_json::from_str(facts).unwrap();
    let text = if f.get("previous_week").is_some() {
        let w = &f["this_week"];
        format!(
            "Week {}: attendance {}%, {} days from home and {} at the office.",
            f["week"].as_str().unwrap(),
            w["attendance_percent"],
            w["wfh_days"],
            w["wfo_days"]
        )
    } else {
        format!(
            "On {}, {} of {} came in: {} from home and {} at the office.",
            f["date"].as_str().unwrap(),
            f["present"],
            f["headcount"],
            f["wfh"],
            f["wfo"]
        )
    };
    completion(&text)
}

/// The server over `store`, with summaries and questions by `model`.
async fn server(store: PgStore, model: Option<Arc<dyn ChatModel>>) -> Server {
    let tokens: Arc<dyn TokenStore> = Arc::new(store.tokens());
    let runner = Arc::new(PgSqlRunner::for_store(&store));
    let mut app = App::builder(Arc::new(store));
    if let Some(model) = model {
        // The played server stands for a hosted model, which phrases.
        app = app
            .chat_model(model)
            .sql_runner(runner, qa::catalog())
            .ask_config(AskConfig::default().with_model_phrasing(true));
    }
    let services = Services::from(app.build());
    let (services, token) = with_admin_token(services, tokens).await;
    Server::start(attendance_http::router(services), Some(&token)).await
}

/// The server over `store`, answering questions from plans by `model`.
async fn plan_server(store: PgStore, model: Arc<dyn ChatModel>) -> Server {
    let tokens: Arc<dyn TokenStore> = Arc::new(store.tokens());
    let runner = Arc::new(PgSqlRunner::for_store(&store));
    let app = App::builder(Arc::new(store))
        .chat_model(model)
        .sql_runner(runner, qa::catalog())
        .ask_config(
            AskConfig::default()
                .with_mode(AskMode::Plan)
                .with_model_phrasing(true),
        );
    let services = Services::from(app.build());
    let (services, token) = with_admin_token(services, tokens).await;
    Server::start(attendance_http::router(services), Some(&token)).await
}

/// Ada (WFH) and Bob (WFO) worked yesterday (UTC); returns the date.
async fn seed(server: &Server) -> String {
    let team = server.post("/teams", &json!({ "name": "Platform" })).await;
    let team_id = team.body["id"].as_i64().unwrap();
    let yesterday = (Utc::now() - TimeDelta::days(1)).date_naive();
    for (name, mode, from, to) in [("Ada", "WFH", 8, 16), ("Bob", "WFO", 9, 17)] {
        let e = server
            .post(
                "/employees",
                &json!({ "name": name, "role": "Engineer", "team_id": team_id }),
            )
            .await;
        let id = e.body["id"].as_i64().unwrap();
        let at = |h: u32| format!("{yesterday}T{h:02}:00:00Z");
        let r = server
            .post(
                "/attendance/clock-in",
                &json!({ "employee_id": id, "work_mode": mode, "at": at(from) }),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
        let r = server
            .post(
                "/attendance/clock-out",
                &json!({ "employee_id": id, "at": at(to) }),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{r:?}");
    }
    yesterday.to_string()
}

#[tokio::test]
async fn a_healthy_model_answers_questions_and_phrases_summaries() {
    common::with_store(|store| async move {
        let llm = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/chat/completions"))
            .and(body_string_contains("sql_or_refusal"))
            .respond_with(completion(
                &json!({ "sql": SQL, "refusal": null }).to_string(),
            ))
            .mount(&llm)
            .await;
        Mock::given(method("POST"))
            .and(path("/chat/completions"))
            .and(body_string_contains(
                "You answer questions about attendance data",
            ))
            .respond_with(completion("Ada and Bob each came in once."))
            .mount(&llm)
            .await;
        Mock::given(method("POST"))
            .and(path("/chat/completions"))
            .and(body_string_contains("Use ONLY the facts"))
            .respond_with(faithful_summary)
            .mount(&llm)
            .await;
        let server = server(store, Some(client(&llm.uri(), Duration::from_secs(5)))).await;
        let day = seed(&server).await;

        let answer = server
            .post(
                "/ask",
                &json!({ "question": "How many days did each person work?" }),
            )
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{answer:?}");
        assert_eq!(
            answer.body,
            json!({
                "text": "Ada and Bob each came in once.",
                "phrased_by": "llm",
                "sql": SQL,
                "columns": ["employee_name", "days"],
                "rows": [["Ada", 1], ["Bob", 1]],
                "attempts": 1
            })
        );

        let daily = server.get(&format!("/summaries/daily?date={day}")).await;
        assert_eq!(daily.status, StatusCode::OK, "{daily:?}");
        assert_eq!(daily.body["generated_by"], "llm", "{daily:?}");
        assert_eq!(
            daily.body["text"],
            format!("On {day}, 2 of 2 came in: 1 from home and 1 at the office.")
        );
        assert_eq!(daily.body["facts"]["present"], 2);
        assert_eq!(daily.body["facts"]["hours_worked"], 16.0);

        let week = chrono::NaiveDate::parse_from_str(&day, "%Y-%m-%d")
            .unwrap()
            .iso_week();
        let weekly = server
            .get(&format!(
                "/summaries/weekly?week={}-W{:02}",
                week.year(),
                week.week()
            ))
            .await;
        assert_eq!(weekly.status, StatusCode::OK, "{weekly:?}");
        assert_eq!(weekly.body["generated_by"], "llm", "{weekly:?}");
        assert!(weekly.body.get("fallback_reason").is_none(), "{weekly:?}");
        assert_eq!(weekly.body["facts"]["this_week"]["days_present"], 2);
        server.stop().await;
    })
    .await;
}

#[tokio::test]
async fn a_played_model_fills_a_plan_and_the_answer_shows_it() {
    common::with_store(|store| async move {
        let llm = MockServer::start().await;
        let plan = json!({
            "metric": "days_present", "group_by": "employee", "employees": ["ada"],
            "teams": null, "work_mode": null, "absence_kind": null,
            "period": {"relative": "yesterday"}, "having": null, "order": null,
            "limit": null, "unit": null, "compare_with_previous": false
        });
        Mock::given(method("POST"))
            .and(path("/chat/completions"))
            .and(body_string_contains("query_plan_or_unsupported"))
            .respond_with(completion(
                &json!({ "plan": plan, "unsupported": null }).to_string(),
            ))
            .expect(1)
            .mount(&llm)
            .await;
        Mock::given(method("POST"))
            .and(path("/chat/completions"))
            .and(body_string_contains(
                "You answer questions about attendance data",
            ))
            .respond_with(completion("Ada came in that day."))
            .expect(1)
            .mount(&llm)
            .await;
        let server = plan_server(store, client(&llm.uri(), Duration::from_secs(5))).await;
        let day = seed(&server).await;

        let answer = server
            .post("/ask", &json!({ "question": "Was Ada in yesterday?" }))
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{answer:?}");
        let body = &answer.body;
        assert_eq!(body["text"], "Ada came in that day.");
        // The plan shown is the one that ran: the name as the question and
        // the company write it.
        let mut ran = plan.clone();
        ran["employees"] = json!(["Ada"]);
        assert_eq!(body["plan"], ran);
        assert_eq!(
            body["plan_sentence"],
            format!("days present, by employee, for Ada, {day}")
        );
        assert!(body.get("kind").is_none(), "{body}");
        assert_eq!(
            body["columns"],
            json!(["employee_id", "employee_name", "days_present"])
        );
        assert_eq!(body["rows"][0][1], "Ada");
        assert_eq!(body["rows"][0][2], 1);
        assert_eq!(body["rows"].as_array().unwrap().len(), 1);
        let ada = body["rows"][0][0].as_i64().unwrap();
        assert_eq!(
            body["sql"],
            format!(
                "SELECT employee_id, employee_name, count(*) AS days_present \
                 FROM qa_daily_attendance WHERE employee_id IN ({ada}) \
                 AND work_date BETWEEN DATE '{day}' AND DATE '{day}' GROUP BY 1, 2 ORDER BY 1, 2"
            )
        );
        server.stop().await;
    })
    .await;
}

#[tokio::test]
async fn a_failing_model_fails_questions_with_502_but_never_summaries() {
    common::with_store(|store| async move {
        let llm = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(
                ResponseTemplate::new(500).set_body_string("upstream exploded at 10.9.8.7"),
            )
            .mount(&llm)
            .await;
        let server = server(store, Some(client(&llm.uri(), Duration::from_secs(5)))).await;
        let day = seed(&server).await;
        let reply = server
            .post("/ask", &json!({ "question": "Who was late?" }))
            .await;
        reply.problem(StatusCode::BAD_GATEWAY, "llm-failed");
        assert!(!reply.text.contains("exploded"), "{}", reply.text);
        let daily = server.get(&format!("/summaries/daily?date={day}")).await;
        assert_eq!(daily.status, StatusCode::OK, "{daily:?}");
        assert_eq!(daily.body["generated_by"], "template");
        assert_eq!(daily.body["facts"]["present"], 2);
        server.stop().await;
    })
    .await;
}

#[tokio::test]
async fn a_slow_model_times_questions_out_with_504_but_never_summaries() {
    common::with_store(|store| async move {
        let llm = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(completion("too late").set_delay(Duration::from_secs(30)))
            .mount(&llm)
            .await;
        let model = client(&llm.uri(), Duration::from_millis(200));
        let server = server(store, Some(model)).await;
        let day = seed(&server).await;
        server
            .post("/ask", &json!({ "question": "Who was late?" }))
            .await
            .problem(StatusCode::GATEWAY_TIMEOUT, "llm-timeout");
        let daily = server.get(&format!("/summaries/daily?date={day}")).await;
        assert_eq!(daily.status, StatusCode::OK, "{daily:?}");
        assert_eq!(daily.body["generated_by"], "template");
        server.stop().await;
    })
    .await;
}

#[tokio::test]
async fn without_a_model_questions_are_503_and_summaries_use_the_template() {
    common::with_store(|store| async move {
        let server = server(store, None).await;
        let day = seed(&server).await;
        let reply = server
            .post("/ask", &json!({ "question": "Who was late?" }))
            .await;
        let body = reply.problem(StatusCode::SERVICE_UNAVAILABLE, "llm-not-configured");
        assert!(body["detail"].as_str().unwrap().contains("not configured"));
        let daily = server.get(&format!("/summaries/daily?date={day}")).await;
        assert_eq!(daily.status, StatusCode::OK, "{daily:?}");
        assert_eq!(daily.body["generated_by"], "template");
        server.stop().await;
    })
    .await;
}
