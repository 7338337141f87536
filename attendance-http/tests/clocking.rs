//! Clock-in and clock-out through the router in-process, over an in-memory
//! store with a fixed clock: the sessions they answer and the problems.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use axum::http::StatusCode;
use serde_json::json;
use support::Harness;

#[tokio::test]
async fn clock_in_answers_201_with_the_open_session_and_clock_out_200_with_it_closed() {
    let h = Harness::new();
    let team = h.team("Platform").await;
    let ada = h.employee(team, "Ada").await;

    let reply = h
        .post(
            "/attendance/clock-in",
            json!({ "employee_id": ada, "work_mode": "WFO", "at": "2026-03-04T08:55:00Z" }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{reply:?}");
    let id = reply.body["id"].as_i64().unwrap();
    assert_eq!(
        reply.body,
        json!({
            "id": id, "employee_id": ada, "work_date": "2026-03-04",
            "clock_in": "2026-03-04T08:55:00Z", "clock_out": null, "work_mode": "WFO",
            "auto_closed": false
        })
    );

    // No `at`: the service's clock, stopped at noon.
    let reply = h
        .post("/attendance/clock-out", json!({ "employee_id": ada }))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    assert_eq!(reply.body["id"], id);
    assert_eq!(reply.body["clock_out"], "2026-03-04T12:00:00Z");

    // An offset is converted to UTC; lower-case modes are accepted.
    let reply = h
        .post(
            "/attendance/clock-in",
            json!({ "employee_id": ada, "work_mode": "wfh", "at": "2026-03-04T13:02:00+01:00" }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{reply:?}");
    assert_eq!(reply.body["clock_in"], "2026-03-04T12:02:00Z");
    assert_eq!(reply.body["work_mode"], "WFH");
}

#[tokio::test]
async fn a_second_clock_in_is_a_409_problem_carrying_the_open_session() {
    let h = Harness::new();
    let team = h.team("Platform").await;
    let ada = h.employee(team, "Ada").await;
    let first = h
        .post(
            "/attendance/clock-in",
            json!({ "employee_id": ada, "work_mode": "WFH", "at": "2026-03-04T09:00:00Z" }),
        )
        .await;
    assert_eq!(first.status, StatusCode::CREATED);
    let reply = h
        .post(
            "/attendance/clock-in",
            json!({ "employee_id": ada, "work_mode": "WFO" }),
        )
        .await;
    let body = reply.problem(StatusCode::CONFLICT, "conflict");
    assert_eq!(body["conflict"], "already_clocked_in");
    assert_eq!(body["open_session"], first.body);
}

#[tokio::test]
async fn clock_out_without_an_open_session_is_a_409_problem() {
    let h = Harness::new();
    let team = h.team("Platform").await;
    let ada = h.employee(team, "Ada").await;
    let reply = h
        .post("/attendance/clock-out", json!({ "employee_id": ada }))
        .await;
    let body = reply.problem(StatusCode::CONFLICT, "conflict");
    assert_eq!(body["conflict"], "not_clocked_in");
}

#[tokio::test]
async fn a_clock_in_overlapping_an_earlier_session_is_a_409_problem_carrying_it() {
    let h = Harness::new();
    let team = h.team("Platform").await;
    let ada = h.employee(team, "Ada").await;
    h.post(
        "/attendance/clock-in",
        json!({ "employee_id": ada, "work_mode": "WFO", "at": "2026-03-04T08:00:00Z" }),
    )
    .await;
    let closed = h
        .post(
            "/attendance/clock-out",
            json!({ "employee_id": ada, "at": "2026-03-04T10:00:00Z" }),
        )
        .await;
    assert_eq!(closed.status, StatusCode::OK);
    let reply = h
        .post(
            "/attendance/clock-in",
            json!({ "employee_id": ada, "work_mode": "WFO", "at": "2026-03-04T09:00:00Z" }),
        )
        .await;
    let body = reply.problem(StatusCode::CONFLICT, "conflict");
    assert_eq!(body["conflict"], "overlap");
    assert_eq!(body["existing_session"], closed.body);
}

#[tokio::test]
async fn clock_in_and_out_of_an_unknown_employee_are_404_problems() {
    let h = Harness::new();
    h.post(
        "/attendance/clock-in",
        json!({ "employee_id": 404, "work_mode": "WFO" }),
    )
    .await
    .problem(StatusCode::NOT_FOUND, "not-found");
    h.post("/attendance/clock-out", json!({ "employee_id": 404 }))
        .await
        .problem(StatusCode::NOT_FOUND, "not-found");
}

#[tokio::test]
async fn invalid_clock_fields_are_422_problems_naming_the_field() {
    let h = Harness::new();
    let team = h.team("Platform").await;
    let ada = h.employee(team, "Ada").await;
    for (uri, body, field) in [
        (
            "/attendance/clock-in",
            json!({ "employee_id": ada, "work_mode": "office" }),
            "work_mode",
        ),
        (
            "/attendance/clock-in",
            json!({ "employee_id": ada }),
            "work_mode",
        ),
        (
            "/attendance/clock-in",
            json!({ "work_mode": "WFO" }),
            "employee_id",
        ),
        (
            "/attendance/clock-in",
            json!({ "employee_id": ada, "work_mode": "WFO", "at": "yesterday" }),
            "at",
        ),
        (
            "/attendance/clock-in",
            json!({ "employee_id": ada, "work_mode": "WFO", "at": "2026-03-04T13:00:00Z" }),
            "at",
        ),
        (
            "/attendance/clock-in",
            json!({ "employee_id": ada, "work_mode": "WFO", "when": "2026-03-04T09:00:00Z" }),
            "when",
        ),
        (
            "/attendance/clock-out",
            json!({ "employee_id": 1.5 }),
            "employee_id",
        ),
        (
            "/attendance/clock-out",
            json!({ "employee_id": ada, "at": 1_700_000_000 }),
            "at",
        ),
    ] {
        let reply = h.post(uri, body.clone()).await;
        assert_eq!(reply.invalid_field(), field, "{uri} {body}");
    }
}

#[tokio::test]
async fn a_clock_out_before_the_clock_in_is_a_422_problem_on_at() {
    let h = Harness::new();
    let team = h.team("Platform").await;
    let ada = h.employee(team, "Ada").await;
    h.post(
        "/attendance/clock-in",
        json!({ "employee_id": ada, "work_mode": "WFO", "at": "2026-03-04T09:00:00Z" }),
    )
    .await;
    let reply = h
        .post(
            "/attendance/clock-out",
            json!({ "employee_id": ada, "at": "2026-03-04T08:00:00Z" }),
        )
        .await;
    assert_eq!(reply.invalid_field(), "at");
}
