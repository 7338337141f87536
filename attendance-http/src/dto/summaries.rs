//! Summaries: the daily and weekly facts, mirrored field by field from
//! `attendance_core::summary`, the summaries around them, and their queries.

use attendance_core::summary;

use super::calendar::AbsenceKind;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

// Mirrors of `attendance_core::summary`'s facts. The conversions destructure
// every core struct completely, so a field added or renamed there fails to
// compile here until the contract is updated on purpose.

/// Who wrote a summary's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum GeneratedBy {
    /// The language model, and the grounding check accepted its text.
    Llm,
    /// The deterministic template (no model, or it failed or was rejected).
    Template,
}

impl From<summary::GeneratedBy> for GeneratedBy {
    fn from(g: summary::GeneratedBy) -> Self {
        match g {
            summary::GeneratedBy::Llm => Self::Llm,
            summary::GeneratedBy::Template => Self::Template,
        }
    }
}

/// Why the template wrote a summary although a language model is
/// configured. A fixed category: it never quotes the model or its provider
/// (the details are in the server's log).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FallbackReason {
    /// The model could not be asked or did not answer.
    LlmUnavailable,
    /// The model answered with no text.
    EmptyText,
    /// Its text stated a number, date or time that is not in the facts.
    UngroundedNumber,
    /// Its text named a person or team that is not in the facts.
    UnknownName,
    /// Its text left out a headline fact (the date or week, present of
    /// headcount or the attendance rate, the WFH/WFO split).
    MissingHeadline,
    /// The server failed to hand the facts to the model.
    Internal,
}

impl From<summary::FallbackReason> for FallbackReason {
    fn from(r: summary::FallbackReason) -> Self {
        match r {
            summary::FallbackReason::LlmUnavailable => Self::LlmUnavailable,
            summary::FallbackReason::EmptyText => Self::EmptyText,
            summary::FallbackReason::UngroundedNumber => Self::UngroundedNumber,
            summary::FallbackReason::UnknownName => Self::UnknownName,
            summary::FallbackReason::MissingHeadline => Self::MissingHeadline,
            // A category added in core reads as the generic one until the
            // contract names it.
            _ => Self::Internal,
        }
    }
}

/// Someone who arrived after their team's late-after time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LateArrival {
    /// Employee name.
    pub name: String,
    /// Team name.
    pub team: String,
    /// Local clock-in time, `HH:MM`.
    pub clock_in: String,
}

impl From<summary::LateArrival> for LateArrival {
    fn from(l: summary::LateArrival) -> Self {
        let summary::LateArrival {
            name,
            team,
            clock_in,
        } = l;
        Self {
            name,
            team,
            clock_in,
        }
    }
}

/// A session left open on an earlier day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ForgottenClockOut {
    /// Employee name.
    pub name: String,
    /// The work date of the open session.
    pub work_date: NaiveDate,
}

impl From<summary::ForgottenClockOut> for ForgottenClockOut {
    fn from(f: summary::ForgottenClockOut) -> Self {
        let summary::ForgottenClockOut { name, work_date } = f;
        Self { name, work_date }
    }
}

/// Someone, and for how many days (a half day counts 0.5).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PersonDays {
    /// Employee name.
    pub name: String,
    /// Days, in halves.
    pub days: f64,
}

impl From<summary::PersonDays> for PersonDays {
    fn from(p: summary::PersonDays) -> Self {
        let summary::PersonDays { name, days } = p;
        Self { name, days }
    }
}

/// One kind of excused absence over a summary's day or week.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AbsenceGroup {
    /// Why.
    pub kind: AbsenceKind,
    /// Days of it in all (a half day counts 0.5).
    pub days: f64,
    /// Who, with their days.
    pub people: Vec<PersonDays>,
}

impl From<summary::AbsenceGroup> for AbsenceGroup {
    fn from(g: summary::AbsenceGroup) -> Self {
        let summary::AbsenceGroup { kind, days, people } = g;
        Self {
            kind: kind.into(),
            days,
            people: people.into_iter().map(Into::into).collect(),
        }
    }
}

