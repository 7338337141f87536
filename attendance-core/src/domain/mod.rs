//! Domain types: teams, employees, attendance sessions, and the validated
//! inputs that create them.
//!
//! Inputs (`NewTeam`, `NewEmployee`) can only be built through constructors
//! that validate, so a store never sees an empty name or an unknown timezone.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, NaiveTime, TimeDelta, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

mod changes;
mod rules;
mod week;

pub use changes::EmployeeChanges;

pub use rules::{
    DEFAULT_FUTURE_TOLERANCE, DEFAULT_LATE_AFTER, MAX_AUTO_CLOSE_HOURS, MAX_SUPPORTED_YEAR,
    MIN_AUTO_CLOSE_HOURS, MIN_SUPPORTED_YEAR, check_auto_close_hours, check_clock_out,
    check_not_future, check_supported_date, check_supported_instant, is_late, local_time,
    stored_precision, work_date,
};
pub use week::IsoWeek;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
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

id_type!(
    /// Identifies a [`Team`].
    TeamId
);
id_type!(
    /// Identifies an [`Employee`].
    EmployeeId
);
id_type!(
    /// Identifies an [`AttendanceSession`].
    SessionId
);

/// Longest team name, in characters.
pub const MAX_TEAM_NAME: usize = 100;
/// Longest employee name, in characters.
pub const MAX_EMPLOYEE_NAME: usize = 200;
/// Longest role, in characters.
pub const MAX_ROLE: usize = 100;

/// Trims `value` and checks it is non-empty, at most `max` characters and free
/// of control characters.
pub fn validate_text(field: &'static str, value: &str, max: usize) -> Result<String> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(Error::validation(field, "must not be empty"));
    }
    let chars = trimmed.chars().count();
    if chars > max {
        return Err(Error::validation(
            field,
            format!("must be at most {max} characters, got {chars}"),
        ));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(Error::validation(
            field,
            "must not contain control characters",
        ));
    }
    Ok(trimmed.to_owned())
}

/// Parses an IANA timezone name such as `Europe/Berlin`.
pub fn parse_timezone(value: &str) -> Result<Tz> {
    let trimmed = value.trim();
    Tz::from_str(trimmed).map_err(|_| {
        Error::validation(
            "timezone",
            format!("{trimmed:?} is not an IANA timezone such as \"Europe/Berlin\""),
        )
    })
}

/// Where a session was worked from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum WorkMode {
    /// Work from home.
    #[serde(rename = "WFH")]
    Wfh,
    /// Work from office.
    #[serde(rename = "WFO")]
    Wfo,
}

impl WorkMode {
    /// The wire and database spelling: `"WFH"` or `"WFO"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Wfh => "WFH",
            Self::Wfo => "WFO",
        }
    }
}

impl fmt::Display for WorkMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for WorkMode {
    type Err = Error;

    /// Accepts `WFH` / `WFO` in any letter case.
    fn from_str(s: &str) -> Result<Self> {
        match s.trim() {
            m if m.eq_ignore_ascii_case("WFH") => Ok(Self::Wfh),
            m if m.eq_ignore_ascii_case("WFO") => Ok(Self::Wfo),
            other => Err(Error::validation(
                "work_mode",
                format!("{other:?} is not one of \"WFH\", \"WFO\""),
            )),
        }
    }
}

/// A team: a group of employees sharing a timezone and a late-arrival time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Team {
    /// The team's id.
    pub id: TeamId,
    /// The team's name, unique (case-insensitively) across teams.
    pub name: String,
    /// The IANA timezone in which the team's work dates and local times are read.
    pub timezone: Tz,
    /// A first clock-in after this local time counts as a late arrival.
    pub late_after: NaiveTime,
    /// The forgotten clock-out policy: a session left open this many hours
    /// is closed at its clock-in plus this many hours
    /// ([`crate::service::AttendanceService::close_forgotten_sessions`]); `None`
    /// (the default) leaves open sessions alone.
    #[serde(default)]
    pub auto_close_after_hours: Option<u32>,
}

/// A validated request to create a [`Team`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTeam {
    name: String,
    timezone: Tz,
    late_after: NaiveTime,
    auto_close_after_hours: Option<u32>,
}

impl NewTeam {
    /// A team named `name` in UTC, late after 09:30.
    pub fn new(name: &str) -> Result<Self> {
        Ok(Self {
            name: validate_text("name", name, MAX_TEAM_NAME)?,
            timezone: Tz::UTC,
            late_after: DEFAULT_LATE_AFTER,
            auto_close_after_hours: None,
        })
    }

