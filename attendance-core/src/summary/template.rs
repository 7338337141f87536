//! The deterministic text of a summary: what is written when there is no
//! model, it fails, or its text states a number the facts lack. It states
//! only numbers from the facts (a list's length counts: the facts list that
//! many), so it passes the grounding check; the tests prove it on generated
//! facts.
//!
//! It stays short at company scale: a list of people names at most
//! `NAMES_IN_TEXT` (five) of them and then states how many there are in all
//! ("Absent: 1,239, among them Ana, Bo, Cy, Dee and Eve."). The facts keep
//! every name. Counts are written with thousands separators, which the
//! grounding check reads as one number.

use std::fmt::Display;

use super::{AbsenceGroup, DailyFacts, PersonDays, WeeklyFacts, WorkTimeFacts};
use crate::worktime::AbsenceKind;

/// How many people a list in the text names before it gives only the
/// count. Not more: the facts, which travel with the text, name everyone.
pub(super) const NAMES_IN_TEXT: usize = 5;

/// `a`, `a and b`, `a, b and c`: the items joined as English does.
fn joined(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [head @ .., last] => format!("{} and {last}", head.join(", ")),
    }
}

/// The first [`NAMES_IN_TEXT`] items, joined, and whether more follow.
fn first_few(items: impl Iterator<Item = String>) -> (String, bool) {
    let mut shown: Vec<String> = items.take(NAMES_IN_TEXT + 1).collect();
    let more = shown.len() > NAMES_IN_TEXT;
    shown.truncate(NAMES_IN_TEXT);
    (joined(&shown), more)
}

/// ` label: a, b and c.`, or past [`NAMES_IN_TEXT`] items
/// ` label: 1,234, among them a, b, c, d and e.` with `total`.
fn capped(label: &str, total: i64, items: impl Iterator<Item = String>) -> String {
    match first_few(items) {
        (names, false) => format!(" {label}: {names}."),
        (names, true) => format!(" {label}: {}, among them {names}.", count(total)),
    }
}

/// A number as the facts hold it, its whole part in groups of three:
/// `1234567.5` is `1,234,567.5`.
fn count(n: impl Display) -> String {
    let plain = n.to_string();
    let sign = usize::from(plain.starts_with('-'));
    let whole_end = plain.find('.').unwrap_or(plain.len());
    let whole = plain.get(sign..whole_end).unwrap_or_default();
    if whole.len() <= 3 || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return plain;
    }
    let mut out = String::with_capacity(plain.len() + whole.len() / 3);
    out.push_str(plain.get(..sign).unwrap_or_default());
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    out.push_str(plain.get(whole_end..).unwrap_or_default());
    out
}

fn plural(n: i64, one: &str, many: &str) -> String {
    format!("{} {}", count(n), if n == 1 { one } else { many })
}

/// [`plural`] of a number with decimals: only exactly 1 is singular
/// ("1 hour", "0.5 hours", "1.5 days").
fn plural_f(n: f64, one: &str, many: &str) -> String {
    format!("{} {}", count(n), if n == 1.0 { one } else { many })
}

/// A change as words: `up 3`, `down 3`, `unchanged`.
fn signed(n: f64) -> String {
    signed_in(n, "", "")
}

/// A change with its unit: `up 5 points`, `down 1 point`, `unchanged`.
fn signed_in(n: f64, one: &str, many: &str) -> String {
    let amount = |n: f64| {
        if one.is_empty() {
            count(n)
        } else {
            plural_f(n, one, many)
        }
    };
    if n > 0.0 {
        format!("up {}", amount(n))
    } else if n < 0.0 {
        format!("down {}", amount(-n))
    } else {
        "unchanged".to_owned()
    }
}

fn leave_label(kind: AbsenceKind) -> &'static str {
    match kind {
        AbsenceKind::Vacation => "vacation",
        AbsenceKind::Sick => "sick leave",
        AbsenceKind::Other => "other leave",
    }
}