/// Hours owed and worked over a summary's day or week, from the ledger.
/// Minutes are exact; each `_hours` is its minutes rounded half up to one
/// decimal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct WorkTimeFacts {
    /// Minutes the work patterns expected, less holidays.
    pub expected_minutes: i64,
    /// `expected_minutes` in hours.
    pub expected_hours: f64,
    /// Minutes worked after the break deduction (open sessions up to now).
    pub worked_minutes: i64,
    /// `worked_minutes` in hours.
    pub worked_hours: f64,
    /// Minutes absences count as worked.
    pub absence_credit_minutes: i64,
    /// `absence_credit_minutes` in hours.
    pub absence_credit_hours: f64,
    /// Minutes of overtime.
    pub overtime_minutes: i64,
    /// `overtime_minutes` in hours.
    pub overtime_hours: f64,
    /// Excused absences, one group per kind that occurred.
    pub absences: Vec<AbsenceGroup>,
    /// Days owed with neither a session nor an absence, in all.
    pub absent_without_leave_days: i64,
    /// Who was absent without leave, with their days.
    pub absent_without_leave: Vec<PersonDays>,
}

impl From<summary::WorkTimeFacts> for WorkTimeFacts {
    fn from(w: summary::WorkTimeFacts) -> Self {
        let summary::WorkTimeFacts {
            expected_minutes,
            expected_hours,
            worked_minutes,
            worked_hours,
            absence_credit_minutes,
            absence_credit_hours,
            overtime_minutes,
            overtime_hours,
            absences,
            absent_without_leave_days,
            absent_without_leave,
        } = w;
        Self {
            expected_minutes,
            expected_hours,
            worked_minutes,
            worked_hours,
            absence_credit_minutes,
            absence_credit_hours,
            overtime_minutes,
            overtime_hours,
            absences: absences.into_iter().map(Into::into).collect(),
            absent_without_leave_days,
            absent_without_leave: absent_without_leave.into_iter().map(Into::into).collect(),
        }
    }
}

/// One team's line in a daily summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TeamDay {
    /// Team name.
    pub team: String,
    /// Employees in the team.
    pub headcount: i64,
    /// Employees who clocked in.
    pub present: i64,
    /// Employees who did not.
    pub absent: i64,
    /// Present employees with a WFH session.
    pub wfh: i64,
    /// Present employees with a WFO session.
    pub wfo: i64,
    /// Late arrivals.
    pub late: i64,
}

impl From<summary::TeamDay> for TeamDay {
    fn from(t: summary::TeamDay) -> Self {
        let summary::TeamDay {
            team,
            headcount,
            present,
            absent,
            wfh,
            wfo,
            late,
        } = t;
        Self {
            team,
            headcount,
            present,
            absent,
            wfh,
            wfo,
            late,
        }
    }
}

/// Everything a daily summary may say.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DailyFacts {
    /// The day.
    pub date: NaiveDate,
    /// Its weekday, in English.
    pub weekday: String,
    /// `company` or the team's name.
    pub scope: String,
    /// Employees in scope.
    pub headcount: i64,
    /// Employees who clocked in that day.
    pub present: i64,
    /// Employees who did not.
    pub absent: i64,
    /// `present / headcount` in percent, one decimal; `null` with no staff.
    pub attendance_percent: Option<f64>,
    /// Names of the absent.
    pub absent_names: Vec<String>,
    /// Present employees with a WFH session.
    pub wfh: i64,
    /// Present employees with a WFO session.
    pub wfo: i64,
    /// Who arrived late, and when.
    pub late_arrivals: Vec<LateArrival>,
    /// Mean first local clock-in of present employees, `HH:MM`.
    pub average_clock_in: Option<String>,
    /// Hours worked in closed sessions: their whole minutes, rounded half
    /// up to one decimal.
    pub hours_worked: f64,
    /// Hours owed and worked, absences and absence without leave.
    pub work_time: WorkTimeFacts,
    /// Names of those with a session of that day still open.
    pub still_clocked_in: Vec<String>,
    /// Sessions left open on earlier days.
    pub forgotten_clock_outs: Vec<ForgottenClockOut>,
    /// Names of those with a session of that day closed by their team's
    /// forgotten clock-out policy.
    pub auto_closed: Vec<String>,
    /// Sessions of that day closed by the forgotten clock-out policy.
    pub auto_closed_sessions: i64,
    /// One line per team (company-wide summaries only).
    pub teams: Vec<TeamDay>,
}

