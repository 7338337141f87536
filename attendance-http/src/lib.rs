//! The HTTP adapter of the `attendance` library: an [`axum::Router`] over
//! the core services, speaking its HTTP contract (JSON in and out,
//! `application/problem+json` errors, an OpenAPI 3.1 document at
//! `/openapi.json`).
//!
//! The router is an ordinary `Router`: a host can serve it alone, `nest`
//! it under a prefix, `merge` its own routes and wrap it in its own layers
//! (CORS, …).
//!
//! ```no_run
//! use std::sync::Arc;
//!
//! use attendance_core::memory::InMemoryStore;
//! use attendance_core::tokens::{InMemoryTokens, TokenService};
//! use attendance_http::{BearerAuthenticator, HttpConfig, Services};
//!
//! # async fn demo() -> std::io::Result<()> {
//! // Any store: `attendance_pg::PgStore` in production (and its
//! // `PgStore::tokens()`). Add question answering with `Services::with_ask`.
//! let services = Services::from_store(Arc::new(InMemoryStore::new()));
//! let tokens = TokenService::new(Arc::new(InMemoryTokens::new()));
//! let bearer = BearerAuthenticator::new(tokens, services.attendance().clone());
//! let services = services.with_authenticator(Arc::new(bearer));
//! let api = attendance_http::router_with(services, &HttpConfig::default());
//! let app = axum::Router::new().nest("/api", api);
//!
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! attendance_http::serve(listener, app, attendance_http::shutdown_signal()).await
//! # }
//! ```
//!
//! # Routes
//! Each operation is declared once, on its handler (`#[utoipa::path]`), and
//! the router and the [`openapi`] document are both built from those
//! declarations (utoipa-axum's `OpenApiRouter`), so neither can list an
//! operation the other lacks.
//!
//! | method | path | success | credentials |
//! |---|---|---|---|
//! | GET | `/health` | 200 `{"status":"ok"}` | none |
//! | POST, GET | `/teams`, GET `/teams/{id}` | 201 / 200 | bearer |
//! | POST, GET | `/employees` (`?team_id=`), GET `/employees/{id}` | 201 / 200 | bearer |
//! | POST | `/attendance/clock-in`, `/attendance/clock-out` | 201 / 200 | bearer |
//! | GET | `/attendance?employee_id=&team_id=&from=&to=&work_mode=&limit=&cursor=` | 200 `{items, next_cursor}` | bearer |
//! | GET | `/trends/employees/{id}`, `/trends/teams/{id}` (`?from=&to=&granularity=`) | 200 | bearer |
//! | GET | `/me` | 200 `{kind, name, employee, manages}` | bearer |
//! | GET | `/summaries/daily?date=&team_id=`, `/summaries/weekly?week=&team_id=` | 200 `{facts, text, generated_by}` | bearer, rate limited |
//! | GET | `/summaries/daily/facts?date=&team_id=` | 200 the daily facts, no model call | bearer |
//! | POST | `/ask` `{question}` | 200 `{text, sql, columns, rows, attempts}` | bearer, rate limited |
//! | POST, GET | `/attendance/requests`, GET `/attendance/requests/inbox`, `/attendance/requests/{id}` | 201 / 200 | bearer |
//! | POST | `/attendance/requests/{id}/approve`, `/attendance/requests/{id}/reject` | 200 `{request, session}` | bearer |
//! | POST, GET | `/periods`, POST `/periods/{id}/reopen` | 201 / 200 | bearer |
//! | GET | `/exports/timesheet?from=&to=&team_id=&employee_id=&format=csv\|xlsx` | 200, a file | bearer, own time budget |
//! | POST, GET | `/webhooks`, GET, DELETE `/webhooks/{id}`, GET `/webhooks/{id}/deliveries`, POST `/webhooks/{id}/redeliver` | 201 / 200 / 204 / 202 | bearer (admins) |
//! | GET | `/openapi.json` | 200 | none |
//!
//! With the feature `web`, [`web::WebApp`] serves the web app beside these
//! routes, and [`web::WebSessions`] lets its session cookie stand for a
//! bearer token.
//!
//! # Authentication
//! Every route but `/health` and `/openapi.json` runs the
//! [`Authenticator`] given to [`Services::with_authenticator`] and answers
//! 401 (problem+json, `WWW-Authenticate: Bearer`) when it finds no
//! principal, 503 when it cannot check; the handlers read the principal
//! with [`Caller`]. Secure by default: without an authenticator every
//! protected route answers 401. [`BearerAuthenticator`] checks API tokens
//! (`Authorization: Bearer att_…`, see [`attendance_core::tokens`]); a host
//! may write its own (a session cookie, OIDC, a header its proxy sets);
//! [`AuthOff`] serves everyone as an admin, for local development only.
//! Paths and methods no route serves answer 404/405 without credentials
//! (the route list is public in the document anyway).
//!
//! `POST /ask` and the two summaries are rate limited per principal
//! ([`HttpConfig::rate_limit`]; default 10 a minute, bursts of 10, shared
//! by the three routes): past it, 429 `rate-limited` with `Retry-After`.
//! Questions are also limited in length by core
//! ([`attendance_core::ask::AskConfig::max_question_chars`], default 500
//! characters): longer ones are a 422.
//!
//! # What every route does
//! - Reads and echoes `x-request-id` (a UUID is generated when the client
//!   sends none, or one that [`is_safe_request_id`] refuses: too long, or
//!   not letters, digits and `-_.:`) and runs in a `tracing` span named `request` carrying it.
//!   This, and turning panics into 500 problems, is [`EnvelopeLayer`]'s
//!   work, which [`router`] and [`router_with`] add (see "Your own
//!   middleware" below).
//! - Answers every failure with a [`Problem`] whose `type` is one of
//!   [`problem::types`]: invalid input 422 (naming the fields), malformed
//!   JSON 400, a body not declared as JSON 415, a body over
//!   [`HttpConfig::body_limit`] 413, unknown paths and ids 404, unknown
//!   methods 405 (with `Allow`), conflicts 409 (with the current state, such
//!   as the open session), an unreachable database 503 with `Retry-After`, a
//!   request running past [`HttpConfig::request_timeout`] 503 with
//!   `Retry-After`, and anything else, panics included, 500 with a detail
//!   that reveals nothing (the cause is logged). The server keeps serving
//!   after a panic.
//! - Every write (every `POST` but `/ask`, and the `PATCH`es) takes an
//!   optional `Idempotency-Key` header
//!   (see [`attendance_core::idempotency`]): a retry with the same key and
//!   request within 24 hours gets the first response again, with
//!   `Idempotent-Replayed: true`, and writes nothing; the same key with
//!   another request is a 422. Keys are scoped per [`IdempotencyScope`],
//!   which authentication sets from the principal.
//!   `POST /ask` writes nothing and may simply be sent again; it ignores
//!   the header.
//! - `GET /exports/timesheet` streams its CSV: what is refused before the
//!   first row is a problem; a failure after it cuts the body short (the
//!   client sees a broken transfer, never a complete-looking file). It runs
//!   within [`HttpConfig::export_timeout`], body included, not within
//!   [`HttpConfig::request_timeout`].
//! - `POST /ask` adds: a refused question 422 (`question-refused`), a
//!   failing LLM 502, a slow one 504, none configured 503. Provider and
//!   database messages stay in the logs.
//!
//! # Your own middleware
//! [`router_with`] wraps the routes in [`EnvelopeLayer`]. A host that runs
//! its own tower-http stack instead starts from [`router_without_envelope`]:
//! the same routes, fallbacks, body limit and per-route time budgets, every
//! error of its own already a [`Problem`]. The host then supplies what the
//! envelope did; [`panic_response`] and [`ensure_problem`] keep panics and
//! its own layers' bare errors problem+json, and [`drop_unsafe_request_id`]
//! keeps a client's oversized or unsafe request id out of its logs:
//!
//! ```
//! use attendance_http::{HttpConfig, Services};
//! use axum::response::Response;
//! use tower_http::catch_panic::CatchPanicLayer;
//! use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
//!
//! fn app(services: Services) -> axum::Router {
//!     attendance_http::router_without_envelope(services, &HttpConfig::default())
//!         .layer(axum::middleware::map_response(|r: Response| async move {
//!             attendance_http::ensure_problem(r)
//!         }))
//!         .layer(CatchPanicLayer::custom(attendance_http::panic_response))
//!         // tower_http::trace::TraceLayer here for spans and logs
//!         .layer(PropagateRequestIdLayer::x_request_id())
//!         .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
//!         .layer(axum::middleware::map_request(attendance_http::drop_unsafe_request_id))
//! }
//! ```
//!
//! # Design notes
//! - The wire types ([`dto`]) are separate from the domain types so that the
//!   contract is owned here; the summary facts are mirrored field by field,
//!   and the conversions destructure the core structs completely, so a
//!   change there fails to compile here instead of changing the contract
//!   silently.
//! - An id in a path that is not an integer names nothing: 404, like any
//!   unknown id. Query parameters are parsed one by one so that a bad value
//!   is a 422 naming the parameter; unknown parameters and body members are
//!   rejected (422) rather than ignored, so a typo never passes silently.
//! - Bounds and defaults that a client reads in the document (page sizes,
//!   name lengths, the future tolerance, the longest trend range) are
//!   written from the same constants of `attendance_core` that the checks
//!   use; the checks themselves are core's, and their messages reach the
//!   client as they are.
//! - A summary the template wrote for a configured model carries
//!   `fallback_reason`, a fixed category; what exactly failed may quote the
//!   model provider, so it is logged instead. Answers carry `phrased_by`
//!   but not token usage (logged too).

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use attendance_core::App;
use attendance_core::ask::AskService;
use attendance_core::service::{AttendanceService, TrendService};
use attendance_core::store::Store;
use attendance_core::summary::SummaryService;
use axum::Router;
use axum::body::Bytes;
use axum::extract::DefaultBodyLimit;

