//! Hours owed and hours worked: work patterns, holidays, absences, break
//! rules, and the ledger derived from them and the sessions.
//!
//! # How hours are counted
//!
//! The ledger has one line per employee and work date. It is never stored:
//! every read computes it from the sessions and the settings below, so a
//! correction, a backfill, an import, a new holiday or absence shows in the
//! next read, with no job to run. PostgreSQL computes it in SQL, the
//! in-memory store in Rust with [`ledger`]; the conformance kit holds both to
//! the same hand-computed answers.
//!
//! - **Work date.** A session counts, whole, to the work date of its
//!   clock-in (the local date in the team's timezone), as everywhere else: a
//!   night shift is one day's work. Durations are real elapsed time, so a
//!   DST day is measured as it was lived. An open session counts up to now
//!   and marks the day `open`. The ledger stops at today: a later date has
//!   not happened and owes nothing yet.
//! - **Team on a date.** An employee moved to another team belongs to the
//!   new team from the local date of the move (in the new team's timezone);
//!   days before keep the old team's pattern, holidays and break rule.
//! - **Expected minutes.** The [`WorkPattern`] in effect on the date (the
//!   employee's own assignment if they have one in effect, else their
//!   team's; see [`PatternAssignment`]) gives the minutes of that ISO
//!   weekday; no pattern in effect owes nothing. A full-day [`Holiday`] of
//!   the company or the team sets them to 0, a half day to half (rounded
//!   down to a whole minute).
//! - **Absence.** An [`Absence`] day counts as the day's expected minutes
//!   met ([`LedgerDay::absence_credit_minutes`]); a half day as half the
//!   pattern's minutes, never more than expected. Work on an absence day is
//!   counted too.
//! - **Breaks.** Gaps between a day's sessions count as break. A team's
//!   [`BreakRule`] says how much break a day needs after how much work;
//!   only the shortfall is deducted from the time worked. No rule, no
//!   deduction.
//! - **Overtime** is what the day's net work and absence credit exceed its
//!   expected minutes by, on days that owe minutes. A pattern with a weekly
//!   threshold counts it per ISO week instead: the minutes past the
//!   threshold, on the day they were worked. Work on a full holiday and on
//!   a day the pattern owes nothing (a weekend) is reported apart, as
//!   holiday and rest-day work, never as overtime.
//! - **Balance.** Net work plus absence credit minus expected, summed from
//!   the start of the requested period on top of an optional opening
//!   balance.
//!
//! Every figure is a whole number of minutes; a day's seconds are summed
//! before they are cut to minutes. Hours are for display only, rounded once
//! by [`display_hours`].

use chrono::{Datelike, NaiveDate, NaiveTime, TimeDelta, Weekday};
use serde::{Deserialize, Serialize};

use crate::domain::{EmployeeId, TeamId, check_supported_date, validate_text};
use crate::error::{Error, Result};

mod compute;
mod service;

pub use compute::{DayInput, SessionSpan, ledger};
pub use service::{EmployeeLedger, EmployeeTotals, LedgerLine, TeamLedger};

/// Minutes in a day: the most a pattern can expect of one.
pub const MINUTES_PER_DAY: u32 = 24 * 60;
/// Longest name of a work pattern or a holiday, in characters.
pub const MAX_WORKTIME_NAME: usize = 100;
/// Longest note on an absence, in characters.
pub const MAX_ABSENCE_NOTE: usize = 500;
/// Most days one ledger read or one absence covers: a leap year.
pub const MAX_LEDGER_DAYS: i64 = 366;
/// The largest opening balance accepted, either way, in minutes: a
/// hundred years of full days, far beyond any real balance, and small
/// enough that no sum over a period can overflow.
pub const MAX_OPENING_BALANCE_MINUTES: i64 = 100 * 366 * 24 * 60;
/// Most thresholds a break rule may have.
pub const MAX_BREAK_THRESHOLDS: usize = 8;

macro_rules! worktime_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl From<$name> for i64 {
            fn from(id: $name) -> i64 {
                id.0
            }
        }
    };
}

worktime_id!(
    /// Identifies a [`WorkPattern`].
    WorkPatternId
);
worktime_id!(
    /// Identifies a [`Holiday`].
    HolidayId
);
worktime_id!(
    /// Identifies an [`Absence`].
    AbsenceId
);

