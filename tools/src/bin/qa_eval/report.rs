//! The summary table, the JSON report and the comparison of two reports.

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use super::{Category, Outcome, QuestionResult, Split};

/// One line of the table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Line {
    /// A category, a split or `all`.
    pub name: String,
    /// Questions.
    pub questions: usize,
    /// Right answers.
    pub correct: usize,
    /// Right answers over questions.
    pub accuracy: f64,
    /// Questions the service refused.
    pub refusals: usize,
    /// Questions with no query that worked, or a model or other error.
    pub failures: usize,
    /// Queries written per question.
    pub avg_attempts: f64,
    /// Tokens per question.
    pub avg_tokens: f64,
    /// Median latency, ms.
    pub p50_ms: u64,
    /// 95th percentile latency, ms.
    pub p95_ms: u64,
}

fn line(name: &str, results: &[&QuestionResult]) -> Line {
    let n = results.len();
    let correct = results.iter().filter(|r| r.correct).count();
    let mut latencies: Vec<u64> = results.iter().map(|r| r.latency_ms).collect();
    latencies.sort_unstable();
    let pct = |p: f64| -> u64 {
        if latencies.is_empty() {
            return 0;
        }
        // Nearest rank.
        let rank = ((p * latencies.len() as f64).ceil() as usize).clamp(1, latencies.len());
        latencies[rank - 1]
    };
    let per = |x: f64| if n == 0 { 0.0 } else { x / n as f64 };
    Line {
        name: name.to_owned(),
        questions: n,
        correct,
        accuracy: per(correct as f64),
        refusals: results
            .iter()
            .filter(|r| matches!(r.outcome, Outcome::Refused { .. }))
            .count(),
        failures: results
            .iter()
            .filter(|r| {
                matches!(
                    r.outcome,
                    Outcome::QueryFailed | Outcome::ModelError { .. } | Outcome::Error { .. }
                )
            })
            .count(),
        avg_attempts: per(results.iter().map(|r| f64::from(r.attempts)).sum()),
        avg_tokens: per(results.iter().map(|r| r.usage.total_tokens as f64).sum()),
        p50_ms: pct(0.5),
        p95_ms: pct(0.95),
    }
}

/// One line per category present, then `dev`, `test` and `all`.
pub fn summarize(results: &[QuestionResult]) -> Vec<Line> {
    let mut lines = Vec::new();
    for category in Category::ALL {
        let of: Vec<&QuestionResult> = results.iter().filter(|r| r.category == category).collect();
        if !of.is_empty() {
            lines.push(line(category.as_str(), &of));
        }
    }
    for (name, split) in [("dev", Split::Dev), ("test", Split::Test)] {
        let of: Vec<&QuestionResult> = results.iter().filter(|r| r.split == split).collect();
        if !of.is_empty() {
            lines.push(line(name, &of));
        }
    }
    lines.push(line("all", &results.iter().collect::<Vec<_>>()));
    lines
}

/// The summary as a Markdown table.
pub fn render_table(lines: &[Line]) -> String {
    let mut out = String::from(
        "| category | questions | right | accuracy | refusals | failures | avg attempts | avg tokens | p50 ms | p95 ms |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for l in lines {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {:.0} % | {} | {} | {:.2} | {:.0} | {} | {} |",
            l.name,
            l.questions,
            l.correct,
            l.accuracy * 100.0,
            l.refusals,
            l.failures,
            l.avg_attempts,
            l.avg_tokens,
            l.p50_ms,
            l.p95_ms
        );
    }
    out
}

/// What a run wrote.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// The model, as the client describes it.
    pub model: String,
    /// The question file.
    pub questions_file: String,
    /// The data set ([`company_label`](super::company_label)).
    pub company: String,
    /// The pinned "now".
    pub now: String,
    /// When the run started (wall clock).
    pub started_at: String,
    /// Seconds the run took.
    pub seconds: f64,
    /// The table.
    pub summary: Vec<Line>,
    /// Every question.
    pub results: Vec<QuestionResult>,
}

/// Question by question, what changed from `old` to `new`.
pub fn compare(old: &Report, new: &Report) -> String {
    let before: BTreeMap<&str, &QuestionResult> =
        old.results.iter().map(|r| (r.id.as_str(), r)).collect();
    let (mut better, mut worse, mut added) = (Vec::new(), Vec::new(), Vec::new());
    for r in &new.results {
        match before.get(r.id.as_str()) {
            Some(o) if !o.correct && r.correct => better.push(r),
            Some(o) if o.correct && !r.correct => worse.push(r),
            Some(_) => {}
            None => added.push(r),
        }
    }
    let now: HashSet<&str> = new.results.iter().map(|r| r.id.as_str()).collect();
    let gone = old
        .results
        .iter()
        .filter(|r| !now.contains(r.id.as_str()))
        .count();
    let accuracy = |r: &Report| {
        r.summary
            .iter()
            .find(|l| l.name == "all")
            .map_or(0.0, |l| l.accuracy * 100.0)
    };
    let mut out = format!(
        "accuracy {:.1} % -> {:.1} %: {} better, {} worse, {} new, {} gone\n",
        accuracy(old),
        accuracy(new),
        better.len(),
        worse.len(),
        added.len(),
        gone
    );
    for (label, list) in [("better", &better), ("worse", &worse)] {
        for r in list.iter() {
            let _ = writeln!(out, "  {label:6} {:28} now {}", r.id, r.outcome.kind());
        }
    }
    out
}
