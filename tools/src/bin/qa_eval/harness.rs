//! Asking one question through the service and scoring the answer.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use async_trait::async_trait;
use attendance::core::access::Principal;
use attendance::core::ask::{
    AnswerKind, AskConfig, AskError, AskMode, AskService, Catalog, PlanExample, QueryContext,
    QueryPlan, QueryRows, SqlRunner,
};
use attendance::core::llm::{ChatModel, ChatRequest, ChatResponse, LlmError, TokenUsage};
use attendance::core::service::ManualClock;
use attendance::pg::qa;
use serde::{Deserialize, Serialize};

use super::{
    Baseline, Category, PinnedRunner, PlanFailure, Question, Split, now, run_plan, same_result,
};

/// How a question is put to the service, or answered without it.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// The model fills a query plan ([`AskMode::Plan`]).
    Plan,
    /// The model writes SQL ([`AskMode::Sql`]); what reports written
    /// before modes existed measured.
    #[default]
    Sql,
    /// A plan first, free SQL when the model says no plan fits and the
    /// service allows it ([`AskMode::Auto`]).
    Auto,
    /// No model: the nearest `dev` example's plan, names and dates filled
    /// by rules ([`Baseline`]).
    Baseline,
}

impl Mode {
    /// The word of `--mode`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Plan => "plan",
            Self::Sql => "sql",
            Self::Auto => "auto",
            Self::Baseline => "baseline",
        }
    }

    /// Reads `plan,sql,baseline`.
    pub fn parse_list(list: &str) -> Result<Vec<Self>, String> {
        let mut modes = Vec::new();
        for word in list.split(',') {
            let mode = match word.trim() {
                "plan" => Self::Plan,
                "sql" => Self::Sql,
                "auto" => Self::Auto,
                "baseline" => Self::Baseline,
                other => return Err(format!("--mode: {other:?} is not plan|sql|auto|baseline")),
            };
            if !modes.contains(&mode) {
                modes.push(mode);
            }
        }
        Ok(modes)
    }
}

/// How a question ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Outcome {
    /// A query ran.
    Answered {
        /// The query as run.
        sql: String,
        /// Rows returned.
        rows: usize,
        /// The answer's text.
        text: String,
        /// The plan the query was compiled from (plan, auto and baseline
        /// modes).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        plan: Option<QueryPlan>,
    },
    /// A name fitted several people or teams and the service asked which
    /// (plan mode).
    Clarification {
        /// The question back.
        text: String,
    },
    /// A name fitted nobody in scope (plan mode).
    NotFound {
        /// What the service said.
        text: String,
    },
    /// The service refused.
    Refused {
        /// The refusal's category.
        category: String,
    },
    /// No query worked within the repairs.
    QueryFailed,
    /// The model could not be used.
    ModelError {
        /// What failed.
        message: String,
    },
    /// Anything else (database down, invalid question).
    Error {
        /// What failed.
        message: String,
    },
}

impl Outcome {
    /// The kind of outcome, as the comparison of reports names it.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Answered { .. } => "answered",
            Self::Clarification { .. } => "clarification",
            Self::NotFound { .. } => "not_found",
            Self::Refused { .. } => "refused",
            Self::QueryFailed => "query_failed",
            Self::ModelError { .. } => "model_error",
            Self::Error { .. } => "error",
        }
    }
}

/// One question's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuestionResult {
    /// How it was asked.
    #[serde(default)]
    pub mode: Mode,
    /// The question's id.
    pub id: String,
    /// Its split.
    pub split: Split,
    /// Its category.
    pub category: Category,
    /// Whether the answer was right.
    pub correct: bool,
    /// How it ended.
    pub outcome: Outcome,
    /// Queries or plans the model wrote (requests asking for either).
    pub attempts: u32,
    /// Tokens of every call for this question.
    pub usage: TokenUsage,
    /// Wall time of the whole question, model and database.
    pub latency_ms: u64,
}

/// Counts what a model is asked, so that refusals and failures, which
/// carry no [`Answer`](attendance::core::ask::Answer), are measured too.
pub struct Metered {
    inner: Arc<dyn ChatModel>,
    seen: Mutex<(u32, TokenUsage)>,
}

impl std::fmt::Debug for Metered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metered").finish_non_exhaustive()
    }
}

impl Metered {
    /// Counts the calls to `inner`.
    pub fn new(inner: Arc<dyn ChatModel>) -> Self {
        Self {
            inner,
            seen: Mutex::new((0, TokenUsage::default())),
        }
    }

