//! What each role may do (docs/SERVER.md, "What a token may do"), with a played
//! model whose SQL selects every row and one client per role. Each row of
//! the matrix is tried by every role, allowed and refused.

use super::{common, serve};

use attendance::core::EmployeeId;
use attendance::core::access::Identity;
use attendance_testsupport::played;
use chrono::{SecondsFormat, TimeDelta, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use wiremock::MockServer;

/// One caller: a client and its bearer token (or none).
struct As {
    base: String,
    http: reqwest::Client,
    token: Option<String>,
}

#[derive(Debug)]
struct Reply {
    status: StatusCode,
    body: Value,
}

impl As {
    async fn send(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        Reply {
            status,
            body: serde_json::from_str(&text).unwrap_or(Value::Null),
        }
    }

    async fn get(&self, path: &str) -> Reply {
        self.send(Method::GET, path, None).await
    }

    async fn post(&self, path: &str, body: Value) -> Reply {
        self.send(Method::POST, path, Some(body)).await
    }

    async fn patch(&self, path: &str, body: Value) -> Reply {
        self.send(Method::PATCH, path, Some(body)).await
    }

    async fn put(&self, path: &str) -> Reply {
        self.send(Method::PUT, path, None).await
    }

    /// `path` answers `expected` (a refusal as problem+json of its kind).
    async fn expect(&self, reply: Reply, expected: StatusCode, what: &str) -> Reply {
        assert_eq!(reply.status, expected, "{what}: {reply:?}");
        if expected == StatusCode::FORBIDDEN {
            assert_eq!(
                reply.body["type"],
                "https://attendance.dev/problems/forbidden"
            );
        }
        reply
    }
}

/// The distinct values of `key` over a page's items.
fn ids(reply: &Reply, key: &str) -> Vec<i64> {
    let items = reply.body["items"]
        .as_array()
        .unwrap_or_else(|| panic!("no items: {reply:?}"));
    let mut ids: Vec<i64> = items.iter().filter_map(|i| i[key].as_i64()).collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

fn instant(delta: TimeDelta) -> String {
    (Utc::now() + delta).to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A model that answers every question with SQL reading every session.
async fn greedy_model() -> MockServer {
    // The empty marker is in every question.
    played::sql_model(&[(
        "",
        "SELECT DISTINCT employee_id FROM qa_sessions ORDER BY employee_id",
    )])
    .await
}

#[tokio::test]
async fn every_role_does_what_the_matrix_allows_and_nothing_else() {
    common::with_store(|store| async move {
        let model = greedy_model().await;
        let (base, tokens) = serve(store, &model).await;
        let http = attendance::llm::http_client_builder()
            .unwrap()
            .no_proxy()
            .build()
            .unwrap();
        let caller = async |identity: Option<Identity>| {
            let token = match identity {
                Some(identity) => {
                    let (_, secret) = tokens.create(&identity, None).await.unwrap();
                    Some(secret.expose().to_owned())
                }
                None => None,
            };
            As {
                base: base.clone(),
                http: http.clone(),
                token,
            }
        };
        let admin = caller(Some(Identity::Admin { name: "ops".into() })).await;
        let nobody = caller(None).await;

        // The company, made by the admin: team A with a manager (created as
        // one) and Ada; team B with Bo.
        let id = |reply: Reply| reply.body["id"].as_i64().unwrap();
        let a = id(admin.post("/teams", json!({"name": "A"})).await);
        let b = id(admin.post("/teams", json!({"name": "B"})).await);
        let person = |name: &str, team: i64, manager: bool| {
            json!({"name": name, "role": "Engineer", "team_id": team, "is_manager": manager})
        };
        let boss_id = id(admin.post("/employees", person("Boss", a, true)).await);
        let ada_id = id(admin.post("/employees", person("Ada", a, false)).await);
        let bo_id = id(admin.post("/employees", person("Bo", b, false)).await);
        let employee = |id: i64| Some(Identity::Employee { id: EmployeeId(id) });
        let boss = caller(employee(boss_id)).await;
        let ada = caller(employee(ada_id)).await;

        // No credentials: 401 on every route but health and the document.
        nobody.expect(nobody.get("/attendance").await, StatusCode::UNAUTHORIZED, "anonymous").await;
        nobody.expect(nobody.get("/health").await, StatusCode::OK, "health").await;
        nobody.expect(nobody.get("/openapi.json").await, StatusCode::OK, "document").await;

        // Clock in/out themself within the window: everyone.
        let clock_in = |who: i64, at: Option<String>| match at {
            Some(at) => json!({"employee_id": who, "work_mode": "WFH", "at": at}),
            None => json!({"employee_id": who, "work_mode": "WFH"}),
        };
        let clock_out = |who: i64, at: String| json!({"employee_id": who, "at": at});
        let h = TimeDelta::hours;
        // A manager: their teams' members at any instant (first, so the
        // later sessions do not overlap), no one else.
        let r = boss.post("/attendance/clock-in", clock_in(ada_id, Some(instant(-h(72))))).await;
        boss.expect(r, StatusCode::CREATED, "boss clocks Ada in 72 h back").await;
        let r = boss.post("/attendance/clock-out", clock_out(ada_id, instant(-h(70)))).await;
        boss.expect(r, StatusCode::OK, "boss clocks Ada out").await;
        let r = boss.post("/attendance/clock-in", clock_in(bo_id, None)).await;
        boss.expect(r, StatusCode::FORBIDDEN, "boss clocks Bo of team B").await;
        for (who, me) in [(&ada, ada_id), (&boss, boss_id)] {
            let r = who.post("/attendance/clock-in", clock_in(me, Some(instant(-h(47))))).await;
            who.expect(r, StatusCode::CREATED, "self clock-in within the window").await;
            let r = who.post("/attendance/clock-out", clock_out(me, instant(-h(46)))).await;
            who.expect(r, StatusCode::OK, "self clock-out within the window").await;
        }
        // Someone else, or older than the window: not an employee.
        for (what, body) in [
            ("Ada clocks Bo in", clock_in(bo_id, None)),
            ("Ada clocks her manager in", clock_in(boss_id, None)),
            ("Ada clocks herself in 49 h back", clock_in(ada_id, Some(instant(-h(49))))),
            ("Ada clocks an unknown id in", clock_in(424_242, None)),
        ] {
            ada.expect(ada.post("/attendance/clock-in", body).await, StatusCode::FORBIDDEN, what).await;
        }
        // Nobody approves their own work: a manager clocks themself within
        // the window only, like everyone.
        let r = boss.post("/attendance/clock-in", clock_in(boss_id, Some(instant(-h(72))))).await;
        boss.expect(r, StatusCode::FORBIDDEN, "boss clocks himself in 72 h back").await;
        // An admin: anyone, any instant.
        let r = admin.post("/attendance/clock-in", clock_in(bo_id, Some(instant(-h(100))))).await;
        admin.expect(r, StatusCode::CREATED, "admin clocks Bo in").await;
        let r = admin.post("/attendance/clock-out", clock_out(bo_id, instant(-h(99)))).await;
        admin.expect(r, StatusCode::OK, "admin clocks Bo out").await;

        // Sessions: own; own and their teams'; all. A filter naming
        // someone out of scope finds nothing.
        assert_eq!(ids(&ada.get("/attendance").await, "employee_id"), vec![ada_id]);
        assert_eq!(ids(&boss.get("/attendance").await, "employee_id"), vec![boss_id, ada_id]);
        assert_eq!(
            ids(&admin.get("/attendance").await, "employee_id"),
            vec![boss_id, ada_id, bo_id]
        );
        let of_bo = format!("/attendance?employee_id={bo_id}");
        assert!(ids(&boss.get(&of_bo).await, "employee_id").is_empty());
        assert!(ids(&ada.get(&of_bo).await, "employee_id").is_empty());

        // Trends: the same scope; out of it is not found.
        let range = "from=2026-01-01&to=2026-01-31";
        let person_trend = |id: i64| format!("/trends/employees/{id}?{range}");
        let team_trend = |id: i64| format!("/trends/teams/{id}?{range}");
        for (who, path, expected) in [
            (&ada, person_trend(ada_id), StatusCode::OK),
            (&ada, person_trend(bo_id), StatusCode::NOT_FOUND),
            (&ada, person_trend(boss_id), StatusCode::NOT_FOUND),
            (&ada, team_trend(a), StatusCode::NOT_FOUND),
            (&boss, person_trend(ada_id), StatusCode::OK),
            (&boss, team_trend(a), StatusCode::OK),
            (&boss, person_trend(bo_id), StatusCode::NOT_FOUND),
            (&boss, team_trend(b), StatusCode::NOT_FOUND),
            (&admin, person_trend(bo_id), StatusCode::OK),
            (&admin, team_trend(b), StatusCode::OK),
        ] {
            who.expect(who.get(&path).await, expected, &path).await;
        }

        // Summaries: not for employees; a manager's teams only; all for
        // an admin.
        let today = Utc::now().date_naive();
        let daily = |team: Option<i64>| match team {
            Some(t) => format!("/summaries/daily?date={today}&team_id={t}"),
            None => format!("/summaries/daily?date={today}"),
        };
        ada.expect(ada.get(&daily(Some(a))).await, StatusCode::FORBIDDEN, "Ada's summary").await;
        boss.expect(boss.get(&daily(Some(a))).await, StatusCode::OK, "boss, team A").await;
        boss.expect(boss.get(&daily(Some(b))).await, StatusCode::NOT_FOUND, "boss, team B").await;
        let company = boss.expect(boss.get(&daily(None)).await, StatusCode::OK, "boss, company").await;
        assert!(!company.body.to_string().contains("\"Bo\""), "{company:?}");
        admin.expect(admin.get(&daily(Some(b))).await, StatusCode::OK, "admin, team B").await;

        // Questions: the model's SQL selects every session; PostgreSQL
        // returns only the asker's rows.
        let asked = async |who: &As| {
            let r = who.post("/ask", json!({"question": "Who has sessions?"})).await;
            let r = who.expect(r, StatusCode::OK, "ask").await;
            let mut rows: Vec<i64> = r.body["rows"]
                .as_array()
                .unwrap_or_else(|| panic!("no rows: {r:?}"))
                .iter()
                .map(|row| row[0].as_i64().unwrap())
                .collect();
            rows.sort_unstable();
            rows
        };
        assert_eq!(asked(&ada).await, vec![ada_id]);
        assert_eq!(asked(&boss).await, vec![boss_id, ada_id]);
        assert_eq!(asked(&admin).await, vec![boss_id, ada_id, bo_id]);

        // Backfills and corrections: managers for their teams, admins for
        // anyone, never employees.
        let backfill = |who: i64| {
            json!({"employee_id": who, "clock_in": instant(-h(240)), "clock_out": instant(-h(232)),
                   "work_mode": "WFO", "reason": "paper timesheet"})
        };
        let r = ada.post("/attendance/sessions", backfill(ada_id)).await;
        ada.expect(r, StatusCode::FORBIDDEN, "Ada backfills herself").await;
        let r = boss.post("/attendance/sessions", backfill(bo_id)).await;
        boss.expect(r, StatusCode::FORBIDDEN, "boss backfills Bo").await;
        let r = boss.post("/attendance/sessions", backfill(boss_id)).await;
        boss.expect(r, StatusCode::FORBIDDEN, "boss backfills his own overtime").await;
        let r = boss.post("/attendance/sessions", backfill(ada_id)).await;
        let adas = id(boss.expect(r, StatusCode::CREATED, "boss backfills Ada").await);
        let r = admin.post("/attendance/sessions", backfill(bo_id)).await;
        let bos = id(admin.expect(r, StatusCode::CREATED, "admin backfills Bo").await);
        let fix = json!({"work_mode": "WFH", "reason": "worked from home that day"});
        let r = ada.patch(&format!("/attendance/sessions/{adas}"), fix.clone()).await;
        ada.expect(r, StatusCode::FORBIDDEN, "Ada corrects her own session").await;
        let r = boss.patch(&format!("/attendance/sessions/{bos}"), fix.clone()).await;
        boss.expect(r, StatusCode::NOT_FOUND, "boss corrects Bo's session").await;
        let r = boss.patch(&format!("/attendance/sessions/{adas}"), fix.clone()).await;
        boss.expect(r, StatusCode::OK, "boss corrects Ada's session").await;
        let own = boss.get(&format!("/attendance?employee_id={boss_id}")).await;
        let boss_session = own.body["items"][0]["id"].as_i64().unwrap();
        let r = boss.patch(&format!("/attendance/sessions/{boss_session}"), fix.clone()).await;
        boss.expect(r, StatusCode::FORBIDDEN, "boss corrects his own session").await;
        let r = admin.patch(&format!("/attendance/sessions/{bos}"), fix).await;
        admin.expect(r, StatusCode::OK, "admin corrects Bo's session").await;

        // Teams, employees, appointments: admins only.
        for who in [&ada, &boss] {
            let r = who.post("/teams", json!({"name": "C"})).await;
            who.expect(r, StatusCode::FORBIDDEN, "create a team").await;
            let r = who.post("/employees", person("Cy", a, false)).await;
            who.expect(r, StatusCode::FORBIDDEN, "create an employee").await;
            let r = who.put(&format!("/teams/{b}/managers/{boss_id}")).await;
            who.expect(r, StatusCode::FORBIDDEN, "appoint a manager").await;
        }
        let r = ada.get(&format!("/employees/{bo_id}")).await;
        ada.expect(r, StatusCode::NOT_FOUND, "Bo as Ada").await;
        boss.expect(boss.get(&format!("/teams/{b}")).await, StatusCode::NOT_FOUND, "B as boss").await;
        assert_eq!(ids(&boss.get("/employees").await, "id"), vec![boss_id, ada_id]);

        // The audit trail: entries about own sessions; the teams'; all.
        assert_eq!(ids(&ada.get("/audit?limit=500").await, "employee_id"), vec![ada_id]);
        assert_eq!(
            ids(&boss.get("/audit?limit=500").await, "employee_id"),
            vec![boss_id, ada_id]
        );
        let all = admin.get("/audit?limit=500").await;
        assert_eq!(ids(&all, "employee_id"), vec![boss_id, ada_id, bo_id]);
        let actions: Vec<&str> = all.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["action"].as_str())
            .collect();
        for action in ["team_created", "employee_created", "clock_in", "backfill", "correction"] {
            assert!(actions.contains(&action), "{action} missing from {actions:?}");
        }

        // An appointment widens a manager's scope at once.
        let r = admin.put(&format!("/teams/{b}/managers/{boss_id}")).await;
        admin.expect(r, StatusCode::NO_CONTENT, "appoint boss to B").await;
        assert_eq!(
            ids(&boss.get("/attendance").await, "employee_id"),
            vec![boss_id, ada_id, bo_id]
        );
        boss.expect(boss.get(&daily(Some(b))).await, StatusCode::OK, "boss, team B now").await;
    })
    .await;
}
