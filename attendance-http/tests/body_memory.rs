//! A JSON body is deserialized straight into its request
//! type, so a body of a million tiny JSON values costs no more memory than
//! its own bytes. (Parsed into a generic `serde_json::Value` first, each
//! `[]` of three bytes became a 32-byte value: 16 such bodies at once took
//! hundreds of MiB.)
//!
//! Alone in its binary so that no other test moves the process's peak
//! resident memory, read from `/proc/self/status` (Linux).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use axum::http::StatusCode;
use support::{Harness, post_raw, send};

/// Peak resident memory of this process, in KiB.
fn peak_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .expect("VmHWM in /proc/self/status");
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// Current resident memory, in KiB.
fn resident_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// `[]` repeated to just under the 1 MiB body limit, wrapped by `shape`.
fn nested_arrays(shape: &str) -> Vec<u8> {
    let mut items = String::from("[]");
    while items.len() < 1024 * 1024 - 100 {
        items.push_str(",[]");
    }
    shape.replace("ITEMS", &items).into_bytes()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixteen_bodies_of_nested_empty_arrays_cost_no_more_than_their_bytes() {
    let h = Harness::new();
    for (route, shape, status) in [
        // Not an object at all.
        ("/teams", "[ITEMS]", StatusCode::UNPROCESSABLE_ENTITY),
        // A member of the wrong type.
        (
            "/teams",
            r#"{"name": [ITEMS]}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        // A member the type does not know.
        (
            "/employees",
            r#"{"name": "a", "extra": [ITEMS]}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/ask",
            r#"{"question": [ITEMS]}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ] {
        let bodies: Vec<Vec<u8>> = (0..16).map(|_| nested_arrays(shape)).collect();
        // Start the peak afresh at what the bodies already take.
        std::fs::write("/proc/self/clear_refs", "5").unwrap();
        let before = resident_kib();
        let replies = futures_join(
            bodies
                .into_iter()
                .map(|body| {
                    let app = h.app.clone();
                    tokio::spawn(async move {
                        send(&app, post_raw(route, Some("application/json"), body)).await
                    })
                })
                .collect(),
        )
        .await;
        for reply in replies {
            assert_eq!(reply.status, status, "{route} {shape}: {reply:?}");
        }
        let grown_kib = peak_kib().saturating_sub(before);
        assert!(
            grown_kib < 8 * 1024,
            "{route} {shape}: 16 bodies of 1 MiB raised the peak by {grown_kib} KiB"
        );
    }
}

async fn futures_join<T>(handles: Vec<tokio::task::JoinHandle<T>>) -> Vec<T> {
    let mut out = Vec::with_capacity(handles.len());
    for handle in handles {
        out.push(handle.await.unwrap());
    }
    out
}
