//! Signing in to the web app with an API token, and the session cookie
//! that then stands for it.
//!
//! The page never holds the token: `POST /session` checks it and answers
//! with a cookie naming a session that lives in this process
//! (`HttpOnly`, so no script can read it; `SameSite=Strict`, so other
//! sites' requests do not carry it; `Secure` unless configured off for
//! plain HTTP on a loopback address). Each session also has a CSRF token,
//! which the page reads from the sign-in answer (or `GET /session`) and
//! sends as `X-CSRF-Token` with every request that changes something: a
//! second proof, beside SameSite, that the request comes from the app.
//!
//! The session keeps the token itself, and every request resolves it
//! through the [`BearerAuthenticator`] as if it bore the token: a revoked
//! or expired token ends its sessions too (within the authenticator's
//! cache TTL). Sign-out forgets the session at once.

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use attendance_core::access::Principal;
use axum::Json;
use axum::extract::State;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use moka::sync::Cache;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::auth::{AuthError, Authenticator};
use crate::bearer::BearerAuthenticator;
use crate::extract::JsonBody;
use crate::problem::Problem;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "attendance_session";
/// The header that carries a session's CSRF token.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// Most sessions kept at once; past it the least recently used end.
const MAX_SESSIONS: u64 = 100_000;

/// How long sessions last; every default is documented on its field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct SessionConfig {
    /// A session unused this long ends. Default: 8 hours.
    pub idle_timeout: Duration,
    /// A session ends this long after sign-in, used or not. Default:
    /// 12 hours.
    pub lifetime: Duration,
    /// Whether the cookie is `Secure` (sent over HTTPS only). Default:
    /// `true`; turn it off only for plain HTTP on a loopback address.
    pub secure_cookie: bool,
}

impl Default for SessionConfig {
    fn default() -> Self {
        Self {
            idle_timeout: Duration::from_secs(8 * 3600),
            lifetime: Duration::from_secs(12 * 3600),
            secure_cookie: true,
        }
    }
}

impl SessionConfig {
    /// Sets [`SessionConfig::idle_timeout`].
    pub fn with_idle_timeout(mut self, timeout: Duration) -> Self {
        self.idle_timeout = timeout;
        self
    }

    /// Sets [`SessionConfig::lifetime`].
    pub fn with_lifetime(mut self, lifetime: Duration) -> Self {
        self.lifetime = lifetime;
        self
    }

    /// Sets [`SessionConfig::secure_cookie`].
    pub fn with_secure_cookie(mut self, secure: bool) -> Self {
        self.secure_cookie = secure;
        self
    }
}

/// One signed-in browser.
struct Session {
    /// The API token it signed in with.
    token: String,
    csrf: String,
    started: Instant,
    expires_at: DateTime<Utc>,
}

/// The web app's sessions, and the [`Authenticator`] that accepts them:
/// give it to [`Services::with_authenticator`](crate::Services::with_authenticator)
/// and to [`WebApp::with_sign_in`](super::WebApp::with_sign_in). A request
/// with an `Authorization` header is authenticated by the bearer token
/// alone, as without the app; one with the session cookie by its session,
/// with the CSRF check on every method but GET, HEAD and OPTIONS.
#[derive(Clone)]
pub struct WebSessions {
    bearer: Arc<BearerAuthenticator>,
    config: SessionConfig,
    /// Keyed by the SHA-256 of the cookie's value, so neither a debug
    /// print nor a memory dump of the map holds a usable cookie.
    sessions: Cache<[u8; 32], Arc<Session>>,
}

impl std::fmt::Debug for WebSessions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebSessions")
            .field("config", &self.config)
            .field("sessions", &self.sessions.entry_count())
            .finish_non_exhaustive()
    }
}

impl WebSessions {
    /// Sessions signed in with the tokens `bearer` accepts.
    pub fn new(bearer: BearerAuthenticator, config: SessionConfig) -> Self {
        Self {
            bearer: Arc::new(bearer),
            config,
            sessions: Cache::builder()
                .max_capacity(MAX_SESSIONS)
                .time_to_idle(config.idle_timeout)
                .build(),
        }
    }

    /// The live session the request's cookie names.
    fn session(&self, headers: &HeaderMap) -> Option<Arc<Session>> {
        let key = key(cookie(headers)?);
        let session = self.sessions.get(&key)?;
        if session.started.elapsed() >= self.config.lifetime {
            self.sessions.invalidate(&key);
            return None;
        }
        Some(session)
    }

    /// Signs in with `token`: the new session's cookie value and itself.
    async fn sign_in(&self, token: &str) -> Result<(String, Arc<Session>), AuthError> {
        self.bearer.principal_of(token).await?;
        let id = random().map_err(AuthError::unavailable)?;
        let lifetime = chrono::Duration::from_std(self.config.lifetime).unwrap_or_default();
        let session = Arc::new(Session {
            token: token.to_owned(),
            csrf: random().map_err(AuthError::unavailable)?,
            started: Instant::now(),
            expires_at: Utc::now() + lifetime,
        });
        self.sessions.insert(key(&id), Arc::clone(&session));
        Ok((id, session))
    }

    fn sign_out(&self, headers: &HeaderMap) {
        if let Some(value) = cookie(headers) {
            self.sessions.invalidate(&key(value));
        }
    }

