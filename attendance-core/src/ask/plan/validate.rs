//! A plan checked on arrival: bounds, what applies to which metric, and
//! relative periods turned into dates.

use chrono::{Datelike, Days, Months, NaiveDate};

use super::compile::{Source, source};
use super::{DateRange, Grouping, Metric, Period, QueryPlan, RelativePeriod, Unit};
use crate::ask::RefusalCategory;
use crate::store::MAX_PAGE_SIZE;

/// Longest period a plan may cover, in days (two years, a leap day
/// included): past it a question reads more than anyone asks in one go,
/// and the ledger view computes every day of it.
pub const MAX_PERIOD_DAYS: u64 = 731;

/// Longest employee or team name a plan may carry, in characters.
pub const MAX_NAME_CHARS: usize = 100;

/// Most names one filter may list.
pub const MAX_NAMES: usize = 20;

/// Why a plan was not accepted.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum PlanError {
    /// The model's JSON is not a plan (unknown metric, unknown field, a
    /// wrong type…).
    #[error("the plan does not match its schema: {reason}")]
    Malformed {
        /// The parser's words (about the model's own JSON).
        reason: String,
    },
    /// The period ends before it starts.
    #[error("the period ends ({to}) before it starts ({from})")]
    PeriodBackwards {
        /// First day.
        from: NaiveDate,
        /// Last day.
        to: NaiveDate,
    },
    /// The period is longer than [`MAX_PERIOD_DAYS`].
    #[error("the period covers {days} days; at most {MAX_PERIOD_DAYS} are allowed")]
    PeriodTooLong {
        /// Days covered.
        days: u64,
    },
    /// The limit is 0 or over [`MAX_PAGE_SIZE`].
    #[error("the limit must be between 1 and {MAX_PAGE_SIZE}, not {limit}")]
    LimitOutOfRange {
        /// The limit asked for.
        limit: u32,
    },
    /// A name is longer than [`MAX_NAME_CHARS`] characters.
    #[error("a name of the {field} filter is longer than {MAX_NAME_CHARS} characters")]
    NameTooLong {
        /// `employees` or `teams`.
        field: &'static str,
    },
    /// A filter lists more than [`MAX_NAMES`] names.
    #[error("the {field} filter lists more than {MAX_NAMES} names")]
    TooManyNames {
        /// `employees` or `teams`.
        field: &'static str,
    },
    /// A name filter is empty, or holds a name that is blank or has
    /// control characters.
    #[error("the {field} filter is not a usable list of names: {reason}")]
    BadNames {
        /// `employees` or `teams`.
        field: &'static str,
        /// What is wrong.
        reason: &'static str,
    },
    /// A field that does not apply to the metric (a work mode for the
    /// ledger, a period for the headcount…).
    #[error("{field} does not apply to {metric}")]
    NotApplicable {
        /// The field.
        field: &'static str,
        /// The metric's word.
        metric: &'static str,
    },
    /// The comparison with the previous period needs a period.
    #[error("compare_with_previous needs a period")]
    CompareWithoutPeriod,
    /// The ledger's metrics need a period: the view computes every day it
    /// is asked for.
    #[error("{metric} needs a period")]
    PeriodRequired {
        /// The metric's word.
        metric: &'static str,
    },
    /// The `having` number is not finite.
    #[error("the having value must be a finite number")]
    BadHaving,
}

impl PlanError {
    /// The category the caller sees when the model never wrote a plan that
    /// passed: a bound broken ([`RefusalCategory::PlanOutOfBounds`]) or a
    /// plan that makes no sense ([`RefusalCategory::InvalidPlan`]).
    pub fn category(&self) -> RefusalCategory {
        match self {
            Self::PeriodTooLong { .. }
            | Self::LimitOutOfRange { .. }
            | Self::NameTooLong { .. }
            | Self::TooManyNames { .. } => RefusalCategory::PlanOutOfBounds,
            _ => RefusalCategory::InvalidPlan,
        }
    }
}

/// A plan that passed [`QueryPlan::validate`]: its period as dates, and the
/// period before it when the plan compares.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidPlan {
    pub(super) plan: QueryPlan,
    pub(super) period: Option<DateRange>,
    pub(super) previous: Option<DateRange>,
}

impl ValidPlan {
    /// The plan as the model wrote it.
    pub fn plan(&self) -> &QueryPlan {
        &self.plan
    }

    /// Its period as dates (`None`: everything recorded).
    pub fn period(&self) -> Option<DateRange> {
        self.period
    }

