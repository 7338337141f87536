//! The client: one `chat` call is a retried sequence of HTTP attempts.

// What one failed attempt means (retry or not, which error) is `attempt.rs`.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use attendance_core::llm::{ChatModel, ChatRequest, ChatResponse, LlmError, TokenUsage};
use backon::{ExponentialBuilder, Retryable};
use reqwest::Url;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderName, HeaderValue};
use tracing::Instrument;

use crate::attempt::{Attempt, may_be_malformed, next_delay, retry_after};
use crate::config::{AuthStyle, OpenAiConfig, StructuredOutput};
use crate::error::ConfigError;
use crate::redact::{Secrets, shown_url};
use crate::wire::{self, WireRequest};

/// Most of an error body read for its message (which is cut to a few
/// hundred characters anyway).
const MAX_ERROR_BODY_BYTES: usize = 64 * 1024;

/// A [`ChatModel`] over any OpenAI-compatible Chat Completions endpoint.
///
/// Cloning is cheap and clones share the HTTP connection pool and the
/// token tally ([`usage_total`](Self::usage_total)).
#[derive(Clone)]
pub struct OpenAiClient {
    inner: Arc<Inner>,
}

struct Inner {
    config: OpenAiConfig,
    /// `{base_url}/chat/completions`.
    endpoint: Url,
    /// The base URL without user info or query, for logs and
    /// [`ChatModel::describe`].
    shown_base_url: String,
    /// Prebuilt and marked sensitive, so reqwest never prints it.
    auth: Option<(HeaderName, HeaderValue)>,
    /// Blanked out of whatever the server sends back.
    secrets: Secrets,
    http: reqwest::Client,
    usage: UsageCounter,
    /// The structured-output mode a request with a schema is sent in, as a
    /// [`StructuredOutput::rank`]: the configured one until the server
    /// rejects it, then the weaker mode that it took. Only ever lowered.
    structured_output: AtomicU8,
}

