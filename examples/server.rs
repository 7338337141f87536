//! `DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres cargo run --example server`
//!
//! The attendance HTTP API as a complete service: PostgreSQL (migrated on
//! start), bearer-token authentication, summaries, questions in plain
//! language, OpenAPI at `/openapi.json`, the web app at `/` (sign in with
//! a token), webhook delivery, graceful shutdown on Ctrl-C and SIGTERM
//! (the webhook worker finishes the deliveries in flight).
//!
//! Tokens are managed from the same binary, against `DATABASE_URL`
//! (migrated first); `create` prints the token, and nothing else, on
//! stdout (logs go to stderr):
//!
//! ```text
//! server token create --admin [--name NAME] [--expires-days N]
//! server token create --employee ID [--expires-days N]
//! server token list
//! server token revoke ID
//! ```
//!
//! Every route but `/health` and `/openapi.json` then needs
//! `Authorization: Bearer att_…`, or the web app's session cookie (with
//! its CSRF token on writes) after signing in at `/` with such a token.
//!
//! One server serves many companies, each a tenant with a schema of its
//! own (see `attendance_pg::Tenant`). Without `--tenant` the commands act
//! on the default tenant; a tenant's tokens are printed as
//! `NAME.att_…`, and the server sends each request to the tenant its token
//! names, over one set of database connections:
//!
//! ```text
//! server tenant create NAME
//! server tenant list
//! server tenant drop NAME
//! server token create --tenant NAME --admin
//! ```
//!
//! Environment:
//! - `DATABASE_URL` (required): the PostgreSQL database.
//! - `BIND_ADDR`: where to listen; default `127.0.0.1:8080`.
//! - `OPENAI_API_KEY`, `OPENAI_BASE_URL`, `OPENAI_MODEL`: the chat model
//!   (any OpenAI-compatible server). Without a key for OpenAI's own URL the
//!   server still runs: summaries come from the template and `POST /ask`
//!   answers 503 "the LLM is not configured".
//! - `ATTENDANCE_QA_ROLE`: the database role the default tenant's model
//!   queries run as; default `attendance_qa`, which the migrations create
//!   and grant (see `attendance_pg::qa::QA_ROLE`; a named tenant's role is
//!   `tenant_NAME_qa`). If the login role cannot switch to it
//!   (a hosted database without `CREATEROLE`), `POST /ask` stays off and the
//!   log says why, unless `ATTENDANCE_QA_ACCEPT_LOGIN_ROLE=1` accepts running
//!   the model's queries as the login role, with all its rights.
//! - `ATTENDANCE_ASK_MODE`: `sql` (default: the model writes SQL), `plan`
//!   (the model fills a typed query plan and the library writes the SQL)
//!   or `auto` (a plan first, free SQL when no plan fits and
//!   `ATTENDANCE_ASK_FREE_SQL` allows it: `on`/`off`, unset on for a hosted
//!   model and off for one at a loopback or private address).
//! - `ATTENDANCE_ASK_PHRASING`: `model` (the model phrases answers from
//!   their rows) or `rows` (the rows rendered); unset, the model phrases
//!   unless it is at a loopback or private address.
//! - `HEADER_READ_TIMEOUT_SECS`, `IDLE_TIMEOUT_SECS`, `MAX_CONNECTIONS`:
//!   connection limits (see `attendance_http::ServeConfig`); defaults 10,
//!   60 and 1024.
//! - `ATTENDANCE_AUTH=off`: no authentication, every request acts as an
//!   admin; for local development only, and the server warns at start.
//!   Nothing else turns authentication off; any other value is an error.
//! - `ATTENDANCE_WEBHOOKS_ALLOW_PRIVATE=1`: the webhook worker (which runs
//!   beside the server, over the same database) may also deliver to
//!   loopback and private-network addresses, for a receiver on this machine
//!   or network; local testing only, and the server warns at start. Without
//!   it, deliveries go to public addresses only (link-local never).
//! - `ATTENDANCE_WEB_SECURE_COOKIE`: `1` marks the web app's session cookie
//!   `Secure` (HTTPS only), `0` does not; default `1` unless `BIND_ADDR` is
//!   a loopback address, where the browser talks plain HTTP to this
//!   machine. Behind a TLS proxy, leave it at `1`.
//! - `ATTENDANCE_WEB_ASSETS=DIR`: serve the web app's files from `DIR`
//!   (such as `attendance-http/web`) instead of the copies built in: edit,
//!   reload. For working on the app.
//! - `RUST_LOG`: log filter; default `info`. Logs go to stderr.
//! - `TOKIO_WORKER_THREADS` (read by tokio): worker threads, one per core by
//!   default. On a small machine that PostgreSQL shares, one worker costs
//!   less CPU per request: `benches/vs-pgbench.sh` runs the server that way.

