//! What runs around every request, written as two tower layers:
//!
//! - [`EnvelopeLayer`], public, on every route and on the fallbacks: takes
//!   the client's `x-request-id` or makes one, opens the request's tracing
//!   span, turns a panic into a 500 problem, gives any bare error response
//!   a problem body, echoes the request id and logs the outcome.
//!   [`crate::router_with`] adds it; a host that prefers its own stack
//!   starts from [`crate::router_without_envelope`] instead (the crate
//!   documentation shows the tower-http equivalent).
//! - [`DeadlineLayer`], inside it on each route: answers a 503 problem when
//!   the route runs out of time (routes that call a language model get a
//!   longer budget than the rest, which is why it sits on the route).
//!
//! They do in one pass, with one allocation each, what tower-http's
//! request-id, trace and catch-panic layers plus a `map_response` and a
//! `from_fn` time-out did before; why, and what it saved, is in
//! `docs/PERFORMANCE.md`. The router tests pin every behaviour: ids echoed
//! or generated, panics in a handler, time-outs, problem bodies for bare
//! errors.

use std::any::Any;
use std::convert::Infallible;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderName, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use tower::{Layer, Service};

use crate::problem::{PROBLEM_JSON, Problem};

/// The request-id header, read from the client or generated, and echoed.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The layer [`crate::router_with`] puts around every route and fallback.
///
/// For each request it takes the client's `x-request-id` when
/// [`is_safe_request_id`] accepts it (otherwise, or when there is none, it
/// makes a UUID and puts it on the request), opens a `tracing` span named `request`
/// (method, path, matched route, request id), answers a panic with a 500
/// [`Problem`] (the message is logged), gives any error response without a
/// problem body one ([`ensure_problem`]), echoes the request id and logs
/// status and latency.
///
/// Apply it with `Router::layer` so that it runs after routing and can name
/// the matched route:
///
/// ```
/// # fn demo(services: attendance_http::Services) -> axum::Router {
/// use attendance_http::{EnvelopeLayer, HttpConfig};
///
/// attendance_http::router_without_envelope(services, &HttpConfig::default())
///     // the host's own layers, inside the envelope …
///     .layer(EnvelopeLayer)
/// # }
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct EnvelopeLayer;

impl<S> Layer<S> for EnvelopeLayer {
    type Service = Envelope<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Envelope { inner }
    }
}

/// The service [`EnvelopeLayer`] makes.
#[derive(Debug, Clone)]
pub struct Envelope<S> {
    inner: S,
}

impl<S> Service<Request> for Envelope<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = EnvelopeFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request) -> Self::Future {
        let started = Instant::now();
        let request_id = match request.headers().get(REQUEST_ID) {
            Some(id) if is_safe_request_id(id) => id.clone(),
            _ => {
                // Replaced, not only for the echo: the routes, the host's
                // layers and the logs all see the id we vouch for.
                let id = new_request_id();
                request.headers_mut().insert(REQUEST_ID, id.clone());
                id
            }
        };
        let span = request_span(&request, &request_id);
        let state = {
            let _entered = span.enter();
            match catch_unwind(AssertUnwindSafe(|| self.inner.call(request))) {
                Ok(future) => Running::Inner(Box::pin(future)),
                Err(panic) => Running::Done(Some(panic_response(panic))),
            }
        };
        EnvelopeFuture {
            state,
            span,
            request_id,
            started,
        }
    }
}

/// Longest client-chosen request id that is kept (a UUID is 36).
pub const MAX_REQUEST_ID_LEN: usize = 64;

