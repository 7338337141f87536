//! Measures how often question answering is right, with any
//! OpenAI-compatible model, on a question set about a fixed company.
//!
//! ```sh
//! DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
//! OPENAI_BASE_URL=http://127.0.0.1:8000/v1 OPENAI_MODEL=smollm2 \
//!     cargo run -p attendance-tools --bin qa_eval -- [--questions FILE] [--report FILE] [--compare OLD.json]
//! ```
//!
//! It seeds the seed tool's company at a small size into its own
//! database beside `DATABASE_URL` (`--database NAME`, default
//! `attendance_qa_eval`; reused when it already holds that company,
//! `--reseed` to rebuild it), asks every question through `AskService` with
//! "now" pinned at 2026-03-13 18:00 UTC, and scores the rows of the model's
//! query against those of the gold query (`tools/src/bin/qa_eval/eval.rs` says
//! how). It prints a table per category and writes a JSON report
//! (default `target/qa_eval/report.json`); `--compare OLD.json` lists the
//! questions that got better or worse since that report. `--split dev|test`
//! runs one half of the set, `--limit N` the first N questions. The
//! temperature is 0 so that a run can be repeated (`--temperature server`
//! leaves it to the server, for models that refuse one).
//!
//! The model comes from `OPENAI_BASE_URL`, `OPENAI_MODEL` and
//! `OPENAI_API_KEY`, as for the server. `scripts/local-model.sh` runs it
//! against a small local model.

use std::error::Error;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use attendance::llm::{OpenAiClient, OpenAiConfig};
use attendance::pg::{PgConfig, PgSqlRunner, PgStore, qa};
use indicatif::{ProgressBar, ProgressStyle};
use sqlx::{AssertSqlSafe, Connection, PgConnection};

mod eval;

use async_trait::async_trait;
use attendance::core::llm::{ChatModel, ChatRequest, ChatResponse, LlmError};
use eval::{Harness, Mode, Report, Split};

struct Args {
    questions: PathBuf,
    report: PathBuf,
    compare: Option<PathBuf>,
    database: String,
    reseed: bool,
    split: Option<Split>,
    limit: Option<usize>,
    modes: Vec<Mode>,
    /// `None`: the service's choice for the model.
    free_sql: Option<bool>,
    /// `None`: the server's default.
    temperature: Option<f32>,
}

const USAGE: &str = "usage: cargo run -p attendance-tools --bin qa_eval -- [--questions FILE] [--report FILE] \
[--compare OLD.json] [--database NAME] [--reseed] [--split dev|test] [--limit N] \
[--mode plan,sql,auto,baseline] [--free-sql on|off] [--temperature T|server]";

fn parse_args() -> Result<Args, String> {
    // Paths are relative to the workspace root, one above this package.
    let root = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
    let mut args = Args {
        questions: root.join(eval::QUESTIONS_FILE),
        report: root.join("target/qa_eval/report.json"),
        compare: None,
        database: "attendance_qa_eval".to_owned(),
        reseed: false,
        split: None,
        limit: None,
        modes: vec![Mode::Sql],
        free_sql: None,
        temperature: Some(0.0),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--questions" => args.questions = value()?.into(),
            "--report" => args.report = value()?.into(),
            "--compare" => args.compare = Some(value()?.into()),
            "--database" => {
                let name = value()?;
                // Spliced into CREATE/DROP DATABASE: a plain name only.
                if name.is_empty()
                    || name.len() > 63
                    || !name
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                {
                    return Err(format!(
                        "--database: {name:?} is not a plain lower-case name"
                    ));
                }
                args.database = name;
            }
            "--reseed" => args.reseed = true,
            "--split" => {
                args.split = Some(match value()?.as_str() {
                    "dev" => Split::Dev,
                    "test" => Split::Test,
                    other => return Err(format!("--split: {other:?} is not dev|test")),
                })
            }
            "--mode" => args.modes = Mode::parse_list(&value()?)?,
            "--free-sql" => {
                args.free_sql = match value()?.as_str() {
                    "on" => Some(true),
                    "off" => Some(false),
                    other => return Err(format!("--free-sql: {other:?} is not on|off")),
                }
            }
            "--limit" => args.limit = Some(value()?.parse().map_err(|e| format!("--limit: {e}"))?),
            "--temperature" => {
                args.temperature = match value()?.as_str() {
                    "server" => None,
                    t => Some(t.parse().map_err(|e| format!("--temperature: {e}"))?),
                }
            }
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown flag {other}")),
        }
    }
    Ok(args)
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("{message}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let Ok(url) = std::env::var("DATABASE_URL") else {
        eprintln!(
            "Set DATABASE_URL to a role that may CREATE DATABASE, e.g. \
             postgres://postgres@127.0.0.1:5432/postgres"
        );
        return ExitCode::from(2);
    };
    let baseline_only = args.modes.iter().all(|m| *m == Mode::Baseline);
    let config = match OpenAiConfig::from_env() {
        Ok(config) => Some(config),
        Err(_) if baseline_only => None,
        Err(e) => {
            eprintln!(
                "The chat model is not configured: {e}.\n\
                 Set OPENAI_BASE_URL and OPENAI_MODEL for a local OpenAI-compatible server \
                 (scripts/local-model.sh starts one), or OPENAI_API_KEY."
            );
            return ExitCode::from(2);
        }
    };
    match run(&url, config, args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("qa_eval failed: {e}");
            let mut source = e.source();
            while let Some(cause) = source {
                eprintln!("  caused by: {cause}");
                source = cause.source();
            }
            ExitCode::FAILURE
        }
    }
}

