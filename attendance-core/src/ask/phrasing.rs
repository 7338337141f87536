//! The fixed rendering of rows, and the check of a model's phrasing of
//! them.

use serde_json::Value;

use super::QueryRows;
use crate::summary::{ungrounded_names, ungrounded_numbers};

/// Rows written out in full in [`render_rows`]; the rest are counted.
const RENDERED_ROWS: usize = 10;

/// Longest value written out by [`render_rows`], in characters.
const RENDERED_VALUE_CHARS: usize = 80;

/// The fixed rendering of a result: "No rows matched the question.", or
/// how many rows, the columns, and the first [`RENDERED_ROWS`] rows.
pub(super) fn render_rows(rows: &QueryRows) -> String {
    let n = rows.rows.len();
    if n == 0 {
        return "No rows matched the question.".to_owned();
    }
    let value = |v: &Value| {
        let text = match v {
            Value::String(s) => s.clone(),
            Value::Null => "none".to_owned(),
            other => other.to_string(),
        };
        let mut short: String = text.chars().take(RENDERED_VALUE_CHARS).collect();
        if text.chars().nth(RENDERED_VALUE_CHARS).is_some() {
            short.push('…');
        }
        short
    };
    let shown: Vec<String> = rows
        .rows
        .iter()
        .take(RENDERED_ROWS)
        .map(|row| row.iter().map(value).collect::<Vec<_>>().join(", "))
        .collect();
    let mut out = format!(
        "{} ({}): {}",
        if n == 1 {
            "1 row matched".to_owned()
        } else {
            format!("{n} rows matched")
        },
        rows.columns.join(", "),
        shown.join("; ")
    );
    if n > RENDERED_ROWS {
        out.push_str(&format!("; and {} more", n - RENDERED_ROWS));
    }
    out.push('.');
    if rows.truncated {
        out.push_str(" The list is partial: the server returns only the first rows.");
    }
    out
}

/// Checks the model's phrasing of `rows` (of which it was shown the first
/// `shown`) against what it was given, as a summary is checked against its
/// facts: every number, date and time must be in the rows, the row count
/// or the question, and every capitalised name in the rows, the column
/// names or the question. `Err` says what was wrong, for the log.
pub(super) fn check_phrasing(
    text: &str,
    question: &str,
    rows: &QueryRows,
    shown: usize,
) -> Result<(), String> {
    if text.is_empty() {
        return Err("the model returned no text".to_owned());
    }
    let facts = phrasing_facts(question, rows, shown);
    let invented = ungrounded_numbers(text, &facts);
    if !invented.is_empty() {
        return Err(format!("numbers not in the rows: {}", invented.join(", ")));
    }
    let strangers = ungrounded_names(text, &facts);
    if !strangers.is_empty() {
        return Err(format!("names not in the rows: {}", strangers.join(", ")));
    }
    Ok(())
}

/// What a phrasing may draw on, in the shape the summary checks read: the
/// question, the columns, the rows shown (a timestamp also as its date and
/// its time, which is how a sentence writes it), their count, and the
/// numbers of the question.
fn phrasing_facts(question: &str, rows: &QueryRows, shown: usize) -> Value {
    let cell = |v: &Value| match v {
        Value::String(s) => match chrono::DateTime::parse_from_rfc3339(s) {
            Ok(at) => serde_json::json!([
                s,
                at.date_naive().to_string(),
                at.format("%H:%M").to_string(),
            ]),
            Err(_) => v.clone(),
        },
        other => other.clone(),
    };
    let shown_rows: Vec<Vec<Value>> = rows
        .rows
        .iter()
        .take(shown)
        .map(|row| row.iter().map(cell).collect())
        .collect();
    // Numbers of the question, as the "shaped" strings the number check
    // takes ("7", "2026-03-10", "09:30"), so that a name in it adds none.
    let question_numbers: Vec<&str> = question
        .split(|c: char| !(c.is_ascii_digit() || matches!(c, '-' | ':' | '.' | 'W')))
        .map(|token| token.trim_matches(|c: char| !c.is_ascii_digit()))
        .filter(|token| !token.is_empty())
        .collect();
    serde_json::json!({
        "question": question,
        "question_numbers": question_numbers,
        "columns": rows.columns,
        "rows": shown_rows,
        "row_count": rows.rows.len(),
        "shown_rows": shown,
    })
}
