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

use super::{DailyFacts, WeeklyFacts};

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

fn signed(n: f64) -> String {
    if n > 0.0 {
        format!("up {}", count(n))
    } else if n < 0.0 {
        format!("down {}", count(-n))
    } else {
        "unchanged".to_owned()
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
            " {} hours worked in closed sessions.",
            count(f.hours_worked)
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
            " attendance {now}% ({} points from {before}% in {}).",
            signed(change),
            p.week
        )),
        (Some(now), _, _) => out.push_str(&format!(" attendance {now}%.")),
        _ => out.push_str(" no working days or no staff."),
    }
    out.push_str(&format!(
        " {} employee-days present ({} from the week before): {} from home, {} from the office.",
        count(w.days_present),
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
        " {} hours worked ({}).",
        count(w.hours_worked),
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
    for t in &f.teams {
        let rate = t
            .totals
            .attendance_percent
            .map_or_else(String::new, |r| format!(", attendance {r}%"));
        out.push_str(&format!(
            "\n{}: {} employee-days present{rate}, {} WFH, {} WFO, {} late, {} hours.",
            t.team,
            count(t.totals.days_present),
            count(t.totals.wfh_days),
            count(t.totals.wfo_days),
            count(t.totals.late_arrivals),
            count(t.totals.hours_worked)
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

    #[test]
    fn a_company_day_reads_in_a_few_lines_and_keeps_every_name_in_the_facts() {
        let facts = company_day();
        let text = daily_template(&facts);
        // The fifty team lines are most of it; the lists of people add a
        // few hundred bytes, not the 100 KB of naming everyone.
        assert!(text.len() < 4_500, "{} bytes:\n{text}", text.len());
        let first_line = text.lines().next().unwrap();
        assert!(first_line.len() < 1_000, "{first_line}");
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
        (0..4_000u32, lists, figures, teams).prop_map(
            |(day, (absent, late, open, stale), (present, wfh, wfo, rate, avg, hours), teams)| {
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
        )
            .prop_map(
                |(previous, this, headcount, average_clock_in, open, teams)| {
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
            let first_line = text.lines().next().unwrap_or_default();
            prop_assert!(first_line.len() < 1_200, "{}", first_line);
        }

        #[test]
        fn the_weekly_template_is_grounded(facts in weekly_facts()) {
            let text = weekly_template(&facts);
            prop_assert_eq!(ungrounded(&text, &facts), (vec![], vec![]), "{}", text);
        }
    }
}
