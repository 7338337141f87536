//! `DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres cargo run --example server`
//!
//! The attendance HTTP API as a complete service: PostgreSQL (migrated on
//! start), bearer-token authentication, summaries, questions in plain
//! language, OpenAPI at `/openapi.json`, graceful shutdown on Ctrl-C and
//! SIGTERM.
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
//! `Authorization: Bearer att_…`.
//!
//! Environment:
//! - `DATABASE_URL` (required): the PostgreSQL database.
//! - `BIND_ADDR`: where to listen; default `127.0.0.1:8080`.
//! - `OPENAI_API_KEY`, `OPENAI_BASE_URL`, `OPENAI_MODEL`: the chat model
//!   (any OpenAI-compatible server). Without a key for OpenAI's own URL the
//!   server still runs: summaries come from the template and `POST /ask`
//!   answers 503 "the LLM is not configured".
//! - `ATTENDANCE_QA_ROLE`: the database role the model's queries run as;
//!   default `attendance_qa`, which the migrations create and grant (see
//!   `attendance_pg::qa::QA_ROLE`). If the login role cannot switch to it
//!   (a hosted database without `CREATEROLE`), `POST /ask` stays off and the
//!   log says why, unless `ATTENDANCE_QA_ACCEPT_LOGIN_ROLE=1` accepts running
//!   the model's queries as the login role, with all its rights.
//! - `HEADER_READ_TIMEOUT_SECS`, `IDLE_TIMEOUT_SECS`, `MAX_CONNECTIONS`:
//!   connection limits (see `attendance_http::ServeConfig`); defaults 10,
//!   60 and 1024.
//! - `ATTENDANCE_AUTH=off`: no authentication, every request acts as an
//!   admin; for local development only, and the server warns at start.
//!   Nothing else turns authentication off; any other value is an error.
//! - `RUST_LOG`: log filter; default `info`. Logs go to stderr.
//! - `TOKIO_WORKER_THREADS` (read by tokio): worker threads, one per core by
//!   default. On a small machine that PostgreSQL shares, one worker costs
//!   less CPU per request: `benches/vs-pgbench.sh` runs the server that way.

use std::error::Error;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use attendance::core::access::Identity;
use attendance::core::ask::AskService;
use attendance::core::llm::ChatModel;
use attendance::core::service::{AttendanceService, TrendService};
use attendance::core::store::{AnalyticsStore, HealthCheck, Store};
use attendance::core::summary::SummaryService;
use attendance::core::tokens::{TokenInfo, TokenService};
use attendance::core::{EmployeeId, Error as CoreError};
use attendance::http::{
    AuthOff, Authenticator, BearerAuthenticator, HttpConfig, ServeConfig, Services,
};
use attendance::llm::{ConfigError, OpenAiClient, OpenAiConfig};
use attendance::pg::{PgConfig, PgSqlRunner, PgStore, qa};
use chrono::{TimeDelta, Utc};
use tracing_subscriber::EnvFilter;

