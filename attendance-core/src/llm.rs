//! The chat-model abstraction the AI layer is written against.
//!
//! `attendance-llm` implements [`ChatModel`] for any OpenAI-compatible
//! endpoint; tests implement it with mockall (`MockChatModel`, behind
//! `cfg(test)` in this crate) or a fake server.

use std::fmt;
use std::ops::{Add, AddAssign};
use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::error::BoxError;

/// Who wrote a chat message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChatRole {
    /// Instructions that frame the conversation.
    System,
    /// The question or data the model responds to.
    User,
    /// An earlier answer of the model (for repair turns).
    Assistant,
}

/// One message of a chat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatMessage {
    /// The author.
    pub role: ChatRole,
    /// The text.
    pub content: String,
}

impl ChatMessage {
    /// A system message.
    pub fn system(content: impl Into<String>) -> Self {
        Self {
            role: ChatRole::System,
            content: content.into(),
        }
    }

    /// A user message.
    pub fn user(content: impl Into<String>) -> Self {
        Self {
            role: ChatRole::User,
            content: content.into(),
        }
    }

    /// An assistant message.
    pub fn assistant(content: impl Into<String>) -> Self {
        Self {
            role: ChatRole::Assistant,
            content: content.into(),
        }
    }
}

/// Asks the model for a JSON object that matches `schema`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JsonSchema {
    /// A short identifier for the schema (`[a-zA-Z0-9_-]`, as OpenAI requires).
    pub name: String,
    /// The JSON Schema the object must match.
    pub schema: serde_json::Value,
}

/// A request to a chat model.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ChatRequest {
    /// The conversation so far.
    pub messages: Vec<ChatMessage>,
    /// When set, ask for a JSON object matching this schema.
    pub json_schema: Option<JsonSchema>,
    /// Overrides the client's default sampling temperature.
    pub temperature: Option<f32>,
    /// Caps the length of the answer.
    pub max_tokens: Option<u32>,
}

impl ChatRequest {
    /// A request made of `messages`, with the client's defaults.
    pub fn new(messages: Vec<ChatMessage>) -> Self {
        Self {
            messages,
            ..Self::default()
        }
    }

    /// Asks for a JSON object matching `schema`.
    pub fn with_json_schema(mut self, name: impl Into<String>, schema: serde_json::Value) -> Self {
        self.json_schema = Some(JsonSchema {
            name: name.into(),
            schema,
        });
        self
    }

    /// Caps the answer at `max_tokens`.
    #[must_use]
    pub fn with_max_tokens(mut self, max_tokens: u32) -> Self {
        self.max_tokens = Some(max_tokens);
        self
    }
}

/// Tokens a call consumed, as reported by the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TokenUsage {
    /// Tokens of the prompt.
    pub prompt_tokens: u64,
    /// Tokens of the answer.
    pub completion_tokens: u64,
    /// Both together.
    pub total_tokens: u64,
}

impl Add for TokenUsage {
    type Output = Self;

    fn add(self, rhs: Self) -> Self {
        Self {
            prompt_tokens: self.prompt_tokens + rhs.prompt_tokens,
            completion_tokens: self.completion_tokens + rhs.completion_tokens,
            total_tokens: self.total_tokens + rhs.total_tokens,
        }
    }
}

impl AddAssign for TokenUsage {
    fn add_assign(&mut self, rhs: Self) {
        *self = *self + rhs;
    }
}

/// What a chat model answered.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ChatResponse {
    /// The answer's text (for a JSON request, the JSON as text).
    pub text: String,
    /// Why the model stopped (`"stop"`, `"length"`, …), when reported.
    pub finish_reason: Option<String>,
    /// Tokens consumed by this call, retries included.
    pub usage: TokenUsage,
}

/// Why a chat call failed. Each variant says what a caller can do about it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LlmError {
    /// No model is configured (for example no API key was given).
    #[error("no chat model is configured: {hint}")]
    NotConfigured {
        /// What to set to configure one.
        hint: String,
    },
    /// The server did not answer in time, on every attempt.
    #[error("the chat model timed out after {attempts} attempt(s)")]
    Timeout {
        /// Attempts made.
        attempts: u32,
    },
    /// The server could not be reached, on every attempt.
    #[error("the chat model could not be reached after {attempts} attempt(s)")]
    Transport {
        /// Attempts made.
        attempts: u32,
        /// The last transport error.
        #[source]
        source: BoxError,
    },
    /// The server kept answering 429.
    #[error("the chat model is rate limited after {attempts} attempt(s)")]
    RateLimited {
        /// Attempts made.
        attempts: u32,
        /// The last `Retry-After` the server sent, if any.
        retry_after: Option<Duration>,
    },
    /// The server failed (5xx, 408, 409) on every attempt.
    #[error("the chat model failed with HTTP {status} after {attempts} attempt(s)")]
    Server {
        /// The last status.
        status: u16,
        /// Attempts made.
        attempts: u32,
    },
    /// The server refused the request (400, 401, 403, 404, …); not retried.
    #[error("the chat model rejected the request with HTTP {status}: {message}")]
    Rejected {
        /// The status.
        status: u16,
        /// The server's error message, if it sent one.
        message: String,
    },
    /// The server answered, but not with a usable completion.
    #[error("the chat model sent an unusable response: {reason}")]
    InvalidResponse {
        /// What was wrong with it.
        reason: String,
    },
}

