//! What the model reads in plan mode: the closed lists it picks from,
//! today's periods as dates, and the worked plans of the questions most
//! like the one asked.

use chrono::DateTime;
use chrono_tz::Tz;
use serde_json::Value;

use super::plan::{
    Metric, PLAN_SCHEMA_NAME, PlanExample, plan_reply_schema_brief, plan_reply_schema_of,
};
use super::prompt::{calendar, closest};
use crate::llm::{ChatMessage, ChatRequest};

/// Worked plans shown with one question.
pub(super) const PLAN_EXAMPLES_SHOWN: usize = 4;

/// Worked plans whose metrics a small model is offered, beside those the
/// question's words cue.
pub(super) const PLAN_EXAMPLES_FOR_METRICS: usize = 8;

/// The metrics and their meanings, one a line.
fn metrics(offered: &[Metric]) -> String {
    offered
        .iter()
        .map(|m| format!("- {}: {}\n", m.as_str(), m.meaning()))
        .collect()
}

/// What a model is offered for one question.
pub(super) struct Offered {
    /// The metrics it may choose.
    pub(super) metrics: Vec<Metric>,
    /// Whether a plan may leave out the fields it does not use, in the
    /// schema and in the worked plans shown (a small model's output is
    /// half nulls otherwise, and each costs time).
    pub(super) brief: bool,
}

/// What is offered for `question`: to a large model every metric, all
/// fields required; to a small one (`small`), the metrics of the
/// [`PLAN_EXAMPLES_FOR_METRICS`] closest worked plans and those the
/// question's words cue ([`Metric::cues`]), in their declared order, and
/// brief plans. A 135M-parameter model picks well among a handful and
/// poorly among 25.
pub(super) fn offered(examples: &[PlanExample], question: &str, small: bool) -> Offered {
    Offered {
        metrics: offered_metrics(examples, question, small),
        brief: small,
    }
}

fn offered_metrics(examples: &[PlanExample], question: &str, small: bool) -> Vec<Metric> {
    if !small {
        return Metric::ALL.to_vec();
    }
    let words: Vec<String> = question
        .to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .map(str::to_owned)
        .collect();
    let near: Vec<Metric> = closest(
        examples.iter().map(|e| e.question.as_str()),
        question,
        PLAN_EXAMPLES_FOR_METRICS,
    )
    .into_iter()
    .filter_map(|i| examples[i].reply.plan.as_ref().map(|p| p.metric))
    .collect();
    Metric::ALL
        .iter()
        .copied()
        .filter(|m| near.contains(m) || m.cues().iter().any(|c| words.iter().any(|w| w == c)))
        .collect()
}

/// The part of the system prompt that is the same for every question:
/// first, so that a server that keeps the last prompts' state (llama.cpp)
/// reads it once.
fn instructions() -> &'static str {
    "You turn a question about employee attendance into a query plan: a JSON object, \
         never SQL. Answer {\"plan\": {...}, \"unsupported\": null}, or {\"plan\": null, \
         \"unsupported\": \"why\"} when no metric measures it (someone's role or team, \
         time zones, clock-in times, pay, contact details, the future).\n\
         metric: one of the metrics listed below.\n\
         group_by: employee, team, day, week, month, weekday, work_mode (session metrics \
         only), or null for one total.\n\
         period: {\"from\": \"YYYY-MM-DD\", \"to\": \"YYYY-MM-DD\"}, {\"relative\": \
         \"today\"} (or yesterday, this_week, last_week, this_month, last_month), \
         {\"last_n_days\": 7}, or null for every date. The metrics from expected_hours \
         on need a period.\n\
         teams, employees: the names written in the question, or null for everyone.\n\
         work_mode: \"WFH\" or \"WFO\" or null.\n\
         order: \"desc\" for most or highest, \"asc\" for least or fewest, or null. \
         limit: how many rows (1 for \"who ... most\"), or null.\n\
         having: {\"op\": \"gt\", \"value\": 3} (gt, ge, lt, le) keeps the groups whose \
         value passes, or null. unit: \"minutes\" when minutes are asked for, else null. \
         absence_kind: vacation, sick or other (absence_days only), or null. \
         compare_with_previous: true to compare the period with the one before it.\n"
}

/// A worked reply as the model is shown it: every field, or in `brief`
/// only those with a value (a plan's nulls and `false`).
fn shown_reply(example: &PlanExample, brief: bool) -> Value {
    let mut reply = serde_json::to_value(&example.reply).unwrap_or(Value::Null);
    if brief && let Some(plan) = reply.get_mut("plan").and_then(Value::as_object_mut) {
        plan.retain(|_, v| !v.is_null() && *v != Value::Bool(false));
    }
    reply
}

fn system_prompt(
    examples: &[PlanExample],
    now: DateTime<Tz>,
    question: &str,
    offered: &Offered,
) -> String {
    let mut shown = String::new();
    for i in closest(
        examples.iter().map(|e| e.question.as_str()),
        question,
        PLAN_EXAMPLES_SHOWN,
    ) {
        let example = &examples[i];
        let reply = shown_reply(example, offered.brief);
        shown.push_str(&format!("Q: {}\n{reply}\n", example.question));
    }
    format!(
        "{}{}\nMetrics:\n{}Examples:\n{shown}",
        instructions(),
        calendar(now),
        metrics(&offered.metrics)
    )
}

