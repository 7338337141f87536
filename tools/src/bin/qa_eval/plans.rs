//! Query plans without a model: running a plan as the harness's runner
//! would (the gold plans, the baseline's), and the baseline itself — the
//! nearest `dev` example's plan with names and dates filled in by rules,
//! so that a report shows what a model adds over copying an example.

use std::collections::HashSet;

use attendance::core::ask::plan::{
    PlanError, QueryPlan, ResolvedNames, ValidPlan, ground_in_words, period_in, sql_literal,
    take_names,
};
use attendance::core::ask::{QueryContext, QueryRows};
use attendance::core::domain::{EmployeeId, TeamId};
use chrono::NaiveDate;

use super::{PinnedRunner, Question, Split, now};

/// The pinned "today" the plans' relative periods are read against (the
/// company's timezone is UTC, as the service's default context).
pub fn today() -> NaiveDate {
    now().date_naive()
}

/// Ids of the rows of `sql` (one integer column).
async fn ids(runner: &PinnedRunner, sql: &str) -> Result<Vec<i64>, String> {
    let rows = runner
        .run_text(sql, &QueryContext::default())
        .await
        .map_err(|e| e.to_string())?;
    Ok(rows
        .rows
        .iter()
        .filter_map(|row| row.first().and_then(serde_json::Value::as_i64))
        .collect())
}

/// The plan's names as ids: every employee and team whose name equals one
/// of them, ignoring case. The service is more tolerant (accents, typos)
/// and asks which one when two people share a name; gold plans and the
/// baseline write names exactly, and a name two people share stands for
/// both, as the ambiguous questions' gold queries read it.
pub async fn resolve_exactly(
    runner: &PinnedRunner,
    plan: &ValidPlan,
) -> Result<ResolvedNames, String> {
    let any_of = |names: &[String]| {
        names
            .iter()
            .map(|n| sql_literal(&n.to_lowercase()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut resolved = ResolvedNames::default();
    if !plan.employee_names().is_empty() {
        let sql = format!(
            "SELECT employee_id FROM qa_employees WHERE lower(employee_name) IN ({})",
            any_of(plan.employee_names())
        );
        resolved.employees = ids(runner, &sql)
            .await?
            .into_iter()
            .map(EmployeeId)
            .collect();
    }
    if !plan.team_names().is_empty() {
        let sql = format!(
            "SELECT team_id FROM qa_teams WHERE lower(team_name) IN ({})",
            any_of(plan.team_names())
        );
        resolved.teams = ids(runner, &sql).await?.into_iter().map(TeamId).collect();
    }
    Ok(resolved)
}

/// Why a plan did not run.
#[derive(Debug, Clone, PartialEq)]
pub enum PlanFailure {
    /// The plan broke a rule; the refusal category the service would give.
    Invalid(String),
    /// The query failed.
    Query(String),
}

/// Validates `plan` against [`today`], resolves its names
/// ([`resolve_exactly`]), compiles it and runs the query; returns the query
/// and its rows.
pub async fn run_plan(
    runner: &PinnedRunner,
    plan: &QueryPlan,
) -> Result<(String, QueryRows), PlanFailure> {
    let valid = plan
        .validate(today())
        .map_err(|e| PlanFailure::Invalid(e.category().as_str().to_owned()))?;
    let names = resolve_exactly(runner, &valid)
        .await
        .map_err(PlanFailure::Query)?;
    let sql = valid.compile(&names);
    let rows = runner
        .run_text(&sql, &QueryContext::default())
        .await
        .map_err(|e| PlanFailure::Query(e.to_string()))?;
    Ok((sql, rows))
}

// ---- the baseline ---------------------------------------------------------

/// The lower-case words of `text`.
fn words(text: &str) -> HashSet<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Shared words over all words (Jaccard).
fn overlap(a: &HashSet<String>, b: &HashSet<String>) -> f64 {
    let union = a.union(b).count();
    if union == 0 {
        return 0.0;
    }
    a.intersection(b).count() as f64 / union as f64
}

/// No model: the plan of the `dev` example most like the question, with
/// the question's names and period, and what its words say of the rest
/// ([`ground_in_words`], as in plan mode).
#[derive(Debug, Clone)]
pub struct Baseline {
    examples: Vec<(HashSet<String>, QueryPlan)>,
    employees: Vec<String>,
    teams: Vec<String>,
}

impl Baseline {
    /// A baseline over the `dev` questions of `questions` that have a plan,
    /// and the names of the company's employees and teams.
    pub fn new(questions: &[Question], employees: Vec<String>, teams: Vec<String>) -> Self {
        let examples = questions
            .iter()
            .filter(|q| q.split == Split::Dev)
            .filter_map(|q| Some((words(&q.question), q.plan.clone()?)))
            .collect();
        // Longest first, so "Sales Berlin 2" is found before "Sales Berlin".
        let by_length = |mut names: Vec<String>| {
            names.sort_by_key(|n| std::cmp::Reverse(n.len()));
            names.dedup();
            names
        };
        Self {
            examples,
            employees: by_length(employees),
            teams: by_length(teams),
        }
    }

    /// Reads the names of the employees and teams through `runner`.
    pub async fn load(runner: &PinnedRunner, questions: &[Question]) -> Result<Self, String> {
        let names = |sql: &'static str| async move {
            let rows = runner
                .run_text(sql, &QueryContext::default())
                .await
                .map_err(|e| e.to_string())?;
            Ok::<Vec<String>, String>(
                rows.rows
                    .iter()
                    .filter_map(|r| r.first().and_then(|v| v.as_str()).map(str::to_owned))
                    .collect(),
            )
        };
        let employees = names("SELECT DISTINCT employee_name FROM qa_employees").await?;
        let teams = names("SELECT team_name FROM qa_teams").await?;
        Ok(Self::new(questions, employees, teams))
    }

    /// The plan for `question`: `None` when there is no example at all.
    pub fn plan_for(&self, question: &str) -> Option<QueryPlan> {
        let asked = words(question);
        let mut best: Option<(f64, &QueryPlan)> = None;
        for (example, plan) in &self.examples {
            let score = overlap(&asked, example);
            // The first of equals: the file's order.
            if best.is_none_or(|(b, _)| score > b) {
                best = Some((score, plan));
            }
        }
        let mut plan = best?.1.clone();
        let mut rest = question.to_lowercase();
        let found = |names: Vec<String>| (!names.is_empty()).then_some(names);
        plan.teams = found(take_names(&mut rest, &self.teams));
        plan.employees = found(take_names(&mut rest, &self.employees));
        match period_in(question, today()) {
            Some(period) => plan.period = Some(period),
            // The ledger needs a period: the example's is a better guess
            // than none.
            None if ledger_metric(&plan) => {}
            None => plan.period = None,
        }
        // The same reading of the question's words as plan mode's, so
        // that the two differ by what the model chose.
        Some(ground_in_words(question, plan))
    }
}

/// Whether the plan's metric needs a period (the ledger's do).
fn ledger_metric(plan: &QueryPlan) -> bool {
    matches!(
        QueryPlan {
            period: None,
            compare_with_previous: false,
            ..plan.clone()
        }
        .validate(today()),
        Err(PlanError::PeriodRequired { .. })
    )
}
