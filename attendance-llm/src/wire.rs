//! The Chat Completions wire format: only the fields this crate sends or reads.

use attendance_core::llm::{ChatMessage, ChatRequest, ChatResponse, TokenUsage};
use serde::{Deserialize, Serialize};

use crate::config::{OpenAiConfig, StructuredOutput, TokenLimitField};
use crate::redact::Secrets;

/// Longest server message kept in an error, in characters.
const MAX_MESSAGE_CHARS: usize = 300;

#[derive(Debug, Serialize)]
pub(crate) struct WireRequest<'a> {
    model: &'a str,
    messages: &'a [ChatMessage],
    #[serde(skip_serializing_if = "Option::is_none")]
    temperature: Option<f32>,
    // Always one of the two: an unbounded answer costs time and tokens.
    #[serde(skip_serializing_if = "Option::is_none")]
    max_tokens: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_completion_tokens: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    response_format: Option<ResponseFormat<'a>>,
}

#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum ResponseFormat<'a> {
    JsonSchema { json_schema: WireSchema<'a> },
    // OpenAI ignores the schema here; llama.cpp's servers turn it into a
    // grammar, which is the only constraint a server without `json_schema`
    // puts on a small model's output.
    JsonObject { schema: &'a serde_json::Value },
}

#[derive(Debug, Serialize)]
struct WireSchema<'a> {
    name: &'a str,
    schema: &'a serde_json::Value,
    strict: bool,
}

impl<'a> WireRequest<'a> {
    /// The request as sent, asking for structured output in `mode` when
    /// the request carries a JSON schema.
    pub(crate) fn new(
        config: &'a OpenAiConfig,
        request: &'a ChatRequest,
        mode: StructuredOutput,
    ) -> Self {
        let response_format = request.json_schema.as_ref().and_then(|schema| match mode {
            StructuredOutput::JsonSchema => Some(ResponseFormat::JsonSchema {
                json_schema: WireSchema {
                    name: &schema.name,
                    schema: &schema.schema,
                    strict: true,
                },
            }),
            StructuredOutput::JsonObject => Some(ResponseFormat::JsonObject {
                schema: &schema.schema,
            }),
            StructuredOutput::Off => None,
        });
        let limit = request.max_tokens.unwrap_or(config.max_tokens());
        let (max_tokens, max_completion_tokens) = match config.token_limit_field() {
            TokenLimitField::MaxTokens => (Some(limit), None),
            TokenLimitField::MaxCompletionTokens => (None, Some(limit)),
        };
        Self {
            model: config.model(),
            messages: &request.messages,
            temperature: request.temperature.or(config.temperature()),
            max_tokens,
            max_completion_tokens,
            response_format,
        }
    }
}

