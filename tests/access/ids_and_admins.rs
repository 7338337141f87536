//! A refusal tells nothing about what exists; an admin token is an admin
//! of its own.

use super::*;

/// Every refusal is the same for a colleague out of scope and for an id
/// that does not exist: an employee and a manager cannot enumerate ids.
#[tokio::test]
async fn refusals_do_not_tell_an_unknown_id_from_a_colleague() {
    common::with_store(|store| async move {
        let world = World::new(store).await;
        let (admin, _) = world.default_admin().await;
        let c = company(&admin, "UTC").await;
        let session = {
            let body = json!({"employee_id": c.bo, "clock_in": "2026-01-05T08:00:00Z",
                "clock_out": "2026-01-05T16:00:00Z", "work_mode": "WFO", "reason": "paper"});
            id(&expect(
                admin.post("/attendance/sessions", body).await,
                StatusCode::CREATED,
                "backfill Bo",
            ))
        };
        let unknown = 987_654_i64;
        let ada = world.employee(c.ada).await;
        let boss = world.employee(c.boss_a).await;
        for (who, name) in [(&ada, "employee"), (&boss, "manager")] {
            for (route, make) in [
                (
                    "clock-in",
                    (|e: i64| json!({"employee_id": e, "work_mode": "WFH"})) as fn(i64) -> Value,
                ),
                ("clock-out", |e| json!({"employee_id": e})),
                ("backfill", |e| {
                    json!({"employee_id": e, "clock_in": "2026-01-06T08:00:00Z",
                    "clock_out": "2026-01-06T16:00:00Z", "work_mode": "WFO", "reason": "paper"})
                }),
            ] {
                let uri = match route {
                    "backfill" => "/attendance/sessions".to_owned(),
                    other => format!("/attendance/{other}"),
                };
                let existing = who.post(&uri, make(c.bo)).await;
                assert_eq!(
                    existing.status,
                    StatusCode::FORBIDDEN,
                    "{name} {route}: {existing:?}"
                );
                let missing = who.post(&uri, make(unknown)).await;
                alike(
                    &existing,
                    &missing,
                    (c.bo, unknown),
                    &format!("{name} {route}"),
                );
            }
            let fix = json!({"work_mode": "WFH", "reason": "from home"});
            let existing = who
                .patch(&format!("/attendance/sessions/{session}"), fix.clone())
                .await;
            assert_eq!(existing.status, StatusCode::NOT_FOUND, "{name} correction");
            let missing = who
                .patch(&format!("/attendance/sessions/{unknown}"), fix)
                .await;
            alike(
                &existing,
                &missing,
                (session, unknown),
                &format!("{name} correction"),
            );
            for path in [
                "/employees/ID",
                "/trends/employees/ID?from=2026-01-01&to=2026-01-31",
                "/audit?employee_id=ID",
            ] {
                let existing = who.get(&path.replace("ID", &c.bo.to_string())).await;
                let missing = who.get(&path.replace("ID", &unknown.to_string())).await;
                alike(
                    &existing,
                    &missing,
                    (c.bo, unknown),
                    &format!("{name} {path}"),
                );
            }
            for (verb, expected) in [
                (Method::PUT, StatusCode::FORBIDDEN),
                (Method::DELETE, StatusCode::FORBIDDEN),
            ] {
                let existing = who
                    .send(
                        verb.clone(),
                        &format!("/teams/{}/managers/{}", c.b, c.bo),
                        None,
                        None,
                    )
                    .await;
                assert_eq!(existing.status, expected, "{name} {verb}: {existing:?}");
                let missing = who
                    .send(
                        verb.clone(),
                        &format!("/teams/{}/managers/{unknown}", c.b),
                        None,
                        None,
                    )
                    .await;
                alike(
                    &existing,
                    &missing,
                    (c.bo, unknown),
                    &format!("{name} {verb} manager"),
                );
            }
            let existing = who
                .patch(&format!("/employees/{}", c.bo), json!({"name": "X"}))
                .await;
            assert_eq!(
                existing.status,
                StatusCode::FORBIDDEN,
                "{name} PATCH employee"
            );
            let missing = who
                .patch(&format!("/employees/{unknown}"), json!({"name": "X"}))
                .await;
            alike(
                &existing,
                &missing,
                (c.bo, unknown),
                &format!("{name} PATCH employee"),
            );
        }
    })
    .await;
}

/// Two admin tokens with the same default name are two admins: no shared
/// idempotency keys, no shared rate limit, and the trail and the token
/// list tell their writes apart.
#[tokio::test]
async fn every_admin_token_is_an_admin_of_its_own() {
    common::with_store(|store| async move {
        let world = World::new(store).await;
        let (first, first_id) = world.default_admin().await;
        let (second, second_id) = world.default_admin().await;
        assert_ne!(first_id, second_id);

        let team = json!({"name": "Platform"});
        let r = first
            .send(Method::POST, "/teams", Some(team.clone()), Some("same-key"))
            .await;
        expect(r, StatusCode::CREATED, "the first admin creates a team");
        let r = second
            .send(Method::POST, "/teams", Some(team), Some("same-key"))
            .await;
        assert!(
            r.headers.get("idempotent-replayed").is_none(),
            "replayed another admin's answer: {r:?}"
        );
        expect(
            r,
            StatusCode::CONFLICT,
            "the second admin's own request: a duplicate name",
        );

        // The first exhausts its own bucket; the second's is untouched.
        let today = Utc::now().date_naive();
        let summary = format!("/summaries/daily?date={today}");
        let mut limited = false;
        for _ in 0..30 {
            if first.get(&summary).await.status == StatusCode::TOO_MANY_REQUESTS {
                limited = true;
                break;
            }
        }
        assert!(limited, "the first admin never met its limit");
        expect(
            second.get(&summary).await,
            StatusCode::OK,
            "the second admin's own bucket",
        );

        // The trail names each write's token.
        let r = second.post("/teams", json!({"name": "Data"})).await;
        expect(r, StatusCode::CREATED, "the second admin creates a team");
        let trail = expect(first.get("/audit?limit=500").await, StatusCode::OK, "trail");
        let created: Vec<(Value, Value)> = items(&trail)
            .iter()
            .filter(|e| e["action"] == "team_created")
            .map(|e| (e["after"]["value"]["name"].clone(), e["actor"].clone()))
            .collect();
        let actor = |token: TokenId| json!({"kind": "admin", "name": "admin", "token_id": token.0});
        assert!(
            created.contains(&(json!("Platform"), actor(first_id))),
            "{created:?}"
        );
        assert!(
            created.contains(&(json!("Data"), actor(second_id))),
            "{created:?}"
        );
        // And the token list says which token is which (the ids above).
        let listed: Vec<TokenId> = world
            .tokens
            .list()
            .await
            .unwrap()
            .iter()
            .map(|t| t.id)
            .collect();
        assert_eq!(listed, vec![first_id, second_id]);
        drop(world.store);
    })
    .await;
}
