//! Backfills, corrections and the audit trail in-process, each request
//! carrying its principal as authentication leaves it (a `Principal`
//! request extension).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::sync::Arc;

use attendance_core::access::{Identity, Principal};
use attendance_core::memory::InMemoryStore;
use attendance_core::service::{AttendanceService, ManualClock, TrendService};
use attendance_core::store::{AnalyticsStore, Store};
use attendance_core::summary::SummaryService;
use attendance_core::{EmployeeId, NewEmployee, NewTeam, WorkMode};
use attendance_http::{HttpConfig, Services};
use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use tower::ServiceExt;

fn now() -> DateTime<Utc> {
    "2026-03-04T12:00:00Z".parse().unwrap()
}

/// A router over an in-memory store, the clock at [`now`], and the
/// people of the scenarios: Ops (managed by Boss) with Ada, Dev (managed
/// by Dee) with Bob, and one session of Ada's.
struct World {
    app: Router,
    service: AttendanceService,
    boss: Principal,
    dee: Principal,
    ada: Principal,
    ada_id: i64,
    session: i64,
}

impl World {
    async fn new() -> Self {
        let store: Arc<dyn Store> = Arc::new(InMemoryStore::new());
        let clock = Arc::new(ManualClock::new(now()));
        let service = AttendanceService::new(store.clone()).with_clock(clock);
        let analytics: Arc<dyn AnalyticsStore> = store.clone();
        let services = Services::new(
            service.clone(),
            TrendService::new(analytics),
            SummaryService::new(store, None),
        );
        let services = services.with_authenticator(Arc::new(support::FromExtension));
        let app = attendance_http::router_with(services, &HttpConfig::default());
        let ops = service
            .create_team(&NewTeam::new("Ops").unwrap())
            .await
            .unwrap();
        let dev = service
            .create_team(&NewTeam::new("Dev").unwrap())
            .await
            .unwrap();
        let lead = |name: &str, team| NewEmployee::new(name, "Lead", team).unwrap().manager(true);
        let boss = service
            .create_employee(&lead("Boss", ops.id))
            .await
            .unwrap();
        let dee = service.create_employee(&lead("Dee", dev.id)).await.unwrap();
        let ada = service
            .create_employee(&NewEmployee::new("Ada", "Engineer", ops.id).unwrap())
            .await
            .unwrap();
        service
            .clock_in(
                ada.id,
                WorkMode::Wfh,
                Some("2026-03-03T08:00:00Z".parse().unwrap()),
            )
            .await
            .unwrap();
        let session = service
            .clock_out(ada.id, Some("2026-03-03T16:00:00Z".parse().unwrap()))
            .await
            .unwrap();
        let principal = |id: EmployeeId| {
            let service = service.clone();
            async move { service.principal(&Identity::Employee { id }).await.unwrap() }
        };
        Self {
            app,
            boss: principal(boss.id).await,
            dee: principal(dee.id).await,
            ada: principal(ada.id).await,
            service,
            ada_id: ada.id.0,
            session: session.id.0,
        }
    }

    async fn send(
        &self,
        as_: Option<&Principal>,
        method: Method,
        uri: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value, axum::http::HeaderMap) {
        let mut builder = Request::builder().method(method).uri(uri);
        if body.is_some() {
            builder = builder.header(header::CONTENT_TYPE, "application/json");
        }
        let body = body.map_or_else(Body::empty, |b| Body::from(b.to_string()));
        let mut request = builder.body(body).unwrap();
        if let Some(principal) = as_ {
            request.extensions_mut().insert(principal.clone());
        }
        let response = self.app.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        let value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        (status, value, headers)
    }

    fn backfill(&self, reason: &str) -> Value {
        json!({
            "employee_id": self.ada_id,
            "clock_in": "2026-03-02T08:00:00Z",
            "clock_out": "2026-03-02T12:00:00Z",
            "work_mode": "WFO",
            "reason": reason,
        })
    }
}

fn problem_type(body: &Value) -> &str {
    body["type"]
        .as_str()
        .and_then(|t| t.rsplit('/').next())
        .unwrap_or("")
}

