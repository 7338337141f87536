//! One HTTP attempt's failure, what it means (retry, fall back to a weaker
//! response format, or give up) and the error it becomes once retries are
//! over; the client (`client.rs`) drives the attempts.

use std::fmt;
use std::time::Duration;

use attendance_core::llm::LlmError;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use crate::redact::redact_reqwest;
use crate::wire::Unusable;

/// Why one attempt failed; becomes an [`LlmError`] once retries are over.
#[derive(Debug)]
pub(crate) enum Attempt {
    Timeout,
    /// Could not connect, or the connection broke.
    Transport(reqwest::Error),
    /// A request that cannot be sent at all; retrying will not help.
    Unsendable(reqwest::Error),
    Status {
        status: StatusCode,
        retry_after: Option<Duration>,
        code: Option<String>,
        message: String,
    },
    /// The server refused the request as malformed (a validation error, or
    /// a `response_format` it does not take), even with a 5xx: never
    /// retried as it is.
    Malformed {
        status: StatusCode,
        message: String,
        /// Whether it was the `response_format` that the server refused.
        response_format: bool,
    },
    /// A 2xx that is not a usable completion: a server bug, and the tokens
    /// may already be billed, so it is not retried.
    Invalid(Unusable),
    /// A 2xx body larger than the configured limit; not retried either.
    TooLarge {
        limit: usize,
    },
}

impl Attempt {
    pub(crate) fn from_reqwest(err: reqwest::Error) -> Self {
        // reqwest prints the URL, whose user info or query may hold a key.
        let err = redact_reqwest(err);
        if err.is_timeout() {
            Self::Timeout
        } else if err.is_builder() {
            Self::Unsendable(err)
        } else {
            Self::Transport(err)
        }
    }

    pub(crate) fn is_retryable(&self) -> bool {
        match self {
            Self::Timeout | Self::Transport(_) => true,
            Self::Status { status, code, .. } => {
                retryable_status(*status) && code.as_deref() != Some(QUOTA_EXHAUSTED)
            }
            Self::Unsendable(_)
            | Self::Malformed { .. }
            | Self::Invalid(_)
            | Self::TooLarge { .. } => false,
        }
    }

    pub(crate) fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    pub(crate) fn into_llm_error(self, attempts: u32) -> LlmError {
        match self {
            Self::Timeout => LlmError::Timeout { attempts },
            Self::Transport(source) | Self::Unsendable(source) => LlmError::Transport {
                attempts,
                source: Box::new(source),
            },
            Self::Status {
                status,
                retry_after,
                code,
                message,
            } => {
                let quota_exhausted = code.as_deref() == Some(QUOTA_EXHAUSTED);
                if !retryable_status(status) || quota_exhausted {
                    LlmError::Rejected {
                        status: status.as_u16(),
                        message,
                    }
                } else if status == StatusCode::TOO_MANY_REQUESTS {
                    LlmError::RateLimited {
                        attempts,
                        retry_after,
                    }
                } else {
                    LlmError::Server {
                        status: status.as_u16(),
                        attempts,
                    }
                }
            }
            Self::Malformed {
                status, message, ..
            } => LlmError::Rejected {
                status: status.as_u16(),
                message,
            },
            Self::Invalid(unusable) => LlmError::InvalidResponse {
                reason: unusable.reason,
            },
            Self::TooLarge { limit } => LlmError::InvalidResponse {
                reason: too_large(limit),
            },
        }
    }
}

impl fmt::Display for Attempt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Timeout => f.write_str("timed out"),
            Self::Transport(err) | Self::Unsendable(err) => write!(f, "transport: {err}"),
            Self::Status {
                status, message, ..
            }
            | Self::Malformed {
                status, message, ..
            } => write!(f, "HTTP {status}: {message}"),
            Self::Invalid(unusable) => write!(f, "unusable response: {}", unusable.reason),
            Self::TooLarge { limit } => f.write_str(&too_large(*limit)),
        }
    }
}

pub(crate) fn too_large(limit: usize) -> String {
    format!("the response body is larger than the limit of {limit} bytes")
}