/// Expected minutes per ISO weekday, Monday first.
pub type WeekMinutes = [u32; 7];

/// A work pattern: how many minutes each weekday owes, and optionally when
/// the day starts and a weekly overtime threshold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkPattern {
    /// The pattern's id.
    pub id: WorkPatternId,
    /// A name for people (`"Full time"`, `"4 × 6 h"`).
    pub name: String,
    /// Expected minutes, Monday first.
    pub minutes: WeekMinutes,
    /// When the day starts: a first clock-in after it is late. `None`: the
    /// team's `late_after`.
    pub starts_at: Option<NaiveTime>,
    /// Overtime counted per ISO week past this many minutes, instead of per
    /// day past the day's expected minutes.
    pub weekly_overtime_after: Option<u32>,
}

impl WorkPattern {
    /// The minutes this pattern expects on `date`'s weekday.
    pub fn minutes_on(&self, date: NaiveDate) -> u32 {
        weekday_minutes(&self.minutes, date.weekday())
    }
}

fn weekday_minutes(minutes: &WeekMinutes, day: Weekday) -> u32 {
    minutes
        .get(day.num_days_from_monday() as usize)
        .copied()
        .unwrap_or(0)
}

/// A validated request to create a [`WorkPattern`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewWorkPattern {
    name: String,
    minutes: WeekMinutes,
    starts_at: Option<NaiveTime>,
    weekly_overtime_after: Option<u32>,
}

impl NewWorkPattern {
    /// A pattern named `name` expecting `minutes` (Monday first, each at
    /// most [`MINUTES_PER_DAY`]).
    pub fn new(name: &str, minutes: WeekMinutes) -> Result<Self> {
        if let Some((i, m)) = minutes
            .iter()
            .enumerate()
            .find(|(_, m)| **m > MINUTES_PER_DAY)
        {
            return Err(Error::validation(
                "minutes",
                format!(
                    "{} has {m} minutes; a day has at most {MINUTES_PER_DAY}",
                    Weekday::try_from(u8::try_from(i).unwrap_or(0))
                        .map(|d| d.to_string())
                        .unwrap_or_default()
                ),
            ));
        }
        Ok(Self {
            name: validate_text("name", name, MAX_WORKTIME_NAME)?,
            minutes,
            starts_at: None,
            weekly_overtime_after: None,
        })
    }

    /// Sets the local time the day starts (for the late rule).
    pub fn starting_at(mut self, starts_at: NaiveTime) -> Self {
        self.starts_at = Some(starts_at);
        self
    }

    /// Counts overtime per ISO week past `minutes` (1 to 7 × 24 h).
    pub fn with_weekly_overtime_after(mut self, minutes: u32) -> Result<Self> {
        if !(1..=7 * MINUTES_PER_DAY).contains(&minutes) {
            return Err(Error::validation(
                "weekly_overtime_after",
                format!(
                    "must be between 1 and {} minutes, got {minutes}",
                    7 * MINUTES_PER_DAY
                ),
            ));
        }
        self.weekly_overtime_after = Some(minutes);
        Ok(self)
    }

    /// The pattern this request creates, once a store gives it `id`.
    pub fn with_id(&self, id: WorkPatternId) -> WorkPattern {
        WorkPattern {
            id,
            name: self.name.clone(),
            minutes: self.minutes,
            starts_at: self.starts_at,
            weekly_overtime_after: self.weekly_overtime_after,
        }
    }

    /// The trimmed name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Expected minutes, Monday first.
    pub fn minutes(&self) -> WeekMinutes {
        self.minutes
    }

    /// When the day starts, if set.
    pub fn starts_at(&self) -> Option<NaiveTime> {
        self.starts_at
    }

    /// The weekly overtime threshold, if set.
    pub fn weekly_overtime_after(&self) -> Option<u32> {
        self.weekly_overtime_after
    }
}

/// Whose pattern an assignment sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum ScheduleTarget {
    /// Every member of a team without their own assignment in effect.
    Team(TeamId),
    /// One employee, whatever their team's pattern.
    Employee(EmployeeId),
}