/// Whether a client's `x-request-id` may be echoed and logged as sent: 1 to
/// [`MAX_REQUEST_ID_LEN`] bytes of ASCII letters, digits and `-_.:`, so it
/// can neither flood a log line nor carry quotes, separators or escapes
/// into one. Anything else is replaced by a generated id.
pub fn is_safe_request_id(id: &HeaderValue) -> bool {
    let bytes = id.as_bytes();
    (1..=MAX_REQUEST_ID_LEN).contains(&bytes.len())
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

/// Removes an `x-request-id` that [`is_safe_request_id`] refuses, so that
/// a host's own request-id layer (tower-http's `SetRequestIdLayer`, which
/// keeps any id it finds) generates one instead. Use it as an
/// `axum::middleware::map_request` outside that layer.
pub async fn drop_unsafe_request_id(mut request: Request) -> Request {
    if request
        .headers()
        .get(REQUEST_ID)
        .is_some_and(|id| !is_safe_request_id(id))
    {
        request.headers_mut().remove(REQUEST_ID);
    }
    request
}

/// A fresh request id: a random (version 4) UUID.
fn new_request_id() -> HeaderValue {
    let mut buffer = uuid::Uuid::encode_buffer();
    let text = uuid::Uuid::new_v4().hyphenated().encode_lower(&mut buffer);
    // A hyphenated UUID is ASCII, always a valid header value.
    HeaderValue::from_str(text).unwrap_or_else(|_| HeaderValue::from_static("-"))
}

/// Characters of a request's path that its span logs.
const MAX_LOGGED_PATH: usize = 200;
/// Characters of a request's method that its span logs.
const MAX_LOGGED_METHOD: usize = 20;

/// The span of one request: method, path, matched route and request id.
/// (`Router::layer` wraps each route after matching, so the route is known.)
fn request_span(request: &Request, request_id: &HeaderValue) -> tracing::Span {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(MatchedPath::as_str)
        .unwrap_or("");
    // The client chose the method and path: only their start is logged, so
    // a request cannot write kilobytes into every line of its span.
    tracing::info_span!(
        "request",
        method = %crate::extract::excerpt(request.method().as_str(), MAX_LOGGED_METHOD),
        path = %crate::extract::excerpt(request.uri().path(), MAX_LOGGED_PATH),
        route,
        request_id = request_id.to_str().unwrap_or(""),
    )
}

/// The future of [`Envelope`]: the inner response, finished.
pub struct EnvelopeFuture<F> {
    state: Running<F>,
    span: tracing::Span,
    request_id: HeaderValue,
    started: Instant,
}

impl<F> std::fmt::Debug for EnvelopeFuture<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EnvelopeFuture")
            .field("request_id", &self.request_id)
            .finish_non_exhaustive()
    }
}

enum Running<F> {
    /// The router is working on it (boxed so that this future is `Unpin`
    /// without unsafe pin projection; one allocation per request).
    Inner(Pin<Box<F>>),
    /// The router panicked before returning a future.
    Done(Option<Response>),
}

impl<F> Future for EnvelopeFuture<F>
where
    F: Future<Output = Result<Response, Infallible>>,
{
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let _entered = this.span.enter();
        let response = match &mut this.state {
            Running::Inner(future) => {
                match catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(cx))) {
                    Ok(Poll::Pending) => return Poll::Pending,
                    Ok(Poll::Ready(Ok(response))) => response,
                    Ok(Poll::Ready(Err(never))) => match never {},
                    Err(panic) => panic_response(panic),
                }
            }
            Running::Done(response) => response.take().unwrap_or_else(|| {
                tracing::error!("request future polled after completion");
                Problem::internal().into_response()
            }),
        };
        let mut response = ensure_problem(response);
        response
            .headers_mut()
            .entry(REQUEST_ID)
            .or_insert_with(|| this.request_id.clone());
        let status = response.status();
        let latency_ms = this.started.elapsed().as_secs_f64() * 1000.0;
        if status.is_server_error() {
            tracing::error!(status = status.as_u16(), latency_ms, "request failed");
        } else {
            tracing::info!(status = status.as_u16(), latency_ms, "finished");
        }
        Poll::Ready(Ok(response))
    }
}

/// The per-route time limit; see the module documentation.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DeadlineLayer {
    limit: Duration,
}

impl DeadlineLayer {
    pub(crate) fn new(limit: Duration) -> Self {
        Self { limit }
    }
}

impl<S> Layer<S> for DeadlineLayer {
    type Service = Deadline<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Deadline {
            inner,
            limit: self.limit,
        }
    }
}

/// The service [`DeadlineLayer`] makes.
#[derive(Debug, Clone)]
pub(crate) struct Deadline<S> {
    inner: S,
    limit: Duration,
}

impl<S> Service<Request> for Deadline<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = DeadlineFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        DeadlineFuture {
            inner: Box::pin(tokio::time::timeout(self.limit, self.inner.call(request))),
            limit: self.limit,
        }
    }
}

/// The future of [`Deadline`]. Dropping the inner future when time is up
/// cancels its work (a database transaction that was not committed is
/// rolled back).
pub(crate) struct DeadlineFuture<F> {
    inner: Pin<Box<tokio::time::Timeout<F>>>,
    limit: Duration,
}

impl<F> Future for DeadlineFuture<F>
where
    F: Future<Output = Result<Response, Infallible>>,
{
    type Output = Result<Response, Infallible>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let limit = self.limit;
        match self.inner.as_mut().poll(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Ok(result)) => Poll::Ready(result),
            Poll::Ready(Err(_elapsed)) => {
                tracing::warn!(limit_ms = limit.as_millis() as u64, "request timed out");
                Poll::Ready(Ok(Problem::timeout(limit).into_response()))
            }
        }
    }
}

