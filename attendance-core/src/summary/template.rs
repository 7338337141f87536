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
const NAMES_IN_TEXT: usize = 5;

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
mod tests {
    use chrono::NaiveDate;
    use proptest::prelude::*;

    use super::*;
    use crate::domain::IsoWeek;
    use crate::summary::{
        ForgottenClockOut, LateArrival, TeamDay, TeamWeek, WeekChange, WeekTotals,
        ungrounded_names, ungrounded_numbers,
    };
    use crate::worktime::display_hours;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    /// What the grounding check finds in `text` against `facts`: numbers,
    /// then names. The template must leave both empty.
    fn ungrounded(text: &str, facts: &impl serde::Serialize) -> (Vec<String>, Vec<String>) {
        let json = serde_json::to_value(facts).unwrap();
        (
            ungrounded_numbers(text, &json),
            ungrounded_names(text, &json),
        )
    }

    #[test]
    fn lists_read_naturally_and_stop_at_the_cap() {
        let names = strings(&["A", "B", "C", "D", "E", "F", "G"]);
        assert_eq!(joined(&names[..1]), "A");
        assert_eq!(joined(&names[..2]), "A and B");
        assert_eq!(
            capped("Absent", 3, names[..3].iter().cloned()),
            " Absent: A, B and C."
        );
        assert_eq!(
            capped("Absent", 5, names[..5].iter().cloned()),
            " Absent: A, B, C, D and E."
        );
        assert_eq!(
            capped("Absent", 1234, names.iter().cloned()),
            " Absent: 1,234, among them A, B, C, D and E."
        );
    }

