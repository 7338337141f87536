//! Keys and credentials never reach `Debug`, errors or logs: not the API
//! key, and not the user info or query of a base URL, wherever a URL is
//! printed or a server echoes one back.
//!
//! Run with `cargo test -p attendance-llm --test credentials`.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use attendance_core::llm::{ChatModel, LlmError};
use attendance_llm::{AuthStyle, ConfigError, OpenAiClient, OpenAiConfig};
use common::{ENDPOINT, KEY, client, closed_port, config, ok, question, received};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const USER: &str = "gateway-user";
const PASSWORD: &str = "hunter2-password";
const QUERY_KEY: &str = "query-secret-42";

/// Every secret a test plants; none may be printed.
const SECRETS: [&str; 5] = [KEY, "0123456789", USER, PASSWORD, QUERY_KEY];

/// `http://user:password@{authority}/v1?api-key=…&api-version=…`.
fn base_url_with_credentials(authority: &str) -> String {
    format!("http://{USER}:{PASSWORD}@{authority}/v1?api-key={QUERY_KEY}&api-version=2024-06-01")
}

fn authority(server: &MockServer) -> String {
    server.address().to_string()
}

fn assert_no_secret(printed: &str) {
    for secret in SECRETS {
        assert!(
            !printed.contains(secret),
            "{secret:?} printed in: {printed}"
        );
    }
}

/// `err`'s `Display` and `Debug`, then each of its sources', one per line.
fn chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut printed = format!("{err}\n{err:?}");
    let mut source = err.source();
    while let Some(cause) = source {
        printed.push_str(&format!("\n{cause}\n{cause:?}"));
        source = cause.source();
    }
    printed
}

#[tokio::test]
async fn debug_and_describe_mask_user_info_and_query() {
    let server = MockServer::start().await;
    let config = config(&server).with_base_url(base_url_with_credentials(&authority(&server)));
    let client = client(config.clone());

    for printed in [
        format!("{config:?}"),
        format!("{config:#?}"),
        format!("{client:?}"),
        format!("{client:#?}"),
        client.describe(),
    ] {
        assert_no_secret(&printed);
        assert!(printed.contains(&authority(&server)), "{printed}");
    }
    assert_eq!(
        client.describe(),
        format!("test-model at http://***:***@{}/v1?***", authority(&server))
    );
}

#[tokio::test]
async fn a_transport_error_and_its_sources_hold_no_credentials() {
    let config = OpenAiConfig::new()
        .with_base_url(base_url_with_credentials(&format!(
            "127.0.0.1:{}",
            closed_port()
        )))
        .with_api_key(KEY)
        .with_max_retries(1)
        .with_min_backoff(Duration::from_millis(10))
        .with_max_backoff(Duration::from_millis(20));

    let err = client(config).chat(question()).await.unwrap_err();

    assert!(matches!(err, LlmError::Transport { .. }), "{err:?}");
    let printed = chain(&err);
    assert_no_secret(&printed);
    // The URL is still there to say where the call went.
    assert!(printed.contains("127.0.0.1"), "{printed}");
}

#[tokio::test]
async fn a_server_echoing_the_url_or_key_has_them_blanked() {
    let server = MockServer::start().await;
    let echoed =
        format!("no deployment at /v1?api-key={QUERY_KEY} for {USER}:{PASSWORD} with key {KEY}");
    Mock::given(method("POST"))
        .and(path(ENDPOINT))
        .respond_with(
            ResponseTemplate::new(404).set_body_json(json!({"error": {"message": echoed}})),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(ENDPOINT))
        .respond_with(ResponseTemplate::new(200).set_body_string(format!("<html>{echoed}</html>")))
        .mount(&server)
        .await;
    let client =
        client(config(&server).with_base_url(base_url_with_credentials(&authority(&server))));

    let rejected = client.chat(question()).await.unwrap_err();
    let invalid = client.chat(question()).await.unwrap_err();

    assert!(
        matches!(rejected, LlmError::Rejected { status: 404, .. }),
        "{rejected:?}"
    );
    assert!(
        matches!(invalid, LlmError::InvalidResponse { .. }),
        "{invalid:?}"
    );
    for err in [&rejected, &invalid] {
        let printed = chain(err);
        assert_no_secret(&printed);
        assert!(
            printed.contains("no deployment at /v1?api-key=***"),
            "{printed}"
        );
    }
}

#[tokio::test]
async fn an_invalid_base_url_is_reported_without_its_credentials() {
    for base_url in [
        format!("ftp://{USER}:{PASSWORD}@host/v1?api-key={QUERY_KEY}"),
        format!("{USER}:{PASSWORD}@host/v1?api-key={QUERY_KEY}"),
        format!("http://{USER}:{PASSWORD}?@host/v1"),
    ] {
        let err = OpenAiClient::new(OpenAiConfig::new().with_base_url(&base_url)).unwrap_err();
        assert!(
            matches!(err, ConfigError::InvalidBaseUrl { .. }),
            "{base_url}: {err:?}"
        );
        assert_no_secret(&chain(&err));
        let llm: LlmError = err.into();
        assert_no_secret(&chain(&llm));
    }
}

#[tokio::test]
async fn a_redirect_is_not_followed_with_the_key() {
    let elsewhere = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ok("stolen"))
        .mount(&elsewhere)
        .await;
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(ENDPOINT))
        .respond_with(ResponseTemplate::new(307).insert_header(
            "location",
            format!("{}/v1/chat/completions", elsewhere.uri()),
        ))
        .mount(&server)
        .await;

    let err = client(config(&server).with_auth_style(AuthStyle::ApiKeyHeader))
        .chat(question())
        .await
        .unwrap_err();

    assert!(
        matches!(err, LlmError::Rejected { status: 307, .. }),
        "{err:?}"
    );
    assert!(received(&elsewhere).await.is_empty());
}

/// Everything a `fmt` subscriber writes, at every level.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

#[allow(clippy::unwrap_used)]
impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[allow(clippy::unwrap_used)]
impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

#[tokio::test]
async fn logs_of_failed_retried_and_completed_calls_hold_no_credentials() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    // The test runs on one thread, so the subscriber sees all of it.
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(ENDPOINT))
        .respond_with(
            ResponseTemplate::new(503).set_body_string(format!("busy: api-key={QUERY_KEY}")),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(ENDPOINT))
        .respond_with(ok("fine"))
        .mount(&server)
        .await;
    client(config(&server).with_base_url(base_url_with_credentials(&authority(&server))))
        .chat(question())
        .await
        .unwrap();

    let unreachable = OpenAiConfig::new()
        .with_base_url(base_url_with_credentials(&format!(
            "127.0.0.1:{}",
            closed_port()
        )))
        .with_api_key(KEY)
        .with_max_retries(1)
        .with_min_backoff(Duration::from_millis(10))
        .with_max_backoff(Duration::from_millis(20));
    client(unreachable).chat(question()).await.unwrap_err();

    let logs = captured.text();
    assert_no_secret(&logs);
    for expected in [
        "chat completed",
        "chat attempt failed; retrying",
        "chat failed",
        "base_url=http://***:***@",
    ] {
        assert!(logs.contains(expected), "{expected:?} not in: {logs}");
    }
}
