//! Helpers shared by the test binaries: a config for a wiremock server with
//! millisecond backoff, completions, and a question to ask.

// Each test binary uses its own subset.
#![allow(dead_code)]
// Helpers are not `#[test]` functions, which clippy.toml's test allowances cover.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use attendance_core::llm::{ChatMessage, ChatRequest};
use attendance_llm::{OpenAiClient, OpenAiConfig};
use serde_json::{Value, json};
use wiremock::{MockServer, Request, ResponseTemplate};

pub(crate) const KEY: &str = "sk-test-0123456789-secret";
pub(crate) const ENDPOINT: &str = "/v1/chat/completions";

/// A config for `server` with tiny backoff delays, so retries take milliseconds.
pub(crate) fn config(server: &MockServer) -> OpenAiConfig {
    OpenAiConfig::new()
        .with_base_url(format!("{}/v1", server.uri()))
        .with_model("test-model")
        .with_api_key(KEY)
        .with_min_backoff(Duration::from_millis(10))
        .with_max_backoff(Duration::from_millis(40))
        .with_request_timeout(Duration::from_secs(5))
}

pub(crate) fn client(config: OpenAiConfig) -> OpenAiClient {
    OpenAiClient::new(config).unwrap()
}

pub(crate) fn completion(text: &str, prompt: u64, completion: u64) -> Value {
    json!({
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "model": "test-model",
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": text},
            "finish_reason": "stop"
        }],
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion
        }
    })
}

pub(crate) fn ok(text: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(completion(text, 10, 5))
}

pub(crate) fn question() -> ChatRequest {
    ChatRequest::new(vec![
        ChatMessage::system("You answer with SQL."),
        ChatMessage::user("Who is in the office today?"),
    ])
}

pub(crate) async fn received(server: &MockServer) -> Vec<Request> {
    server.received_requests().await.unwrap()
}

/// A port nothing listens on: bound, then released.
pub(crate) fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