mod api;
mod auth;
mod bearer;
pub mod dto;
mod extract;
mod limit;
mod middleware;
pub mod problem;
mod routes;
mod routes_audit;
mod routes_calendar;
mod routes_employees;
mod routes_export;
mod routes_ledger;
mod routes_managers;
mod routes_periods;
mod routes_requests;
mod routes_summaries;
mod routes_webhooks;
mod routes_worktime;
mod server;
mod tenants;
#[cfg(feature = "web")]
pub mod web;

pub use api::openapi;
pub use auth::{AuthError, AuthOff, Authenticator, Caller};
pub use bearer::{BearerAuthenticator, DEFAULT_TOKEN_CACHE_TTL};
pub use limit::RateLimit;
pub use middleware::{
    Envelope, EnvelopeFuture, EnvelopeLayer, MAX_REQUEST_ID_LEN, REQUEST_ID,
    drop_unsafe_request_id, ensure_problem, is_safe_request_id, panic_response,
};
pub use problem::{Extensions, FieldError, Problem};
pub use server::{ServeConfig, serve_with};
pub use tenants::{TenantApps, TenantConfig, by_tenant};

/// The scope of the `Idempotency-Key`s of a request: a stable name of its
/// caller, so that two callers' equal keys name two writes. Authentication
/// inserts it as a request extension (the principal's
/// [`Actor`](attendance_core::access::Actor), as text).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdempotencyScope(pub String);

