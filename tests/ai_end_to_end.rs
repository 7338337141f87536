//! The AI layer end to end: real PostgreSQL, the real OpenAI-compatible
//! client, and a local fake server (wiremock) playing the model: healthy,
//! failing and unreachable.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use attendance_testsupport as common;
use attendance_testsupport::played::completion;

use std::sync::Arc;
use std::time::Duration;

use attendance::core::access::Principal;
use attendance::core::ask::{AskConfig, AskError, AskService, PhrasedBy};
use attendance::core::llm::{ChatModel, LlmError};
use attendance::core::service::{AttendanceService, ManualClock};
use attendance::core::summary::{FallbackReason, GeneratedBy, SummaryService};
use attendance::core::{NewEmployee, NewTeam, WorkMode};
use attendance::llm::{OpenAiClient, OpenAiConfig, StructuredOutput};
use attendance::pg::{PgSqlRunner, PgStore, qa};
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use serde_json::{Value, json};
use wiremock::matchers::{body_partial_json, body_string_contains, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn now() -> DateTime<Utc> {
    "2026-11-27T17:00:00Z".parse().unwrap()
}

/// Ada works from home every day, Bob on odd days, both 8 hours; a week.
async fn seed(store: &PgStore) {
    let svc = AttendanceService::new(Arc::new(store.clone()))
        .with_clock(Arc::new(ManualClock::new(now())));
    let team = svc
        .create_team(&NewTeam::new("Platform").unwrap())
        .await
        .unwrap();
    let ada = svc
        .create_employee(&NewEmployee::new("Ada", "Engineer", team.id).unwrap())
        .await
        .unwrap();
    let bob = svc
        .create_employee(&NewEmployee::new("Bob", "Engineer", team.id).unwrap())
        .await
        .unwrap();
    for day in 1..=7 {
        let start = now() - TimeDelta::days(day) - TimeDelta::hours(9);
        svc.record_session(ada.id, WorkMode::Wfh, start, start + TimeDelta::hours(8))
            .await
            .unwrap();
        let mode = if day % 2 == 1 {
            WorkMode::Wfh
        } else {
            WorkMode::Wfo
        };
        svc.record_session(
            bob.id,
            mode,
            start + TimeDelta::hours(1),
            start + TimeDelta::hours(9),
        )
        .await
        .unwrap();
    }
}

fn client(base_url: &str) -> Arc<dyn ChatModel> {
    let config = OpenAiConfig::new()
        .with_base_url(base_url)
        .without_api_key()
        .with_max_retries(1)
        .with_min_backoff(Duration::from_millis(10))
        .with_max_backoff(Duration::from_millis(20))
        .with_request_timeout(Duration::from_secs(5));
    Arc::new(OpenAiClient::new(config).unwrap())
}

#[tokio::test]
async fn a_question_is_answered_through_a_played_model_and_real_postgres() {
    common::with_store(|store| async move {
        seed(&store).await;
        let server = MockServer::start().await;
        // First call: the model writes SQL (the request carries the schema).
        Mock::given(method("POST"))
            .and(path("/chat/completions"))
            .and(body_string_contains("sql_or_refusal"))
            .respond_with(completion(
                r#"{"sql": "SELECT employee_name, count(*) AS wfh_days FROM qa_daily_attendance WHERE worked_from_home GROUP BY employee_name ORDER BY wfh_days DESC, employee_name", "refusal": null}"#,
            ))
            .expect(1)
            .mount(&server)
            .await;
        // Second call: the model phrases the rows.
        Mock::given(method("POST"))
            .and(path("/chat/completions"))
            .and(body_string_contains("You answer questions about attendance data"))
            .and(body_string_contains("\\\"Ada\\\""))
            .respond_with(completion("Ada worked from home most: 7 days, then Bob with 4."))
            .expect(1)
            .mount(&server)
            .await;
        let ask = AskService::new(
            client(&server.uri()),
            Arc::new(PgSqlRunner::new(store.pool().clone())),
            qa::catalog(),
        )
        .with_clock(Arc::new(ManualClock::new(now())))
        // The played server stands for a hosted model, which phrases.
        .with_config(AskConfig::default().with_model_phrasing(true));
        let answer = ask.acting_as(&Principal::system()).ask("Who worked from home most last week?").await.unwrap();
        assert_eq!(answer.columns, vec!["employee_name", "wfh_days"]);
        assert_eq!(
            answer.rows,
            vec![
                vec![Value::from("Ada"), Value::from(7)],
                vec![Value::from("Bob"), Value::from(4)],
            ]
        );
        assert_eq!(answer.attempts, 1);
        assert_eq!(answer.text, "Ada worked from home most: 7 days, then Bob with 4.");
        assert_eq!(answer.phrased_by, PhrasedBy::Llm);
        assert_eq!(answer.usage.total_tokens, 240);
    })
    .await;
}

#[tokio::test]
async fn a_query_the_database_rejects_is_repaired_by_the_model() {
    common::with_store(|store| async move {
        seed(&store).await;
        let server = MockServer::start().await;
        // The repair turn tells the model its query was rejected (a fixed
        // hint: PostgreSQL's own text stays in the server's log).
        Mock::given(method("POST"))
            .and(body_string_contains("The database rejected that query"))
            .respond_with(completion(
                r#"{"sql": "SELECT count(*) AS sessions FROM qa_sessions"}"#,
            ))
            .with_priority(1)
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(body_string_contains("sql_or_refusal"))
            .respond_with(completion(
                r#"{"sql": "SELECT count(*) FROM qa_sessions WHERE no_such_column"}"#,
            ))
            .with_priority(2)
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(body_string_contains(
                "You answer questions about attendance data",
            ))
            .respond_with(completion("There are 14 sessions."))
            .with_priority(1)
            .mount(&server)
            .await;
        let ask = AskService::new(
            client(&server.uri()),
            Arc::new(PgSqlRunner::new(store.pool().clone())),
            qa::catalog(),
        );
        let answer = ask
            .acting_as(&Principal::system())
            .ask("How many sessions are there?")
            .await
            .unwrap();
        assert_eq!(answer.attempts, 2);
        assert_eq!(answer.rows, vec![vec![Value::from(14)]]);
    })
    .await;
}

#[tokio::test]
async fn a_failing_or_unreachable_model_fails_ask_but_never_summaries() {
    common::with_store(|store| async move {
        seed(&store).await;
        let failing = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(500).set_body_string("upstream exploded"))
            .mount(&failing)
            .await;
        // Port 9 (discard) has no listener on loopback.
        for (label, model) in [
            ("failing", client(&failing.uri())),
            ("unreachable", client("http://127.0.0.1:9/v1")),
        ] {
            let ask = AskService::new(
                model.clone(),
                Arc::new(PgSqlRunner::new(store.pool().clone())),
                qa::catalog(),
            );
            let err = ask
                .acting_as(&Principal::system())
                .ask("Who was late?")
                .await
                .unwrap_err();
            match (&err, label) {
                (
                    AskError::Llm(LlmError::Server {
                        status: 500,
                        attempts: 2,
                    }),
                    "failing",
                ) => {}
                (AskError::Llm(LlmError::Transport { attempts: 2, .. }), "unreachable") => {}
                _ => panic!("{label}: unexpected {err:?}"),
            }
            let summaries = SummaryService::new(Arc::new(store.clone()), Some(model));
            let day: NaiveDate = "2026-11-26".parse().unwrap();
            let daily = summaries
                .acting_as(&Principal::system())
                .daily(day, None)
                .await
                .unwrap();
            assert_eq!(daily.generated_by, GeneratedBy::Template, "{label}");
            assert_eq!(daily.fallback_reason, Some(FallbackReason::LlmUnavailable));
            assert_eq!((daily.facts.present, daily.facts.headcount), (2, 2));
            let weekly = summaries
                .acting_as(&Principal::system())
                .weekly("2026-W48".parse().unwrap(), None)
                .await
                .unwrap();
            assert_eq!(weekly.generated_by, GeneratedBy::Template, "{label}");
        }
    })
    .await;
}