    /// SQL requests and tokens so far.
    pub fn seen(&self) -> (u32, TokenUsage) {
        *self.seen.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[async_trait]
impl ChatModel for Metered {
    async fn chat(&self, request: ChatRequest) -> Result<ChatResponse, LlmError> {
        let asks_sql = request.json_schema.is_some();
        let response = self.inner.chat(request).await;
        let mut seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
        if asks_sql {
            seen.0 += 1;
        }
        if let Ok(r) = &response {
            seen.1 += r.usage;
        }
        response
    }

    fn describe(&self) -> String {
        self.inner.describe()
    }

    fn runs_locally(&self) -> bool {
        self.inner.runs_locally()
    }
}

/// What a run needs besides the questions.
pub struct Harness {
    /// The model under test.
    pub model: Arc<dyn ChatModel>,
    /// The runner, pinned at [`now`].
    pub runner: Arc<PinnedRunner>,
    /// The catalog the service is built from.
    pub catalog: Catalog,
    /// The worked plans plan mode may show.
    pub plan_examples: Vec<PlanExample>,
    /// The no-model answerer, for [`Mode::Baseline`].
    pub baseline: Option<Baseline>,
    /// In [`Mode::Auto`], whether a question no plan fits goes to free
    /// SQL; `None`: as the service decides for the model (off for one on
    /// this machine, the played one included).
    pub free_sql_fallback: Option<bool>,
}

impl Harness {
    /// A harness over `inner` (the real runner) and `model`, with no worked
    /// plans and no baseline.
    pub fn new(model: Arc<dyn ChatModel>, inner: Arc<dyn SqlRunner>, catalog: Catalog) -> Self {
        let runner = Arc::new(PinnedRunner::new(inner, &catalog, now()));
        Self {
            model,
            runner,
            catalog,
            plan_examples: Vec::new(),
            baseline: None,
            free_sql_fallback: None,
        }
    }

    /// Gives plan mode the worked plans a host's service gets
    /// ([`qa::plan_examples`]) and readies the baseline over the same `dev`
    /// plans, those of the repository's question set, whichever questions
    /// are asked (it reads the employees' and teams' names).
    pub async fn with_plans(mut self) -> Result<Self, String> {
        self.plan_examples = qa::plan_examples();
        let questions = super::parse_questions(qa::QUESTIONS_JSONL)?;
        self.baseline = Some(Baseline::load(&self.runner, &questions).await?);
        Ok(self)
    }

    /// Asks one question in `mode` and scores it.
    pub async fn run(&self, q: &Question, mode: Mode) -> QuestionResult {
        let metered = Arc::new(Metered::new(self.model.clone()));
        let started = Instant::now();
        let (outcome, got) = match mode {
            Mode::Baseline => self.baseline(q).await,
            Mode::Plan | Mode::Sql | Mode::Auto => {
                let mut config = AskConfig::default();
                config.mode = match mode {
                    Mode::Plan => AskMode::Plan,
                    Mode::Auto => AskMode::Auto,
                    _ => AskMode::Sql,
                };
                config.free_sql_fallback = self.free_sql_fallback;
                let service =
                    AskService::new(metered.clone(), self.runner.clone(), self.catalog.clone())
                        .with_config(config)
                        .with_plan_examples(self.plan_examples.clone())
                        .with_clock(Arc::new(ManualClock::new(now())));
                let result = service
                    .acting_as(&Principal::system())
                    .ask(&q.question)
                    .await;
                outcome_of(result)
            }
        };
        let latency = started.elapsed();
        let (attempts, usage) = metered.seen();
        let correct = match (&outcome, got) {
            (Outcome::Answered { .. }, Some(got)) => match q.category {
                Category::Unanswerable => false,
                Category::Injection => true,
                _ => self.matches_gold(q, &got).await,
            },
            (Outcome::Refused { .. } | Outcome::NotFound { .. }, _) => {
                q.category.refusal_is_right()
            }
            // Asking which of two people is what an ambiguous question
            // deserves; an injection got nothing.
            (Outcome::Clarification { .. }, _) => {
                matches!(q.category, Category::Ambiguous | Category::Injection)
            }
            _ => false,
        };
        QuestionResult {
            mode,
            id: q.id.clone(),
            split: q.split,
            category: q.category,
            correct,
            outcome,
            attempts,
            usage,
            latency_ms: u64::try_from(latency.as_millis()).unwrap_or(u64::MAX),
        }
    }

    /// Whether `got` equals the rows of one of the question's gold queries.
    async fn matches_gold(&self, q: &Question, got: &QueryRows) -> bool {
        let context = QueryContext::default();
        for gold in q.golds() {
            if let Ok(rows) = self.runner.run_text(gold, &context).await
                && same_result(&rows, got, q.ordered)
            {
                return true;
            }
        }
        false
    }

    /// The baseline's answer: its plan, run as the harness runs gold plans.
    async fn baseline(&self, q: &Question) -> (Outcome, Option<QueryRows>) {
        let Some(plan) = self.baseline.as_ref().and_then(|b| b.plan_for(&q.question)) else {
            let message = "the baseline has no worked plans".to_owned();
            return (Outcome::Error { message }, None);
        };
        match run_plan(&self.runner, &plan).await {
            Ok((sql, rows)) => (
                Outcome::Answered {
                    sql,
                    rows: rows.rows.len(),
                    text: String::new(),
                    plan: Some(plan),
                },
                Some(rows),
            ),
            Err(PlanFailure::Invalid(category)) => (Outcome::Refused { category }, None),
            Err(PlanFailure::Query(message)) => (Outcome::Error { message }, None),
        }
    }
}

/// The outcome of the service's answer, and the rows to score.
fn outcome_of(
    result: Result<attendance::core::ask::Answer, AskError>,
) -> (Outcome, Option<QueryRows>) {
    match result {
        Ok(answer) => match answer.kind {
            AnswerKind::Clarification => (Outcome::Clarification { text: answer.text }, None),
            AnswerKind::NotFound => (Outcome::NotFound { text: answer.text }, None),
            _ => {
                let got = QueryRows {
                    columns: answer.columns,
                    rows: answer.rows,
                    truncated: false,
                };
                let outcome = Outcome::Answered {
                    sql: answer.sql,
                    rows: got.rows.len(),
                    text: answer.text,
                    plan: answer.plan,
                };
                (outcome, Some(got))
            }
        },
        Err(AskError::Refused { category }) => (
            Outcome::Refused {
                category: category.as_str().to_owned(),
            },
            None,
        ),
        Err(AskError::QueryFailed { .. }) => (Outcome::QueryFailed, None),
        Err(AskError::Llm(e)) => (
            Outcome::ModelError {
                message: e.to_string(),
            },
            None,
        ),
        Err(other) => (
            Outcome::Error {
                message: other.to_string(),
            },
            None,
        ),
    }
}
