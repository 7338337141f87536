//! The coverage check: a summary must state its headline facts (the date or
//! week, present of headcount or the attendance rate, the WFH/WFO split),
//! so that a text about nothing ("The JSON file contains a list of facts…")
//! is not taken for one. Grounding (`grounding.rs`) checks that what a text
//! states is true; this checks that it states what matters.

use chrono::{Datelike, NaiveDate};

use super::grounding::{MONTHS, Mention, mentions, number_matches, words};
use super::{DailyFacts, WeeklyFacts};
use crate::domain::IsoWeek;

/// A fact a summary must state, with a name for logs and tests.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Headline {
    /// The day: `2026-03-10`, or its day of the month next to its month's
    /// name ("10 March", "Mar 10th").
    Date(NaiveDate),
    /// The week: `2026-W11`, "week 11", or its Monday or Sunday as a date.
    Week(IsoWeek),
    /// A count: in digits, or spelled out up to twenty; a zero also as
    /// "no", "nobody" or "none".
    Count(&'static str, i64),
    /// A percentage, in any of the spellings [`ungrounded_numbers`] takes.
    Percent(&'static str, f64),
}

impl Headline {
    fn name(self) -> &'static str {
        match self {
            Self::Date(_) => "date",
            Self::Week(_) => "week",
            Self::Count(name, _) | Self::Percent(name, _) => name,
        }
    }
}

/// Facts with headlines that every summary of them states.
pub(crate) trait Headlines {
    /// The headline facts, in the order they are checked.
    fn headlines(&self) -> Vec<Headline>;
}

impl Headlines for DailyFacts {
    /// The date; present of headcount; the WFH/WFO split of those present.
    fn headlines(&self) -> Vec<Headline> {
        let mut out = vec![Headline::Date(self.date)];
        if self.headcount > 0 {
            out.push(Headline::Count("present", self.present));
            out.push(Headline::Count("headcount", self.headcount));
        }
        if self.present > 0 {
            out.push(Headline::Count("wfh", self.wfh));
            out.push(Headline::Count("wfo", self.wfo));
        }
        out
    }
}

impl Headlines for WeeklyFacts {
    /// The week; its attendance rate (or, without one, the days present);
    /// the WFH/WFO split of the days present.
    fn headlines(&self) -> Vec<Headline> {
        let w = &self.this_week;
        let mut out = vec![Headline::Week(self.week)];
        match w.attendance_percent {
            Some(p) => out.push(Headline::Percent("attendance_percent", p)),
            None => out.push(Headline::Count("days_present", w.days_present)),
        }
        if w.days_present > 0 {
            out.push(Headline::Count("wfh_days", w.wfh_days));
            out.push(Headline::Count("wfo_days", w.wfo_days));
        }
        out
    }
}

const SPELLED: &[&str] = &[
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "twenty",
];

