//! The layers every route runs in: request ids, a tracing span, panics and
//! time-outs turned into problems, and a last pass that gives any bare
//! error response a problem body.

use std::any::Any;
use std::time::Duration;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderName, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::problem::{PROBLEM_JSON, Problem};

/// The request-id header, read from the client or generated, and echoed.
pub(crate) const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Answers a 503 problem when the inner service takes longer than `limit`.
/// Dropping the inner future cancels its work (a database transaction that
/// was not committed is rolled back).
pub(crate) async fn enforce_timeout(
    State(limit): State<Duration>,
    request: Request,
    next: Next,
) -> Response {
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(limit_ms = limit.as_millis() as u64, "request timed out");
            Problem::timeout(limit).into_response()
        }
    }
}

/// Turns an error response without a problem body (axum's bare 405, a
/// layer's 413, …) into one, keeping its status and headers.
pub(crate) async fn ensure_problem(response: Response) -> Response {
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with(PROBLEM_JSON));
    if is_problem {
        return response;
    }
    let (mut parts, _) = response.into_parts();
    let (problem_parts, body) = Problem::for_status(status).into_response().into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    for (name, value) in &problem_parts.headers {
        if name == header::CONTENT_TYPE || !parts.headers.contains_key(name) {
            parts.headers.insert(name.clone(), value.clone());
        }
    }
    Response::from_parts(parts, body)
}

/// The response to a panic in a handler: logged with its message, answered
/// with a generic 500 problem.
pub(crate) fn panic_response(panic: Box<dyn Any + Send + 'static>) -> Response {
    let message = panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| String::from("(no message)"));
    tracing::error!(panic = %message, "a handler panicked");
    Problem::internal().into_response()
}

/// The span of one request: method, path, matched route and request id.
pub(crate) fn request_span(request: &Request) -> tracing::Span {
    let request_id = request
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(MatchedPath::as_str)
        .unwrap_or("");
    tracing::info_span!(
        "request",
        method = %request.method(),
        path = %request.uri().path(),
        route,
        request_id,
    )
}

#[cfg(test)]
mod tests {
    use axum::http::{HeaderValue, StatusCode};

    use super::*;

    #[tokio::test]
    async fn bare_error_responses_become_problems_keeping_status_and_headers() {
        let mut bare = (StatusCode::METHOD_NOT_ALLOWED, "nope").into_response();
        bare.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET"));
        let response = ensure_problem(bare).await;
        assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(response.headers()[header::CONTENT_TYPE], PROBLEM_JSON);
        assert_eq!(response.headers()[header::ALLOW], "GET");
        let body = axum::body::to_bytes(response.into_body(), 1 << 16)
            .await
            .unwrap();
        let problem: Problem = serde_json::from_slice(&body).unwrap();
        assert_eq!(problem.status, 405);
        assert!(!problem.detail.contains("nope"));

        let bare = StatusCode::SERVICE_UNAVAILABLE.into_response();
        let response = ensure_problem(bare).await;
        assert_eq!(response.headers()[header::RETRY_AFTER], "5");

        let fine = (StatusCode::OK, "ok").into_response();
        let response = ensure_problem(fine).await;
        assert_eq!(
            response.headers()[header::CONTENT_TYPE],
            "text/plain; charset=utf-8"
        );
    }

    #[test]
    fn panics_become_generic_500_problems() {
        let response = panic_response(Box::new("secret detail"));
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(response.headers()[header::CONTENT_TYPE], PROBLEM_JSON);
    }
}