    /// Turns the forgotten clock-out policy on: sessions left open `hours`
    /// hours are closed at clock-in plus `hours`. Fails unless `hours` is
    /// within [`MIN_AUTO_CLOSE_HOURS`]..=[`MAX_AUTO_CLOSE_HOURS`].
    pub fn with_auto_close_after_hours(mut self, hours: u32) -> Result<Self> {
        self.auto_close_after_hours = Some(check_auto_close_hours(hours)?);
        Ok(self)
    }

    /// The forgotten clock-out policy, in hours; `None` when off.
    pub fn auto_close_after_hours(&self) -> Option<u32> {
        self.auto_close_after_hours
    }

    /// Sets the timezone from an IANA name.
    pub fn with_timezone(mut self, timezone: &str) -> Result<Self> {
        self.timezone = parse_timezone(timezone)?;
        Ok(self)
    }

    /// Sets the local time after which a first clock-in is late.
    pub fn with_late_after(mut self, late_after: NaiveTime) -> Self {
        self.late_after = late_after;
        self
    }

    /// The trimmed name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The timezone.
    pub fn timezone(&self) -> Tz {
        self.timezone
    }

    /// The late-arrival threshold.
    pub fn late_after(&self) -> NaiveTime {
        self.late_after
    }
}

impl Team {
    /// The work date of a session of this team clocked in at `clock_in`
    /// (see [`work_date`]).
    pub fn work_date(&self, clock_in: DateTime<Utc>) -> NaiveDate {
        work_date(self.timezone, clock_in)
    }

    /// Whether a day whose first clock-in was at `first_clock_in` is a late
    /// arrival for this team (see [`is_late`]).
    pub fn arrived_late(&self, first_clock_in: DateTime<Utc>) -> bool {
        is_late(local_time(self.timezone, first_clock_in), self.late_after)
    }

    /// The instant at which this team's policy closes a session clocked in
    /// at `clock_in`, if the team has one.
    pub fn auto_close_at(&self, clock_in: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.auto_close_after_hours
            .map(|hours| clock_in + TimeDelta::hours(i64::from(hours)))
    }
}

/// An employee, member of exactly one team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Employee {
    /// The employee's id.
    pub id: EmployeeId,
    /// Full name.
    pub name: String,
    /// Job role, free text (`"Engineer"`, `"Nurse"`, …).
    pub role: String,
    /// The team the employee belongs to.
    pub team_id: TeamId,
    /// Whether the employee manages others.
    pub is_manager: bool,
}

/// A validated request to create an [`Employee`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEmployee {
    name: String,
    role: String,
    team_id: TeamId,
    is_manager: bool,
}

impl NewEmployee {
    /// A non-manager employee; the team's existence is checked by the store.
    pub fn new(name: &str, role: &str, team_id: TeamId) -> Result<Self> {
        Ok(Self {
            name: validate_text("name", name, MAX_EMPLOYEE_NAME)?,
            role: validate_text("role", role, MAX_ROLE)?,
            team_id,
            is_manager: false,
        })
    }

    /// Marks the employee as a manager (or not).
    pub fn manager(mut self, is_manager: bool) -> Self {
        self.is_manager = is_manager;
        self
    }

    /// The trimmed name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The trimmed role.
    pub fn role(&self) -> &str {
        &self.role
    }

    /// The team.
    pub fn team_id(&self) -> TeamId {
        self.team_id
    }

    /// Whether the employee is a manager.
    pub fn is_manager(&self) -> bool {
        self.is_manager
    }
}

/// One stretch of work between a clock-in and an optional clock-out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttendanceSession {
    /// The session's id.
    pub id: SessionId,
    /// Who worked.
    pub employee_id: EmployeeId,
    /// The local date of the clock-in in the team's timezone. A night shift
    /// that ends after midnight stays on the date it started.
    pub work_date: NaiveDate,
    /// When the session started.
    pub clock_in: DateTime<Utc>,
    /// When the session ended; `None` while it is open.
    pub clock_out: Option<DateTime<Utc>>,
    /// Where the work was done.
    pub work_mode: WorkMode,
    /// Whether the clock-out was set by the team's forgotten clock-out
    /// policy rather than by anyone clocking out.
    #[serde(default)]
    pub auto_closed: bool,
}

