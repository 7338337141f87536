//! Errors as `application/problem+json` (RFC 9457).
//!
//! Every failure the adapter answers, its own and axum's, is a [`Problem`]:
//! a stable `type` URI from [`types`], a `title` fixed per type, the HTTP
//! `status`, and a `detail` written for a person. Validation problems name
//! the offending fields in `errors`; conflicts carry the current state.
//!
//! Internals never reach the body: backend failures are logged with their
//! whole source chain (inside the request's span, so with its request id)
//! and answered with a generic detail.

use std::error::Error as StdError;
use std::fmt;

use attendance_core::ask::{AskError, RefusalCategory};
use attendance_core::llm::LlmError;
use attendance_core::{Conflict, Error};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::dto::{Absence, CorrectionRequest, Holiday, PeriodLock, Session};

/// The media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// The stable `type` URIs. They identify the kind of problem; clients may
/// switch on them. They are identifiers, not necessarily resolvable.
pub mod types {
    /// 422: a field of the body, path or query string is invalid.
    pub const VALIDATION: &str = "https://attendance.dev/problems/validation";
    /// 400: the body is not well-formed JSON.
    pub const MALFORMED_JSON: &str = "https://attendance.dev/problems/malformed-json";
    /// 400: the request could not be read at all.
    pub const BAD_REQUEST: &str = "https://attendance.dev/problems/bad-request";
    /// 415: the body is not declared as JSON.
    pub const UNSUPPORTED_MEDIA_TYPE: &str =
        "https://attendance.dev/problems/unsupported-media-type";
    /// 413: the body is larger than the configured limit.
    pub const PAYLOAD_TOO_LARGE: &str = "https://attendance.dev/problems/payload-too-large";
    /// 404: no such entity, or no such route.
    pub const NOT_FOUND: &str = "https://attendance.dev/problems/not-found";
    /// 405: the path exists but not with this method (see `Allow`).
    pub const METHOD_NOT_ALLOWED: &str = "https://attendance.dev/problems/method-not-allowed";
    /// 401: no credentials, or credentials that name no one (sent with
    /// `WWW-Authenticate: Bearer`).
    pub const UNAUTHENTICATED: &str = "https://attendance.dev/problems/unauthenticated";
    /// 403: the caller may not do this (the detail says who may).
    pub const FORBIDDEN: &str = "https://attendance.dev/problems/forbidden";
    /// 403: a request authenticated by the web app's session cookie changes
    /// something without the session's CSRF token (`X-CSRF-Token`), or a
    /// sign-in came from another site.
    pub const CSRF: &str = "https://attendance.dev/problems/csrf";
    /// 429: the caller made too many expensive requests (questions,
    /// summaries); retry after `Retry-After` seconds.
    pub const RATE_LIMITED: &str = "https://attendance.dev/problems/rate-limited";
    /// 409: the request contradicts the current state, which the problem carries.
    pub const CONFLICT: &str = "https://attendance.dev/problems/conflict";
    /// 422: the question was refused (by the model or by the SQL guard).
    pub const QUESTION_REFUSED: &str = "https://attendance.dev/problems/question-refused";
    /// 503: the database is unreachable; retry after `Retry-After` seconds.
    pub const UNAVAILABLE: &str = "https://attendance.dev/problems/unavailable";
    /// 503: the request took longer than the server allows; retry later.
    pub const TIMEOUT: &str = "https://attendance.dev/problems/timeout";
    /// 503: no language model is configured.
    pub const LLM_NOT_CONFIGURED: &str = "https://attendance.dev/problems/llm-not-configured";
    /// 502: the language model failed, or kept writing SQL the database rejects.
    pub const LLM_FAILED: &str = "https://attendance.dev/problems/llm-failed";
    /// 504: the language model did not answer in time.
    pub const LLM_TIMEOUT: &str = "https://attendance.dev/problems/llm-timeout";
    /// 500: a failure on our side; the detail says nothing more on purpose.
    pub const INTERNAL: &str = "https://attendance.dev/problems/internal";
}

