//! Authentication: no protected route answers without credentials (every
//! operation of the OpenAPI document is tried, so a new route cannot be
//! missed), bad, expired and revoked tokens are 401, a revoked token stops
//! working within the cache's lifetime, `AuthOff` only when chosen, a
//! host's own authenticator, and the rate limit of the expensive routes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use attendance_core::access::{Identity, Principal};
use attendance_core::tokens::{InMemoryTokens, TokenId, TokenService, TokenStore};
use attendance_core::{EmployeeId, Error, NewEmployee, NewTeam};
use attendance_http::{
    AuthError, AuthOff, Authenticator, BearerAuthenticator, HttpConfig, RateLimit, Services,
};
use axum::body::Body;
use axum::http::request::Parts;
use axum::http::{Method, Request, StatusCode, header};
use chrono::TimeDelta;
use serde_json::{Value, json};
use support::{Harness, Reply, services};

const METHODS: [&str; 5] = ["get", "put", "post", "delete", "patch"];
const OPEN: [&str; 2] = ["/health", "/openapi.json"];

/// `(method, path)` of every operation of the document, `{…}` filled in.
fn operations() -> Vec<(Method, String, Value)> {
    let spec = serde_json::to_value(attendance_http::openapi()).unwrap();
    let mut out = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for method in METHODS {
            if let Some(operation) = item.get(method) {
                let filled = path.replace("{id}", "1");
                out.push((
                    method.to_uppercase().parse().unwrap(),
                    filled,
                    operation.clone(),
                ));
            }
        }
    }
    assert!(out.len() >= 15, "{out:?}");
    out
}

fn request(method: &Method, uri: &str, authorization: Option<&str>) -> Request<Body> {
    let mut builder = Request::builder().method(method.clone()).uri(uri);
    if let Some(value) = authorization {
        builder = builder.header(header::AUTHORIZATION, value);
    }
    if method == Method::POST || method == Method::PATCH {
        builder = builder.header(header::CONTENT_TYPE, "application/json");
        builder.body(Body::from("{}")).unwrap()
    } else {
        builder.body(Body::empty()).unwrap()
    }
}

fn assert_unauthenticated(reply: &Reply, what: &str) {
    reply.problem(StatusCode::UNAUTHORIZED, "unauthenticated");
    assert_eq!(
        reply.headers[header::WWW_AUTHENTICATE],
        "Bearer realm=\"attendance\"",
        "{what}"
    );
}

/// A harness authenticating bearer tokens kept in memory, on the
/// harness's clock, cached for `ttl`; returns it and the token service.
fn bearer(config: &HttpConfig, ttl: Duration) -> (Harness, TokenService, Arc<InMemoryTokens>) {
    let store = Arc::new(InMemoryTokens::new());
    let tokens = std::sync::Mutex::new(None);
    let h = Harness::custom(config, |faulty, clock| {
        let service = TokenService::new(store.clone()).with_clock(clock.clone());
        *tokens.lock().unwrap() = Some(service.clone());
        let services = services(faulty, clock);
        let authenticator =
            BearerAuthenticator::new(service, services.attendance().clone()).with_cache_ttl(ttl);
        services.with_authenticator(Arc::new(authenticator))
    });
    let tokens = tokens.lock().unwrap().take().unwrap();
    (h, tokens, store)
}

fn admin() -> Identity {
    Identity::Admin {
        name: "ops".to_owned(),
    }
}

