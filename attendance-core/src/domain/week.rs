//! ISO weeks: the `YYYY-Www` label of weekly trends and weekly summaries.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, Days, NaiveDate, Weekday};
use serde::Serialize;

use crate::error::{Error, Result};

/// An ISO week such as `2026-W47`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IsoWeek {
    monday: NaiveDate,
}

impl IsoWeek {
    /// The ISO week containing `date`.
    pub fn containing(date: NaiveDate) -> Self {
        Self {
            monday: date - Days::new(u64::from(date.weekday().num_days_from_monday())),
        }
    }

    /// Its Monday.
    pub fn monday(&self) -> NaiveDate {
        self.monday
    }

    /// Its Sunday.
    pub fn sunday(&self) -> NaiveDate {
        self.monday + Days::new(6)
    }

    /// The week before.
    pub fn previous(&self) -> Self {
        Self {
            monday: self.monday - Days::new(7),
        }
    }
}

impl fmt::Display for IsoWeek {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let week = self.monday.iso_week();
        write!(f, "{}-W{:02}", week.year(), week.week())
    }
}

impl FromStr for IsoWeek {
    type Err = Error;

    /// Parses `YYYY-Www` (`2026-W07`; `2026-w7` is accepted too).
    fn from_str(s: &str) -> Result<Self> {
        let invalid = || {
            Error::validation(
                "week",
                format!("{s:?} is not an ISO week such as \"2026-W07\""),
            )
        };
        let (year, week) = s.trim().split_once(['W', 'w']).ok_or_else(invalid)?;
        let year: i32 = year
            .strip_suffix('-')
            .unwrap_or(year)
            .parse()
            .map_err(|_| invalid())?;
        let week: u32 = week.parse().map_err(|_| invalid())?;
        NaiveDate::from_isoywd_opt(year, week, Weekday::Mon)
            .map(|monday| Self { monday })
            .ok_or_else(invalid)
    }
}

impl Serialize for IsoWeek {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_weeks_parse_and_print() {
        let w: IsoWeek = "2026-W01".parse().unwrap();
        assert_eq!(w.monday(), "2025-12-29".parse::<NaiveDate>().unwrap());
        assert_eq!(w.to_string(), "2026-W01");
        assert_eq!(w.previous().to_string(), "2025-W52");
        assert_eq!("2026w7".parse::<IsoWeek>().unwrap().to_string(), "2026-W07");
        for bad in ["2026-W54", "2026-13", "W12", "", "2026-W0"] {
            let err = bad.parse::<IsoWeek>().unwrap_err();
            assert!(
                matches!(err, Error::Validation { field: "week", .. }),
                "{bad}"
            );
        }
        assert_eq!(
            IsoWeek::containing("2026-03-15".parse().unwrap()).to_string(),
            "2026-W11"
        );
    }
}
