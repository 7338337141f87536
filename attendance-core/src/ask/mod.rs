//! Questions in plain language, answered from the data.
//!
//! question → prompt (the Q&A views, what their columns mean, worked
//! examples, today's date and timezone) → the model answers
//! `{"sql": "..."}` or `{"refusal": "..."}` → [`SqlGuard`] → [`SqlRunner`]
//! (read-only transaction, timeout, row cap) → the model phrases the rows
//! → the phrasing is checked like a summary: every number, date and time in
//! it must be in the rows shown to the model (or the question), and every
//! capitalised name too. A phrasing that fails the check, or a model that
//! fails, gets the rows written out by a fixed rendering instead; an empty
//! result is said plainly without asking the model. The answer says which
//! ([`PhrasedBy`]).
//!
//! A refused or failing query goes back to the model with the reason for a
//! bounded number of repair attempts. Database error text reaches neither
//! the model nor [`AskError`]; a refusal reaches the caller as a
//! [`RefusalCategory`], never as the model's own words.
//!
//! Everything the model reads (the system prompt, the schema it answers
//! in, the repair turns, the request that phrases the rows) is built in
//! `prompt.rs`, so the prompt can be tuned without touching this loop.
//!
//! In plan mode ([`AskMode::Plan`], or [`AskMode::Auto`] first) the model
//! fills a typed [`QueryPlan`] instead (schema, validation and the SQL the
//! library writes from it: [`plan`]); its names are resolved to ids among
//! the employees and teams the asker may see, read through the same
//! scoped runner, so a name two people share is asked back
//! ([`AnswerKind::Clarification`]) and a name out of scope is "not found"
//! ([`AnswerKind::NotFound`]). The compiled query then takes the same
//! guard, runner and phrasing as the model's SQL, and the answer carries
//! the plan and its sentence.
//!
//! Two things are configured once, here, and handed down: the guard is
//! built from the [`Catalog`] the model is shown, and the timezone that
//! "today" in the prompt is read in ([`AskConfig::timezone`]) travels with
//! every query in a [`QueryContext`], so the runner's `current_date` is the
//! prompt's date.

use crate::access::{Principal, Scope};
use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::clock::{Clock, SystemClock};
use crate::domain::validate_text;
use crate::error::{BoxError, Error};
use crate::guard::{GuardedSql, Refusal, SqlGuard};
use crate::llm::{ChatMessage, ChatModel, LlmError, TokenUsage, extract_json_object};

/// Rows returned by a [`SqlRunner`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct QueryRows {
    /// Column names, in order.
    pub columns: Vec<String>,
    /// Rows, each with one value per column.
    pub rows: Vec<Vec<Value>>,
    /// Whether the row cap cut the result short.
    pub truncated: bool,
}

/// Why a [`SqlRunner`] could not run a query.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum QueryError {
    /// The database refused the query (syntax, unknown column, permission,
    /// a write in the read-only transaction…). `message` is the database's
    /// text: fit for the model's repair turn, never for an end user.
    #[error("the database rejected the query: {message}")]
    Rejected {
        /// The database's error message.
        message: String,
    },
    /// The query ran past the statement timeout.
    #[error("the query ran past the statement timeout")]
    Timeout,
    /// The result is larger than the runner's byte budget; it was not read
    /// past it.
    #[error("the query's result is larger than {limit_bytes} bytes")]
    TooLarge {
        /// The budget, in bytes of result text.
        limit_bytes: usize,
    },
    /// The database could not be reached.
    #[error("the database is unavailable")]
    Unavailable {
        /// The cause.
        #[source]
        source: BoxError,
    },
}

/// What a query runs under, set by [`AskService`] for every query so that
/// the runner and the prompt cannot disagree.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct QueryContext {
    /// The timezone `current_date`, `now()` and local times are read in:
    /// the one the prompt states ([`AskConfig::timezone`]).
    pub timezone: Tz,
    /// The rows the query may see: the asking principal's
    /// ([`Principal::scope`](crate::access::Principal::scope)). The runner
    /// has the database itself hide every other row, whatever the query
    /// says.
    pub scope: Scope,
}