impl From<summary::DailyFacts> for DailyFacts {
    fn from(f: summary::DailyFacts) -> Self {
        let summary::DailyFacts {
            date,
            weekday,
            scope,
            headcount,
            present,
            absent,
            attendance_percent,
            absent_names,
            wfh,
            wfo,
            late_arrivals,
            average_clock_in,
            hours_worked,
            work_time,
            still_clocked_in,
            forgotten_clock_outs,
            auto_closed,
            auto_closed_sessions,
            teams,
        } = f;
        Self {
            date,
            weekday,
            scope,
            headcount,
            present,
            absent,
            attendance_percent,
            absent_names,
            wfh,
            wfo,
            late_arrivals: late_arrivals.into_iter().map(Into::into).collect(),
            average_clock_in,
            hours_worked,
            work_time: work_time.into(),
            still_clocked_in,
            forgotten_clock_outs: forgotten_clock_outs.into_iter().map(Into::into).collect(),
            auto_closed,
            auto_closed_sessions,
            teams: teams.into_iter().map(Into::into).collect(),
        }
    }
}

/// Weekly totals of one scope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct WeekTotals {
    /// The week, `YYYY-Www`.
    pub week: String,
    /// Employee-days present.
    pub days_present: i64,
    /// Present employee-days on working days / (headcount × working days),
    /// in percent, one decimal.
    pub attendance_percent: Option<f64>,
    /// Employee-days with a WFH session.
    pub wfh_days: i64,
    /// Employee-days with a WFO session.
    pub wfo_days: i64,
    /// Late arrivals.
    pub late_arrivals: i64,
    /// Hours worked in closed sessions: their whole minutes, rounded half
    /// up to one decimal.
    pub hours_worked: f64,
}

impl From<summary::WeekTotals> for WeekTotals {
    fn from(t: summary::WeekTotals) -> Self {
        let summary::WeekTotals {
            week,
            days_present,
            attendance_percent,
            wfh_days,
            wfo_days,
            late_arrivals,
            hours_worked,
        } = t;
        Self {
            week,
            days_present,
            attendance_percent,
            wfh_days,
            wfo_days,
            late_arrivals,
            hours_worked,
        }
    }
}

/// This week minus the previous week.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct WeekChange {
    /// Change in employee-days present.
    pub days_present: i64,
    /// Change in attendance, in percentage points, one decimal.
    pub attendance_points: Option<f64>,
    /// Change in WFH days.
    pub wfh_days: i64,
    /// Change in WFO days.
    pub wfo_days: i64,
    /// Change in late arrivals.
    pub late_arrivals: i64,
    /// Change in hours worked, one decimal.
    pub hours_worked: f64,
}

impl From<summary::WeekChange> for WeekChange {
    fn from(c: summary::WeekChange) -> Self {
        let summary::WeekChange {
            days_present,
            attendance_points,
            wfh_days,
            wfo_days,
            late_arrivals,
            hours_worked,
        } = c;
        Self {
            days_present,
            attendance_points,
            wfh_days,
            wfo_days,
            late_arrivals,
            hours_worked,
        }
    }
}

/// One team's line in a weekly summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TeamWeek {
    /// Team name.
    pub team: String,
    /// Employees in the team.
    pub headcount: i64,
    /// This week's totals.
    pub totals: WeekTotals,
}

impl From<summary::TeamWeek> for TeamWeek {
    fn from(t: summary::TeamWeek) -> Self {
        let summary::TeamWeek {
            team,
            headcount,
            totals,
        } = t;
        Self {
            team,
            headcount,
            totals: totals.into(),
        }
    }
}

