//! The catalog of Q&A views the model is shown, and the question set whose
//! `dev` split gives its worked examples.

use std::sync::LazyLock;

use attendance_core::ask::plan::PlanReply;
use attendance_core::ask::{Catalog, ColumnDoc, PlanExample, RelationDoc};
use serde::Deserialize;
use serde_json::Value;

const fn col(name: &'static str, sql_type: &'static str, meaning: &'static str) -> ColumnDoc {
    ColumnDoc {
        name,
        sql_type,
        meaning,
    }
}

/// The Q&A views (migration `0002_qa_views.sql`) and worked examples, as the
/// model is shown them. A test checks every column against the database.
pub fn catalog() -> Catalog {
    Catalog {
        relations: vec![
            RelationDoc {
                name: "qa_teams",
                description: "one row per team",
                columns: vec![
                    col("team_id", "bigint", "team id"),
                    col("team_name", "text", "team name"),
                    col(
                        "timezone",
                        "text",
                        "IANA timezone of the team; local times are in it",
                    ),
                    col(
                        "late_after",
                        "time",
                        "a first clock-in after this local time is late",
                    ),
                    col("headcount", "bigint", "employees; NULL to non-managers"),
                ],
            },
            RelationDoc {
                name: "qa_employees",
                description: "one row per employee",
                columns: vec![
                    col("employee_id", "bigint", "employee id"),
                    col("employee_name", "text", "full name; not unique"),
                    col("role", "text", "job role"),
                    col("is_manager", "boolean", "manages others"),
                    col("team_id", "bigint", "team id"),
                    col("team_name", "text", "team name"),
                ],
            },
            RelationDoc {
                name: "qa_sessions",
                description: "one row per clock-in/clock-out session: times of day, \
                              night shifts, the work mode of each session",
                columns: vec![
                    col("session_id", "bigint", "session id"),
                    col("employee_id", "bigint", "employee id"),
                    col("employee_name", "text", "full name; not unique"),
                    col("role", "text", "job role"),
                    col("is_manager", "boolean", "manages others"),
                    col("team_id", "bigint", "team id"),
                    col("team_name", "text", "team name"),
                    col(
                        "work_date",
                        "date",
                        "local date of the clock-in in the team timezone; a night shift \
                         that ends after midnight keeps the date it started",
                    ),
                    col("iso_weekday", "integer", "1 = Monday … 7 = Sunday"),
                    col(
                        "work_mode",
                        "text",
                        "'WFH' (from home) or 'WFO' (from the office)",
                    ),
                    col("clock_in_at", "timestamptz", "clock-in instant"),
                    col(
                        "clock_out_at",
                        "timestamptz",
                        "clock-out instant; NULL while open",
                    ),
                    col(
                        "clock_in_local",
                        "timestamp",
                        "clock-in in the team's local time (date and time; \
                         clock_in_local::time for the time of day)",
                    ),
                    col(
                        "clock_out_local",
                        "timestamp",
                        "clock-out in the team's local time",
                    ),
                    col("hours", "numeric", "hours worked; NULL while open"),
                    col("is_open", "boolean", "not clocked out yet"),
                ],
            },
            RelationDoc {
                name: "qa_daily_attendance",
                description: "one row per employee and day present (a day absent has no \
                              row): days present, late arrivals, hours per day",
                columns: vec![
                    col("employee_id", "bigint", "employee id"),
                    col("employee_name", "text", "full name; not unique"),
                    col("team_id", "bigint", "team id"),
                    col("team_name", "text", "team name"),
                    col("work_date", "date", "the day"),
                    col("iso_weekday", "integer", "1 = Monday … 7 = Sunday"),
                    col("first_clock_in_local", "time", "first clock-in, local time"),
                    col("last_clock_out_local", "time", "last clock-out, local time"),
                    col("sessions", "bigint", "sessions that day"),
                    col("hours", "numeric", "hours worked in closed sessions"),
                    col("worked_from_home", "boolean", "at least one WFH session"),
                    col("worked_from_office", "boolean", "at least one WFO session"),
                    col(
                        "is_late",
                        "boolean",
                        "first clock-in after the team's late_after",
                    ),
                    col(
                        "has_open_session",
                        "boolean",
                        "a session of that day is still open",
                    ),
                ],
            },
            RelationDoc {
                name: "qa_ledger_days",
                description: "one row per employee and date up to today, every date (days \
                              off and days absent too): hours owed and worked, overtime, \
                              holidays, absences; compare work_date with dates only \
                              (BETWEEN DATE '2026-03-01' AND DATE '2026-03-31', or \
                              date_trunc(...)::date): against a timestamp or inside \
                              extract() it reads every day and is slow",
                columns: vec![
                    col("employee_id", "bigint", "employee id"),
                    col("employee_name", "text", "full name; not unique"),
                    col(
                        "team_id",
                        "bigint",
                        "the team the employee was in that date",
                    ),
                    col("team_name", "text", "that team's name"),
                    col("work_date", "date", "the day"),
                    col(
                        "expected_minutes",
                        "bigint",
                        "minutes owed by the work pattern; 0 on days off and full \
                         holidays, half on half holidays",
                    ),
                    col(
                        "worked_minutes",
                        "bigint",
                        "net minutes worked (gross less the break deducted)",
                    ),
                    col("worked_gross_minutes", "bigint", "minutes clocked in"),
                    col(
                        "break_deducted_minutes",
                        "bigint",
                        "minutes deducted for a break not taken",
                    ),
                    col(
                        "absence_credit_minutes",
                        "bigint",
                        "minutes an absence counts as worked; balance = \
                         sum(worked_minutes + absence_credit_minutes - expected_minutes)",
                    ),
                    col(
                        "overtime_minutes",
                        "bigint",
                        "minutes beyond those owed (per week for weekly patterns); \
                         excludes holiday and rest-day work",
                    ),
                    col(
                        "undertime_minutes",
                        "bigint",
                        "minutes owed and neither worked nor credited",
                    ),
                    col(
                        "holiday_work_minutes",
                        "bigint",
                        "net minutes worked on a full holiday",
                    ),
                    col(
                        "rest_day_work_minutes",
                        "bigint",
                        "net minutes worked on a day owing nothing (a weekend)",
                    ),
                    col(
                        "absence_kind",
                        "text",
                        "'vacation', 'sick' or 'other'; NULL: no absence",
                    ),
                    col("absence_portion", "text", "'full' or 'half' day absent"),
                    col(
                        "holiday_portion",
                        "text",
                        "'full' or 'half' holiday; NULL: no holiday",
                    ),
                    col(
                        "absent_without_leave",
                        "boolean",
                        "minutes owed, no session, no absence",
                    ),
                    col(
                        "is_late",
                        "boolean",
                        "first clock-in after the pattern's start or the team's late_after",
                    ),
                    col("sessions", "bigint", "sessions that day"),
                    col(
                        "open",
                        "boolean",
                        "a session is still open, counted up to now",
                    ),
                ],
            },
        ],
        examples: dev_examples(),
    }
}