impl QueryContext {
    /// A context in `timezone` over every row.
    pub fn new(timezone: Tz) -> Self {
        Self {
            timezone,
            scope: Scope::All,
        }
    }

    /// The same context limited to `scope`.
    pub fn with_scope(mut self, scope: Scope) -> Self {
        self.scope = scope;
        self
    }
}

impl Default for QueryContext {
    /// UTC, like [`AskConfig::default`].
    fn default() -> Self {
        Self::new(Tz::UTC)
    }
}

/// Runs one already-guarded, read-only query and returns its rows.
///
/// Implementations are the second layer of defence: they must run the query
/// in a read-only transaction with a statement timeout, a row cap and a
/// byte budget they enforce before the rows are in memory
/// ([`QueryError::TooLarge`]), so a write that slipped past the guard still
/// fails and no result can exhaust the host's memory. They take nothing but
/// [`GuardedSql`], so unchecked text has no way in.
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait SqlRunner: Send + Sync {
    /// Runs `sql` under `context` (its timezone for `current_date` and
    /// `now()`).
    async fn run(&self, sql: &GuardedSql, context: &QueryContext) -> Result<QueryRows, QueryError>;
}

/// One column of a Q&A relation, as the prompt describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ColumnDoc {
    /// Column name.
    pub name: &'static str,
    /// SQL type.
    pub sql_type: &'static str,
    /// What it means.
    pub meaning: &'static str,
}

/// A relation the model may query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RelationDoc {
    /// Relation name (in schema `attendance`).
    pub name: &'static str,
    /// What one row is.
    pub description: &'static str,
    /// Its columns.
    pub columns: Vec<ColumnDoc>,
}

/// What the model is told about the data: relations and worked examples.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Catalog {
    /// The relations the guard allows.
    pub relations: Vec<RelationDoc>,
    /// Worked examples: (question, SQL).
    pub examples: Vec<(&'static str, &'static str)>,
}

/// Who wrote an answer's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum PhrasedBy {
    /// The model, and the check found nothing in it that the rows lack.
    Llm,
    /// The fixed rendering of the rows: the result was empty, the model
    /// failed, or its phrasing failed the check.
    Template,
}

/// A question answered.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Answer {
    /// The answer in plain language.
    pub text: String,
    /// Whether the model or the fixed rendering wrote `text`.
    pub phrased_by: PhrasedBy,
    /// The query that produced the rows, as it was run.
    pub sql: String,
    /// Column names.
    pub columns: Vec<String>,
    /// The rows (capped by the runner).
    pub rows: Vec<Vec<Value>>,
    /// How many queries the model wrote (1 when the first one worked).
    pub attempts: u32,
    /// Tokens used by every model call for this answer.
    pub usage: TokenUsage,
    /// What the answer is: rows, or a question back.
    pub kind: AnswerKind,
    /// The plan the model wrote, in plan mode.
    pub plan: Option<QueryPlan>,
    /// The plan in one sentence ("hours worked, by team, 2026-03-02 to
    /// 2026-03-08, WFH only").
    pub plan_sentence: Option<String>,
}

/// What an [`Answer`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum AnswerKind {
    /// The rows of a query, phrased.
    Rows,
    /// A name in the question fits several people or teams: `text` asks
    /// which, and the rows list them (id, name, and an employee's team).
    Clarification,
    /// A name in the question fits no one the asker may see: `text` says
    /// so, and there are no rows.
    NotFound,
}

/// Why a question got no answer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AskError {
    /// The question itself is unusable (empty, too long…).
    #[error("invalid question: {reason}")]
    InvalidQuestion {
        /// Why.
        reason: String,
    },
    /// The model declined (the data cannot answer it), or every query it
    /// wrote was refused by the guard. Only the category is kept: the
    /// model's free text may quote anything it was shown, and the guard's
    /// reason quotes the model's SQL.
    #[error("the question was refused ({})", category.as_str())]
    Refused {
        /// Why, as a fixed category.
        category: RefusalCategory,
    },
    /// The chat model failed (unreachable, timed out, rate limited…).
    #[error(transparent)]
    Llm(#[from] LlmError),
    /// The database kept rejecting the model's queries.
    #[error("no working query after {attempts} attempt(s)")]
    QueryFailed {
        /// Queries tried.
        attempts: u32,
    },
    /// The database could not be reached.
    #[error("the database is unavailable")]
    Unavailable {
        /// The cause.
        #[source]
        source: BoxError,
    },
}

