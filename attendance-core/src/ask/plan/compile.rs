//! A valid plan written as one SQL query over the Q&A views, and as one
//! sentence for a person.
//!
//! Only ids (resolved from names beforehand, in scope), dates, numbers and
//! fixed fragments of this file are written into the SQL; the one string
//! literal path is [`sql_literal`]. The result is still checked by the
//! guard before it runs, like any query.

use std::fmt::Write as _;

use super::validate::ValidPlan;
use super::{Comparison, DateRange, Grouping, Metric, Order, Unit, WorkModeFilter};
use crate::domain::{EmployeeId, TeamId};

/// The ids the names of a plan resolved to, in the asking principal's
/// scope. A filter the plan has but that resolved to nothing matches no
/// row.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResolvedNames {
    /// The employees of the plan's `employees` filter.
    pub employees: Vec<EmployeeId>,
    /// The teams of the plan's `teams` filter.
    pub teams: Vec<TeamId>,
}

/// `text` as a PostgreSQL string literal: quoted, quotes doubled, NUL
/// (which no PostgreSQL text can hold) dropped. With
/// `standard_conforming_strings` on, PostgreSQL's default since 9.1, a
/// backslash is an ordinary character in it.
pub fn sql_literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('\'');
    for c in text.chars() {
        match c {
            '\'' => out.push_str("''"),
            '\0' => {}
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// The view a metric reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Source {
    /// `qa_daily_attendance`: one row per employee and day present.
    Daily,
    /// `qa_sessions`: one row per session.
    Sessions,
    /// `qa_ledger_days`: one row per employee and date (hours owed).
    Ledger,
    /// `qa_employees`: one row per employee.
    Employees,
}

impl Source {
    pub(super) fn view(self) -> &'static str {
        match self {
            Self::Daily => "qa_daily_attendance",
            Self::Sessions => "qa_sessions",
            Self::Ledger => "qa_ledger_days",
            Self::Employees => "qa_employees",
        }
    }
}

/// The unit a metric's expression yields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Base {
    /// A count, a percentage or days.
    Plain,
    /// Hours (the daily and session views).
    Hours,
    /// Minutes (the ledger).
    Minutes,
}

/// How a metric is computed: its view, its aggregate and the rows it
/// counts.
struct Spec {
    source: Source,
    value: &'static str,
    filter: Option<&'static str>,
    base: Base,
}

const fn spec(
    source: Source,
    value: &'static str,
    filter: Option<&'static str>,
    base: Base,
) -> Spec {
    Spec {
        source,
        value,
        filter,
        base,
    }
}

fn metric_spec(metric: Metric) -> Spec {
    use Base::{Hours, Minutes, Plain};
    use Source::{Daily, Employees, Ledger, Sessions};
    match metric {
        Metric::DaysPresent => spec(Daily, "count(*)", None, Plain),
        Metric::PeoplePresent => spec(Daily, "count(DISTINCT employee_id)", None, Plain),
        Metric::HoursWorked => spec(Daily, "sum(hours)", None, Hours),
        Metric::AverageHoursPerDay => spec(Daily, "round(avg(hours), 2)", None, Hours),
        Metric::LateArrivals => spec(Daily, "count(*)", Some("is_late"), Plain),
        Metric::LatePercentage => spec(
            Daily,
            "round(100.0 * count(*) FILTER (WHERE is_late) / nullif(count(*), 0), 1)",
            None,
            Plain,
        ),
        Metric::WfhDays => spec(Daily, "count(*)", Some("worked_from_home"), Plain),
        Metric::WfoDays => spec(Daily, "count(*)", Some("worked_from_office"), Plain),
        Metric::Sessions => spec(Sessions, "count(*)", None, Plain),
        Metric::OpenSessions => spec(Sessions, "count(*)", Some("is_open"), Plain),
        Metric::AverageSessionHours => spec(Sessions, "round(avg(hours), 2)", None, Hours),
        Metric::LongestSessionHours => spec(Sessions, "max(hours)", None, Hours),
        Metric::WfhPercentage => spec(
            Sessions,
            "round(100.0 * count(*) FILTER (WHERE work_mode = 'WFH') / nullif(count(*), 0), 1)",
            None,
            Plain,
        ),
        Metric::NightShiftSessions => spec(
            Sessions,
            "count(*)",
            Some("clock_out_local::date > work_date"),
            Plain,
        ),
        Metric::Headcount => spec(Employees, "count(*)", None, Plain),
        Metric::ExpectedHours => spec(Ledger, "sum(expected_minutes)", None, Minutes),
        Metric::NetHoursWorked => spec(Ledger, "sum(worked_minutes)", None, Minutes),
        Metric::OvertimeHours => spec(Ledger, "sum(overtime_minutes)", None, Minutes),
        Metric::UndertimeHours => spec(Ledger, "sum(undertime_minutes)", None, Minutes),
        Metric::BalanceHours => spec(
            Ledger,
            "sum(worked_minutes + absence_credit_minutes - expected_minutes)",
            None,
            Minutes,
        ),
        Metric::HolidayWorkHours => spec(Ledger, "sum(holiday_work_minutes)", None, Minutes),
        Metric::RestDayWorkHours => spec(Ledger, "sum(rest_day_work_minutes)", None, Minutes),
        Metric::BreakDeductedHours => spec(Ledger, "sum(break_deducted_minutes)", None, Minutes),
        Metric::AbsenceDays => spec(
            Ledger,
            "sum(CASE absence_portion WHEN 'half' THEN 0.5 ELSE 1 END)",
            Some("absence_kind IS NOT NULL"),
            Plain,
        ),
        Metric::AbsentWithoutLeaveDays => {
            spec(Ledger, "count(*)", Some("absent_without_leave"), Plain)
        }
    }
}

