//! What question answering says to the model: the system prompt (rules,
//! today's date, the views and their columns, worked examples), the JSON
//! schema of the SQL answer, the repair turns, and the request that has the
//! rows phrased.
//!
//! Everything the model reads is built here, so the prompt can be tuned
//! (and measured) without touching the loop in [`super::AskService`].

use chrono::{DateTime, Datelike, Days, Months};
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

/// Worked examples shown with one question: the catalog's examples most
/// like it, at most this many. A few close examples teach a model more than
/// many unrelated ones, and keep the prompt short (docs/QA_EVAL.md has the
/// measurement).
pub(super) const EXAMPLES_SHOWN: usize = 4;

/// Words too common to say what a question is about.
const STOPWORDS: &[&str] = &[
    "a", "an", "and", "are", "at", "by", "did", "do", "does", "for", "from", "has", "have", "how",
    "in", "is", "it", "many", "me", "much", "of", "on", "or", "show", "the", "their", "there",
    "to", "was", "were", "what", "which", "who", "with",
];

/// The words of `text` that say what it is about: lower case, letters and
/// digits, no stopwords, a plural `s` dropped.
fn content_words(text: &str) -> Vec<String> {
    let mut words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .map(str::to_lowercase)
        .filter(|w| !w.is_empty() && !STOPWORDS.contains(&w.as_str()))
        .map(|w| match w.strip_suffix('s') {
            Some(stem) if stem.len() > 2 && !stem.ends_with('s') => stem.to_owned(),
            _ => w,
        })
        .collect();
    words.sort();
    words.dedup();
    words
}

/// How alike two questions are: shared content words over all of them
/// (Jaccard).
fn similarity(a: &[String], b: &[String]) -> f64 {
    let shared = a.iter().filter(|w| b.contains(w)).count();
    let all = a.len() + b.len() - shared;
    if all == 0 {
        0.0
    } else {
        shared as f64 / all as f64
    }
}

/// The catalog's examples most like `question`, best first; ties keep the
/// catalog's order, so the prompt is the same for the same question.
pub(super) fn select_examples<'c>(
    catalog: &'c Catalog,
    question: &str,
    max: usize,
) -> Vec<&'c (&'static str, &'static str)> {
    closest(catalog.examples.iter().map(|(q, _)| *q), question, max)
        .into_iter()
        .map(|i| &catalog.examples[i])
        .collect()
}

/// The positions of the `questions` most like `question`, best first; ties
/// keep the list's order.
pub(super) fn closest<'q>(
    questions: impl Iterator<Item = &'q str>,
    question: &str,
    max: usize,
) -> Vec<usize> {
    let asked = content_words(question);
    let mut scored: Vec<(f64, usize)> = questions
        .enumerate()
        .map(|(i, q)| (similarity(&asked, &content_words(q)), i))
        .collect();
    scored.sort_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)));
    scored.into_iter().take(max).map(|(_, i)| i).collect()
}

/// The views, their columns and the worked examples chosen for `question`,
/// as the prompt lists them.
fn render_catalog(catalog: &Catalog, question: &str) -> String {
    let mut out = String::new();
    for r in &catalog.relations {
        out.push_str(&format!("\n{} — {}\n", r.name, r.description));
        for c in &r.columns {
            out.push_str(&format!("  {} {}: {}\n", c.name, c.sql_type, c.meaning));
        }
    }
    out.push_str("\nExamples:\n");
    for (q, sql) in select_examples(catalog, question, EXAMPLES_SHOWN) {
        out.push_str(&format!("Q: {q}\n{{\"sql\": {}}}\n", Value::from(*sql)));
    }
    out
}

/// Today and the periods questions name most, as dates: a model that reads
/// "last week: 2026-03-02 to 2026-03-08" need not derive the range.
pub(super) fn calendar(now: DateTime<Tz>) -> String {
    let today = now.date_naive();
    let monday = today - Days::new(u64::from(today.weekday().num_days_from_monday()));
    let month = today.with_day(1).unwrap_or(today);
    let last_month = month.checked_sub_months(Months::new(1)).unwrap_or(month);
    format!(
        "Today is {today} ({}), timezone {}; in SQL, current_date. Yesterday: {}. \
         This week: {monday} to {today}. Last week: {} to {} (ISO weeks start on Monday). \
         This month: {month} to {today}. Last month: {last_month} to {}.",
        now.format("%A"),
        now.timezone().name(),
        today - Days::new(1),
        monday - Days::new(7),
        monday - Days::new(1),
        month - Days::new(1),
    )
}

/// The system prompt of the SQL turn for `question`; `now` is read in the
/// company's timezone.
fn system_prompt(catalog: &Catalog, now: DateTime<Tz>, question: &str) -> String {
    format!(
        "You translate questions about employee attendance into one PostgreSQL query.\n\
         {}\n\
         Answer with a JSON object and nothing else: {{\"sql\": \"SELECT ...\", \"refusal\": null}}, \
         or {{\"sql\": null, \"refusal\": \"why\"}} when these views cannot answer the question \
         (they hold no pay, contact details, leave or ratings).\n\
         Rules: one SELECT statement (WITH is fine); read only from the views below \
         (schema attendance); no other tables, no system catalogs; common aggregate, \
         date/time, math and string functions only; no semicolon; add ORDER BY and a \
         LIMIT of at most 100 when listing rows. Names are not unique: group people by \
         employee_id. Filter days and periods on work_date.\n\
         Views:{}",
        calendar(now),
        render_catalog(catalog, question)
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
        ChatMessage::system(system_prompt(catalog, now, question)),
        ChatMessage::user(question.to_owned()),
    ]
}