#[derive(Debug, Deserialize)]
struct WireResponse {
    #[serde(default)]
    choices: Vec<WireChoice>,
    #[serde(default)]
    usage: Option<WireUsage>,
    #[serde(default)]
    error: Option<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
struct WireChoice {
    #[serde(default)]
    message: Option<WireMessage>,
    #[serde(default)]
    finish_reason: Option<String>,
}

#[derive(Debug, Deserialize)]
struct WireMessage {
    #[serde(default)]
    content: Option<String>,
    #[serde(default)]
    refusal: Option<String>,
}

#[derive(Debug, Deserialize)]
struct WireUsage {
    #[serde(default)]
    prompt_tokens: Option<u64>,
    #[serde(default)]
    completion_tokens: Option<u64>,
    #[serde(default)]
    total_tokens: Option<u64>,
}

impl From<WireUsage> for TokenUsage {
    fn from(usage: WireUsage) -> Self {
        let prompt_tokens = usage.prompt_tokens.unwrap_or(0);
        let completion_tokens = usage.completion_tokens.unwrap_or(0);
        Self {
            prompt_tokens,
            completion_tokens,
            total_tokens: usage
                .total_tokens
                .unwrap_or(prompt_tokens + completion_tokens),
        }
    }
}

/// A 2xx body that is not a usable completion.
#[derive(Debug)]
pub(crate) struct Unusable {
    /// What is wrong with it.
    pub(crate) reason: String,
    /// Tokens the server reported anyway: they are billed all the same.
    pub(crate) usage: TokenUsage,
}

/// Parses a 2xx body into a response, or says why it is unusable.
pub(crate) fn parse_completion(body: &[u8], secrets: &Secrets) -> Result<ChatResponse, Unusable> {
    let wire: WireResponse = serde_json::from_slice(body).map_err(|err| Unusable {
        reason: format!(
            "the body is not a chat completion ({err}): {:?}",
            excerpt(&secrets.redact(&String::from_utf8_lossy(body)), 120)
        ),
        usage: TokenUsage::default(),
    })?;
    let usage = wire.usage.map(TokenUsage::from).unwrap_or_default();
    let unusable = |reason: String| Unusable { reason, usage };
    let Some(choice) = wire.choices.into_iter().next() else {
        let detail = wire
            .error
            .as_ref()
            .and_then(error_text)
            .map(|message| format!(" (server error: {})", clean(&message, secrets)))
            .unwrap_or_default();
        return Err(unusable(format!("the response has no choices{detail}")));
    };
    let message = choice
        .message
        .ok_or_else(|| unusable(String::from("the first choice has no message")))?;
    match (message.content, message.refusal) {
        (Some(text), _) => Ok(ChatResponse {
            text,
            finish_reason: choice.finish_reason,
            usage,
        }),
        (None, Some(refusal)) => Err(unusable(format!(
            "the model refused: {}",
            clean(&refusal, secrets)
        ))),
        (None, None) => Err(unusable(String::from(
            "the first choice's message has no content",
        ))),
    }
}

/// What a server said in an error body: OpenAI's `{"error":{"message"}}`, and
/// the shapes local servers use (`{"error":"…"}`, `{"message"}`, `{"detail"}`),
/// else the body itself; redacted and truncated.
pub(crate) fn error_message(body: &[u8], secrets: &Secrets) -> String {
    let text = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|value| error_text(&value))
        .unwrap_or_else(|| String::from_utf8_lossy(body).trim().to_owned());
    clean(&text, secrets)
}

/// OpenAI's machine-readable error code (`"insufficient_quota"`…), if any.
pub(crate) fn error_code(body: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    value.get("error")?.get("code")?.as_str().map(str::to_owned)
}

fn error_text(value: &serde_json::Value) -> Option<String> {
    let error = value.get("error").unwrap_or(value);
    if let Some(text) = error.as_str() {
        return Some(text.to_owned());
    }
    ["message", "detail"]
        .iter()
        .find_map(|field| error.get(field).and_then(serde_json::Value::as_str))
        .map(str::to_owned)
        .or_else(|| validation_errors(value))
}

/// A FastAPI/pydantic validation error (`{"detail": [{"loc": [...], "msg":
/// "..."}]}`, which llama-cpp-python's server sends with HTTP 500) as
/// `body.response_format.type: Input should be ...; ...`; `None` for any
/// other shape.
fn validation_errors(value: &serde_json::Value) -> Option<String> {
    let items = value.get("detail")?.as_array()?;
    let lines: Vec<String> = items
        .iter()
        .filter_map(|item| {
            let msg = item.get("msg")?.as_str()?;
            let loc: Vec<String> = item
                .get("loc")
                .and_then(serde_json::Value::as_array)
                .map(|parts| {
                    parts
                        .iter()
                        .map(|p| match p {
                            serde_json::Value::String(s) => s.clone(),
                            other => other.to_string(),
                        })
                        .collect()
                })
                .unwrap_or_default();
            Some(if loc.is_empty() {
                msg.to_owned()
            } else {
                format!("{}: {msg}", loc.join("."))
            })
        })
        .collect();
    (!lines.is_empty()).then(|| lines.join("; "))
}

/// Whether an error body says the request itself is malformed: a
/// FastAPI/pydantic validation error, whatever the status it came with.
/// Sending the same bytes again cannot help.
pub(crate) fn is_validation_error(body: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|value| validation_errors(&value))
        .is_some()
}

/// Words with which servers say they do not take a field or a value.
const UNSUPPORTED: &[&str] = &[
    "not supported",
    "unsupported",
    "does not support",
    "doesn't support",
    "input should be",
    "unknown",
    "unrecognized",
    "unrecognised",
    "not permitted",
    "not allowed",
    "extra inputs",
    "invalid value",
    "must be one of",
];