/// Everything a weekly summary may say.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct WeeklyFacts {
    /// The ISO week, `YYYY-Www`.
    #[schema(example = "2026-W10")]
    pub week: String,
    /// Its Monday.
    pub from: NaiveDate,
    /// Its Sunday.
    pub to: NaiveDate,
    /// `company` or the team's name.
    pub scope: String,
    /// Employees in scope.
    pub headcount: i64,
    /// Working days in the week.
    pub working_days: i64,
    /// This week.
    pub this_week: WeekTotals,
    /// Mean first local clock-in over the days present, `HH:MM`.
    pub average_clock_in: Option<String>,
    /// Sessions of the week still open.
    pub open_sessions: i64,
    /// The week before.
    pub previous_week: WeekTotals,
    /// This week minus the previous one.
    pub change: WeekChange,
    /// This week's hours owed and worked, absences and absence without
    /// leave.
    pub work_time: WorkTimeFacts,
    /// One line per team (company-wide summaries only).
    pub teams: Vec<TeamWeek>,
}

impl From<summary::WeeklyFacts> for WeeklyFacts {
    fn from(f: summary::WeeklyFacts) -> Self {
        let summary::WeeklyFacts {
            week,
            from,
            to,
            scope,
            headcount,
            working_days,
            this_week,
            average_clock_in,
            open_sessions,
            previous_week,
            change,
            work_time,
            teams,
        } = f;
        Self {
            week: week.to_string(),
            from,
            to,
            scope,
            headcount,
            working_days,
            this_week: this_week.into(),
            average_clock_in,
            open_sessions,
            previous_week: previous_week.into(),
            change: change.into(),
            work_time: work_time.into(),
            teams: teams.into_iter().map(Into::into).collect(),
        }
    }
}

/// A daily summary: the facts, the text, and who wrote the text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DailySummary {
    /// The numbers the text is about.
    pub facts: DailyFacts,
    /// The summary in plain language.
    pub text: String,
    /// Whether the model or the template wrote `text`.
    pub generated_by: GeneratedBy,
    /// Why the template wrote `text` although a model is configured;
    /// absent when the model wrote it, or when no model is configured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fallback_reason: Option<FallbackReason>,
}

/// A weekly summary: the facts, the text, and who wrote the text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct WeeklySummary {
    /// The numbers the text is about.
    pub facts: WeeklyFacts,
    /// The summary in plain language.
    pub text: String,
    /// Whether the model or the template wrote `text`.
    pub generated_by: GeneratedBy,
    /// Why the template wrote `text` although a model is configured;
    /// absent when the model wrote it, or when no model is configured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fallback_reason: Option<FallbackReason>,
}

impl From<summary::Summary<summary::DailyFacts>> for DailySummary {
    fn from(s: summary::Summary<summary::DailyFacts>) -> Self {
        let summary::Summary {
            facts,
            text,
            generated_by,
            fallback_reason,
            // Logged by the service: it can quote the model provider.
            fallback_detail: _,
        } = s;
        Self {
            facts: facts.into(),
            text,
            generated_by: generated_by.into(),
            fallback_reason: fallback_reason.map(Into::into),
        }
    }
}

impl From<summary::Summary<summary::WeeklyFacts>> for WeeklySummary {
    fn from(s: summary::Summary<summary::WeeklyFacts>) -> Self {
        let summary::Summary {
            facts,
            text,
            generated_by,
            fallback_reason,
            // Logged by the service: it can quote the model provider.
            fallback_detail: _,
        } = s;
        Self {
            facts: facts.into(),
            text,
            generated_by: generated_by.into(),
            fallback_reason: fallback_reason.map(Into::into),
        }
    }
}

/// Query of `GET /summaries/daily`.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct DailySummaryQuery {
    /// The day (`YYYY-MM-DD`).
    #[param(value_type = NaiveDate, required = true)]
    pub(crate) date: Option<String>,
    /// Only this team; default the whole company.
    #[param(value_type = Option<i64>)]
    pub(crate) team_id: Option<String>,
}

/// Query of `GET /summaries/weekly`.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct WeeklySummaryQuery {
    /// The ISO week (`YYYY-Www`, e.g. `2026-W07`).
    #[param(value_type = String, required = true, example = "2026-W07")]
    pub(crate) week: Option<String>,
    /// Only this team; default the whole company.
    #[param(value_type = Option<i64>)]
    pub(crate) team_id: Option<String>,
}