/// Seconds a client is asked to wait (`Retry-After`) after a 503.
pub const RETRY_AFTER_SECONDS: u32 = 5;

/// One offending input of a validation problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FieldError {
    /// The field as the client spelled it: a body member (`employee_id`),
    /// a query parameter (`limit`) or a path parameter (`id`).
    pub field: String,
    /// What is wrong with it.
    pub detail: String,
}

/// An RFC 9457 problem: the body of every error response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[non_exhaustive]
pub struct Problem {
    /// A URI identifying the kind of problem: one of [`types`], stable.
    #[serde(rename = "type")]
    #[schema(format = "uri", example = "https://attendance.dev/problems/validation")]
    pub type_uri: String,
    /// A short summary of the kind of problem; the same for every occurrence.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong this time, for a person.
    pub detail: String,
    /// The members beyond RFC 9457's, serialized beside the others.
    // Boxed to keep `Result<_, Problem>` small.
    #[serde(flatten)]
    pub extensions: Box<Extensions>,
    /// Sent as `Retry-After` (seconds), not in the body.
    #[serde(skip)]
    retry_after: Option<u32>,
}

/// The members a problem may carry besides `type`, `title`, `status` and
/// `detail`; each is omitted when empty.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[non_exhaustive]
pub struct Extensions {
    /// For validation problems: each offending field.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// For conflicts: which one (`already_clocked_in`, `not_clocked_in`,
    /// `overlap`, `duplicate_team_name`, `holiday_exists`,
    /// `absence_overlap`, `period_locked`, `lock_overlap`, `open_sessions`,
    /// `request_stale`, `request_decided`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conflict: Option<String>,
    /// For `question-refused`: why (`out_of_scope`, `unsafe_query`,
    /// `invalid_query`, `result_too_large`); `detail` is the fixed sentence
    /// of that category, never the model's, the guard's or the parser's
    /// words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refusal: Option<String>,
    /// For `already_clocked_in`: the session that is open now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_session: Option<Session>,
    /// For `overlap`: the existing session the new one would overlap.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub existing_session: Option<Session>,
    /// For `holiday_exists`: the holiday already on that date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub existing_holiday: Option<Holiday>,
    /// For `absence_overlap`: the existing absence the new one would
    /// overlap.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub existing_absence: Option<Absence>,
    /// For `period_locked`: the lock that covers the work date (the first
    /// by id, if several do).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lock: Option<PeriodLock>,
    /// For `lock_overlap`: the standing lock the new one would meet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub existing_lock: Option<PeriodLock>,
    /// For `open_sessions`: the sessions in the period still open, oldest
    /// first (a bounded number of them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_sessions: Option<Vec<Session>>,
    /// For `request_stale`: the session as it is now, no longer as the
    /// requester saw it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_session: Option<Session>,
    /// For `request_decided`: the request as it stands.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<CorrectionRequest>,
}

impl Problem {
    /// A problem of `type_uri` with `status`, `title` and `detail`.
    pub fn new(status: StatusCode, type_uri: &str, title: &str, detail: impl Into<String>) -> Self {
        Self {
            type_uri: type_uri.to_owned(),
            title: title.to_owned(),
            status: status.as_u16(),
            detail: detail.into(),
            extensions: Box::default(),
            retry_after: None,
        }
    }

