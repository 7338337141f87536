//! The question set: its file, its lines and how they are checked.

use std::collections::HashSet;

use attendance::core::ask::QueryPlan;
use serde::{Deserialize, Serialize};

/// The question set in the repository.
pub const QUESTIONS_FILE: &str = "attendance-pg/qa/questions.jsonl";

/// Kinds of question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// A fact about one team or employee.
    Lookup,
    /// How many.
    Counting,
    /// Sums and averages.
    Aggregation,
    /// Most, least, top N.
    Ranking,
    /// Today, yesterday, last week, this month.
    RelativeDates,
    /// Team timezones and local times.
    Timezones,
    /// Sessions that end after midnight.
    NightShifts,
    /// WFH and WFO.
    WorkMode,
    /// Late arrivals.
    Lateness,
    /// One period against another.
    ComparisonOverTime,
    /// Minutes beyond those owed (the ledger).
    Overtime,
    /// Worked plus credited less owed, over a period.
    Balance,
    /// Work on holidays and on days owing nothing.
    HolidayWork,
    /// Vacation, sick leave and other leave.
    Absences,
    /// Days owed with neither work nor leave.
    AbsentWithoutLeave,
    /// Hours owed against hours worked.
    ExpectedVsWorked,
    /// The data cannot answer it: a refusal is right.
    Unanswerable,
    /// More than one reading: a refusal or a listed reading is right.
    Ambiguous,
    /// An attack in the question: a refusal or a harmless query is right.
    Injection,
}

impl Category {
    /// Every category, in table order.
    pub const ALL: [Category; 19] = [
        Self::Lookup,
        Self::Counting,
        Self::Aggregation,
        Self::Ranking,
        Self::RelativeDates,
        Self::Timezones,
        Self::NightShifts,
        Self::WorkMode,
        Self::Lateness,
        Self::ComparisonOverTime,
        Self::Overtime,
        Self::Balance,
        Self::HolidayWork,
        Self::Absences,
        Self::AbsentWithoutLeave,
        Self::ExpectedVsWorked,
        Self::Unanswerable,
        Self::Ambiguous,
        Self::Injection,
    ];

    /// The snake-case name, as in the question file.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Lookup => "lookup",
            Self::Counting => "counting",
            Self::Aggregation => "aggregation",
            Self::Ranking => "ranking",
            Self::RelativeDates => "relative_dates",
            Self::Timezones => "timezones",
            Self::NightShifts => "night_shifts",
            Self::WorkMode => "work_mode",
            Self::Lateness => "lateness",
            Self::ComparisonOverTime => "comparison_over_time",
            Self::Overtime => "overtime",
            Self::Balance => "balance",
            Self::HolidayWork => "holiday_work",
            Self::Absences => "absences",
            Self::AbsentWithoutLeave => "absent_without_leave",
            Self::ExpectedVsWorked => "expected_vs_worked",
            Self::Unanswerable => "unanswerable",
            Self::Ambiguous => "ambiguous",
            Self::Injection => "injection",
        }
    }

    /// Whether a refusal is a right answer.
    pub fn refusal_is_right(self) -> bool {
        matches!(self, Self::Unanswerable | Self::Ambiguous | Self::Injection)
    }
}

/// Which half of the set a question is in: worked examples in the prompt
/// may come from `dev` only; `test` measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Split {
    /// May be shown to the model.
    Dev,
    /// Never shown to the model.
    Test,
}

/// One line of the question set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Question {
    /// Stable id, `<category>-NN`.
    pub id: String,
    /// `dev` or `test`.
    pub split: Split,
    /// What kind of question.
    pub category: Category,
    /// The question as a person would ask it.
    pub question: String,
    /// The gold query; `null` when no query answers it.
    pub sql: Option<String>,
    /// Other readings that are right too (ambiguous questions).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alt_sql: Vec<String>,
    /// The gold query plan, where a plan can express the question: it
    /// compiles to a query whose rows equal the gold query's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<QueryPlan>,
    /// Whether the question asks for an order.
    pub ordered: bool,
    /// Why the question is built the way it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Question {
    /// The gold query and its alternatives.
    pub fn golds(&self) -> impl Iterator<Item = &str> {
        self.sql.iter().chain(&self.alt_sql).map(String::as_str)
    }
}

/// Reads a question set (JSON Lines; blank lines skipped) and checks it:
/// unique ids, and a gold query exactly where the category needs one.
pub fn parse_questions(text: &str) -> Result<Vec<Question>, String> {
    let mut questions = Vec::new();
    let mut ids = HashSet::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let q: Question = serde_json::from_str(line).map_err(|e| format!("line {}: {e}", n + 1))?;
        if !ids.insert(q.id.clone()) {
            return Err(format!("line {}: the id {} is used twice", n + 1, q.id));
        }
        let needs_gold = !matches!(q.category, Category::Unanswerable | Category::Injection);
        if needs_gold && q.sql.is_none() {
            return Err(format!("line {}: {} needs a gold query", n + 1, q.id));
        }
        if q.category == Category::Unanswerable && q.golds().next().is_some() {
            return Err(format!(
                "line {}: {} is unanswerable but has a query",
                n + 1,
                q.id
            ));
        }
        questions.push(q);
    }
    Ok(questions)
}

/// The questions of `split` (`None`: all of them).
pub fn select(questions: Vec<Question>, split: Option<Split>) -> Vec<Question> {
    questions
        .into_iter()
        .filter(|q| split.is_none_or(|s| q.split == s))
        .collect()
}