    #[test]
    fn counts_are_grouped_by_thousands() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1000), "1,000");
        assert_eq!(count(1_234_567), "1,234,567");
        assert_eq!(count(-1234), "-1,234");
        assert_eq!(count(1234.5), "1,234.5");
        assert_eq!(count(987.5), "987.5");
        assert_eq!(count(f64::NAN), "NaN");
    }

    fn name(i: usize) -> String {
        const FIRST: [&str; 6] = ["Ana", "Bo", "Cy", "Dee", "Eve", "Finn"];
        const LAST: [&str; 5] = ["Lovelace", "Hopper", "Turing", "Liskov", "Knuth"];
        format!("{} {} {}", FIRST[i % 6], LAST[i / 6 % 5], letters(i))
    }

    /// A name part from the digits of `i`, in letters (names hold none).
    fn letters(mut i: usize) -> String {
        let mut out = String::from("Q");
        loop {
            out.push(char::from(b'a' + (i % 26) as u8));
            i /= 26;
            if i == 0 {
                return out;
            }
        }
    }

    /// A day of a 10,000-person company in 50 teams.
    fn company_day() -> DailyFacts {
        let date = NaiveDate::from_ymd_opt(2026, 3, 10).unwrap();
        DailyFacts {
            date,
            weekday: "Tuesday".into(),
            scope: "company".into(),
            headcount: 10_000,
            present: 8_761,
            absent: 1_239,
            attendance_percent: Some(87.6),
            absent_names: (0..1_239).map(name).collect(),
            wfh: 3_402,
            wfo: 5_359,
            late_arrivals: (0..412)
                .map(|i| LateArrival {
                    name: name(i + 2_000),
                    team: format!("Team {}", letters(i % 50)),
                    clock_in: "09:41".into(),
                })
                .collect(),
            average_clock_in: Some("08:47".into()),
            hours_worked: 73_512.5,
            work_time: company_work_time(),
            still_clocked_in: (0..1_105).map(|i| name(i + 4_000)).collect(),
            forgotten_clock_outs: (0..37)
                .map(|i| ForgottenClockOut {
                    name: name(i + 6_000),
                    work_date: date.pred_opt().unwrap(),
                })
                .collect(),
            auto_closed: (0..12).map(|i| name(i + 7_000)).collect(),
            auto_closed_sessions: 13,
            teams: (0..50)
                .map(|i| TeamDay {
                    team: format!("Team {}", letters(i)),
                    headcount: 200,
                    present: 175,
                    absent: 25,
                    wfh: 68,
                    wfo: 107,
                    late: 8,
                })
                .collect(),
        }
    }

    /// The ledger of that day: 9,000 owe 8 h, 212 on vacation, 31 sick
    /// (one of them half a day), 9 absent without leave.
    fn company_work_time() -> WorkTimeFacts {
        let minutes = |m: i64| (m, display_hours(m));
        let (expected_minutes, expected_hours) = minutes(9_000 * 480);
        let (worked_minutes, worked_hours) = minutes(4_123_457);
        let (absence_credit_minutes, absence_credit_hours) = minutes(242 * 480 + 240);
        let (overtime_minutes, overtime_hours) = minutes(20_011);
        let person = |i: usize, days: f64| PersonDays {
            name: name(i),
            days,
        };
        WorkTimeFacts {
            expected_minutes,
            expected_hours,
            worked_minutes,
            worked_hours,
            absence_credit_minutes,
            absence_credit_hours,
            overtime_minutes,
            overtime_hours,
            absences: vec![
                AbsenceGroup {
                    kind: AbsenceKind::Vacation,
                    days: 212.0,
                    people: (0..212).map(|i| person(i + 8_000, 1.0)).collect(),
                },
                AbsenceGroup {
                    kind: AbsenceKind::Sick,
                    days: 30.5,
                    people: (0..31)
                        .map(|i| person(i + 8_500, if i == 0 { 0.5 } else { 1.0 }))
                        .collect(),
                },
            ],
            absent_without_leave_days: 9,
            absent_without_leave: (0..9).map(|i| person(i + 9_000, 1.0)).collect(),
        }
    }

    #[test]
    fn a_company_day_reads_in_a_few_lines_and_keeps_every_name_in_the_facts() {
        let facts = company_day();
        let text = daily_template(&facts);
        // The fifty team lines are most of it; the lists of people add a
        // few hundred bytes, not the 100 KB of naming everyone.
        assert!(text.len() < 5_000, "{} bytes:\n{text}", text.len());
        for line in text.lines().take(2) {
            assert!(line.len() < 1_000, "{line}");
        }
        for said in [
            "8,761 of 10,000 employees present (87.6%)",
            "Absent: 1,239, among them Ana Lovelace Qa, Bo Lovelace Qb, Cy Lovelace Qc, \
             Dee Lovelace Qd and Eve Lovelace Qe.",
            "3,402 worked from home and 5,359 from the office",
            "412 arrived late, among them",
            "73,512.5 hours",
            "Still clocked in: 1,105, among them",
            "Forgotten clock-outs from earlier days: 37, among them",
            "13 sessions closed automatically after the team's maximum: 12, among them",
            "Hours owed by the work patterns: 72,000; worked after breaks: 68,724.3; \
             credited for leave: 1,940; overtime: 333.5 hours.",
            &format!("On vacation: 212, among them {},", name(8_000)),
            &format!("On sick leave: 31, among them {} (half day),", name(8_500)),
            "Absent without leave: 9, among them",
        ] {
            assert!(text.contains(said), "{said:?} missing from:\n{text}");
        }
        // Five names per list, no more: the sixth absent name is not there.
        assert!(!text.contains(&name(5)), "{text}");
        assert_eq!(facts.absent_names.len(), 1_239);
        assert_eq!(facts.still_clocked_in.len(), 1_105);
        // The template's own text passes the check a model's text must pass.
        assert_eq!(ungrounded(&text, &facts), (vec![], vec![]));
    }

    fn totals(week: &str, days_present: i64, percent: f64, hours: f64) -> WeekTotals {
        WeekTotals {
            week: week.into(),
            days_present,
            attendance_percent: Some(percent),
            wfh_days: 0,
            wfo_days: days_present,
            late_arrivals: days_present,
            hours_worked: hours,
        }
    }

    fn week_of(this: WeekTotals, previous: WeekTotals, headcount: i64) -> WeeklyFacts {
        let week: IsoWeek = this.week.parse().unwrap();
        WeeklyFacts {
            week,
            from: week.monday(),
            to: week.sunday(),
            scope: "Platform".into(),
            headcount,
            working_days: 5,
            change: WeekChange::between(&this, &previous),
            this_week: this,
            average_clock_in: None,
            open_sessions: 0,
            previous_week: previous,
            work_time: WorkTimeFacts::default(),
            teams: vec![],
        }
    }

    fn assert_says(text: &str, said: &[&str]) {
        for said in said {
            assert!(text.contains(said), "{said:?} missing from:\n{text}");
        }
    }

    /// One person who worked one Saturday: no working day attended, so the
    /// rate stays at 0%, and every count of one is singular.
    #[test]
    fn a_one_person_week_reads_as_english() {
        let facts = week_of(
            totals("2026-W49", 1, 0.0, 1.0),
            totals("2026-W48", 0, 0.0, 0.0),
            1,
        );
        let text = weekly_template(&facts);
        assert_says(
            &text,
            &[
                "Week 2026-W49 (2026-11-30 to 2026-12-06), Platform: \
                 attendance 0% (unchanged from 0% in 2026-W48).",
                " 1 employee-day present (up 1 from the week before): \
                 0 from home, 1 from the office.",
                " 1 late arrival (up 1 from the week before).",
                " 1 hour worked in closed sessions (up 1 from the week before).",
            ],
        );
        assert!(!text.contains("points"), "{text}");
        assert!(!text.contains("employee-days"), "{text}");
        assert_eq!(ungrounded(&text, &facts), (vec![], vec![]));
    }

    #[test]
    fn a_change_of_rate_is_said_in_points() {
        let up = week_of(
            totals("2026-W48", 9, 45.0, 70.5),
            totals("2026-W47", 8, 40.0, 64.0),
            4,
        );
        assert_says(
            &weekly_template(&up),
            &[
                "attendance 45% (up 5 points from 40% in 2026-W47).",
                " 9 employee-days present (up 1 from the week before)",
                " 70.5 hours worked in closed sessions (up 6.5 from the week before).",
            ],
        );
        let down = week_of(
            totals("2026-W48", 8, 39.0, 64.0),
            totals("2026-W47", 8, 40.0, 64.0),
            4,
        );
        assert_says(
            &weekly_template(&down),
            &[
                "attendance 39% (down 1 point from 40% in 2026-W47).",
                " 8 employee-days present (unchanged from the week before)",
                " 64 hours worked in closed sessions (unchanged from the week before).",
            ],
        );
    }

    /// A small team's day and week against its work patterns.
    #[test]
    fn hours_owed_and_absences_read_as_english() {
        let person = |name: &str, days: f64| PersonDays {
            name: name.into(),
            days,
        };
        let work_time = WorkTimeFacts {
            expected_minutes: 4 * 480,
            expected_hours: 32.0,
            worked_minutes: 1_447,
            worked_hours: 24.1,
            absence_credit_minutes: 240,
            absence_credit_hours: 4.0,
            overtime_minutes: 60,
            overtime_hours: 1.0,
            absences: vec![AbsenceGroup {
                kind: AbsenceKind::Vacation,
                days: 0.5,
                people: vec![person("Grace Hopper", 0.5)],
            }],
            absent_without_leave_days: 1,
            absent_without_leave: vec![person("Alan Turing", 1.0)],
        };
        assert_eq!(
            work_time_text(&work_time, true, false),
            "\nHours owed by the work patterns: 32; worked after breaks: 24.1; \
             credited for leave: 4; overtime: 1 hour. On vacation: Grace Hopper (half day). \
             Absent without leave: Alan Turing."
        );
        let week = WorkTimeFacts {
            overtime_minutes: 0,
            overtime_hours: 0.0,
            absences: vec![AbsenceGroup {
                kind: AbsenceKind::Sick,
                days: 2.5,
                people: vec![person("Grace Hopper", 1.5), person("Ada Lovelace", 1.0)],
            }],
            absent_without_leave_days: 2,
            absent_without_leave: vec![person("Alan Turing", 2.0)],
            ..work_time
        };
        assert_eq!(
            work_time_text(&week, false, true),
            "\nHours owed by the work patterns: 32; worked after breaks: 24.1; \
             credited for leave: 4; no overtime. Open sessions count up to now. \
             On sick leave: 2.5 days (Grace Hopper 1.5 days and Ada Lovelace 1 day). \
             Absent without leave: 2 days (Alan Turing 2 days)."
        );
        // Without work patterns nothing is owed, and nothing is said.
        assert_eq!(work_time_text(&WorkTimeFacts::default(), true, true), "");
    }

    fn week_totals(week: &str) -> impl Strategy<Value = WeekTotals> + use<> {
        let week = week.to_owned();
        (
            0..60_000i64,
            proptest::option::of(0..=1000u32),
            0..30_000i64,
            0..30_000i64,
            0..3_000i64,
            0..5_000_000u32,
        )
            .prop_map(move |(days, rate, wfh, wfo, late, hours)| WeekTotals {
                week: week.clone(),
                days_present: days,
                attendance_percent: rate.map(|r| f64::from(r) / 10.0),
                wfh_days: wfh,
                wfo_days: wfo,
                late_arrivals: late,
                hours_worked: f64::from(hours) / 10.0,
            })
    }

    fn team_name() -> impl Strategy<Value = String> {
        "[A-Z][a-z]{2,8}( [A-Z][a-z]{2,8})?"
    }

    fn person() -> impl Strategy<Value = String> {
        "[A-Z][a-z]{1,8} [A-Z][a-z]{1,10}"
    }

    fn hhmm() -> impl Strategy<Value = String> {
        (0..24u32, 0..60u32).prop_map(|(h, m)| format!("{h:02}:{m:02}"))
    }

    fn people(max: usize) -> impl Strategy<Value = Vec<String>> {
        prop_oneof![
            proptest::collection::vec(person(), 0..=NAMES_IN_TEXT + 1),
            proptest::collection::vec(person(), 0..max),
        ]
    }

    /// Days in halves: 0.5 to 7.
    fn days() -> impl Strategy<Value = f64> {
        (1..=14u32).prop_map(|halves| f64::from(halves) / 2.0)
    }

    fn work_time() -> impl Strategy<Value = WorkTimeFacts> {
        let minutes = (
            0..5_000_000i64,
            0..5_000_000i64,
            0..500_000i64,
            prop_oneof![Just(0i64), 0..200_000i64],
        );
        let kinds = proptest::collection::vec(
            prop_oneof![
                Just(vec![]),
                proptest::collection::vec((person(), days()), 0..=NAMES_IN_TEXT + 2),
            ],
            3,
        );
        let awol = proptest::collection::vec((person(), 1..=7i64), 0..=NAMES_IN_TEXT + 2);
        let some = (minutes, kinds, awol).prop_map(
            |((expected, worked, credit, overtime), kinds, awol)| WorkTimeFacts {
                expected_minutes: expected,
                expected_hours: display_hours(expected),
                worked_minutes: worked,
                worked_hours: display_hours(worked),
                absence_credit_minutes: credit,
                absence_credit_hours: display_hours(credit),
                overtime_minutes: overtime,
                overtime_hours: display_hours(overtime),
                absences: AbsenceKind::ALL
                    .into_iter()
                    .zip(kinds)
                    .filter(|(_, people)| !people.is_empty())
                    .map(|(kind, people)| AbsenceGroup {
                        kind,
                        days: people.iter().map(|(_, d)| d).sum(),
                        people: people
                            .into_iter()
                            .map(|(name, days)| PersonDays { name, days })
                            .collect(),
                    })
                    .collect(),
                absent_without_leave_days: awol.iter().map(|(_, d)| d).sum(),
                absent_without_leave: awol
                    .into_iter()
                    .map(|(name, days)| PersonDays {
                        name,
                        days: days as f64,
                    })
                    .collect(),
            },
        );
        prop_oneof![Just(WorkTimeFacts::default()), some]
    }

    fn daily_facts() -> impl Strategy<Value = DailyFacts> {
        let lists = (
            people(2_000),
            proptest::collection::vec((person(), team_name(), hhmm()), 0..40),
            people(200),
            proptest::collection::vec((person(), 1..=60u64), 0..12),
        );
        let figures = (
            0..20_000i64,
            0..20_000i64,
            0..20_000i64,
            proptest::option::of(0..=1000u32),
            proptest::option::of(hhmm()),
            0..2_000_000u32,
        );
        let teams = proptest::collection::vec(
            (team_name(), 0..500i64, 0..500i64, 0..500i64, 0..100i64),
            0..8,
        );
        (0..4_000u32, lists, figures, teams, work_time()).prop_map(
            |(
                day,
                (absent, late, open, stale),
                (present, wfh, wfo, rate, avg, hours),
                teams,
                work_time,
            )| {
                let date =
                    NaiveDate::from_ymd_opt(2024, 1, 1).unwrap() + chrono::Days::new(day.into());
                let absent_count = absent.len() as i64;
                DailyFacts {
                    date,
                    weekday: date.format("%A").to_string(),
                    scope: "company".into(),
                    headcount: present + absent_count,
                    present,
                    absent: absent_count,
                    attendance_percent: rate.map(|r| f64::from(r) / 10.0),
                    absent_names: absent,
                    wfh,
                    wfo,
                    late_arrivals: late
                        .into_iter()
                        .map(|(name, team, clock_in)| LateArrival {
                            name,
                            team,
                            clock_in,
                        })
                        .collect(),
                    average_clock_in: avg,
                    hours_worked: f64::from(hours) / 10.0,
                    work_time,
                    auto_closed: open.iter().take(2).cloned().collect(),
                    auto_closed_sessions: open.len().min(2) as i64,
                    still_clocked_in: open,
                    forgotten_clock_outs: stale
                        .into_iter()
                        .map(|(name, back)| ForgottenClockOut {
                            name,
                            work_date: date - chrono::Days::new(back),
                        })
                        .collect(),
                    teams: teams
                        .into_iter()
                        .map(|(team, present, absent, wfh, late)| TeamDay {
                            team,
                            headcount: present + absent,
                            present,
                            absent,
                            wfh,
                            wfo: present - wfh.min(present),
                            late,
                        })
                        .collect(),
                }
            },
        )
    }

    fn weekly_facts() -> impl Strategy<Value = WeeklyFacts> {
        (
            week_totals("2026-W09"),
            week_totals("2026-W10"),
            0..20_000i64,
            proptest::option::of(hhmm()),
            0..500i64,
            proptest::collection::vec((team_name(), 0..500i64, week_totals("2026-W10")), 0..8),
            work_time(),
        )
            .prop_map(
                |(previous, this, headcount, average_clock_in, open, teams, work_time)| {
                    let week: IsoWeek = "2026-W10".parse().unwrap();
                    WeeklyFacts {
                        week,
                        from: week.monday(),
                        to: week.sunday(),
                        scope: "company".into(),
                        headcount,
                        working_days: 5,
                        change: WeekChange::between(&this, &previous),
                        this_week: this,
                        average_clock_in,
                        open_sessions: open,
                        previous_week: previous,
                        work_time,
                        teams: teams
                            .into_iter()
                            .map(|(team, headcount, totals)| TeamWeek {
                                team,
                                headcount,
                                totals,
                            })
                            .collect(),
                    }
                },
            )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(100))]

        /// Whatever the facts, the template states only what they hold: it
        /// passes the grounding check a model's text must pass, and its
        /// lists of people stay short.
        #[test]
        fn the_daily_template_is_grounded(facts in daily_facts()) {
            let text = daily_template(&facts);
            prop_assert_eq!(ungrounded(&text, &facts), (vec![], vec![]), "{}", text);
            for line in text.lines().take(2) {
                prop_assert!(line.len() < 1_200, "{}", line);
            }
        }

        #[test]
        fn the_weekly_template_is_grounded(facts in weekly_facts()) {
            let text = weekly_template(&facts);
            prop_assert_eq!(ungrounded(&text, &facts), (vec![], vec![]), "{}", text);
        }
    }
}