/// The services the routes call. Cheap to clone: each service holds `Arc`s.
#[derive(Clone)]
pub struct Services {
    attendance: AttendanceService,
    trends: TrendService,
    summaries: SummaryService,
    ask: Option<AskService>,
    authenticator: Option<Arc<dyn Authenticator>>,
}

impl std::fmt::Debug for Services {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Services")
            .field("attendance", &self.attendance)
            .field("trends", &self.trends)
            .field("summaries", &self.summaries)
            .field("ask", &self.ask)
            .field("authenticated", &self.authenticator.is_some())
            .finish_non_exhaustive()
    }
}

impl Services {
    /// The routes' services: teams, employees and attendance (whose store
    /// answers `GET /health`); trends; summaries. Without
    /// [`Services::with_ask`], `POST /ask` answers 503 (no LLM configured);
    /// without [`Services::with_authenticator`], every route but
    /// `/health` and `/openapi.json` answers 401.
    pub fn new(
        attendance: AttendanceService,
        trends: TrendService,
        summaries: SummaryService,
    ) -> Self {
        Self {
            attendance,
            trends,
            summaries,
            ask: None,
            authenticator: None,
        }
    }

    /// Authenticates requests with `authenticator` (see "Authentication"
    /// above): [`BearerAuthenticator`], a host's own, or, for local
    /// development only, [`AuthOff`].
    pub fn with_authenticator(mut self, authenticator: Arc<dyn Authenticator>) -> Self {
        self.authenticator = Some(authenticator);
        self
    }

    /// The attendance service, for an authenticator that resolves
    /// identities ([`BearerAuthenticator::new`]).
    pub fn attendance(&self) -> &AttendanceService {
        &self.attendance
    }

    /// Answers `POST /ask` with `ask`.
    pub fn with_ask(mut self, ask: AskService) -> Self {
        self.ask = Some(ask);
        self
    }

    /// Every service over one store, with the system clock and defaults;
    /// summaries by template, no question answering, no authenticator.
    pub fn from_store(store: Arc<dyn Store>) -> Self {
        App::builder(store).build().into()
    }
}

