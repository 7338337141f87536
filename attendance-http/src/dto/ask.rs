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

/// A question answered from the data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Answer {
    /// The answer in plain language.
    pub text: String,
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
        // Token usage stays server-side: the contract has these five fields.
        let ask::Answer {
            text,
            sql,
            columns,
            rows,
            attempts,
            usage: _,
        } = a;
        Self {
            text,
            sql,
            columns,
            rows,
            attempts,
        }
    }
}
