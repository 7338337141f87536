//! A played model: what an OpenAI-compatible server sends back, for tests
//! that answer questions through a local fake server (wiremock).

use serde_json::json;
use wiremock::matchers::{body_string_contains, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A chat completion whose message is `content`, with the body an
/// OpenAI-compatible server sends: 100 prompt and 20 completion tokens.
pub fn completion(content: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "id": "chatcmpl-played",
        "object": "chat.completion",
        "created": 1_764_000_000,
        "model": "played",
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": content},
            "finish_reason": "stop"
        }],
        "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120}
    }))
}

/// A model that writes SQL: asked for a query by a question containing one
/// of `questions`' markers, it answers with that marker's SQL; anything
/// else (the phrasing of the rows) gets a sentence.
pub async fn sql_model(questions: &[(&str, &str)]) -> MockServer {
    let server = MockServer::start().await;
    for (marker, sql) in questions {
        let content = json!({"sql": sql, "refusal": null}).to_string();
        Mock::given(method("POST"))
            .and(path("/chat/completions"))
            .and(body_string_contains("sql_or_refusal"))
            .and(body_string_contains(*marker))
            .respond_with(completion(&content))
            .mount(&server)
            .await;
    }
    Mock::given(method("POST"))
        .and(path("/chat/completions"))
        .respond_with(completion("Here they are."))
        .mount(&server)
        .await;
    server
}
