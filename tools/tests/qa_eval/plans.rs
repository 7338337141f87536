//! The gold plans, plan mode with the scripted model, and the no-model
//! baseline.

use std::collections::BTreeMap;
use std::sync::Arc;

use attendance::core::ask::plan::{DateRange, LastNDays, Period, Relative, RelativePeriod};
use attendance::pg::{PgSqlRunner, qa};
use chrono::NaiveDate;

use super::eval::{self, Baseline, Category, Mode, Outcome, PinnedRunner, Split};
use super::{Script, questions, run_scripted_in, run_scripted_with, seeded};

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
fn the_baseline_reads_periods_by_rules() {
    let today = eval::today();
    assert_eq!(today, date("2026-03-13"));
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
        assert_eq!(eval::period_in(question, today), expected, "{question}");
    }
}

#[test]
fn the_baseline_copies_the_nearest_example_and_fills_in_names_and_dates() {
    let baseline = Baseline::new(
        &questions(),
        vec!["Ken Knuth".into(), "Ada Lovelace".into()],
        vec!["Sales Berlin".into(), "Sales Berlin 2".into()],
    );
    // Nearest: lateness-06, "How many times was Ken Knuth late?".
    let plan = baseline
        .plan_for("How many times was Ada Lovelace late last week?")
        .unwrap();
    assert_eq!(plan.metric.as_str(), "late_arrivals");
    assert_eq!(plan.employees, Some(vec!["Ada Lovelace".to_owned()]));
    assert_eq!(plan.period, relative(RelativePeriod::LastWeek));
    // The longer team name wins, and is not found twice.
    let plan = baseline
        .plan_for("How many people work in the Sales Berlin 2 team?")
        .unwrap();
    assert_eq!(plan.metric.as_str(), "headcount");
    assert_eq!(plan.teams, Some(vec!["Sales Berlin 2".to_owned()]));
    assert_eq!(plan.employees, None);
}

#[tokio::test]
async fn every_gold_plan_compiles_to_a_query_with_the_gold_rows() {
    let (db, store) = seeded().await;
    let runner = PinnedRunner::new(
        Arc::new(PgSqlRunner::new(store.pool().clone())),
        &qa::catalog(),
        eval::now(),
    );
    let questions = questions();
    let mut without_plan: BTreeMap<Category, usize> = BTreeMap::new();
    let mut checked = 0;
    let mut differ = Vec::new();
    for q in &questions {
        let Some(plan) = &q.plan else {
            *without_plan.entry(q.category).or_default() += 1;
            continue;
        };
        let (sql, rows) = eval::run_plan(&runner, plan)
            .await
            .unwrap_or_else(|e| panic!("{}: {e:?}", q.id));
        assert!(!rows.rows.is_empty(), "{}: no rows from {sql}", q.id);
        // An injection's gold query only documents it; the others' rows
        // must be the gold's.
        if q.category != Category::Injection {
            let mut same = false;
            for gold in q.golds() {
                let gold_rows = runner.run_text(gold, &Default::default()).await.unwrap();
                same |= eval::same_result(&gold_rows, &rows, q.ordered);
            }
            if !same {
                differ.push(format!("{}: {sql}", q.id));
            }
        }
        checked += 1;
    }
    assert!(
        differ.is_empty(),
        "rows differ from the gold's:\n{}",
        differ.join("\n")
    );
    assert!(checked >= 60, "{checked} gold plans");
    // Nothing a refusal is right for has a plan, except as documented.
    assert!(
        questions
            .iter()
            .all(|q| q.category != Category::Unanswerable || q.plan.is_none())
    );
    // docs/QA_EVAL.md quotes these counts.
    println!("{checked} gold plans; questions without one: {without_plan:?}");
    db.drop_db().await;
}

#[tokio::test]
async fn a_model_that_returns_the_gold_plans_scores_every_question_a_plan_can_say() {
    let (db, store) = seeded().await;
    let results = run_scripted_in(&store, Script::Gold, Mode::Plan).await;
    let questions = questions();
    for (q, r) in questions.iter().zip(&results) {
        assert_eq!(q.id, r.id);
        if q.plan.is_some() || q.category.refusal_is_right() {
            assert!(r.correct, "{r:#?}");
        } else {
            // The model said no plan fits; plan mode refuses.
            assert!(matches!(r.outcome, Outcome::Refused { .. }), "{r:#?}");
        }
        if let (Some(gold), Outcome::Answered { plan, .. }) = (&q.plan, &r.outcome) {
            assert_eq!(plan.as_ref(), Some(gold), "{}", q.id);
        }
    }
    let expressible: Vec<_> = results
        .iter()
        .zip(&questions)
        .filter(|(_, q)| q.plan.is_some() || q.category.refusal_is_right())
        .map(|(r, _)| r.clone())
        .collect();
    let table = eval::render_table(&eval::summarize(&expressible));
    let n = expressible.len();
    assert!(
        table.contains(&format!("| plan | all | {n} | {n} | 100 % |")),
        "{table}"
    );
    println!("{table}");
    // Auto, with free SQL allowed (as for a hosted model): the plan where
    // one fits, the gold SQL where none does.
    let auto = run_scripted_with(&store, Script::Gold, Mode::Auto, Some(true)).await;
    let wrong: Vec<_> = auto.iter().filter(|r| !r.correct).collect();
    assert!(wrong.is_empty(), "{wrong:#?}");
    println!("{}", eval::render_table(&eval::summarize(&auto)));
    // Without it (the service's choice for a model on this machine, as the
    // played one is), auto is plan mode.
    let local = run_scripted_in(&store, Script::Gold, Mode::Auto).await;
    for (r, p) in local.iter().zip(&results) {
        assert_eq!(
            (r.correct, r.outcome.kind()),
            (p.correct, p.outcome.kind()),
            "{}",
            r.id
        );
    }
    db.drop_db().await;
}

#[tokio::test]
async fn the_baseline_asks_no_model_and_scores_below_the_gold() {
    let (db, store) = seeded().await;
    // The scripted model would answer garbage: the baseline never asks it.
    let results = run_scripted_in(&store, Script::Garbage, Mode::Baseline).await;
    assert!(
        results
            .iter()
            .all(|r| r.attempts == 0 && r.usage.total_tokens == 0)
    );
    assert!(results.iter().all(|r| r.mode == Mode::Baseline));
    let right = results.iter().filter(|r| r.correct).count();
    assert!(right > 10 && right < results.len(), "{right} right");
    // It answers everything with some plan, so the unanswerable are wrong.
    for r in results
        .iter()
        .filter(|r| r.category == Category::Unanswerable)
    {
        assert!(!r.correct, "{r:#?}");
    }
    // A dev question with a gold plan is its own nearest example.
    let q = questions();
    let own = results
        .iter()
        .zip(&q)
        .filter(|(_, q)| q.split == Split::Dev && q.plan.is_some())
        .filter(|(r, _)| r.correct)
        .count();
    assert!(own >= 20, "{own} dev questions right");
    println!("{}", eval::render_table(&eval::summarize(&results)));
    db.drop_db().await;
}
