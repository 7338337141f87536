//! The typed query plan: what a model fills in instead of writing SQL.
//!
//! A small model asked for free SQL over five views writes queries that do
//! not run or mean something else; asked to pick a metric, a grouping and a
//! few filters from closed lists, it has far less to get wrong. The library
//! then writes the SQL itself ([`ValidPlan::compile`]), over the Q&A views
//! only, and that SQL still goes through the guard and runs in the asking
//! principal's scope like any other.
//!
//! The flow is: the model's JSON → [`PlanReply`] (serde, unknown fields
//! refused) → [`QueryPlan::validate`] against today's date (bounds, what
//! applies to which metric, relative periods made into dates) →
//! [`ValidPlan`] → names resolved to ids in scope → [`ValidPlan::compile`].
//!
//! Every closed set (metrics, groupings, periods…) is an enum declared once
//! with `closed_set!`; the JSON schema the model is sent
//! ([`plan_reply_schema`]) is built from those same declarations, so the
//! schema and the type cannot disagree.
//!
//! ```
//! use attendance_core::ask::plan::{PlanReply, ResolvedNames};
//! use attendance_core::domain::TeamId;
//!
//! let reply = PlanReply::from_json(serde_json::json!({
//!     "plan": {"metric": "hours_worked", "group_by": "employee",
//!              "teams": ["Sales Berlin"], "period": {"relative": "last_week"}},
//!     "unsupported": null
//! }))?;
//! let today = "2026-03-13".parse().unwrap();
//! let plan = reply.plan.unwrap().validate(today)?;
//! assert_eq!(
//!     plan.sentence(),
//!     "hours worked, by employee, in Sales Berlin, 2026-03-02 to 2026-03-08"
//! );
//! // Names become ids in the asker's scope before the SQL is written.
//! let names = ResolvedNames { employees: vec![], teams: vec![TeamId(4)] };
//! assert_eq!(
//!     plan.compile(&names),
//!     "SELECT employee_id, employee_name, sum(hours) AS hours_worked \
//!      FROM qa_daily_attendance WHERE team_id IN (4) \
//!      AND work_date BETWEEN DATE '2026-03-02' AND DATE '2026-03-08' \
//!      GROUP BY 1, 2 ORDER BY 1, 2"
//! );
//! # Ok::<(), attendance_core::ask::plan::PlanError>(())
//! ```

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

mod compile;
mod read;
mod validate;
mod words;

pub use compile::{ResolvedNames, sql_literal};
pub use read::{names_a_time, period_in, take_names};
pub use validate::{MAX_NAME_CHARS, MAX_NAMES, MAX_PERIOD_DAYS, PlanError, ValidPlan};
pub use words::ground_in_words;

/// Declares a closed set of JSON words as a Rust enum, with the list of
/// every value ([`Metric::ALL`] and the like) that the schema is built
/// from: one declaration, so a new variant is in the schema by
/// construction.
macro_rules! closed_set {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        $vis enum $name {
            $( $(#[$vmeta])* #[serde(rename = $text)] $variant, )+
        }

        impl $name {
            /// Every value, in declaration order (the schema's `enum`).
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The value as the JSON word the model writes.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text,)+
                }
            }
        }
    };
}

