//! The ledger over HTTP: an employee's days and balance, a team's and the
//! company's totals, each under the permission matrix; work-time writes in
//! the audit trail; the answers shaped as the document says.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::{Value, json};
use support::send;
use support::world::{call, ledger_world};

#[tokio::test]
async fn an_employees_ledger() {
    let w = ledger_world().await;
    let uri = format!(
        "/ledger/employees/{}?from=2026-03-02&to=2026-03-03&opening_balance_minutes=60",
        w.ada_id
    );
    let reply = call(&w.ada, Method::GET, &uri, None).await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    let body = &reply.body;
    assert_eq!(body["opening_balance_minutes"], 60);
    let monday = &body["days"][0];
    assert_eq!(monday["date"], "2026-03-02");
    assert_eq!(monday["team_id"], w.ops);
    assert_eq!(monday["expected_minutes"], 480);
    assert_eq!(monday["worked_gross_minutes"], 540);
    assert_eq!(monday["break_deducted_minutes"], 30);
    assert_eq!(monday["worked_net_minutes"], 510);
    assert_eq!(monday["overtime_minutes"], 30);
    assert_eq!(monday["late"], false);
    assert_eq!(monday["sessions"], 1);
    assert_eq!(monday["balance_minutes"], 90);
    let tuesday = &body["days"][1];
    assert_eq!(
        tuesday["absence"],
        json!({ "kind": "vacation", "portion": "full" })
    );
    assert_eq!(tuesday["absence_credit_minutes"], 480);
    assert_eq!(tuesday["absent_without_leave"], false);
    assert_eq!(tuesday["balance_minutes"], 90);
    assert_eq!(body["days"].as_array().unwrap().len(), 2);
    let totals = &body["totals"];
    assert_eq!(totals["expected_minutes"], 960);
    assert_eq!(totals["overtime_minutes"], 30);
    assert_eq!(totals["vacation_days"], 1.0);
    assert_eq!(totals["balance_minutes"], 90);
    assert_eq!(totals["balance_hours"], 1.5);
    assert_eq!(totals["worked_net_hours"], 8.5);

    // Ada, her team's manager and the admin read it; no one else.
    for app in [&w.boss, &w.admin] {
        assert_eq!(call(app, Method::GET, &uri, None).await.body, reply.body);
    }
    for app in [&w.dee, &w.bob] {
        call(app, Method::GET, &uri, None)
            .await
            .problem(StatusCode::NOT_FOUND, "not-found");
    }
    // A correction shows at the next read: no job to run.
    let removed = call(&w.admin, Method::DELETE, "/absences/1", None).await;
    assert_eq!(removed.status, StatusCode::OK, "{removed:?}");
    let reply = call(&w.ada, Method::GET, &uri, None).await;
    assert_eq!(reply.body["days"][1]["absent_without_leave"], true);
    assert_eq!(reply.body["totals"]["balance_minutes"], 90 - 480);

    let base = format!("/ledger/employees/{}", w.ada_id);
    for (query, field) in [
        ("from=2026-03-02&to=2026-03-01", "to"),
        ("from=2026-01-01&to=2027-01-02", "to"),
        ("to=2026-03-01", "from"),
        ("from=2026-03-02", "to"),
        (
            "from=2026-03-02&to=2026-03-03&opening_balance_minutes=9223372036854775807",
            "opening_balance_minutes",
        ),
        (
            "from=2026-03-02&to=2026-03-03&opening_balance_minutes=lots",
            "opening_balance_minutes",
        ),
    ] {
        let reply = call(&w.admin, Method::GET, &format!("{base}?{query}"), None).await;
        assert_eq!(reply.invalid_field(), field, "{query}");
    }
    // A past leap year of days is accepted: 366.
    let reply = call(
        &w.admin,
        Method::GET,
        &format!("{base}?from=2024-01-01&to=2024-12-31"),
        None,
    )
    .await;
    assert_eq!(
        reply.body["days"].as_array().unwrap().len(),
        366,
        "{}",
        reply.status
    );
}

