//! Webhook endpoints over HTTP: admins only, reads included; the signing
//! secret shown at registration (and on its replay) and nowhere else, the
//! audit trail included; writes queue deliveries an admin can read and
//! send again.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::{Value, json};
use support::send;
use support::world::{World, call};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

#[tokio::test]
async fn webhooks_are_for_admins_only() {
    let w = World::new().await;
    let body =
        json!({ "url": "https://hooks.example.com/a", "event_types": ["session.clocked_in"] });
    let reply = call(&w.admin, Method::POST, "/webhooks", Some(body.clone())).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{reply:?}");
    let id = reply.body["endpoint"]["id"].as_i64().unwrap();
    for app in [&w.boss, &w.dee, &w.ada] {
        for (method, uri, body) in [
            (Method::POST, String::from("/webhooks"), Some(body.clone())),
            // Even a body that would not pass says nothing but no.
            (
                Method::POST,
                String::from("/webhooks"),
                Some(json!({ "url": "x", "event_types": [] })),
            ),
            (
                Method::POST,
                format!("/webhooks/{id}/redeliver"),
                Some(json!({})),
            ),
            (Method::DELETE, format!("/webhooks/{id}"), None),
        ] {
            w.refused(app, method, &uri, body, StatusCode::FORBIDDEN)
                .await
                .problem(StatusCode::FORBIDDEN, "forbidden");
        }
        for uri in [
            String::from("/webhooks"),
            format!("/webhooks/{id}"),
            format!("/webhooks/{id}/deliveries"),
        ] {
            call(app, Method::GET, &uri, None)
                .await
                .problem(StatusCode::FORBIDDEN, "forbidden");
        }
    }
    let list = call(&w.admin, Method::GET, "/webhooks", None).await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(list.body["items"][0]["id"], id);
}

fn register(key: &str, body: &Value) -> Request<Body> {
    Request::builder()
        .method(Method::POST)
        .uri("/webhooks")
        .header(header::CONTENT_TYPE, "application/json")
        .header("idempotency-key", key)
        .body(Body::from(body.to_string()))
        .unwrap()
}

#[tokio::test]
async fn the_secret_is_shown_at_registration_only() {
    let w = World::new().await;
    // A generated secret: shown once, and again to a retry of the same
    // request, never by a read.
    let body = json!({
        "url": "https://hooks.example.com/payroll",
        "event_types": ["session.clocked_out", "session.clocked_in", "session.clocked_in"],
    });
    let first = send(&w.admin, register("hook-1", &body)).await;
    assert_eq!(first.status, StatusCode::CREATED, "{first:?}");
    let secret = first.body["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"), "{secret}");
    let endpoint = &first.body["endpoint"];
    let id = endpoint["id"].as_i64().unwrap();
    assert_eq!(first.headers[header::LOCATION], format!("/webhooks/{id}"));
    assert_eq!(
        endpoint["event_types"],
        json!(["session.clocked_in", "session.clocked_out"])
    );
    assert_eq!(endpoint["state"], "active");
    assert_eq!(endpoint["url"], "https://hooks.example.com/payroll");
    let replay = send(&w.admin, register("hook-1", &body)).await;
    assert_eq!(replay.headers["idempotent-replayed"], "true");
    assert_eq!(replay.body["secret"], secret);

    // A secret of one's own is taken as given.
    let own = json!({ "url": "http://127.0.0.1:9000/in", "event_types": ["period.locked"], "secret": SECRET });
    let reply = call(&w.admin, Method::POST, "/webhooks", Some(own)).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{reply:?}");
    assert_eq!(reply.body["secret"], SECRET);

    for uri in [
        String::from("/webhooks"),
        format!("/webhooks/{id}"),
        String::from("/audit?limit=500"),
    ] {
        let reply = call(&w.admin, Method::GET, &uri, None).await;
        assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
        assert!(!reply.text.contains(&secret), "{uri}: {}", reply.text);
        assert!(!reply.text.contains(SECRET), "{uri}: {}", reply.text);
        assert!(!reply.text.contains("whsec_"), "{uri}: {}", reply.text);
    }
    let one = call(&w.admin, Method::GET, &format!("/webhooks/{id}"), None).await;
    assert_eq!(&one.body, endpoint);
    let audit = call(&w.admin, Method::GET, "/audit?limit=500", None).await;
    let registered = audit.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "webhook_registered" && e["after"]["value"]["id"] == id)
        .unwrap();
    assert_eq!(registered["after"]["kind"], "webhook");
    assert_eq!(registered["after"]["value"], *endpoint);
}

