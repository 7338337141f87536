//! Client configuration: a typed builder whose defaults never read the
//! environment, plus an explicit [`OpenAiConfig::from_env`].

use std::fmt;
use std::time::Duration;

use crate::error::ConfigError;
use crate::redact::shown_url;

/// OpenAI's public endpoint, the default base URL.
pub const DEFAULT_BASE_URL: &str = "https://api.openai.com/v1";

/// The default model.
pub const DEFAULT_MODEL: &str = "gpt-4o";

/// Variable read by [`OpenAiConfig::from_env`] for the API key.
pub const ENV_API_KEY: &str = "OPENAI_API_KEY";
/// Variable read by [`OpenAiConfig::from_env`] for the base URL.
pub const ENV_BASE_URL: &str = "OPENAI_BASE_URL";
/// Variable read by [`OpenAiConfig::from_env`] for the model.
pub const ENV_MODEL: &str = "OPENAI_MODEL";
/// Variable read by [`OpenAiConfig::from_env`] for the structured-output
/// mode to start with: `json_schema`, `json_object` or `off`.
pub const ENV_STRUCTURED_OUTPUT: &str = "OPENAI_STRUCTURED_OUTPUT";

/// The only host for which [`OpenAiConfig::from_env`] insists on a key.
const OPENAI_HOST: &str = "api.openai.com";

/// An API key. Its `Debug` and `Display` print `***`, so a config or client
/// can be logged whole; [`ApiKey::expose`] is the one way to read it.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    /// Wraps a key.
    pub fn new(key: impl Into<String>) -> Self {
        Self(key.into())
    }

    /// The key itself, for the `Authorization` header.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl From<String> for ApiKey {
    fn from(key: String) -> Self {
        Self(key)
    }
}

impl From<&str> for ApiKey {
    fn from(key: &str) -> Self {
        Self(key.to_owned())
    }
}

/// How the API key is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum AuthStyle {
    /// `Authorization: Bearer <key>`: OpenAI, most gateways, vLLM, llama.cpp.
    #[default]
    Bearer,
    /// `api-key: <key>`: Azure OpenAI's key header.
    ApiKeyHeader,
}

/// What to send as `response_format` when a request carries a JSON schema.
///
/// The configured mode is where a client starts. A server that answers a
/// mode with "not supported" (a 400 or 422, or the HTTP 500 that
/// llama-cpp-python's server sends with a validation error) gets the same
/// request again at once in the next weaker mode, `JsonSchema` →
/// `JsonObject` → `Off`, and the client keeps that mode for its later calls
/// ([`OpenAiClient::structured_output`](crate::OpenAiClient::structured_output)).
///
/// Whatever is chosen, the caller parses the answer with
/// [`extract_json_object`](crate::extract_json_object), which tolerates code
/// fences and prose around the object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum StructuredOutput {
    /// `{"type":"json_schema","json_schema":{"name":…,"schema":…,"strict":true}}`
    /// (OpenAI, recent vLLM, llama.cpp server).
    #[default]
    JsonSchema,
    /// `{"type":"json_object","schema":…}`, for servers with JSON mode but
    /// no `json_schema`: llama.cpp's servers (llama-server and
    /// llama-cpp-python) turn the schema into a grammar that constrains the
    /// output; OpenAI ignores it, and then requires the word "JSON"
    /// somewhere in the messages.
    JsonObject,
    /// No `response_format` at all; the prompt alone asks for JSON.
    Off,
}

