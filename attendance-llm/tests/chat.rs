//! `OpenAiClient` against a real HTTP server on loopback (wiremock).
//!
//! Run with `cargo test -p attendance-llm`.

mod common;

use std::time::Duration;

use attendance_core::llm::{ChatModel, LlmError, TokenUsage};
use attendance_llm::{
    AuthStyle, DEFAULT_MAX_TOKENS, OpenAiClient, OpenAiConfig, StructuredOutput,
    extract_json_object,
};
use common::{ENDPOINT, KEY, client, closed_port, completion, config, ok, question, received};
use serde_json::{Value, json};
use wiremock::matchers::{body_partial_json, header, header_exists, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn sql_schema() -> Value {
    json!({
        "type": "object",
        "properties": {"sql": {"type": "string"}},
        "required": ["sql"],
        "additionalProperties": false
    })
}

#[tokio::test]
async fn sends_the_openai_request_shape() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(ENDPOINT))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .and(header("content-type", "application/json"))
        .and(body_partial_json(json!({
            "model": "test-model",
            "messages": [
                {"role": "system", "content": "You answer with SQL."},
                {"role": "user", "content": "Who is in the office today?"}
            ],
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": "sql_answer", "schema": sql_schema(), "strict": true}
            }
        })))
        .respond_with(ok(r#"{"sql": "SELECT 1"}"#))
        .expect(1)
        .mount(&server)
        .await;

    let mut request = question().with_json_schema("sql_answer", sql_schema());
    request.temperature = Some(0.25);
    request.max_tokens = Some(200);
    let response = client(config(&server)).chat(request).await.unwrap();
    assert_eq!(response.text, r#"{"sql": "SELECT 1"}"#);

    let requests = received(&server).await;
    assert_eq!(requests.len(), 1);
    let body: Value = requests[0].body_json().unwrap();
    assert_eq!(body["temperature"], json!(0.25));
    assert_eq!(body["max_tokens"], json!(200));
    assert_eq!(
        body["response_format"]["json_schema"]["schema"],
        sql_schema()
    );
    server.verify().await;
}

#[tokio::test]
async fn success_returns_text_finish_reason_and_usage() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(ENDPOINT))
        .respond_with(ResponseTemplate::new(200).set_body_json(completion("Nine people.", 42, 7)))
        .mount(&server)
        .await;

    let response = client(config(&server)).chat(question()).await.unwrap();

    assert_eq!(response.text, "Nine people.");
    assert_eq!(response.finish_reason.as_deref(), Some("stop"));
    assert_eq!(
        response.usage,
        TokenUsage {
            prompt_tokens: 42,
            completion_tokens: 7,
            total_tokens: 49
        }
    );
}

#[tokio::test]
async fn missing_usage_counts_as_zero() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(ENDPOINT))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "choices": [{"message": {"role": "assistant", "content": "hi"}}]
        })))
        .mount(&server)
        .await;

    let client = client(config(&server));
    let response = client.chat(question()).await.unwrap();

    assert_eq!(response.text, "hi");
    assert_eq!(response.finish_reason, None);
    assert_eq!(response.usage, TokenUsage::default());
    assert_eq!(client.usage_total(), TokenUsage::default());
}

#[tokio::test]
async fn rate_limit_with_retry_after_is_honoured_then_succeeds() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(ENDPOINT))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("Retry-After", "1")
                .set_body_json(json!({"error": {"message": "Rate limit reached", "code": "rate_limit_exceeded"}})),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(ENDPOINT))
        .respond_with(ok("after the wait"))
        .mount(&server)
        .await;

    let response = client(config(&server)).chat(question()).await.unwrap();

    assert_eq!(response.text, "after the wait");
    assert_eq!(received(&server).await.len(), 2);
}

#[tokio::test]
async fn rate_limit_that_persists_is_rate_limited_with_retry_after() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(ENDPOINT))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after-ms", "20"))
        .mount(&server)
        .await;

    let err = client(config(&server).with_max_retries(1))
        .chat(question())
        .await
        .unwrap_err();

    match err {
        LlmError::RateLimited {
            attempts,
            retry_after,
        } => {
            assert_eq!(attempts, 2);
            assert_eq!(retry_after, Some(Duration::from_millis(20)));
        }
        other => panic!("expected RateLimited, got {other:?}"),
    }
    assert_eq!(received(&server).await.len(), 2);
}

