//! Structured output degrades: a server that does not take the
//! `response_format` it is sent gets the request again in the next weaker
//! mode at once, the client keeps the mode that worked, and a request the
//! server refused as malformed is never sent again as it was.
//!
//! The error bodies are the real ones: llama-cpp-python's server answers
//! `json_schema` with HTTP 500 and a FastAPI validation error; others
//! answer 400 or 422.
// Helpers are not `#[test]` functions, which clippy.toml's test allowances cover.
#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use std::time::{Duration, Instant};

use attendance_core::llm::{ChatModel, LlmError};
use attendance_llm::StructuredOutput;
use common::{ENDPOINT, client, config, ok, question, received};
use serde_json::{Value, json};
use wiremock::matchers::{body_partial_json, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

fn schema() -> Value {
    json!({
        "type": "object",
        "properties": {"sql": {"type": ["string", "null"]}},
        "required": ["sql"],
        "additionalProperties": false
    })
}

/// llama-cpp-python's answer to `"response_format": {"type": "json_schema"}`.
fn llama_cpp_python_500() -> ResponseTemplate {
    ResponseTemplate::new(500).set_body_json(json!({
        "detail": [{
            "type": "literal_error",
            "loc": ["body", "response_format", "type"],
            "msg": "Input should be 'text' or 'json_object'",
            "input": "json_schema",
            "ctx": {"expected": "'text' or 'json_object'"}
        }]
    }))
}

/// The `response_format.type` a request carried, if any.
fn format_of(request: &Request) -> Option<String> {
    let body: Value = request.body_json().unwrap();
    body.get("response_format")
        .map(|format| format["type"].as_str().unwrap().to_owned())
}

fn formats(requests: &[Request]) -> Vec<Option<String>> {
    requests.iter().map(format_of).collect()
}

fn without_response_format(request: &Request) -> bool {
    format_of(request).is_none()
}

#[tokio::test]
async fn llama_cpp_pythons_500_falls_back_to_json_object_and_is_remembered() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(ENDPOINT))
        .and(body_partial_json(
            json!({"response_format": {"type": "json_schema"}}),
        ))
        .respond_with(llama_cpp_python_500())
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(ENDPOINT))
        .and(body_partial_json(
            json!({"response_format": {"type": "json_object"}}),
        ))
        .respond_with(ok(r#"{"sql": "SELECT 1"}"#))
        .mount(&server)
        .await;

    let client = client(config(&server));
    assert_eq!(client.structured_output(), StructuredOutput::JsonSchema);
    let started = Instant::now();
    let response = client
        .chat(question().with_json_schema("sql_answer", schema()))
        .await
        .unwrap();
    assert_eq!(response.text, r#"{"sql": "SELECT 1"}"#);
    // One refused request, not retried, then the weaker mode at once.
    assert_eq!(
        formats(&received(&server).await),
        [
            Some("json_schema".to_owned()),
            Some("json_object".to_owned())
        ]
    );
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(client.structured_output(), StructuredOutput::JsonObject);

    // The next call, from a clone too, goes straight to the mode that worked.
    client
        .clone()
        .chat(question().with_json_schema("sql_answer", schema()))
        .await
        .unwrap();
    let requests = received(&server).await;
    assert_eq!(requests.len(), 3);
    assert_eq!(format_of(&requests[2]).as_deref(), Some("json_object"));
}

#[tokio::test]
async fn a_server_without_json_modes_ends_at_plain_text() {
    let rejections = [
        ResponseTemplate::new(400)
            .set_body_json(json!({"error": {"message": "response_format not supported"}})),
        ResponseTemplate::new(422).set_body_json(json!({
            "detail": [{"type": "extra_forbidden", "loc": ["body", "response_format"],
                        "msg": "Extra inputs are not permitted", "input": {"type": "json_object"}}]
        })),
        ResponseTemplate::new(400).set_body_json(
            json!({"error": "Unrecognized request argument supplied: response_format"}),
        ),
    ];
    for rejection in rejections {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path(ENDPOINT))
            .and(without_response_format)
            .respond_with(ok("Sure: {\"sql\": \"SELECT 2\"}"))
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path(ENDPOINT))
            .respond_with(rejection)
            .mount(&server)
            .await;

        let client = client(config(&server));
        let response = client
            .chat(question().with_json_schema("sql_answer", schema()))
            .await
            .unwrap();
        assert_eq!(
            attendance_llm::extract_json_object(&response.text).unwrap(),
            json!({"sql": "SELECT 2"})
        );
        assert_eq!(
            formats(&received(&server).await),
            [
                Some("json_schema".to_owned()),
                Some("json_object".to_owned()),
                None
            ]
        );
        assert_eq!(client.structured_output(), StructuredOutput::Off);

        client
            .chat(question().with_json_schema("sql_answer", schema()))
            .await
            .unwrap();
        let requests = received(&server).await;
        assert_eq!(requests.len(), 4);
        assert_eq!(format_of(&requests[3]), None);
    }
}

