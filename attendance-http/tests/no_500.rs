//! No query string makes any route answer 500, nor any body the routes
//! that change employees, work time and closed periods. A panic in
//! a handler is answered 500 by the envelope, so "never 500" is checked on
//! the status the client sees, not on a caught panic turned into a value.
//!
//! The values are drawn around the edges that broke before: years far
//! outside what chrono's arithmetic or PostgreSQL can hold, ISO weeks of
//! such years, instants with extreme offsets, cursors of any 16 bytes,
//! integers at the ends of `i64`, and arbitrary text.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use axum::http::StatusCode;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::json;
use support::edges::{date, instant, json_value, value, week};
use support::{Harness, get};

/// A value for the parameter `name`: mostly of its own kind, so that the
/// edges of each kind are reached, sometimes anything.
fn value_for(name: &str) -> BoxedStrategy<String> {
    let own = match name {
        // Now and then a date of these years, so that ranges are valid and
        // the routes get past their checks to the work (and files).
        "from" | "to" | "date" => prop_oneof![
            3 => date(),
            1 => (2025i32..2027, 1u32..13, 1u32..29)
                .prop_map(|(y, m, d)| format!("{y}-{m:02}-{d:02}")),
        ]
        .boxed(),
        "week" => week().boxed(),
        "cursor" => "[0-9a-f]{32}".boxed(),
        "state" => prop::sample::select(vec![
            "open",
            "approved",
            "rejected",
            "pending",
            "delivered",
            "failed",
            "Open",
            "",
        ])
        .prop_map(str::to_owned)
        .boxed(),
        "format" => prop::sample::select(vec!["csv", "xlsx", " xlsx", "CSV", "pdf", ""])
            .prop_map(str::to_owned)
            .boxed(),
        // Mostly the ids that exist, so that the route gets past them.
        "limit" | "team_id" | "employee_id" => prop_oneof![
            3 => Just(String::from("1")),
            1 => any::<i64>().prop_map(|n| n.to_string()),
            1 => (0i64..600).prop_map(|n| n.to_string()),
        ]
        .boxed(),
        _ => value().boxed(),
    };
    prop_oneof![9 => own, 1 => value()].boxed()
}

/// Each route that reads a query string, with the parameters it knows.
const ROUTES: &[(&str, &[&str])] = &[
    ("/teams", &["limit", "cursor"]),
    ("/employees", &["team_id", "limit", "cursor"]),
    (
        "/attendance",
        &[
            "employee_id",
            "team_id",
            "from",
            "to",
            "work_mode",
            "limit",
            "cursor",
        ],
    ),
    ("/trends/employees/ID", &["from", "to", "granularity"]),
    ("/trends/teams/ID", &["from", "to", "granularity"]),
    ("/summaries/daily", &["date", "team_id"]),
    ("/summaries/weekly", &["week", "team_id"]),
    ("/teams/ID", &[]),
    ("/employees/ID", &[]),
    ("/health", &[]),
    ("/work-patterns", &[]),
    ("/work-patterns/assignments", &["team_id", "employee_id"]),
    ("/holidays", &["team_id", "from", "to"]),
    ("/absences", &["employee_id", "team_id", "from", "to"]),
    ("/teams/ID/break-rule", &[]),
    (
        "/ledger/employees/ID",
        &["from", "to", "opening_balance_minutes"],
    ),
    ("/ledger/teams/ID", &["from", "to"]),
    ("/ledger/company", &["from", "to"]),
    (
        "/attendance/requests",
        &[
            "state",
            "employee_id",
            "team_id",
            "from",
            "to",
            "limit",
            "cursor",
        ],
    ),
    ("/attendance/requests/inbox", &["limit", "cursor"]),
    ("/attendance/requests/ID", &[]),
    ("/periods", &["team_id", "from", "to"]),
    (
        "/exports/timesheet",
        &["from", "to", "team_id", "employee_id", "format"],
    ),
    ("/webhooks", &[]),
    ("/webhooks/ID", &[]),
    ("/webhooks/ID/deliveries", &["state", "limit", "cursor"]),
];