/// The question set of the Q&A evaluation (`cargo run -p attendance-tools --bin qa_eval`,
/// docs/QA_EVAL.md), JSON Lines: questions about the seed tool's
/// company, each with its gold query over the Q&A views and a `dev` or
/// `test` split.
pub const QUESTIONS_JSONL: &str = include_str!("../../qa/questions.jsonl");

/// The worked examples the prompt may show: the `dev` split of
/// [`QUESTIONS_JSONL`] that has a query, in file order, so that examples and
/// evaluation are one list and no `test` question can reach a prompt. The
/// prompt shows the few most like the question asked.
fn dev_examples() -> Vec<(&'static str, &'static str)> {
    #[derive(Deserialize)]
    struct Line {
        split: String,
        question: String,
        sql: Option<String>,
    }
    static EXAMPLES: LazyLock<Vec<(String, String)>> = LazyLock::new(|| {
        QUESTIONS_JSONL
            .lines()
            .filter_map(|line| serde_json::from_str::<Line>(line).ok())
            .filter(|line| line.split == "dev")
            .filter_map(|line| Some((line.question, line.sql?)))
            .collect()
    });
    EXAMPLES
        .iter()
        .map(|(q, sql)| (q.as_str(), sql.as_str()))
        .collect()
}

/// The worked plans the plan prompt may show: every `dev` line of
/// [`QUESTIONS_JSONL`], in file order. A line's `plan` is a
/// [`QueryPlan`](attendance_core::ask::QueryPlan) object; a line without
/// one (or with `null`) is a question no plan expresses, and teaches the
/// model to answer `unsupported`. A `plan` that does not read as a plan is
/// left out here and fails `plan_examples_are_plans` in this crate's
/// tests.
pub fn plan_examples() -> Vec<PlanExample> {
    QUESTIONS_JSONL
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|line| line.get("split").and_then(Value::as_str) == Some("dev"))
        .filter_map(|line| {
            let question = line.get("question")?.as_str()?.to_owned();
            let reply = match line.get("plan") {
                None | Some(Value::Null) => PlanReply {
                    plan: None,
                    unsupported: Some("no plan can express this question".to_owned()),
                },
                Some(plan) => PlanReply {
                    plan: Some(serde_json::from_value(plan.clone()).ok()?),
                    unsupported: None,
                },
            };
            Some(PlanExample { question, reply })
        })
        .collect()
}
