//! What rules read in a question without a model: the period it names,
//! whether it names a time at all, and which of a list of names it holds.
//!
//! A small model copies the period and the names of the worked plan it was
//! shown as readily as the question's; dates, the common relative phrases
//! and whole names are read here exactly, and plan mode takes them over
//! the model's.

use chrono::{Datelike, Days, Months, NaiveDate};

use super::{DateRange, LastNDays, Period, Relative, RelativePeriod};

/// The `names` that `text` (the question in lower case) holds as whole
/// words, ignoring case, longest first; each one found is blanked out of
/// `text`, so that a shorter name inside it ("Sales Berlin" in "Sales
/// Berlin 2") is not found again.
pub fn take_names(text: &mut String, names: &[String]) -> Vec<String> {
    let mut names: Vec<&String> = names.iter().collect();
    names.sort_by_key(|n| std::cmp::Reverse(n.chars().count()));
    let mut found: Vec<String> = Vec::new();
    for name in names {
        let lower = name.to_lowercase();
        if lower.trim().is_empty() {
            continue;
        }
        let mut from = 0;
        while let Some(at) = text.get(from..).and_then(|t| t.find(&lower)) {
            let start = from + at;
            let end = start + lower.len();
            let boundary = |c: Option<char>| c.is_none_or(|c| !c.is_alphanumeric());
            if boundary(text[..start].chars().next_back()) && boundary(text[end..].chars().next()) {
                text.replace_range(start..end, &" ".repeat(lower.len()));
                if !found.contains(name) {
                    found.push(name.clone());
                }
            }
            from = end;
        }
    }
    found
}

/// Whether `question` says anything about when: a number, a month or a
/// weekday, or a word such as week, today or since, unless it asks for one
/// row per unit ("each month", "per week") or counts in them ("days
/// present"). A period in a plan for a question that names no time was
/// copied from somewhere else.
pub fn names_a_time(question: &str) -> bool {
    const WORDS: &[&str] = &[
        "today",
        "yesterday",
        "tomorrow",
        "week",
        "weeks",
        "month",
        "months",
        "year",
        "years",
        "since",
        "ago",
        "until",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "weekend",
    ];
    const PER: &[&str] = &["each", "per", "every", "by", "which", "a"];
    let lower = question.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    words.iter().enumerate().any(|(i, w)| {
        let per_unit = i > 0 && PER.contains(&words[i - 1]);
        w.chars().any(|c| c.is_ascii_digit())
            || (WORDS.contains(w) && !per_unit)
            || month_of(w).is_some()
            || number_of(w).is_some()
    })
}

/// The months, January first.
pub(super) const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

const NUMBERS: [&str; 12] = [
    "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
    "twelve",
];

fn month_of(word: &str) -> Option<u32> {
    MONTHS
        .iter()
        .position(|m| *m == word)
        .and_then(|i| u32::try_from(i + 1).ok())
}

fn number_of(word: &str) -> Option<u32> {
    word.parse().ok().or_else(|| {
        NUMBERS
            .iter()
            .position(|n| *n == word)
            .and_then(|i| u32::try_from(i + 1).ok())
    })
}

fn month_range(year: i32, month: u32) -> Option<DateRange> {
    let from = NaiveDate::from_ymd_opt(year, month, 1)?;
    let to = from.checked_add_months(Months::new(1))?.pred_opt()?;
    Some(DateRange { from, to })
}

fn day(d: NaiveDate) -> DateRange {
    DateRange { from: d, to: d }
}

