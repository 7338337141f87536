//! The web app's server side, in process: the page and its assets with
//! their security headers, signing in with a token, the session cookie's
//! flags, the CSRF rule on every cookie-authenticated write, sign-out and
//! revocation ending a session, `GET /me`, the daily facts, and hostile
//! sign-ins and cookies answered with problems, never a 500.
//!
//! The same app in a real browser is `tests/server/web.rs` at the root.
#![cfg(feature = "web")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Read as _;
use std::sync::Arc;
use std::time::Duration;

use attendance_core::access::Identity;
use attendance_core::memory::InMemoryStore;
use attendance_core::tokens::{InMemoryTokens, TokenId, TokenService};
use attendance_core::{App, NewEmployee, NewTeam};
use attendance_http::web::{
    CONTENT_SECURITY_POLICY, SessionConfig, WebApp, WebConfig, WebSessions,
};
use attendance_http::{BearerAuthenticator, EnvelopeLayer, HttpConfig, Services};
use axum::Router;
use axum::body::{Body, to_bytes};
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use serde_json::{Value, json};
use tower::ServiceExt;

struct World {
    app: Router,
    tokens: TokenService,
    admin: (TokenId, String),
    store: Arc<InMemoryStore>,
}

#[derive(Debug)]
struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    bytes: Vec<u8>,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.bytes).unwrap_or(Value::Null)
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }

    /// A problem of `status` whose type ends in `/kind`.
    fn problem(&self, status: StatusCode, kind: &str) {
        assert_eq!(self.status, status, "{}", self.text());
        assert_eq!(
            self.headers[header::CONTENT_TYPE],
            "application/problem+json",
            "{}",
            self.text()
        );
        let body = self.json();
        let type_uri = body["type"].as_str().unwrap_or_default();
        assert!(type_uri.ends_with(&format!("/{kind}")), "{body}");
    }

    fn cookie(&self) -> String {
        let set = self.headers[header::SET_COOKIE].to_str().unwrap();
        set.split(';').next().unwrap().to_owned()
    }
}

/// The API at `api_base` and the app at `app_base`, over an in-memory
/// store and in-memory tokens checked on every request (no cache), with an
/// admin token.
async fn world(app_base: &str, api_base: &str) -> World {
    let store = Arc::new(InMemoryStore::new());
    let core = App::builder(store.clone()).build();
    let tokens = TokenService::new(Arc::new(InMemoryTokens::new()));
    let bearer = BearerAuthenticator::new(tokens.clone(), core.attendance.clone())
        .with_cache_ttl(Duration::ZERO);
    let sessions = WebSessions::new(bearer, SessionConfig::default());
    let services = Services::from(core).with_authenticator(Arc::new(sessions.clone()));
    let api = attendance_http::router_without_envelope(services, &HttpConfig::default());
    let config = WebConfig::default()
        .with_app_base(app_base)
        .unwrap()
        .with_api_base(api_base)
        .unwrap();
    let web = WebApp::new(config).with_sign_in(sessions).router();
    let app = match (app_base, api_base) {
        ("", "") => api.merge(web),
        _ => Router::new().nest(api_base, api).nest(app_base, web),
    }
    .layer(EnvelopeLayer);
    let (info, secret) = tokens
        .create(&Identity::Admin { name: "ops".into() }, None)
        .await
        .unwrap();
    World {
        app,
        tokens,
        admin: (info.id, secret.expose().to_owned()),
        store,
    }
}

impl World {
    async fn send(&self, request: Request<Body>) -> Reply {
        let response = self.app.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = to_bytes(response.into_body(), 16 * 1024 * 1024)
            .await
            .unwrap()
            .to_vec();
        Reply {
            status,
            headers,
            bytes,
        }
    }

    async fn call(
        &self,
        method: Method,
        uri: &str,
        headers: &[(&str, &str)],
        body: Option<Value>,
    ) -> Reply {
        let mut builder = Request::builder().method(method).uri(uri);
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        let body = match body {
            Some(json) => {
                builder = builder.header(header::CONTENT_TYPE, "application/json");
                Body::from(json.to_string())
            }
            None => Body::empty(),
        };
        self.send(builder.body(body).unwrap()).await
    }