#[tokio::test]
async fn a_manager_backfills_a_session_and_the_trail_keeps_the_reason() {
    let w = World::new().await;
    let (status, body, headers) = w
        .send(
            Some(&w.boss),
            Method::POST,
            "/attendance/sessions",
            Some(w.backfill("  paper timesheet ")),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let id = body["id"].as_i64().unwrap();
    assert_eq!(body["work_mode"], "WFO");
    assert_eq!(body["clock_out"], "2026-03-02T12:00:00Z");
    assert_eq!(
        headers[header::LOCATION],
        format!("/attendance/sessions/{id}")
    );

    let (status, page, _) = w
        .send(
            Some(&w.boss),
            Method::GET,
            &format!("/audit?session_id={id}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{page}");
    let entry = &items[0];
    assert_eq!(entry["action"], "backfill");
    assert_eq!(entry["reason"], "paper timesheet");
    assert_eq!(
        entry["actor"],
        json!({ "kind": "employee", "id": w.boss.member().unwrap().employee.0 })
    );
    assert_eq!(entry["before"], Value::Null);
    assert_eq!(entry["after"]["kind"], "session");
    assert_eq!(entry["after"]["value"]["id"], id);
    assert_eq!(entry["at"], "2026-03-04T12:00:00Z");
}

#[tokio::test]
async fn backfills_are_refused_to_employees_and_checked_like_clock_ins() {
    let w = World::new().await;
    let (status, body, _) = w
        .send(
            Some(&w.ada),
            Method::POST,
            "/attendance/sessions",
            Some(w.backfill("me")),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(problem_type(&body), "forbidden");
    let (status, body, _) = w
        .send(
            Some(&w.dee),
            Method::POST,
            "/attendance/sessions",
            Some(w.backfill("x")),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "another team's manager: {body}"
    );

    let (status, body, _) = w
        .send(
            Some(&w.boss),
            Method::POST,
            "/attendance/sessions",
            Some(w.backfill(" ")),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["errors"][0]["field"], "reason", "{body}");

    let mut overlapping = w.backfill("x");
    overlapping["clock_in"] = json!("2026-03-03T07:00:00Z");
    overlapping["clock_out"] = json!("2026-03-03T09:00:00Z");
    let (status, body, _) = w
        .send(
            Some(&w.boss),
            Method::POST,
            "/attendance/sessions",
            Some(overlapping),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");

    let mut future = w.backfill("x");
    future["clock_out"] = json!("2026-03-05T09:00:00Z");
    let (status, body, _) = w
        .send(
            Some(&w.boss),
            Method::POST,
            "/attendance/sessions",
            Some(future),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    let (status, _, _) = w
        .send(
            None,
            Method::POST,
            "/attendance/sessions",
            Some(w.backfill("x")),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let trail = w
        .service
        .audit(&Default::default(), None, None)
        .await
        .unwrap();
    assert!(
        trail.items.iter().all(|e| e.record.reason.is_none()),
        "no refused backfill was entered"
    );
}

#[tokio::test]
async fn a_correction_answers_200_and_keeps_the_values_before() {
    let w = World::new().await;
    let uri = format!("/attendance/sessions/{}", w.session);
    let change =
        json!({ "clock_in": "2026-03-03T09:00:00Z", "work_mode": "WFO", "reason": "late badge" });
    let (status, body, _) = w
        .send(Some(&w.boss), Method::PATCH, &uri, Some(change.clone()))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["clock_in"], "2026-03-03T09:00:00Z");
    assert_eq!(body["clock_out"], "2026-03-03T16:00:00Z");
    assert_eq!(body["work_mode"], "WFO");

    let (_, page, _) = w
        .send(
            Some(&w.ada),
            Method::GET,
            &format!("/audit?session_id={}&limit=1", w.session),
            None,
        )
        .await;
    let entry = &page["items"][0];
    assert_eq!(entry["action"], "correction", "{page}");
    assert_eq!(entry["before"]["value"]["clock_in"], "2026-03-03T08:00:00Z");
    assert_eq!(entry["before"]["value"]["work_mode"], "WFH");
    assert_eq!(entry["after"]["value"]["clock_in"], "2026-03-03T09:00:00Z");
    assert!(
        page["next_cursor"].is_string(),
        "the clock-in and out follow"
    );

    // Ada sees her session but may not correct it; Dee may not see it.
    let (status, body, _) = w
        .send(Some(&w.ada), Method::PATCH, &uri, Some(change.clone()))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, body, _) = w
        .send(Some(&w.dee), Method::PATCH, &uri, Some(change.clone()))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let (status, _, _) = w
        .send(
            Some(&w.boss),
            Method::PATCH,
            "/attendance/sessions/999",
            Some(change.clone()),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body, _) = w
        .send(
            Some(&w.boss),
            Method::PATCH,
            &uri,
            Some(json!({ "reason": "nothing" })),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let backwards = json!({ "clock_out": "2026-03-03T08:30:00Z", "reason": "x" });
    let (status, body, _) = w
        .send(Some(&w.boss), Method::PATCH, &uri, Some(backwards))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["errors"][0]["field"], "clock_out", "{body}");
}

#[tokio::test]
async fn the_trail_is_scoped_to_the_caller() {
    let w = World::new().await;
    let count = |page: &Value| page["items"].as_array().map_or(0, Vec::len);
    let (status, all, _) = w
        .send(Some(&Principal::system()), Method::GET, "/audit", None)
        .await;
    assert_eq!(status, StatusCode::OK, "{all}");
    assert_eq!(count(&all), 7, "2 teams, 3 employees, in and out: {all}");
    let (_, mine, _) = w.send(Some(&w.ada), Method::GET, "/audit", None).await;
    assert_eq!(count(&mine), 3, "created, in, out: {mine}");
    let (_, dees, _) = w.send(Some(&w.dee), Method::GET, "/audit", None).await;
    assert_eq!(count(&dees), 1, "only Dee's own creation: {dees}");
    let (_, filtered, _) = w
        .send(
            Some(&w.dee),
            Method::GET,
            &format!("/audit?employee_id={}", w.ada_id),
            None,
        )
        .await;
    assert_eq!(count(&filtered), 0);
    let (_, day, _) = w
        .send(
            Some(&Principal::system()),
            Method::GET,
            "/audit?from=2026-03-04&to=2026-03-04",
            None,
        )
        .await;
    assert_eq!(count(&day), 7, "every entry was written today: {day}");
    let (_, none, _) = w
        .send(
            Some(&Principal::system()),
            Method::GET,
            "/audit?to=2026-03-03T23:59:59Z",
            None,
        )
        .await;
    assert_eq!(count(&none), 0, "{none}");

    for bad in [
        "/audit?employee_id=x",
        "/audit?from=yesterday",
        "/audit?limit=0",
        "/audit?from=2026-03-06&to=2026-03-04",
        "/audit?colour=red",
    ] {
        let (status, body, _) = w
            .send(Some(&Principal::system()), Method::GET, bad, None)
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {body}");
    }
    let (status, _, headers) = w.send(None, Method::GET, "/audit", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(headers.contains_key(header::WWW_AUTHENTICATE));
}
