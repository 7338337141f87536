//! The history of the reads tenant: weeks of working days of sessions,
//! as a clock would have produced them, the same for the same arguments.

use attendance::core::import::ImportRow;
use attendance::core::{EmployeeId, WorkMode};
use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveTime, TimeDelta, TimeZone, Utc, Weekday};
use chrono_tz::Tz;

/// The newest day of the history: the Friday of the week before this one,
/// so that every week of the history is complete.
pub(crate) fn history_until(today: NaiveDate) -> NaiveDate {
    let monday = today - Days::new(u64::from(today.weekday().num_days_from_monday()));
    monday - Days::new(3)
}

/// `weeks` weeks of working days (Monday to Friday) ending on `until`, a
/// Friday: the sessions a clock would have produced, each employee with a
/// habit of their own (presence, working from home, arrival, length, a
/// lunch break now and then). The same for the same arguments.
pub(crate) fn history(
    employees: &[(EmployeeId, Tz)],
    until: NaiveDate,
    weeks: usize,
) -> Vec<ImportRow> {
    let mut state = 0x5eed_u64;
    let mut next = move || {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    };
    let first = until - Days::new(7 * weeks as u64 - 3);
    let days: Vec<NaiveDate> = first
        .iter_days()
        .take_while(|d| *d <= until)
        .filter(|d| !matches!(d.weekday(), Weekday::Sat | Weekday::Sun))
        .collect();
    let habits: Vec<(f64, f64, i64, f64)> = employees
        .iter()
        .map(|_| {
            (
                0.85 + next() * 0.12,
                [0.0, 0.2, 0.4, 0.6, 0.8][(next() * 5.0) as usize],
                8 * 60 + 40 + ((next() - 0.5) * 90.0) as i64,
                if next() < 0.3 { 0.3 } else { 0.02 },
            )
        })
        .collect();
    let local = |tz: Tz, date: NaiveDate, minutes: i64| -> Option<DateTime<Utc>> {
        tz.from_local_datetime(&(date.and_time(NaiveTime::MIN) + TimeDelta::minutes(minutes)))
            .earliest()
            .map(|t| t.with_timezone(&Utc))
    };
    let mut rows = Vec::new();
    for date in &days {
        for ((who, tz), (presence, wfh, arrival, lunch)) in employees.iter().zip(&habits) {
            if next() >= *presence {
                continue;
            }
            let mode = if next() < *wfh {
                WorkMode::Wfh
            } else {
                WorkMode::Wfo
            };
            let arrive = arrival + ((next() - 0.5) * 60.0) as i64;
            let leave = arrive + 8 * 60 + 30 + ((next() - 0.5) * 120.0) as i64;
            let mut push = |from: i64, to: i64| {
                if let (Some(i), Some(o)) = (local(*tz, *date, from), local(*tz, *date, to)) {
                    rows.push(ImportRow::new(*who, mode, i, Some(o)));
                }
            };
            if next() < *lunch {
                let out = (12 * 60 + ((next() - 0.5) * 60.0) as i64).max(arrive + 60);
                push(arrive, out);
                push(out + 30, leave.max(out + 90));
            } else {
                push(arrive, leave);
            }
        }
    }
    rows
}
