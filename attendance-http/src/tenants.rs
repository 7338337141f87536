//! Many tenants behind one address: each request goes to the router of the
//! tenant its credential names.
//!
//! A tenant's API token is its name, a dot, and the token the tenant's own
//! store made: `acme.att_3f…`. The dispatcher reads the name, strips it, and
//! hands the request to the tenant's router, which checks the bare token
//! against the tenant's own tokens (a secret of one tenant sent with
//! another's name is unknown there). The web app's session cookie is
//! prefixed the same way when a tenant's user signs in, and stripped on the
//! way in. A request without a tenant (no credential, or a token without a
//! dot) goes to the default tenant's router, so a single-tenant deployment
//! sees no change, and `GET /health`, `GET /openapi.json` and the web app's
//! files are served as before.
//!
//! Every tenant's router is built by the host ([`TenantApps`]) over the same
//! store connections, so the number of database connections is bounded once
//! for all tenants. A router is built on its tenant's first request and
//! kept, with what it holds in memory (the web app's sessions, the rate
//! limit's buckets); whether its tenant is still served is asked again
//! every [`TenantConfig::recheck_every`], so a dropped tenant stops being
//! served within it (until then its routes answer 503, never with another
//! tenant's data).

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use attendance_core::error::BoxError;
use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, header};
use axum::response::{IntoResponse, Response};
use moka::sync::Cache;
use tower::ServiceExt;

use crate::problem::Problem;

/// Builds the router of one tenant: its services over the tenant's store,
/// its authenticator over the tenant's tokens, its web app.
/// Over `attendance-pg`, both methods start from `PgStore::served_tenant`.
#[async_trait]
pub trait TenantApps: Send + Sync + 'static {
    /// The router serving the tenant called `name`, or `None` when there is
    /// no such tenant ready to serve (never created, dropped, half made).
    /// Called once per tenant (again only after its router was dropped).
    async fn router(&self, name: &str) -> Result<Option<Router>, BoxError>;

    /// Whether the tenant `name`, whose router is kept, is still served.
    async fn is_served(&self, name: &str) -> Result<bool, BoxError>;
}

/// How often kept routers are checked, and how many are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TenantConfig {
    /// A kept router's tenant is asked about ([`TenantApps::is_served`]) at
    /// most this often, on its requests: the longest a dropped tenant's
    /// router keeps answering (503, as its tables are gone). Default: 10 s.
    pub recheck_every: Duration,
    /// Routers kept at most; past it the least recently used go first, with
    /// their tenants' web sessions and rate-limit buckets. Default: 10,000.
    pub max_routers: u64,
}

impl Default for TenantConfig {
    fn default() -> Self {
        Self {
            recheck_every: Duration::from_secs(10),
            max_routers: 10_000,
        }
    }
}

/// The largest `POST /session` body read to find its tenant; the web app's
/// own limit for the route is far below it.
const MAX_SIGN_IN_BODY: usize = 16 * 1024;

/// The web app's session cookie (see `web::SESSION_COOKIE`).
const SESSION_COOKIE: &str = "attendance_session";

struct Dispatch {
    default: Router,
    apps: Arc<dyn TenantApps>,
    routers: Cache<String, Router>,
    /// Tenants found still served lately.
    checked: Cache<String, ()>,
    /// One router built at a time, so that two first requests of a tenant
    /// do not make two (and two sets of sessions).
    building: tokio::sync::Mutex<()>,
}

/// A router that sends each request to the router of the tenant its
/// credential names, and requests naming none to `default`.
///
/// A tenant's token is its name, a dot and the token its own store made
/// (`acme.att_…`); the web app's session cookie is prefixed the same way
/// when a tenant's user signs in. The name is stripped before the tenant's
/// router sees the request, so that router checks the bare token against
/// the tenant's own tokens. A tenant's router comes from `apps` on its first
/// request and is kept (with its web sessions and rate-limit buckets);
/// whether the tenant is still served is asked at most every
/// [`TenantConfig::recheck_every`]. An unknown or dropped tenant is 401, a
/// registry that cannot be reached 503.
pub fn by_tenant(default: Router, apps: Arc<dyn TenantApps>, config: TenantConfig) -> Router {
    let dispatch = Arc::new(Dispatch {
        default,
        apps,
        routers: Cache::builder().max_capacity(config.max_routers).build(),
        checked: Cache::builder()
            .max_capacity(config.max_routers)
            .time_to_live(config.recheck_every)
            .build(),
        building: tokio::sync::Mutex::new(()),
    });
    Router::new()
        .fallback(dispatch_request)
        .with_state(dispatch)
}