use std::collections::HashMap;
use std::error::Error;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use attendance::core::access::Identity;
use attendance::core::ask::{AskConfig, AskMode, SqlRunner};
use attendance::core::error::BoxError;
use attendance::core::llm::ChatModel;
use attendance::core::tokens::{TokenId, TokenInfo, TokenService};
use attendance::http::web::{SessionConfig, WebApp, WebConfig, WebSessions};
use attendance::http::{
    AuthOff, Authenticator, BearerAuthenticator, EnvelopeLayer, HttpConfig, ServeConfig,
    TenantApps, TenantConfig,
};
use attendance::llm::{ConfigError, OpenAiClient, OpenAiConfig};
use attendance::pg::{PgConfig, PgSqlRunner, PgStore, qa};
use attendance::webhooks::{AddressPolicy, Deliverer, DeliveryConfig};
use attendance::{App, EmployeeId, Error as CoreError, Services};
use axum::Router;
use chrono::{TimeDelta, Utc};
use clap::{Parser, Subcommand};
use tower_http::compression::CompressionLayer;
use tracing_subscriber::EnvFilter;

type Failure = Box<dyn Error + Send + Sync>;

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        // stdout is for what a command prints (a token), and nothing else.
        .with_writer(std::io::stderr)
        .init();
    // Usage errors exit with 2, `--help` with 0 (clap's convention).
    let outcome = match Cli::parse().command {
        None => serve().await,
        Some(Command::Token { tenant, command }) => token(tenant.as_deref(), command).await,
        Some(Command::Tenant(command)) => tenant(command).await,
    };
    if let Err(err) = outcome {
        let mut message = err.to_string();
        let mut source = err.source();
        while let Some(cause) = source {
            message.push_str(&format!(": {cause}"));
            source = cause.source();
        }
        tracing::error!("{message}");
        eprintln!("error: {message}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

/// Without a command: serve the API (see the environment in the docs).
async fn serve() -> Result<(), Failure> {
    let bind = std::env::var("BIND_ADDR").unwrap_or_else(|_| "127.0.0.1:8080".to_owned());
    let addr: SocketAddr = bind
        .parse()
        .map_err(|_| format!("BIND_ADDR {bind:?} is not an address such as 127.0.0.1:8080"))?;
    let pg = migrated_store().await?;
    // One signal stops the server and every tenant's webhook worker.
    let (stop, stopping) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        attendance::http::shutdown_signal().await;
        let _ = stop.send(true);
    });
    let tenants = Arc::new(Tenants {
        pg: pg.clone(),
        model: chat_model()?,
        web: web_config(&addr)?,
        delivery: delivery_config()?,
        stopping: stopping.clone(),
        started: Mutex::default(),
    });
    let default = tenants.router_of(pg).await?;
    // The app and the API share the root: the app's paths (`/`, `/assets/…`,
    // `/session`) are none of the API's.
    let router = attendance::http::by_tenant(default, tenants.clone(), TenantConfig::default())
        // Responses to clients that accept gzip are gzipped (JSON and the
        // CSV export alike; the web app's assets come gzipped already).
        .layer(CompressionLayer::new().gzip(true))
        .layer(EnvelopeLayer);
    let listener = tokio::net::TcpListener::bind(addr).await?;
    tracing::info!(
        "listening on http://{}: the web app at /, OpenAPI at /openapi.json",
        listener.local_addr()?
    );
    let limits = serve_config()?;
    tracing::info!(?limits, "connection limits");
    attendance::http::serve_with(listener, router, &limits, stopped(stopping)).await?;
    let workers = std::mem::take(&mut *tenants.started.lock().unwrap_or_else(|e| e.into_inner()));
    for (tenant, worker) in workers {
        if let Err(err) = worker.await {
            tracing::error!(%tenant, error = %err, "a webhook worker did not stop cleanly");
        }
    }
    tracing::info!("stopped");
    Ok(())
}