impl StructuredOutput {
    /// The mode as `OPENAI_STRUCTURED_OUTPUT` spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::JsonSchema => "json_schema",
            Self::JsonObject => "json_object",
            Self::Off => "off",
        }
    }

    /// The next weaker mode; `Off` is the weakest.
    pub(crate) fn weaker(self) -> Self {
        match self {
            Self::JsonSchema => Self::JsonObject,
            Self::JsonObject | Self::Off => Self::Off,
        }
    }

    /// Strength as a number, weaker modes higher, so that a shared mode can
    /// only ever be lowered (`fetch_max`).
    pub(crate) fn rank(self) -> u8 {
        match self {
            Self::JsonSchema => 0,
            Self::JsonObject => 1,
            Self::Off => 2,
        }
    }

    /// The inverse of [`rank`](Self::rank); anything past `Off` is `Off`.
    pub(crate) fn from_rank(rank: u8) -> Self {
        match rank {
            0 => Self::JsonSchema,
            1 => Self::JsonObject,
            _ => Self::Off,
        }
    }
}

impl std::str::FromStr for StructuredOutput {
    type Err = ConfigError;

    /// `json_schema`, `json_object`, or `off` (also `none`, `text`); case
    /// and surrounding blanks ignored.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "json_schema" => Ok(Self::JsonSchema),
            "json_object" => Ok(Self::JsonObject),
            "off" | "none" | "text" => Ok(Self::Off),
            _ => Err(ConfigError::InvalidVar {
                var: ENV_STRUCTURED_OUTPUT,
                reason: "expected json_schema, json_object or off",
            }),
        }
    }
}

/// The request field that carries the answer's token limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum TokenLimitField {
    /// `max_tokens`: every local server (vLLM, llama.cpp, Ollama) and
    /// OpenAI's chat models.
    #[default]
    MaxTokens,
    /// `max_completion_tokens`: OpenAI's reasoning models, which reject
    /// `max_tokens`. Their hidden reasoning counts against this limit too.
    MaxCompletionTokens,
}

/// The default [`OpenAiConfig::max_tokens`].
pub const DEFAULT_MAX_TOKENS: u32 = 1024;

/// The default [`OpenAiConfig::max_response_bytes`]: 1 MiB.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 1024 * 1024;

/// Settings of an [`OpenAiClient`](crate::OpenAiClient).
///
/// | setting | default |
/// |---|---|
/// | base URL | [`DEFAULT_BASE_URL`] |
/// | model | [`DEFAULT_MODEL`] |
/// | API key | none (local servers need none) |
/// | auth style | [`AuthStyle::Bearer`] |
/// | connect timeout | 10 s |
/// | request timeout (per attempt, until the body is read) | 60 s |
/// | call budget (all attempts and waits of one call) | 90 s |
/// | max retries (after the first attempt) | 3 |
/// | min / max backoff (exponential ×2, plus jitter up to the delay again) | 500 ms / 10 s |
/// | cap on `Retry-After` | 30 s |
/// | temperature | none: the server's default |
/// | max tokens of an answer | [`DEFAULT_MAX_TOKENS`], sent as [`TokenLimitField::MaxTokens`] |
/// | max response body | [`DEFAULT_MAX_RESPONSE_BYTES`] |
/// | structured output | [`StructuredOutput::JsonSchema`] |
///
/// The temperature defaults to none because reasoning models reject any
/// value; a request's own [`ChatRequest::temperature`] wins over this one,
/// as its [`ChatRequest::max_tokens`] wins over [`max_tokens`](Self::max_tokens).
///
/// `Debug` shows the base URL without user info or query, and the key as
/// `***`; [`base_url`](Self::base_url) returns it as given.
///
/// [`ChatRequest::temperature`]: attendance_core::llm::ChatRequest::temperature
/// [`ChatRequest::max_tokens`]: attendance_core::llm::ChatRequest::max_tokens
#[derive(Clone, PartialEq)]
pub struct OpenAiConfig {
    base_url: String,
    model: String,
    api_key: Option<ApiKey>,
    auth_style: AuthStyle,
    connect_timeout: Duration,
    request_timeout: Duration,
    call_budget: Duration,
    max_retries: u32,
    min_backoff: Duration,
    max_backoff: Duration,
    max_retry_after: Duration,
    temperature: Option<f32>,
    max_tokens: u32,
    token_limit_field: TokenLimitField,
    max_response_bytes: usize,
    structured_output: StructuredOutput,
}