#[tokio::test]
async fn every_protected_operation_answers_401_without_credentials() {
    let (h, _, _) = bearer(&HttpConfig::default(), Duration::from_secs(5));
    let unconfigured = attendance_http::router(Services::from_store(Arc::new(
        attendance_core::memory::InMemoryStore::new(),
    )));
    for (method, path, operation) in operations() {
        let what = format!("{method} {path}");
        if OPEN.contains(&path.as_str()) {
            assert_eq!(operation["security"], json!([]), "{what}");
            let reply = h.send(request(&method, &path, None)).await;
            assert_eq!(reply.status, StatusCode::OK, "{what} is open: {reply:?}");
            continue;
        }
        assert_eq!(operation["security"], json!([{ "bearer": [] }]), "{what}");
        assert!(operation["responses"]["401"].is_object(), "{what}");
        for authorization in [
            None,
            Some("Bearer"),
            Some("Bearer att_0123"),
            Some("Basic YWRtaW46YWRtaW4="),
            Some(&*format!("Bearer att_{}", "0".repeat(64))),
        ] {
            let reply = h.send(request(&method, &path, authorization)).await;
            assert_unauthenticated(&reply, &format!("{what} with {authorization:?}"));
        }
        // A router built without an authenticator serves no one.
        let reply = support::send(&unconfigured, request(&method, &path, None)).await;
        assert_unauthenticated(&reply, &format!("{what} without an authenticator"));
    }
}

#[tokio::test]
async fn the_document_names_the_scheme_and_the_limited_routes() {
    let spec = serde_json::to_value(attendance_http::openapi()).unwrap();
    let scheme = &spec["components"]["securitySchemes"]["bearer"];
    assert_eq!(scheme["type"], "http");
    assert_eq!(scheme["scheme"], "bearer");
    for (method, path, operation) in operations() {
        let limited = ["/ask", "/summaries/daily", "/summaries/weekly"].contains(&path.as_str());
        assert_eq!(
            operation["responses"]["429"].is_object(),
            limited,
            "{method} {path}"
        );
    }
}

#[tokio::test]
async fn a_valid_token_is_served_and_bad_ones_are_not() {
    let (h, tokens, _) = bearer(&HttpConfig::default(), Duration::ZERO);
    let (_, secret) = tokens.create(&admin(), None).await.unwrap();
    let good = format!("Bearer {}", secret.expose());
    let reply = h.send(request(&Method::GET, "/teams", Some(&good))).await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    // The scheme is case-insensitive (RFC 9110).
    let lower = format!("bearer {}", secret.expose());
    let reply = h.send(request(&Method::GET, "/teams", Some(&lower))).await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");

    // Expired: a token valid for a day, a day later.
    let (_, expiring) = tokens
        .create(&admin(), Some(support::now() + TimeDelta::days(1)))
        .await
        .unwrap();
    let expiring = format!("Bearer {}", expiring.expose());
    let reply = h
        .send(request(&Method::GET, "/teams", Some(&expiring)))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    h.clock.set(support::now() + TimeDelta::days(1));
    let reply = h
        .send(request(&Method::GET, "/teams", Some(&expiring)))
        .await;
    assert_unauthenticated(&reply, "expired");
    h.clock.set(support::now());

    // Revoked (this authenticator caches nothing).
    let (info, revoked) = tokens.create(&admin(), None).await.unwrap();
    tokens.revoke(info.id).await.unwrap();
    let revoked = format!("Bearer {}", revoked.expose());
    let reply = h
        .send(request(&Method::GET, "/teams", Some(&revoked)))
        .await;
    assert_unauthenticated(&reply, "revoked");

    // A token whose employee does not exist.
    let (_, ghost) = tokens
        .create(
            &Identity::Employee {
                id: EmployeeId(4242),
            },
            None,
        )
        .await
        .unwrap();
    let ghost = format!("Bearer {}", ghost.expose());
    let reply = h.send(request(&Method::GET, "/teams", Some(&ghost))).await;
    assert_unauthenticated(&reply, "unknown employee");

    // The secret never comes back in an answer.
    assert!(!reply.text.contains(&secret.expose()[4..]));
}

