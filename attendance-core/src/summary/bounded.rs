//! What a model is sent of a summary's facts: the facts with every list
//! capped as the template caps it, so that the request stays the same size
//! whatever the headcount. A company of 10,000 has a thousand absent names
//! on an ordinary day; sent whole, they were some 30,000 tokens, more than a
//! small local model's context and, with a hosted one, billed on every
//! call, for a text that may name five of them anyway.
//!
//! A list longer than [`NAMES_IN_TEXT`] becomes `{"count": N, "first":
//! [its first five]}` (the teams: `{"count": N, "lowest_attendance": [the
//! five with the lowest attendance]}`, the teams a reader asks about
//! first). Shorter lists stay as they are. The full facts still travel in
//! the answer, and the grounding check reads them, not this: a text may
//! state only what is true of the whole, and the length of a cut list (five)
//! is no fact.

use serde_json::{Map, Value};

use super::template::NAMES_IN_TEXT;

/// The key of a capped list's items, in facts order.
const FIRST: &str = "first";
/// The key of the capped team lines, lowest attendance first.
const LOWEST_ATTENDANCE: &str = "lowest_attendance";

/// `facts` with every list capped (see the module docs).
pub(super) fn for_model(facts: &Value) -> Value {
    cap(facts, None)
}

fn cap(value: &Value, key: Option<&str>) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), cap(v, Some(k))))
                .collect(),
        ),
        Value::Array(items) if items.len() > NAMES_IN_TEXT => {
            let (label, shown): (&str, Vec<&Value>) = if key == Some("teams") {
                let mut teams: Vec<&Value> = items.iter().collect();
                // Stable: equal rates keep the facts' (name) order.
                teams.sort_by(|a, b| attendance(a).total_cmp(&attendance(b)));
                (LOWEST_ATTENDANCE, teams)
            } else {
                (FIRST, items.iter().collect())
            };
            let mut out = Map::new();
            out.insert("count".to_owned(), Value::from(items.len()));
            out.insert(
                label.to_owned(),
                Value::Array(
                    shown
                        .into_iter()
                        .take(NAMES_IN_TEXT)
                        .map(|v| cap(v, None))
                        .collect(),
                ),
            );
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(|v| cap(v, None)).collect()),
        other => other.clone(),
    }
}

/// A team line's attendance: present of headcount (a day's line), or its
/// week's rate; a line without one sorts last.
fn attendance(line: &Value) -> f64 {
    let number = |v: &Value| v.as_f64();
    if let (Some(present), Some(headcount)) = (number(&line["present"]), number(&line["headcount"]))
        && headcount > 0.0
    {
        return present / headcount;
    }
    number(&line["totals"]["attendance_percent"]).map_or(f64::INFINITY, |p| p / 100.0)
}

/// A token count the way the code can make one without the model's
/// tokenizer: a quarter of the bytes, which English and JSON come close to
/// with the tokenizers of the usual models.
pub(super) fn estimated_tokens(text: &str) -> usize {
    text.len().div_ceil(4)
}

#[cfg(test)]
mod tests;
