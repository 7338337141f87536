//! The ledger in Rust: the reference the in-memory store runs and the
//! PostgreSQL store's SQL is held to.

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, Utc};
use chrono_tz::Tz;

use super::{BreakRule, DayAbsence, DayPortion, LedgerDay, WorkPattern};
use crate::domain::{EmployeeId, TeamId, is_late, local_time, work_date};

/// One session as the ledger reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionSpan {
    /// When it started.
    pub clock_in: DateTime<Utc>,
    /// When it ended; `None` while open (counted up to now).
    pub clock_out: Option<DateTime<Utc>>,
}

/// Everything one work date of one employee depends on, resolved for that
/// date: the team they were in, its settings, the pattern in effect, the
/// holiday and absence that fall on it, and the sessions of that work date.
#[derive(Debug, Clone)]
pub struct DayInput<'a> {
    /// The work date.
    pub date: NaiveDate,
    /// The employee's team on that date.
    pub team_id: TeamId,
    /// That team's timezone.
    pub timezone: Tz,
    /// That team's late-arrival time, used when the pattern has no start.
    pub late_after: NaiveTime,
    /// The pattern in effect, if any.
    pub pattern: Option<&'a WorkPattern>,
    /// The holiday on that date in the team's calendar or the company's (a
    /// full day wins over a half day).
    pub holiday: Option<DayPortion>,
    /// The absence covering that date, if any.
    pub absence: Option<DayAbsence>,
    /// That team's break rule.
    pub break_rule: &'a BreakRule,
    /// The sessions whose work date it is, in any order.
    pub sessions: Vec<SessionSpan>,
}

const MICROS_PER_MINUTE: i64 = 60_000_000;

fn micros(from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
    (to - from).num_microseconds().unwrap_or(i64::MAX).max(0)
}

/// The ledger lines of `employee` for `days`, ascending and consecutive,
/// open sessions counted up to `now`. A date after today (the local date of
/// `now` in that date's team's timezone) has no line: it has not happened,
/// and owes nothing yet. Weekly overtime sums from each Monday: to have it
/// right on the first days, start `days` at the Monday of the first date's
/// week and drop the lines before it.
pub fn ledger(employee: EmployeeId, days: &[DayInput<'_>], now: DateTime<Utc>) -> Vec<LedgerDay> {
    let mut lines = Vec::with_capacity(days.len());
    // Minutes met (net work plus absence credit) so far in the ISO week, on
    // days that owe minutes.
    let mut week_met = 0i64;
    let mut week = None;
    for day in days {
        if day.date > work_date(day.timezone, now) {
            continue;
        }
        let iso = day.date.iso_week();
        if week != Some(iso) {
            week = Some(iso);
            week_met = 0;
        }
        let line = day_line(employee, day, now, &mut week_met);
        lines.push(line);
    }
    lines
}

fn day_line(
    employee: EmployeeId,
    day: &DayInput<'_>,
    now: DateTime<Utc>,
    week_met: &mut i64,
) -> LedgerDay {
    let base = i64::from(day.pattern.map_or(0, |p| p.minutes_on(day.date)));
    let expected = match day.holiday {
        None => base,
        Some(DayPortion::Full) => 0,
        Some(DayPortion::Half) => base / 2,
    };

    let mut spans = day.sessions.clone();
    spans.sort_by_key(|s| s.clock_in);
    let gross_us: i64 = spans
        .iter()
        .map(|s| micros(s.clock_in, s.clock_out.unwrap_or(now)))
        .sum();
    let gap_us: i64 = spans
        .windows(2)
        .filter_map(|pair| match pair {
            [before, after] => before.clock_out.map(|out| micros(out, after.clock_in)),
            _ => None,
        })
        .sum();
    let gross = gross_us / MICROS_PER_MINUTE;
    let gaps = gap_us / MICROS_PER_MINUTE;
    let deducted = (day.break_rule.required(gross) - gaps).max(0);
    let net = gross - deducted;

    let credit = day.absence.map_or(0, |a| match a.portion {
        DayPortion::Full => expected,
        DayPortion::Half => (base / 2).min(expected),
    });

    let full_holiday = day.holiday == Some(DayPortion::Full);
    let rest_day = !full_holiday && base == 0;
    let owes = !full_holiday && !rest_day;
    let met = if owes { net + credit } else { 0 };
    let overtime = match day.pattern.and_then(|p| p.weekly_overtime_after) {
        Some(threshold) => {
            let threshold = i64::from(threshold);
            let before = *week_met;
            let after = before + met;
            (after - threshold).max(0) - (before - threshold).max(0)
        }
        None if owes => (met - expected).max(0),
        None => 0,
    };
    *week_met += met;

    let first = spans.first().map(|s| s.clock_in);
    let start = day
        .pattern
        .and_then(|p| p.starts_at)
        .unwrap_or(day.late_after);
    LedgerDay {
        employee_id: employee,
        date: day.date,
        team_id: day.team_id,
        expected_minutes: expected,
        worked_gross_minutes: gross,
        break_deducted_minutes: deducted,
        worked_net_minutes: net,
        absence_credit_minutes: credit,
        overtime_minutes: overtime,
        undertime_minutes: if owes { (expected - met).max(0) } else { 0 },
        holiday_work_minutes: if full_holiday { net } else { 0 },
        rest_day_work_minutes: if rest_day { net } else { 0 },
        holiday: day.holiday,
        absence: day.absence,
        absent_without_leave: expected > 0 && spans.is_empty() && day.absence.is_none(),
        late: first.is_some_and(|at| is_late(local_time(day.timezone, at), start)),
        sessions: i64::try_from(spans.len()).unwrap_or(i64::MAX),
        open: spans.iter().any(|s| s.clock_out.is_none()),
    }
}