    /// Signs in with `token` at `path`: the cookie and the CSRF token.
    async fn sign_in(&self, path: &str, token: &str) -> (String, String) {
        let reply = self
            .call(Method::POST, path, &[], Some(json!({ "token": token })))
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
        let csrf = reply.json()["csrf_token"].as_str().unwrap().to_owned();
        (reply.cookie(), csrf)
    }

    async fn teams(&self) -> usize {
        let auth = format!("Bearer {}", self.admin.1);
        let reply = self
            .call(Method::GET, "/teams", &[("authorization", &auth)], None)
            .await;
        reply.json()["items"].as_array().unwrap().len()
    }

    async fn employee_token(&self, is_manager: bool) -> (i64, String) {
        let attendance = App::builder(self.store.clone()).build().attendance;
        let team = match attendance.teams(None, None).await.unwrap().items.first() {
            Some(team) => team.id,
            None => {
                attendance
                    .create_team(&NewTeam::new("Platform").unwrap())
                    .await
                    .unwrap()
                    .id
            }
        };
        let new = NewEmployee::new("Ada Lovelace", "Engineer", team)
            .unwrap()
            .manager(is_manager);
        let employee = attendance.create_employee(&new).await.unwrap();
        let (_, secret) = self
            .tokens
            .create(&Identity::Employee { id: employee.id }, None)
            .await
            .unwrap();
        (employee.id.0, secret.expose().to_owned())
    }
}

