//! The clock rules, each written once. Stores, the importer and the HTTP
//! adapter call these; where PostgreSQL computes the same rule in SQL for
//! speed (the work date in a clock-in, lateness in the trend queries and the
//! Q&A views), the conformance kit runs the same scenarios on both stores
//! and proves the two agree (and `attendance-pg`'s schema tests check the
//! Q&A view against these functions).

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, SubsecRound, TimeDelta, Utc};
use chrono_tz::Tz;

use crate::error::{Error, Result};

/// How far ahead of "now" an instant may be, by default, to absorb clock
/// skew between devices: 5 minutes.
pub const DEFAULT_FUTURE_TOLERANCE: TimeDelta = TimeDelta::minutes(5);

/// The default local time after which a first clock-in counts as late.
pub const DEFAULT_LATE_AFTER: NaiveTime = match NaiveTime::from_hms_opt(9, 30, 0) {
    Some(t) => t,
    None => NaiveTime::MIN,
};

/// The shortest forgotten clock-out policy a team may have, in hours.
pub const MIN_AUTO_CLOSE_HOURS: u32 = 1;
/// The longest forgotten clock-out policy a team may have, in hours: three
/// days, past which an open session is no longer "forgotten" but a choice.
pub const MAX_AUTO_CLOSE_HOURS: u32 = 72;

/// Checks a team's forgotten clock-out policy: `hours` within
/// [`MIN_AUTO_CLOSE_HOURS`]..=[`MAX_AUTO_CLOSE_HOURS`]. PostgreSQL checks
/// the same (`teams_auto_close_after_hours_range`).
pub fn check_auto_close_hours(hours: u32) -> Result<u32> {
    if (MIN_AUTO_CLOSE_HOURS..=MAX_AUTO_CLOSE_HOURS).contains(&hours) {
        Ok(hours)
    } else {
        Err(Error::validation(
            "auto_close_after_hours",
            format!(
                "must be between {MIN_AUTO_CLOSE_HOURS} and {MAX_AUTO_CLOSE_HOURS} hours, got {hours}"
            ),
        ))
    }
}

/// `at` truncated to microseconds, the precision PostgreSQL keeps, so every
/// store sees, compares and returns the same instant.
pub fn stored_precision(at: DateTime<Utc>) -> DateTime<Utc> {
    at.trunc_subsecs(6)
}

/// Checks that `at` (already at [`stored_precision`]) is at most `tolerance`
/// after `now`; `field` names the input in the error.
pub fn check_not_future(
    field: &'static str,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
    tolerance: TimeDelta,
) -> Result<DateTime<Utc>> {
    let at = stored_precision(at);
    if at > now + tolerance {
        return Err(Error::validation(
            field,
            format!(
                "{} is in the future (now is {}); at most {} minutes ahead are accepted",
                at.to_rfc3339(),
                now.to_rfc3339(),
                tolerance.num_minutes()
            ),
        ));
    }
    Ok(at)
}

/// Checks that a session ends after it starts; `field` names the input that
/// carried the clock-out (`"at"` for a clock-out, `"clock_out"` for a whole
/// session).
pub fn check_clock_out(
    field: &'static str,
    clock_in: DateTime<Utc>,
    clock_out: DateTime<Utc>,
) -> Result<()> {
    if clock_out <= clock_in {
        return Err(Error::validation(
            field,
            format!(
                "clock-out ({}) must be after the clock-in ({})",
                clock_out.to_rfc3339(),
                clock_in.to_rfc3339()
            ),
        ));
    }
    Ok(())
}

/// The work date of a session: the local date of its clock-in in the team's
/// timezone, so a night shift that ends after midnight stays on the date it
/// started. PostgreSQL computes the same in a clock-in
/// (`(clock_in AT TIME ZONE timezone)::date`).
pub fn work_date(timezone: Tz, clock_in: DateTime<Utc>) -> NaiveDate {
    clock_in.with_timezone(&timezone).date_naive()
}

/// The local wall-clock time of `at` in `timezone`.
pub fn local_time(timezone: Tz, at: DateTime<Utc>) -> NaiveTime {
    at.with_timezone(&timezone).time()
}

