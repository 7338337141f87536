//! Questions: the body of `POST /ask` and the answer.

use attendance_core::ask;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Body of `POST /ask`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AskRequest {
    /// A question about the attendance data, in plain language.
    #[schema(example = "Who worked from home most last week?")]
    pub question: String,
}

/// Who wrote an answer's `text`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum PhrasedBy {
    /// The language model, and its text states only numbers and names
    /// found in the rows or the question.
    Llm,
    /// A fixed rendering of the rows: the result was empty, or the model
    /// failed to phrase it, or its phrasing stated something the rows lack.
    Template,
}

impl From<ask::PhrasedBy> for PhrasedBy {
    fn from(p: ask::PhrasedBy) -> Self {
        match p {
            ask::PhrasedBy::Llm => Self::Llm,
            // A way of writing added in core reads as the fixed one.
            _ => Self::Template,
        }
    }
}

/// What an answer is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AnswerKind {
    /// The rows of a query, phrased.
    Rows,
    /// A name in the question fits several people or teams: `text` asks
    /// which, and `rows` lists them (id, name, and an employee's team).
    Clarification,
    /// A name in the question fits no one the caller may see: `text` says
    /// so, and there are no rows.
    NotFound,
}

impl From<ask::AnswerKind> for AnswerKind {
    fn from(k: ask::AnswerKind) -> Self {
        match k {
            ask::AnswerKind::Clarification => Self::Clarification,
            ask::AnswerKind::NotFound => Self::NotFound,
            // A kind added in core reads as rows.
            _ => Self::Rows,
        }
    }
}

/// A question answered from the data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Answer {
    /// The answer in plain language.
    pub text: String,
    /// Whether the model or the fixed rendering of the rows wrote `text`.
    pub phrased_by: PhrasedBy,
    /// The read-only query that produced the rows, as it was run.
    pub sql: String,
    /// Column names.
    pub columns: Vec<String>,
    /// The rows, one value per column (capped by the server).
    pub rows: Vec<Vec<serde_json::Value>>,
    /// How many queries (or query plans) the model wrote (1 when the first
    /// one worked).
    pub attempts: u32,
    /// Rows, or a question back about a name (`clarification`), or a name
    /// no one in scope has (`not_found`). Absent means `rows`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<AnswerKind>,
    /// The query plan the model filled in, when the server answers in plan
    /// mode: `metric`, `group_by`, `employees`, `teams`, `work_mode`,
    /// `absence_kind`, `period`, `having`, `order`, `limit`, `unit`,
    /// `compare_with_previous`; the library wrote `sql` from it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub plan: Option<serde_json::Value>,
    /// The plan in one sentence, e.g. "hours worked, by team, 2026-03-02 to
    /// 2026-03-08, WFH only".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan_sentence: Option<String>,
}

impl From<ask::Answer> for Answer {
    fn from(a: ask::Answer) -> Self {
        // Token usage stays server-side.
        let ask::Answer {
            text,
            phrased_by,
            sql,
            columns,
            rows,
            attempts,
            usage: _,
            kind,
            plan,
            plan_sentence,
        } = a;
        Self {
            text,
            phrased_by: phrased_by.into(),
            sql,
            columns,
            rows,
            attempts,
            // Rows are what every answer was before plans; only the new
            // kinds are spelled out.
            kind: match kind {
                ask::AnswerKind::Rows => None,
                other => Some(other.into()),
            },
            plan: plan.and_then(|p| serde_json::to_value(p).ok()),
            plan_sentence,
        }
    }
}
