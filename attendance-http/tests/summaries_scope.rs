//! Summaries and questions answer as the request's principal: an employee
//! who manages nobody reads no summary (403), a manager reads their teams
//! and finds no other (404), and a request without a principal is refused
//! (401) rather than served as anyone.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use attendance_core::access::{Member, Principal};
use attendance_core::{EmployeeId, TeamId};
use attendance_http::HttpConfig;
use axum::Router;
use axum::http::StatusCode;
use serde_json::json;
use support::{FromExtension, Harness, get, post_json, send, services};

/// A router over `h`'s store whose requests act as `principal` (as no one
/// with `None`).
fn router_as(h: &Harness, principal: Option<Principal>) -> Router {
    let services = services(h.store.clone(), h.clock.clone())
        .with_authenticator(std::sync::Arc::new(FromExtension));
    let app = attendance_http::router_with(services, &HttpConfig::default());
    match principal {
        Some(principal) => app.layer(axum::Extension(principal)),
        None => app,
    }
}

#[tokio::test]
async fn summaries_answer_as_the_caller() {
    let h = Harness::new();
    let platform = h.team("Platform").await;
    let ada = h.employee(platform, "Ada").await;
    let sales = h.team("Sales").await;
    let sam = h.employee(sales, "Sam").await;
    h.employee(sales, "Sue").await;
    let day = "/summaries/daily?date=2026-03-04";
    let week = "/summaries/weekly?week=2026-W10";

    let plain = Principal::Member(Member::new(EmployeeId(ada), TeamId(platform), Vec::new()));
    let app = router_as(&h, Some(plain));
    for uri in [day, week] {
        send(&app, get(uri))
            .await
            .problem(StatusCode::FORBIDDEN, "forbidden");
    }

    // Sam manages Sales: his team, and no other.
    let boss = Principal::Member(Member::new(
        EmployeeId(sam),
        TeamId(sales),
        vec![TeamId(sales)],
    ));
    let app = router_as(&h, Some(boss));
    for uri in [day, week] {
        send(&app, get(&format!("{uri}&team_id={platform}")))
            .await
            .problem(StatusCode::NOT_FOUND, "not-found");
        let reply = send(&app, get(uri)).await;
        assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
        let facts = &reply.body["facts"];
        assert_eq!(facts["scope"], "your teams", "{uri}");
        assert_eq!(facts["headcount"], 2, "{uri}");
        assert_eq!(facts["teams"][0]["team"], "Sales", "{uri}");
        assert_eq!(facts["teams"].as_array().unwrap().len(), 1, "{uri}");
    }

    // No principal at all: refused, not served as the host.
    let app = router_as(&h, None);
    send(&app, get(day))
        .await
        .problem(StatusCode::UNAUTHORIZED, "unauthenticated");
    send(
        &app,
        post_json("/ask", &json!({ "question": "Who was late?" })),
    )
    .await
    .problem(StatusCode::UNAUTHORIZED, "unauthenticated");
}