/// Every tenant's router, built when its first request comes: the same
/// composition over the tenant's store, which shares the default store's
/// connections. A tenant's periodic work and webhook worker start with its
/// first router and run until the server stops.
struct Tenants {
    pg: PgStore,
    model: Option<Arc<dyn ChatModel>>,
    web: (WebConfig, bool),
    delivery: DeliveryConfig,
    stopping: tokio::sync::watch::Receiver<bool>,
    /// The tenants whose workers run, with the webhook worker's handle.
    started: Mutex<HashMap<String, tokio::task::JoinHandle<()>>>,
}

#[async_trait]
impl TenantApps for Tenants {
    async fn router(&self, name: &str) -> Result<Option<Router>, BoxError> {
        match self.pg.served_tenant(name).await? {
            Some(tenant) => Ok(Some(self.router_of(self.pg.for_tenant(tenant)).await?)),
            None => Ok(None),
        }
    }

    async fn is_served(&self, name: &str) -> Result<bool, BoxError> {
        Ok(self.pg.served_tenant(name).await?.is_some())
    }
}

impl Tenants {
    /// The API and the web app over `pg`, for `pg`'s tenant.
    async fn router_of(&self, pg: PgStore) -> Result<Router, Failure> {
        let mut app = App::builder(Arc::new(pg.clone()));
        if let Some(model) = &self.model {
            app = app.chat_model(model.clone());
            if let Some(runner) = sql_runner(&pg).await? {
                app = app
                    .sql_runner(runner, qa::catalog())
                    .ask_config(ask_config()?)
                    .plan_examples(qa::plan_examples());
            }
        }
        let app = app.build();
        let name = pg.tenant().name().to_owned();
        {
            let mut started = self.started.lock().unwrap_or_else(|e| e.into_inner());
            if let std::collections::hash_map::Entry::Vacant(entry) = started.entry(name) {
                tokio::spawn(app.maintenance(tokio::time::sleep));
                let deliverer = Deliverer::new(Arc::new(pg.clone()), self.delivery.clone())?;
                entry.insert(tokio::spawn(deliverer.run(stopped(self.stopping.clone()))));
            }
        }
        let (authenticator, web) = authenticator(&pg, &app, self.web.clone())?;
        let services = Services::from(app).with_authenticator(authenticator);
        Ok(
            attendance::http::router_without_envelope(services, &HttpConfig::default())
                .merge(web.router()),
        )
    }
}

/// The web app's settings from `ATTENDANCE_WEB_ASSETS` and
/// `ATTENDANCE_WEB_SECURE_COOKIE` (see the module docs), with whether the
/// session cookie is `Secure`.
fn web_config(addr: &SocketAddr) -> Result<(WebConfig, bool), Failure> {
    const SECURE: &str = "ATTENDANCE_WEB_SECURE_COOKIE";
    let secure = match std::env::var(SECURE) {
        Err(std::env::VarError::NotPresent) => !addr.ip().is_loopback(),
        Ok(value) if value == "1" => true,
        Ok(value) if value == "0" => false,
        Ok(value) => return Err(format!("{SECURE}={value:?}: the values are 1 and 0").into()),
        Err(err) => return Err(format!("{SECURE}: {err}").into()),
    };
    if !secure && !addr.ip().is_loopback() {
        tracing::warn!(
            "{SECURE}=0 on a non-loopback address: the session cookie may travel over plain HTTP"
        );
    }
    let mut config = WebConfig::default();
    if let Some(dir) = std::env::var_os("ATTENDANCE_WEB_ASSETS") {
        tracing::info!(dir = %std::path::Path::new(&dir).display(), "serving the web app's files from disk");
        config = config.with_assets_dir(dir);
    }
    Ok((config, secure))
}

/// Completes once the shutdown signal has come.
async fn stopped(mut stopping: tokio::sync::watch::Receiver<bool>) {
    // An error means the sender is gone, which only happens after sending.
    let _ = stopping.wait_for(|stop| *stop).await;
}

