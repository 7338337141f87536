//! Teams and employees through the router in-process
//! (`tower::ServiceExt::oneshot`), over an in-memory store with a fixed
//! clock: creation, lookup, listing, paging and the problems each can answer.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use axum::http::{StatusCode, header};
use serde_json::{Value, json};
use support::Harness;

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

/// `/teams` and `/employees` are pages like
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
