//! The OpenAPI document: OpenAPI 3.1, every route of the contract, served
//! by the router exactly as documented, every error as problem+json, and
//! bounds quoted from core's constants.
//!
//! That the router and the document list the same operations needs no test:
//! both are built from the same declarations (see `src/api.rs`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::collections::BTreeSet;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::Value;
use support::Harness;

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

fn spec() -> Value {
    serde_json::to_value(attendance_http::openapi()).unwrap()
}

/// `(METHOD, path)` of every operation in the document.
fn documented() -> BTreeSet<(String, String)> {
    let spec = spec();
    let mut out = BTreeSet::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for method in METHODS {
            if item.get(method).is_some() {
                out.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    out
}

#[test]
fn the_document_is_openapi_3_1() {
    let spec = spec();
    assert_eq!(spec["openapi"], "3.1.0");
    assert_eq!(spec["info"]["title"], "attendance");
    assert!(spec["components"]["schemas"]["Problem"].is_object());
}

/// The routes of the contract, at least.
#[test]
fn the_document_covers_the_contract() {
    let documented = documented();
    for (method, path) in [
        ("GET", "/health"),
        ("POST", "/teams"),
        ("GET", "/teams"),
        ("GET", "/teams/{id}"),
        ("POST", "/employees"),
        ("GET", "/employees"),
        ("GET", "/employees/{id}"),
        ("POST", "/attendance/clock-in"),
        ("POST", "/attendance/clock-out"),
        ("GET", "/attendance"),
        ("GET", "/trends/employees/{id}"),
        ("GET", "/trends/teams/{id}"),
        ("GET", "/summaries/daily"),
        ("GET", "/summaries/weekly"),
        ("POST", "/ask"),
        ("GET", "/openapi.json"),
        ("POST", "/attendance/sessions"),
        ("PATCH", "/attendance/sessions/{id}"),
        ("GET", "/audit"),
        ("POST", "/work-patterns"),
        ("GET", "/work-patterns"),
        ("POST", "/work-patterns/assignments"),
        ("GET", "/work-patterns/assignments"),
        ("POST", "/holidays"),
        ("GET", "/holidays"),
        ("DELETE", "/holidays/{id}"),
        ("POST", "/absences"),
        ("GET", "/absences"),
        ("DELETE", "/absences/{id}"),
        ("PUT", "/teams/{id}/break-rule"),
        ("GET", "/teams/{id}/break-rule"),
        ("GET", "/ledger/employees/{id}"),
        ("GET", "/ledger/teams/{id}"),
        ("GET", "/ledger/company"),
        ("POST", "/attendance/requests"),
        ("GET", "/attendance/requests"),
        ("GET", "/attendance/requests/inbox"),
        ("GET", "/attendance/requests/{id}"),
        ("POST", "/attendance/requests/{id}/approve"),
        ("POST", "/attendance/requests/{id}/reject"),
        ("POST", "/periods"),
        ("GET", "/periods"),
        ("POST", "/periods/{id}/reopen"),
        ("GET", "/exports/timesheet"),
        ("POST", "/webhooks"),
        ("GET", "/webhooks"),
        ("GET", "/webhooks/{id}"),
        ("DELETE", "/webhooks/{id}"),
        ("GET", "/webhooks/{id}/deliveries"),
        ("POST", "/webhooks/{id}/redeliver"),
    ] {
        assert!(
            documented.contains(&(method.to_owned(), path.to_owned())),
            "{method} {path}"
        );
    }
}

/// The router answers every documented operation (not with its fallback),
/// and answers 405 for every other method on a documented path.
#[tokio::test]
async fn the_router_serves_every_documented_operation_and_no_other_method() {
    let h = Harness::new();
    let documented = documented();
    let paths: BTreeSet<&String> = documented.iter().map(|(_, p)| p).collect();
    for path in paths {
        let uri = path.replace("{id}", "1");
        for method in ["GET", "POST", "PUT", "DELETE", "PATCH"] {
            let mut builder = Request::builder().method(method).uri(&uri);
            let body = if method == "GET" {
                Body::empty()
            } else {
                builder = builder.header(header::CONTENT_TYPE, "application/json");
                Body::from("{}")
            };
            let reply = h.send(builder.body(body).unwrap()).await;
            let routed = documented.contains(&(method.to_owned(), path.clone()));
            if routed {
                assert_ne!(
                    reply.status,
                    StatusCode::METHOD_NOT_ALLOWED,
                    "{method} {uri}"
                );
                let fallback = reply.body["detail"]
                    .as_str()
                    .is_some_and(|d| d.starts_with("there is nothing at"));
                assert!(!fallback, "{method} {uri} fell through: {reply:?}");
            } else {
                reply.problem(StatusCode::METHOD_NOT_ALLOWED, "method-not-allowed");
            }
        }
    }
}

#[test]
fn every_error_response_is_documented_as_problem_json() {
    let spec = spec();
    let mut checked = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        for method in METHODS {
            let Some(operation) = item.get(method) else {
                continue;
            };
            let responses = operation["responses"].as_object().unwrap();
            assert!(
                responses.keys().any(|s| s.starts_with('2')),
                "{method} {path} documents no success"
            );
            for (status, response) in responses {
                if status.starts_with('4') || status.starts_with('5') {
                    let schema = &response["content"]["application/problem+json"]["schema"];
                    assert_eq!(
                        schema["$ref"], "#/components/schemas/Problem",
                        "{method} {path} {status}"
                    );
                    checked += 1;
                }
            }
        }
    }
    assert!(checked >= 20, "only {checked} error responses documented");
}

#[test]
fn wire_types_match_their_schemas() {
    let spec = spec();
    let schemas = &spec["components"]["schemas"];
    let session = attendance_http::dto::Session {
        id: 1,
        employee_id: 2,
        work_date: "2026-03-02".parse().unwrap(),
        clock_in: "2026-03-02T08:00:00Z".parse().unwrap(),
        clock_out: None,
        work_mode: attendance_http::dto::WorkMode::Wfh,
        auto_closed: false,
    };
    let json = serde_json::to_value(&session).unwrap();
    let keys: BTreeSet<&String> = json.as_object().unwrap().keys().collect();
    let documented: BTreeSet<&String> = schemas["Session"]["properties"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(keys, documented);
    assert!(documented.iter().any(|k| *k == "auto_closed"));
    assert_eq!(json["work_mode"], "WFH");
    let team = attendance_http::dto::Team {
        id: 1,
        name: "Ops".into(),
        timezone: "UTC".into(),
        late_after: "09:30".into(),
        auto_close_after_hours: None,
    };
    let json = serde_json::to_value(&team).unwrap();
    assert_eq!(json["auto_close_after_hours"], serde_json::Value::Null);
    let keys: BTreeSet<&String> = json.as_object().unwrap().keys().collect();
    let documented: BTreeSet<&String> = schemas["Team"]["properties"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(keys, documented);
    assert!(
        schemas["CreateTeam"]["properties"]["auto_close_after_hours"].is_object(),
        "POST /teams documents the policy"
    );
    assert_eq!(
        schemas["WorkMode"]["enum"],
        serde_json::json!(["WFH", "WFO"])
    );
}

/// Summaries and answers say who wrote their text, and a summary the
/// template wrote for a configured model says why, as a fixed category.
#[test]
fn who_wrote_a_text_and_why_are_documented() {
    let spec = spec();
    let schemas = &spec["components"]["schemas"];
    for summary in ["DailySummary", "WeeklySummary"] {
        let reason = &schemas[summary]["properties"]["fallback_reason"];
        assert!(
            reason
                .to_string()
                .contains("#/components/schemas/FallbackReason"),
            "{summary}: {reason}"
        );
        let required = schemas[summary]["required"].as_array().unwrap();
        assert!(!required.contains(&"fallback_reason".into()), "{summary}");
    }
    assert_eq!(
        schemas["FallbackReason"]["enum"],
        serde_json::json!([
            "llm_unavailable",
            "empty_text",
            "ungrounded_number",
            "unknown_name",
            "missing_headline",
            "internal"
        ])
    );
    let answer = &schemas["Answer"];
    assert!(
        answer["required"]
            .as_array()
            .unwrap()
            .contains(&"phrased_by".into())
    );
    assert_eq!(
        schemas["PhrasedBy"]["enum"],
        serde_json::json!(["llm", "template"])
    );
    // The plan fields are optional: an answer written from free SQL has none.
    let required = answer["required"].as_array().unwrap();
    for optional in ["kind", "plan", "plan_sentence"] {
        assert!(answer["properties"].get(optional).is_some(), "{optional}");
        assert!(!required.contains(&optional.into()), "{optional}");
    }
    assert_eq!(
        schemas["AnswerKind"]["enum"],
        serde_json::json!(["rows", "clarification", "not_found"])
    );
}

/// Bounds and defaults a client reads in the document are the ones core
/// checks: written from its constants, not copied.
#[test]
fn quoted_bounds_are_cores_constants() {
    use attendance_core::domain::{
        DEFAULT_FUTURE_TOLERANCE, DEFAULT_LATE_AFTER, MAX_EMPLOYEE_NAME, MAX_ROLE, MAX_TEAM_NAME,
    };
    use attendance_core::store::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
    use attendance_core::trends::Granularity;

    let spec = spec();
    let limit = spec["paths"]["/attendance"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "limit")
        .unwrap();
    assert_eq!(limit["schema"]["minimum"], 1);
    assert_eq!(limit["schema"]["maximum"], MAX_PAGE_SIZE);
    assert_eq!(limit["schema"]["default"], DEFAULT_PAGE_SIZE);

    let schemas = &spec["components"]["schemas"];
    let description = |schema: &str, property: &str| {
        schemas[schema]["properties"][property]["description"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let minutes = DEFAULT_FUTURE_TOLERANCE.num_minutes();
    assert!(
        description("ClockIn", "at").contains(&format!("{minutes} minutes")),
        "{}",
        description("ClockIn", "at")
    );
    for (schema, property, max) in [
        ("CreateTeam", "name", MAX_TEAM_NAME),
        ("CreateEmployee", "name", MAX_EMPLOYEE_NAME),
        ("CreateEmployee", "role", MAX_ROLE),
    ] {
        let text = description(schema, property);
        assert!(
            text.contains(&format!("1–{max} ")),
            "{schema}.{property}: {text}"
        );
    }
    let late_after = DEFAULT_LATE_AFTER.format("`%H:%M`").to_string();
    assert!(
        description("CreateTeam", "late_after").contains(&late_after),
        "{}",
        description("CreateTeam", "late_after")
    );
    use attendance_core::worktime::{
        MAX_ABSENCE_NOTE, MAX_BREAK_THRESHOLDS, MAX_LEDGER_DAYS, MAX_WORKTIME_NAME, MINUTES_PER_DAY,
    };
    for (schema, property, max) in [
        ("CreateWorkPattern", "name", MAX_WORKTIME_NAME),
        ("CreateHoliday", "name", MAX_WORKTIME_NAME),
        ("RecordAbsence", "note", MAX_ABSENCE_NOTE),
    ] {
        let text = description(schema, property);
        assert!(
            text.contains(&format!("1–{max} ")),
            "{schema}.{property}: {text}"
        );
    }
    let text = |schema: &str| schemas[schema]["description"].as_str().unwrap().to_owned();
    assert!(text("WeekMinutes").contains(&format!("0–{MINUTES_PER_DAY}")));
    assert!(text("RecordAbsence").contains(&format!("{MAX_LEDGER_DAYS} days")));
    assert!(text("SetBreakRule").contains(&format!("up to {MAX_BREAK_THRESHOLDS} thresholds")));
    let granularity = schemas["Granularity"]["description"].as_str().unwrap();
    for g in [Granularity::Day, Granularity::Week, Granularity::Month] {
        let days = format!("{} days by {}", g.max_span_days(), g.as_str());
        assert!(granularity.contains(&days), "{granularity}");
    }
}

/// The export documents its two file types and the lock header; the
/// webhook's event types are core's, each spelled as core spells it.
#[test]
fn the_export_and_the_event_types_are_documented() {
    let spec = spec();
    let ok = &spec["paths"]["/exports/timesheet"]["get"]["responses"]["200"];
    let types: BTreeSet<&String> = ok["content"].as_object().unwrap().keys().collect();
    assert_eq!(
        types,
        BTreeSet::from([
            &attendance_export::CSV_CONTENT_TYPE.to_owned(),
            &attendance_export::XLSX_CONTENT_TYPE.to_owned(),
        ])
    );
    assert!(
        ok["headers"]["Attendance-Period-Locked"].is_object(),
        "{ok}"
    );
    assert!(ok["headers"]["Content-Disposition"].is_object(), "{ok}");
    let documented = &spec["components"]["schemas"]["EventType"]["enum"];
    let core: Vec<&str> = attendance_core::webhooks::EventType::ALL
        .iter()
        .map(|t| t.as_str())
        .collect();
    assert_eq!(*documented, serde_json::json!(core));
    for (schema, member) in [
        ("Extensions", "lock"),
        ("Extensions", "existing_lock"),
        ("Extensions", "open_sessions"),
        ("Extensions", "current_session"),
        ("Extensions", "request"),
        ("RegisteredWebhook", "secret"),
    ] {
        assert!(
            spec["components"]["schemas"][schema]["properties"][member].is_object(),
            "{schema}.{member}"
        );
    }
    assert!(
        spec["components"]["schemas"]["WebhookEndpoint"]["properties"]["secret"].is_null(),
        "an endpoint never carries its secret"
    );
}