/// Why a question was refused, without any text the model or the database
/// wrote: fit to show to a client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum RefusalCategory {
    /// The model said the data cannot answer the question.
    OutOfScope,
    /// Every query the model wrote broke a rule of the SQL guard.
    UnsafeQuery,
    /// The last query the model wrote was not a query at all: it did not
    /// parse as SQL (or was empty, too long, or nested too deeply).
    InvalidQuery,
    /// The last query the model wrote produced more than the runner will
    /// read.
    ResultTooLarge,
    /// The model never wrote a query plan that makes sense (an unknown
    /// metric, a filter that does not apply…).
    InvalidPlan,
    /// The model's last plan broke a bound: a period over two years, a
    /// limit over the page maximum, a name too long.
    PlanOutOfBounds,
}

impl RefusalCategory {
    /// The category as a stable snake-case word (`out_of_scope`,
    /// `unsafe_query`, `invalid_query`, `result_too_large`, `invalid_plan`,
    /// `plan_out_of_bounds`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OutOfScope => "out_of_scope",
            Self::UnsafeQuery => "unsafe_query",
            Self::InvalidQuery => "invalid_query",
            Self::ResultTooLarge => "result_too_large",
            Self::InvalidPlan => "invalid_plan",
            Self::PlanOutOfBounds => "plan_out_of_bounds",
        }
    }

    /// A fixed sentence for a person.
    pub fn message(self) -> &'static str {
        match self {
            Self::OutOfScope => "the attendance data cannot answer this question",
            Self::UnsafeQuery => {
                "no query within the allowed views and functions could be written for this question"
            }
            Self::InvalidQuery => {
                "the language model wrote no valid query for this question; try rephrasing it"
            }
            Self::ResultTooLarge => {
                "the answer to this question is larger than the server returns; ask for less"
            }
            Self::InvalidPlan => {
                "the language model could not express this question as a query plan; try rephrasing it"
            }
            Self::PlanOutOfBounds => {
                "the question asks for too much at once (at most two years, 500 rows, names of 100 characters)"
            }
        }
    }
}

impl fmt::Display for RefusalCategory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Answers questions about the attendance data.
#[derive(Clone)]
pub struct AskService {
    model: Arc<dyn ChatModel>,
    runner: Arc<dyn SqlRunner>,
    guard: SqlGuard,
    catalog: Arc<Catalog>,
    config: AskConfig,
    clock: Arc<dyn Clock>,
    plan_examples: Arc<Vec<PlanExample>>,
}

impl fmt::Debug for AskService {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AskService")
            .field("model", &self.model.describe())
            .field("guard", &self.guard)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// [`AskService`] as one [`Principal`] asks; made by
/// [`AskService::acting_as`]. Cheap: it borrows.
#[derive(Debug, Clone, Copy)]
pub struct ActingAsk<'a> {
    service: &'a AskService,
    principal: &'a Principal,
}

impl ActingAsk<'_> {
    /// Answers `question` over the principal's rows.
    pub async fn ask(&self, question: &str) -> Result<Answer, AskError> {
        self.service.ask(self.principal, question).await
    }
}

impl AskService {
    /// A service asking `model`, running queries with `runner`, over the
    /// relations of `catalog` (which the guard allows, and nothing else).
    pub fn new(model: Arc<dyn ChatModel>, runner: Arc<dyn SqlRunner>, catalog: Catalog) -> Self {
        let guard = SqlGuard::for_catalog(&catalog);
        Self {
            model,
            runner,
            guard,
            catalog: Arc::new(catalog),
            config: AskConfig::default(),
            clock: Arc::new(SystemClock),
            plan_examples: Arc::new(Vec::new()),
        }
    }

    /// The worked plans the plan prompt picks its examples from (the few
    /// most like the question are shown). Default: none.
    pub fn with_plan_examples(mut self, examples: Vec<PlanExample>) -> Self {
        self.plan_examples = Arc::new(examples);
        self
    }