async fn dispatch_request(State(dispatch): State<Arc<Dispatch>>, request: Request) -> Response {
    let (request, tenant) = match split_tenant(request).await {
        Ok(split) => split,
        Err(problem) => return problem.into_response(),
    };
    let Some(tenant) = tenant else {
        return serve(dispatch.default.clone(), request, None).await;
    };
    match dispatch.router(&tenant).await {
        Ok(Some(router)) => serve(router, request, Some(&tenant)).await,
        Ok(None) => {
            tracing::info!(tenant = %tenant.escape_debug(), "credentials of no tenant");
            unknown_tenant().into_response()
        }
        Err(err) => {
            tracing::warn!(error = %err, "cannot find a tenant");
            Problem::unavailable("the tenant cannot be reached right now; try again")
                .with_retry_after(1)
                .into_response()
        }
    }
}

impl Dispatch {
    /// The kept router of `tenant`, rechecked when due, or a new one.
    async fn router(&self, tenant: &str) -> Result<Option<Router>, BoxError> {
        if let Some(router) = self.routers.get(tenant) {
            if self.checked.get(tenant).is_some() {
                return Ok(Some(router));
            }
            if self.apps.is_served(tenant).await? {
                self.checked.insert(tenant.to_owned(), ());
                return Ok(Some(router));
            }
            self.routers.invalidate(tenant);
            return Ok(None);
        }
        // Asked before the lock, so that requests naming no tenant never
        // hold up the first request of one that exists.
        if !self.apps.is_served(tenant).await? {
            return Ok(None);
        }
        let _building = self.building.lock().await;
        if let Some(router) = self.routers.get(tenant) {
            return Ok(Some(router));
        }
        let router = self.apps.router(tenant).await?;
        if let Some(router) = &router {
            self.routers.insert(tenant.to_owned(), router.clone());
            self.checked.insert(tenant.to_owned(), ());
        }
        Ok(router)
    }
}

fn unknown_tenant() -> Problem {
    let mut problem = Problem::unauthenticated();
    problem.detail = String::from(
        "the credentials are not valid (unknown, expired or revoked); \
         send `Authorization: Bearer <token>` with a valid token",
    );
    problem
}

/// `request` through `router`; a session cookie the answer sets is
/// prefixed with `tenant`.
async fn serve(router: Router, request: Request, tenant: Option<&str>) -> Response {
    let mut response = match router.oneshot(request).await {
        Ok(response) => response,
        Err(never) => match never {},
    };
    if let Some(tenant) = tenant
        && let Some(cookie) = response.headers().get(header::SET_COOKIE)
        && let Ok(cookie) = cookie.to_str()
        && let Some(value) = cookie.strip_prefix(&format!("{SESSION_COOKIE}="))
        && !value.starts_with(';')
        && let Ok(prefixed) = HeaderValue::from_str(&format!("{SESSION_COOKIE}={tenant}.{value}"))
    {
        response.headers_mut().insert(header::SET_COOKIE, prefixed);
    }
    response
}

/// The tenant `request` names, and the request as the tenant's router
/// must see it (its credential without the tenant).
async fn split_tenant(request: Request) -> Result<(Request, Option<String>), Problem> {
    let (mut parts, body) = request.into_parts();
    if let Some(value) = parts.headers.get(header::AUTHORIZATION)
        && let Ok(value) = value.to_str()
        && let Some((scheme, token)) = value.trim().split_once(' ')
        && let Some((tenant, bare)) = token.trim().split_once('.')
    {
        let bare = HeaderValue::from_str(&format!("{scheme} {bare}"))
            .map_err(|_| Problem::unauthenticated())?;
        let tenant = tenant.to_owned();
        parts.headers.insert(header::AUTHORIZATION, bare);
        return Ok((Request::from_parts(parts, body), Some(tenant)));
    }
    if let Some((tenant, cookies)) = session_tenant(&parts.headers) {
        parts.headers.remove(header::COOKIE);
        let cookies = HeaderValue::from_str(&cookies).map_err(|_| Problem::unauthenticated())?;
        parts.headers.insert(header::COOKIE, cookies);
        return Ok((Request::from_parts(parts, body), Some(tenant)));
    }
    if parts.method == Method::POST && parts.uri.path() == "/session" {
        let bytes = axum::body::to_bytes(body, MAX_SIGN_IN_BODY)
            .await
            .map_err(|_| Problem::payload_too_large(Some(MAX_SIGN_IN_BODY)))?;
        if let Ok(mut sign_in) = serde_json::from_slice::<serde_json::Value>(&bytes)
            && let Some(token) = sign_in.get("token").and_then(|t| t.as_str())
            && let Some((tenant, bare)) = token.trim().split_once('.')
        {
            let tenant = tenant.to_owned();
            sign_in["token"] = serde_json::Value::String(bare.to_owned());
            let body = Body::from(sign_in.to_string());
            parts.headers.remove(header::CONTENT_LENGTH);
            return Ok((Request::from_parts(parts, body), Some(tenant)));
        }
        return Ok((Request::from_parts(parts, Body::from(bytes)), None));
    }
    Ok((Request::from_parts(parts, body), None))
}

