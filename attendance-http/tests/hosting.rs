//! A host's own middleware: the router without the envelope, the public
//! envelope layer on it, and the tower-http stack that the crate
//! documentation offers in its place.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::sync::Arc;

use attendance_core::service::ManualClock;
use attendance_http::{EnvelopeLayer, HttpConfig};
use axum::Router;
use axum::body::Body;
use axum::http::{HeaderValue, Method, Request, StatusCode, header};
use axum::response::Response;
use serde_json::json;
use support::{Fault, FaultyStore, Harness, get, post_json, send, services};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};

/// The bare router over a store that fails on demand, and its config.
fn bare(config: &HttpConfig) -> (Router, Arc<FaultyStore>) {
    let store = Arc::new(FaultyStore::new());
    let clock = Arc::new(ManualClock::new(support::now()));
    let router = attendance_http::router_without_envelope(services(store.clone(), clock), config);
    (router, store)
}

#[tokio::test]
async fn without_the_envelope_the_routers_own_errors_are_still_problems() {
    let (app, _store) = bare(&HttpConfig::default().with_body_limit(64));
    let reply = send(&app, get("/nope")).await;
    reply.problem(StatusCode::NOT_FOUND, "not-found");
    // Nothing added a request id: the envelope is not there.
    assert!(!reply.headers.contains_key("x-request-id"));

    let delete = Request::builder()
        .method(Method::DELETE)
        .uri("/teams")
        .body(Body::empty())
        .unwrap();
    let reply = send(&app, delete).await;
    reply.problem(StatusCode::METHOD_NOT_ALLOWED, "method-not-allowed");
    assert!(reply.headers.contains_key(header::ALLOW));

    let big = json!({ "name": "x".repeat(100) });
    send(&app, post_json("/teams", &big))
        .await
        .problem(StatusCode::PAYLOAD_TOO_LARGE, "payload-too-large");
    let reply = send(&app, post_json("/teams", &json!({ "name": "" }))).await;
    assert_eq!(reply.invalid_field(), "name");
}

#[tokio::test]
async fn the_public_envelope_on_the_bare_router_is_the_default_router() {
    let (bare, store) = bare(&HttpConfig::default());
    let app = bare.layer(EnvelopeLayer);
    let reply = send(&app, get("/health")).await;
    assert_eq!(reply.status, StatusCode::OK);
    let id = reply.headers["x-request-id"].to_str().unwrap();
    assert!(uuid_like(id), "{id}");

    store.set(Fault::Panic);
    let reply = send(&app, get("/teams")).await;
    reply.problem(StatusCode::INTERNAL_SERVER_ERROR, "internal");
    assert!(reply.headers.contains_key("x-request-id"));
}

/// The stack of the crate documentation, in place of the envelope.
#[tokio::test]
async fn a_host_can_replace_the_envelope_with_tower_http() {
    let (bare, store) = bare(&HttpConfig::default());
    let app = bare
        // A route of the host's whose bare error the stack must dress.
        .route(
            "/teapot",
            axum::routing::get(|| async { StatusCode::IM_A_TEAPOT }),
        )
        .layer(axum::middleware::map_response(|r: Response| async move {
            attendance_http::ensure_problem(r)
        }))
        .layer(CatchPanicLayer::custom(attendance_http::panic_response))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .layer(axum::middleware::map_request(
            attendance_http::drop_unsafe_request_id,
        ));

    let mut request = get("/health");
    request
        .headers_mut()
        .insert("x-request-id", HeaderValue::from_static("client-7"));
    let reply = send(&app, request).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.headers["x-request-id"], "client-7");
    let reply = send(&app, get("/health")).await;
    assert!(uuid_like(reply.headers["x-request-id"].to_str().unwrap()));
    // An id that is too long or not of a safe alphabet
    // is replaced in this stack too.
    for unsafe_id in ["x".repeat(200), String::from("a b\"c")] {
        let mut request = get("/health");
        request
            .headers_mut()
            .insert("x-request-id", HeaderValue::from_str(&unsafe_id).unwrap());
        let reply = send(&app, request).await;
        assert!(uuid_like(reply.headers["x-request-id"].to_str().unwrap()));
    }

    let reply = send(&app, get("/teapot")).await;
    assert_eq!(reply.status, StatusCode::IM_A_TEAPOT);
    assert_eq!(reply.content_type(), "application/problem+json");

    store.set(Fault::Panic);
    let reply = send(&app, get("/teams")).await;
    reply.problem(StatusCode::INTERNAL_SERVER_ERROR, "internal");
    store.set(Fault::None);
    assert_eq!(send(&app, get("/teams")).await.status, StatusCode::OK);
}

fn uuid_like(id: &str) -> bool {
    id.len() == 36 && id.chars().filter(|c| *c == '-').count() == 4
}

#[tokio::test]
async fn a_host_can_nest_the_router_and_add_its_own_layers() {
    let h = Harness::new();
    let app = Router::new().nest("/api/v1", h.app.clone()).layer(
        tower_http::set_header::SetResponseHeaderLayer::overriding(
            header::HeaderName::from_static("x-host"),
            HeaderValue::from_static("yes"),
        ),
    );
    let reply = send(&app, post_json("/api/v1/teams", &json!({ "name": "Ops" }))).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{reply:?}");
    let id = reply.body["id"].as_i64().unwrap();
    assert_eq!(
        reply.headers[header::LOCATION],
        format!("/api/v1/teams/{id}")
    );
    assert_eq!(reply.headers["x-host"], "yes");

    let reply = send(&app, get(&format!("/api/v1/teams/{id}"))).await;
    assert_eq!(reply.status, StatusCode::OK);
    let reply = send(&app, get("/api/v1/unknown")).await;
    reply.problem(StatusCode::NOT_FOUND, "not-found");
    assert_eq!(reply.headers["x-host"], "yes");
}
