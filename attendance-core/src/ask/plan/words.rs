//! What the question's words support of a plan.
//!
//! A small model forced to fill every field of the plan fills them with
//! something: a work mode, a limit of 10 or 1024, a `having` of "more than
//! 0", minutes. Each modifier below stays only where a word of the question
//! asks for it, and a few are read from the words when the model left
//! them out ("top 5", "in minutes", "sick days", "per team"). The metric
//! is the model's unless the question names one by a word no other metric
//! answers to ("overtime", "balance", "night", "still open"…): a 135M
//! model answers "hours worked" to most questions about hours.

use super::read::MONTHS;
use super::{AbsenceKind, Comparison, Grouping, Having, Metric, Order, QueryPlan, Unit};
use super::{WorkModeFilter, validate::is_duration};

/// The question's words, lower case, split on anything but letters and
/// digits (so "work-from-home" is three words).
struct Words {
    /// The question in lower case.
    text: String,
    words: Vec<String>,
}

impl Words {
    fn new(question: &str) -> Self {
        Self {
            text: question.to_lowercase(),
            words: question
                .to_lowercase()
                .split(|c: char| !c.is_alphanumeric() && c != '.')
                .map(|w| w.trim_matches('.').to_owned())
                .filter(|w| !w.is_empty())
                .collect(),
        }
    }

    fn has(&self, word: &str) -> bool {
        self.words.iter().any(|w| w == word)
    }

    /// Whether one of `words` ranks: "most", but not "at most".
    fn ranks(&self, words: &[&str]) -> bool {
        self.words
            .iter()
            .enumerate()
            .any(|(i, w)| words.contains(&w.as_str()) && (i == 0 || self.words[i - 1] != "at"))
    }

    /// How many month names the question holds.
    fn months(&self) -> usize {
        self.words
            .iter()
            .filter(|w| MONTHS.contains(&w.as_str()))
            .count()
    }

    fn any(&self, words: &[&str]) -> bool {
        words.iter().any(|w| self.has(w))
    }

    /// Whether `first` is followed by `second` somewhere.
    fn pair(&self, first: &str, second: &[&str]) -> bool {
        self.words
            .windows(2)
            .any(|w| w[0] == first && second.contains(&w[1].as_str()))
    }

    /// The numbers written in digits, years and dates aside.
    fn numbers(&self) -> Vec<f64> {
        self.words
            .iter()
            .filter(|w| !w.contains('-'))
            .filter_map(|w| w.parse::<f64>().ok())
            .filter(|n| !(1900.0..=2100.0).contains(n))
            .collect()
    }
}

/// Words that ask for the largest values first.
const MOST: &[&str] = &[
    "most", "highest", "top", "longest", "largest", "biggest", "best", "more", "greatest",
];
/// Words that ask for the smallest values first.
const LEAST: &[&str] = &["least", "fewest", "lowest", "shortest", "smallest", "worst"];

/// `plan` as far as the words of `question` support it; see the module
/// doc.
pub fn ground_in_words(question: &str, mut plan: QueryPlan) -> QueryPlan {
    let words = Words::new(question);
    if let Some(metric) = named_metric(&words) {
        plan.metric = metric;
    }
    plan.work_mode = work_mode(&words, plan.metric);
    plan.group_by = grouping(&words, &plan);
    // One total has nothing to order or cut.
    let (order, limit) = match plan.group_by {
        Some(_) => order_and_limit(&words, plan.order, plan.limit),
        None => (None, None),
    };
    plan.order = order;
    plan.limit = limit;
    plan.having = plan
        .having
        .filter(|h| words.numbers().contains(&h.value) && comparison_worded(&words, h))
        .or_else(|| having(&words));
    plan.unit =
        (is_duration(plan.metric) && words.any(&["minute", "minutes"])).then_some(Unit::Minutes);
    plan.absence_kind = if plan.metric != Metric::AbsenceDays {
        None
    } else if words.has("sick") {
        Some(AbsenceKind::Sick)
    } else if words.any(&["vacation", "vacations"]) {
        Some(AbsenceKind::Vacation)
    } else {
        None
    };
    plan.compare_with_previous = plan.compare_with_previous
        && words.any(&[
            "compare",
            "compared",
            "comparison",
            "previous",
            "change",
            "changed",
            "versus",
            "vs",
            "than",
        ]);
    plan
}

