//! Work-time settings over HTTP: work patterns and assignments, holidays,
//! absences and break rules, each under the permission matrix (writes out
//! of scope 403, reads 404), bad input a 422 naming the field, and a
//! refused write leaving no trace in the audit trail.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use support::Reply;
use support::world::{World, call, full_time};

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