#[tokio::test]
async fn registrations_are_checked() {
    let w = World::new().await;
    let url = "https://hooks.example.com/a";
    for (body, field) in [
        (
            json!({ "url": url, "event_types": ["session.clocked"] }),
            "event_types",
        ),
        (json!({ "url": url, "event_types": [] }), "event_types"),
        (json!({ "url": url }), "event_types"),
        (
            json!({ "url": "ftp://x", "event_types": ["team.created"] }),
            "url",
        ),
        (
            json!({ "url": "https://u:p@example.com", "event_types": ["team.created"] }),
            "url",
        ),
        (
            json!({ "url": url, "event_types": ["team.created"], "secret": "hunter2" }),
            "secret",
        ),
        (
            json!({ "url": url, "event_types": ["team.created"], "events": [] }),
            "events",
        ),
    ] {
        let reply = w
            .refused(
                &w.admin,
                Method::POST,
                "/webhooks",
                Some(body.clone()),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        assert_eq!(reply.invalid_field(), field, "{body}");
        assert!(!reply.text.contains("hunter2"), "{}", reply.text);
    }
    for uri in ["/webhooks/abc", "/webhooks/999", "/webhooks/999/deliveries"] {
        call(&w.admin, Method::GET, uri, None)
            .await
            .problem(StatusCode::NOT_FOUND, "not-found");
    }
    w.refused(
        &w.admin,
        Method::DELETE,
        "/webhooks/999",
        None,
        StatusCode::NOT_FOUND,
    )
    .await;
}

#[tokio::test]
async fn writes_queue_deliveries_that_can_be_sent_again_until_removed() {
    let w = World::new().await;
    let body =
        json!({ "url": "https://hooks.example.com/a", "event_types": ["session.clocked_in"] });
    let reply = call(&w.admin, Method::POST, "/webhooks", Some(body)).await;
    let id = reply.body["endpoint"]["id"].as_i64().unwrap();
    let clock_in =
        json!({ "employee_id": w.ada_id, "work_mode": "WFO", "at": "2026-03-04T08:00:00Z" });
    let reply = call(&w.ada, Method::POST, "/attendance/clock-in", Some(clock_in)).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{reply:?}");
    // Not subscribed: no delivery.
    let reply = call(
        &w.ada,
        Method::POST,
        "/attendance/clock-out",
        Some(json!({ "employee_id": w.ada_id })),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");

    let deliveries = format!("/webhooks/{id}/deliveries");
    let reply = call(&w.admin, Method::GET, &deliveries, None).await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    let items = reply.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(items[0]["event_type"], "session.clocked_in");
    assert_eq!(items[0]["state"], "pending");
    assert_eq!(items[0]["endpoint_id"], id);
    let delivery = items[0]["id"].as_i64().unwrap();
    let pending = call(
        &w.admin,
        Method::GET,
        &format!("{deliveries}?state=pending&limit=1"),
        None,
    )
    .await;
    assert_eq!(pending.body["items"][0]["id"], delivery);
    let failed = call(
        &w.admin,
        Method::GET,
        &format!("{deliveries}?state=failed"),
        None,
    )
    .await;
    assert_eq!(failed.body["items"], json!([]));
    for query in ["state=lost", "limit=0", "cursor=zz", "since=1"] {
        call(
            &w.admin,
            Method::GET,
            &format!("{deliveries}?{query}"),
            None,
        )
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
    }

    let redeliver = format!("/webhooks/{id}/redeliver");
    for body in [json!({}), json!({ "delivery_id": delivery })] {
        let reply = call(&w.admin, Method::POST, &redeliver, Some(body)).await;
        assert_eq!(reply.status, StatusCode::ACCEPTED, "{reply:?}");
        assert_eq!(reply.body["id"], id);
        assert_eq!(reply.body["state"], "active");
    }
    w.refused(
        &w.admin,
        Method::POST,
        &redeliver,
        Some(json!({ "delivery_id": 999 })),
        StatusCode::NOT_FOUND,
    )
    .await;

    let reply = call(&w.admin, Method::DELETE, &format!("/webhooks/{id}"), None).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{reply:?}");
    assert!(reply.text.is_empty());
    call(&w.admin, Method::GET, &format!("/webhooks/{id}"), None)
        .await
        .problem(StatusCode::NOT_FOUND, "not-found");
    let audit = call(&w.admin, Method::GET, "/audit?limit=500", None).await;
    let actions: Vec<&str> = audit.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for action in [
        "webhook_registered",
        "webhook_redelivered",
        "webhook_removed",
    ] {
        assert!(actions.contains(&action), "{action}: {actions:?}");
    }
}
