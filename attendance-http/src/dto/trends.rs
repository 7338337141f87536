//! Trends: the granularity, the points, the employee and team trends, and
//! the query both trend routes take.

use attendance_core::trends;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// The width of one period of a trend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
#[schema(description = granularity_description())]
pub enum Granularity {
    /// One calendar day.
    Day,
    /// One ISO week, Monday to Sunday.
    Week,
    /// One calendar month.
    Month,
}

/// The schema's description, with the longest range of each width as core
/// checks it (`Granularity::max_span_days`).
fn granularity_description() -> String {
    use trends::Granularity as G;
    format!(
        "The width of one period of a trend. A range covers at most {} days by day, \
         {} days by week, {} days by month.",
        G::Day.max_span_days(),
        G::Week.max_span_days(),
        G::Month.max_span_days()
    )
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
    /// Period width; default `day`. The schema gives the longest range of
    /// each width.
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
    /// Hours worked in closed sessions: the whole minutes of
    /// `worked_seconds`, rounded half up to one decimal.
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
