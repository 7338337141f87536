//! The crate's error: configuration problems found before any request is sent.
//!
//! Failures of a chat call itself are [`attendance_core::llm::LlmError`]s.

use attendance_core::llm::LlmError;

/// Why a client could not be configured or built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// No API key was found for a server that needs one.
    #[error(
        "{var} is not set; it is required for {base_url} (set it, or point OPENAI_BASE_URL at a local server)"
    )]
    MissingApiKey {
        /// The environment variable that was looked up.
        var: &'static str,
        /// The base URL the key was needed for.
        base_url: String,
    },
    /// An environment variable holds a value that is not one of those
    /// allowed.
    #[error("{var} is invalid: {reason}")]
    InvalidVar {
        /// The variable.
        var: &'static str,
        /// What is allowed.
        reason: &'static str,
    },
    /// An environment variable is set but is not valid Unicode.
    #[error("{var} is not valid Unicode")]
    NotUnicode {
        /// The variable.
        var: &'static str,
    },
    /// The base URL does not parse, or cannot have a path appended.
    #[error("invalid base URL {url:?}: {reason}")]
    InvalidBaseUrl {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The API key has characters an HTTP header cannot carry (a stray
    /// newline, say). The key itself is not repeated here.
    #[error("the API key contains characters that are not allowed in an HTTP header")]
    InvalidApiKey,
    /// TLS could not be set up (the platform's certificate verifier
    /// refused to start).
    #[error("could not set up TLS for the HTTP client")]
    Tls {
        /// The TLS library's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The HTTP client could not be built (for example no TLS roots).
    #[error("could not build the HTTP client")]
    HttpClient {
        /// The builder's error.
        #[source]
        source: reqwest::Error,
    },
}

impl From<ConfigError> for LlmError {
    /// A host that treats "no model" as "use the template" can map every
    /// configuration problem to [`LlmError::NotConfigured`].
    fn from(err: ConfigError) -> Self {
        let mut hint = err.to_string();
        let mut source = std::error::Error::source(&err);
        while let Some(cause) = source {
            hint.push_str(": ");
            hint.push_str(&cause.to_string());
            source = cause.source();
        }
        LlmError::NotConfigured { hint }
    }
}
