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
    /// How many queries the model wrote (1 when the first one worked).
    pub attempts: u32,
}

impl From<ask::Answer> for Answer {
    fn from(a: ask::Answer) -> Self {
        // Token usage stays server-side: the contract has these six fields.
        let ask::Answer {
            text,
            phrased_by,
            sql,
            columns,
            rows,
            attempts,
            usage: _,
        } = a;
        Self {
            text,
            phrased_by: phrased_by.into(),
            sql,
            columns,
            rows,
            attempts,
        }
    }
}