/// The webhook worker's settings: public addresses only, unless
/// `ATTENDANCE_WEBHOOKS_ALLOW_PRIVATE=1` (and only that; `0` is the
/// default) also allows loopback and private networks.
fn delivery_config() -> Result<DeliveryConfig, Failure> {
    const VAR: &str = "ATTENDANCE_WEBHOOKS_ALLOW_PRIVATE";
    let open = match std::env::var(VAR) {
        Err(std::env::VarError::NotPresent) => false,
        Ok(value) if value == "0" => false,
        Ok(value) if value == "1" => true,
        Ok(value) => {
            return Err(format!("{VAR}={value:?}: the values are 1 (allow) and 0").into());
        }
        Err(err) => return Err(format!("{VAR}: {err}").into()),
    };
    let mut policy = AddressPolicy::public_only();
    if open {
        tracing::warn!(
            "{VAR}=1: webhooks may be delivered to loopback and private-network addresses. \
             For local testing only; an admin's endpoint URL can then reach this network"
        );
        policy = policy.allow_loopback(true).allow_private(true);
    }
    Ok(DeliveryConfig::new().with_address_policy(policy))
}

#[derive(Parser)]
#[command(name = "server", about = "The attendance HTTP API, and its tokens")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Manage API tokens, against DATABASE_URL.
    Token {
        /// The tenant whose tokens these are; default: the default tenant.
        #[arg(long, global = true, value_name = "NAME")]
        tenant: Option<String>,
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Manage tenants (companies, each in a schema of its own), against
    /// DATABASE_URL.
    #[command(subcommand)]
    Tenant(TenantCommand),
}

#[derive(Subcommand)]
enum TenantCommand {
    /// Create a tenant: its schema, migrations and Q&A role. Rerun it
    /// after a failure to finish what was started.
    Create {
        /// Lower-case letters, digits and underscores, starting with a letter.
        name: String,
    },
    /// List the tenants ready to serve.
    List,
    /// Drop a tenant and all its data; its tokens stop working.
    Drop {
        /// The tenant's name.
        name: String,
    },
}

/// `server tenant …`: against `DATABASE_URL`, migrated first.
async fn tenant(command: TenantCommand) -> Result<(), Failure> {
    let pg = migrated_store().await?;
    match command {
        TenantCommand::Create { name } => {
            let tenant = pg.create_tenant(&name).await?;
            tracing::info!(%tenant, schema = tenant.schema(), "tenant created");
            println!("{tenant}");
        }
        TenantCommand::List => {
            for tenant in pg.tenants().await? {
                println!("{tenant}\t{}", tenant.schema());
            }
        }
        TenantCommand::Drop { name } => {
            pg.drop_tenant(&name).await?;
            tracing::info!(tenant = %name, "tenant dropped");
        }
    }
    Ok(())
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create a token and print it (it is shown this once).
    Create {
        /// For an admin.
        #[arg(
            long,
            required_unless_present = "employee",
            conflicts_with = "employee"
        )]
        admin: bool,
        /// The admin's name in the audit trail.
        #[arg(long, requires = "admin", value_name = "NAME")]
        name: Option<String>,
        /// For the employee with this id.
        #[arg(long, value_name = "ID")]
        employee: Option<i64>,
        /// Expire after this many days (whole number above 0).
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
        expires_days: Option<u32>,
    },
    /// List the tokens, never their secrets.
    List,
    /// Revoke a token; servers stop accepting it within seconds.
    Revoke {
        /// The token's id, as `token list` shows it.
        id: i64,
    },
}