impl fmt::Debug for OpenAiConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenAiConfig")
            .field("base_url", &shown_url(&self.base_url))
            .field("model", &self.model)
            .field("api_key", &self.api_key)
            .field("auth_style", &self.auth_style)
            .field("connect_timeout", &self.connect_timeout)
            .field("request_timeout", &self.request_timeout)
            .field("call_budget", &self.call_budget)
            .field("max_retries", &self.max_retries)
            .field("min_backoff", &self.min_backoff)
            .field("max_backoff", &self.max_backoff)
            .field("max_retry_after", &self.max_retry_after)
            .field("temperature", &self.temperature)
            .field("max_tokens", &self.max_tokens)
            .field("token_limit_field", &self.token_limit_field)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("structured_output", &self.structured_output)
            .finish()
    }
}

impl Default for OpenAiConfig {
    fn default() -> Self {
        Self {
            base_url: DEFAULT_BASE_URL.to_owned(),
            model: DEFAULT_MODEL.to_owned(),
            api_key: None,
            auth_style: AuthStyle::Bearer,
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(60),
            call_budget: Duration::from_secs(90),
            max_retries: 3,
            min_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(10),
            max_retry_after: Duration::from_secs(30),
            temperature: None,
            max_tokens: DEFAULT_MAX_TOKENS,
            token_limit_field: TokenLimitField::MaxTokens,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            structured_output: StructuredOutput::JsonSchema,
        }
    }
}

impl OpenAiConfig {
    /// The defaults (see the table above); reads no environment variable.
    pub fn new() -> Self {
        Self::default()
    }

