//! What one call may cost: a token limit on every request, a cap on the
//! response body read, and a time budget that retries stay within.
//!
//! Run with `cargo test -p attendance-llm --test limits`.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use attendance_core::llm::{ChatModel, LlmError};
use attendance_llm::{
    DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_MAX_TOKENS, OpenAiConfig, TokenLimitField,
};
use common::{ENDPOINT, client, completion, config, ok, question, received};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn answering(response: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(ENDPOINT))
        .respond_with(response)
        .mount(&server)
        .await;
    server
}

/// How late a loaded machine may fire a timer.
const SLACK: Duration = Duration::from_millis(250);

fn is_too_large(err: &LlmError, limit: usize) -> bool {
    matches!(err, LlmError::InvalidResponse { reason }
        if reason == &format!("the response body is larger than the limit of {limit} bytes"))
}

// --- max_tokens ---

#[tokio::test]
async fn every_request_carries_a_token_limit_the_request_can_set() {
    let server = answering(ok("{}")).await;

    client(config(&server)).chat(question()).await.unwrap();
    client(config(&server).with_max_tokens(300))
        .chat(question())
        .await
        .unwrap();
    let mut own = question();
    own.max_tokens = Some(50);
    client(config(&server).with_max_tokens(300))
        .chat(own)
        .await
        .unwrap();

    let limits: Vec<Value> = received(&server)
        .await
        .iter()
        .map(|request| request.body_json::<Value>().unwrap()["max_tokens"].clone())
        .collect();
    assert_eq!(limits, [json!(DEFAULT_MAX_TOKENS), json!(300), json!(50)]);
}

#[tokio::test]
async fn reasoning_models_get_the_limit_as_max_completion_tokens() {
    let server = answering(ok("{}")).await;

    client(config(&server).with_token_limit_field(TokenLimitField::MaxCompletionTokens))
        .chat(question())
        .await
        .unwrap();

    let body: Value = received(&server).await[0].body_json().unwrap();
    assert_eq!(body["max_completion_tokens"], json!(DEFAULT_MAX_TOKENS));
    assert!(body.get("max_tokens").is_none(), "{body}");
}

// --- the response body ---

#[tokio::test]
async fn an_answer_larger_than_the_default_limit_is_invalid_and_not_retried() {
    let big = "x".repeat(2 * DEFAULT_MAX_RESPONSE_BYTES);
    let server = answering(ResponseTemplate::new(200).set_body_json(completion(&big, 10, 5))).await;

    let err = client(config(&server)).chat(question()).await.unwrap_err();

    assert!(is_too_large(&err, DEFAULT_MAX_RESPONSE_BYTES), "{err}");
    assert_eq!(received(&server).await.len(), 1);
}

#[tokio::test]
async fn the_limit_is_configurable_and_inclusive() {
    let body = serde_json::to_vec(&completion("fits exactly", 1, 1)).unwrap();
    let server =
        answering(ResponseTemplate::new(200).set_body_raw(body.clone(), "application/json")).await;

    let response = client(config(&server).with_max_response_bytes(body.len()))
        .chat(question())
        .await
        .unwrap();
    assert_eq!(response.text, "fits exactly");

    let err = client(config(&server).with_max_response_bytes(body.len() - 1))
        .chat(question())
        .await
        .unwrap_err();
    assert!(is_too_large(&err, body.len() - 1), "{err}");
}

/// A server that answers each request with `status` and a chunked body that
/// never ends: no `Content-Length` to check first. It writes until the
/// client hangs up, at most 64 MiB, then holds the connection open.
struct EndlessBody {
    base_url: String,
    requests: Arc<AtomicUsize>,
}

// Helpers are not `#[test]` functions, which clippy.toml's test allowances cover.
#[allow(clippy::unwrap_used)]
impl EndlessBody {
    fn start(status: u16) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base_url = format!("http://{}/v1", listener.local_addr().unwrap());
        let requests = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&requests);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { return };
                let counter = Arc::clone(&counter);
                std::thread::spawn(move || Self::serve(stream, status, &counter));
            }
        });
        Self { base_url, requests }
    }

    fn serve(stream: TcpStream, status: u16, requests: &AtomicUsize) {
        let Ok(mut writer) = stream.try_clone() else {
            return;
        };
        let mut reader = BufReader::new(stream);
        let mut length = 0;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            let line = line.trim_end().to_ascii_lowercase();
            if line.is_empty() {
                break;
            }
            if let Some(value) = line.strip_prefix("content-length:") {
                length = value.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        requests.fetch_add(1, Ordering::SeqCst);

        let head = format!(
            "HTTP/1.1 {status} Endless\r\ncontent-type: application/json\r\n\
             transfer-encoding: chunked\r\n\r\n"
        );
        let opening = r#"{"choices":[{"message":{"role":"assistant","content":""#;
        let filler = "a".repeat(64 * 1024);
        let chunk = |data: &str| format!("{:x}\r\n{data}\r\n", data.len());
        let mut out = head + &chunk(opening);
        for _ in 0..1024 {
            out.push_str(&chunk(&filler));
            if writer.write_all(out.as_bytes()).is_err() {
                return;
            }
            out.clear();
        }
        // Never finish the body; wait for the client to give up.
        let _ = reader.read(&mut [0; 1]);
    }
}