/// The opening messages of plan mode for `question`.
pub(super) fn plan_messages(
    examples: &[PlanExample],
    now: DateTime<Tz>,
    question: &str,
    offered: &Offered,
) -> Vec<ChatMessage> {
    vec![
        ChatMessage::system(system_prompt(examples, now, question, offered)),
        ChatMessage::user(question.to_owned()),
    ]
}

/// Longest plan reply asked for, in tokens: a whole plan with every field
/// is about 120; past this a model is writing a name or a reason without
/// end, and the cut reply is refused like any malformed one.
pub(super) const PLAN_MAX_TOKENS: u32 = 300;

/// One plan turn: the conversation so far, asking for the plan's schema
/// as `offered`.
pub(super) fn plan_request(messages: &[ChatMessage], offered: &Offered) -> ChatRequest {
    let schema = if offered.brief {
        plan_reply_schema_brief(&offered.metrics)
    } else {
        plan_reply_schema_of(&offered.metrics)
    };
    ChatRequest::new(messages.to_vec())
        .with_json_schema(PLAN_SCHEMA_NAME, schema)
        .with_max_tokens(PLAN_MAX_TOKENS)
}

/// Repair turn: the plan was not accepted, for `reason` (about the model's
/// own JSON).
pub(super) fn repair_plan(reason: &str) -> String {
    format!(
        "That plan was not accepted: {reason}. Answer with {{\"plan\": {{...}}, \
         \"unsupported\": null}} using only the fields and words listed, or \
         {{\"plan\": null, \"unsupported\": \"why\"}}."
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ask::plan::{PlanReply, QueryPlan};

    /// A worked question whose plan is `metric` alone.
    fn example(question: &str, metric: Metric) -> PlanExample {
        PlanExample {
            question: question.to_owned(),
            reply: PlanReply {
                plan: Some(QueryPlan::new(metric)),
                unsupported: None,
            },
        }
    }

    #[test]
    fn the_prompt_lists_every_metric_and_the_closest_worked_plans() {
        let examples = vec![
            example("How many sessions are still open?", Metric::OpenSessions),
            example(
                "How many late arrivals were there last week?",
                Metric::LateArrivals,
            ),
            example("How many hours of overtime?", Metric::OvertimeHours),
            example("Total hours per team?", Metric::HoursWorked),
            example("How many people were present?", Metric::PeoplePresent),
        ];
        let now = "2026-03-13T18:00:00Z"
            .parse::<DateTime<chrono::Utc>>()
            .unwrap()
            .with_timezone(&Tz::UTC);
        let all = offered(&examples, "", false);
        let prompt = system_prompt(&examples, now, "Who was late most often last week?", &all);
        for m in Metric::ALL {
            assert!(prompt.contains(&format!("- {}: ", m.as_str())), "{m:?}");
        }
        assert!(prompt.contains("Last week: 2026-03-02 to 2026-03-08"));
        assert_eq!(prompt.matches("\nQ: ").count(), PLAN_EXAMPLES_SHOWN);
        let first = prompt.find("\nQ: ").unwrap();
        assert!(
            prompt[first..].starts_with("\nQ: How many late arrivals"),
            "{prompt}"
        );
        assert!(prompt.contains(r#""metric":"late_arrivals""#), "{prompt}");

        // Another day and another question share everything up to the
        // dates, metrics and fields included.
        let later = now + chrono::Duration::days(40);
        let other = system_prompt(&examples, later, "Total hours per team?", &all);
        let shared = prompt
            .chars()
            .zip(other.chars())
            .take_while(|(a, b)| a == b)
            .count();
        let fixed = instructions().chars().count();
        assert!((fixed..fixed + 20).contains(&shared), "{shared}");
    }

    #[test]
    fn a_small_model_is_offered_the_metrics_of_the_closest_plans_and_of_the_words() {
        let examples = vec![
            example("How many sessions are still open?", Metric::OpenSessions),
            example("How many hours of overtime?", Metric::OvertimeHours),
        ];
        let question = "Who had the most overtime in minutes?";
        let large = offered(&examples, question, false);
        assert_eq!(large.metrics, Metric::ALL);
        assert!(!large.brief);
        let small = offered(&examples, question, true);
        // Both examples are among the closest eight; "overtime" is a cue.
        assert_eq!(small.metrics, [Metric::OpenSessions, Metric::OvertimeHours]);
        let late = offered(&examples, "Who was late most often last week?", true).metrics;
        assert!(late.contains(&Metric::LateArrivals), "{late:?}");
        assert!(!late.contains(&Metric::BreakDeductedHours), "{late:?}");

        // The small model's schema: its metrics, only the metric required;
        // the worked plans shown without their nulls.
        let request = plan_request(&[], &small);
        let schema = &request.json_schema.unwrap().schema;
        let plan = &schema["properties"]["plan"]["anyOf"][0];
        assert_eq!(
            plan["properties"]["metric"]["enum"],
            serde_json::json!(["open_sessions", "overtime_hours"])
        );
        assert_eq!(plan["required"], serde_json::json!(["metric"]));
        let request = plan_request(&[], &large);
        let schema = &request.json_schema.unwrap().schema;
        let plan = &schema["properties"]["plan"]["anyOf"][0];
        assert_eq!(plan["required"].as_array().unwrap().len(), 12);
        assert_eq!(
            shown_reply(&examples[1], true).to_string(),
            r#"{"plan":{"metric":"overtime_hours"},"unsupported":null}"#
        );
        assert!(
            shown_reply(&examples[1], false)
                .to_string()
                .contains(r#""limit":null"#)
        );
    }
}