    /// `Set-Cookie` for `value`; an empty value with `Max-Age=0` ends it.
    fn set_cookie(&self, value: &str) -> HeaderValue {
        let max_age = if value.is_empty() {
            0
        } else {
            self.config.lifetime.as_secs()
        };
        let secure = if self.config.secure_cookie {
            "; Secure"
        } else {
            ""
        };
        HeaderValue::from_str(&format!(
            "{SESSION_COOKIE}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Strict{secure}"
        ))
        .unwrap_or_else(|_| HeaderValue::from_static("attendance_session=; Max-Age=0"))
    }
}

#[async_trait]
impl Authenticator for WebSessions {
    async fn authenticate(&self, request: &Parts) -> Result<Principal, AuthError> {
        if request.headers.contains_key(header::AUTHORIZATION) {
            return self.bearer.authenticate(request).await;
        }
        let Some(session) = self.session(&request.headers) else {
            return Err(if cookie(&request.headers).is_some() {
                AuthError::invalid("unknown or ended web session")
            } else {
                AuthError::Missing
            });
        };
        if !is_safe_method(&request.method) && !csrf_matches(&request.headers, &session.csrf) {
            return Err(AuthError::CsrfRejected);
        }
        self.bearer.principal_of(&session.token).await
    }
}

/// The body of `POST /session`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SignIn {
    token: String,
}

/// What the page keeps of its session.
#[derive(Serialize)]
pub(super) struct SessionInfo {
    csrf_token: String,
    expires_at: DateTime<Utc>,
}

impl SessionInfo {
    fn of(session: &Session) -> Self {
        Self {
            csrf_token: session.csrf.clone(),
            expires_at: session.expires_at,
        }
    }
}

/// `POST /session`: a token in, a session cookie out.
pub(super) async fn sign_in(
    State(sessions): State<WebSessions>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<SignIn>,
) -> Result<Response, Problem> {
    // A form posted from another site cannot be JSON without a CORS
    // preflight we never grant; browsers also say where a request came
    // from, and a sign-in from elsewhere (login CSRF) is refused.
    if let Some(site) = headers.get("sec-fetch-site")
        && !matches!(site.as_bytes(), b"same-origin" | b"none")
    {
        return Err(Problem::csrf("sign in from the app's own page"));
    }
    let (id, session) = sessions.sign_in(body.token.trim()).await?;
    let mut response = (StatusCode::CREATED, Json(SessionInfo::of(&session))).into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, sessions.set_cookie(&id));
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// `GET /session`: the CSRF token of the cookie's session.
pub(super) async fn current(
    State(sessions): State<WebSessions>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let session = sessions
        .session(&headers)
        .ok_or_else(Problem::unauthenticated)?;
    let mut response = Json(SessionInfo::of(&session)).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// `DELETE /session`: sign-out. Needs the CSRF token, so another site
/// cannot sign a user out either.
pub(super) async fn sign_out(
    State(sessions): State<WebSessions>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let session = sessions
        .session(&headers)
        .ok_or_else(Problem::unauthenticated)?;
    if !csrf_matches(&headers, &session.csrf) {
        return Err(AuthError::CsrfRejected.into());
    }
    sessions.sign_out(&headers);
    let mut response = StatusCode::NO_CONTENT.into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, sessions.set_cookie(""));
    Ok(response)
}

fn is_safe_method(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The session cookie's value, from any `Cookie` header.
fn cookie(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| {
            let (name, value) = pair.trim().split_once('=')?;
            (name == SESSION_COOKIE && !value.is_empty()).then_some(value)
        })
}

fn key(cookie: &str) -> [u8; 32] {
    Sha256::digest(cookie.as_bytes()).into()
}

/// Whether the request's `X-CSRF-Token` is `expected`, compared in time
/// that does not depend on where they differ.
fn csrf_matches(headers: &HeaderMap, expected: &str) -> bool {
    let mut values = headers.get_all(CSRF_HEADER).iter();
    let (Some(given), None) = (values.next(), values.next()) else {
        return false;
    };
    let given = given.as_bytes();
    let expected = expected.as_bytes();
    given.len() == expected.len()
        && given
            .iter()
            .zip(expected)
            .fold(0u8, |diff, (a, b)| diff | (a ^ b))
            == 0
}

/// 256 random bits from the OS, URL-safe.
fn random() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn the_cookie_is_found_among_others() {
        let h = headers(&[("cookie", "a=1; attendance_session=abc; b=2")]);
        assert_eq!(cookie(&h), Some("abc"));
        let h = headers(&[("cookie", "a=1"), ("cookie", "attendance_session=xyz")]);
        assert_eq!(cookie(&h), Some("xyz"));
        let h = headers(&[("cookie", "xattendance_session=abc; attendance_session=")]);
        assert_eq!(cookie(&h), None);
    }

    #[test]
    fn csrf_needs_exactly_one_matching_header() {
        assert!(csrf_matches(&headers(&[("x-csrf-token", "tok")]), "tok"));
        assert!(!csrf_matches(&headers(&[("x-csrf-token", "tox")]), "tok"));
        assert!(!csrf_matches(&headers(&[("x-csrf-token", "to")]), "tok"));
        assert!(!csrf_matches(&headers(&[]), "tok"));
        assert!(!csrf_matches(
            &headers(&[("x-csrf-token", "tok"), ("x-csrf-token", "tok")]),
            "tok"
        ));
    }

    #[test]
    fn random_values_differ_and_fit_a_cookie() {
        let (a, b) = (random().unwrap(), random().unwrap());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert!(
            a.bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
        );
    }
}