#[tokio::test]
async fn an_endless_answer_is_cut_at_the_limit() {
    let server = EndlessBody::start(200);
    let config = OpenAiConfig::new()
        .with_base_url(&server.base_url)
        .with_request_timeout(Duration::from_secs(10))
        .with_max_retries(2);
    let started = Instant::now();

    let err = client(config).chat(question()).await.unwrap_err();
    let took = started.elapsed();

    assert!(is_too_large(&err, DEFAULT_MAX_RESPONSE_BYTES), "{err}");
    assert!(took < Duration::from_secs(5), "{took:?}");
    assert_eq!(server.requests.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn an_endless_error_body_is_read_only_for_its_message() {
    let server = EndlessBody::start(500);
    let config = OpenAiConfig::new()
        .with_base_url(&server.base_url)
        .with_request_timeout(Duration::from_secs(10))
        .with_max_retries(1)
        .with_min_backoff(Duration::from_millis(10))
        .with_max_backoff(Duration::from_millis(20));
    let started = Instant::now();

    let err = client(config).chat(question()).await.unwrap_err();
    let took = started.elapsed();

    assert!(
        matches!(
            err,
            LlmError::Server {
                status: 500,
                attempts: 2
            }
        ),
        "{err:?}"
    );
    assert!(took < Duration::from_secs(5), "{took:?}");
    assert_eq!(server.requests.load(Ordering::SeqCst), 2);
}

// --- the time budget ---

#[tokio::test]
async fn a_timed_out_request_is_not_sent_again_when_the_budget_cannot_cover_it() {
    let server = answering(ok("too late").set_delay(Duration::from_secs(5))).await;
    let config = config(&server)
        .with_request_timeout(Duration::from_millis(300))
        .with_call_budget(Duration::from_millis(500))
        .with_max_retries(3);
    let started = Instant::now();

    let err = client(config).chat(question()).await.unwrap_err();
    let took = started.elapsed();

    assert!(matches!(err, LlmError::Timeout { attempts: 1 }), "{err:?}");
    assert_eq!(received(&server).await.len(), 1);
    assert!(took < Duration::from_millis(500) + SLACK, "{took:?}");
}

#[tokio::test]
async fn timeouts_are_retried_while_the_budget_covers_another_attempt() {
    let server = answering(ok("too late").set_delay(Duration::from_secs(5))).await;
    // Three 400 ms attempts and two waits of at most 40 ms fit in 1.4 s; a
    // fourth attempt would not, whatever max_retries says.
    let config = config(&server)
        .with_request_timeout(Duration::from_millis(400))
        .with_call_budget(Duration::from_millis(1400))
        .with_min_backoff(Duration::from_millis(10))
        .with_max_backoff(Duration::from_millis(20))
        .with_max_retries(10);
    let started = Instant::now();

    let err = client(config).chat(question()).await.unwrap_err();
    let took = started.elapsed();

    assert!(matches!(err, LlmError::Timeout { attempts: 3 }), "{err:?}");
    assert_eq!(received(&server).await.len(), 3);
    assert!(took < Duration::from_millis(1400) + SLACK, "{took:?}");
}

#[tokio::test]
async fn a_call_budget_cuts_a_slow_attempt_short() {
    let server = answering(ok("too late").set_delay(Duration::from_secs(3))).await;
    let client = client(config(&server).with_request_timeout(Duration::from_secs(10)));
    let started = Instant::now();

    let err = client
        .chat_within(question(), Duration::from_millis(300))
        .await
        .unwrap_err();
    let took = started.elapsed();

    assert!(matches!(err, LlmError::Timeout { attempts: 1 }), "{err:?}");
    assert!(took < Duration::from_secs(1), "{took:?}");
}

#[tokio::test]
async fn a_retry_after_past_the_budget_ends_the_call_at_once() {
    let server = answering(ResponseTemplate::new(429).insert_header("retry-after", "2")).await;
    let config = config(&server).with_call_budget(Duration::from_secs(1));
    let started = Instant::now();

    let err = client(config).chat(question()).await.unwrap_err();
    let took = started.elapsed();

    assert!(
        matches!(err, LlmError::RateLimited { attempts: 1, retry_after: Some(wait) } if wait == Duration::from_secs(2)),
        "{err:?}"
    );
    assert_eq!(received(&server).await.len(), 1);
    assert!(took < Duration::from_secs(1), "{took:?}");
}

#[tokio::test]
async fn fast_failures_are_retried_within_a_small_budget() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(ENDPOINT))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(ENDPOINT))
        .respond_with(ok("third time"))
        .mount(&server)
        .await;

    let response = client(config(&server).with_call_budget(Duration::from_secs(1)))
        .chat(question())
        .await
        .unwrap();

    assert_eq!(response.text, "third time");
    assert_eq!(received(&server).await.len(), 3);
}