/// A request to `path` with some of `names` set, and its path id.
fn request(path: &'static str, names: &'static [&'static str]) -> impl Strategy<Value = String> {
    let values: Vec<_> = names
        .iter()
        .map(|name| proptest::option::weighted(0.9, value_for(name)))
        .collect();
    (
        values,
        prop_oneof![3 => Just(String::from("1")), 1 => value()],
    )
        .prop_map(move |(values, id)| {
            let pairs: Vec<(&str, String)> = names
                .iter()
                .zip(values)
                .filter_map(|(name, value)| value.map(|v| (*name, v)))
                .collect();
            let query = serde_urlencoded::to_string(&pairs).unwrap();
            format!("{}?{query}", path.replace("ID", &url_escape(&id)))
        })
}

fn url_escape(s: &str) -> String {
    serde_urlencoded::to_string([("", s)]).unwrap()[1..].to_owned()
}

#[test]
fn no_query_string_makes_any_route_answer_500() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let h = runtime.block_on(async {
        let h = Harness::new();
        let team = h.team("Platform").await;
        let employee = h.employee(team, "Ada").await;
        work_time(&h, team, employee).await;
        closing(&h, team, employee).await;
        for (at, path) in [
            ("2026-03-02T08:00:00Z", "clock-in"),
            ("2026-03-02T17:00:00Z", "clock-out"),
            ("2026-03-04T09:45:00Z", "clock-in"),
        ] {
            let mut body = json!({ "employee_id": employee, "at": at });
            if path == "clock-in" {
                body["work_mode"] = json!("WFO");
            }
            let reply = h.post(&format!("/attendance/{path}"), body).await;
            assert!(reply.status.is_success(), "{reply:?}");
        }
        h
    });
    // Each route gets its own run, so that a rare edge of one route is not
    // diluted by the others.
    for (path, names) in ROUTES {
        let mut runner = TestRunner::new(Config {
            cases: 1000,
            failure_persistence: None,
            ..Config::default()
        });
        let result = runner.run(&request(path, names), |uri| {
            let reply = runtime.block_on(h.send(get(&uri)));
            if reply.status == StatusCode::INTERNAL_SERVER_ERROR {
                return Err(TestCaseError::fail(format!("{uri} answered 500")));
            }
            Ok(())
        });
        if let Err(err) = result {
            panic!("{err}");
        }
    }
}

/// The instants of the bodies: clock-in and clock-out `at`, for teams far
/// east and west of UTC.
#[test]
fn no_instant_in_a_body_makes_a_clock_route_answer_500() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (h, employees) = runtime.block_on(async {
        let h = Harness::new();
        let mut employees = Vec::new();
        for zone in ["Pacific/Kiritimati", "Etc/GMT+12", "UTC"] {
            let reply = h
                .post("/teams", json!({ "name": zone, "timezone": zone }))
                .await;
            assert_eq!(reply.status, StatusCode::CREATED, "{reply:?}");
            let team = reply.body["id"].as_i64().unwrap();
            employees.push(h.employee(team, "Ada").await);
        }
        (h, employees)
    });
    let mut runner = TestRunner::new(Config {
        cases: 500,
        failure_persistence: None,
        ..Config::default()
    });
    let strategy = (
        prop::sample::select(employees),
        instant(),
        prop_oneof![instant(), value()],
    );
    let result = runner.run(&strategy, |(employee, clock_in, clock_out)| {
        for (path, at) in [("clock-in", clock_in), ("clock-out", clock_out)] {
            let uri = format!("/attendance/{path}");
            let body = json!({ "employee_id": employee, "work_mode": "WFH", "at": at });
            let reply = runtime.block_on(h.post(&uri, body.clone()));
            if reply.status == StatusCode::INTERNAL_SERVER_ERROR {
                return Err(TestCaseError::fail(format!("{uri} {body} answered 500")));
            }
        }
        // Leave no session open for the next case.
        runtime.block_on(h.post("/attendance/clock-out", json!({ "employee_id": employee })));
        Ok(())
    });
    if let Err(err) = result {
        panic!("{err}");
    }
}

