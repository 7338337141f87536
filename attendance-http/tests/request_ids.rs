//! Request ids in-process: echoed when safe, generated otherwise.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use axum::http::HeaderValue;
use support::{Harness, get};

#[tokio::test]
async fn request_ids_are_echoed_or_generated() {
    let h = Harness::new();
    let mut request = get("/health");
    request
        .headers_mut()
        .insert("x-request-id", HeaderValue::from_static("abc-123"));
    let reply = h.send(request).await;
    assert_eq!(reply.headers["x-request-id"], "abc-123");

    let one = h.get("/health").await.headers["x-request-id"].clone();
    let two = h.get("/nope").await.headers["x-request-id"].clone();
    assert!(!one.is_empty());
    assert_ne!(one, two);
}

/// A client-chosen request id is echoed and logged only
/// when it is short and of a safe alphabet; anything else is replaced by a
/// generated one, which the inner routes see too.
#[tokio::test]
async fn unsafe_or_long_request_ids_are_replaced_by_generated_ones() {
    let h = Harness::new();
    let long = "a".repeat(65);
    let within = "b".repeat(64);
    for (sent, kept) in [
        ("abc-123", true),
        ("0f9a_B.7:z", true),
        (within.as_str(), true),
        (long.as_str(), false),
        ("", false),
        ("has space", false),
        ("quote\"d", false),
        ("semi;colon", false),
        ("tab\there", false),
        ("<script>", false),
        ("%0d%0aSet-Cookie", false),
    ] {
        let mut request = get("/health");
        request
            .headers_mut()
            .insert("x-request-id", HeaderValue::from_str(sent).unwrap());
        let reply = h.send(request).await;
        let echoed = reply.headers["x-request-id"].to_str().unwrap();
        if kept {
            assert_eq!(echoed, sent);
        } else {
            assert_ne!(echoed, sent);
            assert!(uuid_like(echoed), "{sent:?} became {echoed:?}");
        }
    }
    // Bytes that are not text are no id either.
    let mut request = get("/health");
    request.headers_mut().insert(
        "x-request-id",
        HeaderValue::from_bytes(b"caf\xc3\xa9").unwrap(),
    );
    let reply = h.send(request).await;
    assert!(uuid_like(reply.headers["x-request-id"].to_str().unwrap()));
}

fn uuid_like(s: &str) -> bool {
    s.len() == 36 && s.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-')
}
