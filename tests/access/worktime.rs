//! Work time as each role, over the real server and PostgreSQL: who may
//! write patterns, holidays, break rules and absences, whose ledgers each
//! reads, and what the ledger's Q&A view shows each.

use super::*;

use chrono::TimeDelta;

#[tokio::test]
async fn work_time_follows_the_matrix_end_to_end() {
    common::with_store(|store| async move {
        let world = World::new(store).await;
        let (admin, _) = world.default_admin().await;
        let c = company(&admin, "UTC").await;
        let ada = world.employee(c.ada).await;
        let bo = world.employee(c.bo).await;
        let boss_a = world.employee(c.boss_a).await;
        let boss_b = world.employee(c.boss_b).await;
        let today = Utc::now().date_naive();
        let day = |back: i64| (today - TimeDelta::days(back)).to_string();
        // Monday and Tuesday of last week: past, and owed by the pattern.
        let monday = attendance::core::worktime::week_start(today) - TimeDelta::days(7);
        let (away_from, away_to) = (monday.to_string(), monday.succ_opt().unwrap().to_string());

        // Patterns, assignments, holidays, break rules: admins write;
        // everyone reads the patterns and calendars, a team's settings
        // its members and managers.
        let pattern = json!({"name": "Full time",
            "minutes": {"mon": 480, "tue": 480, "wed": 480, "thu": 480, "fri": 480, "sat": 0, "sun": 0}});
        for who in [&ada, &boss_a] {
            expect(who.post("/work-patterns", pattern.clone()).await, StatusCode::FORBIDDEN, "pattern");
        }
        let full = id(&expect(admin.post("/work-patterns", pattern).await, StatusCode::CREATED, "pattern"));
        assert_eq!(items(&expect(ada.get("/work-patterns").await, StatusCode::OK, "patterns")).len(), 1);
        let assignment = json!({"team_id": c.a, "pattern_id": full, "valid_from": day(30)});
        expect(boss_a.post("/work-patterns/assignments", assignment.clone()).await, StatusCode::FORBIDDEN, "assign");
        expect(admin.post("/work-patterns/assignments", assignment).await, StatusCode::CREATED, "assign");
        let of_a = format!("/work-patterns/assignments?team_id={}", c.a);
        expect(ada.get(&of_a).await, StatusCode::OK, "A's assignments as Ada");
        expect(bo.get(&of_a).await, StatusCode::NOT_FOUND, "A's assignments as Bo");
        expect(boss_a.get("/work-patterns/assignments").await, StatusCode::FORBIDDEN, "every assignment");
        let holiday = json!({"date": day(20), "name": "Founders' Day"});
        expect(boss_a.post("/holidays", holiday.clone()).await, StatusCode::FORBIDDEN, "holiday");
        expect(admin.post("/holidays", holiday).await, StatusCode::CREATED, "holiday");
        assert_eq!(items(&expect(bo.get("/holidays").await, StatusCode::OK, "holidays")).len(), 1);
        let rule_a = format!("/teams/{}/break-rule", c.a);
        let rule_b = format!("/teams/{}/break-rule", c.b);
        let r = boss_a.send(Method::PUT, &rule_a, Some(json!({})), None).await;
        expect(r, StatusCode::FORBIDDEN, "boss sets a break rule");
        let r = admin.send(Method::PUT, &rule_a, Some(json!({})), None).await;
        assert_eq!(expect(r, StatusCode::OK, "statutory rule").body["thresholds"].as_array().unwrap().len(), 2);
        expect(boss_a.get(&rule_a).await, StatusCode::OK, "A's rule as its boss");
        expect(boss_a.get(&rule_b).await, StatusCode::NOT_FOUND, "B's rule as A's boss");

        // Absences: their teams' managers and admins record and remove.
        let away = |who: i64| json!({"employee_id": who, "kind": "vacation", "from": away_from, "to": away_to});
        expect(ada.post("/absences", away(c.ada)).await, StatusCode::FORBIDDEN, "Ada's own absence");
        expect(boss_a.post("/absences", away(c.bo)).await, StatusCode::FORBIDDEN, "A's boss for Bo");
        expect(boss_a.post("/absences", away(c.ada)).await, StatusCode::CREATED, "A's boss for Ada");
        let bos = id(&expect(admin.post("/absences", away(c.bo)).await, StatusCode::CREATED, "admin for Bo"));
        assert_eq!(column(&ada.get("/absences").await, "employee_id"), vec![c.ada]);
        assert_eq!(column(&boss_a.get("/absences").await, "employee_id"), vec![c.ada]);
        assert_eq!(column(&admin.get("/absences").await, "employee_id"), vec![c.ada, c.bo]);
        let remove = format!("/absences/{bos}");
        expect(boss_a.delete(&remove).await, StatusCode::FORBIDDEN, "A's boss removes Bo's");
        expect(boss_b.delete(&remove).await, StatusCode::OK, "B's boss removes Bo's");

        // Ledgers: own; own, the teams' and their members'; all.
        let range = format!("from={monday}&to={today}");
        let person = |id: i64| format!("/ledger/employees/{id}?{range}");
        let team = |id: i64| format!("/ledger/teams/{id}?{range}");
        let company_ledger = format!("/ledger/company?{range}");
        for (who, path, status) in [
            (&ada, person(c.ada), StatusCode::OK),
            (&ada, person(c.bo), StatusCode::NOT_FOUND),
            (&ada, team(c.a), StatusCode::NOT_FOUND),
            (&ada, company_ledger.clone(), StatusCode::FORBIDDEN),
            (&boss_a, person(c.ada), StatusCode::OK),
            (&boss_a, person(c.bo), StatusCode::NOT_FOUND),
            (&boss_a, team(c.a), StatusCode::OK),
            (&boss_a, team(c.b), StatusCode::NOT_FOUND),
            (&boss_a, company_ledger.clone(), StatusCode::FORBIDDEN),
            (&admin, person(c.bo), StatusCode::OK),
            (&admin, team(c.b), StatusCode::OK),
        ] {
            expect(who.get(&path).await, status, &path);
        }
        let all = expect(admin.get(&company_ledger).await, StatusCode::OK, "company");
        let everyone = all.body["employees"].as_array().unwrap().len();
        assert_eq!(everyone, 4);
        let ledger = expect(ada.get(&person(c.ada)).await, StatusCode::OK, "Ada's ledger");
        let credited = &ledger.body["totals"]["absence_credit_minutes"];
        assert_eq!(credited, &json!(2 * 480), "Ada's two vacation days: {ledger:?}");

        // The ledger's Q&A view: PostgreSQL shows each role its rows.
        let asked = async |who: &As| {
            let r = who.post("/ask", json!({"question": "marker-ledger: whose ledger?"})).await;
            let r = expect(r, StatusCode::OK, "ask");
            let mut rows: Vec<i64> = r.body["rows"].as_array().unwrap_or_else(|| panic!("no rows: {r:?}"))
                .iter().map(|row| row[0].as_i64().unwrap()).collect();
            rows.sort_unstable();
            rows
        };
        assert_eq!(asked(&ada).await, vec![c.ada]);
        let mut mine = vec![c.boss_a, c.ada];
        mine.sort_unstable();
        assert_eq!(asked(&boss_a).await, mine);
        let mut all = vec![c.boss_a, c.boss_b, c.ada, c.bo];
        all.sort_unstable();
        assert_eq!(asked(&admin).await, all);

        // The trail: work-time entries about an employee are read as the
        // employee's; settings entries by admins only.
        let actions = |reply: &Reply| -> Vec<String> {
            items(reply).iter().filter_map(|e| e["action"].as_str().map(str::to_owned)).collect()
        };
        let adas = actions(&ada.get("/audit?limit=500").await);
        assert!(adas.contains(&"absence_recorded".to_owned()), "{adas:?}");
        assert!(!adas.iter().any(|a| a.starts_with("work_pattern") || a.starts_with("holiday")), "{adas:?}");
        let of_b = boss_b.get("/audit?limit=500").await;
        assert!(items(&of_b).iter().all(|e| e["employee_id"] != json!(c.ada)), "{of_b:?}");
        let admins = actions(&admin.get("/audit?limit=500").await);
        for action in ["work_pattern_created", "work_pattern_assigned", "holiday_added", "break_rule_set", "absence_recorded", "absence_removed"] {
            assert!(admins.contains(&action.to_owned()), "{action} missing from {admins:?}");
        }
    })
    .await;
}
