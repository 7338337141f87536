//! Tenant isolation end to end: two tenants, `alpha` and `beta`, in one
//! PostgreSQL database, served by one `by_tenant` router on a real
//! loopback server, each tenant's router composed as the server example
//! composes it (its store, its tokens, its web sessions, a played model).
//!
//! Both tenants are seeded through HTTP with their own admin tokens, with
//! the same shape of data, so ids overlap: alpha's employee 1 and beta's
//! employee 1 are different people. Every string of beta contains "beta",
//! every string of the default tenant "omega", and no string of alpha
//! contains either, so a leak shows as a marker in a body alpha reads.
//!
//! - `routes`: every GET route of the OpenAPI document, as alpha's admin,
//!   manager and employee, with beta's ids, shows no marker and never
//!   answers 500; every write route, as alpha's admin with beta's ids and
//!   bodies, leaves every GET of beta's and beta's audit trail unchanged.
//! - `credentials`: a secret counts only under its own tenant's name; an
//!   unknown or malformed name is a 401, never a 500; a dropped tenant's
//!   token stops working within the router cache's lifetime, with only
//!   401s and 503s in between.
//! - `webhooks`: alpha's clock-in reaches alpha's receiver and nothing of
//!   it reaches beta's, nor beta's audit trail.
//! - `qa`: alpha's Q&A role reads nothing of beta's schema or of the
//!   default tenant's, past the guard or through it, nor through
//!   `POST /ask` with a played model that writes such SQL.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod credentials;
mod qa;
mod routes;
mod seed;
mod state;
mod webhooks;

use attendance_testsupport as common;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use attendance::App;
use attendance::core::EmployeeId;
use attendance::core::access::Identity;
use attendance::core::error::BoxError;
use attendance::core::tokens::TokenService;
use attendance::http::web::{SessionConfig, WebApp, WebConfig, WebSessions};
use attendance::http::{
    BearerAuthenticator, EnvelopeLayer, HttpConfig, Services, TenantApps, TenantConfig,
};
use attendance::llm::{OpenAiClient, OpenAiConfig};
use attendance::pg::{PgSqlRunner, PgStore, qa as pg_qa};
use attendance_testsupport::played;
use axum::Router;
use reqwest::{Method, StatusCode};
use seed::{Seeded, seed, seed_default};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use wiremock::MockServer;

/// How often `by_tenant` rechecks a kept router's tenant: short, so that a
/// dropped tenant is seen quickly.
const RECHECK: Duration = Duration::from_millis(200);

/// Every webhook event type, so that each tenant's endpoint gets all.
const EVENT_TYPES: [&str; 12] = [
    "session.clocked_in",
    "session.clocked_out",
    "session.recorded",
    "session.corrected",
    "session.auto_closed",
    "request.created",
    "request.approved",
    "request.rejected",
    "period.locked",
    "period.reopened",
    "employee.created",
    "team.created",
];

/// The markers of data alpha must never read: beta's and the default
/// tenant's (compared in lower case).
const FOREIGN_MARKERS: [&str; 2] = ["beta", "omega"];

/// The first marker of another tenant's data in `text`, if any.
fn foreign_marker(text: &str) -> Option<&'static str> {
    let lower = text.to_lowercase();
    FOREIGN_MARKERS.into_iter().find(|m| lower.contains(m))
}

/// One caller: a client and its bearer token, tenant prefix included.
#[derive(Clone)]
struct As {
    base: String,
    http: reqwest::Client,
    token: String,
}

#[derive(Debug)]
struct Reply {
    status: StatusCode,
    text: String,
    body: Value,
}

impl As {
    /// The same client with another token.
    fn with_token(&self, token: impl Into<String>) -> Self {
        Self {
            token: token.into(),
            ..self.clone()
        }
    }

    async fn send(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header("authorization", format!("Bearer {}", self.token));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        Reply {
            status,
            body: serde_json::from_str(&text).unwrap_or(Value::Null),
            text,
        }
    }

    async fn get(&self, path: &str) -> Reply {
        self.send(Method::GET, path, None).await
    }

    async fn post(&self, path: &str, body: Value) -> Reply {
        self.send(Method::POST, path, Some(body)).await
    }

    /// The id of what `path` creates from `body`; anything but `status`
    /// fails the test.
    async fn create(&self, path: &str, body: Value, status: StatusCode) -> i64 {
        let reply = self.post(path, body).await;
        assert_eq!(reply.status, status, "POST {path}: {reply:?}");
        reply.body["id"]
            .as_i64()
            .or_else(|| reply.body["endpoint"]["id"].as_i64())
            .unwrap_or_else(|| panic!("POST {path}: no id in {reply:?}"))
    }
}