impl LlmError {
    /// Whether the failure was a time-out (HTTP adapters answer 504 for it).
    pub fn is_timeout(&self) -> bool {
        matches!(self, Self::Timeout { .. })
    }
}

/// A chat model: messages in, text and token usage out.
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait ChatModel: Send + Sync {
    /// Sends one chat request. Implementations retry transient failures
    /// themselves; an error here is final for this call.
    async fn chat(&self, request: ChatRequest) -> Result<ChatResponse, LlmError>;

    /// A short description for logs (`"gpt-4o at https://api.openai.com/v1"`).
    fn describe(&self) -> String {
        String::from("chat model")
    }

    /// Whether the model runs on the host's own machines (a loopback or
    /// private address) rather than at a provider's. Question answering
    /// reads it to decide whether free SQL is a fallback worth trying
    /// ([`AskConfig::free_sql_fallback`](crate::ask::AskConfig::free_sql_fallback)).
    /// Default: `false`.
    fn runs_locally(&self) -> bool {
        false
    }
}

/// Extracts the first JSON object from a model's text.
///
/// Servers that ignore `response_format` wrap JSON in code fences or prose;
/// this accepts a bare object, a fenced one (```` ```json ````) and one with
/// text before or after it. Strings containing braces are handled.
pub fn extract_json_object(text: &str) -> Result<serde_json::Value, LlmError> {
    let trimmed = text.trim();
    if let Ok(value @ serde_json::Value::Object(_)) = serde_json::from_str(trimmed) {
        return Ok(value);
    }
    let bytes = trimmed.as_bytes();
    let mut start = 0;
    while let Some(offset) = trimmed[start..].find('{') {
        let open = start + offset;
        if let Some(close) = matching_brace(bytes, open) {
            let candidate = &trimmed[open..=close];
            if let Ok(value @ serde_json::Value::Object(_)) = serde_json::from_str(candidate) {
                return Ok(value);
            }
        }
        start = open + 1;
    }
    Err(LlmError::InvalidResponse {
        reason: format!("expected a JSON object, got {:?}", excerpt(trimmed, 120)),
    })
}

/// The index of the `}` closing the `{` at `open`, skipping braces in strings.
fn matching_brace(bytes: &[u8], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (i, &b) in bytes.iter().enumerate().skip(open) {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' => depth += 1,
            b'}' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// The first `max` characters of `text`, for error messages.
pub(crate) fn excerpt(text: &str, max: usize) -> String {
    let mut out: String = text.chars().take(max).collect();
    if text.chars().nth(max).is_some() {
        out.push('…');
    }
    out
}

impl fmt::Display for ChatRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::System => "system",
            Self::User => "user",
            Self::Assistant => "assistant",
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn extracts_bare_fenced_and_embedded_objects() {
        let cases = [
            (r#"{"sql": "SELECT 1"}"#, json!({"sql": "SELECT 1"})),
            (
                "```json\n{\"sql\": \"SELECT '}' AS x\"}\n```",
                json!({"sql": "SELECT '}' AS x"}),
            ),
            (
                "Sure! Here is the query:\n{\"sql\": \"SELECT 2\"}\nHope this helps {:",
                json!({"sql": "SELECT 2"}),
            ),
            (
                "{not json} then {\"refusal\": \"no \\\"data\\\"\"}",
                json!({"refusal": "no \"data\""}),
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(extract_json_object(text).unwrap(), expected, "{text}");
        }
    }

    #[test]
    fn rejects_text_without_an_object() {
        for text in ["", "no json here", "[1, 2]", "{\"unclosed\": 1"] {
            let err = extract_json_object(text).unwrap_err();
            assert!(matches!(err, LlmError::InvalidResponse { .. }), "{text}");
        }
    }

    #[test]
    fn usage_adds_up() {
        let a = TokenUsage {
            prompt_tokens: 10,
            completion_tokens: 5,
            total_tokens: 15,
        };
        let mut total = TokenUsage::default();
        total += a;
        total += a;
        assert_eq!(total.total_tokens, 30);
        assert_eq!(total.prompt_tokens, 20);
    }
}