/// `server token …`: against `DATABASE_URL`, migrated first.
async fn token(tenant: Option<&str>, command: TokenCommand) -> Result<(), Failure> {
    let mut pg = migrated_store().await?;
    // A tenant's token is written with its name, so the server knows where
    // to look it up.
    let mut prefix = String::new();
    if let Some(name) = tenant {
        let tenant = pg.find_tenant(name).await?;
        if !tenant.is_default() {
            prefix = format!("{tenant}.");
        }
        pg = pg.for_tenant(tenant);
    }
    let tokens = TokenService::new(Arc::new(pg.tokens()));
    match command {
        TokenCommand::Create {
            admin: _,
            name,
            employee,
            expires_days,
        } => {
            let identity = match employee {
                Some(id) => Identity::Employee { id: EmployeeId(id) },
                // Without --employee, clap has required --admin.
                None => Identity::Admin {
                    name: name.unwrap_or_else(|| "admin".to_owned()),
                },
            };
            let expires_at = expires_days.map(|d| Utc::now() + TimeDelta::days(i64::from(d)));
            let created = tokens.create(&identity, expires_at).await;
            let (info, secret) = created.map_err(|err| match err {
                CoreError::NotFound { .. } => format!("cannot create the token: {err}"),
                other => other.to_string(),
            })?;
            tracing::info!(token = %info.id, identity = %describe(&info), "token created");
            // The secret is shown this once; only its hash is kept.
            println!("{prefix}{}", secret.expose());
        }
        TokenCommand::List => {
            println!("id\tfor\tcreated\texpires\tlast used\trevoked");
            let when = |t: Option<chrono::DateTime<Utc>>| {
                t.map_or_else(
                    || "-".to_owned(),
                    |t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
                )
            };
            for info in tokens.list().await? {
                let (created, expires) = (when(Some(info.created_at)), when(info.expires_at));
                let (used, revoked) = (when(info.last_used_at), when(info.revoked_at));
                let who = describe(&info);
                println!(
                    "{}\t{who}\t{created}\t{expires}\t{used}\t{revoked}",
                    info.id
                );
            }
        }
        TokenCommand::Revoke { id } => {
            let info = tokens.revoke(TokenId(id)).await?;
            tracing::info!(token = %info.id, "token revoked; servers stop accepting it within seconds");
        }
    }
    Ok(())
}

fn describe(info: &TokenInfo) -> String {
    match &info.identity {
        Identity::Admin { name } => format!("admin {name}"),
        Identity::Employee { id } => format!("employee {id}"),
    }
}

/// The store at `DATABASE_URL`, migrated.
async fn migrated_store() -> Result<PgStore, Failure> {
    let url = std::env::var("DATABASE_URL").map_err(|_| {
        "DATABASE_URL is not set; point it at PostgreSQL, for example \
         DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres"
    })?;
    let store = PgStore::connect(&PgConfig::new(url)).await?;
    store.migrate().await?;
    tracing::info!("database migrated");
    Ok(store)
}

/// Bearer tokens from the database, which also sign in to the web app,
/// unless `ATTENDANCE_AUTH=off` (and only that) turns authentication off.
fn authenticator(
    pg: &PgStore,
    app: &App,
    (config, secure_cookie): (WebConfig, bool),
) -> Result<(Arc<dyn Authenticator>, WebApp), Failure> {
    match std::env::var("ATTENDANCE_AUTH") {
        Err(std::env::VarError::NotPresent) => {
            let tokens = TokenService::new(Arc::new(pg.tokens()));
            let bearer = BearerAuthenticator::new(tokens, app.attendance.clone());
            let sessions = WebSessions::new(
                bearer,
                SessionConfig::default().with_secure_cookie(secure_cookie),
            );
            let web = WebApp::new(config).with_sign_in(sessions.clone());
            Ok((Arc::new(sessions), web))
        }
        Ok(value) if value == "off" => {
            tracing::warn!(
                "ATTENDANCE_AUTH=off: authentication is OFF and every request acts as an \
                 admin. For local development only; never expose this server"
            );
            Ok((Arc::new(AuthOff), WebApp::new(config)))
        }
        Ok(value) => Err(format!(
            "ATTENDANCE_AUTH={value:?}: the only value is `off` (for local development); \
             unset it to require tokens"
        )
        .into()),
        Err(err) => Err(format!("ATTENDANCE_AUTH: {err}").into()),
    }
}

/// The chat model from `OPENAI_*`, or `None` when no key is set for
/// OpenAI's own endpoint. Any other configuration problem stops the start.
fn chat_model() -> Result<Option<Arc<dyn ChatModel>>, Failure> {
    match OpenAiConfig::from_env() {
        Ok(config) => {
            let client = OpenAiClient::new(config)?;
            tracing::info!(model = %client.describe(), "summaries and questions use the LLM");
            Ok(Some(Arc::new(client)))
        }
        Err(ConfigError::MissingApiKey { .. }) => {
            tracing::warn!(
                "OPENAI_API_KEY is not set: summaries come from the template and POST /ask \
                 answers 503 (set OPENAI_API_KEY, or OPENAI_BASE_URL for a local server)"
            );
            Ok(None)
        }
        Err(err) => Err(err.into()),
    }
}

