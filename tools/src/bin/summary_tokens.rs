//! Measures what a summary sends the model, on a seeded company: the
//! company's and one team's daily and weekly summaries.
//!
//! ```sh
//! DATABASE_URL=postgres://postgres@127.0.0.1:5432/attendance_bench \
//!     cargo run -p attendance-tools --bin summary_tokens -- --date 2026-03-10 [--team "Sales Berlin"]
//! ```
//!
//! For each summary it prints the size of the whole facts (what the answer
//! carries), the tokens of the request the model gets (a quarter of its
//! bytes), and, when `OPENAI_BASE_URL`/`OPENAI_MODEL` name a model, the
//! prompt tokens the model reports and who wrote the text. Without a
//! model, the template writes every text and only the request is measured.

use std::error::Error;
use std::process::ExitCode;
use std::sync::{Arc, Mutex, PoisonError};

use async_trait::async_trait;
use attendance::core::access::Principal;
use attendance::core::domain::IsoWeek;
use attendance::core::llm::{ChatModel, ChatRequest, ChatResponse, LlmError};
use attendance::core::store::Store;
use attendance::core::summary::SummaryService;
use attendance::llm::{OpenAiClient, OpenAiConfig};
use attendance::pg::{PgConfig, PgStore};
use chrono::{Datelike, NaiveDate};

/// Records the size of each request, and the usage the model reports.
struct Recorder {
    inner: Option<OpenAiClient>,
    /// (estimated tokens sent, prompt tokens reported).
    seen: Mutex<Vec<(usize, Option<u64>)>>,
}

#[async_trait]
impl ChatModel for Recorder {
    async fn chat(&self, request: ChatRequest) -> Result<ChatResponse, LlmError> {
        let bytes: usize = request.messages.iter().map(|m| m.content.len()).sum();
        let estimated = bytes.div_ceil(4);
        let result = match &self.inner {
            Some(model) => model.chat(request).await,
            None => Err(LlmError::NotConfigured {
                hint: "set OPENAI_BASE_URL and OPENAI_MODEL to ask a model".to_owned(),
            }),
        };
        let reported = result.as_ref().ok().map(|r| r.usage.prompt_tokens);
        self.seen
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push((estimated, reported));
        result
    }
}

impl Recorder {
    fn last(&self) -> (usize, Option<u64>) {
        self.seen
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .last()
            .copied()
            .unwrap_or_default()
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("summary_tokens failed: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn Error>> {
    let mut date: Option<NaiveDate> = None;
    let mut team_name: Option<String> = None;
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        match flag.as_str() {
            "--date" => date = Some(it.next().ok_or("--date needs a value")?.parse()?),
            "--team" => team_name = Some(it.next().ok_or("--team needs a value")?),
            other => return Err(format!("unknown flag {other}; see the file's docs").into()),
        }
    }
    let date = date.ok_or("--date YYYY-MM-DD is required")?;
    let url = std::env::var("DATABASE_URL").map_err(|_| "set DATABASE_URL")?;
    let store: Arc<dyn Store> = Arc::new(PgStore::connect(&PgConfig::new(url)).await?);
    let teams = store.teams().await?;
    let team = match &team_name {
        Some(name) => teams
            .iter()
            .find(|t| &t.name == name)
            .ok_or(format!("no team {name}"))?,
        None => teams.first().ok_or("the company has no team")?,
    };
    let inner = OpenAiConfig::from_env()
        .ok()
        .map(OpenAiClient::new)
        .transpose()?;
    let asks_a_model = inner.is_some();
    let recorder = Arc::new(Recorder {
        inner,
        seen: Mutex::new(Vec::new()),
    });
    let service = SummaryService::new(store.clone(), Some(recorder.clone()));
    let system = Principal::system();
    let summaries = service.acting_as(&system);
    let iso = date.iso_week();
    let week: IsoWeek = format!("{}-W{:02}", iso.year(), iso.week()).parse()?;

    println!(
        "| summary | scope | headcount | whole facts, bytes | sent, est. tokens | model's prompt tokens | text by |"
    );
    println!("|---|---|---:|---:|---:|---:|---|");
    for scope in [None, Some(team.id)] {
        let day = summaries.daily(date, scope).await?;
        print_line(
            &format!("daily {date}"),
            &day.facts.scope,
            day.facts.headcount,
            &serde_json::to_string(&day.facts)?,
            recorder.last(),
            asks_a_model,
            &format!("{:?}", day.generated_by),
        );
        let weekly = summaries.weekly(week, scope).await?;
        print_line(
            &format!("weekly {week}"),
            &weekly.facts.scope,
            weekly.facts.headcount,
            &serde_json::to_string(&weekly.facts)?,
            recorder.last(),
            asks_a_model,
            &format!("{:?}", weekly.generated_by),
        );
    }
    Ok(())
}

fn print_line(
    what: &str,
    scope: &str,
    headcount: i64,
    whole: &str,
    (estimated, reported): (usize, Option<u64>),
    asks_a_model: bool,
    by: &str,
) {
    let reported = match (asks_a_model, reported) {
        (false, _) => "no model".to_owned(),
        (true, Some(n)) => n.to_string(),
        (true, None) => "refused".to_owned(),
    };
    println!(
        "| {what} | {scope} | {headcount} | {} | {estimated} | {reported} | {} |",
        whole.len(),
        by.to_lowercase()
    );
}