/// Whether an error body says the server does not take the
/// `response_format` it was sent (as opposed to, say, a schema it found
/// invalid): it names `response_format`, `json_schema` or `json_object`
/// and says it is unsupported, unknown or not one of the allowed values.
pub(crate) fn rejects_response_format(body: &[u8]) -> bool {
    let text = String::from_utf8_lossy(body).to_lowercase();
    let names_it = ["response_format", "json_schema", "json_object"]
        .iter()
        .any(|name| text.contains(name));
    names_it && UNSUPPORTED.iter().any(|phrase| text.contains(phrase))
}

/// Servers echo keys and URLs back (OpenAI masks most of a key, a proxy
/// may not).
fn clean(text: &str, secrets: &Secrets) -> String {
    excerpt(&secrets.redact(text), MAX_MESSAGE_CHARS)
}

fn excerpt(text: &str, max: usize) -> String {
    let mut out: String = text.chars().take(max).collect();
    if text.chars().nth(max).is_some() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_shapes_of_several_servers() {
        let secrets = Secrets::new(Some("sk-secret"), "http://localhost/v1");
        let cases: [(&[u8], &str); 5] = [
            (
                br#"{"error":{"message":"bad key sk-secret","type":"invalid_request_error"}}"#,
                "bad key ***",
            ),
            (br#"{"error":"model 'x' not found"}"#, "model 'x' not found"),
            (br#"{"object":"error","message":"too long"}"#, "too long"),
            (br#"{"detail":"Not Found"}"#, "Not Found"),
            (b"  upstream connect error  ", "upstream connect error"),
        ];
        for (body, expected) in cases {
            assert_eq!(error_message(body, &secrets), expected);
        }
    }

    /// The error bodies of servers that do not take `json_schema`, and of
    /// one that found the schema itself invalid (not a reason to degrade).
    #[test]
    fn response_format_rejections_are_told_apart() {
        let llama_cpp_python = br#"{"detail":[{"type":"literal_error","loc":["body","response_format","type"],"msg":"Input should be 'text' or 'json_object'","input":"json_schema","ctx":{"expected":"'text' or 'json_object'"}}]}"#;
        assert!(rejects_response_format(llama_cpp_python));
        assert!(is_validation_error(llama_cpp_python));
        assert_eq!(
            error_message(llama_cpp_python, &Secrets::default()),
            "body.response_format.type: Input should be 'text' or 'json_object'"
        );
        for body in [
            &br#"{"error":{"message":"response_format not supported"}}"#[..],
            br#"{"error":"Unrecognized request argument supplied: response_format"}"#,
            br#"{"object":"error","message":"json_schema is not supported by this backend"}"#,
        ] {
            assert!(
                rejects_response_format(body),
                "{}",
                String::from_utf8_lossy(body)
            );
            assert!(!is_validation_error(body));
        }
        for body in [
            &br#"{"error":{"message":"Invalid schema for response_format 'sql_answer'","param":"response_format"}}"#[..],
            br#"{"error":{"message":"model not supported"}}"#,
            b"upstream connect error",
        ] {
            assert!(
                !rejects_response_format(body),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
    }

    #[test]
    fn long_messages_are_truncated() {
        let body = format!(r#"{{"error":{{"message":"{}"}}}}"#, "x".repeat(5000));
        let message = error_message(body.as_bytes(), &Secrets::default());
        assert_eq!(message.chars().count(), MAX_MESSAGE_CHARS + 1);
        assert!(message.ends_with('…'));
    }

    #[test]
    fn usage_total_is_derived_when_missing() {
        let body = br#"{"choices":[{"message":{"content":"hi"}}],"usage":{"prompt_tokens":3,"completion_tokens":4}}"#;
        let response = parse_completion(body, &Secrets::default()).unwrap();
        assert_eq!(response.usage.total_tokens, 7);
        assert_eq!(response.finish_reason, None);
    }

    #[test]
    fn refusal_and_missing_content_are_unusable() {
        let refusal = br#"{"choices":[{"message":{"content":null,"refusal":"no"}}]}"#;
        assert!(
            parse_completion(refusal, &Secrets::default())
                .unwrap_err()
                .reason
                .contains("refused")
        );
        let empty = br#"{"choices":[{"message":{"role":"assistant"}}]}"#;
        assert!(
            parse_completion(empty, &Secrets::default())
                .unwrap_err()
                .reason
                .contains("no content")
        );
    }
}