    /// 422 naming one offending field.
    pub fn validation(field: impl Into<String>, detail: impl Into<String>) -> Self {
        let field = field.into();
        let detail = detail.into();
        let mut problem = Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            types::VALIDATION,
            "The request is not valid",
            format!("invalid {field}: {detail}"),
        );
        problem.extensions.errors.push(FieldError { field, detail });
        problem
    }

    /// 400: the body is not well-formed JSON.
    pub fn malformed_json(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            types::MALFORMED_JSON,
            "The body is not valid JSON",
            detail,
        )
    }

    /// 400: the request could not be read.
    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            types::BAD_REQUEST,
            "Bad request",
            detail,
        )
    }

    /// 415: the body must be sent as `application/json`.
    pub fn unsupported_media_type() -> Self {
        Self::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            types::UNSUPPORTED_MEDIA_TYPE,
            "Unsupported media type",
            "send the body as JSON with the header Content-Type: application/json",
        )
    }

    /// 413: the body exceeds `limit` bytes (when known).
    pub fn payload_too_large(limit: Option<usize>) -> Self {
        let detail = match limit {
            Some(limit) => format!("the body is larger than the limit of {limit} bytes"),
            None => String::from("the body is larger than the server accepts"),
        };
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            types::PAYLOAD_TOO_LARGE,
            "The body is too large",
            detail,
        )
    }

    /// 404 with `detail`.
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, types::NOT_FOUND, "Not found", detail)
    }

    /// 401: the request carries no valid credentials. Sent with
    /// `WWW-Authenticate: Bearer`.
    pub fn unauthenticated() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            types::UNAUTHENTICATED,
            "Unauthenticated",
            "send `Authorization: Bearer <token>` with a valid token",
        )
    }

    /// 403 with `detail` (who may do this).
    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, types::FORBIDDEN, "Forbidden", detail)
    }

    /// 403 `csrf`: a cookie-authenticated write without the session's CSRF
    /// token, or a sign-in from another site.
    pub fn csrf(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            types::CSRF,
            "Cross-site request refused",
            detail,
        )
    }

    /// 429 with `Retry-After`: the caller's rate limit for the expensive
    /// routes is spent; a request will be accepted in `seconds`.
    pub fn rate_limited(seconds: u32) -> Self {
        Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            types::RATE_LIMITED,
            "Too many requests",
            format!(
                "the limit of questions and summaries per minute is reached; \
                 try again in {seconds} s"
            ),
        )
        .with_retry_after(seconds)
    }

    /// 405: `method` is not served on this path; axum adds `Allow`.
    pub fn method_not_allowed(method: &str) -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            types::METHOD_NOT_ALLOWED,
            "Method not allowed",
            format!(
                "this path does not accept {method}; the Allow header lists the methods it does"
            ),
        )
    }

    /// 503 with `Retry-After`: the backend cannot be reached.
    pub fn unavailable(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            types::UNAVAILABLE,
            "Service unavailable",
            detail,
        )
        .with_retry_after(RETRY_AFTER_SECONDS)
    }

    /// 503 with `Retry-After`: the request ran out of time.
    pub fn timeout(limit: std::time::Duration) -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            types::TIMEOUT,
            "The request took too long",
            format!(
                "the server gave up after {} ms; try again later",
                limit.as_millis()
            ),
        )
        .with_retry_after(RETRY_AFTER_SECONDS)
    }

    /// 500 with a generic detail. Log the cause before answering this.
    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            types::INTERNAL,
            "Internal server error",
            "the server failed to handle the request; it has been logged",
        )
    }

    /// 503: no language model is configured on this server.
    pub fn llm_not_configured() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            types::LLM_NOT_CONFIGURED,
            "The LLM is not configured",
            "the LLM is not configured on this server, so questions cannot be answered; \
             summaries still work (written by a template)",
        )
    }

    /// 502: the language model failed; `detail` says how, without its text.
    pub fn llm_failed(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_GATEWAY,
            types::LLM_FAILED,
            "The LLM failed",
            detail,
        )
    }

    /// 504: the language model did not answer in time.
    pub fn llm_timeout() -> Self {
        Self::new(
            StatusCode::GATEWAY_TIMEOUT,
            types::LLM_TIMEOUT,
            "The LLM timed out",
            "the language model did not answer in time; try again later",
        )
    }

    /// 422: the question was refused. Only the fixed sentence and the
    /// category go out, never the model's words or a database's.
    pub fn question_refused(category: RefusalCategory) -> Self {
        let mut problem = Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            types::QUESTION_REFUSED,
            "The question was refused",
            category.message(),
        );
        problem.extensions.refusal = Some(category.as_str().to_owned());
        problem
    }

    /// A generic problem for a bare error status (a response some layer
    /// produced without a body), keeping the status.
    pub fn for_status(status: StatusCode) -> Self {
        match status {
            StatusCode::NOT_FOUND => Self::not_found("there is nothing at this path"),
            StatusCode::PAYLOAD_TOO_LARGE => Self::payload_too_large(None),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => Self::unsupported_media_type(),
            StatusCode::SERVICE_UNAVAILABLE => {
                Self::unavailable("the service is temporarily unavailable; try again later")
            }
            StatusCode::REQUEST_TIMEOUT | StatusCode::GATEWAY_TIMEOUT => {
                Self::timeout(std::time::Duration::ZERO)
            }
            StatusCode::METHOD_NOT_ALLOWED => Self::new(
                status,
                types::METHOD_NOT_ALLOWED,
                "Method not allowed",
                "this path does not accept this method; the Allow header lists the methods it does",
            ),
            s if s.is_server_error() => Self::internal(),
            s => Self::new(
                s,
                types::BAD_REQUEST,
                s.canonical_reason().unwrap_or("Bad request"),
                "the request was rejected",
            ),
        }
    }

    /// Asks the client to wait `seconds` before retrying.
    pub fn with_retry_after(mut self, seconds: u32) -> Self {
        self.retry_after = Some(seconds);
        self
    }

    /// The `Retry-After` seconds this problem is sent with, if any.
    pub fn retry_after(&self) -> Option<u32> {
        self.retry_after
    }

    /// The HTTP status.
    pub fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.status, self.title, self.detail)
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = self.status_code();
        let retry_after = self.retry_after;
        let body = serde_json::to_vec(&self).unwrap_or_else(|_| {
            // Serializing strings and numbers cannot fail; keep a body anyway.
            br#"{"type":"https://attendance.dev/problems/internal","title":"Internal server error","status":500,"detail":"the server failed to handle the request"}"#.to_vec()
        });
        let mut response = (status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if let Some(seconds) = retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        if status == StatusCode::UNAUTHORIZED {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"attendance\""),
            );
        }
        response
    }
}

