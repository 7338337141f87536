//! Who a request acts as: the [`Authenticator`] a host plugs in, the
//! layer that runs it on every protected route, and the [`Caller`]
//! extractor handlers read the result with.
//!
//! The router is secure by default: [`Services`](crate::Services) without
//! [`Services::with_authenticator`](crate::Services::with_authenticator)
//! serves no one (every protected route answers 401). Serving everyone as an
//! admin is the explicit choice of [`AuthOff`].
//!
//! Open without credentials: `GET /health`, `GET /openapi.json`, and the
//! answers to paths and methods that no route serves (404, 405): the
//! routes are public in the OpenAPI document anyway, so those answers reveal
//! nothing, and they cost no credential check.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use async_trait::async_trait;
use attendance_core::access::{Actor, Principal};
use attendance_core::error::BoxError;
use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use tower::{Layer, Service};

use crate::IdempotencyScope;
use crate::problem::Problem;

/// Finds who a request acts as, from its head (headers, URI, extensions a
/// host's outer layers set: a verified client certificate, a session).
///
/// Implement it to plug in a host's own scheme (session cookie, OIDC/JWT,
/// mTLS, a header set by a trusted proxy); [`BearerAuthenticator`](crate::BearerAuthenticator)
/// is the built-in one over API tokens. The router calls it once per request
/// on every route except `GET /health` and `GET /openapi.json`, so keep it
/// cheap (cache what a lookup found for a few seconds).
#[async_trait]
pub trait Authenticator: Send + Sync + 'static {
    /// The principal `request` acts as, or why it has none.
    async fn authenticate(&self, request: &Parts) -> Result<Principal, AuthError>;
}

/// Why a request has no principal.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// No credentials at all: 401.
    #[error("the request carries no credentials")]
    Missing,
    /// Credentials that name no one (malformed, unknown, expired, revoked,
    /// naming a deleted employee): 401. The reason is logged, not sent.
    #[error("the credentials are not valid: {reason}")]
    Invalid {
        /// Why, for the log.
        reason: &'static str,
    },
    /// A session cookie without its CSRF proof on a request that changes
    /// something: 403 `csrf`. Cookies travel with requests other sites
    /// make; the proof (a header only the app's own page can read and
    /// set) shows the request came from the app.
    #[error("the request changes something without the session's CSRF token")]
    CsrfRejected,
    /// Checking them failed (the token store is unreachable): 503 with
    /// `Retry-After`, not 401, so a client does not throw a good credential
    /// away over an outage.
    #[error("the credentials could not be checked")]
    Unavailable {
        /// The cause, for the log.
        #[source]
        source: BoxError,
    },
}

impl AuthError {
    /// [`AuthError::Invalid`] because of `reason`.
    pub fn invalid(reason: &'static str) -> Self {
        Self::Invalid { reason }
    }

    /// [`AuthError::Unavailable`] because of `source`.
    pub fn unavailable(source: impl Into<BoxError>) -> Self {
        Self::Unavailable {
            source: source.into(),
        }
    }
}

impl From<AuthError> for Problem {
    fn from(err: AuthError) -> Self {
        match err {
            AuthError::Missing => Problem::unauthenticated(),
            AuthError::Invalid { reason } => {
                tracing::info!(reason, "credentials refused");
                let mut problem = Problem::unauthenticated();
                problem.detail = String::from(
                    "the credentials are not valid (unknown, expired or revoked); \
                     send `Authorization: Bearer <token>` with a valid token",
                );
                problem
            }
            AuthError::CsrfRejected => Problem::csrf(
                "a request authenticated by the session cookie must send the session's \
                 CSRF token in `X-CSRF-Token`",
            ),
            err @ AuthError::Unavailable { .. } => {
                tracing::warn!(error = %crate::problem::chain(&err), "cannot check credentials");
                Problem::unavailable(
                    "the credentials cannot be checked right now; try again shortly",
                )
            }
        }
    }
}

/// Authentication turned off: every request acts as an admin named
/// [`AuthOff::NAME`]. For local development only; choose it explicitly
/// (the server example does when `ATTENDANCE_AUTH=off`, and warns).
#[derive(Debug, Clone, Copy, Default)]
pub struct AuthOff;

impl AuthOff {
    /// The name of the admin every request acts as.
    pub const NAME: &'static str = "auth-off";
}

#[async_trait]
impl Authenticator for AuthOff {
    async fn authenticate(&self, _request: &Parts) -> Result<Principal, AuthError> {
        Ok(Principal::admin(Self::NAME))
    }
}

