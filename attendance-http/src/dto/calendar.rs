//! Holiday calendars and absences: the records, the bodies that create
//! them, their lists and queries.

use attendance_core::worktime::{
    self as core, MAX_ABSENCE_NOTE, MAX_LEDGER_DAYS, MAX_WORKTIME_NAME,
};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::openapi::schema::ObjectBuilder;
use utoipa::{IntoParams, ToSchema};

use super::shared::described_string;

/// Full or half a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DayPortion {
    /// The whole day.
    Full,
    /// Half the day.
    Half,
}

impl From<core::DayPortion> for DayPortion {
    fn from(p: core::DayPortion) -> Self {
        match p {
            core::DayPortion::Full => Self::Full,
            core::DayPortion::Half => Self::Half,
        }
    }
}

/// A dated holiday of the company or of one team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Holiday {
    /// The holiday's id.
    pub id: i64,
    /// The team whose calendar it is in; `null`: every team's.
    pub team_id: Option<i64>,
    /// The date, in each team's own timezone.
    pub date: NaiveDate,
    /// Its name.
    #[schema(example = "New Year's Day")]
    pub name: String,
    /// Whole day or half.
    pub portion: DayPortion,
}

impl From<core::Holiday> for Holiday {
    fn from(h: core::Holiday) -> Self {
        Self {
            id: h.id.0,
            team_id: h.team_id.map(|t| t.0),
            date: h.date,
            name: h.name,
            portion: h.portion.into(),
        }
    }
}

/// Body of `POST /holidays`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateHoliday {
    /// The team whose calendar it goes in; absent: the company's.
    pub team_id: Option<i64>,
    /// The date (`YYYY-MM-DD`); a calendar has one holiday per date.
    #[schema(value_type = NaiveDate, example = "2026-12-25")]
    pub date: String,
    /// Its name.
    #[schema(schema_with = holiday_name_schema)]
    pub name: String,
    /// `full` (default) or `half`.
    #[schema(value_type = Option<DayPortion>)]
    pub portion: Option<String>,
}

fn holiday_name_schema() -> ObjectBuilder {
    described_string(
        format!("Name, 1–{MAX_WORKTIME_NAME} characters after trimming."),
        "Christmas Day",
        false,
    )
}

/// Holidays by date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct HolidayList {
    /// The holidays.
    pub items: Vec<Holiday>,
}

/// Query of `GET /holidays`.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct HolidaysQuery {
    /// Only the company's calendar and this team's.
    #[param(value_type = Option<i64>)]
    pub(crate) team_id: Option<String>,
    /// Only dates on or after this one (`YYYY-MM-DD`).
    #[param(value_type = Option<NaiveDate>)]
    pub(crate) from: Option<String>,
    /// Only dates on or before this one (`YYYY-MM-DD`).
    #[param(value_type = Option<NaiveDate>)]
    pub(crate) to: Option<String>,
}

/// Why someone is away.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AbsenceKind {
    /// Paid leave.
    Vacation,
    /// Sick leave.
    Sick,
    /// Any other excused absence.
    Other,
}

impl From<core::AbsenceKind> for AbsenceKind {
    fn from(k: core::AbsenceKind) -> Self {
        match k {
            core::AbsenceKind::Vacation => Self::Vacation,
            core::AbsenceKind::Sick => Self::Sick,
            core::AbsenceKind::Other => Self::Other,
        }
    }
}

/// An excused absence of one employee over a range of dates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Absence {
    /// The absence's id.
    pub id: i64,
    /// Who.
    pub employee_id: i64,
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

impl From<core::Absence> for Absence {
    fn from(a: core::Absence) -> Self {
        Self {
            id: a.id.0,
            employee_id: a.employee_id.0,
            kind: a.kind.into(),
            from: a.from,
            to: a.to,
            portion: a.portion.into(),
            note: a.note,
        }
    }
}

/// Body of `POST /absences`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(description = record_absence_description())]
pub struct RecordAbsence {
    /// Who.
    pub employee_id: i64,
    /// `vacation`, `sick` or `other`.
    #[schema(value_type = AbsenceKind)]
    pub kind: String,
    /// First day (`YYYY-MM-DD`).
    #[schema(value_type = NaiveDate, example = "2026-08-03")]
    pub from: String,
    /// Last day (`YYYY-MM-DD`, inclusive), not before `from`.
    #[schema(value_type = NaiveDate, example = "2026-08-14")]
    pub to: String,
    /// `full` (default) or `half`, for each day of the range.
    #[schema(value_type = Option<DayPortion>)]
    pub portion: Option<String>,
    /// A note for people.
    #[schema(schema_with = note_schema)]
    pub note: Option<String>,
}

fn record_absence_description() -> String {
    format!(
        "An absence to record: at most {MAX_LEDGER_DAYS} days, overlapping no other absence \
         of the employee."
    )
}

fn note_schema() -> ObjectBuilder {
    described_string(
        format!("A note, 1–{MAX_ABSENCE_NOTE} characters after trimming."),
        "Summer holiday",
        true,
    )
}

/// Absences, by first day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AbsenceList {
    /// The absences.
    pub items: Vec<Absence>,
}

/// Query of `GET /absences`.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct AbsencesQuery {
    /// Only this employee's.
    #[param(value_type = Option<i64>)]
    pub(crate) employee_id: Option<String>,
    /// Only those of this team's current members.
    #[param(value_type = Option<i64>)]
    pub(crate) team_id: Option<String>,
    /// Only absences that end on or after this date (`YYYY-MM-DD`).
    #[param(value_type = Option<NaiveDate>)]
    pub(crate) from: Option<String>,
    /// Only absences that start on or before this date (`YYYY-MM-DD`).
    #[param(value_type = Option<NaiveDate>)]
    pub(crate) to: Option<String>,
}
