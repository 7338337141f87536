//! What question answering says to the model: the system prompt (rules,
//! today's date, the views and their columns, worked examples), the JSON
//! schema of the SQL answer, the repair turns, and the request that has the
//! rows phrased.
//!
//! Everything the model reads is built here, so the prompt can be tuned
//! (and measured) without touching the loop in [`super::AskService`].

use chrono::DateTime;
use chrono_tz::Tz;
use serde_json::Value;

use super::{Catalog, QueryRows};
use crate::llm::{ChatMessage, ChatRequest};

/// Name of the JSON schema the SQL answer is asked to match.
const SQL_SCHEMA_NAME: &str = "sql_or_refusal";

/// `{"sql": ..., "refusal": ...}`, both nullable, both required (strict
/// structured output wants every property listed).
fn sql_schema() -> Value {
    serde_json::json!({
        "type": "object",
        "properties": {
            "sql": {"type": ["string", "null"], "description": "One PostgreSQL SELECT over the views"},
            "refusal": {"type": ["string", "null"], "description": "Why the data cannot answer the question"}
        },
        "required": ["sql", "refusal"],
        "additionalProperties": false
    })
}

/// The views, their columns and the worked examples, as the prompt lists
/// them.
fn render_catalog(catalog: &Catalog) -> String {
    let mut out = String::new();
    for r in &catalog.relations {
        out.push_str(&format!("\n{} — {}\n", r.name, r.description));
        for c in &r.columns {
            out.push_str(&format!("  {} {}: {}\n", c.name, c.sql_type, c.meaning));
        }
    }
    out.push_str("\nExamples:\n");
    for (q, sql) in &catalog.examples {
        out.push_str(&format!("Q: {q}\n{{\"sql\": {}}}\n", Value::from(*sql)));
    }
    out
}

/// The system prompt of the SQL turn; `now` is read in the company's
/// timezone.
fn system_prompt(catalog: &Catalog, now: DateTime<Tz>) -> String {
    format!(
        "You translate questions about employee attendance into one PostgreSQL query.\n\
         Today is {} ({}), timezone {}. Weeks are ISO weeks starting on Monday; \
         \"last week\" is the previous Monday-to-Sunday week.\n\
         Answer with a JSON object and nothing else: {{\"sql\": \"SELECT ...\", \"refusal\": null}}, \
         or {{\"sql\": null, \"refusal\": \"why\"}} when these views cannot answer the question.\n\
         Rules: one SELECT statement (WITH is fine); read only from the views below \
         (schema attendance); no other tables, no system catalogs; common aggregate, \
         date/time, math and string functions only; no semicolon; add ORDER BY and a \
         LIMIT of at most 100 when listing rows.\n\
         Views:{}",
        now.date_naive(),
        now.format("%A"),
        now.timezone().name(),
        render_catalog(catalog)
    )
}

/// The opening messages of the SQL turn for `question` (already validated
/// and trimmed). Repair turns are appended to this list by the caller.
pub(super) fn sql_messages(
    catalog: &Catalog,
    now: DateTime<Tz>,
    question: &str,
) -> Vec<ChatMessage> {
    vec![
        ChatMessage::system(system_prompt(catalog, now)),
        ChatMessage::user(question.to_owned()),
    ]
}

/// One SQL turn: the conversation so far, asking for the SQL schema.
pub(super) fn sql_request(messages: &[ChatMessage]) -> ChatRequest {
    ChatRequest::new(messages.to_vec()).with_json_schema(SQL_SCHEMA_NAME, sql_schema())
}

/// Repair turn: the answer held no JSON object.
pub(super) const REPAIR_NOT_JSON: &str =
    "Answer with a JSON object {\"sql\": \"...\", \"refusal\": null} only.";

/// Repair turn: the JSON object had neither field.
pub(super) const REPAIR_EMPTY_JSON: &str =
    "The JSON object needs a non-empty \"sql\" or \"refusal\".";

/// Repair turn: the guard refused the query for `reason` (the guard's
/// words, which quote only the model's own SQL).
pub(super) fn repair_refused(reason: &str) -> String {
    format!("That query was refused: {reason}. Write one SELECT over the views only.")
}

/// Repair turn: the query hit the statement timeout.
pub(super) const REPAIR_TIMEOUT: &str = "That query ran too long and was cancelled. Write a \
cheaper one: filter by work_date and aggregate.";

/// Repair turn: the result was over the runner's byte budget.
pub(super) fn repair_too_large(limit_bytes: usize) -> String {
    format!(
        "That query's result is larger than {limit_bytes} bytes. \
         Aggregate, select fewer and shorter columns, and add a LIMIT."
    )
}

/// Repair turn: the database rejected the query. The database's own text is
/// not passed on: it can quote values and names the model would repeat to
/// the client, in a refusal, a query or an answer.
pub(super) const REPAIR_REJECTED: &str = "The database rejected that query. Check every column \
name against the views above, their types, and GROUP BY, then write it again.";

const ANSWER_PROMPT: &str = "You answer questions about attendance data for managers. \
Answer in one to three plain sentences, using only the rows given (they are the \
result of a query written for the question). If there are no rows, say that no \
data matched. Do not mention SQL, queries or tables. If the rows were truncated, \
say the list is partial.";

/// The request that has the model phrase `rows` as an answer to
/// `question`, showing it at most `rows_for_answer` rows.
pub(super) fn answer_request(
    question: &str,
    rows: &QueryRows,
    rows_for_answer: usize,
) -> ChatRequest {
    let shown: Vec<&Vec<Value>> = rows.rows.iter().take(rows_for_answer).collect();
    let payload = serde_json::json!({
        "question": question,
        "columns": rows.columns,
        "rows": shown,
        "total_rows": rows.rows.len(),
        "truncated": rows.truncated || rows.rows.len() > shown.len(),
    });
    ChatRequest::new(vec![
        ChatMessage::system(ANSWER_PROMPT),
        ChatMessage::user(payload.to_string()),
    ])
}
