//! Closing a period over HTTP: correction requests under the permission
//! matrix (the employee asks, a manager of theirs other than themself or
//! an admin decides; reads out of scope 404, writes 403), each decided
//! once, stale ones refused with the session as it is, and period locks
//! that refuse every write into their dates with `period_locked`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use axum::Router;
use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use support::world::{World, call};

fn missing(employee: i64, day: &str) -> Value {
    json!({
        "kind": "missing", "employee_id": employee,
        "clock_in": format!("{day}T08:00:00Z"), "clock_out": format!("{day}T16:00:00Z"),
        "work_mode": "WFO", "reason": "forgot the badge",
    })
}

/// Files a request as `app`; returns its id.
async fn file(app: &Router, body: Value) -> i64 {
    let reply = call(app, Method::POST, "/attendance/requests", Some(body)).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{reply:?}");
    let id = reply.body["id"].as_i64().unwrap();
    assert_eq!(
        reply.headers["location"],
        format!("/attendance/requests/{id}")
    );
    assert_eq!(reply.body["state"], "open");
    id
}

/// Records a whole session of `employee` as the admin; returns it.
async fn backfill(w: &World, employee: i64, day: &str) -> Value {
    let body = json!({
        "employee_id": employee, "clock_in": format!("{day}T09:00:00Z"),
        "clock_out": format!("{day}T17:00:00Z"), "work_mode": "WFO", "reason": "paper sheet",
    });
    let reply = call(&w.admin, Method::POST, "/attendance/sessions", Some(body)).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{reply:?}");
    reply.body
}

