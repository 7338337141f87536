//! Health and failures in-process: a store that is down or broken, a
//! handler that panics or runs out of time, and values outside the
//! supported years; every one a problem that reveals nothing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use attendance_http::HttpConfig;
use axum::http::{StatusCode, header};
use serde_json::json;
use support::{Fault, Harness};

// ---- health -----------------------------------------------------------------

#[tokio::test]
async fn health_is_ok_while_the_store_answers() {
    let h = Harness::new();
    let reply = h.get("/health").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, json!({ "status": "ok" }));
    assert!(reply.content_type().starts_with("application/json"));
}

#[tokio::test]
async fn health_is_a_503_problem_with_retry_after_when_the_store_is_down() {
    let h = Harness::new();
    h.store.set(Fault::Unavailable);
    let reply = h.get("/health").await;
    reply.problem(StatusCode::SERVICE_UNAVAILABLE, "unavailable");
    assert_eq!(reply.headers[header::RETRY_AFTER], "5");
    h.store.set(Fault::Backend);
    h.get("/health")
        .await
        .problem(StatusCode::SERVICE_UNAVAILABLE, "unavailable");
}

// ---- failures of the store and of handlers ----------------------------------

#[tokio::test]
async fn an_unreachable_store_is_a_503_problem_with_retry_after_on_every_route() {
    let h = Harness::new();
    let team = h.team("Platform").await;
    let ada = h.employee(team, "Ada").await;
    h.store.set(Fault::Unavailable);
    for reply in [
        h.get("/teams").await,
        h.get(&format!("/employees/{ada}")).await,
        h.post(
            "/attendance/clock-in",
            json!({ "employee_id": ada, "work_mode": "WFO" }),
        )
        .await,
        h.get("/attendance").await,
        h.get(&format!(
            "/trends/teams/{team}?from=2026-03-02&to=2026-03-04"
        ))
        .await,
    ] {
        reply.problem(StatusCode::SERVICE_UNAVAILABLE, "unavailable");
        assert_eq!(reply.headers[header::RETRY_AFTER], "5");
    }
}

#[tokio::test]
async fn a_backend_failure_is_a_500_problem_that_reveals_nothing() {
    let h = Harness::new();
    h.store.set(Fault::Backend);
    for reply in [
        h.get("/teams").await,
        h.post("/teams", json!({ "name": "Ops" })).await,
        h.get("/attendance").await,
    ] {
        reply.problem(StatusCode::INTERNAL_SERVER_ERROR, "internal");
    }
}

#[tokio::test]
async fn a_panicking_handler_is_a_500_problem_and_the_router_keeps_serving() {
    let h = Harness::new();
    h.store.set(Fault::Panic);
    let reply = h.get("/teams").await;
    reply.problem(StatusCode::INTERNAL_SERVER_ERROR, "internal");
    assert!(reply.headers.contains_key("x-request-id"));
    h.store.set(Fault::None);
    let reply = h.get("/teams").await;
    assert_eq!(reply.status, StatusCode::OK);
}

// Paused time: the runtime jumps to the deadline once the request can make
// no progress, so the real 30 s budget is tested exactly, in no time.
#[tokio::test(start_paused = true)]
async fn a_request_that_runs_out_of_time_is_a_503_problem() {
    let config = HttpConfig::default();
    let h = Harness::with_config(&config);
    h.store.set(Fault::Hang);
    let started = tokio::time::Instant::now();
    let reply = h.get("/teams").await;
    assert_eq!(started.elapsed(), config.request_timeout);
    let body = reply.problem(StatusCode::SERVICE_UNAVAILABLE, "timeout");
    let millis = config.request_timeout.as_millis().to_string();
    assert!(body["detail"].as_str().unwrap().contains(&millis), "{body}");
    assert!(reply.headers.contains_key(header::RETRY_AFTER));
    h.store.set(Fault::None);
    assert_eq!(h.get("/teams").await.status, StatusCode::OK);
}

/// Dates, weeks, instants and cursors outside the years
/// core supports are 422 problems naming the parameter, never a panic.
#[tokio::test]
async fn dates_weeks_instants_and_cursors_outside_the_supported_years_are_422() {
    let h = Harness::new();
    let team = h.team("Platform").await;
    let employee = h.employee(team, "Ada").await;
    for (uri, field) in [
        ("/summaries/weekly?week=-262143-W02", "week"),
        ("/summaries/weekly?week=%2B262143W1", "week"),
        ("/summaries/weekly?week=1899-W52", "week"),
        // Its summary compares with 1899-W52.
        ("/summaries/weekly?week=1900-W01", "week"),
        // It ends on 10000-01-02.
        ("/summaries/weekly?week=9999-W52", "week"),
        ("/summaries/weekly?week=10000-W01", "week"),
        ("/summaries/daily?date=1899-12-31", "date"),
        ("/summaries/daily?date=%2B262142-12-31", "date"),
        ("/attendance?from=-262143-01-01", "from"),
        ("/attendance?to=10000-01-01", "to"),
        // The clock-in of a forged cursor is in the year 10000.
        (
            "/attendance?cursor=0384440ccc7360000000000000000001",
            "cursor",
        ),
        (
            &*format!("/trends/employees/{employee}?from=1899-12-01&to=1900-01-31"),
            "from",
        ),
        (
            &*format!("/trends/teams/{team}?from=9999-12-01&to=%2B10000-01-31&granularity=month"),
            "to",
        ),
    ] {
        let reply = h.get(uri).await;
        reply.problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
        assert_eq!(reply.invalid_field(), field, "{uri}");
    }
    for at in ["1899-12-31T23:59:59Z", "0000-01-01T00:00:00+23:59"] {
        let reply = h
            .post(
                "/attendance/clock-in",
                json!({ "employee_id": employee, "work_mode": "WFO", "at": at }),
            )
            .await;
        reply.problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
        assert_eq!(reply.invalid_field(), "at", "{at}");
    }
    // The edges themselves are accepted.
    for uri in [
        "/summaries/weekly?week=1900-W02",
        "/summaries/weekly?week=9999-W51",
        "/summaries/daily?date=9999-12-31",
        "/attendance?from=1900-01-01&to=9999-12-31",
    ] {
        let reply = h.get(uri).await;
        assert_eq!(reply.status, StatusCode::OK, "{uri} {reply:?}");
    }
}