#[tokio::test]
async fn signing_in_gives_a_strict_http_only_cookie_that_reads_the_api() {
    let w = world("", "").await;
    let reply = w
        .call(
            Method::POST,
            "/session",
            &[],
            Some(json!({ "token": w.admin.1 })),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    let set = reply.headers[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .to_owned();
    for flag in ["HttpOnly", "SameSite=Strict", "Path=/", "Secure"] {
        assert!(
            set.split("; ").any(|part| part == flag),
            "{flag} missing: {set}"
        );
    }
    assert!(
        !set.contains(&w.admin.1),
        "the cookie must not be the token"
    );
    assert!(
        !reply.text().contains(&w.admin.1),
        "the answer must not echo the token"
    );
    assert_eq!(reply.headers[header::CACHE_CONTROL], "no-store");
    let csrf = reply.json()["csrf_token"].as_str().unwrap().to_owned();
    let cookie = reply.cookie();

    let me = w
        .call(Method::GET, "/me", &[("cookie", &cookie)], None)
        .await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.text());
    assert_eq!(
        me.json(),
        json!({"kind": "admin", "name": "ops", "employee": null, "manages": []})
    );
    let session = w
        .call(Method::GET, "/session", &[("cookie", &cookie)], None)
        .await;
    assert_eq!(session.json()["csrf_token"], csrf.as_str());
    // No cookie, no session.
    w.call(Method::GET, "/me", &[], None)
        .await
        .problem(StatusCode::UNAUTHORIZED, "unauthenticated");
}

#[tokio::test]
async fn a_write_by_cookie_needs_the_csrf_token_and_a_write_by_bearer_does_not() {
    let w = world("", "").await;
    let (cookie, csrf) = w.sign_in("/session", &w.admin.1).await;
    let team = || Some(json!({ "name": "Platform" }));

    w.call(Method::POST, "/teams", &[("cookie", &cookie)], team())
        .await
        .problem(StatusCode::FORBIDDEN, "csrf");
    w.call(
        Method::POST,
        "/teams",
        &[("cookie", &cookie), ("x-csrf-token", "forged")],
        team(),
    )
    .await
    .problem(StatusCode::FORBIDDEN, "csrf");
    let other_session = w.sign_in("/session", &w.admin.1).await.1;
    w.call(
        Method::POST,
        "/teams",
        &[("cookie", &cookie), ("x-csrf-token", &other_session)],
        team(),
    )
    .await
    .problem(StatusCode::FORBIDDEN, "csrf");
    assert_eq!(w.teams().await, 0, "a refused write wrote nothing");

    let created = w
        .call(
            Method::POST,
            "/teams",
            &[("cookie", &cookie), ("x-csrf-token", &csrf)],
            team(),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    let auth = format!("Bearer {}", w.admin.1);
    let by_bearer = w
        .call(
            Method::POST,
            "/teams",
            &[("authorization", &auth)],
            Some(json!({ "name": "Ops" })),
        )
        .await;
    assert_eq!(
        by_bearer.status,
        StatusCode::CREATED,
        "{}",
        by_bearer.text()
    );
    assert_eq!(w.teams().await, 2);
}

#[tokio::test]
async fn sign_out_and_revoking_the_token_end_the_session() {
    let w = world("", "").await;
    let (cookie, csrf) = w.sign_in("/session", &w.admin.1).await;
    w.call(Method::DELETE, "/session", &[("cookie", &cookie)], None)
        .await
        .problem(StatusCode::FORBIDDEN, "csrf");
    let out = w
        .call(
            Method::DELETE,
            "/session",
            &[("cookie", &cookie), ("x-csrf-token", &csrf)],
            None,
        )
        .await;
    assert_eq!(out.status, StatusCode::NO_CONTENT, "{}", out.text());
    let cleared = out.headers[header::SET_COOKIE].to_str().unwrap();
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    w.call(Method::GET, "/me", &[("cookie", &cookie)], None)
        .await
        .problem(StatusCode::UNAUTHORIZED, "unauthenticated");
    w.call(Method::GET, "/session", &[("cookie", &cookie)], None)
        .await
        .problem(StatusCode::UNAUTHORIZED, "unauthenticated");

    let (cookie, _) = w.sign_in("/session", &w.admin.1).await;
    w.tokens.revoke(w.admin.0).await.unwrap();
    w.call(Method::GET, "/me", &[("cookie", &cookie)], None)
        .await
        .problem(StatusCode::UNAUTHORIZED, "unauthenticated");
}

#[tokio::test]
async fn hostile_sign_ins_and_cookies_get_problems() {
    let w = world("", "").await;
    let bad = [
        json!({ "token": "att_not-a-real-token" }),
        json!({ "token": "x".repeat(10_000) }),
        json!({ "token": "" }),
    ];
    for body in bad {
        w.call(Method::POST, "/session", &[], Some(body))
            .await
            .problem(StatusCode::UNAUTHORIZED, "unauthenticated");
    }
    w.call(
        Method::POST,
        "/session",
        &[],
        Some(json!({ "token": w.admin.1, "admin": true })),
    )
    .await
    .problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
    w.call(Method::POST, "/session", &[], Some(json!(["token"])))
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
    let form = Request::post("/session")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(format!("token={}", w.admin.1)))
        .unwrap();
    w.send(form)
        .await
        .problem(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type");
    w.call(
        Method::POST,
        "/session",
        &[("sec-fetch-site", "cross-site")],
        Some(json!({ "token": w.admin.1 })),
    )
    .await
    .problem(StatusCode::FORBIDDEN, "csrf");
    let huge = Request::post("/session")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(format!(
            "{{\"token\":\"{}\"}}",
            "a".repeat(100_000)
        )))
        .unwrap();
    w.send(huge)
        .await
        .problem(StatusCode::PAYLOAD_TOO_LARGE, "payload-too-large");

    let long = format!("attendance_session={}", "A".repeat(8_000));
    for cookie in [
        long.as_str(),
        "attendance_session=guess",
        "attendance_session",
    ] {
        let reply = w
            .call(Method::GET, "/me", &[("cookie", cookie)], None)
            .await;
        reply.problem(StatusCode::UNAUTHORIZED, "unauthenticated");
    }
    let latin1 = Request::get("/me")
        .header(
            header::COOKIE,
            header::HeaderValue::from_bytes(b"attendance_session=\xff\xfe").unwrap(),
        )
        .body(Body::empty())
        .unwrap();
    w.send(latin1)
        .await
        .problem(StatusCode::UNAUTHORIZED, "unauthenticated");
}

#[tokio::test]
async fn the_page_and_its_assets_carry_the_csp_and_revalidate() {
    let w = world("", "").await;
    let page = w.call(Method::GET, "/", &[], None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        page.headers[header::CONTENT_SECURITY_POLICY],
        CONTENT_SECURITY_POLICY
    );
    assert!(CONTENT_SECURITY_POLICY.contains("script-src 'self';"));
    assert!(!CONTENT_SECURITY_POLICY.contains("unsafe"));
    assert_eq!(page.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert_eq!(page.headers[header::X_FRAME_OPTIONS], "DENY");
    let html = page.text();
    assert!(
        html.contains(r#"<meta name="attendance-sign-in" content="token">"#),
        "{html}"
    );
    assert!(html.contains(r#"src="/assets/js/app.js""#), "{html}");
    assert!(!html.contains("{{"), "a placeholder was left: {html}");

    let plain = w.call(Method::GET, "/assets/js/app.js", &[], None).await;
    assert_eq!(plain.status, StatusCode::OK);
    assert!(
        plain.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
    assert_eq!(
        plain.headers[header::CONTENT_SECURITY_POLICY],
        CONTENT_SECURITY_POLICY
    );
    let packed = w
        .call(
            Method::GET,
            "/assets/js/app.js",
            &[("accept-encoding", "gzip, br")],
            None,
        )
        .await;
    assert_eq!(packed.headers[header::CONTENT_ENCODING], "gzip");
    let mut unpacked = Vec::new();
    flate2::read::GzDecoder::new(&packed.bytes[..])
        .read_to_end(&mut unpacked)
        .unwrap();
    assert_eq!(unpacked, plain.bytes);
    let etag = plain.headers[header::ETAG].to_str().unwrap().to_owned();
    let again = w
        .call(
            Method::GET,
            "/assets/js/app.js",
            &[("if-none-match", &etag)],
            None,
        )
        .await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert!(again.bytes.is_empty());
    // The gzip copy is another representation, with its own tag.
    let packed_etag = packed.headers[header::ETAG].to_str().unwrap().to_owned();
    assert_ne!(packed_etag, etag);
    let stale = w
        .call(
            Method::GET,
            "/assets/js/app.js",
            &[("if-none-match", &etag), ("accept-encoding", "gzip")],
            None,
        )
        .await;
    assert_eq!(stale.status, StatusCode::OK);
    let fresh = w
        .call(
            Method::GET,
            "/assets/js/app.js",
            &[("if-none-match", &packed_etag), ("accept-encoding", "gzip")],
            None,
        )
        .await;
    assert_eq!(fresh.status, StatusCode::NOT_MODIFIED);

    for path in [
        "/assets/../Cargo.toml",
        "/assets/%2e%2e/Cargo.toml",
        "/assets/index.html",
        "/assets/js/nothing.js",
        "/assets/",
    ] {
        let reply = w.call(Method::GET, path, &[], None).await;
        reply.problem(StatusCode::NOT_FOUND, "not-found");
    }
}

#[tokio::test]
async fn the_whole_app_weighs_well_under_200_kb_compressed() {
    let w = world("", "").await;
    let page = w
        .call(Method::GET, "/", &[("accept-encoding", "gzip")], None)
        .await;
    let mut total = page.bytes.len();
    let mut uncompressed = 0;
    let mut todo = vec!["js/app.js".to_owned(), "app.css".to_owned()];
    let mut seen = std::collections::HashSet::new();
    // Follow the module graph from the entry point, as a browser would.
    while let Some(path) = todo.pop() {
        if !seen.insert(path.clone()) {
            continue;
        }
        let uri = format!("/assets/{path}");
        let packed = w
            .call(Method::GET, &uri, &[("accept-encoding", "gzip")], None)
            .await;
        assert_eq!(packed.status, StatusCode::OK, "{uri}");
        total += packed.bytes.len();
        let plain = w.call(Method::GET, &uri, &[], None).await.text();
        uncompressed += plain.len();
        let dir = path.rsplit_once('/').map_or("", |(dir, _)| dir);
        for spec in plain
            .split(['"', '\''])
            .filter(|s| s.starts_with("./") || s.starts_with("../"))
        {
            if !spec.ends_with(".js") {
                continue;
            }
            let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
            for segment in spec.split('/') {
                match segment {
                    "." => {}
                    ".." => {
                        parts.pop();
                    }
                    s => parts.push(s),
                }
            }
            todo.push(parts.join("/"));
        }
    }
    assert!(
        seen.len() > 3,
        "the module graph was not followed: {seen:?}"
    );
    assert!(
        total < 200 * 1024,
        "{total} bytes compressed ({uncompressed} plain)"
    );
}

#[tokio::test]
async fn nested_under_prefixes_the_page_names_both_bases() {
    let w = world("/ui", "/api").await;
    let page = w.call(Method::GET, "/ui", &[], None).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let html = page.text();
    assert!(
        html.contains(r#"<meta name="attendance-api" content="/api">"#),
        "{html}"
    );
    assert!(html.contains(r#"src="/ui/assets/js/app.js""#), "{html}");
    let script = w.call(Method::GET, "/ui/assets/js/app.js", &[], None).await;
    assert_eq!(script.status, StatusCode::OK);
    let (cookie, _) = w.sign_in("/ui/session", &w.admin.1).await;
    let me = w
        .call(Method::GET, "/api/me", &[("cookie", &cookie)], None)
        .await;
    assert_eq!(me.json()["kind"], "admin", "{}", me.text());
}

#[tokio::test]
async fn without_sign_in_the_page_asks_for_none_and_has_no_session_route() {
    let web = WebApp::new(WebConfig::default()).router();
    let w = World {
        app: web,
        ..world("", "").await
    };
    let html = w.call(Method::GET, "/", &[], None).await.text();
    assert!(
        html.contains(r#"<meta name="attendance-sign-in" content="none">"#),
        "{html}"
    );
    let reply = w
        .call(
            Method::POST,
            "/session",
            &[],
            Some(json!({ "token": w.admin.1 })),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn me_names_employees_and_managers_with_their_teams() {
    let w = world("", "").await;
    let (employee, token) = w.employee_token(false).await;
    let auth = format!("Bearer {token}");
    let me = w
        .call(Method::GET, "/me", &[("authorization", &auth)], None)
        .await
        .json();
    assert_eq!(me["kind"], "employee", "{me}");
    assert_eq!(me["employee"]["id"], employee);
    assert_eq!(me["name"], "Ada Lovelace");
    assert_eq!(me["manages"], json!([]));

    let (_, token) = w.employee_token(true).await;
    let auth = format!("Bearer {token}");
    let me = w
        .call(Method::GET, "/me", &[("authorization", &auth)], None)
        .await
        .json();
    assert_eq!(me["kind"], "manager", "{me}");
    assert_eq!(me["manages"], json!([me["employee"]["team_id"]]));
}

#[tokio::test]
async fn the_daily_facts_are_the_summarys_and_are_not_rate_limited() {
    let w = world("", "").await;
    let (employee, _) = w.employee_token(false).await;
    let auth = format!("Bearer {}", w.admin.1);
    let clock_in = w
        .call(
            Method::POST,
            "/attendance/clock-in",
            &[("authorization", &auth)],
            Some(json!({ "employee_id": employee, "work_mode": "WFH" })),
        )
        .await;
    assert_eq!(clock_in.status, StatusCode::CREATED, "{}", clock_in.text());
    let today = chrono::Utc::now().date_naive();
    let summary = w
        .call(
            Method::GET,
            &format!("/summaries/daily?date={today}"),
            &[("authorization", &auth)],
            None,
        )
        .await
        .json();
    // More calls than the summaries' limit allows in a minute.
    for _ in 0..15 {
        let facts = w
            .call(
                Method::GET,
                &format!("/summaries/daily/facts?date={today}"),
                &[("authorization", &auth)],
                None,
            )
            .await;
        assert_eq!(facts.status, StatusCode::OK, "{}", facts.text());
        assert_eq!(facts.json(), summary["facts"]);
    }
    assert_eq!(summary["facts"]["wfh"], 1, "{summary}");
    assert_eq!(
        summary["facts"]["still_clocked_in"],
        json!(["Ada Lovelace"])
    );
    w.call(
        Method::GET,
        "/summaries/daily/facts?date=yesterday",
        &[("authorization", &auth)],
        None,
    )
    .await
    .problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
}
