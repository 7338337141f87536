//! What a client chose reaches the request's log span only bounded. A
//! request id is checked (see `request_ids.rs`); the path and the method are cut to a few hundred bytes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::io::Write;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::{Method, Request};

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn a_long_path_and_method_are_logged_cut() {
    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let h = support::Harness::new();
    let long = "a".repeat(5000);
    h.get(&format!("/{long}")).await;
    let method = Method::from_bytes("M".repeat(3000).as_bytes()).unwrap();
    let request = Request::builder()
        .method(method)
        .uri("/teams")
        .body(Body::empty())
        .unwrap();
    h.send(request).await;

    let log = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(log.contains("aaaa"), "{log}");
    assert!(
        !log.contains(&"a".repeat(1000)),
        "the whole path was logged"
    );
    assert!(log.contains("MMMM"), "{log}");
    assert!(
        !log.contains(&"M".repeat(1000)),
        "the whole method was logged"
    );
}