/// The metric a question names by a word no other metric answers to.
fn named_metric(words: &Words) -> Option<Metric> {
    let share = words.any(&["percentage", "percent", "share", "proportion"]);
    let session = words.any(&["session", "sessions"]);
    let metric = if words.has("overtime") {
        Metric::OvertimeHours
    } else if words.has("undertime") {
        Metric::UndertimeHours
    } else if words.has("balance") {
        Metric::BalanceHours
    } else if words.any(&["break", "breaks"]) {
        Metric::BreakDeductedHours
    } else if words.any(&["holiday", "holidays"]) && words.any(&["worked", "work"]) {
        Metric::HolidayWorkHours
    } else if words.pair("owes", &["nothing"]) || words.pair("rest", &["day", "days"]) {
        Metric::RestDayWorkHours
    } else if words.any(&["night", "nights", "midnight"]) {
        Metric::NightShiftSessions
    } else if words.pair("without", &["leave"]) {
        Metric::AbsentWithoutLeaveDays
    } else if words.any(&["sick", "vacation", "vacations", "absence", "absences"]) {
        Metric::AbsenceDays
    } else if session && words.any(&["wfh", "home"]) && words.any(&["wfo", "office"]) {
        Metric::Sessions
    } else if words.has("open") && session {
        Metric::OpenSessions
    } else if words.has("late") {
        if share {
            Metric::LatePercentage
        } else {
            Metric::LateArrivals
        }
    } else if share && words.any(&["home", "wfh", "remote"]) {
        Metric::WfhPercentage
    } else if words.has("longest") && session {
        Metric::LongestSessionHours
    } else if words.has("average") && session {
        Metric::AverageSessionHours
    } else if words.any(&["different", "distinct"]) && words.has("people") {
        Metric::PeoplePresent
    } else if words.has("headcount")
        || (words.pair("many", &["employees", "people", "staff", "members"])
            && words.any(&["have", "has", "are", "is", "there"]))
    {
        Metric::Headcount
    } else {
        return None;
    };
    Some(metric)
}

/// A work mode when the question names exactly one side; none when it
/// names both (that is a grouping) or neither, or when the metric is
/// already about one side.
fn work_mode(words: &Words, metric: Metric) -> Option<WorkModeFilter> {
    if matches!(
        metric,
        Metric::WfhDays | Metric::WfoDays | Metric::WfhPercentage
    ) {
        return None;
    }
    let home = words.any(&["home", "wfh", "remote", "remotely"]);
    let office = words.any(&["office", "wfo", "onsite"]);
    match (home, office) {
        (true, false) => Some(WorkModeFilter::Wfh),
        (false, true) => Some(WorkModeFilter::Wfo),
        _ => None,
    }
}

/// The words each grouping needs.
fn grouping_words(grouping: Grouping) -> &'static [&'static str] {
    match grouping {
        Grouping::Employee => &["who", "employee", "employees", "member", "members", "whom"],
        Grouping::Team => &["team", "teams"],
        // "days", "the day before", "this week" name a measure or a period,
        // not a grouping: these need "per", "each"… (see `grouping`).
        Grouping::Day => &["daily"],
        Grouping::Week => &["weekly"],
        Grouping::Month => &["monthly"],
        Grouping::Weekday => &["weekday", "weekdays"],
        Grouping::WorkMode => &["mode", "modes"],
    }
}