    /// The period it is compared with, if it compares.
    pub fn previous(&self) -> Option<DateRange> {
        self.previous
    }

    /// The employee names to resolve.
    pub fn employee_names(&self) -> &[String] {
        self.plan.employees.as_deref().unwrap_or_default()
    }

    /// The team names to resolve.
    pub fn team_names(&self) -> &[String] {
        self.plan.teams.as_deref().unwrap_or_default()
    }
}

impl QueryPlan {
    /// Checks the plan and reads its period against `today` (in the
    /// company's timezone).
    ///
    /// # Errors
    /// The first rule the plan breaks, as a [`PlanError`].
    pub fn validate(&self, today: NaiveDate) -> Result<ValidPlan, PlanError> {
        let metric = self.metric.as_str();
        let source = source(self.metric);
        let not_applicable = |field| PlanError::NotApplicable { field, metric };
        self.check_names()?;
        if let Some(limit) = self.limit
            && !(1..=MAX_PAGE_SIZE).contains(&limit)
        {
            return Err(PlanError::LimitOutOfRange { limit });
        }
        if let Some(having) = self.having
            && !having.value.is_finite()
        {
            return Err(PlanError::BadHaving);
        }
        if self.work_mode.is_some() && !matches!(source, Source::Daily | Source::Sessions) {
            return Err(not_applicable("work_mode"));
        }
        if matches!(
            self.metric,
            Metric::WfhDays | Metric::WfoDays | Metric::WfhPercentage
        ) && self.work_mode.is_some()
        {
            return Err(not_applicable("work_mode"));
        }
        if self.absence_kind.is_some() && self.metric != Metric::AbsenceDays {
            return Err(not_applicable("absence_kind"));
        }
        if self.unit.is_some() && !is_duration(self.metric) {
            return Err(not_applicable("unit"));
        }
        match self.group_by {
            Some(Grouping::WorkMode) if source != Source::Sessions => {
                return Err(not_applicable("group_by work_mode"));
            }
            Some(g) if source == Source::Employees && g != Grouping::Team => {
                return Err(not_applicable("this grouping"));
            }
            _ => {}
        }
        if source == Source::Employees && self.period.is_some() {
            return Err(not_applicable("period"));
        }
        let period = self.period.map(|p| resolve(p, today)).transpose()?;
        if source == Source::Ledger && period.is_none() {
            return Err(PlanError::PeriodRequired { metric });
        }
        let previous = match (self.compare_with_previous, self.period, period) {
            (false, _, _) => None,
            (true, Some(named), Some(range)) => {
                let before =
                    previous(named, range).ok_or(PlanError::PeriodTooLong { days: u64::MAX })?;
                let days = span_days(before.from, range.to);
                if days > MAX_PERIOD_DAYS {
                    return Err(PlanError::PeriodTooLong { days });
                }
                Some(before)
            }
            (true, _, _) => return Err(PlanError::CompareWithoutPeriod),
        };
        Ok(ValidPlan {
            plan: self.clone(),
            period,
            previous,
        })
    }
}

impl QueryPlan {
    /// The name filters' bounds alone (of [`QueryPlan::validate`]): at
    /// most [`MAX_NAMES`] names of at most [`MAX_NAME_CHARS`] characters,
    /// none blank.
    ///
    /// # Errors
    /// The first bound broken.
    pub fn check_names(&self) -> Result<(), PlanError> {
        check_names("employees", self.employees.as_deref())?;
        check_names("teams", self.teams.as_deref())
    }

    /// The plan without what a model forced to write every field puts in
    /// fields that cannot matter: an empty name list (no filter), hours as
    /// the unit (the default), a unit on a metric that is not a duration
    /// and an absence kind on a metric that is not about absences. None of
    /// these can change a valid plan's rows; a filter that does matter (a
    /// work mode on the ledger, a period on the headcount) is left for
    /// [`QueryPlan::validate`] to refuse.
    #[must_use]
    pub fn tidy(mut self) -> Self {
        for names in [&mut self.employees, &mut self.teams] {
            if names.as_ref().is_some_and(Vec::is_empty) {
                *names = None;
            }
        }
        if self.unit == Some(Unit::Hours) || !is_duration(self.metric) {
            self.unit = None;
        }
        if self.metric != Metric::AbsenceDays {
            self.absence_kind = None;
        }
        self
    }
}