/// From `valid_from` on, `target` works by `pattern`, until its next
/// assignment. For an employee, `pattern: None` ends their own pattern:
/// their team's applies again; for a team it means no pattern (nothing
/// owed). A target has at most one assignment per date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatternAssignment {
    /// Whose.
    pub target: ScheduleTarget,
    /// Which pattern, or none.
    pub pattern: Option<WorkPatternId>,
    /// The first date it applies to.
    pub valid_from: NaiveDate,
}

impl PatternAssignment {
    /// An assignment, its date checked.
    pub fn new(
        target: ScheduleTarget,
        pattern: Option<WorkPatternId>,
        valid_from: NaiveDate,
    ) -> Result<Self> {
        Ok(Self {
            target,
            pattern,
            valid_from: check_supported_date("valid_from", valid_from)?,
        })
    }
}

/// The assignment in effect on `date` among `assignments` (any order): the
/// one with the latest `valid_from` on or before it.
pub fn in_effect<'a>(
    assignments: impl IntoIterator<Item = &'a PatternAssignment>,
    date: NaiveDate,
) -> Option<&'a PatternAssignment> {
    assignments
        .into_iter()
        .filter(|a| a.valid_from <= date)
        .max_by_key(|a| a.valid_from)
}

/// Full or half a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum DayPortion {
    /// The whole day.
    #[default]
    Full,
    /// Half the day.
    Half,
}

impl DayPortion {
    /// The spelling stores and the wire use.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Full => "full",
            Self::Half => "half",
        }
    }

    /// Reads [`DayPortion::as_str`]'s spelling back.
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Full, Self::Half]
            .into_iter()
            .find(|p| p.as_str() == s)
    }

    /// `minutes` of a whole day, as this portion has them: half rounded
    /// down to a whole minute.
    pub const fn of(self, minutes: u32) -> u32 {
        match self {
            Self::Full => minutes,
            Self::Half => minutes / 2,
        }
    }
}

/// A dated holiday, of the whole company or of one team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holiday {
    /// The holiday's id.
    pub id: HolidayId,
    /// The team whose calendar it is in; `None`: every team's.
    pub team_id: Option<TeamId>,
    /// The date, in each team's own timezone.
    pub date: NaiveDate,
    /// Its name (`"New Year's Day"`).
    pub name: String,
    /// Whole day or half.
    pub portion: DayPortion,
}

/// A validated request to add a [`Holiday`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewHoliday {
    team_id: Option<TeamId>,
    date: NaiveDate,
    name: String,
    portion: DayPortion,
}

impl NewHoliday {
    /// A holiday on `date` named `name`, for `team` (`None`: the company).
    /// A calendar has at most one holiday per date; the store checks that
    /// and that the team exists.
    pub fn new(
        team_id: Option<TeamId>,
        date: NaiveDate,
        name: &str,
        portion: DayPortion,
    ) -> Result<Self> {
        Ok(Self {
            team_id,
            date: check_supported_date("date", date)?,
            name: validate_text("name", name, MAX_WORKTIME_NAME)?,
            portion,
        })
    }

    /// The holiday this request adds, once a store gives it `id`.
    pub fn with_id(&self, id: HolidayId) -> Holiday {
        Holiday {
            id,
            team_id: self.team_id,
            date: self.date,
            name: self.name.clone(),
            portion: self.portion,
        }
    }

    /// The team, or `None` for the company.
    pub fn team_id(&self) -> Option<TeamId> {
        self.team_id
    }

    /// The date.
    pub fn date(&self) -> NaiveDate {
        self.date
    }
}

/// Why someone is away.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AbsenceKind {
    /// Paid leave.
    Vacation,
    /// Sick leave.
    Sick,
    /// Any other excused absence.
    Other,
}

impl AbsenceKind {
    /// Every kind, in the order above.
    pub const ALL: [Self; 3] = [Self::Vacation, Self::Sick, Self::Other];

    /// The spelling stores and the wire use.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Vacation => "vacation",
            Self::Sick => "sick",
            Self::Other => "other",
        }
    }

    /// Reads [`AbsenceKind::as_str`]'s spelling back.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// An excused absence of one employee over a range of dates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Absence {
    /// The absence's id.
    pub id: AbsenceId,
    /// Who.
    pub employee_id: EmployeeId,
    /// Why.
    pub kind: AbsenceKind,
    /// First day.
    pub from: NaiveDate,
    /// Last day (inclusive).
    pub to: NaiveDate,
    /// Whole days or half days, each day of the range.
    pub portion: DayPortion,
    /// A note for people, if any.
    pub note: Option<String>,
}