closed_set! {
    /// What is measured. Each metric reads one Q&A view (see
    /// [`Metric::meaning`]).
    pub enum Metric {
        /// Employee-days with at least one session.
        DaysPresent = "days_present",
        /// Distinct people with at least one session.
        PeoplePresent = "people_present",
        /// Hours worked in closed sessions.
        HoursWorked = "hours_worked",
        /// Average hours worked per day present.
        AverageHoursPerDay = "average_hours_per_day",
        /// Days with a first clock-in after the team's late time.
        LateArrivals = "late_arrivals",
        /// Late arrivals as a percentage of days present.
        LatePercentage = "late_percentage",
        /// Days with at least one session from home.
        WfhDays = "wfh_days",
        /// Days with at least one session from the office.
        WfoDays = "wfo_days",
        /// Clock-in/clock-out sessions.
        Sessions = "sessions",
        /// Sessions not clocked out yet.
        OpenSessions = "open_sessions",
        /// Average length of a closed session, in hours.
        AverageSessionHours = "average_session_hours",
        /// Longest single session, in hours.
        LongestSessionHours = "longest_session_hours",
        /// Sessions from home as a percentage of all sessions.
        WfhPercentage = "wfh_percentage",
        /// Sessions that ended after midnight local time.
        NightShiftSessions = "night_shift_sessions",
        /// Employees (now).
        Headcount = "headcount",
        /// Hours owed by the work pattern (the ledger).
        ExpectedHours = "expected_hours",
        /// Net hours worked, less breaks deducted (the ledger).
        NetHoursWorked = "net_hours_worked",
        /// Hours beyond those owed (the ledger).
        OvertimeHours = "overtime_hours",
        /// Hours owed and neither worked nor credited (the ledger).
        UndertimeHours = "undertime_hours",
        /// Worked plus absence credit minus owed (the ledger).
        BalanceHours = "balance_hours",
        /// Hours worked on full holidays (the ledger).
        HolidayWorkHours = "holiday_work_hours",
        /// Hours worked on days that owe nothing (the ledger).
        RestDayWorkHours = "rest_day_work_hours",
        /// Hours deducted for breaks not taken (the ledger).
        BreakDeductedHours = "break_deducted_hours",
        /// Days of absence (a half day counts 0.5).
        AbsenceDays = "absence_days",
        /// Days owed with neither a session nor an absence.
        AbsentWithoutLeaveDays = "absent_without_leave_days",
    }
}

closed_set! {
    /// How rows are grouped; no grouping gives one total.
    pub enum Grouping {
        /// One row per employee (by id: names repeat).
        Employee = "employee",
        /// One row per team.
        Team = "team",
        /// One row per date.
        Day = "day",
        /// One row per ISO week (its Monday).
        Week = "week",
        /// One row per month (its first day).
        Month = "month",
        /// One row per weekday, 1 = Monday.
        Weekday = "weekday",
        /// One row per work mode (session metrics only).
        WorkMode = "work_mode",
    }
}

closed_set! {
    /// A period named relative to today, in the company's timezone.
    pub enum RelativePeriod {
        /// Today.
        Today = "today",
        /// Yesterday.
        Yesterday = "yesterday",
        /// Monday of this ISO week to today.
        ThisWeek = "this_week",
        /// The previous ISO week, Monday to Sunday.
        LastWeek = "last_week",
        /// The first of this month to today.
        ThisMonth = "this_month",
        /// The whole previous month.
        LastMonth = "last_month",
    }
}

closed_set! {
    /// Keeps sessions (or days) of one work mode.
    pub enum WorkModeFilter {
        /// From home.
        Wfh = "WFH",
        /// From the office.
        Wfo = "WFO",
    }
}

closed_set! {
    /// Keeps absences of one kind ([`Metric::AbsenceDays`] only).
    pub enum AbsenceKind {
        /// Vacation.
        Vacation = "vacation",
        /// Sick leave.
        Sick = "sick",
        /// Any other leave.
        Other = "other",
    }
}

closed_set! {
    /// Sort direction of the metric's value.
    pub enum Order {
        /// Smallest first.
        Asc = "asc",
        /// Largest first.
        Desc = "desc",
    }
}

closed_set! {
    /// The unit of a duration metric.
    pub enum Unit {
        /// Hours (the default).
        Hours = "hours",
        /// Minutes.
        Minutes = "minutes",
    }
}

closed_set! {
    /// A comparison of each group's value with a number.
    pub enum Comparison {
        /// Greater than.
        Gt = "gt",
        /// Greater than or equal.
        Ge = "ge",
        /// Less than.
        Lt = "lt",
        /// Less than or equal.
        Le = "le",
    }
}

/// Two dates, both included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DateRange {
    /// First day.
    pub from: NaiveDate,
    /// Last day.
    pub to: NaiveDate,
}

/// A period named relative to today.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Relative {
    /// Which.
    pub relative: RelativePeriod,
}

/// The last N days, today included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LastNDays {
    /// How many days.
    pub last_n_days: u32,
}

/// The period a plan covers: dates, a named period, or the last N days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Period {
    /// `{"from": "2026-03-02", "to": "2026-03-08"}`.
    Dates(DateRange),
    /// `{"relative": "last_week"}`.
    Relative(Relative),
    /// `{"last_n_days": 7}`.
    LastNDays(LastNDays),
}