#[tokio::test]
async fn insufficient_quota_is_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(ENDPOINT))
        .respond_with(ResponseTemplate::new(429).set_body_json(json!({
            "error": {"message": "You exceeded your current quota", "code": "insufficient_quota"}
        })))
        .mount(&server)
        .await;

    let err = client(config(&server)).chat(question()).await.unwrap_err();

    match err {
        LlmError::Rejected { status, message } => {
            assert_eq!(status, 429);
            assert_eq!(message, "You exceeded your current quota");
        }
        other => panic!("expected Rejected, got {other:?}"),
    }
    assert_eq!(received(&server).await.len(), 1);
}

#[tokio::test]
async fn server_error_is_retried_until_attempts_run_out() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(ENDPOINT))
        .respond_with(ResponseTemplate::new(500).set_body_string("internal error"))
        .mount(&server)
        .await;

    let config = config(&server).with_max_retries(3);
    let err = client(config).chat(question()).await.unwrap_err();

    match err {
        LlmError::Server { status, attempts } => {
            assert_eq!(status, 500);
            assert_eq!(attempts, 4);
        }
        other => panic!("expected Server, got {other:?}"),
    }
    assert_eq!(received(&server).await.len(), 3 + 1);
}

#[tokio::test]
async fn transient_server_errors_then_success() {
    let server = MockServer::start().await;
    for status in [503, 408, 409] {
        Mock::given(method("POST"))
            .and(path(ENDPOINT))
            .respond_with(ResponseTemplate::new(status))
            .up_to_n_times(1)
            .with_priority(1)
            .mount(&server)
            .await;
    }
    Mock::given(method("POST"))
        .and(path(ENDPOINT))
        .respond_with(ok("finally"))
        .mount(&server)
        .await;

    let response = client(config(&server)).chat(question()).await.unwrap();

    assert_eq!(response.text, "finally");
    assert_eq!(received(&server).await.len(), 4);
}

#[tokio::test]
async fn unauthorized_is_not_retried_and_hides_the_key() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(ENDPOINT))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "error": {
                "message": format!("Incorrect API key provided: {KEY}."),
                "type": "invalid_request_error",
                "code": "invalid_api_key"
            }
        })))
        .mount(&server)
        .await;

    let err = client(config(&server)).chat(question()).await.unwrap_err();

    assert_eq!(received(&server).await.len(), 1);
    let printed = format!("{err} {err:?}");
    assert!(!printed.contains(KEY), "{printed}");
    match err {
        LlmError::Rejected { status, message } => {
            assert_eq!(status, 401);
            assert_eq!(message, "Incorrect API key provided: ***.");
        }
        other => panic!("expected Rejected, got {other:?}"),
    }
}

#[tokio::test]
async fn bad_request_is_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(ENDPOINT))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "error": {"message": "Invalid schema for response_format 'sql_answer'", "param": "response_format"}
        })))
        .mount(&server)
        .await;

    let err = client(config(&server))
        .chat(question().with_json_schema("sql_answer", json!({"type": "object"})))
        .await
        .unwrap_err();

    match err {
        LlmError::Rejected { status, message } => {
            assert_eq!(status, 400);
            assert_eq!(message, "Invalid schema for response_format 'sql_answer'");
        }
        other => panic!("expected Rejected, got {other:?}"),
    }
    assert_eq!(received(&server).await.len(), 1);
}

#[tokio::test]
async fn not_found_is_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(404).set_body_json(json!({"error": "model \"x\" not found"})),
        )
        .mount(&server)
        .await;

    let err = client(config(&server)).chat(question()).await.unwrap_err();

    assert!(
        matches!(&err, LlmError::Rejected { status: 404, message } if message == "model \"x\" not found"),
        "{err:?}"
    );
    assert_eq!(received(&server).await.len(), 1);
}

#[tokio::test]
async fn slow_response_times_out() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(ENDPOINT))
        .respond_with(ok("too late").set_delay(Duration::from_secs(3)))
        .mount(&server)
        .await;

    let config = config(&server)
        .with_request_timeout(Duration::from_millis(200))
        .with_max_retries(1);
    let err = client(config).chat(question()).await.unwrap_err();

    assert!(err.is_timeout(), "{err:?}");
    assert!(matches!(err, LlmError::Timeout { attempts: 2 }), "{err:?}");
}

#[tokio::test]
async fn non_json_success_body_is_invalid_and_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(ENDPOINT))
        .respond_with(ResponseTemplate::new(200).set_body_string("<html>gateway says hi</html>"))
        .mount(&server)
        .await;

    let err = client(config(&server)).chat(question()).await.unwrap_err();

    match err {
        LlmError::InvalidResponse { reason } => {
            assert!(reason.contains("not a chat completion"), "{reason}");
            assert!(reason.contains("gateway says hi"), "{reason}");
        }
        other => panic!("expected InvalidResponse, got {other:?}"),
    }
    assert_eq!(received(&server).await.len(), 1);
}