impl Absence {
    /// Whether it covers `date`.
    pub fn covers(&self, date: NaiveDate) -> bool {
        self.from <= date && date <= self.to
    }
}

/// A validated request to record an [`Absence`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewAbsence {
    employee_id: EmployeeId,
    kind: AbsenceKind,
    from: NaiveDate,
    to: NaiveDate,
    portion: DayPortion,
    note: Option<String>,
}

impl NewAbsence {
    /// `employee` away for `kind` from `from` to `to` (inclusive, at most
    /// [`MAX_LEDGER_DAYS`] days). An employee's absences may not overlap;
    /// the store checks that.
    pub fn new(
        employee_id: EmployeeId,
        kind: AbsenceKind,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Self> {
        let (from, to) = check_range(from, to)?;
        Ok(Self {
            employee_id,
            kind,
            from,
            to,
            portion: DayPortion::Full,
            note: None,
        })
    }

    /// Half days instead of whole ones.
    pub fn with_portion(mut self, portion: DayPortion) -> Self {
        self.portion = portion;
        self
    }

    /// A note for people (trimmed, at most [`MAX_ABSENCE_NOTE`] characters).
    pub fn with_note(mut self, note: &str) -> Result<Self> {
        self.note = Some(validate_text("note", note, MAX_ABSENCE_NOTE)?);
        Ok(self)
    }

    /// The absence this request records, once a store gives it `id`.
    pub fn with_id(&self, id: AbsenceId) -> Absence {
        Absence {
            id,
            employee_id: self.employee_id,
            kind: self.kind,
            from: self.from,
            to: self.to,
            portion: self.portion,
            note: self.note.clone(),
        }
    }

    /// Who.
    pub fn employee_id(&self) -> EmployeeId {
        self.employee_id
    }

    /// First day.
    pub fn from(&self) -> NaiveDate {
        self.from
    }

    /// Last day.
    pub fn to(&self) -> NaiveDate {
        self.to
    }
}

/// The dates a ledger read covers: at most [`MAX_LEDGER_DAYS`] days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LedgerPeriod {
    from: NaiveDate,
    to: NaiveDate,
}

impl LedgerPeriod {
    /// `from` to `to`, inclusive, checked as [`check_range`] does.
    pub fn new(from: NaiveDate, to: NaiveDate) -> Result<Self> {
        let (from, to) = check_range(from, to)?;
        Ok(Self { from, to })
    }

    /// The first date.
    pub fn from(&self) -> NaiveDate {
        self.from
    }

    /// The last date.
    pub fn to(&self) -> NaiveDate {
        self.to
    }

    /// Every date, ascending.
    pub fn dates(&self) -> impl Iterator<Item = NaiveDate> + use<> {
        let to = self.to;
        self.from.iter_days().take_while(move |d| *d <= to)
    }
}

/// Which holidays to list; every field narrows the result.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HolidayFilter {
    /// Only the company's calendar and this team's.
    pub team_id: Option<TeamId>,
    /// Only dates on or after this one.
    pub from: Option<NaiveDate>,
    /// Only dates on or before this one.
    pub to: Option<NaiveDate>,
}

impl HolidayFilter {
    /// Whether `holiday` matches.
    pub fn matches(&self, holiday: &Holiday) -> bool {
        self.team_id
            .is_none_or(|t| holiday.team_id.is_none_or(|h| h == t))
            && self.from.is_none_or(|f| holiday.date >= f)
            && self.to.is_none_or(|t| holiday.date <= t)
    }
}

/// Which absences to list; every field narrows the result.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AbsenceFilter {
    /// Only this employee's.
    pub employee_id: Option<EmployeeId>,
    /// Only those of this team's (current) members.
    pub team_id: Option<TeamId>,
    /// Only absences that end on or after this date.
    pub from: Option<NaiveDate>,
    /// Only absences that start on or before this date.
    pub to: Option<NaiveDate>,
    /// Only what the principal may read: set by the service, never by the
    /// caller's query.
    #[serde(skip)]
    pub scope: crate::access::Scope,
}