    /// Replaces the config.
    pub fn with_config(mut self, config: AskConfig) -> Self {
        self.config = config;
        self
    }

    /// Replaces the clock (for "today" in the prompt).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Lets queries call these functions too (names as in
    /// [`SqlGuard::allow_functions`]). The relations stay the catalog's.
    pub fn allow_functions(
        mut self,
        functions: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        self.guard = self.guard.allow_functions(functions);
        self
    }

    /// This service as `principal` asks: each query runs over the rows of
    /// [`Principal::scope`] only (an employee's own, a manager's and their
    /// teams', every row for an admin), which the runner has the database
    /// enforce. A host asking for itself passes [`Principal::system`].
    pub fn acting_as<'a>(&'a self, principal: &'a Principal) -> ActingAsk<'a> {
        ActingAsk {
            service: self,
            principal,
        }
    }

    async fn ask(&self, principal: &Principal, question: &str) -> Result<Answer, AskError> {
        let question = self.validate(question)?;
        match self.config.mode {
            AskMode::Sql => {
                self.ask_sql(principal, &question, TokenUsage::default())
                    .await
            }
            AskMode::Plan => self.ask_plan(principal, &question, false).await,
            AskMode::Auto => {
                let fallback = self
                    .config
                    .free_sql_fallback
                    .unwrap_or_else(|| !self.model.runs_locally());
                self.ask_plan(principal, &question, fallback).await
            }
        }
    }

    /// The model writes the SQL; `usage` is what earlier turns spent.
    async fn ask_sql(
        &self,
        principal: &Principal,
        question: &str,
        mut usage: TokenUsage,
    ) -> Result<Answer, AskError> {
        let now = self.clock.now().with_timezone(&self.config.timezone);
        let mut messages = prompt::sql_messages(&self.catalog, now, question);
        let context = QueryContext::new(self.config.timezone).with_scope(principal.scope());
        let max_attempts = 1 + self.config.max_repairs;
        let mut last_refusal = None;
        for attempt in 1..=max_attempts {
            let response = self.model.chat(prompt::sql_request(&messages)).await?;
            usage += response.usage;
            messages.push(ChatMessage::assistant(response.text.clone()));
            let repair = match parse_sql_answer(&response.text) {
                Err(reason) => reason,
                Ok(SqlAnswer::Refusal) => {
                    return Err(AskError::Refused {
                        category: RefusalCategory::OutOfScope,
                    });
                }
                Ok(SqlAnswer::Sql(sql)) => match self.guard.check(&sql) {
                    Err(refusal) => {
                        // The guard's words (the parser's, for SQL that does
                        // not parse) go to the log and the model, never to
                        // the caller: only the category does.
                        tracing::info!(%refusal, attempt, "guard refused the model's query");
                        let reason = refusal.to_string();
                        last_refusal = Some(refusal_category(&refusal));
                        prompt::repair_refused(&reason)
                    }
                    Ok(guarded) => match self.runner.run(&guarded, &context).await {
                        Ok(rows) => {
                            return Ok(self.phrase(question, guarded, rows, attempt, usage).await);
                        }
                        Err(QueryError::Unavailable { source }) => {
                            return Err(AskError::Unavailable { source });
                        }
                        Err(QueryError::Timeout) => {
                            last_refusal = None;
                            prompt::REPAIR_TIMEOUT.to_owned()
                        }
                        Err(QueryError::TooLarge { limit_bytes }) => {
                            last_refusal = Some(RefusalCategory::ResultTooLarge);
                            prompt::repair_too_large(limit_bytes)
                        }
                        Err(QueryError::Rejected { message }) => {
                            last_refusal = None;
                            tracing::info!(
                                attempt,
                                error = %message,
                                "database rejected the model's query"
                            );
                            prompt::REPAIR_REJECTED.to_owned()
                        }
                    },
                },
            };
            messages.push(ChatMessage::user(repair));
        }
        Err(match last_refusal {
            Some(category) => AskError::Refused { category },
            None => AskError::QueryFailed {
                attempts: max_attempts,
            },
        })
    }

