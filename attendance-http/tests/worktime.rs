//! Work time over HTTP: work patterns and assignments, holidays, absences,
//! break rules and ledgers, each under the permission matrix (writes out
//! of scope 403, reads 404), bad input a 422 naming the field, and a
//! refused write leaving no trace in the audit trail.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::sync::Arc;

use attendance_core::access::{Member, Principal};
use attendance_core::{EmployeeId, TeamId};
use attendance_http::HttpConfig;
use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::{Value, json};
use support::{FromExtension, Harness, Reply, send, services};

/// Ops (managed by Boss) with Ada, Dev (managed by Dee) with Bob; a router
/// per person, and the harness's own, which acts as an admin.
struct World {
    ops: i64,
    dev: i64,
    ada_id: i64,
    bob_id: i64,
    admin: Router,
    boss: Router,
    dee: Router,
    ada: Router,
    bob: Router,
}

fn router_as(h: &Harness, principal: Principal) -> Router {
    let services =
        services(h.store.clone(), h.clock.clone()).with_authenticator(Arc::new(FromExtension));
    attendance_http::router_with(services, &HttpConfig::default()).layer(axum::Extension(principal))
}

impl World {
    async fn new() -> Self {
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
        }
    }

    /// How many entries the audit trail has.
    async fn audit_len(&self) -> usize {
        let reply = call(&self.admin, Method::GET, "/audit?limit=500", None).await;
        assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
        reply.body["items"].as_array().unwrap().len()
    }

    /// Sends a write that must be refused with `status` and leave the
    /// audit trail as it was; returns the reply.
    async fn refused(
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

async fn call(app: &Router, method: Method, uri: &str, body: Option<Value>) -> Reply {
    let mut builder = Request::builder().method(method).uri(uri);
    if body.is_some() {
        builder = builder.header(header::CONTENT_TYPE, "application/json");
    }
    let body = body.map_or_else(Body::empty, |b| Body::from(b.to_string()));
    send(app, builder.body(body).unwrap()).await
}

fn full_time() -> Value {
    json!({
        "name": "Full time",
        "minutes": { "mon": 480, "tue": 480, "wed": 480, "thu": 480, "fri": 480, "sat": 0, "sun": 0 },
        "starts_at": "09:00",
    })
}

#[tokio::test]
async fn work_patterns_and_assignments() {
    let w = World::new().await;
    let created = call(&w.admin, Method::POST, "/work-patterns", Some(full_time())).await;
    assert_eq!(created.status, StatusCode::CREATED, "{created:?}");
    assert_eq!(created.body["minutes"]["mon"], 480);
    assert_eq!(created.body["minutes"]["sun"], 0);
    assert_eq!(created.body["starts_at"], "09:00");
    assert_eq!(created.body["weekly_overtime_after"], Value::Null);
    let pattern = created.body["id"].as_i64().unwrap();

    // Anyone signed in reads the patterns.
    for app in [&w.admin, &w.ada] {
        let list = call(app, Method::GET, "/work-patterns", None).await;
        assert_eq!(list.status, StatusCode::OK);
        assert_eq!(list.body["items"][0]["id"], pattern);
        assert_eq!(list.body["items"][0]["name"], "Full time");
    }
    // Writes are admins'.
    for app in [&w.boss, &w.ada] {
        w.refused(
            app,
            Method::POST,
            "/work-patterns",
            Some(full_time()),
            StatusCode::FORBIDDEN,
        )
        .await
        .problem(StatusCode::FORBIDDEN, "forbidden");
    }
    let mut too_long = full_time();
    too_long["minutes"]["wed"] = json!(1441);
    let mut negative = full_time();
    negative["minutes"]["fri"] = json!(-1);
    for body in [too_long, negative] {
        let reply = w
            .refused(
                &w.admin,
                Method::POST,
                "/work-patterns",
                Some(body),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        assert_eq!(reply.invalid_field(), "minutes");
    }

    let assign = json!({ "team_id": w.ops, "pattern_id": pattern, "valid_from": "2026-03-02" });
    let reply = call(
        &w.admin,
        Method::POST,
        "/work-patterns/assignments",
        Some(assign.clone()),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{reply:?}");
    assert_eq!(
        reply.body,
        json!({ "team_id": w.ops, "employee_id": null, "pattern_id": pattern, "valid_from": "2026-03-02" })
    );
    // Ada's own: none, i.e. back to the team's, from July.
    let own = json!({ "employee_id": w.ada_id, "pattern_id": null, "valid_from": "2026-07-01" });
    let reply = call(
        &w.admin,
        Method::POST,
        "/work-patterns/assignments",
        Some(own),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{reply:?}");
    assert_eq!(reply.body["pattern_id"], Value::Null);

    for (body, field) in [
        (assign.clone(), "valid_from"),
        (
            json!({ "team_id": w.ops, "employee_id": w.ada_id, "pattern_id": 1, "valid_from": "2026-04-01" }),
            "team_id",
        ),
        (
            json!({ "pattern_id": 1, "valid_from": "2026-04-01" }),
            "team_id",
        ),
        (
            json!({ "team_id": w.ops, "valid_from": "2026-04-01" }),
            "pattern_id",
        ),
        (
            json!({ "team_id": w.ops, "pattern_id": 1, "valid_from": "April" }),
            "valid_from",
        ),
    ] {
        let reply = w
            .refused(
                &w.admin,
                Method::POST,
                "/work-patterns/assignments",
                Some(body.clone()),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        assert_eq!(reply.invalid_field(), field, "{body}");
    }
    w.refused(
        &w.boss,
        Method::POST,
        "/work-patterns/assignments",
        Some(assign),
        StatusCode::FORBIDDEN,
    )
    .await;
    let unknown = json!({ "team_id": w.ops, "pattern_id": 999, "valid_from": "2026-05-01" });
    w.refused(
        &w.admin,
        Method::POST,
        "/work-patterns/assignments",
        Some(unknown),
        StatusCode::NOT_FOUND,
    )
    .await
    .problem(StatusCode::NOT_FOUND, "not-found");

    // Reads: a team's for its members and managers, an employee's for
    // whoever reads the employee, every one for admins only.
    let of_ops = format!("/work-patterns/assignments?team_id={}", w.ops);
    let of_ada = format!("/work-patterns/assignments?employee_id={}", w.ada_id);
    for app in [&w.admin, &w.boss, &w.ada] {
        let reply = call(app, Method::GET, &of_ops, None).await;
        assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
        assert_eq!(reply.body["items"].as_array().unwrap().len(), 1);
        let reply = call(app, Method::GET, &of_ada, None).await;
        assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
        assert_eq!(reply.body["items"][0]["employee_id"], w.ada_id);
    }
    for app in [&w.dee, &w.bob] {
        call(app, Method::GET, &of_ops, None)
            .await
            .problem(StatusCode::NOT_FOUND, "not-found");
        call(app, Method::GET, &of_ada, None)
            .await
            .problem(StatusCode::NOT_FOUND, "not-found");
    }
    let all = call(&w.admin, Method::GET, "/work-patterns/assignments", None).await;
    assert_eq!(all.body["items"].as_array().unwrap().len(), 2, "{all:?}");
    call(&w.boss, Method::GET, "/work-patterns/assignments", None)
        .await
        .problem(StatusCode::FORBIDDEN, "forbidden");
    let both = format!("{of_ops}&employee_id={}", w.ada_id);
    assert_eq!(
        call(&w.admin, Method::GET, &both, None)
            .await
            .invalid_field(),
        "employee_id"
    );
}

#[tokio::test]
async fn holidays() {
    let w = World::new().await;
    let new_year = json!({ "date": "2026-01-01", "name": "New Year's Day" });
    let reply = call(&w.admin, Method::POST, "/holidays", Some(new_year.clone())).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{reply:?}");
    assert_eq!(reply.body["team_id"], Value::Null);
    assert_eq!(reply.body["portion"], "full");
    let company = reply.body["id"].as_i64().unwrap();
    let eve = json!({ "team_id": w.dev, "date": "2026-12-24", "name": "Christmas Eve", "portion": "half" });
    let reply = call(&w.admin, Method::POST, "/holidays", Some(eve.clone())).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{reply:?}");
    assert_eq!(reply.body["portion"], "half");
    let dev_eve = reply.body["id"].as_i64().unwrap();

    // The same date in the same calendar: 409 showing the one in place.
    let again = json!({ "date": "2026-01-01", "name": "Neujahr" });
    let reply = w
        .refused(
            &w.admin,
            Method::POST,
            "/holidays",
            Some(again),
            StatusCode::CONFLICT,
        )
        .await;
    let body = reply.problem(StatusCode::CONFLICT, "conflict");
    assert_eq!(body["conflict"], "holiday_exists");
    assert_eq!(body["existing_holiday"]["id"], company);
    assert_eq!(body["existing_holiday"]["name"], "New Year's Day");

    for (body, field) in [
        (
            json!({ "team_id": 999, "date": "2026-05-01", "name": "May Day" }),
            "team_id",
        ),
        (
            json!({ "date": "2026-05-01", "name": "May Day", "portion": "quarter" }),
            "portion",
        ),
        (json!({ "date": "2026-02-30", "name": "Nope" }), "date"),
        (json!({ "date": "2026-05-01", "name": "  " }), "name"),
    ] {
        let reply = w
            .refused(
                &w.admin,
                Method::POST,
                "/holidays",
                Some(body.clone()),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        assert_eq!(reply.invalid_field(), field, "{body}");
    }
    for app in [&w.dee, &w.bob] {
        let body = json!({ "team_id": w.dev, "date": "2026-05-01", "name": "May Day" });
        w.refused(
            app,
            Method::POST,
            "/holidays",
            Some(body),
            StatusCode::FORBIDDEN,
        )
        .await;
        w.refused(
            app,
            Method::DELETE,
            &format!("/holidays/{dev_eve}"),
            None,
            StatusCode::FORBIDDEN,
        )
        .await;
    }

    // Anyone reads the calendars; a team's filter keeps the company's.
    let reply = call(
        &w.ada,
        Method::GET,
        &format!("/holidays?team_id={}", w.ops),
        None,
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    let ids: Vec<i64> = reply.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![company]);
    let reply = call(
        &w.bob,
        Method::GET,
        "/holidays?from=2026-06-01&to=2026-12-31",
        None,
    )
    .await;
    assert_eq!(
        reply.body["items"].as_array().unwrap().len(),
        1,
        "{reply:?}"
    );
    assert_eq!(reply.body["items"][0]["id"], dev_eve);
    let reply = call(
        &w.admin,
        Method::GET,
        "/holidays?from=2026-06-01&to=2026-01-01",
        None,
    )
    .await;
    assert_eq!(reply.invalid_field(), "to");

    let reply = call(
        &w.admin,
        Method::DELETE,
        &format!("/holidays/{dev_eve}"),
        None,
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    assert_eq!(reply.body["name"], "Christmas Eve");
    call(
        &w.admin,
        Method::DELETE,
        &format!("/holidays/{dev_eve}"),
        None,
    )
    .await
    .problem(StatusCode::NOT_FOUND, "not-found");
    let reply = call(&w.admin, Method::GET, "/holidays", None).await;
    assert_eq!(reply.body["items"].as_array().unwrap().len(), 1);
    // The removed date can be given again.
    let reply = call(&w.admin, Method::POST, "/holidays", Some(eve)).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{reply:?}");
    assert_eq!(new_year["name"], "New Year's Day");
}

#[tokio::test]
async fn absences() {
    let w = World::new().await;
    let vacation = |from: &str, to: &str| json!({ "employee_id": w.ada_id, "kind": "vacation", "from": from, "to": to, "note": "Summer" });
    // Ada's manager records her absence; the other manager, Ada herself
    // and another employee may not.
    for app in [&w.dee, &w.ada, &w.bob] {
        w.refused(
            app,
            Method::POST,
            "/absences",
            Some(vacation("2026-08-03", "2026-08-07")),
            StatusCode::FORBIDDEN,
        )
        .await
        .problem(StatusCode::FORBIDDEN, "forbidden");
    }
    let reply = call(
        &w.boss,
        Method::POST,
        "/absences",
        Some(vacation("2026-08-03", "2026-08-07")),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{reply:?}");
    assert_eq!(reply.body["kind"], "vacation");
    assert_eq!(reply.body["portion"], "full");
    assert_eq!(reply.body["note"], "Summer");
    let summer = reply.body["id"].as_i64().unwrap();
    let sick = json!({ "employee_id": w.bob_id, "kind": "sick", "from": "2026-03-02", "to": "2026-03-02", "portion": "half" });
    let reply = call(&w.admin, Method::POST, "/absences", Some(sick)).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{reply:?}");
    let bobs = reply.body["id"].as_i64().unwrap();

    let reply = w
        .refused(
            &w.boss,
            Method::POST,
            "/absences",
            Some(vacation("2026-08-07", "2026-08-10")),
            StatusCode::CONFLICT,
        )
        .await;
    let body = reply.problem(StatusCode::CONFLICT, "conflict");
    assert_eq!(body["conflict"], "absence_overlap");
    assert_eq!(body["existing_absence"]["id"], summer);
    assert_eq!(body["existing_absence"]["to"], "2026-08-07");

    let mut unknown_kind = vacation("2026-09-01", "2026-09-01");
    unknown_kind["kind"] = json!("sabbatical");
    for (body, field) in [
        (vacation("2026-09-10", "2026-09-01"), "to"),
        (vacation("2026-01-01", "2027-01-02"), "to"),
        (vacation("2026-09-01", "soon"), "to"),
        (unknown_kind, "kind"),
    ] {
        let reply = w
            .refused(
                &w.admin,
                Method::POST,
                "/absences",
                Some(body.clone()),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        assert_eq!(reply.invalid_field(), field, "{body}");
    }

    // Reads are scoped: Ada her own, Boss his team's, the admin all.
    let items = |r: &Reply| -> Vec<i64> {
        r.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["id"].as_i64().unwrap())
            .collect()
    };
    for (app, seen) in [
        (&w.ada, vec![summer]),
        (&w.boss, vec![summer]),
        (&w.dee, vec![bobs]),
        (&w.admin, vec![bobs, summer]),
    ] {
        let reply = call(app, Method::GET, "/absences", None).await;
        assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
        assert_eq!(items(&reply), seen);
    }
    // A filter on someone out of scope finds nothing; a team out of scope
    // is not found.
    let reply = call(
        &w.bob,
        Method::GET,
        &format!("/absences?employee_id={}", w.ada_id),
        None,
    )
    .await;
    assert_eq!(items(&reply), Vec::<i64>::new());
    call(
        &w.dee,
        Method::GET,
        &format!("/absences?team_id={}", w.ops),
        None,
    )
    .await
    .problem(StatusCode::NOT_FOUND, "not-found");
    let reply = call(
        &w.admin,
        Method::GET,
        &format!("/absences?team_id={}&from=2026-08-07&to=2026-12-31", w.ops),
        None,
    )
    .await;
    assert_eq!(items(&reply), vec![summer]);
    let reply = call(&w.admin, Method::GET, "/absences?from=2026-08-08", None).await;
    assert_eq!(items(&reply), Vec::<i64>::new());

    // Removal: the employee's managers and admins; others 403, even for
    // an id that does not exist.
    for app in [&w.dee, &w.ada] {
        w.refused(
            app,
            Method::DELETE,
            &format!("/absences/{summer}"),
            None,
            StatusCode::FORBIDDEN,
        )
        .await;
        w.refused(
            app,
            Method::DELETE,
            "/absences/999",
            None,
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    let reply = call(
        &w.boss,
        Method::DELETE,
        &format!("/absences/{summer}"),
        None,
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    assert_eq!(reply.body["id"], summer);
    call(
        &w.admin,
        Method::DELETE,
        &format!("/absences/{summer}"),
        None,
    )
    .await
    .problem(StatusCode::NOT_FOUND, "not-found");
}

#[tokio::test]
async fn break_rules() {
    let w = World::new().await;
    let uri = format!("/teams/{}/break-rule", w.ops);
    let reply = call(&w.admin, Method::GET, &uri, None).await;
    assert_eq!(
        reply.body,
        json!({ "team_id": w.ops, "thresholds": [] }),
        "{reply:?}"
    );

    let reply = call(&w.admin, Method::PUT, &uri, Some(json!({}))).await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    let statutory = json!([
        { "after_minutes": 360, "break_minutes": 30 },
        { "after_minutes": 540, "break_minutes": 45 },
    ]);
    assert_eq!(reply.body["thresholds"], statutory);
    for app in [&w.admin, &w.boss, &w.ada] {
        let reply = call(app, Method::GET, &uri, None).await;
        assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
        assert_eq!(reply.body["thresholds"], statutory);
    }
    for app in [&w.dee, &w.bob] {
        call(app, Method::GET, &uri, None)
            .await
            .problem(StatusCode::NOT_FOUND, "not-found");
    }
    for app in [&w.boss, &w.ada, &w.dee] {
        w.refused(
            app,
            Method::PUT,
            &uri,
            Some(json!({ "thresholds": [] })),
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    for thresholds in [
        json!([{ "after_minutes": 540, "break_minutes": 45 }, { "after_minutes": 360, "break_minutes": 30 }]),
        json!([{ "after_minutes": 360, "break_minutes": 400 }]),
        json!([{ "after_minutes": -5, "break_minutes": 30 }]),
        json!([{ "after_minutes": 99_999_999_999i64, "break_minutes": 30 }]),
    ] {
        let reply = w
            .refused(
                &w.admin,
                Method::PUT,
                &uri,
                Some(json!({ "thresholds": thresholds })),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        assert_eq!(reply.invalid_field(), "thresholds", "{thresholds}");
    }
    let reply = call(
        &w.admin,
        Method::PUT,
        &uri,
        Some(json!({ "thresholds": [] })),
    )
    .await;
    assert_eq!(reply.body["thresholds"], json!([]), "{reply:?}");
    let reply = call(&w.admin, Method::GET, &uri, None).await;
    assert_eq!(reply.body["thresholds"], json!([]));
    call(
        &w.admin,
        Method::PUT,
        "/teams/999/break-rule",
        Some(json!({})),
    )
    .await
    .problem(StatusCode::NOT_FOUND, "not-found");
}

/// Ops works Monday to Friday, 480 minutes, under the statutory break
/// rule. Ada works 08:00–17:00 on Monday 2 March 2026 (540 minutes, no
/// gap: 30 deducted, 510 net, 30 over) and is on vacation on Tuesday.
async fn ledger_world() -> World {
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