impl AbsenceFilter {
    /// Whether `absence`, of an employee in `team`, matches.
    pub fn matches(&self, absence: &Absence, team: TeamId) -> bool {
        self.scope.admits(absence.employee_id, team)
            && self.employee_id.is_none_or(|e| e == absence.employee_id)
            && self.team_id.is_none_or(|t| t == team)
            && self.from.is_none_or(|f| absence.to >= f)
            && self.to.is_none_or(|t| absence.from <= t)
    }
}

/// Checks a range of dates: both in the supported years, `to` not before
/// `from`, at most [`MAX_LEDGER_DAYS`] days.
pub fn check_range(from: NaiveDate, to: NaiveDate) -> Result<(NaiveDate, NaiveDate)> {
    let from = check_supported_date("from", from)?;
    let to = check_supported_date("to", to)?;
    if to < from {
        return Err(Error::validation(
            "to",
            format!("{to} is before the start, {from}"),
        ));
    }
    let days = (to - from).num_days() + 1;
    if days > MAX_LEDGER_DAYS {
        return Err(Error::validation(
            "to",
            format!("the range has {days} days; at most {MAX_LEDGER_DAYS} are accepted"),
        ));
    }
    Ok((from, to))
}

/// One step of a break rule: a day with more than `after_minutes` of work
/// needs at least `break_minutes` of break.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BreakThreshold {
    /// Work beyond this many minutes…
    pub after_minutes: u32,
    /// …needs this much break.
    pub break_minutes: u32,
}

/// A team's break rule: thresholds ascending in both work and break.
/// Empty: no rule, nothing deducted.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct BreakRule {
    thresholds: Vec<BreakThreshold>,
}

impl BreakRule {
    /// No rule: nothing is ever deducted.
    pub const fn none() -> Self {
        Self {
            thresholds: Vec::new(),
        }
    }

    /// The common statutory rule: more than 6 h of work needs 30 min of
    /// break, more than 9 h needs 45 min.
    pub fn statutory() -> Self {
        Self {
            thresholds: vec![
                BreakThreshold {
                    after_minutes: 6 * 60,
                    break_minutes: 30,
                },
                BreakThreshold {
                    after_minutes: 9 * 60,
                    break_minutes: 45,
                },
            ],
        }
    }

    /// A rule from `thresholds`: at most [`MAX_BREAK_THRESHOLDS`], work
    /// strictly ascending within a day, break ascending, each break shorter
    /// than its work.
    pub fn new(thresholds: Vec<BreakThreshold>) -> Result<Self> {
        if thresholds.len() > MAX_BREAK_THRESHOLDS {
            return Err(Error::validation(
                "thresholds",
                format!("at most {MAX_BREAK_THRESHOLDS} thresholds are accepted"),
            ));
        }
        for (i, t) in thresholds.iter().enumerate() {
            if t.after_minutes == 0 || t.after_minutes >= MINUTES_PER_DAY {
                return Err(Error::validation(
                    "thresholds",
                    format!(
                        "after_minutes must be between 1 and {MINUTES_PER_DAY}, got {}",
                        t.after_minutes
                    ),
                ));
            }
            if t.break_minutes == 0 || t.break_minutes >= t.after_minutes {
                return Err(Error::validation(
                    "thresholds",
                    format!(
                        "break_minutes must be at least 1 and less than after_minutes ({}), got {}",
                        t.after_minutes, t.break_minutes
                    ),
                ));
            }
            if let Some(prev) = i.checked_sub(1).and_then(|p| thresholds.get(p))
                && (t.after_minutes <= prev.after_minutes || t.break_minutes < prev.break_minutes)
            {
                return Err(Error::validation(
                    "thresholds",
                    "must be in ascending order of after_minutes, with break_minutes not decreasing",
                ));
            }
        }
        Ok(Self { thresholds })
    }

    /// The thresholds, ascending.
    pub fn thresholds(&self) -> &[BreakThreshold] {
        &self.thresholds
    }

    /// Whether the rule deducts nothing, ever.
    pub fn is_none(&self) -> bool {
        self.thresholds.is_empty()
    }

