//! Attendance trends: the query, the figures a store computes per period,
//! and the calendar arithmetic that turns them into a complete series.
//!
//! A store computes [`PeriodFigures`] for the periods that have data (in SQL
//! for Postgres); [`crate::service::TrendService`] fills in empty periods and
//! derives rates, so both stores share one definition of every derived figure.
//!
//! # Definitions
//! All figures count sessions whose `work_date` lies in `[from, to]`.
//! - *days present*: distinct (employee, work date) pairs.
//! - *sessions*: sessions, open or closed.
//! - *worked seconds*: sum over closed sessions of whole seconds worked.
//! - *average clock-in*: mean (rounded down to the second) over days present
//!   of the local time of that day's earliest clock-in.
//! - *WFH / WFO days*: days present with at least one WFH / WFO session (a
//!   day with both counts in both).
//! - *late arrivals*: days present whose earliest clock-in is after the
//!   team's `late_after` local time.
//! - *open sessions*: sessions without a clock-out.
//! - *attendance rate* (teams): days present on working days (Monday–Friday
//!   unless configured) / (headcount × working days in the period).

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, Days, Months, NaiveDate, NaiveTime, Weekday};
use serde::{Deserialize, Serialize};

use crate::domain::{EmployeeId, IsoWeek, TeamId};
use crate::error::{Error, Result};
use crate::worktime::display_hours;

/// The width of one period of a trend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Granularity {
    /// One calendar day.
    Day,
    /// One ISO week, Monday to Sunday.
    Week,
    /// One calendar month.
    Month,
}

impl Granularity {
    /// The spelling used in URLs and SQL: `day`, `week`, `month`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Day => "day",
            Self::Week => "week",
            Self::Month => "month",
        }
    }

    /// The longest range, in days, a trend at this granularity may cover.
    pub const fn max_span_days(self) -> u64 {
        match self {
            Self::Day => 366,
            Self::Week => 3 * 366,
            Self::Month => 10 * 366,
        }
    }

    /// The first day of the period containing `date`.
    pub fn period_start(self, date: NaiveDate) -> NaiveDate {
        match self {
            Self::Day => date,
            Self::Week => date - Days::new(u64::from(date.weekday().num_days_from_monday())),
            Self::Month => date.with_day(1).unwrap_or(date),
        }
    }

    /// The last day of the period starting at `start`.
    fn period_end(self, start: NaiveDate) -> NaiveDate {
        let next = match self {
            Self::Day => start.checked_add_days(Days::new(1)),
            Self::Week => start.checked_add_days(Days::new(7)),
            Self::Month => start.checked_add_months(Months::new(1)),
        };
        next.and_then(|n| n.pred_opt()).unwrap_or(NaiveDate::MAX)
    }

    /// A human label for the period starting at `start`: `2026-03-02`,
    /// `2026-W10`, `2026-03`.
    pub fn label(self, start: NaiveDate) -> String {
        match self {
            Self::Day => start.to_string(),
            Self::Week => IsoWeek::containing(start).to_string(),
            Self::Month => start.format("%Y-%m").to_string(),
        }
    }
}

impl fmt::Display for Granularity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Granularity {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "day" => Ok(Self::Day),
            "week" => Ok(Self::Week),
            "month" => Ok(Self::Month),
            other => Err(Error::validation(
                "granularity",
                format!("{other:?} is not one of \"day\", \"week\", \"month\""),
            )),
        }
    }
}

/// A validated trend request: an inclusive date range and a granularity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TrendQuery {
    from: NaiveDate,
    to: NaiveDate,
    granularity: Granularity,
}

impl TrendQuery {
    /// Checks that `from <= to` and that the span suits the granularity.
    pub fn new(from: NaiveDate, to: NaiveDate, granularity: Granularity) -> Result<Self> {
        if from > to {
            return Err(Error::validation(
                "from",
                format!("the range starts ({from}) after it ends ({to})"),
            ));
        }
        let span = u64::try_from((to - from).num_days()).unwrap_or(u64::MAX) + 1;
        let max = granularity.max_span_days();
        if span > max {
            return Err(Error::validation(
                "to",
                format!(
                    "a {granularity} trend covers at most {max} days; this range has {span}; \
                     use a coarser granularity or a shorter range"
                ),
            ));
        }
        Ok(Self {
            from,
            to,
            granularity,
        })
    }

    /// First day, inclusive.
    pub fn from(&self) -> NaiveDate {
        self.from
    }

    /// Last day, inclusive.
    pub fn to(&self) -> NaiveDate {
        self.to
    }

    /// Period width.
    pub fn granularity(&self) -> Granularity {
        self.granularity
    }

    /// Every period overlapping the range, as `(start, end)` clipped to it.
    pub fn periods(&self) -> Vec<(NaiveDate, NaiveDate)> {
        let mut out = Vec::new();
        let mut start = self.granularity.period_start(self.from);
        while start <= self.to {
            let end = self.granularity.period_end(start);
            out.push((start.max(self.from), end.min(self.to)));
            match end.succ_opt() {
                Some(next) => start = next,
                None => break,
            }
        }
        out
    }
}