/// The view `metric` reads.
pub(super) fn source(metric: Metric) -> Source {
    metric_spec(metric).source
}

impl Metric {
    /// What the metric counts, as the prompt explains it.
    pub fn meaning(self) -> &'static str {
        match self {
            Self::DaysPresent => "employee-days present (a person on a day with a session)",
            Self::PeoplePresent => "different people present",
            Self::HoursWorked => "hours worked (closed sessions)",
            Self::AverageHoursPerDay => "average hours worked per day present",
            Self::LateArrivals => "days with a late first clock-in",
            Self::LatePercentage => "percentage of days present that were late",
            Self::WfhDays => "days worked from home",
            Self::WfoDays => "days worked from the office",
            Self::Sessions => "clock-in/clock-out sessions",
            Self::OpenSessions => "sessions still open (clocked in now)",
            Self::AverageSessionHours => "average length of a session in hours",
            Self::LongestSessionHours => "longest single session in hours",
            Self::WfhPercentage => "percentage of sessions from home",
            Self::NightShiftSessions => "sessions that ended after midnight (night shifts)",
            Self::Headcount => "employees (no period)",
            Self::ExpectedHours => "hours owed by the work schedule",
            Self::NetHoursWorked => "net hours worked by the ledger, breaks deducted",
            Self::OvertimeHours => "overtime hours",
            Self::UndertimeHours => "hours owed but not worked",
            Self::BalanceHours => "hour balance: worked plus leave credit minus owed",
            Self::HolidayWorkHours => "hours worked on holidays",
            Self::RestDayWorkHours => "hours worked on days the schedule owes nothing",
            Self::BreakDeductedHours => "hours deducted for breaks not taken",
            Self::AbsenceDays => "days of absence or leave (vacation, sick, other)",
            Self::AbsentWithoutLeaveDays => "days absent without leave",
        }
    }

    /// Words of a question that may ask for this metric ("overtime",
    /// "late"); with the worked plans closest to a question, they choose
    /// the few metrics a small model is offered.
    pub fn cues(self) -> &'static [&'static str] {
        match self {
            Self::DaysPresent => &["present", "presence", "attendance", "attended"],
            Self::PeoplePresent => &["people", "different", "distinct", "present"],
            Self::HoursWorked => &["hours", "worked", "work"],
            Self::AverageHoursPerDay => &["average", "per"],
            Self::LateArrivals => &["late", "lateness"],
            Self::LatePercentage => &["late", "percentage", "percent", "share", "rate"],
            Self::WfhDays => &["home", "wfh", "remote", "remotely"],
            Self::WfoDays => &["office", "wfo", "onsite"],
            Self::Sessions => &["session", "sessions", "clock", "clocked"],
            Self::OpenSessions => &["open", "still", "clocked"],
            Self::AverageSessionHours => &["average", "length", "long"],
            Self::LongestSessionHours => &["longest", "single"],
            Self::WfhPercentage => &["percentage", "percent", "share", "home", "wfh"],
            Self::NightShiftSessions => &["night", "midnight", "nights"],
            Self::Headcount => &[
                "employees",
                "headcount",
                "staff",
                "members",
                "teams",
                "list",
            ],
            Self::ExpectedHours => &["owed", "owe", "owes", "expected", "schedule"],
            Self::NetHoursWorked => &["net", "deducted"],
            Self::OvertimeHours => &["overtime", "extra"],
            Self::UndertimeHours => &["undertime", "owed", "short", "fewer"],
            Self::BalanceHours => &["balance", "negative", "positive"],
            Self::HolidayWorkHours => &["holiday", "holidays"],
            Self::RestDayWorkHours => &["rest", "nothing", "weekend", "weekends"],
            Self::BreakDeductedHours => &["break", "breaks", "deducted"],
            Self::AbsenceDays => &["absence", "absences", "sick", "vacation", "leave", "off"],
            Self::AbsentWithoutLeaveDays => &["absent", "without", "unexcused", "leave"],
        }
    }

    /// Whether a plan of this metric must name a period: the ledger's
    /// metrics, whose view computes every day it is asked for.
    pub fn needs_period(self) -> bool {
        source(self) == Source::Ledger
    }

    /// The metric in a sentence ("hours worked").
    fn label(self) -> String {
        self.as_str()
            .replace('_', " ")
            .replace("wfh", "WFH")
            .replace("wfo", "WFO")
    }
}

