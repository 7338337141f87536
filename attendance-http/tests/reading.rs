//! What the router reads back in-process, over an in-memory store with a
//! fixed clock: attendance listings with their filters and cursors, trends,
//! and the OpenAPI document.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use attendance_core::store::MAX_PAGE_SIZE;
use axum::http::StatusCode;
use serde_json::{Value, json};
use support::Harness;

// ---- listing ----------------------------------------------------------------

/// Ada: three WFO sessions on 2–4 March; Bob (another team): one WFH.
async fn listing_fixture(h: &Harness) -> (i64, i64, i64, i64) {
    let a = h.team("Alpha").await;
    let b = h.team("Beta").await;
    let ada = h.employee(a, "Ada").await;
    let bob = h.employee(b, "Bob").await;
    for day in ["02", "03", "04"] {
        let r = h
            .post(
                "/attendance/clock-in",
                json!({ "employee_id": ada, "work_mode": "WFO", "at": format!("2026-03-{day}T08:00:00Z") }),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
        let r = h
            .post(
                "/attendance/clock-out",
                json!({ "employee_id": ada, "at": format!("2026-03-{day}T10:00:00Z") }),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{r:?}");
    }
    let r = h
        .post(
            "/attendance/clock-in",
            json!({ "employee_id": bob, "work_mode": "WFH", "at": "2026-03-03T09:00:00Z" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    (a, b, ada, bob)
}

fn work_dates(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["work_date"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn attendance_is_listed_newest_first_with_filters() {
    let h = Harness::new();
    let (a, b, ada, _bob) = listing_fixture(&h).await;

    let all = h.get("/attendance").await;
    assert_eq!(all.status, StatusCode::OK, "{all:?}");
    assert_eq!(
        work_dates(&all.body),
        ["2026-03-04", "2026-03-03", "2026-03-03", "2026-03-02"]
    );
    assert_eq!(all.body["next_cursor"], Value::Null);

    let reply = h
        .get(&format!(
            "/attendance?employee_id={ada}&from=2026-03-03&to=2026-03-04"
        ))
        .await;
    assert_eq!(work_dates(&reply.body), ["2026-03-04", "2026-03-03"]);

    let reply = h.get(&format!("/attendance?team_id={b}")).await;
    assert_eq!(work_dates(&reply.body), ["2026-03-03"]);
    assert_eq!(reply.body["items"][0]["work_mode"], "WFH");

    let reply = h
        .get(&format!("/attendance?team_id={a}&work_mode=WFH"))
        .await;
    assert_eq!(reply.body["items"], json!([]));
}

#[tokio::test]
async fn attendance_pages_follow_the_cursor_without_gaps() {
    let h = Harness::new();
    listing_fixture(&h).await;
    let mut seen = Vec::new();
    let mut uri = String::from("/attendance?limit=3");
    let mut pages = 0;
    loop {
        let reply = h.get(&uri).await;
        assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
        pages += 1;
        for item in reply.body["items"].as_array().unwrap() {
            seen.push(item["id"].as_i64().unwrap());
        }
        match reply.body["next_cursor"].as_str() {
            Some(cursor) => uri = format!("/attendance?limit=3&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(pages, 2);
    let mut unique = seen.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), 4);
    assert_eq!(seen.len(), 4);
}

#[tokio::test]
async fn invalid_listing_parameters_are_422_problems_naming_the_parameter() {
    let h = Harness::new();
    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=501", "limit"),
        ("limit=ten", "limit"),
        ("limit=-1", "limit"),
        ("cursor=not-a-cursor", "cursor"),
        ("from=2026-03-05&to=2026-03-01", "from"),
        ("from=05.03.2026", "from"),
        ("to=2026-02-30", "to"),
        ("work_mode=remote", "work_mode"),
        ("employee_id=ada", "employee_id"),
        ("page=2", "page"),
        ("limit=1&limit=2", "limit"),
    ] {
        let reply = h.get(&format!("/attendance?{query}")).await;
        assert_eq!(reply.invalid_field(), field, "{query}");
    }
    // Out of range, however far: core's check answers, naming its bound.
    for query in ["limit=0", "limit=501", "limit=-1", "limit=99999999999"] {
        let reply = h.get(&format!("/attendance?{query}")).await;
        let detail = reply.body["errors"][0]["detail"].as_str().unwrap();
        assert!(
            detail.contains(&MAX_PAGE_SIZE.to_string()),
            "{query}: {detail}"
        );
    }
}

// ---- trends -----------------------------------------------------------------

#[tokio::test]
async fn employee_and_team_trends_have_one_point_per_period() {
    let h = Harness::new();
    let (a, _b, ada, _bob) = listing_fixture(&h).await;

    let reply = h
        .get(&format!(
            "/trends/employees/{ada}?from=2026-03-02&to=2026-03-08&granularity=week"
        ))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    assert_eq!(reply.body["employee_id"], ada);
    assert_eq!(reply.body["granularity"], "week");
    let point = &reply.body["points"][0];
    assert_eq!(reply.body["points"].as_array().unwrap().len(), 1);
    assert_eq!(point["label"], "2026-W10");
    assert_eq!(point["days_present"], 3);
    assert_eq!(point["sessions"], 3);
    assert_eq!(point["hours_worked"], 6.0);
    assert_eq!(point["wfo_days"], 3);
    assert_eq!(point["avg_clock_in"], "08:00:00");

    // Default granularity: one point per day.
    let reply = h
        .get(&format!("/trends/teams/{a}?from=2026-03-02&to=2026-03-04"))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    assert_eq!(reply.body["granularity"], "day");
    assert_eq!(reply.body["headcount"], 1);
    let points = reply.body["points"].as_array().unwrap();
    assert_eq!(points.len(), 3);
    assert_eq!(points[0]["days_present"], 1);
    assert_eq!(points[0]["working_days"], 1);
    assert_eq!(points[0]["attendance_rate"], 1.0);
}

#[tokio::test]
async fn trend_errors_are_problems() {
    let h = Harness::new();
    let team = h.team("Platform").await;
    let ada = h.employee(team, "Ada").await;
    let base = format!("/trends/employees/{ada}");
    for (query, field) in [
        ("to=2026-03-08", "from"),
        ("from=2026-03-02", "to"),
        (
            "from=2026-03-02&to=2026-03-08&granularity=fortnight",
            "granularity",
        ),
        ("from=2026-03-09&to=2026-03-08", "from"),
        ("from=2020-01-01&to=2026-03-08&granularity=day", "to"),
        ("from=yesterday&to=2026-03-08", "from"),
    ] {
        let reply = h.get(&format!("{base}?{query}")).await;
        assert_eq!(reply.invalid_field(), field, "{query}");
    }
    h.get("/trends/employees/999?from=2026-03-02&to=2026-03-08")
        .await
        .problem(StatusCode::NOT_FOUND, "not-found");
    h.get("/trends/teams/999?from=2026-03-02&to=2026-03-08")
        .await
        .problem(StatusCode::NOT_FOUND, "not-found");
    h.get("/trends/teams/x?from=2026-03-02&to=2026-03-08")
        .await
        .problem(StatusCode::NOT_FOUND, "not-found");
}

// ---- OpenAPI ----------------------------------------------------------------

#[tokio::test]
async fn the_openapi_document_is_served() {
    let h = Harness::new();
    let reply = h.get("/openapi.json").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.content_type().starts_with("application/json"));
    assert_eq!(reply.body["openapi"], "3.1.0");
    assert_eq!(
        reply.body,
        serde_json::to_value(attendance_http::openapi()).unwrap()
    );
}