/// The questions the played model knows, each a marker in the question and
/// the SQL it answers with: SQL that reaches for another tenant's rows.
const HOSTILE_QUESTIONS: &[(&str, &str)] = &[
    ("marker-beta-view", "SELECT * FROM tenant_beta.qa_sessions"),
    (
        "marker-beta-employees",
        "SELECT employee_name FROM tenant_beta.qa_employees",
    ),
    (
        "marker-default-view",
        "SELECT * FROM attendance.qa_sessions",
    ),
    (
        "marker-default-employees",
        "SELECT employee_name FROM attendance.qa_employees",
    ),
    (
        "marker-beta-execute",
        "SELECT * FROM tenant_beta.qa_execute('SELECT 1') AS t",
    ),
    (
        "marker-search-path",
        "SELECT * FROM qa_employees WHERE (SELECT set_config('search_path', 'tenant_beta', true)) IS NOT NULL",
    ),
];

/// A model that answers each question of [`HOSTILE_QUESTIONS`] with its
/// SQL, and anything else with a sentence.
async fn model() -> MockServer {
    played::sql_model(HOSTILE_QUESTIONS).await
}

/// Every tenant's router over the default store's connections, as the
/// server example builds them.
struct Tenants {
    pg: PgStore,
    model: String,
    http: HttpConfig,
}

#[async_trait]
impl TenantApps for Tenants {
    async fn router(&self, name: &str) -> Result<Option<Router>, BoxError> {
        let tenant = self.pg.served_tenant(name).await?;
        Ok(tenant.map(|tenant| self.router_of(self.pg.for_tenant(tenant))))
    }

    async fn is_served(&self, name: &str) -> Result<bool, BoxError> {
        Ok(self.pg.served_tenant(name).await?.is_some())
    }
}

impl Tenants {
    /// The API and the web app over `pg`, its model queries run as the
    /// tenant's Q&A role.
    fn router_of(&self, pg: PgStore) -> Router {
        let config = OpenAiConfig::new()
            .with_base_url(self.model.clone())
            .without_api_key()
            .with_max_retries(0);
        let app = App::builder(Arc::new(pg.clone()))
            .chat_model(Arc::new(OpenAiClient::new(config).unwrap()))
            .sql_runner(Arc::new(PgSqlRunner::for_store(&pg)), pg_qa::catalog())
            .build();
        let tokens = TokenService::new(Arc::new(pg.tokens()));
        let bearer = BearerAuthenticator::new(tokens, app.attendance.clone());
        let sessions = WebSessions::new(bearer, SessionConfig::default().with_secure_cookie(false));
        let web = WebApp::new(WebConfig::default()).with_sign_in(sessions.clone());
        let services = Services::from(app).with_authenticator(Arc::new(sessions));
        attendance::http::router_without_envelope(services, &self.http).merge(web.router())
    }
}

/// Two tenants and the default one in one database, one server for all.
struct World {
    default: PgStore,
    alpha: PgStore,
    beta: PgStore,
    base: String,
    http: reqwest::Client,
    _model: MockServer,
}

impl World {
    /// Without a rate limit: the sweeps read the summaries hundreds of
    /// times.
    async fn new(default: PgStore) -> Self {
        Self::with_config(default, HttpConfig::default().with_rate_limit(None)).await
    }

    async fn with_config(default: PgStore, http: HttpConfig) -> Self {
        let alpha = default.for_tenant(default.create_tenant("alpha").await.unwrap());
        let beta = default.for_tenant(default.create_tenant("beta").await.unwrap());
        let model = model().await;
        let tenants = Arc::new(Tenants {
            pg: default.clone(),
            model: model.uri(),
            http,
        });
        let config = TenantConfig {
            recheck_every: RECHECK,
            ..TenantConfig::default()
        };
        let router =
            attendance::http::by_tenant(tenants.router_of(default.clone()), tenants, config)
                .layer(EnvelopeLayer);
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(attendance::http::serve(
            listener,
            router,
            std::future::pending(),
        ));
        Self {
            default,
            alpha,
            beta,
            base,
            http: attendance::llm::http_client_builder()
                .unwrap()
                .no_proxy()
                .build()
                .unwrap(),
            _model: model,
        }
    }

    /// A caller holding a new token of `store`'s tenant for `identity`,
    /// written as a host prints it (`NAME.att_…`, bare for the default).
    async fn caller(&self, store: &PgStore, identity: Identity) -> As {
        let tokens = TokenService::new(Arc::new(store.tokens()));
        let (_, secret) = tokens.create(&identity, None).await.unwrap();
        let tenant = store.tenant();
        let token = if tenant.is_default() {
            secret.expose().to_owned()
        } else {
            format!("{tenant}.{}", secret.expose())
        };
        As {
            base: self.base.clone(),
            http: self.http.clone(),
            token,
        }
    }

    /// Seeds the tenant of `store` through HTTP with its own admin token;
    /// every string made contains `tag`.
    async fn seed(&self, store: &PgStore, tag: &str) -> Seeded {
        let admin = self
            .caller(
                store,
                Identity::Admin {
                    name: format!("{tag} admin"),
                },
            )
            .await;
        seed(self, store, admin, tag).await
    }
}