/// The model's grouping when the question has a word for it; else the one
/// the question asks for with "per", "each", "by" or "every" before the
/// word ("per team", "each month"); else none.
fn grouping(words: &Words, plan: &QueryPlan) -> Option<Grouping> {
    if words.has("wfh") && words.has("wfo") {
        return Some(Grouping::WorkMode);
    }
    // "Each team", "per month", "which employees": one such cue decides.
    // "Per employee per day present" is an average's denominator, not a
    // grouping: a cue counts when it is the only one.
    let asked = [
        (Grouping::Team, &["team"][..]),
        (Grouping::Employee, &["employee", "person", "member"][..]),
        (Grouping::Day, &["day", "date"][..]),
        (Grouping::Week, &["week"][..]),
        (Grouping::Month, &["month"][..]),
    ];
    let cued: Vec<Grouping> = asked
        .iter()
        .filter(|(_, nouns)| {
            let plural: Vec<String> = nouns.iter().map(|n| format!("{n}s")).collect();
            let plural: Vec<&str> = plural.iter().map(String::as_str).collect();
            ["per", "each", "by", "every"]
                .iter()
                .any(|p| words.pair(p, nouns))
                || words.pair("which", nouns)
                || words.pair("which", &plural)
        })
        .map(|(g, _)| *g)
        .collect();
    if let [one] = cued.as_slice() {
        return Some(*one);
    }
    // The model's, where a word supports it. Namesakes and several teams
    // named stay apart by their grouping; two months named compare months.
    let supported = |g: Grouping| match g {
        Grouping::Employee if plan.employees.is_some() => true,
        Grouping::Team if plan.teams.is_some() => true,
        Grouping::Month if words.months() >= 2 => true,
        g => words.any(grouping_words(g)),
    };
    if let Some(g) = plan.group_by
        && supported(g)
    {
        return Some(g);
    }
    // Two teams or people named in the question, not "in total": each one
    // apart ("the Operations teams" stand for ten, added up).
    if !words.any(&["total", "together", "combined", "altogether"]) {
        let several = |names: &Option<Vec<String>>| {
            names.as_ref().is_some_and(|n| {
                n.len() >= 2 && n.iter().all(|n| words.text.contains(&n.to_lowercase()))
            })
        };
        if several(&plan.teams) {
            return Some(Grouping::Team);
        }
        if several(&plan.employees) {
            return Some(Grouping::Employee);
        }
    }
    if words.months() >= 2 && words.any(&["change", "changed", "compare", "compared"]) {
        return Some(Grouping::Month);
    }
    (cued.is_empty() && words.has("who")).then_some(Grouping::Employee)
}

/// An order when the question ranks ("most", "fewest", "top"), in the
/// direction of its word unless the model chose one; a limit written as a
/// number after "top" or "first" ("top 5"), else the model's limit of 1
/// when the question ranks, else none.
fn order_and_limit(
    words: &Words,
    model_order: Option<Order>,
    model_limit: Option<u32>,
) -> (Option<Order>, Option<u32>) {
    let most = words.ranks(MOST);
    let least = words.ranks(LEAST);
    if !most && !least {
        return (None, None);
    }
    let order = model_order.or(Some(if most { Order::Desc } else { Order::Asc }));
    let written = words.words.windows(2).find_map(|w| {
        (["top", "bottom"].contains(&w[0].as_str()))
            .then(|| w[1].parse::<u32>().ok())
            .flatten()
    });
    // "Who ...", "which team ..." ask for one.
    let one = words.has("who")
        || words.pair(
            "which",
            &["team", "employee", "person", "day", "week", "month"],
        );
    let limit = written
        .or(model_limit.filter(|l| *l == 1))
        .or(one.then_some(1));
    (order, limit)
}

/// A `having` written as "at least 3", "more than 2", "fewer than 5"…
fn having(words: &Words) -> Option<Having> {
    let w = &words.words;
    (0..w.len()).find_map(|i| {
        let number = |at: usize| {
            w.get(at)
                .and_then(|n| n.parse::<f64>().ok())
                .filter(|n| !(1900.0..=2100.0).contains(n))
        };
        let op = match (w[i].as_str(), w.get(i + 1).map(String::as_str)) {
            ("at", Some("least")) => (Comparison::Ge, 2),
            ("at", Some("most")) => (Comparison::Le, 2),
            ("more" | "over" | "above", Some("than")) => (Comparison::Gt, 2),
            ("fewer" | "less", Some("than")) => (Comparison::Lt, 2),
            _ => return None,
        };
        Some(Having {
            op: op.0,
            value: number(i + op.1)?,
        })
    })
}