/// How questions are answered, from `ATTENDANCE_ASK_MODE` (`sql`, the
/// default; `plan`; `auto`), `ATTENDANCE_ASK_FREE_SQL` (`on` or `off`;
/// unset: on for a hosted model, off for one on a local address) and
/// `ATTENDANCE_ASK_PHRASING` (`model` or `rows`; unset: the model phrases
/// unless it is on a local address).
fn ask_config() -> Result<AskConfig, Failure> {
    let mut config = AskConfig::default();
    match std::env::var("ATTENDANCE_ASK_MODE").as_deref() {
        Err(_) | Ok("sql") => {}
        Ok("plan") => config = config.with_mode(AskMode::Plan),
        Ok("auto") => config = config.with_mode(AskMode::Auto),
        Ok(other) => {
            return Err(format!("ATTENDANCE_ASK_MODE {other:?} is not plan, sql or auto").into());
        }
    }
    match std::env::var("ATTENDANCE_ASK_FREE_SQL").as_deref() {
        Err(_) => {}
        Ok("on") => config = config.with_free_sql_fallback(true),
        Ok("off") => config = config.with_free_sql_fallback(false),
        Ok(other) => {
            return Err(format!("ATTENDANCE_ASK_FREE_SQL {other:?} is not on or off").into());
        }
    }
    match std::env::var("ATTENDANCE_ASK_PHRASING").as_deref() {
        Err(_) => {}
        Ok("model") => config = config.with_model_phrasing(true),
        Ok("rows") => config = config.with_model_phrasing(false),
        Ok(other) => {
            return Err(format!("ATTENDANCE_ASK_PHRASING {other:?} is not model or rows").into());
        }
    }
    Ok(config)
}

/// The runner of the model's queries, as `ATTENDANCE_QA_ROLE`; `None`
/// (and `POST /ask` off) when the login role cannot switch to it, unless
/// `ATTENDANCE_QA_ACCEPT_LOGIN_ROLE=1` accepts the risk.
async fn sql_runner(pg: &PgStore) -> Result<Option<Arc<dyn SqlRunner>>, Failure> {
    let mut runner = PgSqlRunner::for_store(pg);
    if let Ok(role) = std::env::var("ATTENDANCE_QA_ROLE")
        && pg.tenant().is_default()
    {
        runner = runner.with_role(&role)?;
    }
    let accept_login_role =
        std::env::var("ATTENDANCE_QA_ACCEPT_LOGIN_ROLE").is_ok_and(|v| v == "1");
    Ok(match runner.check_role().await {
        Ok(()) => Some(Arc::new(runner)),
        Err(err) if accept_login_role => {
            tracing::warn!(
                "{err}; ATTENDANCE_QA_ACCEPT_LOGIN_ROLE=1: the model's queries run as the \
                 login role, with all its rights"
            );
            Some(Arc::new(runner.without_role_accepting_the_risk()))
        }
        Err(err) => {
            tracing::error!(
                "POST /ask is off: {err}. Grant the role, or set \
                 ATTENDANCE_QA_ACCEPT_LOGIN_ROLE=1 to run the model's queries as the login \
                 role (not recommended)"
            );
            None
        }
    })
}

/// The connection limits, from the environment where set.
fn serve_config() -> Result<ServeConfig, Failure> {
    let mut config = ServeConfig::default();
    if let Some(secs) = env_number("HEADER_READ_TIMEOUT_SECS")? {
        config = config.with_header_read_timeout(Duration::from_secs(secs));
    }
    if let Some(secs) = env_number("IDLE_TIMEOUT_SECS")? {
        config = config.with_idle_timeout(Duration::from_secs(secs));
    }
    if let Some(max) = env_number("MAX_CONNECTIONS")? {
        config = config.with_max_connections(usize::try_from(max)?);
    }
    Ok(config)
}

/// A whole number above 0 from the environment variable `name`, if set.
fn env_number(name: &str) -> Result<Option<u64>, Failure> {
    match std::env::var(name) {
        Ok(value) => match value.trim().parse::<u64>() {
            Ok(n) if n > 0 => Ok(Some(n)),
            _ => Err(format!("{name} {value:?} is not a whole number above 0").into()),
        },
        Err(_) => Ok(None),
    }
}