/// Turns an error response without a problem body (axum's bare 405, a
/// layer's 413, …) into one, keeping its status and headers; other
/// responses pass unchanged. [`EnvelopeLayer`] calls it on every response;
/// a host with its own stack can call it from a `map_response`.
pub fn ensure_problem(response: Response) -> Response {
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
/// with a generic 500 problem. [`EnvelopeLayer`] uses it; it also fits
/// tower-http's `CatchPanicLayer::custom`.
pub fn panic_response(panic: Box<dyn Any + Send + 'static>) -> Response {
    let message = panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| String::from("(no message)"));
    tracing::error!(panic = %message, "a handler panicked");
    Problem::internal().into_response()
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
        let response = ensure_problem(bare);
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
        let response = ensure_problem(bare);
        assert_eq!(response.headers()[header::RETRY_AFTER], "5");

        let fine = (StatusCode::OK, "ok").into_response();
        let response = ensure_problem(fine);
        assert_eq!(
            response.headers()[header::CONTENT_TYPE],
            "text/plain; charset=utf-8"
        );
    }

    fn empty_request() -> Request {
        Request::new(axum::body::Body::empty())
    }

    #[tokio::test]
    async fn the_envelope_catches_a_panic_in_call_and_still_gives_a_request_id() {
        let inner = tower::service_fn(
            |_: Request| -> std::future::Ready<Result<Response, Infallible>> {
                panic!("boom while building the future")
            },
        );
        let response = EnvelopeLayer
            .layer(inner)
            .call(empty_request())
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(response.headers()[header::CONTENT_TYPE], PROBLEM_JSON);
        assert!(!response.headers()[REQUEST_ID].is_empty());
    }

    #[tokio::test]
    async fn the_envelope_hands_the_request_id_to_the_inner_service_and_echoes_it() {
        let inner = tower::service_fn(|request: Request| async move {
            let seen = request.headers()[REQUEST_ID].clone();
            let mut response = StatusCode::NO_CONTENT.into_response();
            response.headers_mut().insert("x-seen", seen);
            Ok::<_, Infallible>(response)
        });
        let mut envelope = EnvelopeLayer.layer(inner);

        let mut request = empty_request();
        request
            .headers_mut()
            .insert(REQUEST_ID, HeaderValue::from_static("client-7"));
        let response = envelope.call(request).await.unwrap();
        assert_eq!(response.headers()[REQUEST_ID], "client-7");
        assert_eq!(response.headers()["x-seen"], "client-7");

        let response = envelope.call(empty_request()).await.unwrap();
        let generated = response.headers()[REQUEST_ID].to_str().unwrap();
        assert_eq!(response.headers()["x-seen"], generated);
        assert!(uuid::Uuid::parse_str(generated).is_ok(), "{generated}");
    }

    // Paused time: the runtime jumps to the next timer as soon as nothing
    // else can run, so a 30 s budget is tested exactly and takes no time.
    #[tokio::test(start_paused = true)]
    async fn the_deadline_answers_503_with_retry_after_at_its_limit_and_drops_the_work() {
        let limit = Duration::from_secs(30);
        let dropped = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        struct Flag(std::sync::Arc<std::sync::atomic::AtomicBool>);
        impl Drop for Flag {
            fn drop(&mut self) {
                self.0.store(true, std::sync::atomic::Ordering::SeqCst);
            }
        }
        let flag = dropped.clone();
        let hanging = tower::service_fn(move |_: Request| {
            let guard = Flag(flag.clone());
            async move {
                let _guard = guard;
                std::future::pending::<()>().await;
                Ok::<_, Infallible>(StatusCode::OK.into_response())
            }
        });
        let started = tokio::time::Instant::now();
        let response = DeadlineLayer::new(limit)
            .layer(hanging)
            .call(empty_request())
            .await
            .unwrap();
        assert_eq!(started.elapsed(), limit);
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(response.headers().contains_key(header::RETRY_AFTER));
        assert!(dropped.load(std::sync::atomic::Ordering::SeqCst));

        let just_in_time = tower::service_fn(move |_: Request| async move {
            tokio::time::sleep(limit - Duration::from_millis(1)).await;
            Ok::<_, Infallible>(StatusCode::OK.into_response())
        });
        let response = DeadlineLayer::new(limit)
            .layer(just_in_time)
            .call(empty_request())
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }

    #[test]
    fn panics_become_generic_500_problems() {
        let response = panic_response(Box::new("secret detail"));
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(response.headers()[header::CONTENT_TYPE], PROBLEM_JSON);
    }
}