#[tokio::test]
async fn fenced_json_answer_parses_with_extract_json_object() {
    let server = MockServer::start().await;
    let text =
        "Here you go:\n```json\n{\"sql\": \"SELECT name FROM employees WHERE note = '}'\"}\n```";
    Mock::given(method("POST"))
        .and(path(ENDPOINT))
        .respond_with(ok(text))
        .mount(&server)
        .await;

    let response = client(config(&server).with_structured_output(StructuredOutput::Off))
        .chat(question().with_json_schema("sql_answer", sql_schema()))
        .await
        .unwrap();

    assert_eq!(response.text, text);
    assert_eq!(
        extract_json_object(&response.text).unwrap(),
        json!({"sql": "SELECT name FROM employees WHERE note = '}'"})
    );
}

#[tokio::test]
async fn empty_choices_is_invalid_response() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(ENDPOINT))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "choices": [],
            "usage": {"prompt_tokens": 3, "completion_tokens": 0, "total_tokens": 3}
        })))
        .mount(&server)
        .await;

    let client = client(config(&server));
    let err = client.chat(question()).await.unwrap_err();

    assert!(
        matches!(&err, LlmError::InvalidResponse { reason } if reason.contains("no choices")),
        "{err:?}"
    );
    assert_eq!(received(&server).await.len(), 1);
    // Reported tokens are billed even when the answer is unusable.
    assert_eq!(client.usage_total().total_tokens, 3);
}

#[tokio::test]
async fn missing_content_is_invalid_response() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(ENDPOINT))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "choices": [{"message": {"role": "assistant"}, "finish_reason": "length"}]
        })))
        .mount(&server)
        .await;

    let err = client(config(&server)).chat(question()).await.unwrap_err();

    assert!(
        matches!(&err, LlmError::InvalidResponse { reason } if reason.contains("no content")),
        "{err:?}"
    );
}

#[tokio::test]
async fn debug_output_never_contains_the_key() {
    let server = MockServer::start().await;
    let config = config(&server);
    let client = client(config.clone());

    for printed in [
        format!("{config:?}"),
        format!("{config:#?}"),
        format!("{client:?}"),
        format!("{client:#?}"),
        format!("{:?}", config.api_key()),
        client.describe(),
    ] {
        assert!(!printed.contains(KEY), "{printed}");
        assert!(!printed.contains("0123456789"), "{printed}");
    }
    assert!(format!("{config:?}").contains("***"));
    assert_eq!(
        config.api_key().map(|key| key.to_string()).as_deref(),
        Some("***")
    );
    assert_eq!(
        client.describe(),
        format!("test-model at {}/v1", server.uri())
    );
}

#[tokio::test]
async fn usage_total_adds_up_over_two_calls() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(ENDPOINT))
        .respond_with(ResponseTemplate::new(200).set_body_json(completion("one", 100, 20)))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(ENDPOINT))
        .respond_with(ResponseTemplate::new(200).set_body_json(completion("two", 30, 4)))
        .mount(&server)
        .await;

    let client = client(config(&server));
    let first = client.chat(question()).await.unwrap();
    let second = client.clone().chat(question()).await.unwrap();

    assert_eq!(first.usage.total_tokens, 120);
    assert_eq!(second.usage.total_tokens, 34);
    assert_eq!(
        client.usage_total(),
        TokenUsage {
            prompt_tokens: 130,
            completion_tokens: 24,
            total_tokens: 154
        }
    );
}

#[tokio::test]
async fn connection_refused_is_transport_after_retries() {
    let port = closed_port();
    let config = OpenAiConfig::new()
        .with_base_url(format!("http://127.0.0.1:{port}/v1"))
        .with_api_key(KEY)
        .with_max_retries(2)
        .with_min_backoff(Duration::from_millis(10))
        .with_max_backoff(Duration::from_millis(20));

    let err = client(config).chat(question()).await.unwrap_err();

    assert!(!format!("{err} {err:?}").contains(KEY));
    match err {
        LlmError::Transport { attempts, source } => {
            assert_eq!(attempts, 3);
            let source = source.downcast::<reqwest::Error>().unwrap();
            assert!(source.is_connect(), "{source:?}");
        }
        other => panic!("expected Transport, got {other:?}"),
    }
}

