//! What a manager reads of the audit trail, what each role reads through
//! questions, and changing employees.

use super::*;

/// A manager reads no entry about an appointment of their member to
/// another team, nor its end; each kind of entry is checked.
#[tokio::test]
async fn a_manager_reads_no_audit_entry_about_another_team() {
    common::with_store(|store| async move {
        let world = World::new(store).await;
        let (admin, _) = world.default_admin().await;
        let c = company(&admin, "UTC").await;
        let body = json!({"employee_id": c.ada, "work_mode": "WFH", "at": "2026-01-05T08:00:00Z"});
        expect(
            admin.post("/attendance/clock-in", body).await,
            StatusCode::CREATED,
            "in",
        );
        let body = json!({"employee_id": c.ada, "at": "2026-01-05T09:00:00Z"});
        expect(
            admin.post("/attendance/clock-out", body).await,
            StatusCode::OK,
            "out",
        );
        let team_b = format!("/teams/{}/managers/{}", c.b, c.ada);
        expect(
            admin.put(&team_b).await,
            StatusCode::NO_CONTENT,
            "appoint Ada to B",
        );
        expect(
            admin.delete(&team_b).await,
            StatusCode::NO_CONTENT,
            "dismiss Ada from B",
        );

        let kinds = |reply: &Reply| -> BTreeMap<String, usize> {
            let mut kinds = BTreeMap::new();
            for entry in items(reply) {
                if entry["employee_id"] == json!(c.ada) {
                    *kinds
                        .entry(entry["action"].as_str().unwrap().to_owned())
                        .or_default() += 1;
                }
            }
            kinds
        };
        let boss_a = world.employee(c.boss_a).await;
        let boss_b = world.employee(c.boss_b).await;
        let ada = world.employee(c.ada).await;
        let of_a = kinds(&boss_a.get("/audit?limit=500").await);
        let of_b = kinds(&boss_b.get("/audit?limit=500").await);
        let own = kinds(&ada.get("/audit?limit=500").await);
        let all = kinds(&admin.get("/audit?limit=500").await);
        for (kind, to_a) in [
            ("employee_created", 1),
            ("clock_in", 1),
            ("clock_out", 1),
            ("manager_appointed", 0),
            ("manager_dismissed", 0),
        ] {
            assert_eq!(all.get(kind), Some(&1), "{kind} is in the trail: {all:?}");
            assert_eq!(
                of_a.get(kind).copied().unwrap_or(0),
                to_a,
                "{kind} to A's manager: {of_a:?}"
            );
            assert_eq!(
                of_b.get(kind).copied().unwrap_or(0),
                0,
                "{kind} to B's manager: {of_b:?}"
            );
            assert_eq!(own.get(kind), Some(&1), "{kind} to Ada herself: {own:?}");
        }
    })
    .await;
}

/// Each Q&A view shows each role exactly what the matching routes show
/// it: teams and their headcounts, employees, sessions, days present.
#[tokio::test]
async fn qa_views_show_each_role_what_the_routes_show() {
    common::with_store(|store| async move {
        let world = World::new(store).await;
        let (admin, _) = world.default_admin().await;
        let c = company(&admin, "UTC").await;
        for (who, day) in [(c.ada, 5), (c.bo, 5), (c.boss_a, 6), (c.ada, 7)] {
            let body = json!({"employee_id": who, "clock_in": format!("2026-01-{day:02}T08:00:00Z"),
                "clock_out": format!("2026-01-{day:02}T16:00:00Z"), "work_mode": "WFO", "reason": "paper"});
            expect(admin.post("/attendance/sessions", body).await, StatusCode::CREATED, "backfill");
        }
        let roles = [
            ("admin", admin.clone()),
            ("manager", world.employee(c.boss_a).await),
            ("employee", world.employee(c.ada).await),
        ];
        for (role, who) in &roles {
            let asked = async |marker: &str| -> Vec<Vec<Value>> {
                let r = who.post("/ask", json!({"question": format!("Tell me {marker}")})).await;
                let r = expect(r, StatusCode::OK, &format!("{role} asks {marker}"));
                serde_json::from_value(r.body["rows"].clone()).unwrap()
            };
            // qa_teams: the teams GET /teams lists, each with the headcount
            // its team trend shows (none where the trend is not found).
            let teams = column(&who.get("/teams?limit=500").await, "id");
            let mut expected = Vec::new();
            for team in &teams {
                let trend = who.get(&format!("/trends/teams/{team}?from=2026-01-01&to=2026-01-31")).await;
                let headcount = match trend.status {
                    StatusCode::OK => trend.body["headcount"].clone(),
                    StatusCode::NOT_FOUND => Value::Null,
                    other => panic!("{role}: team trend {other}"),
                };
                expected.push(vec![json!(team), headcount]);
            }
            assert_eq!(asked("marker-teams").await, expected, "{role}: qa_teams");

            let employees = who.get("/employees?limit=500").await;
            let expected: Vec<Vec<Value>> = items(&employees)
                .iter()
                .map(|e| vec![e["id"].clone(), e["team_id"].clone(), e["is_manager"].clone()])
                .collect();
            assert_eq!(asked("marker-employees").await, expected, "{role}: qa_employees");

            let sessions = who.get("/attendance?limit=500").await;
            let mut expected: Vec<Vec<Value>> = items(&sessions)
                .iter()
                .map(|s| vec![s["id"].clone(), s["employee_id"].clone()])
                .collect();
            expected.sort_by_key(|row| row[0].as_i64());
            assert_eq!(asked("marker-sessions").await, expected, "{role}: qa_sessions");

            let mut present = column(&sessions, "employee_id");
            present.dedup();
            let expected: Vec<Vec<Value>> = present.into_iter().map(|e| vec![json!(e)]).collect();
            assert_eq!(asked("marker-days").await, expected, "{role}: qa_daily_attendance");
        }
    })
    .await;
}