#[tokio::test]
async fn team_and_company_ledgers() {
    let w = ledger_world().await;
    let ops = format!("/ledger/teams/{}?from=2026-03-02&to=2026-03-03", w.ops);
    let reply = call(&w.boss, Method::GET, &ops, None).await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    let employees = reply.body["employees"].as_array().unwrap();
    assert_eq!(employees.len(), 2, "Boss and Ada: {reply:?}");
    let ada = employees
        .iter()
        .find(|e| e["employee_id"] == w.ada_id)
        .unwrap();
    assert_eq!(ada["totals"]["balance_minutes"], 30);
    assert_eq!(ada["totals"]["worked_net_minutes"], 510);
    // Boss worked nothing: two days absent without leave.
    assert_eq!(reply.body["totals"]["absent_without_leave_days"], 2);
    assert_eq!(reply.body["totals"]["expected_minutes"], 4 * 480);
    assert_eq!(reply.body["team_id"], w.ops);
    assert_eq!(
        call(&w.admin, Method::GET, &ops, None).await.body,
        reply.body
    );
    for app in [&w.dee, &w.ada, &w.bob] {
        call(app, Method::GET, &ops, None)
            .await
            .problem(StatusCode::NOT_FOUND, "not-found");
    }

    let company = "/ledger/company?from=2026-03-02&to=2026-03-03";
    let reply = call(&w.admin, Method::GET, company, None).await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    assert_eq!(reply.body["team_id"], Value::Null);
    assert_eq!(reply.body["employees"].as_array().unwrap().len(), 4);
    for app in [&w.boss, &w.ada] {
        call(app, Method::GET, company, None)
            .await
            .problem(StatusCode::FORBIDDEN, "forbidden");
    }
    let reply = call(
        &w.admin,
        Method::GET,
        "/ledger/company?from=2026-01-01&to=2027-01-02",
        None,
    )
    .await;
    assert_eq!(reply.invalid_field(), "to");
    let reply = call(
        &w.admin,
        Method::GET,
        &format!("/ledger/teams/{}?from=2026-03-02&to=2026-03-01", w.dev),
        None,
    )
    .await;
    assert_eq!(reply.invalid_field(), "to");
    call(
        &w.admin,
        Method::GET,
        "/ledger/teams/999?from=2026-03-02&to=2026-03-03",
        None,
    )
    .await
    .problem(StatusCode::NOT_FOUND, "not-found");
}

/// Each work-time write is in the audit trail with the record it wrote,
/// and a retried POST with its Idempotency-Key writes once.
#[tokio::test]
async fn work_time_writes_are_audited_and_retry_safe() {
    let w = ledger_world().await;
    let request = |key: &str| {
        Request::builder()
            .method(Method::POST)
            .uri("/absences")
            .header(header::CONTENT_TYPE, "application/json")
            .header("idempotency-key", key)
            .body(Body::from(
                json!({ "employee_id": w.bob_id, "kind": "other", "from": "2026-03-05", "to": "2026-03-06" }).to_string(),
            ))
            .unwrap()
    };
    let before = w.audit_len().await;
    let first = send(&w.admin, request("absence-7")).await;
    assert_eq!(first.status, StatusCode::CREATED, "{first:?}");
    let again = send(&w.admin, request("absence-7")).await;
    assert_eq!(again.status, StatusCode::CREATED, "{again:?}");
    assert_eq!(again.headers["idempotent-replayed"], "true");
    assert_eq!(again.body, first.body);
    assert_eq!(w.audit_len().await, before + 1);

    let trail = call(&w.admin, Method::GET, "/audit?limit=500", None).await;
    let entries = trail.body["items"].as_array().unwrap();
    let shown = |action: &str| -> Value {
        entries
            .iter()
            .find(|e| e["action"] == action)
            .unwrap_or_else(|| panic!("no {action} in {entries:?}"))["after"]
            .clone()
    };
    assert_eq!(shown("work_pattern_created")["kind"], "work_pattern");
    assert_eq!(
        shown("work_pattern_created")["value"]["minutes"]["mon"],
        480
    );
    assert_eq!(shown("work_pattern_assigned")["kind"], "pattern_assignment");
    assert_eq!(shown("work_pattern_assigned")["value"]["team_id"], w.ops);
    assert_eq!(shown("break_rule_set")["kind"], "break_rule");
    assert_eq!(
        shown("break_rule_set")["value"]["thresholds"][0]["after_minutes"],
        360
    );
    assert_eq!(shown("absence_recorded")["kind"], "absence");
    assert_eq!(shown("absence_recorded")["value"]["employee_id"], w.bob_id);

    let holiday = json!({ "date": "2026-05-01", "name": "May Day" });
    let id = call(&w.admin, Method::POST, "/holidays", Some(holiday))
        .await
        .body["id"]
        .clone();
    call(&w.admin, Method::DELETE, &format!("/holidays/{id}"), None).await;
    let trail = call(&w.admin, Method::GET, "/audit?limit=2", None).await;
    let removed = &trail.body["items"][0];
    assert_eq!(removed["action"], "holiday_removed");
    assert_eq!(removed["before"]["kind"], "holiday");
    assert_eq!(removed["before"]["value"]["name"], "May Day");
    assert_eq!(trail.body["items"][1]["after"]["value"]["id"], id);
}