/// Keeps the groups whose value compares so with `value` (SQL `HAVING`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Having {
    /// The comparison.
    pub op: Comparison,
    /// The number compared with, in the metric's unit.
    pub value: f64,
}

/// A question as a plan: one metric, optionally grouped, filtered, ordered
/// and limited. Absent fields mean "no filter", "no grouping" and so on;
/// the model is asked to write every field, `null` where it has nothing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueryPlan {
    /// What is measured.
    pub metric: Metric,
    /// One row per group; `None`: one total.
    #[serde(default)]
    pub group_by: Option<Grouping>,
    /// Only this period; `None`: everything recorded.
    #[serde(default)]
    pub period: Option<Period>,
    /// Only these teams, by name as written in the question.
    #[serde(default)]
    pub teams: Option<Vec<String>>,
    /// Only these employees, by name as written in the question.
    #[serde(default)]
    pub employees: Option<Vec<String>>,
    /// Only this work mode.
    #[serde(default)]
    pub work_mode: Option<WorkModeFilter>,
    /// Order by the metric's value.
    #[serde(default)]
    pub order: Option<Order>,
    /// At most this many rows.
    #[serde(default)]
    pub limit: Option<u32>,
    /// Only the groups whose value passes this test.
    #[serde(default)]
    pub having: Option<Having>,
    /// Hours or minutes, for duration metrics.
    #[serde(default)]
    pub unit: Option<Unit>,
    /// Only this kind of absence.
    #[serde(default)]
    pub absence_kind: Option<AbsenceKind>,
    /// Also the same metric over the period just before.
    #[serde(default)]
    pub compare_with_previous: bool,
}

impl QueryPlan {
    /// A plan for `metric` with no grouping, filter or order.
    pub fn new(metric: Metric) -> Self {
        Self {
            metric,
            group_by: None,
            period: None,
            teams: None,
            employees: None,
            work_mode: None,
            order: None,
            limit: None,
            having: None,
            unit: None,
            absence_kind: None,
            compare_with_previous: false,
        }
    }
}

/// What the model answers: a plan, or that the plan cannot express the
/// question (with its reason, kept for the log only).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanReply {
    /// The plan; `None` with `unsupported`.
    #[serde(default)]
    pub plan: Option<QueryPlan>,
    /// Why no plan fits the question.
    #[serde(default)]
    pub unsupported: Option<String>,
}

/// A worked example the prompt may show: a question and the reply that
/// answers it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanExample {
    /// The question.
    pub question: String,
    /// Its plan, or why none fits.
    pub reply: PlanReply,
}

impl PlanReply {
    /// Reads the model's JSON object. A bare plan (an object with a
    /// `metric` and no `plan`), as small models write it, reads as that
    /// plan.
    ///
    /// # Errors
    /// [`PlanError::Malformed`] with the parser's words, and when the
    /// object has neither a plan nor a reason.
    pub fn from_json(object: Value) -> Result<Self, PlanError> {
        let malformed = |reason: String| PlanError::Malformed { reason };
        let bare = object.get("metric").is_some() && object.get("plan").is_none();
        let reply = if bare {
            Self {
                plan: Some(serde_json::from_value(object).map_err(|e| malformed(e.to_string()))?),
                unsupported: None,
            }
        } else {
            serde_json::from_value::<Self>(object).map_err(|e| malformed(e.to_string()))?
        };
        let blank = reply
            .unsupported
            .as_deref()
            .is_none_or(|u| u.trim().is_empty());
        if reply.plan.is_none() && blank {
            return Err(malformed(
                "it needs a plan, or a reason in unsupported".to_owned(),
            ));
        }
        Ok(reply)
    }
}

/// Name of the JSON schema of [`PlanReply`].
pub const PLAN_SCHEMA_NAME: &str = "query_plan_or_unsupported";

/// An enum over a closed set's words.
fn string_enum(words: impl IntoIterator<Item = &'static str>, description: &str) -> Value {
    let values: Vec<Value> = words.into_iter().map(Value::from).collect();
    json!({"type": "string", "enum": values, "description": description})
}

/// `schema` or `null`, as `anyOf` rather than a list of types: grammar
/// converters (llama.cpp's) take `anyOf` of whole schemas, but read a type
/// list as a union of bare types and drop the enum or item type beside it.
fn nullable(schema: Value, description: &str) -> Value {
    json!({"anyOf": [schema, {"type": "null"}], "description": description})
}