/// Whether a day whose first clock-in was at local time `first_clock_in`
/// counts as a late arrival for a team that is late after `late_after`.
/// Strictly after: a clock-in at 09:30:00 with a 09:30 threshold is on time.
/// PostgreSQL computes the same in the trend queries and the
/// `qa_daily_attendance` view (`first_local > late_after`).
pub fn is_late(first_clock_in: NaiveTime, late_after: NaiveTime) -> bool {
    first_clock_in > late_after
}

/// First year of the dates and instants the library accepts from a caller.
///
/// Every store holds far more (chrono ±262143, PostgreSQL 4713 BC onwards),
/// but the date arithmetic on the way (the week before a week, the period
/// around a date, a timezone's offset) can step past chrono's ends, and
/// PostgreSQL's `timestamptz` stops before them: a range well inside all of
/// them keeps every such step defined. Adapters check what they parse with
/// [`check_supported_date`] and [`check_supported_instant`].
pub const MIN_SUPPORTED_YEAR: i32 = 1900;
/// Last year of the dates and instants the library accepts from a caller;
/// see [`MIN_SUPPORTED_YEAR`].
pub const MAX_SUPPORTED_YEAR: i32 = 9999;

/// `date`, or a validation error on `field` when its year is outside
/// [`MIN_SUPPORTED_YEAR`]..=[`MAX_SUPPORTED_YEAR`].
pub fn check_supported_date(field: &'static str, date: NaiveDate) -> Result<NaiveDate> {
    if (MIN_SUPPORTED_YEAR..=MAX_SUPPORTED_YEAR).contains(&date.year()) {
        Ok(date)
    } else {
        Err(out_of_range(field))
    }
}

/// `at`, or a validation error on `field` when its year (in UTC) is outside
/// [`MIN_SUPPORTED_YEAR`]..=[`MAX_SUPPORTED_YEAR`].
pub fn check_supported_instant(field: &'static str, at: DateTime<Utc>) -> Result<DateTime<Utc>> {
    check_supported_date(field, at.date_naive()).map(|_| at)
}

fn out_of_range(field: &'static str) -> Error {
    Error::validation(
        field,
        format!("must be in the years {MIN_SUPPORTED_YEAR} to {MAX_SUPPORTED_YEAR}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn a_night_shift_keeps_its_starting_date() {
        let tz = chrono_tz::America::New_York;
        assert_eq!(
            work_date(tz, at("2026-03-03T03:30:00Z")),
            "2026-03-02".parse::<NaiveDate>().unwrap()
        );
    }

    #[test]
    fn the_future_ends_at_the_tolerance_and_sub_microseconds_are_dropped() {
        let now = at("2026-03-02T12:00:00Z");
        let edge = now + DEFAULT_FUTURE_TOLERANCE + TimeDelta::nanoseconds(900);
        let kept = check_not_future("at", edge, now, DEFAULT_FUTURE_TOLERANCE).unwrap();
        assert_eq!(kept, now + DEFAULT_FUTURE_TOLERANCE);
        let err = check_not_future(
            "at",
            edge + TimeDelta::microseconds(1),
            now,
            DEFAULT_FUTURE_TOLERANCE,
        )
        .unwrap_err();
        assert!(matches!(err, Error::Validation { field: "at", .. }));
    }

    #[test]
    fn a_clock_out_must_follow_its_clock_in() {
        let t = at("2026-03-02T08:00:00Z");
        assert!(check_clock_out("clock_out", t, t + TimeDelta::seconds(1)).is_ok());
        for out in [t, t - TimeDelta::seconds(1)] {
            let err = check_clock_out("clock_out", t, out).unwrap_err();
            assert!(matches!(
                err,
                Error::Validation {
                    field: "clock_out",
                    ..
                }
            ));
        }
    }

    #[test]
    fn late_is_strictly_after_the_threshold() {
        assert!(!is_late(DEFAULT_LATE_AFTER, DEFAULT_LATE_AFTER));
        assert!(is_late(
            DEFAULT_LATE_AFTER + TimeDelta::seconds(1),
            DEFAULT_LATE_AFTER
        ));
    }
}