#[tokio::test]
async fn an_employee_token_resolves_to_the_employee_and_their_teams() {
    let (h, tokens, _) = bearer(&HttpConfig::default(), Duration::from_secs(5));
    // Made by the host: this router serves token holders only.
    let store: Arc<dyn attendance_core::store::Store> = h.store.clone();
    let attendance = attendance_core::service::AttendanceService::new(store);
    let team = attendance
        .create_team(&NewTeam::new("Ops").unwrap())
        .await
        .unwrap();
    let boss = attendance
        .create_employee(
            &NewEmployee::new("Boss", "Lead", team.id)
                .unwrap()
                .manager(true),
        )
        .await
        .unwrap()
        .id
        .0;
    let (_, secret) = tokens
        .create(
            &Identity::Employee {
                id: EmployeeId(boss),
            },
            None,
        )
        .await
        .unwrap();
    let authenticator = BearerAuthenticator::new(tokens, attendance);
    let (parts, ()) = Request::builder()
        .header(header::AUTHORIZATION, format!("Bearer {}", secret.expose()))
        .body(())
        .unwrap()
        .into_parts();
    let principal = authenticator.authenticate(&parts).await.unwrap();
    let member = principal.member().expect("an employee");
    assert_eq!(member.employee, EmployeeId(boss));
    assert_eq!(member.manages, vec![member.team]);
    assert!(!format!("{authenticator:?}").contains(&secret.expose()[4..]));
}

/// A revoked token keeps working while its cache entry lives (this is the
/// price of checking tokens without a store call per request), and stops
/// within the TTL.
#[tokio::test(start_paused = true)]
async fn a_revoked_token_stops_working_within_the_cache_ttl() {
    let ttl = Duration::from_secs(5);
    let (h, tokens, _) = bearer(&HttpConfig::default(), ttl);
    let (info, secret) = tokens.create(&admin(), None).await.unwrap();
    let auth = format!("Bearer {}", secret.expose());
    let reply = h.send(request(&Method::GET, "/teams", Some(&auth))).await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    tokens.revoke(info.id).await.unwrap();
    let reply = h.send(request(&Method::GET, "/teams", Some(&auth))).await;
    assert_eq!(reply.status, StatusCode::OK, "still cached: {reply:?}");
    tokio::time::advance(ttl).await;
    let reply = h.send(request(&Method::GET, "/teams", Some(&auth))).await;
    assert_unauthenticated(&reply, "revoked, past the TTL");
}

/// A token store that cannot be reached.
struct DownTokens;

#[async_trait]
impl TokenStore for DownTokens {
    async fn create_token(
        &self,
        _: &attendance_core::tokens::NewToken,
    ) -> attendance_core::Result<attendance_core::tokens::TokenInfo> {
        Err(Error::unavailable(std::io::Error::other(support::SECRET)))
    }
    async fn token_by_hash(
        &self,
        _: &attendance_core::tokens::TokenHash,
    ) -> attendance_core::Result<Option<attendance_core::tokens::TokenInfo>> {
        Err(Error::unavailable(std::io::Error::other(support::SECRET)))
    }
    async fn tokens(&self) -> attendance_core::Result<Vec<attendance_core::tokens::TokenInfo>> {
        Err(Error::unavailable(std::io::Error::other(support::SECRET)))
    }
    async fn revoke_token(
        &self,
        _: TokenId,
        _: chrono::DateTime<chrono::Utc>,
    ) -> attendance_core::Result<Option<attendance_core::tokens::TokenInfo>> {
        Err(Error::unavailable(std::io::Error::other(support::SECRET)))
    }
    async fn touch_token(
        &self,
        _: TokenId,
        _: chrono::DateTime<chrono::Utc>,
    ) -> attendance_core::Result<()> {
        Err(Error::unavailable(std::io::Error::other(support::SECRET)))
    }
}

#[tokio::test]
async fn a_token_store_that_cannot_be_reached_is_503_not_401() {
    let h = Harness::custom(&HttpConfig::default(), |store, clock| {
        let services = services(store, clock);
        let tokens = TokenService::new(Arc::new(DownTokens));
        let bearer = BearerAuthenticator::new(tokens, services.attendance().clone());
        services.with_authenticator(Arc::new(bearer))
    });
    let auth = format!("Bearer att_{}", "a".repeat(64));
    let reply = h.send(request(&Method::GET, "/teams", Some(&auth))).await;
    reply.problem(StatusCode::SERVICE_UNAVAILABLE, "unavailable");
    assert!(reply.headers.contains_key(header::RETRY_AFTER));
}

