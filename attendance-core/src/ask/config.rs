//! The tunables of [`AskService`](super::AskService).

use chrono_tz::Tz;

#[cfg(doc)]
use super::{QueryPlan, RefusalCategory};
#[cfg(doc)]
use crate::llm::ChatModel;

/// How [`AskService`](super::AskService) has the model answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum AskMode {
    /// The model fills a typed [`QueryPlan`] and the library writes the
    /// SQL; a question the plan cannot express is refused
    /// ([`RefusalCategory::OutOfScope`]).
    Plan,
    /// The model writes the SQL itself.
    #[default]
    Sql,
    /// A plan first; when the model says the plan cannot express the
    /// question, free SQL if [`AskConfig::free_sql_fallback`] allows it,
    /// else the refusal of `Plan`.
    Auto,
}

/// Default of [`AskConfig::max_question_chars`].
pub const DEFAULT_MAX_QUESTION_CHARS: usize = 500;

/// Tunables of [`AskService`](super::AskService), with their defaults.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct AskConfig {
    /// Repair turns after the first query. Default: 2.
    pub max_repairs: u32,
    /// Longest question, in characters. Default:
    /// [`DEFAULT_MAX_QUESTION_CHARS`].
    pub max_question_chars: usize,
    /// Rows shown to the model when it phrases the answer. Default: 50.
    pub rows_for_answer: usize,
    /// The company's timezone: "today" in the prompt, and the timezone every
    /// query runs in (the one place it is set). Default: UTC.
    pub timezone: Tz,
    /// Plan, free SQL, or a plan first. Default: [`AskMode::Sql`], what
    /// hosts had before plans existed.
    pub mode: AskMode,
    /// In [`AskMode::Auto`], whether a question the plan cannot express
    /// goes to free SQL. `None` (the default) lets the model decide:
    /// on for a hosted model, off for one that runs on the host's own
    /// machines ([`ChatModel::runs_locally`]), which is small and writes
    /// SQL badly.
    pub free_sql_fallback: Option<bool>,
    /// Whether the model phrases an answer from its rows (checked against
    /// them) or the rows are rendered as text. `None` (the default) lets
    /// the model decide: a hosted model phrases, one that runs on the
    /// host's own machines does not ([`ChatModel::runs_locally`]): a small
    /// model's sentences were mostly wrong or empty when measured, and the
    /// second request doubled the time of an answer.
    pub model_phrasing: Option<bool>,
}

impl Default for AskConfig {
    fn default() -> Self {
        Self {
            max_repairs: 2,
            max_question_chars: DEFAULT_MAX_QUESTION_CHARS,
            rows_for_answer: 50,
            timezone: Tz::UTC,
            mode: AskMode::default(),
            free_sql_fallback: None,
            model_phrasing: None,
        }
    }
}

impl AskConfig {
    /// The same config in `mode`.
    #[must_use]
    pub fn with_mode(mut self, mode: AskMode) -> Self {
        self.mode = mode;
        self
    }

    /// The same config with the model's phrasing of answers turned on or
    /// off, whatever the model says of itself.
    #[must_use]
    pub fn with_model_phrasing(mut self, phrases: bool) -> Self {
        self.model_phrasing = Some(phrases);
        self
    }

    /// The same config with free SQL after an unsupported plan turned on
    /// or off, whatever the model says of itself.
    #[must_use]
    pub fn with_free_sql_fallback(mut self, allowed: bool) -> Self {
        self.free_sql_fallback = Some(allowed);
        self
    }
}