/// What a store computes for one period that has data. `period` is the
/// *unclipped* period start ([`Granularity::period_start`] of the work dates).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PeriodFigures {
    /// Start of the period.
    pub period: NaiveDate,
    /// Distinct (employee, work date) pairs.
    pub days_present: i64,
    /// Sessions, open or closed.
    pub sessions: i64,
    /// Whole seconds worked in closed sessions.
    pub worked_seconds: i64,
    /// Mean seconds after local midnight of each day's first clock-in,
    /// rounded down; `None` when no day is present.
    pub avg_clock_in_seconds: Option<i64>,
    /// Days with at least one WFH session.
    pub wfh_days: i64,
    /// Days with at least one WFO session.
    pub wfo_days: i64,
    /// Days whose first clock-in is after the team's late-after time.
    pub late_arrivals: i64,
    /// Sessions without a clock-out.
    pub open_sessions: i64,
    /// Days present by ISO weekday, Monday first.
    pub days_present_by_weekday: [i64; 7],
}

/// What a store returns for a team trend.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TeamFigures {
    /// Employees in the team now.
    pub headcount: i64,
    /// Figures per period that has data.
    pub periods: Vec<PeriodFigures>,
}

/// One period of a trend, with every figure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrendPoint {
    /// First day of the period (clipped to the query range).
    pub start: NaiveDate,
    /// Last day of the period (clipped to the query range).
    pub end: NaiveDate,
    /// A label such as `2026-W10`.
    pub label: String,
    /// Distinct (employee, work date) pairs.
    pub days_present: i64,
    /// Sessions, open or closed.
    pub sessions: i64,
    /// Whole seconds worked in closed sessions.
    pub worked_seconds: i64,
    /// Hours worked in closed sessions: the whole minutes of
    /// `worked_seconds` as [`display_hours`] shows them (one decimal), so a
    /// table and a summary of the same period read the same.
    pub hours_worked: f64,
    /// Mean local time of the first clock-in of each day present.
    pub avg_clock_in: Option<NaiveTime>,
    /// Days with at least one WFH session.
    pub wfh_days: i64,
    /// Days with at least one WFO session.
    pub wfo_days: i64,
    /// Days whose first clock-in was late.
    pub late_arrivals: i64,
    /// Sessions without a clock-out.
    pub open_sessions: i64,
}

impl TrendPoint {
    fn new(start: NaiveDate, end: NaiveDate, label: String, f: &PeriodFigures) -> Self {
        Self {
            start,
            end,
            label,
            days_present: f.days_present,
            sessions: f.sessions,
            worked_seconds: f.worked_seconds,
            hours_worked: display_hours(f.worked_seconds / 60),
            avg_clock_in: f
                .avg_clock_in_seconds
                .and_then(|s| u32::try_from(s).ok())
                .and_then(|s| NaiveTime::from_num_seconds_from_midnight_opt(s, 0)),
            wfh_days: f.wfh_days,
            wfo_days: f.wfo_days,
            late_arrivals: f.late_arrivals,
            open_sessions: f.open_sessions,
        }
    }
}

/// One period of a team trend: the shared figures plus attendance rate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TeamTrendPoint {
    /// The figures shared with employee trends.
    #[serde(flatten)]
    pub figures: TrendPoint,
    /// Working days in the period.
    pub working_days: i64,
    /// Days present that fell on working days.
    pub days_present_on_working_days: i64,
    /// `days_present_on_working_days / (headcount × working_days)`, rounded to
    /// four decimals; `None` when the team is empty or the period has no
    /// working day.
    pub attendance_rate: Option<f64>,
}

/// An employee's trend over a range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmployeeTrend {
    /// Whose trend it is.
    pub employee_id: EmployeeId,
    /// First day of the range.
    pub from: NaiveDate,
    /// Last day of the range.
    pub to: NaiveDate,
    /// Period width.
    pub granularity: Granularity,
    /// One point per period, oldest first, periods without data included.
    pub points: Vec<TrendPoint>,
}

/// A team's trend over a range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TeamTrend {
    /// Whose trend it is.
    pub team_id: TeamId,
    /// First day of the range.
    pub from: NaiveDate,
    /// Last day of the range.
    pub to: NaiveDate,
    /// Period width.
    pub granularity: Granularity,
    /// Employees in the team now.
    pub headcount: i64,
    /// One point per period, oldest first, periods without data included.
    pub points: Vec<TeamTrendPoint>,
}

/// The days of the week that count as working days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkingDays([bool; 7]);

impl WorkingDays {
    /// Monday to Friday.
    pub const MONDAY_TO_FRIDAY: Self = Self([true, true, true, true, true, false, false]);

    /// The given weekdays.
    pub fn new(days: &[Weekday]) -> Self {
        let mut set = [false; 7];
        for day in days {
            set[day.num_days_from_monday() as usize] = true;
        }
        Self(set)
    }