/// `PATCH /employees/{id}`: no body and no id makes it answer 500.
#[test]
fn no_change_of_an_employee_makes_the_route_answer_500() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let h = runtime.block_on(async {
        let h = Harness::new();
        let team = h.team("Platform").await;
        h.team("Other").await;
        h.employee(team, "Ada").await;
        h
    });
    let mut runner = TestRunner::new(Config {
        cases: 500,
        failure_persistence: None,
        ..Config::default()
    });
    let field = |name: &'static str| {
        proptest::option::weighted(0.5, json_value().prop_map(move |v| (name, v)))
    };
    let strategy = (
        prop_oneof![3 => Just(String::from("1")), 1 => value()],
        (
            field("name"),
            field("role"),
            field("team_id"),
            field("is_manager"),
            proptest::option::weighted(0.1, json_value().prop_map(|v| ("nickname", v))),
        ),
    );
    let result = runner.run(&strategy, |(id, (a, b, c, d, e))| {
        let body: serde_json::Map<String, serde_json::Value> = [a, b, c, d, e]
            .into_iter()
            .flatten()
            .map(|(k, v)| (k.to_owned(), v))
            .collect();
        let uri = format!("/employees/{}", url_escape(&id));
        let request = axum::http::Request::builder()
            .method(axum::http::Method::PATCH)
            .uri(&uri)
            .header(axum::http::header::CONTENT_TYPE, "application/json")
            .body(axum::body::Body::from(serde_json::to_vec(&body).unwrap()))
            .unwrap();
        let reply = runtime.block_on(h.send(request));
        if reply.status == StatusCode::INTERNAL_SERVER_ERROR {
            return Err(TestCaseError::fail(format!(
                "PATCH {uri} {body:?} answered 500"
            )));
        }
        Ok(())
    });
    if let Err(err) = result {
        panic!("{err}");
    }
}

/// A pattern for `team`, a holiday, an absence of `employee` and a break
/// rule, so that the ledger routes have something to compute.
async fn work_time(h: &Harness, team: i64, employee: i64) {
    let pattern = json!({
        "name": "Full time",
        "minutes": { "mon": 480, "tue": 480, "wed": 480, "thu": 480, "fri": 480, "sat": 0, "sun": 0 },
        "weekly_overtime_after": 2400,
    });
    let id = h.post("/work-patterns", pattern).await.body["id"].clone();
    for (uri, body) in [
        (
            "/work-patterns/assignments",
            json!({ "team_id": team, "pattern_id": id, "valid_from": "2026-01-01" }),
        ),
        (
            "/holidays",
            json!({ "date": "2026-03-03", "name": "Founders' Day", "portion": "half" }),
        ),
        (
            "/absences",
            json!({ "employee_id": employee, "kind": "sick", "from": "2026-02-23", "to": "2026-02-27" }),
        ),
    ] {
        let reply = h.post(uri, body).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{uri}: {reply:?}");
    }
    let request = axum::http::Request::builder()
        .method(axum::http::Method::PUT)
        .uri(format!("/teams/{team}/break-rule"))
        .header(axum::http::header::CONTENT_TYPE, "application/json")
        .body(axum::body::Body::from("{}"))
        .unwrap();
    assert_eq!(h.send(request).await.status, StatusCode::OK);
}

/// A JSON value for a work-time field: mostly of its own kind (an id
/// that exists, a date at the edges, a weekday table or a threshold list
/// with values at the edges), sometimes anything.
fn work_time_value(name: &'static str) -> BoxedStrategy<serde_json::Value> {
    let minutes = || {
        prop_oneof![
            prop::sample::select(vec![
                0i64,
                1,
                1440,
                1441,
                -1,
                i64::from(u32::MAX) + 1,
                i64::MAX,
                i64::MIN
            ])
            .prop_map(|n| json!(n)),
            json_value(),
        ]
    };
    let own = match name {
        "from" | "to" | "date" | "valid_from" => date().prop_map(|d| json!(d)).boxed(),
        "team_id" | "employee_id" | "pattern_id" => {
            prop_oneof![3 => Just(json!(1)), 1 => json_value()].boxed()
        }
        "minutes" => prop::collection::vec(minutes(), 7)
            .prop_map(|m| {
                json!({ "mon": m[0], "tue": m[1], "wed": m[2], "thu": m[3], "fri": m[4], "sat": m[5], "sun": m[6] })
            })
            .boxed(),
        "thresholds" => prop::collection::vec((minutes(), minutes()), 0..10)
            .prop_map(|t| {
                json!(t
                    .into_iter()
                    .map(|(a, b)| json!({ "after_minutes": a, "break_minutes": b }))
                    .collect::<Vec<_>>())
            })
            .boxed(),
        "weekly_overtime_after" => minutes().boxed(),
        "kind" => prop::sample::select(vec!["vacation", "sick", "other", "leave"])
            .prop_map(|k| json!(k))
            .boxed(),
        "portion" => prop::sample::select(vec!["full", "half", "quarter"])
            .prop_map(|k| json!(k))
            .boxed(),
        "starts_at" => prop::sample::select(vec!["09:00", "23:59:59", "24:00", "9"])
            .prop_map(|k| json!(k))
            .boxed(),
        _ => json_value().boxed(),
    };
    prop_oneof![9 => own, 1 => json_value()].boxed()
}