#[tokio::test]
async fn a_server_refusing_the_schema_in_json_object_falls_back_to_plain_text() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(ENDPOINT))
        .and(without_response_format)
        .respond_with(ok(r#"{"sql": "SELECT 3"}"#))
        .mount(&server)
        .await;
    // An OpenAI-compatible server that knows `json_object` but not a schema
    // beside it.
    Mock::given(method("POST"))
        .and(path(ENDPOINT))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "error": {
                "message": "Unknown parameter: 'response_format.schema'.",
                "type": "invalid_request_error",
                "param": "response_format.schema",
                "code": "unknown_parameter"
            }
        })))
        .mount(&server)
        .await;

    let client = client(config(&server).with_structured_output(StructuredOutput::JsonObject));
    let response = client
        .chat(question().with_json_schema("sql_answer", schema()))
        .await
        .unwrap();
    assert_eq!(response.text, r#"{"sql": "SELECT 3"}"#);
    let requests = received(&server).await;
    assert_eq!(formats(&requests), [Some("json_object".to_owned()), None]);
    let refused: Value = requests[0].body_json().unwrap();
    assert_eq!(refused["response_format"]["schema"], schema());
    assert_eq!(client.structured_output(), StructuredOutput::Off);
}

#[tokio::test]
async fn a_configured_weaker_mode_is_where_the_client_starts() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(ENDPOINT))
        .respond_with(ok("{}"))
        .mount(&server)
        .await;
    let client = client(config(&server).with_structured_output(StructuredOutput::JsonObject));
    assert_eq!(client.structured_output(), StructuredOutput::JsonObject);
    client
        .chat(question().with_json_schema("sql_answer", schema()))
        .await
        .unwrap();
    assert_eq!(
        formats(&received(&server).await),
        [Some("json_object".to_owned())]
    );
}

#[tokio::test]
async fn a_validation_error_with_status_500_is_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(ENDPOINT))
        .respond_with(ResponseTemplate::new(500).set_body_json(json!({
            "detail": [{"type": "missing", "loc": ["body", "messages"], "msg": "Field required"}]
        })))
        .mount(&server)
        .await;

    let client = client(config(&server));
    let err = client.chat(question()).await.unwrap_err();
    match err {
        LlmError::Rejected { status, message } => {
            assert_eq!(status, 500);
            assert_eq!(message, "body.messages: Field required");
        }
        other => panic!("expected Rejected, got {other:?}"),
    }
    assert_eq!(received(&server).await.len(), 1);
    // Nothing about the response format was refused: the mode stays.
    assert_eq!(client.structured_output(), StructuredOutput::JsonSchema);
}

#[tokio::test]
async fn a_schema_the_server_finds_invalid_is_no_reason_to_degrade() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(ENDPOINT))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "error": {"message": "Invalid schema for response_format 'sql_answer': 'required' is missing 'x'",
                      "param": "response_format"}
        })))
        .mount(&server)
        .await;

    let client = client(config(&server));
    let err = client
        .chat(question().with_json_schema("sql_answer", schema()))
        .await
        .unwrap_err();
    assert!(
        matches!(err, LlmError::Rejected { status: 400, .. }),
        "{err:?}"
    );
    assert_eq!(received(&server).await.len(), 1);
    assert_eq!(client.structured_output(), StructuredOutput::JsonSchema);
}

#[tokio::test]
async fn a_plain_server_error_is_still_retried_in_the_same_mode() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(ENDPOINT))
        .respond_with(
            ResponseTemplate::new(500)
                .set_body_json(json!({"error": {"message": "CUDA out of memory"}})),
        )
        .mount(&server)
        .await;

    let client = client(config(&server).with_max_retries(2));
    let err = client
        .chat(question().with_json_schema("sql_answer", schema()))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            LlmError::Server {
                status: 500,
                attempts: 3
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        formats(&received(&server).await),
        vec![Some("json_schema".to_owned()); 3]
    );
    assert_eq!(client.structured_output(), StructuredOutput::JsonSchema);
}
