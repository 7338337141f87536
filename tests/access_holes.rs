//! Holes found by probing the real server as each role, each closed and
//! kept closed here: the real server on a loopback port over a real
//! PostgreSQL database, bearer tokens made the way the server's CLI makes
//! them, and a played language model (wiremock) for the questions.
//!
//! - a refusal is the same for an unknown id and for one out of scope;
//! - every admin token is an admin of its own (keys, rate limit, trail);
//! - a manager reads no audit entry about another team;
//! - the Q&A views show each role what the routes show it;
//! - `PATCH /employees/{id}`, and dismissing a manager of their own team.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../attendance-pg/tests/common/mod.rs"]
mod common;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use attendance::core::EmployeeId;
use attendance::core::access::Identity;
use attendance::core::ask::AskService;
use attendance::core::service::AttendanceService;
use attendance::core::tokens::{TokenId, TokenService};
use attendance::http::{BearerAuthenticator, Services};
use attendance::llm::{OpenAiClient, OpenAiConfig};
use attendance::pg::{PgSqlRunner, PgStore, qa};
use chrono::Utc;
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use wiremock::matchers::{body_string_contains, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// One caller: a client and its bearer token.
#[derive(Clone)]
struct As {
    base: String,
    http: reqwest::Client,
    token: String,
}

#[derive(Debug)]
struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    text: String,
    body: Value,
}

impl As {
    async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        key: Option<&str>,
    ) -> Reply {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        if let Some(key) = key {
            request = request.header("idempotency-key", key);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap();
        Reply {
            status,
            headers,
            body: serde_json::from_str(&text).unwrap_or(Value::Null),
            text,
        }
    }

    async fn get(&self, path: &str) -> Reply {
        self.send(Method::GET, path, None, None).await
    }

    async fn post(&self, path: &str, body: Value) -> Reply {
        self.send(Method::POST, path, Some(body), None).await
    }

    async fn patch(&self, path: &str, body: Value) -> Reply {
        self.send(Method::PATCH, path, Some(body), None).await
    }

    async fn put(&self, path: &str) -> Reply {
        self.send(Method::PUT, path, None, None).await
    }

    async fn delete(&self, path: &str) -> Reply {
        self.send(Method::DELETE, path, None, None).await
    }
}

fn expect(reply: Reply, status: StatusCode, what: &str) -> Reply {
    assert_eq!(reply.status, status, "{what}: {reply:?}");
    reply
}

fn id(reply: &Reply) -> i64 {
    reply.body["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("no id: {reply:?}"))
}

fn items(reply: &Reply) -> &Vec<Value> {
    reply.body["items"]
        .as_array()
        .unwrap_or_else(|| panic!("no items: {reply:?}"))
}

/// The sorted values of `key` over a page's items.
fn column(reply: &Reply, key: &str) -> Vec<i64> {
    let mut ids: Vec<i64> = items(reply)
        .iter()
        .filter_map(|i| i[key].as_i64())
        .collect();
    ids.sort_unstable();
    ids
}

fn completion(content: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1_764_000_000,
        "model": "fake",
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": content},
            "finish_reason": "stop"
        }],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}
    }))
}

/// The questions the played model knows, each a marker in the question and
/// the SQL it answers with.
const QUESTIONS: &[(&str, &str)] = &[
    (
        "marker-teams",
        "SELECT team_id, headcount FROM qa_teams ORDER BY team_id",
    ),
    (
        "marker-employees",
        "SELECT employee_id, team_id, is_manager FROM qa_employees ORDER BY employee_id",
    ),
    (
        "marker-sessions",
        "SELECT session_id, employee_id FROM qa_sessions ORDER BY session_id",
    ),
    (
        "marker-days",
        "SELECT DISTINCT employee_id FROM qa_daily_attendance ORDER BY employee_id",
    ),
];

async fn model() -> MockServer {
    let server = MockServer::start().await;
    for (marker, sql) in QUESTIONS {
        let content = json!({"sql": sql, "refusal": null}).to_string();
        Mock::given(method("POST"))
            .and(path("/chat/completions"))
            .and(body_string_contains("sql_or_refusal"))
            .and(body_string_contains(*marker))
            .respond_with(completion(&content))
            .mount(&server)
            .await;
    }
    Mock::given(method("POST"))
        .and(path("/chat/completions"))
        .respond_with(completion("Here they are."))
        .mount(&server)
        .await;
    server
}

