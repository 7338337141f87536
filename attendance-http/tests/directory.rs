//! The router in-process (`tower::ServiceExt::oneshot`): every route of the
//! contract and every class of error, over an in-memory store with a fixed
//! clock.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use attendance_core::store::MAX_PAGE_SIZE;
use attendance_http::HttpConfig;
use axum::Router;
use axum::body::Body;
use axum::http::{HeaderValue, Method, Request, StatusCode, header};
use serde_json::{Value, json};
use support::{Fault, Harness, get, post_json, post_raw, send};

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

// ---- teams ------------------------------------------------------------------

#[tokio::test]
async fn creating_a_team_answers_201_with_the_team_and_its_location() {
    let h = Harness::new();
    let reply = h.post("/teams", json!({ "name": "  Platform " })).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{reply:?}");
    let id = reply.body["id"].as_i64().unwrap();
    assert_eq!(
        reply.body,
        json!({
            "id": id, "name": "Platform", "timezone": "UTC", "late_after": "09:30",
            "auto_close_after_hours": null
        })
    );
    assert_eq!(reply.headers[header::LOCATION], format!("/teams/{id}"));

    let reply = h
        .post(
            "/teams",
            json!({ "name": "Berlin", "timezone": "Europe/Berlin", "late_after": "10:15" }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{reply:?}");
    assert_eq!(reply.body["timezone"], "Europe/Berlin");
    assert_eq!(reply.body["late_after"], "10:15");
}

#[tokio::test]
async fn teams_are_listed_and_fetched_by_id() {
    let h = Harness::new();
    let a = h.team("Alpha").await;
    let b = h.team("Beta").await;
    let reply = h.get("/teams").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["next_cursor"], Value::Null);
    let ids: Vec<i64> = reply.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![a, b]);
    let reply = h.get(&format!("/teams/{b}")).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["name"], "Beta");
}

#[tokio::test]
async fn unknown_and_malformed_team_ids_are_404_problems() {
    let h = Harness::new();
    let reply = h.get("/teams/999").await;
    reply.problem(StatusCode::NOT_FOUND, "not-found");
    assert!(reply.body["detail"].as_str().unwrap().contains("999"));
    h.get("/teams/abc")
        .await
        .problem(StatusCode::NOT_FOUND, "not-found");
    h.get("/teams/99999999999999999999999")
        .await
        .problem(StatusCode::NOT_FOUND, "not-found");
}

#[tokio::test]
async fn a_duplicate_team_name_is_a_409_problem() {
    let h = Harness::new();
    h.team("Platform").await;
    let reply = h.post("/teams", json!({ "name": "PLATFORM" })).await;
    let body = reply.problem(StatusCode::CONFLICT, "conflict");
    assert_eq!(body["conflict"], "duplicate_team_name");
}

#[tokio::test]
async fn invalid_team_fields_are_422_problems_naming_the_field() {
    let h = Harness::new();
    for (body, field) in [
        (json!({ "name": "   " }), "name"),
        (json!({ "name": "x".repeat(101) }), "name"),
        (
            json!({ "name": "Ops", "timezone": "Mars/Olympus" }),
            "timezone",
        ),
        (
            json!({ "name": "Ops", "late_after": "half past nine" }),
            "late_after",
        ),
        (
            json!({ "name": "Ops", "late_after": "25:00" }),
            "late_after",
        ),
        (json!({}), "name"),
        (json!({ "name": 7 }), "name"),
        (json!({ "name": "Ops", "colour": "red" }), "colour"),
    ] {
        let reply = h.post("/teams", body.clone()).await;
        assert_eq!(reply.invalid_field(), field, "{body}");
    }
}