#[tokio::test]
async fn json_object_mode_sends_json_object_with_the_schema() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(ENDPOINT))
        .and(body_partial_json(
            json!({"response_format": {"type": "json_object"}}),
        ))
        .respond_with(ok("{}"))
        .expect(1)
        .mount(&server)
        .await;

    client(config(&server).with_structured_output(StructuredOutput::JsonObject))
        .chat(question().with_json_schema("sql_answer", sql_schema()))
        .await
        .unwrap();

    // The schema travels too: llama.cpp's servers make a grammar of it.
    let body: Value = received(&server).await[0].body_json().unwrap();
    assert_eq!(
        body["response_format"],
        json!({"type": "json_object", "schema": sql_schema()})
    );
    server.verify().await;
}

#[tokio::test]
async fn no_response_format_without_schema_or_when_off() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(ENDPOINT))
        .respond_with(ok("{}"))
        .mount(&server)
        .await;

    client(config(&server)).chat(question()).await.unwrap();
    client(config(&server).with_structured_output(StructuredOutput::Off))
        .chat(question().with_json_schema("sql_answer", sql_schema()))
        .await
        .unwrap();

    let requests = received(&server).await;
    assert_eq!(requests.len(), 2);
    for request in requests {
        let body: Value = request.body_json().unwrap();
        assert!(body.get("response_format").is_none(), "{body}");
        assert!(body.get("temperature").is_none(), "{body}");
        assert_eq!(body["max_tokens"], json!(DEFAULT_MAX_TOKENS), "{body}");
    }
}

#[tokio::test]
async fn config_temperature_is_the_default_and_the_request_wins() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(ENDPOINT))
        .respond_with(ok("{}"))
        .mount(&server)
        .await;
    let client = client(config(&server).with_temperature(0.5));

    client.chat(question()).await.unwrap();
    let mut request = question();
    request.temperature = Some(0.0);
    client.chat(request).await.unwrap();

    let temperatures: Vec<Value> = received(&server)
        .await
        .iter()
        .map(|request| request.body_json::<Value>().unwrap()["temperature"].clone())
        .collect();
    assert_eq!(temperatures, [json!(0.5), json!(0.0)]);
}

#[tokio::test]
async fn local_server_without_key_gets_no_authorization() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(ENDPOINT))
        .respond_with(ok("local"))
        .mount(&server)
        .await;

    let config = config(&server).without_api_key().with_model("llama3.1");
    let response = client(config).chat(question()).await.unwrap();

    assert_eq!(response.text, "local");
    let requests = received(&server).await;
    assert!(!requests[0].headers.contains_key("authorization"));
    let body: Value = requests[0].body_json().unwrap();
    assert_eq!(body["model"], "llama3.1");
}

#[tokio::test]
async fn azure_style_gateway_gets_api_key_header_and_keeps_the_query() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/openai/deployments/gpt-4o/chat/completions"))
        .and(query_param("api-version", "2024-06-01"))
        .and(header("api-key", KEY))
        .respond_with(ok("from azure"))
        .expect(1)
        .mount(&server)
        .await;

    let config = config(&server)
        .with_base_url(format!(
            "{}/openai/deployments/gpt-4o?api-version=2024-06-01",
            server.uri()
        ))
        .with_auth_style(AuthStyle::ApiKeyHeader);
    let response = client(config).chat(question()).await.unwrap();

    assert_eq!(response.text, "from azure");
    assert!(
        !received(&server).await[0]
            .headers
            .contains_key("authorization")
    );
    server.verify().await;
}

#[tokio::test]
async fn callers_http_client_is_used() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(ENDPOINT))
        .and(header("x-host-app", "attendance-tests"))
        .and(header_exists("authorization"))
        .respond_with(ok("via the host's client"))
        .expect(1)
        .mount(&server)
        .await;

    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("x-host-app", "attendance-tests".parse().unwrap());
    let http = reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .unwrap();
    let client = OpenAiClient::with_http_client(config(&server), http).unwrap();
    let response = client.chat(question()).await.unwrap();

    assert_eq!(response.text, "via the host's client");
    server.verify().await;
}

#[tokio::test]
async fn invalid_base_url_is_a_config_error() {
    let err =
        OpenAiClient::new(OpenAiConfig::new().with_base_url("localhost:8080/v1")).unwrap_err();
    assert!(
        matches!(err, attendance_llm::ConfigError::InvalidBaseUrl { .. }),
        "{err:?}"
    );
    let llm: LlmError = err.into();
    assert!(matches!(llm, LlmError::NotConfigured { .. }));
}