fn ids(reply: &support::Reply) -> Vec<i64> {
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    reply.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn who_asks_who_reads_and_who_decides() {
    let w = World::new().await;
    let request = file(&w.ada, missing(w.ada_id, "2026-03-02")).await;

    // Only the employee asks, for themself.
    for app in [&w.admin, &w.boss, &w.bob] {
        w.refused(
            app,
            Method::POST,
            "/attendance/requests",
            Some(missing(w.ada_id, "2026-03-02")),
            StatusCode::FORBIDDEN,
        )
        .await
        .problem(StatusCode::FORBIDDEN, "forbidden");
    }

    // Reads: the requester, their manager and admins; others see nothing.
    let uri = format!("/attendance/requests/{request}");
    for (app, status) in [
        (&w.ada, StatusCode::OK),
        (&w.boss, StatusCode::OK),
        (&w.admin, StatusCode::OK),
        (&w.dee, StatusCode::NOT_FOUND),
        (&w.bob, StatusCode::NOT_FOUND),
    ] {
        let reply = call(app, Method::GET, &uri, None).await;
        assert_eq!(reply.status, status, "{uri}: {reply:?}");
        let listed = ids(&call(app, Method::GET, "/attendance/requests", None).await);
        assert_eq!(listed.contains(&request), status == StatusCode::OK);
    }
    let read = call(&w.ada, Method::GET, &uri, None).await;
    assert_eq!(read.body["change"]["kind"], "missing");
    assert_eq!(read.body["change"]["clock_in"], "2026-03-02T08:00:00Z");
    assert_eq!(read.body["work_date"], "2026-03-02");
    assert_eq!(read.body["decided_by"], Value::Null);

    // What each may decide.
    for (app, expected) in [
        (&w.boss, vec![request]),
        (&w.admin, vec![request]),
        (&w.dee, vec![]),
        (&w.ada, vec![]),
    ] {
        let inbox = call(app, Method::GET, "/attendance/requests/inbox", None).await;
        assert_eq!(ids(&inbox), expected);
    }

    // Deciding: out of scope is not found, and nobody decides their own.
    let approve = format!("/attendance/requests/{request}/approve");
    for app in [&w.dee, &w.bob, &w.ada] {
        w.refused(
            app,
            Method::POST,
            &approve,
            Some(json!({})),
            StatusCode::NOT_FOUND,
        )
        .await
        .problem(StatusCode::NOT_FOUND, "not-found");
    }
    let own = file(&w.boss, missing(w.boss_id, "2026-03-02")).await;
    let inbox = call(&w.boss, Method::GET, "/attendance/requests/inbox", None).await;
    assert_eq!(ids(&inbox), vec![request], "not their own");
    w.refused(
        &w.boss,
        Method::POST,
        &format!("/attendance/requests/{own}/approve"),
        Some(json!({})),
        StatusCode::FORBIDDEN,
    )
    .await
    .problem(StatusCode::FORBIDDEN, "forbidden");

    // The manager approves: the session is recorded in the same step.
    let request_approve = || {
        axum::http::Request::builder()
            .method(Method::POST)
            .uri(&approve)
            .header("content-type", "application/json")
            .header("idempotency-key", "approve-once")
            .body(axum::body::Body::from("{}"))
            .unwrap()
    };
    let approved = support::send(&w.boss, request_approve()).await;
    assert_eq!(approved.status, StatusCode::OK, "{approved:?}");
    assert_eq!(approved.body["request"]["state"], "approved");
    assert_eq!(approved.body["request"]["decided_by"]["kind"], "employee");
    let session = &approved.body["session"];
    assert_eq!(session["employee_id"], w.ada_id);
    assert_eq!(session["clock_out"], "2026-03-02T16:00:00Z");
    assert_eq!(approved.body["request"]["session_id"], session["id"]);
    // The same key replays the answer; a fresh approval is a conflict.
    let replayed = support::send(&w.boss, request_approve()).await;
    assert_eq!(replayed.status, StatusCode::OK);
    assert_eq!(replayed.headers["idempotent-replayed"], "true");
    assert_eq!(replayed.body, approved.body);
    for (uri, body) in [
        (approve.clone(), json!({})),
        (
            format!("/attendance/requests/{request}/reject"),
            json!({ "reason": "too late" }),
        ),
    ] {
        let reply = w
            .refused(
                &w.admin,
                Method::POST,
                &uri,
                Some(body),
                StatusCode::CONFLICT,
            )
            .await;
        let problem = reply.problem(StatusCode::CONFLICT, "conflict");
        assert_eq!(problem["conflict"], "request_decided");
        assert_eq!(problem["request"]["id"], request);
        assert_eq!(problem["request"]["state"], "approved");
    }
    let sessions = call(
        &w.ada,
        Method::GET,
        &format!("/attendance?employee_id={}", w.ada_id),
        None,
    )
    .await;
    assert_eq!(sessions.body["items"][0]["id"], session["id"]);

    // The trail tells both steps, the request as filed and as decided.
    let audit = call(&w.admin, Method::GET, "/audit?limit=500", None).await;
    let entries = audit.body["items"].as_array().unwrap();
    let of = |action: &str| {
        entries
            .iter()
            .find(|e| e["action"] == action)
            .unwrap_or_else(|| panic!("no {action} in {entries:?}"))
    };
    assert_eq!(of("request_created")["after"]["kind"], "request");
    assert_eq!(of("request_created")["reason"], "forgot the badge");
    let decided = of("request_approved");
    assert_eq!(decided["after"]["kind"], "decided");
    assert_eq!(decided["after"]["value"]["request"]["id"], request);
    assert_eq!(of("backfill")["after"]["value"]["id"], session["id"]);
}

#[tokio::test]
async fn rejections_need_a_reason_and_leave_the_sessions_alone() {
    let w = World::new().await;
    let request = file(&w.ada, missing(w.ada_id, "2026-03-02")).await;
    let reject = format!("/attendance/requests/{request}/reject");
    for body in [json!({}), json!({ "reason": "  " })] {
        let reply = w
            .refused(
                &w.boss,
                Method::POST,
                &reject,
                Some(body),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        assert_eq!(reply.invalid_field(), "reason");
    }
    w.refused(
        &w.dee,
        Method::POST,
        &reject,
        Some(json!({ "reason": "no" })),
        StatusCode::NOT_FOUND,
    )
    .await;
    let reply = call(
        &w.boss,
        Method::POST,
        &reject,
        Some(json!({ "reason": "you were on leave" })),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    assert_eq!(reply.body["session"], Value::Null);
    assert_eq!(reply.body["request"]["state"], "rejected");
    assert_eq!(
        reply.body["request"]["decision_reason"],
        "you were on leave"
    );
    let sessions = call(&w.admin, Method::GET, "/attendance", None).await;
    assert_eq!(sessions.body["items"], json!([]));
    let rejected = call(
        &w.ada,
        Method::GET,
        "/attendance/requests?state=rejected",
        None,
    )
    .await;
    assert_eq!(ids(&rejected), vec![request]);
    let open = call(&w.ada, Method::GET, "/attendance/requests?state=open", None).await;
    assert_eq!(ids(&open), Vec::<i64>::new());
}

#[tokio::test]
async fn bodies_of_the_wrong_shape_name_the_field() {
    let w = World::new().await;
    let session = backfill(&w, w.ada_id, "2026-03-02").await;
    let sid = session["id"].as_i64().unwrap();
    let mut mixed = missing(w.ada_id, "2026-03-02");
    mixed["session_id"] = json!(sid);
    let mut no_mode = missing(w.ada_id, "2026-03-02");
    no_mode.as_object_mut().unwrap().remove("work_mode");
    for (body, field) in [
        (json!({ "kind": "other", "reason": "x" }), "kind"),
        (json!({ "reason": "x" }), "kind"),
        (mixed, "session_id"),
        (no_mode, "work_mode"),
        (
            json!({ "kind": "change", "session_id": sid, "employee_id": w.ada_id, "reason": "x" }),
            "employee_id",
        ),
        (json!({ "kind": "change", "reason": "x" }), "session_id"),
        // Nothing to change.
        (
            json!({ "kind": "change", "session_id": sid, "reason": "x" }),
            "clock_in",
        ),
        (
            json!({ "kind": "change", "session_id": sid, "clock_out": "2026-03-02T08:00:00Z", "reason": "x" }),
            "clock_out",
        ),
        (
            json!({ "kind": "change", "session_id": sid, "work_mode": "WFH", "reason": "" }),
            "reason",
        ),
    ] {
        let reply = w
            .refused(
                &w.ada,
                Method::POST,
                "/attendance/requests",
                Some(body.clone()),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        assert_eq!(reply.invalid_field(), field, "{body}");
    }
    // Someone else's session: forbidden when seen, not found otherwise.
    let change = json!({ "kind": "change", "session_id": sid, "work_mode": "WFH", "reason": "x" });
    w.refused(
        &w.boss,
        Method::POST,
        "/attendance/requests",
        Some(change.clone()),
        StatusCode::FORBIDDEN,
    )
    .await;
    w.refused(
        &w.bob,
        Method::POST,
        "/attendance/requests",
        Some(change),
        StatusCode::NOT_FOUND,
    )
    .await;
    for uri in [
        "/attendance/requests?state=closed",
        "/attendance/requests?from=2026-03-05&to=2026-03-01",
        "/attendance/requests?limit=0",
        "/attendance/requests?employee=1",
    ] {
        let reply = call(&w.ada, Method::GET, uri, None).await;
        reply.problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
    }
    for uri in ["/attendance/requests/abc", "/attendance/requests/999"] {
        let reply = call(&w.admin, Method::GET, uri, None).await;
        reply.problem(StatusCode::NOT_FOUND, "not-found");
    }
}

#[tokio::test]
async fn a_request_for_a_session_changed_since_is_stale() {
    let w = World::new().await;
    let session = backfill(&w, w.ada_id, "2026-03-02").await;
    let sid = session["id"].as_i64().unwrap();
    let request = file(
        &w.ada,
        json!({ "kind": "change", "session_id": sid, "clock_out": "2026-03-02T18:00:00Z", "reason": "stayed late" }),
    )
    .await;
    let read = call(
        &w.ada,
        Method::GET,
        &format!("/attendance/requests/{request}"),
        None,
    )
    .await;
    assert_eq!(read.body["change"]["kind"], "change");
    assert_eq!(read.body["change"]["clock_out"], "2026-03-02T18:00:00Z");
    assert_eq!(read.body["change"]["clock_in"], Value::Null);
    assert_eq!(read.body["change"]["seen"], session);
    assert_eq!(read.body["session_id"], sid);

    // The manager corrects the session directly meanwhile.
    let corrected = call(
        &w.boss,
        Method::PATCH,
        &format!("/attendance/sessions/{sid}"),
        Some(json!({ "work_mode": "WFH", "reason": "was at home" })),
    )
    .await;
    assert_eq!(corrected.status, StatusCode::OK, "{corrected:?}");

    let reply = w
        .refused(
            &w.boss,
            Method::POST,
            &format!("/attendance/requests/{request}/approve"),
            Some(json!({})),
            StatusCode::CONFLICT,
        )
        .await;
    let problem = reply.problem(StatusCode::CONFLICT, "conflict");
    assert_eq!(problem["conflict"], "request_stale");
    assert_eq!(problem["current_session"], corrected.body);
    assert_eq!(problem["current_session"]["work_mode"], "WFH");
}

/// A write into locked dates, refused with the lock.
async fn locked(w: &World, app: &Router, method: Method, uri: &str, body: Value, lock: i64) {
    let reply = w
        .refused(app, method.clone(), uri, Some(body), StatusCode::CONFLICT)
        .await;
    let problem = reply.problem(StatusCode::CONFLICT, "conflict");
    assert_eq!(problem["conflict"], "period_locked", "{method} {uri}");
    assert_eq!(problem["lock"]["id"], lock, "{method} {uri}");
}

#[tokio::test]
async fn a_lock_refuses_every_write_into_its_dates() {
    let w = World::new().await;
    let session = backfill(&w, w.ada_id, "2026-03-02").await;
    let sid = session["id"].as_i64().unwrap();
    let pending = file(&w.ada, missing(w.ada_id, "2026-03-03")).await;

    let lock_body =
        json!({ "team_id": w.ops, "from": "2026-03-01", "to": "2026-03-03", "reason": "payroll" });
    for app in [&w.boss, &w.ada] {
        w.refused(
            app,
            Method::POST,
            "/periods",
            Some(lock_body.clone()),
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    let reply = call(&w.admin, Method::POST, "/periods", Some(lock_body)).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{reply:?}");
    assert_eq!(reply.body["team_id"], w.ops);
    assert_eq!(reply.body["reason"], "payroll");
    assert_eq!(reply.body["locked_by"]["kind"], "admin");
    let lock = reply.body["id"].as_i64().unwrap();

    let clock_in =
        json!({ "employee_id": w.ada_id, "work_mode": "WFO", "at": "2026-03-02T18:00:00Z" });
    locked(
        &w,
        &w.admin,
        Method::POST,
        "/attendance/clock-in",
        clock_in,
        lock,
    )
    .await;
    let backfill_body = json!({
        "employee_id": w.ada_id, "clock_in": "2026-03-03T09:00:00Z",
        "clock_out": "2026-03-03T12:00:00Z", "work_mode": "WFH", "reason": "paper sheet",
    });
    locked(
        &w,
        &w.boss,
        Method::POST,
        "/attendance/sessions",
        backfill_body,
        lock,
    )
    .await;
    let correction = json!({ "work_mode": "WFH", "reason": "was at home" });
    let uri = format!("/attendance/sessions/{sid}");
    locked(&w, &w.boss, Method::PATCH, &uri, correction, lock).await;
    let uri = format!("/attendance/requests/{pending}/approve");
    locked(&w, &w.boss, Method::POST, &uri, json!({}), lock).await;
    let absence = json!({ "employee_id": w.ada_id, "kind": "sick", "from": "2026-03-03", "to": "2026-03-04" });
    locked(&w, &w.boss, Method::POST, "/absences", absence, lock).await;
    let request = missing(w.ada_id, "2026-03-01");
    locked(
        &w,
        &w.ada,
        Method::POST,
        "/attendance/requests",
        request,
        lock,
    )
    .await;

    // Another team's dates are open.
    backfill(&w, w.bob_id, "2026-03-02").await;
    // A lock that meets it is refused, naming it.
    let reply = w
        .refused(
            &w.admin,
            Method::POST,
            "/periods",
            Some(json!({ "from": "2026-03-03", "to": "2026-03-05" })),
            StatusCode::CONFLICT,
        )
        .await;
    let problem = reply.problem(StatusCode::CONFLICT, "conflict");
    assert_eq!(problem["conflict"], "lock_overlap");
    assert_eq!(problem["existing_lock"]["id"], lock);
    // So is one over a session still open.
    let clock_in =
        json!({ "employee_id": w.bob_id, "work_mode": "WFO", "at": "2026-03-04T08:00:00Z" });
    let open = call(
        &w.admin,
        Method::POST,
        "/attendance/clock-in",
        Some(clock_in),
    )
    .await;
    assert_eq!(open.status, StatusCode::CREATED, "{open:?}");
    let reply = w
        .refused(
            &w.admin,
            Method::POST,
            "/periods",
            Some(json!({ "team_id": w.dev, "from": "2026-03-04", "to": "2026-03-04" })),
            StatusCode::CONFLICT,
        )
        .await;
    let problem = reply.problem(StatusCode::CONFLICT, "conflict");
    assert_eq!(problem["conflict"], "open_sessions");
    assert_eq!(problem["open_sessions"], json!([open.body]));

    // Who sees the lock: the company's and their teams'.
    for (app, expected) in [
        (&w.admin, vec![lock]),
        (&w.ada, vec![lock]),
        (&w.boss, vec![lock]),
        (&w.bob, vec![]),
        (&w.dee, vec![]),
    ] {
        assert_eq!(
            ids(&call(app, Method::GET, "/periods", None).await),
            expected
        );
    }
    let filtered = call(&w.admin, Method::GET, "/periods?from=2026-03-04", None).await;
    assert_eq!(ids(&filtered), Vec::<i64>::new());
    let filtered = call(
        &w.admin,
        Method::GET,
        &format!("/periods?team_id={}&to=2026-03-01", w.ops),
        None,
    )
    .await;
    assert_eq!(ids(&filtered), vec![lock]);

    // Reopening: admins, with a reason; then the writes go through.
    let reopen = format!("/periods/{lock}/reopen");
    w.refused(
        &w.boss,
        Method::POST,
        &reopen,
        Some(json!({ "reason": "mistake" })),
        StatusCode::FORBIDDEN,
    )
    .await;
    let reply = w
        .refused(
            &w.admin,
            Method::POST,
            &reopen,
            Some(json!({})),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert_eq!(reply.invalid_field(), "reason");
    w.refused(
        &w.admin,
        Method::POST,
        "/periods/999/reopen",
        Some(json!({ "reason": "mistake" })),
        StatusCode::NOT_FOUND,
    )
    .await;
    let reply = call(
        &w.admin,
        Method::POST,
        &reopen,
        Some(json!({ "reason": "a late sick note" })),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    assert_eq!(reply.body["id"], lock);
    assert_eq!(reply.body["reason"], "payroll", "the lock as it was");
    assert_eq!(
        ids(&call(&w.admin, Method::GET, "/periods", None).await),
        Vec::<i64>::new()
    );
    let approved = call(
        &w.boss,
        Method::POST,
        &format!("/attendance/requests/{pending}/approve"),
        Some(json!({})),
    )
    .await;
    assert_eq!(approved.status, StatusCode::OK, "{approved:?}");
}

#[tokio::test]
async fn lock_bodies_and_queries_are_checked() {
    let w = World::new().await;
    for (body, field) in [
        (json!({ "from": "2026-03-05", "to": "2026-03-01" }), "to"),
        (json!({ "from": "2025-01-01", "to": "2026-01-02" }), "to"),
        (json!({ "from": "March", "to": "2026-03-01" }), "from"),
        (json!({ "to": "2026-03-01" }), "from"),
        (
            json!({ "team_id": 999, "from": "2026-03-01", "to": "2026-03-01" }),
            "team_id",
        ),
        (
            json!({ "from": "2026-03-01", "to": "2026-03-01", "reason": " " }),
            "reason",
        ),
    ] {
        let reply = w
            .refused(
                &w.admin,
                Method::POST,
                "/periods",
                Some(body.clone()),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        assert_eq!(reply.invalid_field(), field, "{body}");
    }
    for uri in ["/periods?from=x", "/periods?team_id=a", "/periods?lock=1"] {
        call(&w.admin, Method::GET, uri, None)
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
    }
    // A whole leap year is one lock.
    let reply = call(
        &w.admin,
        Method::POST,
        "/periods",
        Some(json!({ "from": "2024-01-01", "to": "2024-12-31" })),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{reply:?}");
    assert_eq!(reply.body["team_id"], Value::Null);
}
