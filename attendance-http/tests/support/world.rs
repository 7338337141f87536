//! The people of the work-time tests: Ops (managed by Boss) with Ada, Dev
//! (managed by Dee) with Bob, a router acting as each, and a world with a
//! pattern, a break rule, a session and an absence for the ledger.

use std::sync::Arc;

use attendance_core::access::{Member, Principal};
use attendance_core::{EmployeeId, TeamId};
use attendance_http::HttpConfig;
use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::{Value, json};

use super::{FromExtension, Harness, Reply, send, services};

/// Ops (managed by Boss) with Ada, Dev (managed by Dee) with Bob; a router
/// per person, and the harness's own, which acts as an admin.
pub struct World {
    pub ops: i64,
    pub dev: i64,
    pub ada_id: i64,
    pub bob_id: i64,
    pub boss_id: i64,
    pub admin: Router,
    pub boss: Router,
    pub dee: Router,
    pub ada: Router,
    pub bob: Router,
}

pub fn router_as(h: &Harness, principal: Principal) -> Router {
    let services =
        services(h.store.clone(), h.clock.clone()).with_authenticator(Arc::new(FromExtension));
    attendance_http::router_with(services, &HttpConfig::default()).layer(axum::Extension(principal))
}

impl World {
    pub async fn new() -> Self {
        let h = Harness::new();
        let ops = h.team("Ops").await;
        let dev = h.team("Dev").await;
        let lead = |name: &str, team: i64| json!({ "name": name, "role": "Lead", "team_id": team, "is_manager": true });
        let boss_id = h.post("/employees", lead("Boss", ops)).await.body["id"]
            .as_i64()
            .unwrap();
        let dee_id = h.post("/employees", lead("Dee", dev)).await.body["id"]
            .as_i64()
            .unwrap();
        let ada_id = h.employee(ops, "Ada").await;
        let bob_id = h.employee(dev, "Bob").await;
        let member = |id: i64, team: i64, manages: Vec<i64>| {
            router_as(
                &h,
                Principal::Member(Member::new(
                    EmployeeId(id),
                    TeamId(team),
                    manages.into_iter().map(TeamId).collect(),
                )),
            )
        };
        Self {
            boss: member(boss_id, ops, vec![ops]),
            dee: member(dee_id, dev, vec![dev]),
            ada: member(ada_id, ops, Vec::new()),
            bob: member(bob_id, dev, Vec::new()),
            admin: h.app.clone(),
            ops,
            dev,
            ada_id,
            bob_id,
            boss_id,
        }
    }

    /// How many entries the audit trail has.
    pub async fn audit_len(&self) -> usize {
        let reply = call(&self.admin, Method::GET, "/audit?limit=500", None).await;
        assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
        reply.body["items"].as_array().unwrap().len()
    }

    /// Sends a write that must be refused with `status` and leave the
    /// audit trail as it was; returns the reply.
    pub async fn refused(
        &self,
        app: &Router,
        method: Method,
        uri: &str,
        body: Option<Value>,
        status: StatusCode,
    ) -> Reply {
        let before = self.audit_len().await;
        let reply = call(app, method.clone(), uri, body).await;
        assert_eq!(reply.status, status, "{method} {uri}: {reply:?}");
        assert_eq!(
            self.audit_len().await,
            before,
            "{method} {uri} left a trace"
        );
        reply
    }
}

pub async fn call(app: &Router, method: Method, uri: &str, body: Option<Value>) -> Reply {
    let mut builder = Request::builder().method(method).uri(uri);
    if body.is_some() {
        builder = builder.header(header::CONTENT_TYPE, "application/json");
    }
    let body = body.map_or_else(Body::empty, |b| Body::from(b.to_string()));
    send(app, builder.body(body).unwrap()).await
}

pub fn full_time() -> Value {
    json!({
        "name": "Full time",
        "minutes": { "mon": 480, "tue": 480, "wed": 480, "thu": 480, "fri": 480, "sat": 0, "sun": 0 },
        "starts_at": "09:00",
    })
}

/// Ops works Monday to Friday, 480 minutes, under the statutory break
/// rule. Ada works 08:00–17:00 on Monday 2 March 2026 (540 minutes, no
/// gap: 30 deducted, 510 net, 30 over) and is on vacation on Tuesday.
pub async fn ledger_world() -> World {
    let w = World::new().await;
    let pattern = call(&w.admin, Method::POST, "/work-patterns", Some(full_time()))
        .await
        .body["id"]
        .clone();
    let assign = json!({ "team_id": w.ops, "pattern_id": pattern, "valid_from": "2026-01-01" });
    assert_eq!(
        call(
            &w.admin,
            Method::POST,
            "/work-patterns/assignments",
            Some(assign)
        )
        .await
        .status,
        StatusCode::CREATED
    );
    let uri = format!("/teams/{}/break-rule", w.ops);
    assert_eq!(
        call(&w.admin, Method::PUT, &uri, Some(json!({})))
            .await
            .status,
        StatusCode::OK
    );
    let session = json!({
        "employee_id": w.ada_id, "clock_in": "2026-03-02T08:00:00Z", "clock_out": "2026-03-02T17:00:00Z",
        "work_mode": "WFO", "reason": "paper timesheet",
    });
    let reply = call(
        &w.admin,
        Method::POST,
        "/attendance/sessions",
        Some(session),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{reply:?}");
    let absence = json!({ "employee_id": w.ada_id, "kind": "vacation", "from": "2026-03-03", "to": "2026-03-03" });
    assert_eq!(
        call(&w.admin, Method::POST, "/absences", Some(absence))
            .await
            .status,
        StatusCode::CREATED
    );
    w
}
