//! Requests the router refuses before a handler runs (axum's rejections
//! turned into problems), in-process over an in-memory store.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use attendance_http::HttpConfig;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::json;
use support::{Harness, post_json, post_raw};

#[tokio::test]
async fn malformed_json_is_a_400_problem() {
    let h = Harness::new();
    for body in [
        r#"{"name": "Ops""#,
        "{name: 'Ops'}",
        "",
        r#"{"name": "Ops"} trailing"#,
    ] {
        let reply = h
            .send(post_raw("/teams", Some("application/json"), body))
            .await;
        reply.problem(StatusCode::BAD_REQUEST, "malformed-json");
    }
}

#[tokio::test]
async fn a_body_that_is_not_an_object_is_a_422_problem() {
    let h = Harness::new();
    let reply = h
        .send(post_raw("/teams", Some("application/json"), "[1, 2, 3]"))
        .await;
    assert_eq!(reply.invalid_field(), "body");
}

#[tokio::test]
async fn a_body_not_declared_as_json_is_a_415_problem() {
    let h = Harness::new();
    for content_type in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
    ] {
        let reply = h
            .send(post_raw("/teams", content_type, r#"{"name": "Ops"}"#))
            .await;
        reply.problem(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type");
    }
    let reply = h
        .send(post_raw(
            "/teams",
            Some("application/json; charset=utf-8"),
            r#"{"name": "Ops"}"#,
        ))
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{reply:?}");
}

#[tokio::test]
async fn a_body_over_the_limit_is_a_413_problem() {
    let h = Harness::new();
    // Default limit: 1 MiB.
    let name = "x".repeat(1024 * 1024 + 1);
    let reply = h.send(post_json("/teams", &json!({ "name": name }))).await;
    reply.problem(StatusCode::PAYLOAD_TOO_LARGE, "payload-too-large");

    let h = Harness::with_config(&HttpConfig::default().with_body_limit(64));
    let reply = h
        .send(post_json(
            "/employees",
            &json!({ "name": "A".repeat(100), "role": "Engineer", "team_id": 1 }),
        ))
        .await;
    reply.problem(StatusCode::PAYLOAD_TOO_LARGE, "payload-too-large");
    let reply = h.post("/teams", json!({ "name": "Ops" })).await;
    assert_eq!(reply.status, StatusCode::CREATED);
}

#[tokio::test]
async fn an_unknown_path_is_a_404_problem() {
    let h = Harness::new();
    for uri in [
        "/nope",
        "/teams/1/members",
        "/",
        "/attendance/clock-sideways",
    ] {
        h.get(uri).await.problem(StatusCode::NOT_FOUND, "not-found");
    }
}

#[tokio::test]
async fn a_method_the_path_does_not_serve_is_a_405_problem_with_allow() {
    let h = Harness::new();
    let request = Request::builder()
        .method(Method::DELETE)
        .uri("/teams")
        .body(Body::empty())
        .unwrap();
    let reply = h.send(request).await;
    reply.problem(StatusCode::METHOD_NOT_ALLOWED, "method-not-allowed");
    let allow = reply.headers[header::ALLOW].to_str().unwrap().to_owned();
    assert!(allow.contains("GET") && allow.contains("POST"), "{allow}");

    let reply = h.get("/attendance/clock-in").await;
    reply.problem(StatusCode::METHOD_NOT_ALLOWED, "method-not-allowed");
    assert_eq!(reply.headers[header::ALLOW], "POST");
}