impl Grouping {
    /// The select-list expressions of the group's key.
    fn keys(self, source: Source) -> &'static [&'static str] {
        match self {
            Self::Employee => &["employee_id", "employee_name"],
            Self::Team => &["team_name"],
            Self::Day => &["work_date"],
            Self::Week => &["date_trunc('week', work_date)::date AS week"],
            Self::Month => &["date_trunc('month', work_date)::date AS month"],
            Self::Weekday if source == Source::Ledger => {
                &["extract(isodow FROM work_date)::int AS iso_weekday"]
            }
            Self::Weekday => &["iso_weekday"],
            Self::WorkMode => &["work_mode"],
        }
    }
}

impl Comparison {
    fn sql(self) -> &'static str {
        match self {
            Self::Gt => ">",
            Self::Ge => ">=",
            Self::Lt => "<",
            Self::Le => "<=",
        }
    }
}

fn date(d: chrono::NaiveDate) -> String {
    format!("DATE '{}'", d.format("%Y-%m-%d"))
}

fn ids(ids: impl Iterator<Item = i64>) -> String {
    ids.map(|id| id.to_string()).collect::<Vec<_>>().join(", ")
}

impl ValidPlan {
    /// The value expression in the plan's unit, and its column name.
    fn value(&self) -> (String, String) {
        let spec = metric_spec(self.plan.metric);
        let unit = self.plan.unit.unwrap_or(Unit::Hours);
        let name = self.plan.metric.as_str();
        match (spec.base, unit) {
            (Base::Plain, _) => (spec.value.to_owned(), name.to_owned()),
            (Base::Hours, Unit::Hours) => (spec.value.to_owned(), name.to_owned()),
            (Base::Hours, Unit::Minutes) => (
                format!("round({} * 60)", spec.value),
                name.replace("hours", "minutes"),
            ),
            (Base::Minutes, Unit::Hours) => {
                (format!("round({} / 60.0, 1)", spec.value), name.to_owned())
            }
            (Base::Minutes, Unit::Minutes) => {
                (spec.value.to_owned(), name.replace("hours", "minutes"))
            }
        }
    }