    /// The domain's text rule, except that a question may span lines: line
    /// breaks are checked as spaces (same length, same trimming) and kept.
    fn validate(&self, question: &str) -> Result<String, AskError> {
        let one_line = question.replace('\n', " ");
        match validate_text("question", &one_line, self.config.max_question_chars) {
            Ok(_) => Ok(question.trim().to_owned()),
            Err(Error::Validation { reason, .. }) => Err(AskError::InvalidQuestion { reason }),
            Err(other) => Err(AskError::InvalidQuestion {
                reason: other.to_string(),
            }),
        }
    }

    /// Has the model phrase the rows and checks its text; an empty result,
    /// a failing model or a phrasing that fails the check gets the fixed
    /// rendering of the rows instead.
    async fn phrase(
        &self,
        question: &str,
        sql: GuardedSql,
        rows: QueryRows,
        attempts: u32,
        mut usage: TokenUsage,
    ) -> Answer {
        let model_phrases = self
            .config
            .model_phrasing
            .unwrap_or_else(|| !self.model.runs_locally());
        let (text, phrased_by) = if rows.rows.is_empty() || !model_phrases {
            // Nothing for the model to phrase and nothing it could add, or
            // a model not asked to.
            (render_rows(&rows), PhrasedBy::Template)
        } else {
            let request = prompt::answer_request(question, &rows, self.config.rows_for_answer);
            match self.model.chat(request).await {
                Ok(response) => {
                    usage += response.usage;
                    let text = response.text.trim();
                    let shown = rows.rows.len().min(self.config.rows_for_answer);
                    let checked = if response.finish_reason.as_deref() == Some("length") {
                        Err("the answer was cut at its token limit".to_owned())
                    } else {
                        check_phrasing(text, question, &rows, shown)
                    };
                    match checked {
                        Ok(()) => (text.to_owned(), PhrasedBy::Llm),
                        Err(why) => {
                            tracing::warn!(%why, "the model's phrasing was rejected; rendering the rows");
                            (render_rows(&rows), PhrasedBy::Template)
                        }
                    }
                }
                Err(error) => {
                    tracing::warn!(%error, "the model could not phrase the answer; rendering the rows");
                    (render_rows(&rows), PhrasedBy::Template)
                }
            }
        };
        Answer {
            text,
            phrased_by,
            sql: sql.into_string(),
            columns: rows.columns,
            rows: rows.rows,
            attempts,
            usage,
            kind: AnswerKind::Rows,
            plan: None,
            plan_sentence: None,
        }
    }
}

/// The category a guard refusal reaches the caller as.
fn refusal_category(refusal: &Refusal) -> RefusalCategory {
    match refusal {
        Refusal::Empty
        | Refusal::TooLong { .. }
        | Refusal::TooDeep
        | Refusal::Unparsable { .. } => RefusalCategory::InvalidQuery,
        _ => RefusalCategory::UnsafeQuery,
    }
}

enum SqlAnswer {
    Sql(String),
    /// The model declined; its words are not kept.
    Refusal,
}

/// Reads `{"sql": ...}` / `{"refusal": ...}`; `Err` is a repair message.
fn parse_sql_answer(text: &str) -> Result<SqlAnswer, String> {
    let object = extract_json_object(text).map_err(|_| prompt::REPAIR_NOT_JSON.to_owned())?;
    let field = |name: &str| {
        object
            .get(name)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    match (field("sql"), field("refusal")) {
        (Some(sql), _) => Ok(SqlAnswer::Sql(sql)),
        (None, Some(_)) => Ok(SqlAnswer::Refusal),
        (None, None) => Err(prompt::REPAIR_EMPTY_JSON.to_owned()),
    }
}

mod config;
mod phrasing;
pub mod plan;
mod plan_path;
mod plan_prompt;
mod prompt;
mod resolve;

pub use config::{AskConfig, AskMode, DEFAULT_MAX_QUESTION_CHARS};
use phrasing::{check_phrasing, render_rows};
pub use plan::{PlanExample, QueryPlan};

#[cfg(test)]
mod tests;

#[cfg(test)]
mod plan_tests;