/// The keys of `value` are the properties its schema documents.
fn documented_as(schemas: &Value, schema: &str, value: &Value) {
    let keys: std::collections::BTreeSet<&String> = value.as_object().unwrap().keys().collect();
    let documented: std::collections::BTreeSet<&String> = schemas[schema]["properties"]
        .as_object()
        .unwrap_or_else(|| panic!("no schema {schema}"))
        .keys()
        .collect();
    assert_eq!(keys, documented, "{schema}");
}

/// What the work-time routes answer has the shape the document gives it.
#[tokio::test]
async fn work_time_answers_are_as_documented() {
    let spec = serde_json::to_value(attendance_http::openapi()).unwrap();
    let schemas = &spec["components"]["schemas"];
    let w = ledger_world().await;
    let get = |uri: String| {
        let admin = w.admin.clone();
        async move {
            let reply = call(&admin, Method::GET, &uri, None).await;
            assert_eq!(reply.status, StatusCode::OK, "{uri}: {reply:?}");
            reply.body
        }
    };
    let ledger = get(format!(
        "/ledger/employees/{}?from=2026-03-02&to=2026-03-03",
        w.ada_id
    ))
    .await;
    documented_as(schemas, "EmployeeLedger", &ledger);
    documented_as(schemas, "LedgerDay", &ledger["days"][1]);
    documented_as(schemas, "DayAbsence", &ledger["days"][1]["absence"]);
    documented_as(schemas, "LedgerTotals", &ledger["totals"]);
    let team = get(format!(
        "/ledger/teams/{}?from=2026-03-02&to=2026-03-03",
        w.ops
    ))
    .await;
    documented_as(schemas, "TeamLedger", &team);
    documented_as(schemas, "EmployeeTotals", &team["employees"][0]);
    let patterns = get("/work-patterns".to_owned()).await;
    documented_as(schemas, "WorkPattern", &patterns["items"][0]);
    documented_as(schemas, "WeekMinutes", &patterns["items"][0]["minutes"]);
    let assignments = get("/work-patterns/assignments".to_owned()).await;
    documented_as(schemas, "PatternAssignment", &assignments["items"][0]);
    let absences = get("/absences".to_owned()).await;
    documented_as(schemas, "Absence", &absences["items"][0]);
    let rule = get(format!("/teams/{}/break-rule", w.ops)).await;
    documented_as(schemas, "BreakRule", &rule);
    documented_as(schemas, "BreakThreshold", &rule["thresholds"][0]);
    let holiday = json!({ "date": "2026-05-01", "name": "May Day" });
    let holiday = call(&w.admin, Method::POST, "/holidays", Some(holiday))
        .await
        .body;
    documented_as(schemas, "Holiday", &holiday);
    for (schema, value) in [
        ("DayPortion", json!(["full", "half"])),
        ("AbsenceKind", json!(["vacation", "sick", "other"])),
    ] {
        assert_eq!(schemas[schema]["enum"], value, "{schema}");
    }
}
