//! Access end to end: the real server on a loopback port over a real
//! PostgreSQL database, bearer tokens made the way the server's CLI makes
//! them, and a played language model (wiremock) for the questions.
//!
//! `matrix`: every row of the permission matrix, tried by every role. The
//! other modules keep closed the holes found by probing the server as each
//! role:
//! - a refusal is the same for an unknown id and for one out of scope;
//! - every admin token is an admin of its own (keys, rate limit, trail);
//! - a manager reads no audit entry about another team;
//! - the Q&A views show each role what the routes show it;
//! - `PATCH /employees/{id}`, and dismissing a manager of their own team;
//! - work time: patterns, holidays, break rules, absences and ledgers, and
//!   the ledger's Q&A view, as each role.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod ids_and_admins;
mod matrix;
mod scopes_and_changes;
mod worktime;

use attendance_testsupport as common;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use attendance::App;
use attendance::core::EmployeeId;
use attendance::core::access::Identity;
use attendance::core::tokens::{TokenId, TokenService};
use attendance::http::{BearerAuthenticator, Services};
use attendance::llm::{OpenAiClient, OpenAiConfig};
use attendance::pg::{PgSqlRunner, PgStore, qa};
use attendance_testsupport::played;
use chrono::Utc;
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use wiremock::MockServer;

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
    (
        "marker-ledger",
        "SELECT DISTINCT employee_id FROM qa_ledger_days ORDER BY employee_id",
    ),
];

async fn model() -> MockServer {
    played::sql_model(QUESTIONS).await
}

/// The server over `store` on a loopback port, built as a host builds it:
/// tokens checked on every request (no cache, so an appointment or a
/// change counts at once), questions answered by `model` with the runner
/// on the store's own connections. Returns its base URL and the tokens.
async fn serve(store: PgStore, model: &MockServer) -> (String, TokenService) {
    let config = OpenAiConfig::new()
        .with_base_url(model.uri())
        .without_api_key()
        .with_max_retries(0);
    let runner = Arc::new(PgSqlRunner::for_store(&store));
    let tokens = TokenService::new(Arc::new(store.tokens()));
    let app = App::builder(Arc::new(store))
        .chat_model(Arc::new(OpenAiClient::new(config).unwrap()))
        .sql_runner(runner, qa::catalog())
        .build();
    let bearer = BearerAuthenticator::new(tokens.clone(), app.attendance.clone())
        .with_cache_ttl(Duration::ZERO);
    let services = Services::from(app).with_authenticator(Arc::new(bearer));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(attendance::http::serve(
        listener,
        attendance::http::router(services),
        std::future::pending(),
    ));
    (base, tokens)
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
        let (base, tokens) = serve(store.clone(), &model).await;
        Self {
            store,
            tokens,
            base,
            http: attendance::llm::http_client_builder()
                .unwrap()
                .no_proxy()
                .build()
                .unwrap(),
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
