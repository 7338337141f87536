//! The wire types of the HTTP contract.
//!
//! They are separate from the core's domain types on purpose: the contract
//! in `DESIGN.md` is owned here, documented in the OpenAPI spec from these
//! very types, and cannot change by accident when a domain type does.

use attendance_core::{AttendanceSession, Employee as CoreEmployee, Team as CoreTeam};
use attendance_core::{ask, summary, trends};
use chrono::{DateTime, NaiveDate, NaiveTime, Timelike, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Where a session was worked from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum WorkMode {
    /// Work from home.
    #[serde(rename = "WFH")]
    Wfh,
    /// Work from office.
    #[serde(rename = "WFO")]
    Wfo,
}

impl From<attendance_core::WorkMode> for WorkMode {
    fn from(mode: attendance_core::WorkMode) -> Self {
        match mode {
            attendance_core::WorkMode::Wfh => Self::Wfh,
            attendance_core::WorkMode::Wfo => Self::Wfo,
        }
    }
}

/// The width of one period of a trend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Granularity {
    /// One calendar day.
    Day,
    /// One ISO week, Monday to Sunday.
    Week,
    /// One calendar month.
    Month,
}

impl From<trends::Granularity> for Granularity {
    fn from(g: trends::Granularity) -> Self {
        match g {
            trends::Granularity::Day => Self::Day,
            trends::Granularity::Week => Self::Week,
            trends::Granularity::Month => Self::Month,
        }
    }
}

/// A local time of day as `HH:MM`, or `HH:MM:SS` when it has seconds.
pub(crate) fn format_time(t: NaiveTime) -> String {
    if t.second() == 0 && t.nanosecond() == 0 {
        t.format("%H:%M").to_string()
    } else {
        t.format("%H:%M:%S").to_string()
    }
}

/// A team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Team {
    /// The team's id.
    pub id: i64,
    /// Unique name (case-insensitively).
    #[schema(example = "Platform")]
    pub name: String,
    /// IANA timezone in which work dates and local times are read.
    #[schema(example = "Europe/Berlin")]
    pub timezone: String,
    /// A first clock-in after this local time (`HH:MM`) counts as late.
    #[schema(example = "09:30")]
    pub late_after: String,
}

impl From<CoreTeam> for Team {
    fn from(team: CoreTeam) -> Self {
        Self {
            id: team.id.0,
            name: team.name,
            timezone: team.timezone.name().to_owned(),
            late_after: format_time(team.late_after),
        }
    }
}

/// An employee.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Employee {
    /// The employee's id.
    pub id: i64,
    /// Full name.
    #[schema(example = "Ada Lovelace")]
    pub name: String,
    /// Job role.
    #[schema(example = "Engineer")]
    pub role: String,
    /// The employee's team.
    pub team_id: i64,
    /// Whether the employee manages others.
    pub is_manager: bool,
}

impl From<CoreEmployee> for Employee {
    fn from(e: CoreEmployee) -> Self {
        Self {
            id: e.id.0,
            name: e.name,
            role: e.role,
            team_id: e.team_id.0,
            is_manager: e.is_manager,
        }
    }
}

/// One stretch of work between a clock-in and an optional clock-out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Session {
    /// The session's id.
    pub id: i64,
    /// Who worked.
    pub employee_id: i64,
    /// Local date of the clock-in in the team's timezone (`YYYY-MM-DD`).
    pub work_date: NaiveDate,
    /// When the session started (RFC 3339).
    pub clock_in: DateTime<Utc>,
    /// When it ended (RFC 3339); `null` while it is open.
    pub clock_out: Option<DateTime<Utc>>,
    /// Where the work was done.
    pub work_mode: WorkMode,
}

impl From<AttendanceSession> for Session {
    fn from(s: AttendanceSession) -> Self {
        Self {
            id: s.id.0,
            employee_id: s.employee_id.0,
            work_date: s.work_date,
            clock_in: s.clock_in,
            clock_out: s.clock_out,
            work_mode: s.work_mode.into(),
        }
    }
}

/// One page of sessions, newest clock-in first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SessionPage {
    /// The sessions of this page.
    pub items: Vec<Session>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// `{"status": "ok"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Health {
    /// Always `ok` on a 200.
    #[schema(example = "ok")]
    pub status: String,
}

/// Body of `POST /teams`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTeam {
    /// Name, 1–100 characters after trimming, unique case-insensitively.
    #[schema(example = "Platform")]
    pub name: String,
    /// IANA timezone; default `UTC`.
    #[schema(example = "Europe/Berlin")]
    pub timezone: Option<String>,
    /// Local time after which a first clock-in is late, `HH:MM`; default `09:30`.
    #[schema(example = "09:30", pattern = r"^\d{2}:\d{2}(:\d{2})?$")]
    pub late_after: Option<String>,
}

