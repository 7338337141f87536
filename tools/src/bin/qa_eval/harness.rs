//! Asking one question through the service and scoring the answer.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use async_trait::async_trait;
use attendance::core::access::Principal;
use attendance::core::ask::{AskError, AskService, Catalog, QueryContext, QueryRows, SqlRunner};
use attendance::core::llm::{ChatModel, ChatRequest, ChatResponse, LlmError, TokenUsage};
use attendance::core::service::ManualClock;
use serde::{Deserialize, Serialize};

use super::{Category, PinnedRunner, Question, Split, now, same_result};

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
    pub(super) fn kind(&self) -> &'static str {
        match self {
            Self::Answered { .. } => "answered",
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
    /// Queries the model wrote (requests asking for SQL).
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
}

/// What a run needs besides the questions.
pub struct Harness {
    /// The model under test.
    pub model: Arc<dyn ChatModel>,
    /// The runner, pinned at [`now`].
    pub runner: Arc<PinnedRunner>,
    /// The catalog the service is built from.
    pub catalog: Catalog,
}

impl Harness {
    /// A harness over `inner` (the real runner) and `model`.
    pub fn new(model: Arc<dyn ChatModel>, inner: Arc<dyn SqlRunner>, catalog: Catalog) -> Self {
        let runner = Arc::new(PinnedRunner::new(inner, &catalog, now()));
        Self {
            model,
            runner,
            catalog,
        }
    }

    /// Asks one question and scores it.
    pub async fn run(&self, q: &Question) -> QuestionResult {
        let metered = Arc::new(Metered::new(self.model.clone()));
        let service = AskService::new(metered.clone(), self.runner.clone(), self.catalog.clone())
            .with_clock(Arc::new(ManualClock::new(now())));
        let context = QueryContext::default();
        let started = Instant::now();
        let result = service
            .acting_as(&Principal::system())
            .ask(&q.question)
            .await;
        let latency = started.elapsed();
        let (attempts, usage) = metered.seen();
        let (outcome, correct) = match result {
            Ok(answer) => {
                let got = QueryRows {
                    columns: answer.columns.clone(),
                    rows: answer.rows.clone(),
                    truncated: false,
                };
                let correct = match q.category {
                    Category::Unanswerable => false,
                    Category::Injection => true,
                    _ => {
                        let mut any = false;
                        for gold in q.golds() {
                            if let Ok(rows) = self.runner.run_text(gold, &context).await
                                && same_result(&rows, &got, q.ordered)
                            {
                                any = true;
                                break;
                            }
                        }
                        any
                    }
                };
                (
                    Outcome::Answered {
                        sql: answer.sql,
                        rows: answer.rows.len(),
                        text: answer.text,
                    },
                    correct,
                )
            }
            Err(AskError::Refused { category }) => (
                Outcome::Refused {
                    category: category.as_str().to_owned(),
                },
                q.category.refusal_is_right(),
            ),
            Err(AskError::QueryFailed { .. }) => (Outcome::QueryFailed, false),
            Err(AskError::Llm(e)) => (
                Outcome::ModelError {
                    message: e.to_string(),
                },
                false,
            ),
            Err(other) => (
                Outcome::Error {
                    message: other.to_string(),
                },
                false,
            ),
        };
        QuestionResult {
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
}