/// An admin changes an employee with `PATCH /employees/{id}`, audited
/// with before and after; a move dates later sessions in the new team's
/// timezone; and a manager of the team they head can be dismissed.
#[tokio::test]
async fn admins_change_employees_and_dismiss_any_manager() {
    common::with_store(|store| async move {
        let world = World::new(store).await;
        let (admin, token) = world.default_admin().await;
        let c = company(&admin, "Asia/Tokyo").await;

        // The manager made with `is_manager` is dismissed from the team
        // they head, and manages nothing any more.
        let head = format!("/teams/{}/managers/{}", c.a, c.boss_a);
        expect(admin.delete(&head).await, StatusCode::NO_CONTENT, "dismiss Boss A from A");
        expect(admin.delete(&head).await, StatusCode::NOT_FOUND, "dismiss again");
        let boss = world.employee(c.boss_a).await;
        let today = Utc::now().date_naive();
        let r = boss.get(&format!("/summaries/daily?date={today}&team_id={}", c.a)).await;
        expect(r, StatusCode::FORBIDDEN, "a dismissed manager reads no summary");
        let r = admin.get(&format!("/employees/{}", c.boss_a)).await;
        assert_eq!(r.body["is_manager"], json!(false), "{r:?}");

        // A session in team A (UTC), then the move to B (Tokyo).
        let backfill = |day: u32| json!({"employee_id": c.ada, "clock_in": format!("2026-01-{day:02}T20:00:00Z"),
            "clock_out": format!("2026-01-{day:02}T21:00:00Z"), "work_mode": "WFO", "reason": "paper"});
        let before = expect(admin.post("/attendance/sessions", backfill(5)).await, StatusCode::CREATED, "in A");
        assert_eq!(before.body["work_date"], "2026-01-05");

        let ada_path = format!("/employees/{}", c.ada);
        for (body, status, what) in [
            (json!({}), StatusCode::UNPROCESSABLE_ENTITY, "nothing to change"),
            (json!({"nickname": "A"}), StatusCode::UNPROCESSABLE_ENTITY, "an unknown member"),
            (json!({"name": " "}), StatusCode::UNPROCESSABLE_ENTITY, "a blank name"),
            (json!({"team_id": 987_654}), StatusCode::NOT_FOUND, "an unknown team"),
        ] {
            expect(admin.patch(&ada_path, body).await, status, what);
        }
        expect(admin.patch("/employees/987654", json!({"name": "X"})).await, StatusCode::NOT_FOUND, "unknown");
        let as_boss_b = world.employee(c.boss_b).await;
        expect(as_boss_b.patch(&ada_path, json!({"name": "X"})).await, StatusCode::FORBIDDEN, "a manager");

        let change = json!({"name": "Ada L.", "role": "Lead", "team_id": c.b, "is_manager": true});
        let r = expect(admin.patch(&ada_path, change).await, StatusCode::OK, "move Ada to B");
        let expected = json!({"id": c.ada, "name": "Ada L.", "role": "Lead", "team_id": c.b, "is_manager": true});
        assert_eq!(r.body, expected);
        assert_eq!(admin.get(&ada_path).await.body, expected);

        let after = expect(admin.post("/attendance/sessions", backfill(6)).await, StatusCode::CREATED, "in B");
        assert_eq!(after.body["work_date"], "2026-01-07", "dated in Tokyo");
        let sessions = admin.get(&format!("/attendance?employee_id={}", c.ada)).await;
        let dates: Vec<&Value> = items(&sessions).iter().map(|s| &s["work_date"]).collect();
        assert!(dates.contains(&&json!("2026-01-05")), "the earlier session keeps its date: {dates:?}");

        // Audited with before and after, by the admin's token.
        let trail = admin.get(&format!("/audit?employee_id={}", c.ada)).await;
        let entry = items(&trail)
            .iter()
            .find(|e| e["action"] == "employee_updated")
            .unwrap_or_else(|| panic!("no employee_updated entry: {trail:?}"));
        assert_eq!(entry["before"]["kind"], "employee");
        assert_eq!(entry["before"]["value"]["team_id"], json!(c.a));
        assert_eq!(entry["before"]["value"]["name"], "Ada");
        assert_eq!(entry["after"]["value"], expected);
        assert_eq!(entry["team_id"], json!(c.b));
        assert_eq!(entry["actor"]["token_id"], json!(token.0));

        // Now B's manager sees her; A's does not.
        let boss_b_sees = column(&as_boss_b.get("/employees?limit=500").await, "id");
        assert!(boss_b_sees.contains(&c.ada), "{boss_b_sees:?}");
        let ada = world.employee(c.ada).await;
        let r = ada.get(&format!("/summaries/daily?date={today}&team_id={}", c.b)).await;
        expect(r, StatusCode::OK, "Ada manages B now");
        let r = ada.put(&format!("/teams/{}/managers/{}", c.a, c.ada)).await;
        expect(r, StatusCode::FORBIDDEN, "a manager appoints no one");
    })
    .await;
}