/// Whether the question words the comparison of `having` ("at least",
/// "more than", "over", "under"…).
fn comparison_worded(words: &Words, having: &Having) -> bool {
    let worded = |list: &[&str]| words.any(list);
    match having.op {
        Comparison::Gt => worded(&["more", "over", "above", "exceeding", "greater"]),
        Comparison::Ge => worded(&["least", "more", "or"]),
        Comparison::Lt => worded(&["less", "fewer", "under", "below"]),
        Comparison::Le => worded(&["most", "or"]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(metric: Metric) -> QueryPlan {
        QueryPlan::new(metric)
    }

    #[test]
    fn what_a_forced_model_fills_in_goes_when_no_word_asks_for_it() {
        let mut junk = plan(Metric::Sessions);
        junk.work_mode = Some(WorkModeFilter::Wfh);
        junk.limit = Some(1024);
        junk.order = Some(Order::Desc);
        junk.having = Some(Having {
            op: Comparison::Gt,
            value: 0.0,
        });
        junk.group_by = Some(Grouping::Employee);
        junk.compare_with_previous = true;
        let grounded = ground_in_words("How many sessions have been recorded in total?", junk);
        assert_eq!(grounded, plan(Metric::Sessions));
    }

    #[test]
    fn the_words_of_the_question_set_what_they_ask_for() {
        let mut by_team = plan(Metric::HoursWorked);
        by_team.group_by = Some(Grouping::Team);
        let grounded = ground_in_words(
            "What are the top 5 teams by total hours worked from home, in minutes?",
            by_team,
        );
        assert_eq!(grounded.order, Some(Order::Desc));
        assert_eq!(grounded.limit, Some(5));
        assert_eq!(grounded.group_by, Some(Grouping::Team));
        assert_eq!(grounded.work_mode, Some(WorkModeFilter::Wfh));
        assert_eq!(grounded.unit, Some(Unit::Minutes));

        let mut fewest = plan(Metric::DaysPresent);
        fewest.group_by = Some(Grouping::Team);
        fewest.limit = Some(1);
        let grounded = ground_in_words("Which team has the fewest days present?", fewest);
        assert_eq!(
            (grounded.order, grounded.limit),
            (Some(Order::Asc), Some(1))
        );

        let mut sick = plan(Metric::AbsenceDays);
        sick.absence_kind = Some(AbsenceKind::Vacation);
        let grounded = ground_in_words("How many sick days were taken in each team?", sick);
        assert_eq!(grounded.absence_kind, Some(AbsenceKind::Sick));
        assert_eq!(grounded.group_by, Some(Grouping::Team));

        let mut three = plan(Metric::AbsentWithoutLeaveDays);
        three.having = Some(Having {
            op: Comparison::Ge,
            value: 3.0,
        });
        let grounded = ground_in_words(
            "Which employees were absent without leave on at least 3 days in 2026?",
            three.clone(),
        );
        assert_eq!(grounded.having, three.having);
    }

    #[test]
    fn how_many_employees_a_team_has_is_its_headcount() {
        let mut copied = plan(Metric::DaysPresent);
        copied.group_by = Some(Grouping::Employee);
        let grounded = ground_in_words("How many employees does each team have?", copied);
        assert_eq!(grounded.metric, Metric::Headcount);
        assert_eq!(grounded.group_by, Some(Grouping::Team));
        // Employees who did something are not a headcount.
        let grounded = ground_in_words(
            "How many employees were present yesterday?",
            plan(Metric::PeoplePresent),
        );
        assert_eq!(grounded.metric, Metric::PeoplePresent);
    }

    #[test]
    fn two_teams_named_are_each_apart_unless_added_up() {
        let mut two = plan(Metric::HoursWorked);
        two.teams = Some(vec!["Sales Berlin".into(), "Sales London".into()]);
        let asked = "How many hours did Sales Berlin and Sales London each work?";
        assert_eq!(
            ground_in_words(asked, two.clone()).group_by,
            Some(Grouping::Team)
        );
        let asked = "How many hours did Sales Berlin and Sales London work in total?";
        assert_eq!(ground_in_words(asked, two).group_by, None);
    }

    #[test]
    fn both_work_modes_named_filter_on_neither() {
        let mut both = plan(Metric::Sessions);
        both.work_mode = Some(WorkModeFilter::Wfh);
        both.group_by = Some(Grouping::WorkMode);
        let grounded = ground_in_words("How many WFH and how many WFO sessions were there?", both);
        assert_eq!(grounded.metric, Metric::Sessions);
        assert_eq!(grounded.work_mode, None);
        assert_eq!(grounded.group_by, Some(Grouping::WorkMode));
        // A metric about one side needs no filter.
        let grounded = ground_in_words(
            "Which team had the most work-from-home days?",
            plan(Metric::WfhDays),
        );
        assert_eq!(grounded.work_mode, None);
    }
}