impl AttendanceSession {
    /// Whether the employee has not clocked out of this session yet.
    pub fn is_open(&self) -> bool {
        self.clock_out.is_none()
    }

    /// Time worked, for a closed session.
    pub fn duration(&self) -> Option<TimeDelta> {
        self.clock_out.map(|out| out - self.clock_in)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn names_are_trimmed() {
        let team = NewTeam::new("  Platform  ").unwrap();
        assert_eq!(team.name(), "Platform");
        assert_eq!(team.timezone(), Tz::UTC);
        assert_eq!(
            team.late_after(),
            NaiveTime::from_hms_opt(9, 30, 0).unwrap()
        );
    }

    #[test]
    fn bad_names_are_rejected_with_the_field() {
        for (input, expected) in [("", "empty"), ("   ", "empty"), ("a\u{7}b", "control")] {
            let err = NewEmployee::new(input, "Engineer", TeamId(1)).unwrap_err();
            match err {
                Error::Validation { field, reason } => {
                    assert_eq!(field, "name");
                    assert!(reason.contains(expected), "{reason}");
                }
                other => panic!("unexpected {other:?}"),
            }
        }
        let err = NewEmployee::new("Ada", " ", TeamId(1)).unwrap_err();
        assert!(matches!(err, Error::Validation { field: "role", .. }));
    }

    #[test]
    fn timezones_must_parse() {
        let team = NewTeam::new("Ops")
            .unwrap()
            .with_timezone(" Europe/Berlin ")
            .unwrap();
        assert_eq!(team.timezone(), chrono_tz::Europe::Berlin);
        let err = NewTeam::new("Ops")
            .unwrap()
            .with_timezone("Mars/Olympus")
            .unwrap_err();
        assert!(matches!(
            err,
            Error::Validation {
                field: "timezone",
                ..
            }
        ));
    }

    #[test]
    fn the_auto_close_policy_is_bounded() {
        for hours in [MIN_AUTO_CLOSE_HOURS, 12, MAX_AUTO_CLOSE_HOURS] {
            let team = NewTeam::new("Ops")
                .unwrap()
                .with_auto_close_after_hours(hours)
                .unwrap();
            assert_eq!(team.auto_close_after_hours(), Some(hours));
        }
        assert_eq!(NewTeam::new("Ops").unwrap().auto_close_after_hours(), None);
        for hours in [0, MAX_AUTO_CLOSE_HOURS + 1] {
            let err = NewTeam::new("Ops")
                .unwrap()
                .with_auto_close_after_hours(hours)
                .unwrap_err();
            assert!(matches!(
                err,
                Error::Validation {
                    field: "auto_close_after_hours",
                    ..
                }
            ));
        }
    }

    #[test]
    fn work_mode_round_trips_through_json_and_text() {
        assert_eq!(serde_json::to_string(&WorkMode::Wfh).unwrap(), "\"WFH\"");
        assert_eq!(
            serde_json::from_str::<WorkMode>("\"WFO\"").unwrap(),
            WorkMode::Wfo
        );
        assert!(serde_json::from_str::<WorkMode>("\"wfx\"").is_err());
        assert_eq!("wfh".parse::<WorkMode>().unwrap(), WorkMode::Wfh);
        assert!("office".parse::<WorkMode>().is_err());
    }

    proptest! {
        #[test]
        fn accepted_text_is_trimmed_bounded_and_printable(s in "\\PC{0,120}") {
            match validate_text("name", &s, MAX_TEAM_NAME) {
                Ok(v) => {
                    prop_assert_eq!(v.as_str(), s.trim());
                    prop_assert!(!v.is_empty());
                    prop_assert!(v.chars().count() <= MAX_TEAM_NAME);
                }
                Err(Error::Validation { field, .. }) => {
                    prop_assert_eq!(field, "name");
                    let t = s.trim();
                    prop_assert!(t.is_empty() || t.chars().count() > MAX_TEAM_NAME || t.chars().any(char::is_control));
                }
                Err(other) => prop_assert!(false, "unexpected {:?}", other),
            }
        }

        #[test]
        fn any_text_is_a_valid_timezone_or_a_timezone_error(s in ".{0,40}") {
            match parse_timezone(&s) {
                Ok(tz) => prop_assert!(!tz.name().is_empty()),
                Err(e) => prop_assert!(matches!(e, Error::Validation { field: "timezone", .. }), "{:?}", e),
            }
        }
    }
}