/// A reqwest builder whose TLS runs on ring with the platform's certificate
/// verifier, the stack [`OpenAiClient::new`] builds on.
///
/// The crate enables reqwest's rustls without a crypto provider, so a build
/// needs no C toolchain for aws-lc-rs; ring is also what the PostgreSQL
/// driver uses. A host passing its own client to
/// [`OpenAiClient::with_http_client`] can start from this builder, or
/// enable a provider of reqwest's own (its `rustls` feature).
///
/// # Errors
/// [`ConfigError::Tls`] when the platform's certificate verifier cannot be
/// set up.
pub fn http_client_builder() -> Result<reqwest::ClientBuilder, ConfigError> {
    use rustls_platform_verifier::BuilderVerifierExt;

    let tls = |e: rustls::Error| ConfigError::Tls {
        source: Box::new(e),
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut tls_config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(tls)?
        .with_platform_verifier()
        .map_err(tls)?
        .with_no_client_auth();
    // What reqwest offers on its own with HTTP/2 enabled.
    tls_config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(reqwest::Client::builder().tls_backend_preconfigured(tls_config))
}

impl OpenAiClient {
    /// Builds a client with its own HTTP client, which uses the configured
    /// connect and request timeouts and follows no redirect: a redirect
    /// would resend the key, and reqwest strips only `Authorization` when
    /// the host changes, not Azure's `api-key` header.
    ///
    /// # Errors
    /// [`ConfigError::InvalidBaseUrl`], [`ConfigError::InvalidApiKey`], or
    /// [`ConfigError::HttpClient`] when reqwest cannot build a client.
    pub fn new(config: OpenAiConfig) -> Result<Self, ConfigError> {
        let http = http_client_builder()?
            .connect_timeout(config.connect_timeout())
            .timeout(config.request_timeout())
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("attendance-llm/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|source| ConfigError::HttpClient { source })?;
        Self::with_http_client(config, http)
    }

    /// Builds a client over the caller's HTTP client (shared pool, proxies,
    /// custom TLS; [`http_client_builder`] is a start with this crate's
    /// TLS). The configured request timeout is still applied to each
    /// request; the connect timeout and the redirect policy are the caller
    /// client's. Give it `redirect::Policy::none()` unless the server is
    /// trusted to redirect: a redirect resends the key (reqwest drops
    /// `Authorization` on a change of host, but not [`AuthStyle::ApiKeyHeader`]'s
    /// header).
    ///
    /// # Errors
    /// [`ConfigError::InvalidBaseUrl`] or [`ConfigError::InvalidApiKey`].
    pub fn with_http_client(
        config: OpenAiConfig,
        http: reqwest::Client,
    ) -> Result<Self, ConfigError> {
        let endpoint = endpoint(config.base_url())?;
        let shown_base_url = shown_url(config.base_url());
        let auth = config
            .api_key()
            .map(|key| auth_header(config.auth_style(), key.expose()))
            .transpose()?;
        let secrets = Secrets::new(config.api_key().map(|key| key.expose()), config.base_url());
        let structured_output = AtomicU8::new(config.structured_output().rank());
        Ok(Self {
            inner: Arc::new(Inner {
                structured_output,
                config,
                endpoint,
                shown_base_url,
                auth,
                secrets,
                http,
                usage: UsageCounter::default(),
            }),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &OpenAiConfig {
        &self.inner.config
    }

    /// The URL requests are sent to, credentials included: print
    /// [`describe`](ChatModel::describe) or the client's `Debug` instead.
    pub fn endpoint(&self) -> &Url {
        &self.inner.endpoint
    }

    /// Tokens the server reported for every call of this client (and its
    /// clones) so far, for cost reporting: successful calls, and the rare
    /// unusable 2xx answer that still reported usage.
    pub fn usage_total(&self) -> TokenUsage {
        self.inner.usage.total()
    }

    /// The structured-output mode the next request with a JSON schema is
    /// sent in: the configured one, or the weaker one this client (or a
    /// clone) fell back to because the server did not take it.
    pub fn structured_output(&self) -> StructuredOutput {
        StructuredOutput::from_rank(self.inner.structured_output.load(Ordering::Relaxed))
    }

    /// Keeps `mode` for later calls, unless a concurrent call already went
    /// lower.
    fn fall_back_to(&self, mode: StructuredOutput) {
        self.inner
            .structured_output
            .fetch_max(mode.rank(), Ordering::Relaxed);
    }

    fn backoff(&self) -> ExponentialBuilder {
        let config = &self.inner.config;
        ExponentialBuilder::new()
            .with_min_delay(config.min_backoff())
            .with_max_delay(config.max_backoff())
            .with_max_times(usize::try_from(config.max_retries()).unwrap_or(usize::MAX))
            .with_jitter()
    }

    /// [`ChatModel::chat`] within `budget` instead of the configured
    /// [`call_budget`](OpenAiConfig::call_budget): no attempt runs past it,
    /// and a failed one is retried only when the time left after the wait
    /// is at least what the failed attempt took.
    ///
    /// # Errors
    /// As [`ChatModel::chat`]; a budget that runs out mid-attempt is
    /// [`LlmError::Timeout`].
    pub async fn chat_within(
        &self,
        request: ChatRequest,
        budget: Duration,
    ) -> Result<ChatResponse, LlmError> {
        let inner = &*self.inner;
        let span = tracing::info_span!(
            "chat",
            model = %inner.config.model(),
            base_url = %inner.shown_base_url,
            messages = request.messages.len(),
            json_schema = request.json_schema.as_ref().map(|schema| schema.name.as_str()),
        );
        let call = Call::new(budget);
        let mut mode = self.structured_output();
        // One round per structured-output mode: a server that rejects the
        // mode as unsupported gets the request again in the next weaker one
        // at once (no backoff: it answered, and will take the weaker one).
        let result = loop {
            let structured = request.json_schema.is_some() && mode != StructuredOutput::Off;
            let body = serde_json::to_vec(&WireRequest::new(&inner.config, &request, mode))
                .map_err(|err| LlmError::InvalidResponse {
                    reason: format!("the request could not be encoded: {err}"),
                })?;
            let result = self
                .send(&body, structured, &call)
                .instrument(span.clone())
                .await;
            match result {
                Err(Attempt::Malformed {
                    response_format: true,
                    status,
                    ..
                }) if structured => {
                    let weaker = mode.weaker();
                    span.in_scope(|| {
                        tracing::warn!(
                            status = status.as_u16(),
                            from = mode.as_str(),
                            to = weaker.as_str(),
                            "the server does not take this response_format; falling back"
                        );
                    });
                    self.fall_back_to(weaker);
                    mode = weaker;
                }
                other => break other,
            }
        };

        let attempts = call.attempts();
        span.in_scope(|| match result {
            Ok(response) => {
                inner.usage.add(response.usage);
                tracing::info!(
                    attempts,
                    prompt_tokens = response.usage.prompt_tokens,
                    completion_tokens = response.usage.completion_tokens,
                    finish_reason = response.finish_reason.as_deref(),
                    "chat completed"
                );
                Ok(response)
            }
            Err(err) => {
                if let Attempt::Invalid(unusable) = &err {
                    inner.usage.add(unusable.usage);
                }
                let err = err.into_llm_error(attempts);
                tracing::warn!(attempts, error = %err, "chat failed");
                Err(err)
            }
        })
    }

    /// Sends `body` with retries, within the call's budget. `structured`
    /// says whether the body carries a `response_format`.
    async fn send(
        &self,
        body: &[u8],
        structured: bool,
        call: &Call,
    ) -> Result<ChatResponse, Attempt> {
        let cap = self.inner.config.max_retry_after();
        (|| self.attempt(body, structured, call))
            .retry(self.backoff())
            .sleep(tokio::time::sleep)
            .when(Attempt::is_retryable)
            .adjust(|err, delay| {
                let delay = next_delay(delay, err.retry_after(), cap)?;
                let fits = call.fits_another(delay);
                if !fits {
                    tracing::debug!(
                        delay_ms = millis(delay),
                        "the call's budget leaves no room for another attempt"
                    );
                }
                fits.then_some(delay)
            })
            .notify(|err, delay| {
                tracing::warn!(
                    attempt = call.attempts(),
                    error = %err,
                    delay_ms = millis(delay),
                    "chat attempt failed; retrying"
                );
            })
            .await
    }

    /// One HTTP attempt, within what is left of the call's budget.
    async fn attempt(
        &self,
        body: &[u8],
        structured: bool,
        call: &Call,
    ) -> Result<ChatResponse, Attempt> {
        let inner = &*self.inner;
        let timeout = call.clip(inner.config.request_timeout());
        if timeout.is_zero() {
            return Err(Attempt::Timeout);
        }
        let attempt = call.begin_attempt();
        let started = Instant::now();
        tracing::debug!(
            attempt,
            timeout_ms = millis(timeout),
            "sending chat request"
        );

        let mut request = inner
            .http
            .post(inner.endpoint.clone())
            .timeout(timeout)
            .header(CONTENT_TYPE, "application/json")
            .body(body.to_vec());
        if let Some((name, value)) = &inner.auth {
            request = request.header(name.clone(), value.clone());
        }
        let mut response = request.send().await.map_err(Attempt::from_reqwest)?;
        let status = response.status();
        let retry_after = retry_after(response.headers());
        let secrets = &inner.secrets;
        let limit = inner.config.max_response_bytes();

        if !status.is_success() {
            // The status decides; the body only gives the message.
            let body = read_prefix(&mut response, limit.min(MAX_ERROR_BODY_BYTES)).await;
            tracing::debug!(
                attempt,
                status = status.as_u16(),
                elapsed_ms = elapsed_ms(started),
                "chat request failed"
            );
            let message = wire::error_message(&body, secrets);
            if may_be_malformed(status) {
                // The server read the request and refused it: the same bytes
                // would be refused again, whatever the status says.
                let response_format = structured && wire::rejects_response_format(&body);
                if response_format || wire::is_validation_error(&body) {
                    return Err(Attempt::Malformed {
                        status,
                        message,
                        response_format,
                    });
                }
            }
            return Err(Attempt::Status {
                status,
                retry_after,
                code: wire::error_code(&body),
                message,
            });
        }
        let body = read_body(&mut response, limit).await?;
        tracing::debug!(
            attempt,
            status = status.as_u16(),
            elapsed_ms = elapsed_ms(started),
            bytes = body.len(),
            "chat response received"
        );
        wire::parse_completion(&body, secrets).map_err(Attempt::Invalid)
    }
}

/// One call's progress: attempts so far, and the budget they share.
struct Call {
    started: Instant,
    /// `None` when the budget is too large to add to the clock.
    deadline: Option<Instant>,
    attempts: AtomicU32,
    /// When the latest attempt began, in nanoseconds after `started`.
    attempt_started_ns: AtomicU64,
}

impl Call {
    fn new(budget: Duration) -> Self {
        let started = Instant::now();
        Self {
            started,
            deadline: started.checked_add(budget),
            attempts: AtomicU32::new(0),
            attempt_started_ns: AtomicU64::new(0),
        }
    }

    fn attempts(&self) -> u32 {
        self.attempts.load(Ordering::Relaxed)
    }

    /// Counts an attempt and notes when it began; returns its number.
    fn begin_attempt(&self) -> u32 {
        let offset = u64::try_from(self.started.elapsed().as_nanos()).unwrap_or(u64::MAX);
        self.attempt_started_ns.store(offset, Ordering::Relaxed);
        self.attempts.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// `timeout`, shortened to what is left of the budget.
    fn clip(&self, timeout: Duration) -> Duration {
        match self.deadline {
            Some(deadline) => timeout.min(deadline.saturating_duration_since(Instant::now())),
            None => timeout,
        }
    }

    /// Whether, after waiting `delay`, the budget still has room for an
    /// attempt as long as the latest one (for a time-out, its whole timeout).
    fn fits_another(&self, delay: Duration) -> bool {
        let Some(deadline) = self.deadline else {
            return true;
        };
        let began =
            self.started + Duration::from_nanos(self.attempt_started_ns.load(Ordering::Relaxed));
        let took = began.elapsed();
        delay.saturating_add(took) <= deadline.saturating_duration_since(Instant::now())
    }
}

/// Reads a 2xx body, refusing one larger than `limit` before it is held:
/// from `Content-Length` when sent, else as soon as the chunks pass it.
async fn read_body(response: &mut reqwest::Response, limit: usize) -> Result<Vec<u8>, Attempt> {
    let too_large = || Attempt::TooLarge { limit };
    let declared = response.content_length().unwrap_or(0);
    if usize::try_from(declared).map_or(true, |declared| declared > limit) {
        return Err(too_large());
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(Attempt::from_reqwest)? {
        if chunk.len() > limit - body.len() {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The first `limit` bytes of an error body; the rest is never read, and a
/// body that breaks off gives what came before.
async fn read_prefix(response: &mut reqwest::Response, limit: usize) -> Vec<u8> {
    let mut body = Vec::new();
    while body.len() < limit {
        let Ok(Some(chunk)) = response.chunk().await else {
            break;
        };
        let room = limit - body.len();
        body.extend_from_slice(chunk.get(..room).unwrap_or(&chunk));
    }
    body
}

#[async_trait]
impl ChatModel for OpenAiClient {
    async fn chat(&self, request: ChatRequest) -> Result<ChatResponse, LlmError> {
        self.chat_within(request, self.inner.config.call_budget())
            .await
    }

    fn describe(&self) -> String {
        format!(
            "{} at {}",
            self.inner.config.model(),
            self.inner.shown_base_url
        )
    }

    /// True when the endpoint's host is `localhost`, a `.local` name, or a
    /// loopback, private or link-local address: a server on the host's own
    /// machines. A hosted gateway on a private network reads as local too,
    /// which errs on the side of not sending a small model free SQL; a
    /// host says otherwise with `AskConfig::free_sql_fallback`.
    fn runs_locally(&self) -> bool {
        is_local_host(&self.inner.endpoint)
    }
}

fn is_local_host(url: &Url) -> bool {
    use std::net::IpAddr;
    let Some(host) = url.host_str() else {
        return false;
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    match host.parse::<IpAddr>() {
        Ok(IpAddr::V4(ip)) => {
            ip.is_loopback() || ip.is_private() || ip.is_link_local() || ip.is_unspecified()
        }
        Ok(IpAddr::V6(ip)) => {
            ip.is_loopback()
                || ip.is_unspecified()
                // fc00::/7 (unique local) and fe80::/10 (link-local).
                || (ip.segments()[0] & 0xfe00) == 0xfc00
                || (ip.segments()[0] & 0xffc0) == 0xfe80
        }
        Err(_) => {
            let name = host.trim_end_matches('.').to_ascii_lowercase();
            name == "localhost" || name.ends_with(".localhost") || name.ends_with(".local")
        }
    }
}

impl fmt::Debug for OpenAiClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenAiClient")
            .field("config", &self.inner.config)
            .field("endpoint", &shown_url(self.inner.endpoint.as_str()))
            .field("usage_total", &self.usage_total())
            .finish_non_exhaustive()
    }
}

fn endpoint(base_url: &str) -> Result<Url, ConfigError> {
    let invalid = |reason: String| ConfigError::InvalidBaseUrl {
        url: shown_url(base_url),
        reason,
    };
    let mut url = Url::parse(base_url.trim()).map_err(|err| invalid(err.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        // Not the scheme itself: in `user:password@host` it is the user.
        return Err(invalid(String::from("the scheme must be http or https")));
    }
    url.set_fragment(None);
    url.path_segments_mut()
        .map_err(|()| invalid(String::from("it cannot have a path")))?
        .pop_if_empty()
        .extend(["chat", "completions"]);
    Ok(url)
}

fn auth_header(style: AuthStyle, key: &str) -> Result<(HeaderName, HeaderValue), ConfigError> {
    let (name, value) = match style {
        AuthStyle::Bearer => (AUTHORIZATION, format!("Bearer {key}")),
        AuthStyle::ApiKeyHeader => (HeaderName::from_static("api-key"), key.to_owned()),
    };
    let mut value = HeaderValue::from_str(&value).map_err(|_| ConfigError::InvalidApiKey)?;
    value.set_sensitive(true);
    Ok((name, value))
}

fn elapsed_ms(started: Instant) -> u64 {
    millis(started.elapsed())
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// Token totals, added to without a lock.
#[derive(Debug, Default)]
struct UsageCounter {
    prompt: AtomicU64,
    completion: AtomicU64,
    total: AtomicU64,
}

impl UsageCounter {
    fn add(&self, usage: TokenUsage) {
        self.prompt
            .fetch_add(usage.prompt_tokens, Ordering::Relaxed);
        self.completion
            .fetch_add(usage.completion_tokens, Ordering::Relaxed);
        self.total.fetch_add(usage.total_tokens, Ordering::Relaxed);
    }

    fn total(&self) -> TokenUsage {
        TokenUsage {
            prompt_tokens: self.prompt.load(Ordering::Relaxed),
            completion_tokens: self.completion.load(Ordering::Relaxed),
            total_tokens: self.total.load(Ordering::Relaxed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_appends_to_the_path_and_keeps_the_query() {
        let cases = [
            (
                "https://api.openai.com/v1",
                "https://api.openai.com/v1/chat/completions",
            ),
            (
                "http://localhost:11434/v1/",
                "http://localhost:11434/v1/chat/completions",
            ),
            (
                "http://127.0.0.1:8080",
                "http://127.0.0.1:8080/chat/completions",
            ),
            (
                "https://x.openai.azure.com/openai/deployments/d?api-version=2024-06-01",
                "https://x.openai.azure.com/openai/deployments/d/chat/completions?api-version=2024-06-01",
            ),
        ];
        for (base, expected) in cases {
            assert_eq!(endpoint(base).unwrap().as_str(), expected, "{base}");
        }
        for bad in ["not a url", "ftp://host/v1", "mailto:a@b.c"] {
            assert!(endpoint(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn invalid_api_key_characters_are_a_config_error_without_the_key() {
        let err = auth_header(AuthStyle::Bearer, "sk-bad\nkey").unwrap_err();
        assert!(!err.to_string().contains("sk-bad"));
    }

    #[test]
    fn a_server_on_the_hosts_own_machines_runs_locally() {
        for local in [
            "http://127.0.0.1:8000/v1",
            "http://localhost:11434/v1",
            "http://[::1]:8080/v1",
            "http://10.1.2.3/v1",
            "http://192.168.0.7:8000",
            "http://llama.local/v1",
            "http://[fd00::1]/v1",
        ] {
            assert!(is_local_host(&Url::parse(local).unwrap()), "{local}");
        }
        for hosted in [
            "https://api.openai.com/v1",
            "https://example.openai.azure.com/openai",
            "http://8.8.8.8/v1",
            "http://[2001:db8::1]/v1",
            "https://localhost.example.com/v1",
        ] {
            assert!(!is_local_host(&Url::parse(hosted).unwrap()), "{hosted}");
        }
    }
}