#[tokio::test]
async fn a_team_s_forgotten_clock_out_policy_is_set_shown_and_bounded() {
    let h = Harness::new();
    let reply = h
        .post(
            "/teams",
            json!({ "name": "Night", "auto_close_after_hours": 12 }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{reply:?}");
    assert_eq!(reply.body["auto_close_after_hours"], 12);
    let id = reply.body["id"].as_i64().unwrap();
    let reply = h.get(&format!("/teams/{id}")).await;
    assert_eq!(reply.body["auto_close_after_hours"], 12);
    for hours in [
        json!(0),
        json!(73),
        json!(-1),
        json!(1_u64 << 40),
        json!("12"),
    ] {
        let reply = h
            .post(
                "/teams",
                json!({ "name": "Late", "auto_close_after_hours": hours }),
            )
            .await;
        assert_eq!(reply.invalid_field(), "auto_close_after_hours", "{hours}");
    }

    // A session the policy closed says so in the listing.
    let ada = h.employee(id, "Ada").await;
    let reply = h
        .post(
            "/attendance/clock-in",
            json!({ "employee_id": ada, "work_mode": "WFO", "at": "2026-03-03T20:00:00Z" }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{reply:?}");
    let svc = attendance_core::service::AttendanceService::new(h.store.clone())
        .with_clock(h.clock.clone());
    assert_eq!(svc.close_forgotten_sessions().await.unwrap().len(), 1);
    let reply = h.get(&format!("/attendance?employee_id={ada}")).await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    let session = &reply.body["items"][0];
    assert_eq!(session["auto_closed"], true);
    assert_eq!(session["clock_out"], "2026-03-04T08:00:00Z");
}

// ---- employees --------------------------------------------------------------

#[tokio::test]
async fn creating_an_employee_answers_201_with_the_employee() {
    let h = Harness::new();
    let team = h.team("Platform").await;
    let reply = h
        .post(
            "/employees",
            json!({ "name": "Ada Lovelace", "role": "Engineer", "team_id": team, "is_manager": true }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{reply:?}");
    let id = reply.body["id"].as_i64().unwrap();
    assert_eq!(
        reply.body,
        json!({ "id": id, "name": "Ada Lovelace", "role": "Engineer", "team_id": team, "is_manager": true })
    );
    assert_eq!(reply.headers[header::LOCATION], format!("/employees/{id}"));
    let reply = h.get(&format!("/employees/{id}")).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["name"], "Ada Lovelace");
}

#[tokio::test]
async fn an_employee_of_an_unknown_team_is_a_404_problem() {
    let h = Harness::new();
    let reply = h
        .post(
            "/employees",
            json!({ "name": "Ada", "role": "Engineer", "team_id": 42 }),
        )
        .await;
    reply.problem(StatusCode::NOT_FOUND, "not-found");
    assert!(reply.body["detail"].as_str().unwrap().contains("team"));
}

#[tokio::test]
async fn invalid_employee_fields_are_422_problems_naming_the_field() {
    let h = Harness::new();
    let team = h.team("Platform").await;
    for (body, field) in [
        (json!({ "name": "Ada", "team_id": team }), "role"),
        (
            json!({ "name": "", "role": "Engineer", "team_id": team }),
            "name",
        ),
        (
            json!({ "name": "Ada", "role": "Engineer", "team_id": "seven" }),
            "team_id",
        ),
        (
            json!({ "name": "Ada", "role": "Engineer", "team_id": team, "is_manager": "yes" }),
            "is_manager",
        ),
    ] {
        let reply = h.post("/employees", body.clone()).await;
        assert_eq!(reply.invalid_field(), field, "{body}");
    }
}

#[tokio::test]
async fn employees_are_listed_all_or_by_team() {
    let h = Harness::new();
    let a = h.team("Alpha").await;
    let b = h.team("Beta").await;
    let ada = h.employee(a, "Ada").await;
    let bob = h.employee(b, "Bob").await;
    let all = h.get("/employees").await;
    assert_eq!(all.status, StatusCode::OK);
    assert_eq!(all.body["items"].as_array().unwrap().len(), 2);
    let only_b = h.get(&format!("/employees?team_id={b}")).await;
    assert_eq!(only_b.status, StatusCode::OK);
    let ids: Vec<i64> = only_b.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![bob]);
    assert_ne!(ada, bob);

    h.get("/employees?team_id=77")
        .await
        .problem(StatusCode::NOT_FOUND, "not-found");
    assert_eq!(
        h.get("/employees?team_id=abc").await.invalid_field(),
        "team_id"
    );
    assert_eq!(h.get("/employees?teamid=1").await.invalid_field(), "teamid");
    h.get("/employees/12345")
        .await
        .problem(StatusCode::NOT_FOUND, "not-found");
}

/// Issue 11, item 9: `/teams` and `/employees` are pages like
/// `/attendance`, never every row at once.
#[tokio::test]
async fn teams_and_employees_are_listed_in_pages() {
    let h = Harness::new();
    let mut teams = Vec::new();
    for name in ["A", "B", "C"] {
        teams.push(h.team(name).await);
    }
    let mut employees = Vec::new();
    for name in ["Ada", "Bob", "Cy"] {
        employees.push(h.employee(teams[0], name).await);
    }
    h.employee(teams[1], "Dee").await;
    for (base, expected) in [
        (String::from("/teams?"), teams.clone()),
        (
            format!("/employees?team_id={}&", teams[0]),
            employees.clone(),
        ),
    ] {
        let mut seen = Vec::new();
        let mut uri = format!("{base}limit=2");
        loop {
            let reply = h.get(&uri).await;
            assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
            let items = reply.body["items"].as_array().unwrap();
            assert!(items.len() <= 2);
            seen.extend(items.iter().map(|t| t["id"].as_i64().unwrap()));
            match reply.body["next_cursor"].as_str() {
                Some(cursor) => uri = format!("{base}limit=2&cursor={cursor}"),
                None => break,
            }
        }
        assert_eq!(seen, expected, "{base}");
    }
    for (uri, field) in [
        ("/teams?limit=0", "limit"),
        ("/teams?limit=100000", "limit"),
        ("/teams?cursor=zz", "cursor"),
        ("/employees?limit=x", "limit"),
        (
            "/employees?cursor=0384440ccc7360000000000000000001",
            "cursor",
        ),
    ] {
        assert_eq!(h.get(uri).await.invalid_field(), field, "{uri}");
    }
}

// ---- clock-in / clock-out ---------------------------------------------------

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

// ---- requests axum rejects --------------------------------------------------

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

/// Issue 11, item 7: dates, weeks, instants and cursors outside the years
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

// ---- request ids and hosting --------------------------------------------------

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

/// Issue 11, item 10: a client-chosen request id is echoed and logged only
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