/// The work-time writes: no body makes them answer 500.
#[test]
fn no_work_time_write_answers_500() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let h = runtime.block_on(async {
        let h = Harness::new();
        let team = h.team("Platform").await;
        let employee = h.employee(team, "Ada").await;
        work_time(&h, team, employee).await;
        h
    });
    const WRITES: &[(&str, &str, &[&str])] = &[
        (
            "POST",
            "/work-patterns",
            &["name", "minutes", "starts_at", "weekly_overtime_after"],
        ),
        (
            "POST",
            "/work-patterns/assignments",
            &["team_id", "employee_id", "pattern_id", "valid_from"],
        ),
        ("POST", "/holidays", &["team_id", "date", "name", "portion"]),
        (
            "POST",
            "/absences",
            &["employee_id", "kind", "from", "to", "portion", "note"],
        ),
        ("PUT", "/teams/1/break-rule", &["thresholds"]),
    ];
    for (method, uri, names) in WRITES {
        let fields: Vec<_> = names
            .iter()
            .map(|name| {
                proptest::option::weighted(0.8, work_time_value(name).prop_map(move |v| (*name, v)))
            })
            .collect();
        let mut runner = TestRunner::new(Config {
            cases: 300,
            failure_persistence: None,
            ..Config::default()
        });
        let result = runner.run(&fields, |fields| {
            let body: serde_json::Map<String, serde_json::Value> = fields
                .into_iter()
                .flatten()
                .map(|(k, v)| (k.to_owned(), v))
                .collect();
            let request = axum::http::Request::builder()
                .method(*method)
                .uri(*uri)
                .header(axum::http::header::CONTENT_TYPE, "application/json")
                .body(axum::body::Body::from(serde_json::to_vec(&body).unwrap()))
                .unwrap();
            let reply = runtime.block_on(h.send(request));
            if reply.status == StatusCode::INTERNAL_SERVER_ERROR {
                return Err(TestCaseError::fail(format!(
                    "{method} {uri} {body:?} answered 500"
                )));
            }
            Ok(())
        });
        if let Err(err) = result {
            panic!("{err}");
        }
    }
}

/// A request of `employee` (filed as them), a lock of February for
/// `team`, and a webhook hearing of everything, so that the closing
/// routes' ids name something.
async fn closing(h: &Harness, team: i64, employee: i64) {
    let ada = as_member(h, team, employee);
    let request = json!({
        "kind": "missing", "employee_id": employee, "clock_in": "2026-01-05T08:00:00Z",
        "clock_out": "2026-01-05T16:00:00Z", "work_mode": "WFO", "reason": "forgot",
    });
    let reply = support::send(&ada, support::post_json("/attendance/requests", &request)).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{reply:?}");
    let event_types: Vec<&str> = attendance_core::webhooks::EventType::ALL
        .iter()
        .map(|t| t.as_str())
        .collect();
    for (uri, body) in [
        (
            "/periods",
            json!({ "team_id": team, "from": "2026-02-01", "to": "2026-02-28" }),
        ),
        (
            "/webhooks",
            json!({ "url": "https://hooks.example.com/a", "event_types": event_types }),
        ),
    ] {
        let reply = h.post(uri, body).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{uri}: {reply:?}");
    }
}

/// A router acting as the employee `employee` of `team`.
fn as_member(h: &Harness, team: i64, employee: i64) -> axum::Router {
    use attendance_core::access::{Member, Principal};
    use attendance_core::{EmployeeId, TeamId};
    support::world::router_as(
        h,
        Principal::Member(Member::new(EmployeeId(employee), TeamId(team), Vec::new())),
    )
}