    /// Whether `day` is a working day.
    pub fn contains(self, day: Weekday) -> bool {
        self.0[day.num_days_from_monday() as usize]
    }

    /// Working days in `[start, end]`.
    pub fn count_between(self, start: NaiveDate, end: NaiveDate) -> i64 {
        start
            .iter_days()
            .take_while(|d| *d <= end)
            .filter(|d| self.contains(d.weekday()))
            .count() as i64
    }
}

impl Default for WorkingDays {
    fn default() -> Self {
        Self::MONDAY_TO_FRIDAY
    }
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// Builds the complete series for `query` from the periods a store returned.
pub(crate) fn employee_points(query: &TrendQuery, figures: &[PeriodFigures]) -> Vec<TrendPoint> {
    let empty = PeriodFigures::default();
    query
        .periods()
        .into_iter()
        .map(|(start, end)| {
            let key = query.granularity.period_start(start);
            let f = figures.iter().find(|f| f.period == key).unwrap_or(&empty);
            TrendPoint::new(start, end, query.granularity.label(key), f)
        })
        .collect()
}

/// Builds the complete team series, adding working days and rates.
pub(crate) fn team_points(
    query: &TrendQuery,
    figures: &TeamFigures,
    working: WorkingDays,
) -> Vec<TeamTrendPoint> {
    employee_points(query, &figures.periods)
        .into_iter()
        .map(|point| {
            let key = query.granularity.period_start(point.start);
            let on_working_days = figures
                .periods
                .iter()
                .find(|f| f.period == key)
                .map(|f| {
                    f.days_present_by_weekday
                        .iter()
                        .enumerate()
                        .filter(|(i, _)| working.0[*i])
                        .map(|(_, n)| n)
                        .sum()
                })
                .unwrap_or(0);
            let working_days = working.count_between(point.start, point.end);
            let denominator = figures.headcount * working_days;
            let attendance_rate =
                (denominator > 0).then(|| round4(on_working_days as f64 / denominator as f64));
            TeamTrendPoint {
                figures: point,
                working_days,
                days_present_on_working_days: on_working_days,
                attendance_rate,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn periods_are_clipped_to_the_range() {
        let q = TrendQuery::new(d("2026-03-04"), d("2026-03-18"), Granularity::Week).unwrap();
        let periods = q.periods();
        assert_eq!(
            periods,
            vec![
                (d("2026-03-04"), d("2026-03-08")),
                (d("2026-03-09"), d("2026-03-15")),
                (d("2026-03-16"), d("2026-03-18")),
            ]
        );
        assert_eq!(Granularity::Week.label(d("2026-03-09")), "2026-W11");
        let q = TrendQuery::new(d("2026-01-31"), d("2026-03-01"), Granularity::Month).unwrap();
        assert_eq!(q.periods().len(), 3);
        assert_eq!(q.periods()[1], (d("2026-02-01"), d("2026-02-28")));
    }

    #[test]
    fn reversed_and_absurd_ranges_are_rejected() {
        let err = TrendQuery::new(d("2026-03-02"), d("2026-03-01"), Granularity::Day).unwrap_err();
        assert!(matches!(err, Error::Validation { field: "from", .. }));
        let err = TrendQuery::new(d("2025-01-01"), d("2026-06-01"), Granularity::Day).unwrap_err();
        assert!(matches!(err, Error::Validation { field: "to", .. }));
        assert!(TrendQuery::new(d("2025-01-01"), d("2026-06-01"), Granularity::Week).is_ok());
    }

    #[test]
    fn working_days_skip_weekends() {
        // 2026-03-02 is a Monday.
        assert_eq!(
            WorkingDays::default().count_between(d("2026-03-02"), d("2026-03-15")),
            10
        );
        let six = WorkingDays::new(&[
            Weekday::Mon,
            Weekday::Tue,
            Weekday::Wed,
            Weekday::Thu,
            Weekday::Fri,
            Weekday::Sat,
        ]);
        assert_eq!(six.count_between(d("2026-03-02"), d("2026-03-08")), 6);
    }

    #[test]
    fn team_rate_uses_working_days_only() {
        let q = TrendQuery::new(d("2026-03-02"), d("2026-03-08"), Granularity::Week).unwrap();
        let figures = TeamFigures {
            headcount: 2,
            periods: vec![PeriodFigures {
                period: d("2026-03-02"),
                days_present: 9,
                // 8 weekday presences and one on Saturday.
                days_present_by_weekday: [2, 2, 2, 1, 1, 1, 0],
                ..PeriodFigures::default()
            }],
        };
        let points = team_points(&q, &figures, WorkingDays::default());
        assert_eq!(points.len(), 1);
        assert_eq!(points[0].working_days, 5);
        assert_eq!(points[0].days_present_on_working_days, 8);
        assert_eq!(points[0].attendance_rate, Some(0.8));
    }
}
