//! A month closed through the server example over PostgreSQL, as a
//! company would: an employee asks for a forgotten session, their manager
//! approves it (not their own), an admin locks the week, PostgreSQL
//! refuses a late backfill, the employee downloads their timesheet, and a
//! receiver hears of it all through signed webhooks, in order.

use std::collections::HashMap;

use attendance::core::webhooks::WebhookSecret;
use attendance::webhooks::{DEFAULT_TOLERANCE, verify};
use chrono::Utc;
use reqwest::StatusCode;
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::*;

/// One caller of the served API.
struct Caller {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Caller {
    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(reqwest::Method::POST, path, Some(body)).await
    }

    async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.send(reqwest::Method::GET, path, None).await
    }
}

#[tokio::test]
async fn a_month_is_requested_approved_locked_exported_and_heard_of() {
    let db = common::TestDb::create().await;
    let url = db.url.clone();
    let receiver = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/hooks"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&receiver)
        .await;

    let admin_token = token(&url, &["--admin", "--name", "payroll"]);
    let server = serve_with(&url, None, &[("ATTENDANCE_WEBHOOKS_ALLOW_PRIVATE", "1")]).await;
    let base = format!("http://127.0.0.1:{}", server.port);
    let http = http_client();
    let caller = |token: String| Caller {
        http: http.clone(),
        base: base.clone(),
        token,
    };
    let admin = caller(admin_token);

    let (status, hook) = admin
        .post(
            "/webhooks",
            json!({"url": format!("{}/hooks", receiver.uri()),
                   "event_types": ["request.created", "request.approved", "session.recorded", "period.locked"]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{hook}");
    let secret = WebhookSecret::new(hook["secret"].as_str().unwrap()).unwrap();

    let (_, team) = admin
        .post("/teams", json!({"name": "Payroll test", "timezone": "UTC"}))
        .await;
    let team_id = team["id"].as_i64().unwrap();
    let person = |name: &str, manager: bool| json!({"name": name, "role": "Engineer", "team_id": team_id, "is_manager": manager});
    let (_, boss) = admin.post("/employees", person("Boss", true)).await;
    let (_, ada) = admin.post("/employees", person("Ada", false)).await;
    let (boss_id, ada_id) = (boss["id"].as_i64().unwrap(), ada["id"].as_i64().unwrap());
    let boss = caller(token(&url, &["--employee", &boss_id.to_string()]));
    let ada = caller(token(&url, &["--employee", &ada_id.to_string()]));

    // Ada forgot to clock a day three weeks ago: she asks; Boss approves.
    let day = (Utc::now() - chrono::TimeDelta::days(21)).date_naive();
    let (from, to) = (
        day - chrono::TimeDelta::days(1),
        day + chrono::TimeDelta::days(1),
    );
    let at = |hour: u32| format!("{day}T{hour:02}:00:00Z");
    let (status, asked) = ada
        .post(
            "/attendance/requests",
            json!({"kind": "missing", "employee_id": ada_id, "clock_in": at(9), "clock_out": at(17),
                   "work_mode": "WFO", "reason": "forgot to clock in"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{asked}");
    let request_id = asked["id"].as_i64().unwrap();
    let (_, inbox) = boss.get("/attendance/requests/inbox").await;
    assert_eq!(inbox["items"][0]["id"], request_id, "{inbox}");
    let (status, own) = boss
        .post(
            "/attendance/requests",
            json!({"kind": "missing", "employee_id": boss_id, "clock_in": at(18), "clock_out": at(21),
                   "work_mode": "WFO", "reason": "my own overtime"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{own}");
    let (status, _) = boss
        .post(
            &format!("/attendance/requests/{}/approve", own["id"]),
            json!({}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "nobody approves their own request"
    );
    let (status, approved) = boss
        .post(
            &format!("/attendance/requests/{request_id}/approve"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{approved}");
    assert_eq!(approved["session"]["clock_in"], at(9));
    let (status, twice) = boss
        .post(
            &format!("/attendance/requests/{request_id}/approve"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{twice}");
    let (status, _) = admin
        .post(
            &format!("/attendance/requests/{}/reject", own["id"]),
            json!({"reason": "no evidence"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    // The admin closes the three days; PostgreSQL refuses a late backfill.
    let (status, lock) = admin
        .post(
            "/periods",
            json!({"from": from.to_string(), "to": to.to_string(), "reason": "payroll"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{lock}");
    let (status, refused) = admin
        .post(
            "/attendance/sessions",
            json!({"employee_id": ada_id, "clock_in": at(18), "clock_out": at(19),
                   "work_mode": "WFH", "reason": "late entry"}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert_eq!(refused["conflict"], "period_locked", "{refused}");

    // Ada downloads her timesheet: final, one line a day and a total.
    let response = http
        .get(format!(
            "{base}/exports/timesheet?from={from}&to={to}&format=csv"
        ))
        .bearer_auth(&ada.token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers().clone();
    assert_eq!(headers["attendance-period-locked"], "full");
    assert!(
        headers["content-disposition"]
            .to_str()
            .unwrap()
            .contains(".csv")
    );
    let text = response.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let columns = reader.headers().unwrap().clone();
    let col = |name: &str| columns.iter().position(|c| c == name).unwrap();
    let lines: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(lines.len(), 4, "three days and a total: {text}");
    let worked: HashMap<String, String> = lines
        .iter()
        .map(|l| {
            (
                l[col("work_date")].to_owned(),
                l[col("worked_gross_minutes")].to_owned(),
            )
        })
        .collect();
    assert_eq!(worked[&day.to_string()], "480");
    assert!(
        lines
            .iter()
            .all(|l| l[col("employee_id")] == ada_id.to_string())
    );
    assert!(lines[..3].iter().all(|l| &l[col("locked")] == "true"));
    let (status, _) = ada
        .get(&format!(
            "/exports/timesheet?from={from}&to={to}&employee_id={boss_id}"
        ))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "someone else's timesheet");

    // The receiver hears of each, signed, in the order they were written.
    let expected = [
        "request.created",
        "request.created",
        "request.approved",
        "session.recorded",
        "period.locked",
    ];
    let deadline = Instant::now() + Duration::from_secs(60);
    let heard = loop {
        let received = receiver.received_requests().await.unwrap_or_default();
        if received.len() >= expected.len() {
            break received;
        }
        assert!(
            Instant::now() < deadline,
            "only {} deliveries arrived",
            received.len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let mut types = Vec::new();
    let mut ids: Vec<String> = Vec::new();
    for delivery in &heard {
        verify(
            &secret,
            &delivery.headers,
            &delivery.body,
            Utc::now(),
            DEFAULT_TOLERANCE,
        )
        .unwrap_or_else(|e| panic!("a delivery does not verify: {e}"));
        let event: Value = serde_json::from_slice(&delivery.body).unwrap();
        types.push(event["type"].as_str().unwrap().to_owned());
        ids.push(delivery.headers["webhook-id"].to_str().unwrap().to_owned());
    }
    assert_eq!(types, expected);
    ids.dedup();
    assert_eq!(ids.len(), expected.len(), "each event once: {ids:?}");
    drop(server);
    db.drop_db().await;
}