    /// The break a day with `worked` minutes needs: that of the highest
    /// threshold it exceeds, strictly (6 h 00 needs none under the
    /// statutory rule, 6 h 01 needs 30 min).
    pub fn required(&self, worked: i64) -> i64 {
        self.thresholds
            .iter()
            .rev()
            .find(|t| worked > i64::from(t.after_minutes))
            .map_or(0, |t| i64::from(t.break_minutes))
    }
}

/// One line of the ledger: one employee's work date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerDay {
    /// Who.
    pub employee_id: EmployeeId,
    /// The work date.
    pub date: NaiveDate,
    /// The employee's team on that date.
    pub team_id: TeamId,
    /// Minutes owed: the pattern's, less holidays.
    pub expected_minutes: i64,
    /// Minutes between clock-ins and clock-outs (open sessions: until now).
    pub worked_gross_minutes: i64,
    /// Minutes deducted for break not taken.
    pub break_deducted_minutes: i64,
    /// Gross less the deduction.
    pub worked_net_minutes: i64,
    /// Minutes an absence credits as worked.
    pub absence_credit_minutes: i64,
    /// Minutes beyond what was owed, on days that owe minutes.
    pub overtime_minutes: i64,
    /// Minutes owed and neither worked nor credited.
    pub undertime_minutes: i64,
    /// Net minutes worked on a full holiday.
    pub holiday_work_minutes: i64,
    /// Net minutes worked on a day the pattern owes nothing (a weekend).
    pub rest_day_work_minutes: i64,
    /// The day's holiday, if any.
    pub holiday: Option<DayPortion>,
    /// The day's absence, if any.
    pub absence: Option<DayAbsence>,
    /// Minutes were owed and there was neither a session nor an absence.
    pub absent_without_leave: bool,
    /// The first clock-in was after the pattern's start (or the team's
    /// `late_after`).
    pub late: bool,
    /// Sessions on that work date.
    pub sessions: i64,
    /// One of them is still open and counted up to now.
    pub open: bool,
}

impl LedgerDay {
    /// What the day adds to the balance: net work plus absence credit
    /// minus expected.
    pub fn balance_change(&self) -> i64 {
        self.worked_net_minutes + self.absence_credit_minutes - self.expected_minutes
    }
}

/// Ledger totals over a period (one employee's, or summed over many), and
/// the balance at its end.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct LedgerTotals {
    /// Sum of [`LedgerDay::expected_minutes`].
    pub expected_minutes: i64,
    /// Sum of [`LedgerDay::worked_gross_minutes`].
    pub worked_gross_minutes: i64,
    /// Sum of [`LedgerDay::break_deducted_minutes`].
    pub break_deducted_minutes: i64,
    /// Sum of [`LedgerDay::worked_net_minutes`].
    pub worked_net_minutes: i64,
    /// Sum of [`LedgerDay::absence_credit_minutes`].
    pub absence_credit_minutes: i64,
    /// Sum of [`LedgerDay::overtime_minutes`].
    pub overtime_minutes: i64,
    /// Sum of [`LedgerDay::undertime_minutes`].
    pub undertime_minutes: i64,
    /// Sum of [`LedgerDay::holiday_work_minutes`].
    pub holiday_work_minutes: i64,
    /// Sum of [`LedgerDay::rest_day_work_minutes`].
    pub rest_day_work_minutes: i64,
    /// Days of vacation (a half day counts 0.5).
    pub vacation_days: f64,
    /// Days of sick leave (a half day counts 0.5).
    pub sick_days: f64,
    /// Days of other absence (a half day counts 0.5).
    pub other_absence_days: f64,
    /// Days absent without leave.
    pub absent_without_leave_days: i64,
    /// Days with a late first clock-in.
    pub late_days: i64,
    /// The opening balance plus every day's [`LedgerDay::balance_change`].
    pub balance_minutes: i64,
}

impl LedgerTotals {
    /// The totals of `days`, on top of `opening` minutes of balance.
    pub fn of(days: &[LedgerDay], opening: i64) -> Self {
        let mut t = Self {
            balance_minutes: opening,
            ..Self::default()
        };
        for d in days {
            t.add(d);
        }
        t
    }