/// A line of the hours owed and worked, then who was away: empty when the
/// ledger has nothing to say (no work pattern owes anything and nobody was
/// away).
/// `daily` names people with a half day as such; weekly, with their days.
/// With sessions `open`, it says that they count up to now.
fn work_time_text(w: &WorkTimeFacts, daily: bool, open: bool) -> String {
    if w.is_empty() {
        return String::new();
    }
    let mut out = format!(
        "\nHours owed by the work patterns: {}; worked after breaks: {}",
        count(w.expected_hours),
        count(w.worked_hours)
    );
    if w.absence_credit_minutes > 0 {
        out.push_str(&format!(
            "; credited for leave: {}",
            count(w.absence_credit_hours)
        ));
    }
    if w.overtime_minutes > 0 {
        out.push_str(&format!(
            "; overtime: {}.",
            plural_f(w.overtime_hours, "hour", "hours")
        ));
    } else {
        out.push_str("; no overtime.");
    }
    if open {
        out.push_str(" Open sessions count up to now.");
    }
    for group in &w.absences {
        out.push_str(&leave(group, daily));
    }
    if !w.absent_without_leave.is_empty() {
        let people = &w.absent_without_leave;
        if daily {
            out.push_str(&capped(
                "Absent without leave",
                len(people),
                people.iter().map(|p| p.name.clone()),
            ));
        } else {
            out.push_str(&with_days(
                "Absent without leave",
                w.absent_without_leave_days as f64,
                people,
            ));
        }
    }
    out
}

/// One kind of leave: daily ` On vacation: Ada and Bo (half day).`,
/// weekly ` On vacation: 2.5 days (Ada 2 days and Bo 0.5 days).`
fn leave(group: &AbsenceGroup, daily: bool) -> String {
    let label = format!("On {}", leave_label(group.kind));
    if daily {
        let names = group.people.iter().map(|p| {
            if p.days < 1.0 {
                format!("{} (half day)", p.name)
            } else {
                p.name.clone()
            }
        });
        capped(&label, len(&group.people), names)
    } else {
        with_days(&label, group.days, &group.people)
    }
}

/// ` label: 3 days (Ada 2 days and Bo 1 day).`, past [`NAMES_IN_TEXT`]
/// people ` label: 9 days, 7 people, among them …`.
fn with_days(label: &str, days: f64, people: &[PersonDays]) -> String {
    let named = people
        .iter()
        .map(|p| format!("{} {}", p.name, plural_f(p.days, "day", "days")));
    let total = plural_f(days, "day", "days");
    match first_few(named) {
        (names, false) => format!(" {label}: {total} ({names})."),
        (names, true) => format!(
            " {label}: {total}, {}, among them {names}.",
            plural(len(people), "person", "people")
        ),
    }
}

fn len(items: &[impl Sized]) -> i64 {
    i64::try_from(items.len()).unwrap_or(i64::MAX)
}

