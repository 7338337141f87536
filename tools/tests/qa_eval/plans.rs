//! The gold plans, plan mode with the scripted model, and the no-model
//! baseline.

use std::collections::BTreeMap;
use std::sync::Arc;

use attendance::core::ask::plan::{
    Period, QueryPlan, Relative, RelativePeriod, ground_in_words, names_a_time,
};
use attendance::pg::{PgSqlRunner, qa};

use super::eval::{self, Baseline, Category, Mode, Outcome, PinnedRunner, Split};
use super::{Script, questions, run_scripted_in, run_scripted_with, seeded};

fn relative(relative: RelativePeriod) -> Option<Period> {
    Some(Period::Relative(Relative { relative }))
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
    // Plan mode grounds the model's plan in the question (a period only
    // where it names a time, the modifiers its words ask for). Three gold
    // plans hold what the question does not say: "Who was late?" read as
    // yesterday, a grouping by day for "Show attendance for last week."
    // and "more than 0 hours" of holiday work. Plan mode answers those with
    // the plan grounding makes of the gold one, whose rows may differ (the
    // holiday teams with 0 hours happen to match); two are `ambiguous`
    // questions, where a refusal is also right.
    let grounded = |q: &eval::Question| {
        q.plan.clone().map(|p| {
            let period = if p.metric.needs_period() || names_a_time(&q.question) {
                p.period
            } else {
                None
            };
            ground_in_words(&q.question, QueryPlan { period, ..p })
        })
    };
    let changed = |q: &eval::Question| grounded(q) != q.plan;
    let mut checked = Vec::new();
    for (q, r) in questions.iter().zip(&results) {
        assert_eq!(q.id, r.id);
        if changed(q) {
            let Outcome::Answered { plan, .. } = &r.outcome else {
                panic!("{r:#?}");
            };
            assert_eq!(plan, &grounded(q), "{}", q.id);
            checked.push(q.id.as_str());
            continue;
        }
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
    assert_eq!(checked, ["ambiguous-04", "ambiguous-05", "holiday_work-01"]);
    let expressible: Vec<_> = results
        .iter()
        .zip(&questions)
        .filter(|(_, q)| (q.plan.is_some() || q.category.refusal_is_right()) && !changed(q))
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
    let wrong: Vec<_> = auto
        .iter()
        .filter(|r| !r.correct)
        .map(|r| r.id.as_str())
        .collect();
    assert!(wrong.iter().all(|id| checked.contains(id)), "{wrong:?}");
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
    // It answers everything with some plan, so the unanswerable are wrong,
    // unless the plan it makes breaks a rule (a metric its words name that
    // needs a period it cannot read: "sick days ... this year").
    for r in results
        .iter()
        .filter(|r| r.category == Category::Unanswerable)
    {
        let broke_a_rule =
            matches!(&r.outcome, Outcome::Refused { category } if category == "invalid_plan");
        assert!(!r.correct || broke_a_rule, "{r:#?}");
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

#[test]
fn the_words_of_each_question_keep_its_gold_plan() {
    // Plan mode keeps of a plan's modifiers what the question's words ask
    // for. Two gold plans hold what no word says: a grouping by day for
    // "Show attendance for last week." and "more than 0 hours" so that
    // teams with no holiday work are left out.
    let mut differ = Vec::new();
    for q in questions() {
        let Some(gold) = q.plan.clone() else { continue };
        let grounded = ground_in_words(&q.question, gold.clone());
        if grounded != gold {
            eprintln!(
                "{}: {}\n  gold     {gold:?}\n  grounded {grounded:?}",
                q.id, q.question
            );
            differ.push(q.id.clone());
        }
    }
    assert_eq!(differ, ["ambiguous-04", "holiday_work-01"]);
}