    /// The plan as one query over the Q&A views, with the names of its
    /// filters resolved to `names`. The caller still passes it through the
    /// guard.
    pub fn compile(&self, names: &ResolvedNames) -> String {
        let plan = &self.plan;
        let spec = metric_spec(plan.metric);
        let mut select: Vec<String> = Vec::new();
        if let (Some(now), Some(before)) = (self.period, self.previous) {
            select.push(format!(
                "CASE WHEN work_date >= {} THEN {} ELSE {} END AS period_start",
                date(now.from),
                date(now.from),
                date(before.from)
            ));
        }
        if let Some(grouping) = plan.group_by {
            select.extend(grouping.keys(spec.source).iter().map(|k| (*k).to_owned()));
        }
        let keys = select.len();
        let (value, value_name) = self.value();
        select.push(format!("{value} AS {value_name}"));

        let mut filters: Vec<String> = Vec::new();
        if let Some(filter) = spec.filter {
            filters.push(filter.to_owned());
        }
        if plan.employees.is_some() {
            filters.push(if names.employees.is_empty() {
                "false".to_owned()
            } else {
                format!(
                    "employee_id IN ({})",
                    ids(names.employees.iter().map(|e| e.0))
                )
            });
        }
        if plan.teams.is_some() {
            filters.push(if names.teams.is_empty() {
                "false".to_owned()
            } else {
                format!("team_id IN ({})", ids(names.teams.iter().map(|t| t.0)))
            });
        }
        if let Some(mode) = plan.work_mode {
            filters.push(match (spec.source, mode) {
                (Source::Daily, WorkModeFilter::Wfh) => "worked_from_home".to_owned(),
                (Source::Daily, WorkModeFilter::Wfo) => "worked_from_office".to_owned(),
                (_, mode) => format!("work_mode = {}", sql_literal(mode.as_str())),
            });
        }
        if let Some(kind) = plan.absence_kind {
            filters.push(format!("absence_kind = {}", sql_literal(kind.as_str())));
        }
        if let Some(period) = self.period {
            let from = self.previous.map_or(period.from, |p| p.from);
            filters.push(format!(
                "work_date BETWEEN {} AND {}",
                date(from),
                date(period.to)
            ));
        }

        let mut sql = format!("SELECT {} FROM {}", select.join(", "), spec.source.view());
        if !filters.is_empty() {
            let _ = write!(sql, " WHERE {}", filters.join(" AND "));
        }
        let key_positions: Vec<String> = (1..=keys).map(|i| i.to_string()).collect();
        if keys > 0 {
            let _ = write!(sql, " GROUP BY {}", key_positions.join(", "));
        }
        if let Some(having) = plan.having {
            let _ = write!(sql, " HAVING {value} {} {}", having.op.sql(), having.value);
        }
        let mut order: Vec<String> = Vec::new();
        if let Some(direction) = plan.order {
            let dir = match direction {
                Order::Asc => "ASC",
                Order::Desc => "DESC",
            };
            order.push(format!("{} {dir} NULLS LAST", keys + 1));
        }
        order.extend(key_positions);
        if !order.is_empty() {
            let _ = write!(sql, " ORDER BY {}", order.join(", "));
        }
        if let Some(limit) = plan.limit {
            let _ = write!(sql, " LIMIT {limit}");
        }
        sql
    }

    /// The plan in one sentence: "hours worked, by team, 2026-03-02 to
    /// 2026-03-08, WFH only".
    pub fn sentence(&self) -> String {
        let plan = &self.plan;
        let mut parts = vec![plan.metric.label()];
        if plan.unit == Some(Unit::Minutes) {
            parts[0] = parts[0].replace("hours", "minutes");
        }
        if let Some(grouping) = plan.group_by {
            parts.push(format!("by {}", grouping.as_str().replace('_', " ")));
        }
        if let Some(employees) = &plan.employees {
            parts.push(format!("for {}", employees.join(" and ")));
        }
        if let Some(teams) = &plan.teams {
            parts.push(format!("in {}", teams.join(" and ")));
        }
        let range = |r: DateRange| {
            if r.from == r.to {
                r.from.to_string()
            } else {
                format!("{} to {}", r.from, r.to)
            }
        };
        if let Some(period) = self.period {
            parts.push(range(period));
        }
        if let Some(mode) = plan.work_mode {
            parts.push(format!("{} only", mode.as_str()));
        }
        if let Some(kind) = plan.absence_kind {
            parts.push(format!("{} only", kind.as_str()));
        }
        if let Some(having) = plan.having {
            let op = match having.op {
                Comparison::Gt => "over",
                Comparison::Ge => "at least",
                Comparison::Lt => "under",
                Comparison::Le => "at most",
            };
            parts.push(format!("where {op} {}", having.value));
        }
        match (plan.order, plan.limit) {
            (Some(Order::Desc), Some(n)) => parts.push(format!("top {n}")),
            (Some(Order::Asc), Some(n)) => parts.push(format!("bottom {n}")),
            (Some(Order::Desc), None) => parts.push("largest first".to_owned()),
            (Some(Order::Asc), None) => parts.push("smallest first".to_owned()),
            (None, Some(n)) => parts.push(format!("at most {n} rows")),
            (None, None) => {}
        }
        if let Some(previous) = self.previous {
            parts.push(format!("compared with {}", range(previous)));
        }
        parts.join(", ")
    }
}