/// The deterministic daily text. Lists of people (absent, late, still
/// clocked in, forgotten clock-outs) name at most five each, then give
/// the count; company-wide, one line per team follows.
pub fn daily_template(f: &DailyFacts) -> String {
    let mut out = format!(
        "{} {}, {}: {} of {} present",
        f.weekday,
        f.date,
        f.scope,
        count(f.present),
        plural(f.headcount, "employee", "employees")
    );
    if let Some(p) = f.attendance_percent {
        out.push_str(&format!(" ({p}%)"));
    }
    out.push('.');
    if f.absent > 0 {
        out.push_str(&capped("Absent", f.absent, f.absent_names.iter().cloned()));
    }
    if f.present > 0 {
        out.push_str(&format!(
            " {} worked from home and {} from the office.",
            count(f.wfh),
            count(f.wfo)
        ));
        if let Some(avg) = &f.average_clock_in {
            out.push_str(&format!(" Average first clock-in {avg}."));
        }
        if f.late_arrivals.is_empty() {
            out.push_str(" Nobody arrived late.");
        } else {
            let late = f
                .late_arrivals
                .iter()
                .map(|l| format!("{} at {}", l.name, l.clock_in));
            let n = count(len(&f.late_arrivals));
            out.push_str(&match first_few(late) {
                (names, false) => format!(" {n} arrived late: {names}."),
                (names, true) => format!(" {n} arrived late, among them {names}."),
            });
        }
        out.push_str(&format!(
            " {} worked in closed sessions.",
            plural_f(f.hours_worked, "hour", "hours")
        ));
    }
    if !f.still_clocked_in.is_empty() {
        out.push_str(&capped(
            "Still clocked in",
            len(&f.still_clocked_in),
            f.still_clocked_in.iter().cloned(),
        ));
    }
    if !f.forgotten_clock_outs.is_empty() {
        let forgotten = f
            .forgotten_clock_outs
            .iter()
            .map(|s| format!("{} ({})", s.name, s.work_date));
        out.push_str(&capped(
            "Forgotten clock-outs from earlier days",
            len(&f.forgotten_clock_outs),
            forgotten,
        ));
    }
    if f.auto_closed_sessions > 0 {
        let label = format!(
            "{} closed automatically after the team's maximum",
            plural(f.auto_closed_sessions, "session", "sessions")
        );
        out.push_str(&capped(
            &label,
            len(&f.auto_closed),
            f.auto_closed.iter().cloned(),
        ));
    }
    out.push_str(&work_time_text(
        &f.work_time,
        true,
        !f.still_clocked_in.is_empty(),
    ));
    for t in &f.teams {
        out.push_str(&format!(
            "\n{}: {} of {} present, {} WFH, {} WFO, {} late.",
            t.team,
            count(t.present),
            count(t.headcount),
            count(t.wfh),
            count(t.wfo),
            count(t.late)
        ));
    }
    out
}

/// The deterministic weekly text.
pub fn weekly_template(f: &WeeklyFacts) -> String {
    let w = &f.this_week;
    let p = &f.previous_week;
    let mut out = format!("Week {} ({} to {}), {}:", f.week, f.from, f.to, f.scope);
    match (
        w.attendance_percent,
        f.change.attendance_points,
        p.attendance_percent,
    ) {
        (Some(now), Some(change), Some(before)) => out.push_str(&format!(
            " attendance {now}% ({} from {before}% in {}).",
            signed_in(change, "point", "points"),
            p.week
        )),
        (Some(now), _, _) => out.push_str(&format!(" attendance {now}%.")),
        _ => out.push_str(" no working days or no staff."),
    }
    out.push_str(&format!(
        " {} present ({} from the week before): {} from home, {} from the office.",
        plural(w.days_present, "employee-day", "employee-days"),
        signed(f.change.days_present as f64),
        count(w.wfh_days),
        count(w.wfo_days)
    ));
    out.push_str(&format!(
        " {} ({} from the week before).",
        plural(w.late_arrivals, "late arrival", "late arrivals"),
        signed(f.change.late_arrivals as f64)
    ));
    out.push_str(&format!(
        " {} worked in closed sessions ({} from the week before).",
        plural_f(w.hours_worked, "hour", "hours"),
        signed(f.change.hours_worked)
    ));
    if let Some(avg) = &f.average_clock_in {
        out.push_str(&format!(" Average first clock-in {avg}."));
    }
    if f.open_sessions > 0 {
        out.push_str(&format!(
            " {} still open.",
            plural(f.open_sessions, "session is", "sessions are")
        ));
    }
    out.push_str(&work_time_text(&f.work_time, false, f.open_sessions > 0));
    for t in &f.teams {
        let rate = t
            .totals
            .attendance_percent
            .map_or_else(String::new, |r| format!(", attendance {r}%"));
        out.push_str(&format!(
            "\n{}: {} present{rate}, {} WFH, {} WFO, {} late, {}.",
            t.team,
            plural(t.totals.days_present, "employee-day", "employee-days"),
            count(t.totals.wfh_days),
            count(t.totals.wfo_days),
            count(t.totals.late_arrivals),
            plural_f(t.totals.hours_worked, "hour", "hours")
        ));
    }
    out
}

#[cfg(test)]
pub(super) mod tests;
