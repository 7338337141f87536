//! The summary table, the JSON report and the comparison of two reports.

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use super::{Category, Mode, Outcome, QuestionResult, Split};

/// One line of the table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Line {
    /// How the questions were asked.
    #[serde(default)]
    pub mode: Mode,
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
    /// Slowest question, ms.
    #[serde(default)]
    pub max_ms: u64,
}

fn line(mode: Mode, name: &str, results: &[&QuestionResult]) -> Line {
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
        mode,
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
        max_ms: latencies.last().copied().unwrap_or(0),
    }
}

/// For each mode, in the order the results first have it: one line per
/// category present, then `dev`, `test` and `all`.
pub fn summarize(results: &[QuestionResult]) -> Vec<Line> {
    let mut modes: Vec<Mode> = Vec::new();
    for r in results {
        if !modes.contains(&r.mode) {
            modes.push(r.mode);
        }
    }
    let mut lines = Vec::new();
    for mode in modes {
        let of_mode: Vec<&QuestionResult> = results.iter().filter(|r| r.mode == mode).collect();
        for category in Category::ALL {
            let of: Vec<&QuestionResult> = of_mode
                .iter()
                .copied()
                .filter(|r| r.category == category)
                .collect();
            if !of.is_empty() {
                lines.push(line(mode, category.as_str(), &of));
            }
        }
        for (name, split) in [("dev", Split::Dev), ("test", Split::Test)] {
            let of: Vec<&QuestionResult> = of_mode
                .iter()
                .copied()
                .filter(|r| r.split == split)
                .collect();
            if !of.is_empty() {
                lines.push(line(mode, name, &of));
            }
        }
        lines.push(line(mode, "all", &of_mode));
    }
    lines
}

/// The summary as a Markdown table.
pub fn render_table(lines: &[Line]) -> String {
    let mut out = String::from(
        "| mode | category | questions | right | accuracy | refusals | failures | avg attempts | avg tokens | p50 ms | p95 ms | max ms |\n\
         |---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for l in lines {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {:.0} % | {} | {} | {:.2} | {:.0} | {} | {} | {} |",
            l.mode.as_str(),
            l.name,
            l.questions,
            l.correct,
            l.accuracy * 100.0,
            l.refusals,
            l.failures,
            l.avg_attempts,
            l.avg_tokens,
            l.p50_ms,
            l.p95_ms,
            l.max_ms
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
    let before: BTreeMap<(Mode, &str), &QuestionResult> = old
        .results
        .iter()
        .map(|r| ((r.mode, r.id.as_str()), r))
        .collect();
    let (mut better, mut worse, mut added) = (Vec::new(), Vec::new(), Vec::new());
    for r in &new.results {
        match before.get(&(r.mode, r.id.as_str())) {
            Some(o) if !o.correct && r.correct => better.push(r),
            Some(o) if o.correct && !r.correct => worse.push(r),
            Some(_) => {}
            None => added.push(r),
        }
    }
    let now: HashSet<(Mode, &str)> = new
        .results
        .iter()
        .map(|r| (r.mode, r.id.as_str()))
        .collect();
    let gone = old
        .results
        .iter()
        .filter(|r| !now.contains(&(r.mode, r.id.as_str())))
        .count();
    // Over every mode's questions: the right answers of all of them.
    let accuracy = |r: &Report| {
        let (right, all) = r
            .summary
            .iter()
            .filter(|l| l.name == "all")
            .fold((0, 0), |(c, n), l| (c + l.correct, n + l.questions));
        if all == 0 {
            0.0
        } else {
            right as f64 * 100.0 / all as f64
        }
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
            let _ = writeln!(
                out,
                "  {label:6} {:8} {:28} now {}",
                r.mode.as_str(),
                r.id,
                r.outcome.kind()
            );
        }
    }
    out
}