    /// Adds one day.
    pub fn add(&mut self, d: &LedgerDay) {
        self.expected_minutes += d.expected_minutes;
        self.worked_gross_minutes += d.worked_gross_minutes;
        self.break_deducted_minutes += d.break_deducted_minutes;
        self.worked_net_minutes += d.worked_net_minutes;
        self.absence_credit_minutes += d.absence_credit_minutes;
        self.overtime_minutes += d.overtime_minutes;
        self.undertime_minutes += d.undertime_minutes;
        self.holiday_work_minutes += d.holiday_work_minutes;
        self.rest_day_work_minutes += d.rest_day_work_minutes;
        if let Some(DayAbsence { kind, portion }) = d.absence {
            let days = match portion {
                DayPortion::Full => 1.0,
                DayPortion::Half => 0.5,
            };
            match kind {
                AbsenceKind::Vacation => self.vacation_days += days,
                AbsenceKind::Sick => self.sick_days += days,
                AbsenceKind::Other => self.other_absence_days += days,
            }
        }
        self.absent_without_leave_days += i64::from(d.absent_without_leave);
        self.late_days += i64::from(d.late);
        self.balance_minutes += d.balance_change();
    }

    /// Adds another total (another employee's) to these.
    pub fn merge(&mut self, o: &Self) {
        self.expected_minutes += o.expected_minutes;
        self.worked_gross_minutes += o.worked_gross_minutes;
        self.break_deducted_minutes += o.break_deducted_minutes;
        self.worked_net_minutes += o.worked_net_minutes;
        self.absence_credit_minutes += o.absence_credit_minutes;
        self.overtime_minutes += o.overtime_minutes;
        self.undertime_minutes += o.undertime_minutes;
        self.holiday_work_minutes += o.holiday_work_minutes;
        self.rest_day_work_minutes += o.rest_day_work_minutes;
        self.vacation_days += o.vacation_days;
        self.sick_days += o.sick_days;
        self.other_absence_days += o.other_absence_days;
        self.absent_without_leave_days += o.absent_without_leave_days;
        self.late_days += o.late_days;
        self.balance_minutes += o.balance_minutes;
    }
}

/// An absence as it falls on one day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayAbsence {
    /// Why.
    pub kind: AbsenceKind,
    /// Whole day or half.
    pub portion: DayPortion,
}

/// Hours for people to read: `minutes` / 60, rounded half away from zero to
/// one decimal (`11_787` minutes is `196.5`). The one rounding of hours in
/// the library: summaries, tables and exports all call it, so a number
/// never reads two ways.
pub fn display_hours(minutes: i64) -> f64 {
    // Tenths of an hour are 6 minutes: round in integers, then divide once.
    let tenths = (minutes.abs() + 3) / 6 * minutes.signum();
    tenths as f64 / 10.0
}

/// The ISO-week Monday on or before `date`.
pub fn week_start(date: NaiveDate) -> NaiveDate {
    date - TimeDelta::days(i64::from(date.weekday().num_days_from_monday()))
}

/// The first date of an employee's first team: they belong to the team
/// they were created in for every date before they were first moved.
pub const SINCE_ALWAYS: NaiveDate =
    match NaiveDate::from_ymd_opt(crate::domain::MIN_SUPPORTED_YEAR, 1, 1) {
        Some(d) => d,
        None => NaiveDate::MIN,
    };

/// The date from which a move to a team in `timezone` at `at` counts: the
/// local date of the move there.
pub fn moved_on(timezone: chrono_tz::Tz, at: chrono::DateTime<chrono::Utc>) -> NaiveDate {
    crate::domain::work_date(timezone, at)
}

/// The refusal of a second assignment of one target starting on one date:
/// validity periods never overlap, each runs until the next.
pub fn assignment_taken(date: NaiveDate) -> Error {
    Error::validation(
        "valid_from",
        format!("an assignment of this target already starts on {date}; each runs until the next"),
    )
}