/// The principal of a request, as authentication found it: handlers take
/// it as an argument. Authentication puts the [`Principal`] into the
/// request's extensions before any handler runs; a request without one
/// (a router whose authentication was left out) is refused as
/// unauthenticated rather than served as anyone.
#[derive(Debug, Clone)]
pub struct Caller(pub Principal);

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Principal>()
            .cloned()
            .map(Caller)
            .ok_or_else(Problem::unauthenticated)
    }
}

/// The idempotency scope of `actor`: a stable name in the printable ASCII
/// that keys allow (core's rule), at most 255 bytes. An admin who
/// authenticated with a token is that token, whatever its name; another
/// admin's name is escaped byte by byte, and one too long for that is
/// named by its SHA-256.
pub(crate) fn idempotency_scope(actor: &Actor) -> IdempotencyScope {
    use std::fmt::Write as _;
    let name = match actor {
        Actor::System => return IdempotencyScope("system".to_owned()),
        Actor::Employee { id } => return IdempotencyScope(format!("employee:{id}")),
        Actor::Admin {
            token: Some(token), ..
        } => return IdempotencyScope(format!("admin-token:{token}")),
        Actor::Admin { name, token: None } => name,
    };
    let mut scope = String::from("admin:");
    for byte in name.bytes() {
        if byte.is_ascii_graphic() && byte != b'%' {
            scope.push(char::from(byte));
        } else {
            let _ = write!(scope, "%{byte:02X}");
        }
    }
    if scope.len() > MAX_SCOPE_LEN {
        scope = String::from("admin#");
        for byte in Sha256::digest(name.as_bytes()) {
            let _ = write!(scope, "{byte:02x}");
        }
    }
    IdempotencyScope(scope)
}

/// Longest idempotency scope core accepts.
const MAX_SCOPE_LEN: usize = 255;

/// The layer on each protected route: runs the authenticator, then puts
/// the [`Principal`] and its [`IdempotencyScope`] into the request's
/// extensions. Without an authenticator it refuses every request.
#[derive(Clone)]
pub(crate) struct AuthLayer {
    authenticator: Option<Arc<dyn Authenticator>>,
}

impl AuthLayer {
    pub(crate) fn new(authenticator: Option<Arc<dyn Authenticator>>) -> Self {
        Self { authenticator }
    }
}

impl<S> Layer<S> for AuthLayer {
    type Service = Authenticate<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Authenticate {
            inner,
            authenticator: self.authenticator.clone(),
        }
    }
}

/// The service [`AuthLayer`] makes.
#[derive(Clone)]
pub(crate) struct Authenticate<S> {
    inner: S,
    authenticator: Option<Arc<dyn Authenticator>>,
}

type BoxedResponse = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

impl<S> Service<Request> for Authenticate<S>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = BoxedResponse;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        // The clone that was made ready is the one called (tower's rule).
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let authenticator = self.authenticator.clone();
        Box::pin(async move {
            let Some(authenticator) = authenticator else {
                tracing::debug!("no authenticator configured: refusing");
                return Ok(Problem::unauthenticated().into_response());
            };
            let (mut parts, body) = request.into_parts();
            match authenticator.authenticate(&parts).await {
                Ok(principal) => {
                    parts
                        .extensions
                        .insert(idempotency_scope(&principal.actor()));
                    parts.extensions.insert(principal);
                    inner.call(Request::from_parts(parts, body)).await
                }
                Err(err) => Ok(Problem::from(err).into_response()),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use attendance_core::EmployeeId;
    use attendance_core::idempotency::IdempotencyKey;
    use attendance_core::tokens::TokenId;

    use super::*;

    #[test]
    fn every_principal_has_a_scope_core_accepts_and_no_two_share_one() {
        let admin = |name: &str| Actor::Admin {
            name: name.to_owned(),
            token: None,
        };
        let token = |id: i64| Actor::Admin {
            name: "admin".to_owned(),
            token: Some(TokenId(id)),
        };
        let actors = [
            token(1),
            token(2),
            admin("admin-token:1"),
            Actor::System,
            Actor::Employee { id: EmployeeId(7) },
            admin("auth-off"),
            admin("Zoë Ops"),
            admin("Zo%C3%AB%20Ops"),
            admin(&"é".repeat(100)),
            admin(&"è".repeat(100)),
        ];
        let scopes: Vec<String> = actors.iter().map(|a| idempotency_scope(a).0).collect();
        for scope in &scopes {
            assert!(IdempotencyKey::new(scope.clone(), "k").is_ok(), "{scope}");
        }
        let distinct: std::collections::HashSet<&String> = scopes.iter().collect();
        assert_eq!(distinct.len(), scopes.len(), "{scopes:?}");
    }
}