/// `url` with its database replaced by `database`.
fn with_database(url: &str, database: &str) -> Result<String, String> {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let rest = base
        .strip_prefix("postgres://")
        .or_else(|| base.strip_prefix("postgresql://"))
        .ok_or("DATABASE_URL must start with postgres://")?;
    let host = rest.split_once('/').map_or(rest, |(host, _)| host);
    let mut out = format!("postgres://{host}/{database}");
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    Ok(out)
}

/// Creates or reuses the evaluation database; returns its URL.
async fn prepare_database(url: &str, args: &Args) -> Result<String, Box<dyn Error>> {
    let mut admin = PgConnection::connect(url).await?;
    let label = eval::company_label();
    // The label of the company a database holds is its comment.
    let existing: Option<Option<String>> = sqlx::query_scalar(
        "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = $1",
    )
    .bind(&args.database)
    .fetch_optional(&mut admin)
    .await?;
    let target = with_database(url, &args.database)?;
    let reuse = !args.reseed && matches!(&existing, Some(Some(found)) if *found == label);
    if reuse {
        println!("reusing database {} ({label})", args.database);
        return Ok(target);
    }
    // The name was checked to be a plain identifier in parse_args.
    if existing.is_some() {
        sqlx::query(AssertSqlSafe(format!(
            "DROP DATABASE {} WITH (FORCE)",
            args.database
        )))
        .execute(&mut admin)
        .await?;
    }
    sqlx::query(AssertSqlSafe(format!("CREATE DATABASE {}", args.database)))
        .execute(&mut admin)
        .await?;
    let store = PgStore::connect(&PgConfig::new(target.clone()).max_connections(2)).await?;
    store.migrate().await?;
    let started = Instant::now();
    let sessions = eval::seed_company(&store).await?;
    sqlx::query(AssertSqlSafe(format!(
        "COMMENT ON DATABASE {} IS '{label}'",
        args.database
    )))
    .execute(&mut admin)
    .await?;
    println!(
        "seeded database {}: {sessions} sessions in {:.1} s ({label})",
        args.database,
        started.elapsed().as_secs_f64()
    );
    Ok(target)
}

/// The model of a run that needs none (`--mode baseline`): never called.
struct NoModel;

#[async_trait]
impl ChatModel for NoModel {
    async fn chat(&self, _: ChatRequest) -> Result<ChatResponse, LlmError> {
        Err(LlmError::NotConfigured {
            hint: "--mode baseline asks no model".to_owned(),
        })
    }

    fn describe(&self) -> String {
        "none".to_owned()
    }
}

async fn run(url: &str, config: Option<OpenAiConfig>, args: Args) -> Result<(), Box<dyn Error>> {
    let text = std::fs::read_to_string(&args.questions)
        .map_err(|e| format!("{}: {e}", args.questions.display()))?;
    let mut questions = eval::select(eval::parse_questions(&text)?, args.split);
    if let Some(limit) = args.limit {
        questions.truncate(limit);
    }
    let target = prepare_database(url, &args).await?;
    let store = PgStore::connect(&PgConfig::new(target).max_connections(4)).await?;
    let model: Arc<dyn ChatModel> = match config {
        Some(config) => Arc::new(OpenAiClient::new(match args.temperature {
            Some(t) => config.with_temperature(t),
            None => config,
        })?),
        None => Arc::new(NoModel),
    };
    let described = model.describe();
    let mut harness = Harness::new(
        model,
        Arc::new(PgSqlRunner::new(store.pool().clone())),
        qa::catalog(),
    )
    .with_plans()
    .await?;
    harness.free_sql_fallback = args.free_sql;

    let modes: Vec<&str> = args.modes.iter().map(|m| m.as_str()).collect();
    println!(
        "{} questions, modes {}, model {described}",
        questions.len(),
        modes.join(",")
    );
    let total = questions.len() * args.modes.len();
    let bar = ProgressBar::new(total as u64).with_style(ProgressStyle::with_template(
        "[{elapsed_precise}] {wide_bar} {pos}/{len} {msg}",
    )?);
    bar.enable_steady_tick(Duration::from_millis(200));
    let started_at = chrono::Utc::now().to_rfc3339();
    let started = Instant::now();
    if let Some(parent) = args.report.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let report_of = |results: &[eval::QuestionResult]| Report {
        model: described.clone(),
        questions_file: args.questions.display().to_string(),
        company: eval::company_label(),
        now: eval::NOW.to_owned(),
        started_at: started_at.clone(),
        seconds: started.elapsed().as_secs_f64(),
        summary: eval::summarize(results),
        results: results.to_vec(),
    };
    let mut results = Vec::with_capacity(total);
    for &mode in &args.modes {
        let mut right = 0;
        for q in &questions {
            bar.set_message(format!("{}: {right} right; {}", mode.as_str(), q.id));
            let result = harness.run(q, mode).await;
            right += usize::from(result.correct);
            results.push(result);
            bar.inc(1);
            // A long run that is stopped keeps what it asked.
            std::fs::write(
                &args.report,
                serde_json::to_string_pretty(&report_of(&results))?,
            )?;
        }
    }
    bar.finish_and_clear();

    let report = report_of(&results);
    println!("\n{}", eval::render_table(&report.summary));
    println!("report: {}", args.report.display());
    if let Some(path) = &args.compare {
        let old: Report = serde_json::from_str(
            &std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?,
        )?;
        println!(
            "\ncompared with {}:\n{}",
            path.display(),
            eval::compare(&old, &report)
        );
    }
    Ok(())
}