/// Body of `POST /employees`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateEmployee {
    /// Full name, 1–200 characters after trimming.
    #[schema(example = "Ada Lovelace")]
    pub name: String,
    /// Job role, 1–100 characters after trimming.
    #[schema(example = "Engineer")]
    pub role: String,
    /// An existing team.
    pub team_id: i64,
    /// Default `false`.
    pub is_manager: Option<bool>,
}

/// Body of `POST /attendance/clock-in`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClockIn {
    /// Who clocks in.
    pub employee_id: i64,
    /// `WFH` or `WFO`.
    #[schema(value_type = WorkMode)]
    pub work_mode: String,
    /// When (RFC 3339); default now. At most 5 minutes in the future.
    #[schema(value_type = Option<DateTime<Utc>>, example = "2026-03-02T08:55:00Z")]
    pub at: Option<String>,
}

/// Body of `POST /attendance/clock-out`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClockOut {
    /// Who clocks out.
    pub employee_id: i64,
    /// When (RFC 3339); default now. Must be after the clock-in.
    #[schema(value_type = Option<DateTime<Utc>>, example = "2026-03-02T17:05:00Z")]
    pub at: Option<String>,
}

/// Query of `GET /employees`.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct EmployeesQuery {
    /// Only this team's employees.
    #[param(value_type = Option<i64>)]
    pub(crate) team_id: Option<String>,
}

/// Query of `GET /attendance`.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct AttendanceQuery {
    /// Only this employee's sessions.
    #[param(value_type = Option<i64>)]
    pub(crate) employee_id: Option<String>,
    /// Only sessions of this team's employees.
    #[param(value_type = Option<i64>)]
    pub(crate) team_id: Option<String>,
    /// Only work dates on or after this day (`YYYY-MM-DD`).
    #[param(value_type = Option<NaiveDate>)]
    pub(crate) from: Option<String>,
    /// Only work dates on or before this day (`YYYY-MM-DD`).
    #[param(value_type = Option<NaiveDate>)]
    pub(crate) to: Option<String>,
    /// Only this work mode.
    #[param(value_type = Option<WorkMode>)]
    pub(crate) work_mode: Option<String>,
    /// Page size, 1–500; default 50.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 500)]
    pub(crate) limit: Option<String>,
    /// `next_cursor` of the previous page.
    pub(crate) cursor: Option<String>,
}

/// Query of the trend endpoints.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct TrendParams {
    /// First day of the range (`YYYY-MM-DD`), inclusive.
    #[param(value_type = NaiveDate, required = true)]
    pub(crate) from: Option<String>,
    /// Last day of the range (`YYYY-MM-DD`), inclusive.
    #[param(value_type = NaiveDate, required = true)]
    pub(crate) to: Option<String>,
    /// Period width; default `day`. A range covers at most 366 days by
    /// day, 3 years by week, 10 years by month.
    #[param(value_type = Option<Granularity>)]
    pub(crate) granularity: Option<String>,
}

/// One period of a trend.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TrendPoint {
    /// First day of the period, clipped to the range.
    pub start: NaiveDate,
    /// Last day of the period, clipped to the range.
    pub end: NaiveDate,
    /// `2026-03-02`, `2026-W10` or `2026-03`.
    pub label: String,
    /// Distinct (employee, work date) pairs.
    pub days_present: i64,
    /// Sessions, open or closed.
    pub sessions: i64,
    /// Whole seconds worked in closed sessions.
    pub worked_seconds: i64,
    /// Hours worked in closed sessions, two decimals.
    pub hours_worked: f64,
    /// Mean local time (`HH:MM:SS`) of each day's first clock-in.
    #[schema(example = "08:57:30")]
    pub avg_clock_in: Option<String>,
    /// Days with a WFH session.
    pub wfh_days: i64,
    /// Days with a WFO session.
    pub wfo_days: i64,
    /// Days whose first clock-in was after the team's `late_after`.
    pub late_arrivals: i64,
    /// Sessions without a clock-out.
    pub open_sessions: i64,
}

impl From<trends::TrendPoint> for TrendPoint {
    fn from(p: trends::TrendPoint) -> Self {
        Self {
            start: p.start,
            end: p.end,
            label: p.label,
            days_present: p.days_present,
            sessions: p.sessions,
            worked_seconds: p.worked_seconds,
            hours_worked: p.hours_worked,
            avg_clock_in: p.avg_clock_in.map(|t| t.format("%H:%M:%S").to_string()),
            wfh_days: p.wfh_days,
            wfo_days: p.wfo_days,
            late_arrivals: p.late_arrivals,
            open_sessions: p.open_sessions,
        }
    }
}

