//! What the model reads in plan mode: the closed lists it picks from,
//! today's periods as dates, and the worked plans of the questions most
//! like the one asked.

use chrono::DateTime;
use chrono_tz::Tz;
use serde_json::Value;

use super::plan::{Metric, PLAN_SCHEMA_NAME, PlanExample, plan_reply_schema};
use super::prompt::{calendar, closest};
use crate::llm::{ChatMessage, ChatRequest};

/// Worked plans shown with one question.
pub(super) const PLAN_EXAMPLES_SHOWN: usize = 4;

/// The metrics and their meanings, one a line.
fn metrics() -> String {
    Metric::ALL
        .iter()
        .map(|m| format!("- {}: {}\n", m.as_str(), m.meaning()))
        .collect()
}

fn system_prompt(examples: &[PlanExample], now: DateTime<Tz>, question: &str) -> String {
    let mut shown = String::new();
    for i in closest(
        examples.iter().map(|e| e.question.as_str()),
        question,
        PLAN_EXAMPLES_SHOWN,
    ) {
        let example = &examples[i];
        let reply = serde_json::to_value(&example.reply).unwrap_or(Value::Null);
        shown.push_str(&format!("Q: {}\n{reply}\n", example.question));
    }
    format!(
        "You turn a question about employee attendance into a query plan: a JSON object, \
         never SQL.\n{}\n\
         Answer {{\"plan\": {{...}}, \"unsupported\": null}}, or {{\"plan\": null, \
         \"unsupported\": \"why\"}} when no plan fits (lists of teams or people, roles, \
         time zones, clock-in times, pay, contact details, anything the metrics below do \
         not measure).\n\
         metric, exactly one of:\n{}\
         group_by: employee, team, day, week, month, weekday, work_mode (session metrics \
         only), or null for one total.\n\
         employees, teams: the names written in the question, or null for everyone.\n\
         work_mode: \"WFH\" or \"WFO\" or null. absence_kind: vacation, sick or other \
         (absence_days only), or null.\n\
         period: {{\"from\": \"YYYY-MM-DD\", \"to\": \"YYYY-MM-DD\"}}, {{\"relative\": \
         \"today\"}} (or yesterday, this_week, last_week, this_month, last_month), \
         {{\"last_n_days\": 7}}, or null for every date. The metrics from expected_hours \
         on need a period.\n\
         having: {{\"op\": \"gt\", \"value\": 3}} (gt, ge, lt, le) keeps the groups whose \
         value passes, or null.\n\
         order: \"desc\" for most or highest, \"asc\" for least or fewest, or null. \
         limit: how many rows (1 for \"who ... most\"), or null.\n\
         unit: \"minutes\" when minutes are asked for, else null.\n\
         compare_with_previous: true to compare the period with the one before it.\n\
         Examples:\n{shown}",
        calendar(now),
        metrics(),
    )
}

/// The opening messages of plan mode for `question`.
pub(super) fn plan_messages(
    examples: &[PlanExample],
    now: DateTime<Tz>,
    question: &str,
) -> Vec<ChatMessage> {
    vec![
        ChatMessage::system(system_prompt(examples, now, question)),
        ChatMessage::user(question.to_owned()),
    ]
}

/// One plan turn: the conversation so far, asking for the plan's schema.
pub(super) fn plan_request(messages: &[ChatMessage]) -> ChatRequest {
    ChatRequest::new(messages.to_vec()).with_json_schema(PLAN_SCHEMA_NAME, plan_reply_schema())
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

    #[test]
    fn the_prompt_lists_every_metric_and_the_closest_worked_plans() {
        let example = |q: &str, metric| PlanExample {
            question: q.to_owned(),
            reply: PlanReply {
                plan: Some(QueryPlan::new(metric)),
                unsupported: None,
            },
        };
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
        let prompt = system_prompt(&examples, now, "Who was late most often last week?");
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
    }
}