/// The server over a fresh database, its tokens, and an admin.
struct World {
    store: PgStore,
    tokens: TokenService,
    base: String,
    http: reqwest::Client,
    _model: MockServer,
}

impl World {
    async fn new(store: PgStore) -> Self {
        let model = model().await;
        let shared = Arc::new(store.clone());
        let attendance = AttendanceService::new(shared.clone());
        let tokens = TokenService::new(Arc::new(store.tokens()));
        let bearer =
            BearerAuthenticator::new(tokens.clone(), attendance).with_cache_ttl(Duration::ZERO);
        let config = OpenAiConfig::new()
            .with_base_url(model.uri())
            .without_api_key()
            .with_max_retries(0);
        let ask = AskService::new(
            Arc::new(OpenAiClient::new(config).unwrap()),
            Arc::new(PgSqlRunner::new(store.pool().clone())),
            qa::catalog(),
        );
        let services = Services::from_store(shared)
            .with_authenticator(Arc::new(bearer))
            .with_ask(ask);
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(attendance::http::serve(
            listener,
            attendance::http::router(services),
            std::future::pending(),
        ));
        Self {
            store,
            tokens,
            base,
            http: reqwest::Client::builder().no_proxy().build().unwrap(),
            _model: model,
        }
    }

    /// A caller holding a new token for `identity`, and the token's id.
    async fn caller(&self, identity: Identity) -> (As, TokenId) {
        let (info, secret) = self.tokens.create(&identity, None).await.unwrap();
        let caller = As {
            base: self.base.clone(),
            http: self.http.clone(),
            token: secret.expose().to_owned(),
        };
        (caller, info.id)
    }

    /// An admin token with the name `server token create --admin` gives
    /// when `--name` is left out.
    async fn default_admin(&self) -> (As, TokenId) {
        self.caller(Identity::Admin {
            name: "admin".into(),
        })
        .await
    }

    async fn employee(&self, id: i64) -> As {
        self.caller(Identity::Employee { id: EmployeeId(id) })
            .await
            .0
    }
}

/// Two teams A and B, each with a manager made with `is_manager`, and an
/// employee each.
struct Company {
    a: i64,
    b: i64,
    boss_a: i64,
    boss_b: i64,
    ada: i64,
    bo: i64,
}

async fn company(admin: &As, b_zone: &str) -> Company {
    let a = id(&expect(
        admin.post("/teams", json!({"name": "A"})).await,
        StatusCode::CREATED,
        "A",
    ));
    let b = id(&expect(
        admin
            .post("/teams", json!({"name": "B", "timezone": b_zone}))
            .await,
        StatusCode::CREATED,
        "B",
    ));
    let person = async |name: &str, team: i64, manager: bool| {
        let body =
            json!({"name": name, "role": "Engineer", "team_id": team, "is_manager": manager});
        id(&expect(
            admin.post("/employees", body).await,
            StatusCode::CREATED,
            name,
        ))
    };
    Company {
        a,
        b,
        boss_a: person("Boss A", a, true).await,
        boss_b: person("Boss B", b, true).await,
        ada: person("Ada", a, false).await,
        bo: person("Bo", b, false).await,
    }
}

/// The headers of a reply but those that differ per request by design
/// (and the length, which follows the id echoed in the body: the bodies
/// are compared with the ids put aside).
fn stable_headers(reply: &Reply) -> BTreeMap<String, String> {
    reply
        .headers
        .iter()
        .filter(|(name, _)| !matches!(name.as_str(), "date" | "x-request-id" | "content-length"))
        .map(|(name, value)| (name.to_string(), value.to_str().unwrap().to_owned()))
        .collect()
}

/// `existing` and `unknown` answer alike: status, headers and body bytes
/// (the id the caller gave itself put aside).
fn alike(existing: &Reply, unknown: &Reply, ids: (i64, i64), what: &str) {
    assert_eq!(
        existing.status, unknown.status,
        "{what}: {existing:?} / {unknown:?}"
    );
    assert_eq!(stable_headers(existing), stable_headers(unknown), "{what}");
    assert_eq!(
        mask(&existing.text, ids.0),
        mask(&unknown.text, ids.1),
        "{what}"
    );
}

/// `text` with every number equal to `id` replaced by `ID`.
fn mask(text: &str, id: i64) -> String {
    let id = id.to_string();
    let mut out = String::new();
    let mut digits = String::new();
    for c in text.chars().chain(std::iter::once(' ')) {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        out.push_str(if digits == id { "ID" } else { &digits });
        digits.clear();
        out.push(c);
    }
    out.pop();
    out
}

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