/// [`string_enum`] or `null`.
fn nullable_enum(words: impl IntoIterator<Item = &'static str>, description: &str) -> Value {
    let values: Vec<Value> = words.into_iter().map(Value::from).collect();
    nullable(json!({"type": "string", "enum": values}), description)
}

/// A closed object: every property required, nothing else allowed (what
/// strict structured output asks for).
fn object(properties: Value) -> Value {
    let required: Vec<Value> = properties
        .as_object()
        .map(|map| map.keys().cloned().map(Value::from).collect())
        .unwrap_or_default();
    json!({
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": false
    })
}

/// The JSON schema of [`QueryPlan`].
pub fn plan_schema() -> Value {
    plan_schema_of(Metric::ALL)
}

/// The JSON schema of [`QueryPlan`] with its metric one of `metrics`: what
/// a small model is offered, so that it chooses among few (the plan it
/// writes is read and validated like any other).
pub fn plan_schema_of(metrics: &[Metric]) -> Value {
    // `format` is what a grammar converter turns into digits and dashes.
    let date = json!({"type": "string", "format": "date", "description": "YYYY-MM-DD"});
    let names = |what: &str| {
        nullable(
            json!({"type": "array", "items": {"type": "string"}}),
            &format!("{what} named in the question, as written; null: all"),
        )
    };
    let period = json!({
        "anyOf": [
            object(json!({"from": date, "to": date})),
            object(json!({"relative": string_enum(
                RelativePeriod::ALL.iter().map(|p| p.as_str()),
                "a period relative to today"
            )})),
            object(json!({"last_n_days": {"type": "integer", "description": "today and the days before"}})),
            {"type": "null"}
        ]
    });
    let having = json!({
        "anyOf": [
            object(json!({
                "op": string_enum(Comparison::ALL.iter().map(|c| c.as_str()), "the comparison"),
                "value": {"type": "number"}
            })),
            {"type": "null"}
        ]
    });
    // In the order a model should decide them (the grammar llama.cpp
    // derives from a schema makes the model write them in this order):
    // what is measured first, the fields rarely used last.
    object(json!({
        "metric": string_enum(metrics.iter().map(|m| m.as_str()), "what is measured"),
        "group_by": nullable_enum(Grouping::ALL.iter().map(|g| g.as_str()), "one row per; null: one total"),
        "period": period,
        "teams": names("teams"),
        "employees": names("employees"),
        "work_mode": nullable_enum(WorkModeFilter::ALL.iter().map(|w| w.as_str()), "only this work mode"),
        "order": nullable_enum(Order::ALL.iter().map(|o| o.as_str()), "order by the value"),
        "limit": nullable(json!({"type": "integer"}), "at most this many rows"),
        "having": having,
        "unit": nullable_enum(Unit::ALL.iter().map(|u| u.as_str()), "for durations; null: hours"),
        "absence_kind": nullable_enum(AbsenceKind::ALL.iter().map(|a| a.as_str()), "only this kind of absence (absence_days)"),
        "compare_with_previous": {"type": "boolean", "description": "also the period just before"}
    }))
}

/// The JSON schema of [`PlanReply`]: `{"plan": {...} | null, "unsupported":
/// "why" | null}`.
pub fn plan_reply_schema() -> Value {
    plan_reply_schema_of(Metric::ALL)
}

/// [`plan_reply_schema_of`] with only the metric required of a plan: what
/// a model constrained by a grammar (llama.cpp) is sent, so that it may
/// stop after the fields it uses instead of writing every one (strict
/// structured output, OpenAI's, needs every field required).
pub fn plan_reply_schema_brief(metrics: &[Metric]) -> Value {
    let mut schema = plan_reply_schema_of(metrics);
    schema["properties"]["plan"]["anyOf"][0]["required"] = json!(["metric"]);
    schema
}

/// [`plan_reply_schema`] with the metric one of `metrics`.
pub fn plan_reply_schema_of(metrics: &[Metric]) -> Value {
    object(json!({
        "plan": {"anyOf": [plan_schema_of(metrics), {"type": "null"}]},
        "unsupported": nullable(
            json!({"type": "string"}),
            "why no plan can answer the question; null with a plan"
        )
    }))
}

#[cfg(test)]
mod tests;
