//! Holidays, absences, and the ranges of dates they and the ledger cover.

use super::*;

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

/// The refusal of a holiday in the calendar of a team that does not exist.
pub fn unknown_calendar(team: TeamId) -> Error {
    Error::validation("team_id", format!("there is no team {team}"))
}