#[tokio::test]
async fn summaries_through_a_played_model_are_grounded() {
    common::with_store(|store| async move {
        seed(&store).await;
        let day: NaiveDate = "2026-11-26".parse().unwrap();
        let template = SummaryService::new(Arc::new(store.clone()), None)
            .acting_as(&Principal::system())
            .daily(day, None)
            .await
            .unwrap();
        assert_eq!(template.generated_by, GeneratedBy::Template);

        let f = &template.facts;
        let grounded = format!(
            "On {} {}, all {} of {} Platform employees came in; {} worked from home and {} \
             from the office, starting on average at {}.",
            f.weekday,
            f.date,
            f.present,
            f.headcount,
            f.wfh,
            f.wfo,
            f.average_clock_in.clone().unwrap()
        );
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(body_string_contains("Use ONLY the facts"))
            .respond_with(completion(&grounded))
            .up_to_n_times(1)
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .respond_with(completion("Everyone came in and 12 people were late."))
            .mount(&server)
            .await;
        let summaries = SummaryService::new(Arc::new(store.clone()), Some(client(&server.uri())));
        let by_model = summaries
            .acting_as(&Principal::system())
            .daily(day, None)
            .await
            .unwrap();
        assert_eq!(
            by_model.generated_by,
            GeneratedBy::Llm,
            "{:?}",
            by_model.fallback_detail
        );
        assert_eq!(by_model.text, grounded);
        let invented = summaries
            .acting_as(&Principal::system())
            .daily(day, None)
            .await
            .unwrap();
        assert_eq!(invented.generated_by, GeneratedBy::Template);
        assert_eq!(
            invented.fallback_reason,
            Some(FallbackReason::UngroundedNumber)
        );
        assert!(invented.fallback_detail.unwrap().contains("12"));
    })
    .await;
}

