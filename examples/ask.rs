//! Ask a question of the attendance data in plain language.
//!
//! ```sh
//! DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres OPENAI_API_KEY=sk-... \
//!     cargo run --example ask -- "Who worked from home most last week?"
//! ```
//!
//! Reads `DATABASE_URL` and `OPENAI_API_KEY`, `OPENAI_BASE_URL`,
//! `OPENAI_MODEL` (any OpenAI-compatible server: set the base URL and model
//! for Ollama, vLLM or llama.cpp; a local server needs no key). Optional:
//! `ATTENDANCE_QA_ROLE`, a role limited to the Q&A views (see
//! `attendance-pg/migrations/0002_qa_views.sql`). Prints the SQL the model
//! wrote, the rows and the answer.

use std::process::ExitCode;
use std::sync::Arc;

use attendance::core::access::Principal;
use attendance::core::ask::AskService;
use attendance::llm::{OpenAiClient, OpenAiConfig};
use attendance::pg::{PgConfig, PgSqlRunner, PgStore, qa};

#[tokio::main]
async fn main() -> ExitCode {
    let question = std::env::args().skip(1).collect::<Vec<_>>().join(" ");
    if question.trim().is_empty() {
        eprintln!("usage: cargo run --example ask -- \"Who worked from home most last week?\"");
        return ExitCode::from(2);
    }
    let Ok(url) = std::env::var("DATABASE_URL") else {
        eprintln!(
            "Set DATABASE_URL to the attendance database, e.g. postgres://postgres@127.0.0.1:5432/postgres"
        );
        return ExitCode::from(2);
    };
    let config = match OpenAiConfig::from_env() {
        Ok(config) => config,
        Err(e) => {
            eprintln!(
                "The chat model is not configured: {e}.\n\
                 Set OPENAI_API_KEY (and optionally OPENAI_MODEL), or OPENAI_BASE_URL and \
                 OPENAI_MODEL for a local OpenAI-compatible server such as Ollama \
                 (OPENAI_BASE_URL=http://localhost:11434/v1 OPENAI_MODEL=llama3.1)."
            );
            return ExitCode::from(2);
        }
    };
    match run(&url, config, &question).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            let mut source = e.source();
            while let Some(cause) = source {
                eprintln!("  caused by: {cause}");
                source = cause.source();
            }
            ExitCode::FAILURE
        }
    }
}

async fn run(
    url: &str,
    config: OpenAiConfig,
    question: &str,
) -> Result<(), Box<dyn std::error::Error>> {
    let store = PgStore::connect(&PgConfig::new(url)).await?;
    store.migrate().await?;
    let mut runner = PgSqlRunner::for_store(&store);
    if let Ok(role) = std::env::var("ATTENDANCE_QA_ROLE") {
        runner = runner.with_role(&role)?;
    }
    let model = OpenAiClient::new(config)?;
    let ask = AskService::new(Arc::new(model), Arc::new(runner), qa::catalog());
    let answer = ask.acting_as(&Principal::system()).ask(question).await?;

    println!("SQL ({} attempt(s)):\n  {}\n", answer.attempts, answer.sql);
    let cells: Vec<Vec<String>> = answer
        .rows
        .iter()
        .take(20)
        .map(|row| {
            row.iter()
                .map(|v| match v {
                    serde_json::Value::String(s) => s.clone(),
                    serde_json::Value::Null => "-".to_owned(),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect();
    let widths: Vec<usize> = answer
        .columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            cells
                .iter()
                .map(|r| r.get(i).map_or(0, |s| s.chars().count()))
                .chain([c.chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |values: Vec<&str>| {
        values
            .iter()
            .zip(&widths)
            .map(|(v, w)| format!("{v:<w$}"))
            .collect::<Vec<_>>()
            .join("  ")
    };
    println!(
        "{}",
        line(answer.columns.iter().map(String::as_str).collect())
    );
    for row in &cells {
        println!("{}", line(row.iter().map(String::as_str).collect()));
    }
    if answer.rows.len() > cells.len() {
        println!("… {} more rows", answer.rows.len() - cells.len());
    }
    println!(
        "\n{}\n\n({} tokens)",
        answer.text, answer.usage.total_tokens
    );
    Ok(())
}