/// One SQL turn: the conversation so far, asking for the SQL schema.
pub(super) fn sql_request(messages: &[ChatMessage]) -> ChatRequest {
    ChatRequest::new(messages.to_vec())
        .with_json_schema(SQL_SCHEMA_NAME, sql_schema())
        .with_max_tokens(SQL_MAX_TOKENS)
}

/// Longest SQL reply asked for, in tokens: the longest gold query is about
/// 200; a small model that runs on writes the same clause again and again
/// until the client's default of 1,024 (50 s on a 2-core machine).
pub(super) const SQL_MAX_TOKENS: u32 = 512;

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

pub(super) const ANSWER_PROMPT: &str = "You answer questions about attendance data for managers. \
Answer in one to three plain sentences, using only the rows given (they are the \
result of a query written for the question). If there are no rows, say that no \
data matched. Do not mention SQL, queries or tables. If the rows were truncated, \
say the list is partial.";

/// Longest phrasing asked for, in tokens: three sentences fit; a small
/// model that does not stop is cut here rather than at the client's
/// default, and a cut answer fails the phrasing check like any other.
pub(super) const ANSWER_MAX_TOKENS: u32 = 160;

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
    .with_max_tokens(ANSWER_MAX_TOKENS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ask::RelationDoc;

    fn catalog() -> Catalog {
        Catalog {
            relations: vec![RelationDoc {
                name: "qa_daily_attendance",
                description: "one row per employee and day present",
                columns: vec![],
            }],
            examples: vec![
                ("How many teams are there?", "SELECT count(*) FROM qa_teams"),
                (
                    "Who was late most often last week?",
                    "SELECT employee_name FROM qa_daily_attendance WHERE is_late",
                ),
                (
                    "How many hours did the Sales London team work in February?",
                    "SELECT sum(hours) FROM qa_daily_attendance",
                ),
                ("Who is clocked in right now?", "SELECT 1"),
                ("Which employees worked from home?", "SELECT 2"),
            ],
        }
    }

    #[test]
    fn the_examples_most_like_the_question_come_first() {
        let catalog = catalog();
        let chosen = select_examples(&catalog, "Which employees were late last week?", 2);
        assert_eq!(chosen[0].0, "Who was late most often last week?");
        assert_eq!(chosen[1].0, "Which employees worked from home?");
        let chosen = select_examples(&catalog, "Hours worked by the Support team in March?", 1);
        assert_eq!(
            chosen[0].0,
            "How many hours did the Sales London team work in February?"
        );
        // Never more than asked, and the same order for the same question.
        assert_eq!(select_examples(&catalog, "teams", EXAMPLES_SHOWN).len(), 4);
        assert_eq!(
            select_examples(&catalog, "anything", 3),
            select_examples(&catalog, "anything", 3)
        );
    }

    #[test]
    fn the_prompt_shows_only_the_chosen_examples() {
        let catalog = catalog();
        let now = "2026-03-13T18:00:00Z"
            .parse::<DateTime<chrono::Utc>>()
            .unwrap()
            .with_timezone(&Tz::UTC);
        let prompt = system_prompt(&catalog, now, "How many teams are there?");
        assert!(prompt.contains("Q: How many teams are there?"));
        assert_eq!(prompt.matches("\nQ: ").count(), EXAMPLES_SHOWN);
    }

    #[test]
    fn the_calendar_names_the_periods_as_dates() {
        let at = |s: &str| {
            s.parse::<DateTime<chrono::Utc>>()
                .unwrap()
                .with_timezone(&Tz::UTC)
        };
        let text = calendar(at("2026-03-13T18:00:00Z"));
        assert!(
            text.contains("Today is 2026-03-13 (Friday), timezone UTC"),
            "{text}"
        );
        assert!(text.contains("Yesterday: 2026-03-12."), "{text}");
        assert!(
            text.contains("This week: 2026-03-09 to 2026-03-13."),
            "{text}"
        );
        assert!(
            text.contains("Last week: 2026-03-02 to 2026-03-08"),
            "{text}"
        );
        assert!(
            text.contains("This month: 2026-03-01 to 2026-03-13."),
            "{text}"
        );
        assert!(
            text.contains("Last month: 2026-02-01 to 2026-02-28."),
            "{text}"
        );
        // Across a year, on a Monday.
        let text = calendar(at("2027-01-04T10:00:00Z"));
        assert!(
            text.contains("Last week: 2026-12-28 to 2027-01-03"),
            "{text}"
        );
        assert!(
            text.contains("Last month: 2026-12-01 to 2026-12-31."),
            "{text}"
        );
    }
}