/// Whether a metric is a duration (hours, or minutes with [`super::Unit`]).
pub(super) fn is_duration(metric: Metric) -> bool {
    matches!(
        metric,
        Metric::HoursWorked
            | Metric::AverageHoursPerDay
            | Metric::AverageSessionHours
            | Metric::LongestSessionHours
            | Metric::ExpectedHours
            | Metric::NetHoursWorked
            | Metric::OvertimeHours
            | Metric::UndertimeHours
            | Metric::BalanceHours
            | Metric::HolidayWorkHours
            | Metric::RestDayWorkHours
            | Metric::BreakDeductedHours
    )
}

fn check_names(field: &'static str, names: Option<&[String]>) -> Result<(), PlanError> {
    let Some(names) = names else { return Ok(()) };
    let bad = |reason| Err(PlanError::BadNames { field, reason });
    if names.is_empty() {
        return bad("the list is empty; use null for no filter");
    }
    if names.len() > MAX_NAMES {
        return Err(PlanError::TooManyNames { field });
    }
    for name in names {
        if name.chars().count() > MAX_NAME_CHARS {
            return Err(PlanError::NameTooLong { field });
        }
        if name.trim().is_empty() {
            return bad("a name is blank");
        }
        if name.chars().any(char::is_control) {
            return bad("a name has control characters");
        }
    }
    Ok(())
}

/// The dates of `period` as of `today`.
fn resolve(period: Period, today: NaiveDate) -> Result<DateRange, PlanError> {
    let monday = today - Days::new(u64::from(today.weekday().num_days_from_monday()));
    let first = today.with_day(1).unwrap_or(today);
    let range = match period {
        Period::Dates(range) => range,
        Period::Relative(r) => match r.relative {
            RelativePeriod::Today => DateRange {
                from: today,
                to: today,
            },
            RelativePeriod::Yesterday => {
                let day = today - Days::new(1);
                DateRange { from: day, to: day }
            }
            RelativePeriod::ThisWeek => DateRange {
                from: monday,
                to: today,
            },
            RelativePeriod::LastWeek => DateRange {
                from: monday - Days::new(7),
                to: monday - Days::new(1),
            },
            RelativePeriod::ThisMonth => DateRange {
                from: first,
                to: today,
            },
            RelativePeriod::LastMonth => DateRange {
                from: first.checked_sub_months(Months::new(1)).unwrap_or(first),
                to: first - Days::new(1),
            },
        },
        Period::LastNDays(n) => {
            let days = u64::from(n.last_n_days);
            if days == 0 {
                return Err(PlanError::Malformed {
                    reason: "last_n_days must be at least 1".to_owned(),
                });
            }
            if days > MAX_PERIOD_DAYS {
                return Err(PlanError::PeriodTooLong { days });
            }
            DateRange {
                from: today
                    .checked_sub_days(Days::new(days - 1))
                    .ok_or(PlanError::PeriodTooLong { days })?,
                to: today,
            }
        }
    };
    if range.to < range.from {
        return Err(PlanError::PeriodBackwards {
            from: range.from,
            to: range.to,
        });
    }
    let days = span_days(range.from, range.to);
    if days > MAX_PERIOD_DAYS {
        return Err(PlanError::PeriodTooLong { days });
    }
    Ok(range)
}

/// Days from `from` to `to`, both included.
fn span_days(from: NaiveDate, to: NaiveDate) -> u64 {
    u64::try_from((to - from).num_days()).map_or(0, |d| d.saturating_add(1))
}

/// The period just before `range`: the previous calendar week or month for
/// those named periods, else as many days just before. `None` past the
/// calendar's first day.
fn previous(named: Period, range: DateRange) -> Option<DateRange> {
    let month_before = |first: NaiveDate| {
        Some(DateRange {
            from: first.checked_sub_months(Months::new(1))?,
            to: first.checked_sub_days(Days::new(1))?,
        })
    };
    let days = match named {
        // This month so far, or last month, against the whole month before.
        Period::Relative(r)
            if matches!(
                r.relative,
                RelativePeriod::LastMonth | RelativePeriod::ThisMonth
            ) =>
        {
            return month_before(range.from);
        }
        // This week so far against the whole week before.
        Period::Relative(r) if r.relative == RelativePeriod::ThisWeek => 7,
        _ => span_days(range.from, range.to),
    };
    Some(DateRange {
        from: range.from.checked_sub_days(Days::new(days))?,
        to: range.from.checked_sub_days(Days::new(1))?,
    })
}
