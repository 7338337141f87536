use chrono::NaiveDate;
use proptest::prelude::*;

use super::*;
use crate::domain::IsoWeek;
use crate::summary::{
    ForgottenClockOut, LateArrival, TeamDay, TeamWeek, WeekChange, WeekTotals, ungrounded_names,
    ungrounded_numbers,
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

pub(in crate::summary) fn name(i: usize) -> String {
    const FIRST: [&str; 6] = ["Ana", "Bo", "Cy", "Dee", "Eve", "Finn"];
    const LAST: [&str; 5] = ["Lovelace", "Hopper", "Turing", "Liskov", "Knuth"];
    format!("{} {} {}", FIRST[i % 6], LAST[i / 6 % 5], letters(i))
}

/// A name part from the digits of `i`, in letters (names hold none).
pub(in crate::summary) fn letters(mut i: usize) -> String {
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
pub(in crate::summary) fn company_day() -> DailyFacts {
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
pub(in crate::summary) fn company_work_time() -> WorkTimeFacts {
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
    let some =
        (minutes, kinds, awol).prop_map(|((expected, worked, credit, overtime), kinds, awol)| {
            WorkTimeFacts {
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
            }
        });
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
            let date = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap() + chrono::Days::new(day.into());
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