/// The period a question names, by rules: the span of every date in it
/// (`2026-03-10`, `16 February 2026`, `February 2026`; "the week of" a date
/// is that week), else a relative phrase (today, yesterday, the day before
/// yesterday, this or last week or month, the last N days or complete
/// weeks).
pub fn period_in(question: &str, today: NaiveDate) -> Option<Period> {
    let lower = question.to_lowercase();
    let tokens: Vec<&str> = lower
        .split(|c: char| !(c.is_alphanumeric() || c == '-'))
        .filter(|w| !w.is_empty())
        .collect();
    let year = tokens
        .iter()
        .filter_map(|t| t.parse::<i32>().ok())
        .find(|y| (2000..=2100).contains(y))
        .unwrap_or(today.year());
    let mut spans: Vec<DateRange> = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        if let Ok(d) = NaiveDate::parse_from_str(token, "%Y-%m-%d") {
            spans.push(day(d));
            continue;
        }
        let Some(month) = month_of(token) else {
            continue;
        };
        let day_before = i
            .checked_sub(1)
            .and_then(|j| tokens.get(j))
            .and_then(|t| t.trim_end_matches(|c: char| c.is_alphabetic()).parse().ok());
        let own_year = tokens
            .get(i + 1)
            .and_then(|t| t.parse::<i32>().ok())
            .filter(|y| (2000..=2100).contains(y))
            .unwrap_or(year);
        match day_before.and_then(|d| NaiveDate::from_ymd_opt(own_year, month, d)) {
            Some(d) => spans.push(day(d)),
            None => spans.extend(month_range(own_year, month)),
        }
    }
    if let (Some(first), Some(last)) = (spans.first(), spans.last()) {
        let mut range = DateRange {
            from: first.from,
            to: last.to,
        };
        if lower.contains("week of") {
            let monday =
                range.from - Days::new(u64::from(range.from.weekday().num_days_from_monday()));
            range = DateRange {
                from: monday,
                to: monday + Days::new(6),
            };
        }
        return Some(Period::Dates(range));
    }
    let relative = |relative| Some(Period::Relative(Relative { relative }));
    let has = |phrase: &str| lower.contains(phrase);
    let monday = today - Days::new(u64::from(today.weekday().num_days_from_monday()));
    // "the last four complete weeks", "the last 10 days".
    if let Some(at) = tokens.iter().position(|t| *t == "last")
        && let Some(n) = tokens.get(at + 1).and_then(|t| number_of(t))
    {
        let unit = tokens.get(at + 2..).unwrap_or_default();
        if unit.iter().take(2).any(|t| t.starts_with("week")) {
            return Some(Period::Dates(DateRange {
                from: monday - Days::new(7 * u64::from(n)),
                to: monday - Days::new(1),
            }));
        }
        if unit.first().is_some_and(|t| t.starts_with("day")) {
            return Some(Period::LastNDays(LastNDays { last_n_days: n }));
        }
    }
    if has("day before yesterday") {
        return Some(Period::Dates(day(today - Days::new(2))));
    }
    if has("yesterday") {
        return relative(RelativePeriod::Yesterday);
    }
    if has("today") {
        return relative(RelativePeriod::Today);
    }
    if has("last week") || has("previous week") {
        return relative(RelativePeriod::LastWeek);
    }
    if has("this week") {
        return relative(RelativePeriod::ThisWeek);
    }
    if has("last month") || has("previous month") {
        return relative(RelativePeriod::LastMonth);
    }
    if has("this month") {
        return relative(RelativePeriod::ThisMonth);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn dates(from: &str, to: &str) -> Option<Period> {
        Some(Period::Dates(DateRange {
            from: date(from),
            to: date(to),
        }))
    }

    fn relative(relative: RelativePeriod) -> Option<Period> {
        Some(Period::Relative(Relative { relative }))
    }

    #[test]
    fn dates_and_relative_phrases_are_read() {
        let today = date("2026-03-13");
        let cases = [
            (
                "Who was late yesterday?",
                relative(RelativePeriod::Yesterday),
            ),
            (
                "Hours worked the day before yesterday?",
                dates("2026-03-11", "2026-03-11"),
            ),
            (
                "How many sessions started today?",
                relative(RelativePeriod::Today),
            ),
            (
                "Sessions since Monday of this week?",
                relative(RelativePeriod::ThisWeek),
            ),
            ("WFH days last week", relative(RelativePeriod::LastWeek)),
            (
                "Hours worked this month",
                relative(RelativePeriod::ThisMonth),
            ),
            ("Present last month?", relative(RelativePeriod::LastMonth)),
            (
                "Sessions in the last 10 days",
                Some(Period::LastNDays(LastNDays { last_n_days: 10 })),
            ),
            (
                "Weekly hours for the last four complete weeks",
                dates("2026-02-09", "2026-03-08"),
            ),
            (
                "Hours per team on 2026-03-10.",
                dates("2026-03-10", "2026-03-10"),
            ),
            (
                "Who was late most often in February 2026?",
                dates("2026-02-01", "2026-02-28"),
            ),
            (
                "Sick days from 1 February to 11 March 2026?",
                dates("2026-02-01", "2026-03-11"),
            ),
            (
                "Overtime in the week of 25 February 2026?",
                dates("2026-02-23", "2026-03-01"),
            ),
            (
                "Late arrivals from February to March 2026",
                dates("2026-02-01", "2026-03-31"),
            ),
            ("Who works the most?", None),
        ];
        for (question, expected) in cases {
            assert_eq!(period_in(question, today), expected, "{question}");
        }
    }

    #[test]
    fn whole_names_are_found_longest_first_and_once() {
        let names: Vec<String> = ["Sales Berlin", "Sales Berlin 2", "Ada", "Ana Lima"]
            .map(str::to_owned)
            .to_vec();
        let mut text = "did sales berlin 2 work more than sales berlin? ask adam".to_owned();
        assert_eq!(
            take_names(&mut text, &names),
            vec!["Sales Berlin 2".to_owned(), "Sales Berlin".to_owned()]
        );
        // "Ada" inside "adam" is not a whole word; what was found is blanked.
        assert!(!text.contains("sales"), "{text}");
        let mut text = "hours of ana lima and ana lima".to_owned();
        assert_eq!(take_names(&mut text, &names), vec!["Ana Lima".to_owned()]);
        let mut text = "who works the most?".to_owned();
        assert!(take_names(&mut text, &names).is_empty());
    }

    #[test]
    fn a_question_names_a_time_or_does_not() {
        for timed in [
            "Who was late yesterday?",
            "Hours in February",
            "Sessions on 2026-03-10",
            "since Monday",
            "the last ten days",
        ] {
            assert!(names_a_time(timed), "{timed}");
        }
        for timeless in [
            "Who works the most?",
            "How many sessions are still open?",
            "Which team had the most late arrivals overall?",
            "Which team has the fewest days present in total?",
            "How many work-from-home days were there in each month?",
        ] {
            assert!(!names_a_time(timeless), "{timeless}");
        }
    }
}