/// The error and its sources, joined with `": "`, for logs.
pub(crate) fn chain(err: &(dyn StdError + 'static)) -> String {
    let mut out = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        out.push_str(": ");
        out.push_str(&cause.to_string());
        source = cause.source();
    }
    out
}

impl From<Error> for Problem {
    fn from(err: Error) -> Self {
        match err {
            Error::Validation { field, reason } => Self::validation(field, reason),
            Error::NotFound { .. } => Self::not_found(err.to_string()),
            Error::Forbidden { .. } => Self::forbidden(err.to_string()),
            Error::Conflict(conflict) => conflict.into(),
            Error::Unavailable { .. } => {
                tracing::warn!(error = %chain(&err), "the store is unavailable");
                Self::unavailable("the database cannot be reached right now; try again shortly")
            }
            other => {
                tracing::error!(error = %chain(&other), "the store failed");
                Self::internal()
            }
        }
    }
}

impl From<AskError> for Problem {
    fn from(err: AskError) -> Self {
        match err {
            AskError::InvalidQuestion { reason } => Self::validation("question", reason),
            AskError::Refused { category } => Self::question_refused(category),
            AskError::Llm(LlmError::NotConfigured { .. }) => Self::llm_not_configured(),
            AskError::Llm(err) if err.is_timeout() => {
                tracing::warn!(error = %chain(&err), "the language model timed out");
                Self::llm_timeout()
            }
            AskError::Llm(LlmError::RateLimited { retry_after, .. }) => {
                tracing::warn!("the language model is rate limited");
                let problem =
                    Self::llm_failed("the language model is rate limited; try again later");
                match retry_after.and_then(|d| u32::try_from(d.as_secs().max(1)).ok()) {
                    Some(seconds) => problem.with_retry_after(seconds),
                    None => problem,
                }
            }
            AskError::Llm(err) => {
                // The provider's message stays in the logs: it can quote
                // keys, quotas or internal hosts.
                tracing::warn!(error = %chain(&err), "the language model failed");
                Self::llm_failed("the language model failed to answer; try again later")
            }
            AskError::QueryFailed { attempts } => Self::llm_failed(format!(
                "the language model wrote no query the database could run in {attempts} \
                 attempt(s); try rephrasing the question"
            )),
            AskError::Unavailable { .. } => {
                tracing::warn!(error = %chain(&err), "the database is unavailable");
                Self::unavailable("the database cannot be reached right now; try again shortly")
            }
            other => {
                tracing::error!(error = %chain(&other), "answering a question failed");
                Self::internal()
            }
        }
    }
}