/// The refusal of a holiday in the calendar of a team that does not exist.
pub fn unknown_calendar(team: TeamId) -> Error {
    Error::validation("team_id", format!("there is no team {team}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn hours_are_rounded_once_half_away_from_zero() {
        // 196 h 27 min is 196.45 h: one decimal reads 196.5.
        assert_eq!(display_hours(196 * 60 + 27), 196.5);
        assert_eq!(display_hours(196 * 60 + 26), 196.4);
        assert_eq!(display_hours(3), 0.1);
        assert_eq!(display_hours(2), 0.0);
        assert_eq!(display_hours(-3), -0.1);
        assert_eq!(display_hours(-930), -15.5);
    }

    #[test]
    fn patterns_refuse_more_minutes_than_a_day_has() {
        let err = NewWorkPattern::new("Too long", [480, 480, 1441, 0, 0, 0, 0]).unwrap_err();
        match err {
            Error::Validation { field, reason } => {
                assert_eq!(field, "minutes");
                assert!(reason.contains("Wed"), "{reason}");
            }
            other => panic!("{other:?}"),
        }
        for bad in [0, 7 * MINUTES_PER_DAY + 1] {
            let err = NewWorkPattern::new("Weekly", [480; 7])
                .unwrap()
                .with_weekly_overtime_after(bad)
                .unwrap_err();
            assert!(matches!(
                err,
                Error::Validation {
                    field: "weekly_overtime_after",
                    ..
                }
            ));
        }
    }

    #[test]
    fn break_thresholds_must_ascend() {
        let t = |after_minutes, break_minutes| BreakThreshold {
            after_minutes,
            break_minutes,
        };
        assert!(BreakRule::new(vec![t(360, 30), t(540, 45)]).is_ok());
        for bad in [
            vec![t(540, 45), t(360, 30)],
            vec![t(360, 30), t(360, 45)],
            vec![t(360, 45), t(540, 30)],
            vec![t(30, 30)],
            vec![t(0, 1)],
            vec![t(MINUTES_PER_DAY, 30)],
            vec![t(60, 1); MAX_BREAK_THRESHOLDS + 1],
        ] {
            let err = BreakRule::new(bad.clone()).unwrap_err();
            assert!(
                matches!(
                    err,
                    Error::Validation {
                        field: "thresholds",
                        ..
                    }
                ),
                "{bad:?}: {err:?}"
            );
        }
        let statutory = BreakRule::statutory();
        assert_eq!(statutory.required(360), 0);
        assert_eq!(statutory.required(361), 30);
        assert_eq!(statutory.required(541), 45);
    }

    #[test]
    fn ranges_end_after_they_start_and_last_a_year_at_most() {
        assert!(LedgerPeriod::new(d("2028-01-01"), d("2028-12-31")).is_ok());
        for (from, to) in [("2026-03-02", "2026-03-01"), ("2026-01-01", "2027-01-02")] {
            let err = LedgerPeriod::new(d(from), d(to)).unwrap_err();
            assert!(
                matches!(err, Error::Validation { field: "to", .. }),
                "{err:?}"
            );
            let err =
                NewAbsence::new(EmployeeId(1), AbsenceKind::Sick, d(from), d(to)).unwrap_err();
            assert!(
                matches!(err, Error::Validation { field: "to", .. }),
                "{err:?}"
            );
        }
        let period = LedgerPeriod::new(d("2026-02-27"), d("2026-03-02")).unwrap();
        assert_eq!(period.dates().count(), 4);
    }

    #[test]
    fn the_assignment_in_effect_is_the_latest_started() {
        let a = |from: &str| PatternAssignment {
            target: ScheduleTarget::Team(TeamId(1)),
            pattern: Some(WorkPatternId(from.len() as i64)),
            valid_from: d(from),
        };
        let all = [a("2026-07-01"), a("2026-01-01")];
        assert_eq!(
            in_effect(&all, d("2026-06-30")).map(|x| x.valid_from),
            Some(d("2026-01-01"))
        );
        assert_eq!(
            in_effect(&all, d("2026-07-01")).map(|x| x.valid_from),
            Some(d("2026-07-01"))
        );
        assert!(in_effect(&all, d("2025-12-31")).is_none());
    }

    #[test]
    fn wire_spellings_round_trip() {
        for kind in AbsenceKind::ALL {
            assert_eq!(AbsenceKind::parse(kind.as_str()), Some(kind));
        }
        for portion in [DayPortion::Full, DayPortion::Half] {
            assert_eq!(DayPortion::parse(portion.as_str()), Some(portion));
        }
        assert_eq!(DayPortion::Half.of(481), 240);
    }
}