/// The wait before the next attempt: the backoff's, or longer if the server
/// asked for longer (cut to `cap`). `None` means the retries are used up,
/// whatever the server asked.
pub(crate) fn next_delay(
    backoff: Option<Duration>,
    asked: Option<Duration>,
    cap: Duration,
) -> Option<Duration> {
    backoff.map(|delay| match asked {
        Some(asked) => delay.max(asked.min(cap)),
        None => delay,
    })
}

/// Statuses with which servers refuse a request they find malformed: 400
/// and 422 as they should, most other 4xx, and the 500 (or 501) that some
/// (llama-cpp-python's server) send with a validation error. The body
/// decides; 401, 403, 404, 408, 409, 429 and 502–504 mean something else.
pub(crate) fn may_be_malformed(status: StatusCode) -> bool {
    matches!(status.as_u16(), 500 | 501)
        || (status.is_client_error()
            && !matches!(status.as_u16(), 401 | 403 | 404 | 408 | 409 | 429))
}

/// OpenAI's 429 code for a used-up quota or billing limit: waiting does not help.
pub(crate) const QUOTA_EXHAUSTED: &str = "insufficient_quota";

pub(crate) fn retryable_status(status: StatusCode) -> bool {
    matches!(
        status,
        StatusCode::REQUEST_TIMEOUT | StatusCode::CONFLICT | StatusCode::TOO_MANY_REQUESTS
    ) || status.is_server_error()
}

/// The delay a server asked for: `retry-after-ms` (Azure, OpenAI) or
/// `Retry-After` in seconds. The HTTP-date form is ignored (backoff applies).
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let parse = |name: &str, unit: f64| {
        let seconds = headers
            .get(name)?
            .to_str()
            .ok()?
            .trim()
            .parse::<f64>()
            .ok()?
            / unit;
        Duration::try_from_secs_f64(seconds).ok()
    };
    parse("retry-after-ms", 1000.0).or_else(|| parse("retry-after", 1.0))
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderValue;

    use super::*;

    #[test]
    fn retry_after_reads_seconds_and_milliseconds() {
        let mut headers = HeaderMap::new();
        assert_eq!(retry_after(&headers), None);
        headers.insert("retry-after", HeaderValue::from_static("2"));
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(2)));
        headers.insert("retry-after-ms", HeaderValue::from_static("1500"));
        assert_eq!(retry_after(&headers), Some(Duration::from_millis(1500)));
        let mut dated = HeaderMap::new();
        dated.insert(
            "retry-after",
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(retry_after(&dated), None);
        dated.insert("retry-after", HeaderValue::from_static("-1"));
        assert_eq!(retry_after(&dated), None);
    }

    #[test]
    fn retry_after_lengthens_the_backoff_within_the_cap() {
        let ms = Duration::from_millis;
        let cap = Duration::from_secs(30);
        assert_eq!(next_delay(Some(ms(10)), None, cap), Some(ms(10)));
        assert_eq!(
            next_delay(Some(ms(10)), Some(ms(1000)), cap),
            Some(ms(1000))
        );
        assert_eq!(
            next_delay(Some(ms(5000)), Some(ms(1000)), cap),
            Some(ms(5000))
        );
        assert_eq!(next_delay(Some(ms(10)), Some(ms(120_000)), cap), Some(cap));
        assert_eq!(next_delay(None, Some(ms(1000)), cap), None);
    }

    #[test]
    fn retry_policy_by_status() {
        let status = |code: u16, quota: bool| Attempt::Status {
            status: StatusCode::from_u16(code).unwrap(),
            retry_after: None,
            code: quota.then(|| String::from("insufficient_quota")),
            message: String::new(),
        };
        for code in [408, 409, 429, 500, 502, 503, 504] {
            assert!(status(code, false).is_retryable(), "{code}");
        }
        for code in [400, 401, 403, 404, 413, 422] {
            assert!(!status(code, false).is_retryable(), "{code}");
        }
        assert!(!status(429, true).is_retryable());
        assert!(matches!(
            status(429, true).into_llm_error(1),
            LlmError::Rejected { status: 429, .. }
        ));
    }
}