/// A JSON value for a field of the closing routes' bodies: mostly of its
/// own kind, at the edges, sometimes anything.
fn closing_value(name: &'static str) -> BoxedStrategy<serde_json::Value> {
    let text =
        |values: Vec<&'static str>| prop::sample::select(values).prop_map(|v| json!(v)).boxed();
    let own = match name {
        "kind" => text(vec!["missing", "change", " change", "other", ""]),
        "clock_in" | "clock_out" => instant().prop_map(|i| json!(i)).boxed(),
        "work_mode" => text(vec!["WFH", "WFO", "wfh", ""]),
        "reason" => prop_oneof![
            3 => Just(json!("because")),
            1 => "\\PC{0,600}".prop_map(|s| json!(s)),
        ]
        .boxed(),
        "employee_id" | "session_id" | "team_id" | "delivery_id" => {
            prop_oneof![3 => Just(json!(1)), 1 => json_value()].boxed()
        }
        "from" | "to" => date().prop_map(|d| json!(d)).boxed(),
        "url" => prop_oneof![
            text(vec![
                "https://hooks.example.com/a",
                "http://[::1]:9/x",
                "http://:80/",
                "https://u:p@x.example",
                "ftp://x",
            ]),
            "\\PC{0,60}".prop_map(|s| json!(s)).boxed(),
            Just(json!(format!("https://a.example/{}", "x".repeat(3000)))).boxed(),
        ]
        .boxed(),
        "event_types" => prop::collection::vec(
            prop_oneof![
                3 => prop::sample::select(attendance_core::webhooks::EventType::ALL.to_vec())
                    .prop_map(|t| json!(t.as_str())),
                1 => json_value(),
            ],
            0..20,
        )
        .prop_map(|v| json!(v))
        .boxed(),
        "secret" => prop_oneof![
            text(vec![
                "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                "whsec_",
                "whsec_====",
                "secret",
            ]),
            "whsec_[A-Za-z0-9+/=]{0,120}".prop_map(|s| json!(s)).boxed(),
        ]
        .boxed(),
        _ => json_value().boxed(),
    };
    prop_oneof![9 => own, 1 => json_value()].boxed()
}

/// The closing routes' writes: no body makes them answer 500, as the
/// employee who files requests or as the admin who decides and locks.
#[test]
fn no_closing_write_answers_500() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (h, employee_app) = runtime.block_on(async {
        let h = Harness::new();
        let team = h.team("Platform").await;
        let employee = h.employee(team, "Ada").await;
        work_time(&h, team, employee).await;
        closing(&h, team, employee).await;
        let ada = as_member(&h, team, employee);
        (h, ada)
    });
    const WRITES: &[(&str, bool, &[&str])] = &[
        (
            "/attendance/requests",
            true,
            &[
                "kind",
                "employee_id",
                "session_id",
                "clock_in",
                "clock_out",
                "work_mode",
                "reason",
            ],
        ),
        ("/attendance/requests/1/approve", false, &["note"]),
        ("/attendance/requests/1/reject", false, &["reason"]),
        ("/periods", false, &["team_id", "from", "to", "reason"]),
        ("/periods/1/reopen", false, &["reason"]),
        ("/webhooks", false, &["url", "event_types", "secret"]),
        ("/webhooks/1/redeliver", false, &["delivery_id"]),
    ];
    for (uri, as_employee, names) in WRITES {
        let app = if *as_employee { &employee_app } else { &h.app };
        let fields: Vec<_> = names
            .iter()
            .map(|name| {
                // `note` is no member of an approval: mostly left out.
                let weight = if *name == "note" { 0.1 } else { 0.8 };
                proptest::option::weighted(
                    weight,
                    closing_value(name).prop_map(move |v| (*name, v)),
                )
            })
            .collect();
        let mut runner = TestRunner::new(Config {
            cases: 300,
            failure_persistence: None,
            ..Config::default()
        });
        let result = runner.run(&fields, |fields| {
            let body: serde_json::Map<String, serde_json::Value> = fields
                .into_iter()
                .flatten()
                .map(|(k, v)| (k.to_owned(), v))
                .collect();
            let request = support::post_json(uri, &serde_json::Value::Object(body.clone()));
            let reply = runtime.block_on(support::send(app, request));
            if reply.status == StatusCode::INTERNAL_SERVER_ERROR {
                return Err(TestCaseError::fail(format!(
                    "POST {uri} {body:?} answered 500"
                )));
            }
            Ok(())
        });
        if let Err(err) = result {
            panic!("{err}");
        }
    }
}