/// The tenant of the session cookie among `headers`' cookies, and the
/// cookies with that one's value stripped of it.
fn session_tenant(headers: &axum::http::HeaderMap) -> Option<(String, String)> {
    let mut tenant = None;
    let mut cookies = Vec::new();
    for header in headers.get_all(header::COOKIE) {
        for cookie in header.to_str().ok()?.split(';') {
            let cookie = cookie.trim();
            match cookie
                .strip_prefix(SESSION_COOKIE)
                .and_then(|rest| rest.strip_prefix('='))
                .and_then(|value| value.split_once('.'))
            {
                Some((name, value)) if tenant.is_none() => {
                    tenant = Some(name.to_owned());
                    cookies.push(format!("{SESSION_COOKIE}={value}"));
                }
                _ => cookies.push(cookie.to_owned()),
            }
        }
    }
    Some((tenant?, cookies.join("; ")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::StatusCode;
    use axum::routing::get;

    /// A router answering with its name and the credentials it saw.
    fn named(name: &'static str) -> Router {
        Router::new().route(
            "/whoami",
            get(move |headers: axum::http::HeaderMap| async move {
                let seen = |h| {
                    headers
                        .get(h)
                        .and_then(|v: &HeaderValue| v.to_str().ok())
                        .unwrap_or("-")
                        .to_owned()
                };
                format!(
                    "{name} {} {}",
                    seen(header::AUTHORIZATION),
                    seen(header::COOKIE)
                )
            }),
        )
    }

    struct Apps;

    #[async_trait]
    impl TenantApps for Apps {
        async fn router(&self, name: &str) -> Result<Option<Router>, BoxError> {
            match name {
                "acme" => Ok(Some(named("acme"))),
                "down" => Err("the database is down".into()),
                _ => Ok(None),
            }
        }

        async fn is_served(&self, name: &str) -> Result<bool, BoxError> {
            match name {
                "down" => Err("the database is down".into()),
                name => Ok(name == "acme"),
            }
        }
    }

    async fn call(headers: &[(header::HeaderName, &str)]) -> (StatusCode, String) {
        let router = by_tenant(named("default"), Arc::new(Apps), TenantConfig::default());
        let mut request = Request::get("/whoami");
        for (name, value) in headers {
            request = request.header(name, *value);
        }
        let response = router
            .oneshot(request.body(Body::empty()).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let body = axum::body::to_bytes(response.into_body(), 10_000)
            .await
            .unwrap();
        (status, String::from_utf8(body.to_vec()).unwrap())
    }

    #[tokio::test]
    async fn a_token_goes_to_its_tenant_without_the_tenant_part() {
        assert_eq!(
            call(&[(header::AUTHORIZATION, "Bearer acme.att_secret")]).await,
            (StatusCode::OK, "acme Bearer att_secret -".to_owned())
        );
        assert_eq!(
            call(&[(header::AUTHORIZATION, "Bearer att_secret")]).await,
            (StatusCode::OK, "default Bearer att_secret -".to_owned())
        );
        assert_eq!(call(&[]).await, (StatusCode::OK, "default - -".to_owned()));
    }

    #[tokio::test]
    async fn a_session_cookie_goes_to_its_tenant_with_the_other_cookies() {
        assert_eq!(
            call(&[(header::COOKIE, "theme=dark; attendance_session=acme.abc")]).await,
            (
                StatusCode::OK,
                "acme - theme=dark; attendance_session=abc".to_owned()
            )
        );
    }

    #[tokio::test]
    async fn an_unknown_or_unreachable_tenant_is_refused_without_a_500() {
        for tenant in ["nobody", "Bad Name", "", "a.b"] {
            let (status, body) =
                call(&[(header::AUTHORIZATION, &format!("Bearer {tenant}.att_x"))]).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{tenant:?}: {body}");
            assert!(!body.contains("nobody"), "{body}");
        }
        let (status, _) = call(&[(header::AUTHORIZATION, "Bearer down.att_x")]).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    }
}