    /// The defaults, overridden by `OPENAI_API_KEY`, `OPENAI_BASE_URL`,
    /// `OPENAI_MODEL` and `OPENAI_STRUCTURED_OUTPUT` where those are set and
    /// not blank.
    ///
    /// A missing key is an error only when the base URL is OpenAI's own
    /// (`api.openai.com`): a base URL pointing at vLLM, llama.cpp or Ollama
    /// without a key is a legitimate setup. Convert the error with `?` into
    /// [`LlmError::NotConfigured`](attendance_core::llm::LlmError::NotConfigured)
    /// if the host treats "no model" as "fall back to templates".
    ///
    /// # Errors
    /// [`ConfigError::MissingApiKey`] as above; [`ConfigError::NotUnicode`]
    /// when a variable is not valid Unicode; [`ConfigError::InvalidVar`]
    /// for an unknown structured-output mode.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|var| match std::env::var(var) {
            Ok(value) => Ok(Some(value)),
            Err(std::env::VarError::NotPresent) => Ok(None),
            Err(std::env::VarError::NotUnicode(_)) => Err(ConfigError::NotUnicode { var }),
        })
    }

    /// [`from_env`](Self::from_env) over any source of variables, so that it
    /// can be tested without touching the process environment.
    fn from_lookup(
        lookup: impl Fn(&'static str) -> Result<Option<String>, ConfigError>,
    ) -> Result<Self, ConfigError> {
        let get = |var| -> Result<Option<String>, ConfigError> {
            Ok(lookup(var)?
                .map(|value| value.trim().to_owned())
                .filter(|value| !value.is_empty()))
        };
        let mut config = Self::default();
        if let Some(base_url) = get(ENV_BASE_URL)? {
            config.base_url = base_url;
        }
        if let Some(model) = get(ENV_MODEL)? {
            config.model = model;
        }
        if let Some(mode) = get(ENV_STRUCTURED_OUTPUT)? {
            config.structured_output = mode.parse()?;
        }
        match get(ENV_API_KEY)? {
            Some(key) => config.api_key = Some(ApiKey(key)),
            None if config.needs_api_key() => {
                return Err(ConfigError::MissingApiKey {
                    var: ENV_API_KEY,
                    base_url: shown_url(&config.base_url),
                });
            }
            None => {}
        }
        Ok(config)
    }

    /// Whether the base URL is OpenAI's, which always wants a key.
    fn needs_api_key(&self) -> bool {
        reqwest::Url::parse(&self.base_url)
            .ok()
            .and_then(|url| {
                url.host_str()
                    .map(|host| host.eq_ignore_ascii_case(OPENAI_HOST))
            })
            .unwrap_or(false)
    }

    /// Sets the base URL, for example `http://localhost:11434/v1` (Ollama) or
    /// `http://localhost:8000/v1` (vLLM). Requests go to
    /// `{base_url}/chat/completions`; a query string (Azure's `api-version`)
    /// is kept. Checked when the client is built.
    ///
    /// User info and the query are never printed (`Debug`, errors, logs):
    /// both may hold credentials.
    pub fn with_base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = base_url.into();
        self
    }

    /// Sets the model name sent with every request.
    pub fn with_model(mut self, model: impl Into<String>) -> Self {
        self.model = model.into();
        self
    }

    /// Sets the API key.
    pub fn with_api_key(mut self, api_key: impl Into<ApiKey>) -> Self {
        self.api_key = Some(api_key.into());
        self
    }

    /// Removes the API key (local servers).
    pub fn without_api_key(mut self) -> Self {
        self.api_key = None;
        self
    }

    /// Sets how the key is sent.
    pub fn with_auth_style(mut self, auth_style: AuthStyle) -> Self {
        self.auth_style = auth_style;
        self
    }

    /// Sets the TCP/TLS connect timeout. Applies only to the HTTP client this
    /// crate builds, not to one passed to
    /// [`OpenAiClient::with_http_client`](crate::OpenAiClient::with_http_client).
    pub fn with_connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Sets the time one attempt may take, from connecting until the whole
    /// body is read. Applied per request, so it also holds with a caller's
    /// HTTP client (and overrides that client's own timeout).
    pub fn with_request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// Sets the time one call may take in all: every attempt and every wait
    /// between them. An attempt never runs past it, and a failed attempt is
    /// retried only when what is left, after the wait, is at least as long
    /// as the failed attempt took; so a timed-out request is sent again only
    /// when the budget can give the new one as long as the last. A wait the
    /// server asks for (`Retry-After`) that does not fit ends the call.
    /// [`OpenAiClient::chat_within`](crate::OpenAiClient::chat_within)
    /// takes a budget per call instead.
    pub fn with_call_budget(mut self, budget: Duration) -> Self {
        self.call_budget = budget;
        self
    }

    /// Sets how many times a failed attempt is retried (0: one attempt only).
    pub fn with_max_retries(mut self, max_retries: u32) -> Self {
        self.max_retries = max_retries;
        self
    }

    /// Sets the first backoff delay; each further one doubles, up to the
    /// maximum, and jitter adds up to the delay again.
    pub fn with_min_backoff(mut self, delay: Duration) -> Self {
        self.min_backoff = delay;
        self
    }

    /// Sets the largest backoff delay (before jitter).
    pub fn with_max_backoff(mut self, delay: Duration) -> Self {
        self.max_backoff = delay;
        self
    }

    /// Sets the longest `Retry-After` honoured; a longer one is cut to this.
    pub fn with_max_retry_after(mut self, delay: Duration) -> Self {
        self.max_retry_after = delay;
        self
    }

    /// Sets the default sampling temperature.
    pub fn with_temperature(mut self, temperature: f32) -> Self {
        self.temperature = Some(temperature);
        self
    }

    /// Sends no temperature unless a request sets one.
    pub fn without_temperature(mut self) -> Self {
        self.temperature = None;
        self
    }

    /// Sets the token limit sent with a request that sets none of its own
    /// ([`ChatRequest::max_tokens`]). Every request carries a limit, so no
    /// answer runs to the model's context length.
    ///
    /// [`ChatRequest::max_tokens`]: attendance_core::llm::ChatRequest::max_tokens
    pub fn with_max_tokens(mut self, max_tokens: u32) -> Self {
        self.max_tokens = max_tokens;
        self
    }

    /// Sets the request field the token limit is sent in.
    pub fn with_token_limit_field(mut self, field: TokenLimitField) -> Self {
        self.token_limit_field = field;
        self
    }

    /// Sets the largest response body read. A larger successful answer is
    /// [`LlmError::InvalidResponse`](attendance_core::llm::LlmError::InvalidResponse),
    /// found while reading (or from `Content-Length`, before it), so a
    /// server cannot make the client buffer more than this. Of an error
    /// answer, at most this much (and never more than 64 KiB) is read for
    /// its message.
    pub fn with_max_response_bytes(mut self, max_bytes: usize) -> Self {
        self.max_response_bytes = max_bytes;
        self
    }

    /// Sets what `response_format` a request with a JSON schema sends
    /// first (see [`StructuredOutput`] for how it degrades).
    pub fn with_structured_output(mut self, mode: StructuredOutput) -> Self {
        self.structured_output = mode;
        self
    }

    /// The base URL as given, credentials included: print
    /// [`OpenAiClient::describe`](crate::OpenAiClient) or this config's
    /// `Debug` instead.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The model.
    pub fn model(&self) -> &str {
        &self.model
    }

    /// The API key, if any.
    pub fn api_key(&self) -> Option<&ApiKey> {
        self.api_key.as_ref()
    }

    /// How the key is sent.
    pub fn auth_style(&self) -> AuthStyle {
        self.auth_style
    }

    /// The connect timeout.
    pub fn connect_timeout(&self) -> Duration {
        self.connect_timeout
    }

    /// The per-attempt request timeout.
    pub fn request_timeout(&self) -> Duration {
        self.request_timeout
    }

    /// The time one call may take, retries and waits included.
    pub fn call_budget(&self) -> Duration {
        self.call_budget
    }

    /// Retries after the first attempt.
    pub fn max_retries(&self) -> u32 {
        self.max_retries
    }

    /// The first backoff delay.
    pub fn min_backoff(&self) -> Duration {
        self.min_backoff
    }

    /// The largest backoff delay.
    pub fn max_backoff(&self) -> Duration {
        self.max_backoff
    }

    /// The cap on `Retry-After`.
    pub fn max_retry_after(&self) -> Duration {
        self.max_retry_after
    }

    /// The default temperature.
    pub fn temperature(&self) -> Option<f32> {
        self.temperature
    }

    /// The token limit of a request that sets none.
    pub fn max_tokens(&self) -> u32 {
        self.max_tokens
    }

    /// The request field the token limit is sent in.
    pub fn token_limit_field(&self) -> TokenLimitField {
        self.token_limit_field
    }

    /// The largest response body read.
    pub fn max_response_bytes(&self) -> usize {
        self.max_response_bytes
    }

    /// The structured-output mode.
    pub fn structured_output(&self) -> StructuredOutput {
        self.structured_output
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn lookup(
        vars: &[(&'static str, &str)],
    ) -> impl Fn(&'static str) -> Result<Option<String>, ConfigError> {
        let vars: HashMap<&'static str, String> =
            vars.iter().map(|(k, v)| (*k, (*v).to_owned())).collect();
        move |var| Ok(vars.get(var).cloned())
    }

    #[test]
    fn default_is_openai_without_key() {
        let config = OpenAiConfig::default();
        assert_eq!(config.base_url(), DEFAULT_BASE_URL);
        assert_eq!(config.model(), DEFAULT_MODEL);
        assert!(config.api_key().is_none());
        assert_eq!(config.max_retries(), 3);
    }

    #[test]
    fn env_without_key_for_openai_is_an_error() {
        let err = OpenAiConfig::from_lookup(lookup(&[])).unwrap_err();
        assert!(matches!(err, ConfigError::MissingApiKey { .. }), "{err:?}");
        let err = OpenAiConfig::from_lookup(lookup(&[(ENV_API_KEY, "  ")])).unwrap_err();
        assert!(matches!(err, ConfigError::MissingApiKey { .. }), "{err:?}");
        let llm: attendance_core::llm::LlmError = err.into();
        assert!(matches!(
            llm,
            attendance_core::llm::LlmError::NotConfigured { .. }
        ));
    }

    #[test]
    fn env_local_server_needs_no_key() {
        let config = OpenAiConfig::from_lookup(lookup(&[
            (ENV_BASE_URL, "http://localhost:11434/v1"),
            (ENV_MODEL, "llama3.1"),
        ]))
        .unwrap();
        assert_eq!(config.base_url(), "http://localhost:11434/v1");
        assert_eq!(config.model(), "llama3.1");
        assert!(config.api_key().is_none());
    }

    #[test]
    fn env_sets_the_structured_output_mode() {
        let config = OpenAiConfig::from_lookup(lookup(&[
            (ENV_BASE_URL, "http://127.0.0.1:8000/v1"),
            (ENV_STRUCTURED_OUTPUT, " JSON_object "),
        ]))
        .unwrap();
        assert_eq!(config.structured_output(), StructuredOutput::JsonObject);
        let err = OpenAiConfig::from_lookup(lookup(&[
            (ENV_BASE_URL, "http://127.0.0.1:8000/v1"),
            (ENV_STRUCTURED_OUTPUT, "grammar"),
        ]))
        .unwrap_err();
        assert!(err.to_string().contains(ENV_STRUCTURED_OUTPUT), "{err}");
        for mode in [
            StructuredOutput::JsonSchema,
            StructuredOutput::JsonObject,
            StructuredOutput::Off,
        ] {
            assert_eq!(mode.as_str().parse::<StructuredOutput>().unwrap(), mode);
            assert_eq!(StructuredOutput::from_rank(mode.rank()), mode);
        }
    }

    #[test]
    fn env_key_is_read_and_hidden() {
        let config = OpenAiConfig::from_lookup(lookup(&[(ENV_API_KEY, "sk-env-secret")])).unwrap();
        assert_eq!(config.api_key().map(ApiKey::expose), Some("sk-env-secret"));
        assert_eq!(config.base_url(), DEFAULT_BASE_URL);
        let printed = format!("{config:?} {config:#?}");
        assert!(!printed.contains("sk-env-secret"), "{printed}");
        assert!(printed.contains("***"), "{printed}");
    }

    #[test]
    fn credentials_in_the_base_url_stay_out_of_debug_and_errors() {
        let base_url = "https://someuser:hunter2pw@api.openai.com/v1?api-key=qsecret-123";
        let secrets = ["someuser", "hunter2pw", "qsecret-123", "api-key="];
        let config = OpenAiConfig::new().with_base_url(base_url);
        let err = OpenAiConfig::from_lookup(lookup(&[(ENV_BASE_URL, base_url)])).unwrap_err();
        let llm: attendance_core::llm::LlmError =
            OpenAiConfig::from_lookup(lookup(&[(ENV_BASE_URL, base_url)]))
                .unwrap_err()
                .into();
        let printed = [
            format!("{config:?}"),
            format!("{config:#?}"),
            format!("{err} {err:?}"),
            format!("{llm} {llm:?}"),
        ];
        for printed in printed {
            for secret in secrets {
                assert!(!printed.contains(secret), "{secret} in {printed}");
            }
            assert!(printed.contains("api.openai.com/v1"), "{printed}");
        }
        assert_eq!(config.base_url(), base_url);
    }
}