/// The number a word starts with (`10` of "10th"), if it starts with digits.
fn leading_number(word: &str) -> Option<u32> {
    let digits: String = word.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// Whether `word` names month `month0` (0-based), in full or abbreviated.
fn names_month(word: &str, month0: usize) -> bool {
    let lower = word.to_lowercase();
    // The first twelve entries are the full names, in order.
    MONTHS
        .get(month0)
        .is_some_and(|full| lower.len() >= 3 && full.starts_with(&lower))
}

/// The headline facts of `facts` that `text` does not state, by name
/// (`date`, `present`, `headcount`, `wfh`, `wfo`; weekly: `week`,
/// `attendance_percent` or `days_present`, `wfh_days`, `wfo_days`).
///
/// Deterministic and strict, like the rest of the check: a text that writes
/// a count in a way not listed on [`Headline`] costs only the template.
pub(crate) fn missing_headlines(text: &str, facts: &impl Headlines) -> Vec<&'static str> {
    let said = mentions(text);
    let text_words = words(text);
    let lower: Vec<String> = text_words.iter().map(|w| w.text.to_lowercase()).collect();
    let number_said = |n: f64| {
        said.iter()
            .any(|(_, m)| matches!(m, Mention::Number(x) if (x - n).abs() < 1e-9))
    };
    let date_said = |d: NaiveDate| {
        said.iter()
            .any(|(_, m)| matches!(m, Mention::Date(x) if *x == d))
    };
    let stated = |headline: Headline| match headline {
        Headline::Date(date) => {
            date_said(date)
                || (0..text_words.len()).any(|k| {
                    names_month(text_words[k].text, date.month0() as usize)
                        && [k.wrapping_sub(1), k + 1].iter().any(|&j| {
                            text_words
                                .get(j)
                                .and_then(|w| leading_number(w.text))
                                .is_some_and(|day| day == date.day())
                        })
                })
        }
        Headline::Week(week) => {
            let iso = week.monday().iso_week();
            // The number scan stops at "-W", so the ISO form is looked for
            // as text, with or without the leading zero.
            let upper = text.to_uppercase();
            [
                format!("{}-W{:02}", iso.year(), iso.week()),
                format!("{}-W{}", iso.year(), iso.week()),
            ]
            .iter()
            .any(|form| upper.contains(form.as_str()))
                || date_said(week.monday())
                || date_said(week.sunday())
                || lower.iter().enumerate().any(|(k, w)| {
                    w == "week"
                        && text_words
                            .get(k + 1)
                            .and_then(|next| leading_number(next.text))
                            .is_some_and(|n| n == iso.week())
                })
        }
        Headline::Count(_, n) => {
            number_said(n as f64)
                || usize::try_from(n)
                    .ok()
                    .and_then(|i| SPELLED.get(i))
                    .is_some_and(|word| lower.iter().any(|w| w == word))
                || (n == 0
                    && lower
                        .iter()
                        .any(|w| matches!(w.as_str(), "no" | "nobody" | "none" | "nothing")))
        }
        Headline::Percent(_, p) => said
            .iter()
            .any(|(_, m)| matches!(m, Mention::Number(x) if number_matches(*x, p))),
    };
    facts
        .headlines()
        .into_iter()
        .filter(|h| !stated(*h))
        .map(Headline::name)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(present: i64, headcount: i64, wfh: i64, wfo: i64) -> DailyFacts {
        DailyFacts {
            date: "2026-03-10".parse().unwrap(),
            weekday: "Tuesday".into(),
            scope: "company".into(),
            headcount,
            present,
            absent: headcount - present,
            attendance_percent: Some(75.0),
            absent_names: vec![],
            wfh,
            wfo,
            late_arrivals: vec![],
            average_clock_in: None,
            hours_worked: 16.0,
            work_time: Default::default(),
            still_clocked_in: vec![],
            forgotten_clock_outs: vec![],
            auto_closed: vec![],
            auto_closed_sessions: 0,
            teams: vec![],
        }
    }

    #[test]
    fn a_daily_text_must_state_the_date_the_count_and_the_split() {
        let facts = day(3, 4, 1, 2);
        for ok in [
            "On 2026-03-10, 3 of 4 employees came in: 1 from home, 2 at the office.",
            "Tuesday 10 March: three of four people were in, one WFH and two WFO.",
            "On Mar 10th 3 of the 4 staff attended (2 WFO, 1 WFH).",
        ] {
            assert_eq!(missing_headlines(ok, &facts), Vec::<&str>::new(), "{ok}");
        }
        // The text a real small model wrote, which the number check let through.
        let empty = "The JSON file contains a list of facts with timestamps and numbers.";
        assert_eq!(
            missing_headlines(empty, &facts),
            vec!["date", "present", "headcount", "wfh", "wfo"]
        );
        assert_eq!(
            missing_headlines("On Tuesday 3 of 4 came in: 1 WFH, 2 WFO.", &facts),
            vec!["date"]
        );
        assert_eq!(
            missing_headlines("On 2026-03-10, 3 of 4 came in.", &facts),
            vec!["wfh", "wfo"]
        );
        // Nobody at home is a zero said in words.
        let office = day(2, 4, 0, 2);
        assert_eq!(
            missing_headlines(
                "On 10 March 2 of 4 came in, both to the office (2 WFO); nobody worked from home.",
                &office
            ),
            Vec::<&str>::new()
        );
        // Nobody present: no split to state.
        let none = day(0, 4, 0, 0);
        assert_eq!(
            missing_headlines("On 2026-03-10 none of the 4 employees came in.", &none),
            Vec::<&str>::new()
        );
    }

    #[test]
    fn a_weekly_text_must_state_the_week_its_rate_and_split() {
        use crate::summary::{WeekChange, WeekTotals};
        let totals = |week: &str, percent| WeekTotals {
            week: week.into(),
            days_present: 4,
            attendance_percent: percent,
            wfh_days: 1,
            wfo_days: 3,
            late_arrivals: 1,
            hours_worked: 16.0,
        };
        let week: IsoWeek = "2026-W11".parse().unwrap();
        let mut facts = WeeklyFacts {
            week,
            from: week.monday(),
            to: week.sunday(),
            scope: "company".into(),
            headcount: 4,
            working_days: 5,
            this_week: totals("2026-W11", Some(20.0)),
            average_clock_in: None,
            open_sessions: 0,
            previous_week: totals("2026-W10", Some(25.0)),
            change: WeekChange {
                days_present: 0,
                attendance_points: Some(-5.0),
                wfh_days: 0,
                wfo_days: 0,
                late_arrivals: 0,
                hours_worked: 0.0,
            },
            work_time: Default::default(),
            teams: vec![],
        };
        for ok in [
            "In 2026-W11 attendance was 20%, with 1 day from home and 3 in the office.",
            "Week 11 (from 2026-03-09): attendance 20%; three WFO days, one WFH.",
        ] {
            assert_eq!(missing_headlines(ok, &facts), Vec::<&str>::new(), "{ok}");
        }
        assert_eq!(
            missing_headlines("Attendance fell by 5 points from 25%.", &facts),
            vec!["week", "attendance_percent", "wfh_days", "wfo_days"]
        );
        facts.this_week.attendance_percent = None;
        assert_eq!(
            missing_headlines("Week 2026-W11: 1 WFH day and 3 WFO days.", &facts),
            vec!["days_present"]
        );
    }
}