impl From<Conflict> for Problem {
    fn from(conflict: Conflict) -> Self {
        let mut problem = Self::new(
            StatusCode::CONFLICT,
            types::CONFLICT,
            "Conflict with the current state",
            conflict.to_string(),
        );
        let kind = match conflict {
            Conflict::AlreadyClockedIn { open } => {
                problem.extensions.open_session = Some(Session::from(*open));
                "already_clocked_in"
            }
            Conflict::NotClockedIn { .. } => "not_clocked_in",
            Conflict::Overlap { existing } => {
                problem.extensions.existing_session = Some(Session::from(*existing));
                "overlap"
            }
            Conflict::DuplicateTeamName { .. } => "duplicate_team_name",
            Conflict::HolidayExists { existing } => {
                problem.extensions.existing_holiday = Some(Holiday::from(*existing));
                "holiday_exists"
            }
            Conflict::AbsenceOverlap { existing } => {
                problem.extensions.existing_absence = Some(Absence::from(*existing));
                "absence_overlap"
            }
            Conflict::PeriodLocked { lock } => {
                problem.extensions.lock = Some(PeriodLock::from(*lock));
                "period_locked"
            }
            Conflict::LockOverlap { existing } => {
                problem.extensions.existing_lock = Some(PeriodLock::from(*existing));
                "lock_overlap"
            }
            Conflict::OpenSessions { sessions } => {
                problem.extensions.open_sessions =
                    Some(sessions.into_iter().map(Session::from).collect());
                "open_sessions"
            }
            Conflict::RequestStale { current } => {
                problem.extensions.current_session = Some(Session::from(*current));
                "request_stale"
            }
            Conflict::RequestDecided { request } => {
                problem.extensions.request = Some(CorrectionRequest::from(*request));
                "request_decided"
            }
            _ => "conflict",
        };
        problem.extensions.conflict = Some(kind.to_owned());
        problem
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_errors_say_nothing_of_their_cause() {
        let err = Error::backend(std::io::Error::other(
            "relation \"attendance.sessions\" does not exist",
        ));
        let problem = Problem::from(err);
        assert_eq!(problem.status, 500);
        let body = serde_json::to_string(&problem).unwrap();
        assert!(!body.contains("relation"), "{body}");
        assert!(!body.contains("sessions"), "{body}");
    }

    #[test]
    fn unavailable_asks_to_retry() {
        let problem = Problem::from(Error::unavailable(std::io::Error::other("refused")));
        assert_eq!(problem.status, 503);
        assert_eq!(problem.retry_after(), Some(RETRY_AFTER_SECONDS));
        let response = problem.into_response();
        assert_eq!(response.headers()[header::RETRY_AFTER], "5");
        assert_eq!(response.headers()[header::CONTENT_TYPE], PROBLEM_JSON);
    }

    #[test]
    fn validation_names_the_field() {
        let problem = Problem::from(Error::validation("name", "must not be empty"));
        assert_eq!(problem.status, 422);
        assert_eq!(problem.extensions.errors[0].field, "name");
        assert_eq!(problem.detail, "invalid name: must not be empty");
    }

    #[test]
    fn chain_joins_sources() {
        let err = Error::backend(std::io::Error::other("disk"));
        assert_eq!(chain(&err), "the store failed: disk");
    }
}