/// One period of a team trend: the employee figures plus attendance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TeamTrendPoint {
    /// The figures shared with employee trends.
    #[serde(flatten)]
    pub figures: TrendPoint,
    /// Working days (Monday–Friday) in the period.
    pub working_days: i64,
    /// Days present that fell on working days.
    pub days_present_on_working_days: i64,
    /// `days_present_on_working_days / (headcount × working_days)`, four
    /// decimals; `null` for an empty team or a period without working days.
    pub attendance_rate: Option<f64>,
}

impl From<trends::TeamTrendPoint> for TeamTrendPoint {
    fn from(p: trends::TeamTrendPoint) -> Self {
        Self {
            figures: p.figures.into(),
            working_days: p.working_days,
            days_present_on_working_days: p.days_present_on_working_days,
            attendance_rate: p.attendance_rate,
        }
    }
}

/// An employee's trend.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct EmployeeTrend {
    /// Whose trend.
    pub employee_id: i64,
    /// First day of the range.
    pub from: NaiveDate,
    /// Last day of the range.
    pub to: NaiveDate,
    /// Period width.
    pub granularity: Granularity,
    /// One point per period, oldest first, empty periods included.
    pub points: Vec<TrendPoint>,
}

impl From<trends::EmployeeTrend> for EmployeeTrend {
    fn from(t: trends::EmployeeTrend) -> Self {
        Self {
            employee_id: t.employee_id.0,
            from: t.from,
            to: t.to,
            granularity: t.granularity.into(),
            points: t.points.into_iter().map(Into::into).collect(),
        }
    }
}

/// A team's trend.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TeamTrend {
    /// Whose trend.
    pub team_id: i64,
    /// First day of the range.
    pub from: NaiveDate,
    /// Last day of the range.
    pub to: NaiveDate,
    /// Period width.
    pub granularity: Granularity,
    /// Employees in the team now.
    pub headcount: i64,
    /// One point per period, oldest first, empty periods included.
    pub points: Vec<TeamTrendPoint>,
}

impl From<trends::TeamTrend> for TeamTrend {
    fn from(t: trends::TeamTrend) -> Self {
        Self {
            team_id: t.team_id.0,
            from: t.from,
            to: t.to,
            granularity: t.granularity.into(),
            headcount: t.headcount,
            points: t.points.into_iter().map(Into::into).collect(),
        }
    }
}

// ---- summaries ----------------------------------------------------------------
//
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
    /// Hours worked in closed sessions, one decimal.
    pub hours_worked: f64,
    /// Names of those with a session of that day still open.
    pub still_clocked_in: Vec<String>,
    /// Sessions left open on earlier days.
    pub forgotten_clock_outs: Vec<ForgottenClockOut>,
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
            still_clocked_in,
            forgotten_clock_outs,
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
            still_clocked_in,
            forgotten_clock_outs: forgotten_clock_outs.into_iter().map(Into::into).collect(),
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
    /// Hours worked in closed sessions, one decimal.
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
}

/// Logs why the template wrote a summary although a model is configured;
/// the reason may quote the model provider, so it stays in the logs.
fn log_fallback(reason: Option<&String>) {
    if let Some(reason) = reason {
        tracing::info!(%reason, "summary written by the template");
    }
}

impl From<summary::Summary<summary::DailyFacts>> for DailySummary {
    fn from(s: summary::Summary<summary::DailyFacts>) -> Self {
        let summary::Summary {
            facts,
            text,
            generated_by,
            fallback_reason,
        } = s;
        log_fallback(fallback_reason.as_ref());
        Self {
            facts: facts.into(),
            text,
            generated_by: generated_by.into(),
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
        } = s;
        log_fallback(fallback_reason.as_ref());
        Self {
            facts: facts.into(),
            text,
            generated_by: generated_by.into(),
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

// ---- questions ----------------------------------------------------------------

/// Body of `POST /ask`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AskRequest {
    /// A question about the attendance data, in plain language.
    #[schema(example = "Who worked from home most last week?")]
    pub question: String,
}

/// A question answered from the data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Answer {
    /// The answer in plain language.
    pub text: String,
    /// The read-only query that produced the rows, as it was run.
    pub sql: String,
    /// Column names.
    pub columns: Vec<String>,
    /// The rows, one value per column (capped by the server).
    pub rows: Vec<Vec<serde_json::Value>>,
    /// How many queries the model wrote (1 when the first one worked).
    pub attempts: u32,
}

impl From<ask::Answer> for Answer {
    fn from(a: ask::Answer) -> Self {
        // Token usage stays server-side: the contract has these five fields.
        let ask::Answer {
            text,
            sql,
            columns,
            rows,
            attempts,
            usage: _,
        } = a;
        Self {
            text,
            sql,
            columns,
            rows,
            attempts,
        }
    }
}