#[tokio::test]
async fn auth_is_off_only_when_chosen() {
    let store = || Arc::new(attendance_core::memory::InMemoryStore::new());
    let closed = attendance_http::router(Services::from_store(store()));
    let reply = support::send(&closed, request(&Method::GET, "/teams", None)).await;
    assert_unauthenticated(&reply, "no authenticator");
    let open = attendance_http::router(
        Services::from_store(store()).with_authenticator(Arc::new(AuthOff)),
    );
    let reply = support::send(&open, request(&Method::GET, "/teams", None)).await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
}

/// What a host behind an authenticating proxy writes: the proxy sets
/// `x-remote-user` (`admin:NAME` or `employee:ID`) and strips it from
/// clients.
struct ProxyHeader;

#[async_trait]
impl Authenticator for ProxyHeader {
    async fn authenticate(&self, request: &Parts) -> Result<Principal, AuthError> {
        let user = request
            .headers
            .get("x-remote-user")
            .ok_or(AuthError::Missing)?
            .to_str()
            .map_err(|_| AuthError::invalid("not ASCII"))?;
        match user.split_once(':') {
            Some(("admin", name)) => Ok(Principal::admin(name)),
            _ => Err(AuthError::invalid("unknown user")),
        }
    }
}

fn as_user(mut request: Request<Body>, user: &str) -> Request<Body> {
    request
        .headers_mut()
        .insert("x-remote-user", user.parse().unwrap());
    request
}

#[tokio::test]
async fn a_host_written_authenticator_decides_who_is_served() {
    let h = Harness::custom(&HttpConfig::default(), |store, clock| {
        services(store, clock).with_authenticator(Arc::new(ProxyHeader))
    });
    let reply = h
        .send(as_user(request(&Method::GET, "/teams", None), "admin:root"))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    let reply = h.send(request(&Method::GET, "/teams", None)).await;
    assert_unauthenticated(&reply, "no proxy header");
    let reply = h
        .send(as_user(request(&Method::GET, "/teams", None), "guest:x"))
        .await;
    assert_unauthenticated(&reply, "unknown user");
    let reply = h.send(request(&Method::GET, "/health", None)).await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
}

#[tokio::test(start_paused = true)]
async fn the_expensive_routes_are_rate_limited_per_principal() {
    // One a minute, in bursts of two, shared by the three routes.
    let config = HttpConfig::default().with_rate_limit(Some(RateLimit::new(1, 2)));
    let h = Harness::custom(&config, |store, clock| {
        services(store, clock).with_authenticator(Arc::new(ProxyHeader))
    });
    let daily = || {
        as_user(
            request(&Method::GET, "/summaries/daily?date=2026-03-04", None),
            "admin:ada",
        )
    };
    assert_eq!(h.send(daily()).await.status, StatusCode::OK);
    let weekly = as_user(
        request(&Method::GET, "/summaries/weekly?week=2026-W10", None),
        "admin:ada",
    );
    assert_eq!(h.send(weekly).await.status, StatusCode::OK);
    let reply = h.send(daily()).await;
    reply.problem(StatusCode::TOO_MANY_REQUESTS, "rate-limited");
    let wait: u64 = reply.headers[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    let mut ask = as_user(request(&Method::POST, "/ask", None), "admin:ada");
    *ask.body_mut() = Body::from(r#"{"question":"Who was late?"}"#);
    h.send(ask)
        .await
        .problem(StatusCode::TOO_MANY_REQUESTS, "rate-limited");

    // Another principal has their own bucket; other routes are not limited.
    let bob = as_user(
        request(&Method::GET, "/summaries/daily?date=2026-03-04", None),
        "admin:bob",
    );
    assert_eq!(h.send(bob).await.status, StatusCode::OK);
    let teams = as_user(request(&Method::GET, "/teams", None), "admin:ada");
    assert_eq!(h.send(teams).await.status, StatusCode::OK);

    // After Retry-After, Ada may ask again.
    tokio::time::advance(Duration::from_secs(wait)).await;
    assert_eq!(h.send(daily()).await.status, StatusCode::OK);
}