/// llama-cpp-python's server (what a new user runs a small local model
/// with) answers `"response_format": {"type": "json_schema"}` with HTTP 500
/// and a FastAPI validation error; it takes `json_object`.
#[tokio::test]
async fn a_server_without_json_schema_still_answers_and_is_asked_in_json_object_next() {
    common::with_store(|store| async move {
        seed(&store).await;
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(body_partial_json(
                json!({"response_format": {"type": "json_schema"}}),
            ))
            .respond_with(ResponseTemplate::new(500).set_body_json(json!({
                "detail": [{
                    "type": "literal_error",
                    "loc": ["body", "response_format", "type"],
                    "msg": "Input should be 'text' or 'json_object'",
                    "input": "json_schema",
                    "ctx": {"expected": "'text' or 'json_object'"}
                }]
            })))
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(body_partial_json(
                json!({"response_format": {"type": "json_object"}}),
            ))
            .respond_with(completion(
                r#"{"sql": "SELECT count(*) AS days FROM qa_daily_attendance", "refusal": null}"#,
            ))
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(body_string_contains(
                "You answer questions about attendance data",
            ))
            .respond_with(completion("14 days."))
            .mount(&server)
            .await;
        let client = OpenAiClient::new(
            OpenAiConfig::new()
                .with_base_url(server.uri())
                .without_api_key()
                .with_min_backoff(Duration::from_millis(10))
                .with_max_backoff(Duration::from_millis(20)),
        )
        .unwrap();
        let ask = AskService::new(
            Arc::new(client.clone()),
            Arc::new(PgSqlRunner::new(store.pool().clone())),
            qa::catalog(),
        )
        .with_clock(Arc::new(ManualClock::new(now())))
        // The played server stands for a hosted model, which phrases.
        .with_config(AskConfig::default().with_model_phrasing(true));
        for _ in 0..2 {
            let answer = ask
                .acting_as(&Principal::system())
                .ask("How many days were worked?")
                .await
                .unwrap();
            assert_eq!(answer.rows, vec![vec![Value::from(14)]]);
            assert_eq!(answer.text, "14 days.");
        }
        // json_schema once (refused, not retried), json_object twice, and
        // two phrasing calls without a response_format.
        let formats: Vec<Option<String>> = server
            .received_requests()
            .await
            .unwrap()
            .iter()
            .map(|r| {
                let body: Value = r.body_json().unwrap();
                body["response_format"]["type"].as_str().map(str::to_owned)
            })
            .collect();
        let count = |t: &str| formats.iter().filter(|f| f.as_deref() == Some(t)).count();
        assert_eq!(
            (count("json_schema"), count("json_object"), formats.len()),
            (1, 2, 5)
        );
        assert_eq!(client.structured_output(), StructuredOutput::JsonObject);
    })
    .await;
}