/// The routes' services from the library's one way in (see
/// [`App::builder`]); `POST /ask` answers when the app has an
/// [`AskService`]. Add an authenticator with
/// [`Services::with_authenticator`].
impl From<App> for Services {
    fn from(app: App) -> Self {
        let services = Self::new(app.attendance, app.trends, app.summaries);
        match app.ask {
            Some(ask) => services.with_ask(ask),
            None => services,
        }
    }
}

/// Limits of the router; every default is documented on its field.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct HttpConfig {
    /// Largest request body accepted, in bytes; larger ones get a 413
    /// problem. Default: 1 MiB.
    pub body_limit: usize,
    /// Longest a request may take before it is abandoned with a 503 problem
    /// and `Retry-After`. Default: 30 s.
    pub request_timeout: Duration,
    /// The same for routes that call a language model (summaries,
    /// questions), which may make several model calls. Default: 120 s.
    pub ai_request_timeout: Duration,
    /// The per-principal limit of `POST /ask` and the summaries (one
    /// bucket shared by the three); `None` for no limit. Default:
    /// [`RateLimit::default`], 10 a minute in bursts of 10.
    pub rate_limit: Option<RateLimit>,
    /// Longest a timesheet export may take, its streamed body included:
    /// past it, before the headers, a 503 problem; after them, the body
    /// ends short. (Between two chunks of the body, the server's idle
    /// timeout, [`ServeConfig::idle_timeout`], may also end it.) Default:
    /// 10 minutes.
    pub export_timeout: Duration,
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            body_limit: 1024 * 1024,
            request_timeout: Duration::from_secs(30),
            ai_request_timeout: Duration::from_secs(120),
            rate_limit: Some(RateLimit::default()),
            export_timeout: Duration::from_secs(600),
        }
    }
}

impl HttpConfig {
    /// Sets [`HttpConfig::body_limit`].
    pub fn with_body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }

    /// Sets [`HttpConfig::request_timeout`].
    pub fn with_request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// Sets [`HttpConfig::rate_limit`].
    pub fn with_rate_limit(mut self, limit: Option<RateLimit>) -> Self {
        self.rate_limit = limit;
        self
    }

    /// Sets [`HttpConfig::ai_request_timeout`].
    pub fn with_ai_request_timeout(mut self, timeout: Duration) -> Self {
        self.ai_request_timeout = timeout;
        self
    }

    /// Sets [`HttpConfig::export_timeout`].
    pub fn with_export_timeout(mut self, timeout: Duration) -> Self {
        self.export_timeout = timeout;
        self
    }
}

/// The router with [`HttpConfig::default`].
pub fn router(services: Services) -> Router {
    router_with(services, &HttpConfig::default())
}

/// The router over `services` with `config`'s limits, wrapped in
/// [`EnvelopeLayer`].
pub fn router_with(services: Services, config: &HttpConfig) -> Router {
    router_without_envelope(services, config).layer(EnvelopeLayer)
}

/// The router over `services` with `config`'s limits but without
/// [`EnvelopeLayer`], for a host that brings its own request ids, tracing
/// and panic handling (see "Your own middleware" above). The per-route time
/// budgets and the body limit stay.
pub fn router_without_envelope(services: Services, config: &HttpConfig) -> Router {
    let authenticator = services.authenticator.clone();
    let (router, document) = api::declare(config, authenticator).split_for_parts();
    let openapi_json = serde_json::to_vec(&document)
        .map(Bytes::from)
        .unwrap_or_default();
    let state = Arc::new(routes::AppState {
        services,
        openapi_json,
        export_timeout: config.export_timeout,
    });
    router
        .fallback(routes::not_found)
        .method_not_allowed_fallback(routes::method_not_allowed)
        .with_state(state)
        .layer(DefaultBodyLimit::max(config.body_limit))
}

/// Serves `app` on `listener` with [`ServeConfig::default`]'s connection
/// limits until `shutdown` completes; see [`serve_with`].
pub async fn serve<F>(
    listener: tokio::net::TcpListener,
    app: Router,
    shutdown: F,
) -> std::io::Result<()>
where
    F: Future<Output = ()> + Send + 'static,
{
    serve_with(listener, app, &ServeConfig::default(), shutdown).await
}

/// Completes on Ctrl-C or, on Unix, SIGTERM: the `shutdown` for [`serve`].
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::warn!(error = %err, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(err) => {
                tracing::warn!(error = %err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => tracing::info!("Ctrl-C received; finishing requests in flight"),
        () = terminate => tracing::info!("SIGTERM received; finishing requests in flight"),
    }
}