const DEFAULT_BIND_ADDR: &str = "127.0.0.1:8080";

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        // stdout is for what a command prints (a token), and nothing else.
        .with_writer(std::io::stderr)
        .init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = match Command::parse(&args) {
        Ok(command) => command,
        Err(message) => {
            eprintln!("error: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let outcome = match command {
        Command::Help => {
            println!("{USAGE}");
            Ok(())
        }
        Command::Serve => run().await,
        Command::Token(command) => token(command).await,
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            let mut message = err.to_string();
            let mut source = err.source();
            while let Some(cause) = source {
                message.push_str(": ");
                message.push_str(&cause.to_string());
                source = cause.source();
            }
            tracing::error!("{message}");
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

const USAGE: &str = "usage:
  server                                    serve the API (see the environment in the docs)
  server token create --admin [--name NAME] [--expires-days N]
  server token create --employee ID [--expires-days N]
  server token list
  server token revoke ID";

/// What the command line asks for.
#[derive(Debug, PartialEq, Eq)]
enum Command {
    Serve,
    Help,
    Token(TokenCommand),
}

#[derive(Debug, PartialEq, Eq)]
enum TokenCommand {
    Create {
        identity: Identity,
        expires_days: Option<u32>,
    },
    List,
    Revoke(i64),
}

impl Command {
    fn parse(args: &[String]) -> Result<Self, String> {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        match args.as_slice() {
            [] => Ok(Self::Serve),
            ["help" | "--help" | "-h"] => Ok(Self::Help),
            ["token", "list"] => Ok(Self::Token(TokenCommand::List)),
            ["token", "revoke", id] => id
                .parse()
                .map(|id| Self::Token(TokenCommand::Revoke(id)))
                .map_err(|_| format!("{id:?} is not a token id")),
            ["token", "create", rest @ ..] => parse_create(rest).map(Self::Token),
            _ => Err(format!("unknown command: {}", args.join(" "))),
        }
    }
}

fn parse_create(mut rest: &[&str]) -> Result<TokenCommand, String> {
    let (mut admin, mut employee, mut name, mut expires_days) = (false, None, None, None);
    while let [flag, tail @ ..] = rest {
        let value = |tail: &[&str]| {
            tail.first()
                .map(|v| (*v).to_owned())
                .ok_or(format!("{flag} needs a value"))
        };
        match *flag {
            "--admin" => {
                admin = true;
                rest = tail;
                continue;
            }
            "--employee" => {
                let id = value(tail)?;
                employee = Some(
                    id.parse::<i64>()
                        .map_err(|_| format!("{id:?} is not an employee id"))?,
                );
            }
            "--name" => name = Some(value(tail)?),
            "--expires-days" => {
                let days = value(tail)?;
                expires_days = Some(days.parse::<u32>().ok().filter(|d| *d > 0).ok_or(format!(
                    "--expires-days {days:?} is not a whole number above 0"
                ))?);
            }
            other => return Err(format!("unknown option {other}")),
        }
        rest = tail.get(1..).unwrap_or_default();
    }
    let identity = match (admin, employee, name) {
        (true, None, name) => Identity::Admin {
            name: name.unwrap_or_else(|| "admin".to_owned()),
        },
        (false, Some(id), None) => Identity::Employee { id: EmployeeId(id) },
        (false, Some(_), Some(_)) => return Err("--name is for --admin tokens".to_owned()),
        _ => return Err("say whom the token is for: --admin or --employee ID".to_owned()),
    };
    Ok(TokenCommand::Create {
        identity,
        expires_days,
    })
}

/// `server token …`: against `DATABASE_URL`, migrated first.
async fn token(command: TokenCommand) -> Result<(), Box<dyn Error>> {
    let store = PgStore::connect(&PgConfig::new(database_url()?)).await?;
    store.migrate().await?;
    let tokens = TokenService::new(Arc::new(store.tokens()));
    match command {
        TokenCommand::Create {
            identity,
            expires_days,
        } => {
            let expires_at = expires_days.map(|d| Utc::now() + TimeDelta::days(i64::from(d)));
            let (info, secret) =
                tokens
                    .create(&identity, expires_at)
                    .await
                    .map_err(|err| match err {
                        CoreError::NotFound { .. } => format!("cannot create the token: {err}"),
                        other => other.to_string(),
                    })?;
            tracing::info!(token = %info.id, identity = %describe(&info), "token created");
            // The secret is shown this once; only its hash is kept.
            println!("{}", secret.expose());
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
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}",
                    info.id,
                    describe(&info),
                    when(Some(info.created_at)),
                    when(info.expires_at),
                    when(info.last_used_at),
                    when(info.revoked_at),
                );
            }
        }
        TokenCommand::Revoke(id) => {
            let info = tokens.revoke(attendance::core::tokens::TokenId(id)).await?;
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

fn database_url() -> Result<String, Box<dyn Error>> {
    Ok(std::env::var("DATABASE_URL").map_err(|_| {
        "DATABASE_URL is not set; point it at PostgreSQL, for example \
         DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres"
    })?)
}

/// The authenticator: bearer tokens from the database, unless
/// `ATTENDANCE_AUTH=off` (and only that) turns authentication off.
fn authenticator(
    store: &PgStore,
    attendance: &AttendanceService,
) -> Result<Arc<dyn Authenticator>, Box<dyn Error>> {
    match std::env::var("ATTENDANCE_AUTH") {
        Err(std::env::VarError::NotPresent) => {}
        Ok(value) if value == "off" => {
            tracing::warn!(
                "ATTENDANCE_AUTH=off: authentication is OFF and every request acts as an \
                 admin. For local development only; never expose this server"
            );
            return Ok(Arc::new(AuthOff));
        }
        Ok(value) => {
            return Err(format!(
                "ATTENDANCE_AUTH={value:?}: the only value is `off` (for local development); \
                 unset it to require tokens"
            )
            .into());
        }
        Err(err) => return Err(format!("ATTENDANCE_AUTH: {err}").into()),
    }
    let tokens = TokenService::new(Arc::new(store.tokens()));
    Ok(Arc::new(BearerAuthenticator::new(
        tokens,
        attendance.clone(),
    )))
}

async fn run() -> Result<(), Box<dyn Error>> {
    let url = database_url()?;
    let bind = std::env::var("BIND_ADDR").unwrap_or_else(|_| DEFAULT_BIND_ADDR.to_owned());
    let addr: SocketAddr = bind
        .parse()
        .map_err(|_| format!("BIND_ADDR {bind:?} is not an address such as 127.0.0.1:8080"))?;

    let pg = PgStore::connect(&PgConfig::new(url)).await?;
    pg.migrate().await?;
    tracing::info!("database migrated");

    let model = chat_model()?;
    let store: Arc<dyn Store> = Arc::new(pg.clone());
    let analytics: Arc<dyn AnalyticsStore> = store.clone();
    let health: Arc<dyn HealthCheck> = store.clone();
    let attendance = AttendanceService::new(store.clone());
    let authenticator = authenticator(&pg, &attendance)?;
    tokio::spawn(forget_expired_keys(attendance.clone()));
    tokio::spawn(close_forgotten_sessions(attendance.clone()));
    let mut services = Services::new(
        attendance,
        TrendService::new(analytics),
        health,
        SummaryService::new(store, model.clone()),
    )
    .with_authenticator(authenticator);
    if let Some(model) = model {
        let mut runner = PgSqlRunner::for_store(&pg);
        if let Ok(role) = std::env::var("ATTENDANCE_QA_ROLE") {
            runner = runner.with_role(&role)?;
        }
        let accept_login_role =
            std::env::var("ATTENDANCE_QA_ACCEPT_LOGIN_ROLE").is_ok_and(|v| v == "1");
        let runner = match runner.check_role().await {
            Ok(()) => Some(runner),
            Err(err) if accept_login_role => {
                tracing::warn!(
                    "{err}; ATTENDANCE_QA_ACCEPT_LOGIN_ROLE=1: the model's queries run as the \
                     login role, with all its rights"
                );
                Some(runner.without_role_accepting_the_risk())
            }
            Err(err) => {
                tracing::error!(
                    "POST /ask is off: {err}. Grant the role, or set \
                     ATTENDANCE_QA_ACCEPT_LOGIN_ROLE=1 to run the model's queries as the login \
                     role (not recommended)"
                );
                None
            }
        };
        if let Some(runner) = runner {
            services = services.with_ask(AskService::new(model, Arc::new(runner), qa::catalog()));
        }
    }

    let app = attendance::http::router_with(services, &HttpConfig::default());
    let listener = tokio::net::TcpListener::bind(addr).await?;
    tracing::info!(
        "listening on http://{}; OpenAPI at /openapi.json",
        listener.local_addr()?
    );
    let limits = serve_config()?;
    tracing::info!(?limits, "connection limits");
    attendance::http::serve_with(listener, app, &limits, attendance::http::shutdown_signal())
        .await?;
    tracing::info!("stopped");
    Ok(())
}

/// Drops expired `Idempotency-Key`s once an hour, so their table holds
/// about a day of keyed writes.
async fn forget_expired_keys(attendance: AttendanceService) {
    let mut hourly = tokio::time::interval(Duration::from_secs(3600));
    loop {
        hourly.tick().await;
        match attendance.forget_expired_keys().await {
            Ok(0) => {}
            Ok(n) => tracing::info!(keys = n, "forgot expired idempotency keys"),
            Err(err) => tracing::warn!(%err, "could not forget expired idempotency keys"),
        }
    }
}

/// Applies the teams' forgotten clock-out policies once a minute, so a
/// session left open past its team's maximum is closed within a minute of it.
async fn close_forgotten_sessions(attendance: AttendanceService) {
    let mut every_minute = tokio::time::interval(Duration::from_secs(60));
    loop {
        every_minute.tick().await;
        match attendance.close_forgotten_sessions().await {
            Ok(closed) if closed.is_empty() => {}
            Ok(closed) => tracing::info!(sessions = closed.len(), "closed forgotten sessions"),
            Err(err) => tracing::warn!(%err, "could not close forgotten sessions"),
        }
    }
}

/// The connection limits, from the environment where set.
fn serve_config() -> Result<ServeConfig, Box<dyn Error>> {
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

/// A whole number from the environment variable `name`, if set.
fn env_number(name: &str) -> Result<Option<u64>, Box<dyn Error>> {
    match std::env::var(name) {
        Ok(value) => match value.trim().parse::<u64>() {
            Ok(n) if n > 0 => Ok(Some(n)),
            _ => Err(format!("{name} {value:?} is not a whole number above 0").into()),
        },
        Err(_) => Ok(None),
    }
}

/// The chat model from `OPENAI_*`, or `None` when no key is set for
/// OpenAI's own endpoint. Any other configuration problem stops the start.
fn chat_model() -> Result<Option<Arc<dyn ChatModel>>, Box<dyn Error>> {
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
