//! An OpenAI-compatible Chat Completions client that implements
//! [`attendance_core::llm::ChatModel`], so the attendance AI layer (summaries,
//! questions in plain language) can talk to OpenAI, an Azure-style gateway or
//! a local server (vLLM, llama.cpp, Ollama): only the base URL and the model
//! change.
//!
//! ```no_run
//! use attendance_core::llm::{ChatMessage, ChatModel, ChatRequest};
//! use attendance_llm::{OpenAiClient, OpenAiConfig, extract_json_object};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! // OPENAI_API_KEY, OPENAI_BASE_URL, OPENAI_MODEL; or build one by hand:
//! // OpenAiConfig::new().with_base_url("http://localhost:11434/v1").with_model("llama3.1")
//! let client = OpenAiClient::new(OpenAiConfig::from_env()?)?;
//! let request = ChatRequest::new(vec![
//!     ChatMessage::system("Answer with a JSON object {\"sql\": \"...\"}."),
//!     ChatMessage::user("Who worked from home yesterday?"),
//! ])
//! .with_json_schema(
//!     "sql_answer",
//!     serde_json::json!({
//!         "type": "object",
//!         "properties": {"sql": {"type": "string"}},
//!         "required": ["sql"],
//!         "additionalProperties": false
//!     }),
//! );
//! let response = client.chat(request).await?;
//! let answer = extract_json_object(&response.text)?;
//! println!("{answer} ({} tokens so far)", client.usage_total().total_tokens);
//! # Ok(())
//! # }
//! ```
//!
//! # Behaviour
//! - Requests go to `POST {base_url}/chat/completions` with
//!   `Authorization: Bearer <key>` when a key is set ([`AuthStyle`] offers
//!   Azure's `api-key` header instead).
//! - Every request carries a token limit: the request's own
//!   [`ChatRequest::max_tokens`](attendance_core::llm::ChatRequest::max_tokens),
//!   else [`OpenAiConfig::max_tokens`], in the field
//!   [`OpenAiConfig::token_limit_field`] names.
//! - Transport errors, time-outs, 408, 409, 429 and 5xx are retried with
//!   exponential backoff and jitter (`backon`), up to
//!   [`OpenAiConfig::max_retries`] times. A `Retry-After` in seconds (or
//!   `retry-after-ms`) makes the next wait at least that long, capped by
//!   [`OpenAiConfig::max_retry_after`]; the HTTP-date form is ignored.
//! - A call spends at most [`OpenAiConfig::call_budget`] (or the budget
//!   given to [`OpenAiClient::chat_within`]): each attempt's timeout is cut
//!   to what is left, and a failed attempt is retried only when what is left
//!   after the wait is at least what it took. A timed-out request is thus
//!   sent again only when the budget can give the new one as long.
//! - A response body is read as a stream up to
//!   [`OpenAiConfig::max_response_bytes`]; a larger answer is
//!   [`LlmError::InvalidResponse`](attendance_core::llm::LlmError::InvalidResponse),
//!   not a larger buffer.
//! - Other 4xx are not retried and come back as
//!   [`LlmError::Rejected`](attendance_core::llm::LlmError::Rejected) with the
//!   server's message, truncated and with the key blanked out. So is a 429
//!   whose code is `insufficient_quota`: waiting does not refill a quota.
//! - A 2xx whose body is not a usable completion (not JSON, no choices, no
//!   content) is [`LlmError::InvalidResponse`](attendance_core::llm::LlmError::InvalidResponse)
//!   and is **not** retried: it is a server bug that a retry tends to repeat,
//!   and the tokens may already be billed. A body cut off in transit is a
//!   transport error and is retried.
//! - Each [`ChatResponse::usage`](attendance_core::llm::ChatResponse::usage)
//!   is that call's; [`OpenAiClient::usage_total`] adds them up per client.
//! - Tracing: an info span `chat` per call (model, base URL, message count,
//!   schema name), debug events per attempt, a warning per retry and per
//!   failed call, an info event with the token counts per completed call.
//!   The key is never logged, nor are prompts or answers; a failure's event
//!   carries the server's error message, truncated.
//! - Credentials never reach logs, `Debug` or error messages: wherever a URL
//!   is printed (the config's and client's `Debug`, [`ConfigError`]s,
//!   reqwest's errors, the span's `base_url`, `describe()`), its user info
//!   and query are `***`; the key, and the user info and query values of
//!   the base URL, are blanked out of whatever the server sends back. The
//!   client built by [`OpenAiClient::new`] follows no redirect, which would
//!   resend the key.
//! - Structured output starts at [`OpenAiConfig::structured_output`] and
//!   degrades: a server that refuses the `response_format` as unsupported
//!   (a 400 or 422, or llama-cpp-python's HTTP 500 validation error) gets
//!   the request again at once in the next weaker [`StructuredOutput`], and
//!   the client keeps that mode ([`OpenAiClient::structured_output`]).
//!   Whatever the server does with it, parse answers with
//!   [`extract_json_object`].
//! - A request the server refuses as malformed (a FastAPI/pydantic
//!   validation error) is not retried, even when it comes with a 5xx: it is
//!   [`LlmError::Rejected`](attendance_core::llm::LlmError::Rejected).

mod attempt;
mod client;
mod config;
mod error;
mod redact;
mod wire;

pub use attendance_core::llm::extract_json_object;
pub use client::{OpenAiClient, http_client_builder};
pub use config::{
    ApiKey, AuthStyle, DEFAULT_BASE_URL, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_MAX_TOKENS,
    DEFAULT_MODEL, ENV_API_KEY, ENV_BASE_URL, ENV_MODEL, ENV_STRUCTURED_OUTPUT, OpenAiConfig,
    StructuredOutput, TokenLimitField,
};
pub use error::ConfigError;
