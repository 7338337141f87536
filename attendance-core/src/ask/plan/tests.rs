//! Unit tests of the query plan: schema, validation, compilation.

use chrono::NaiveDate;
use serde_json::{Value, json};

use super::*;
use crate::ask::{Catalog, RefusalCategory, RelationDoc};
use crate::domain::{EmployeeId, TeamId};
use crate::guard::SqlGuard;

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// Friday 13 March 2026, the evaluation's "today".
fn today() -> NaiveDate {
    day("2026-03-13")
}

fn guard() -> SqlGuard {
    let relation = |name| RelationDoc {
        name,
        description: "",
        columns: vec![],
    };
    SqlGuard::for_catalog(&Catalog {
        relations: [
            "qa_teams",
            "qa_employees",
            "qa_sessions",
            "qa_daily_attendance",
            "qa_ledger_days",
        ]
        .into_iter()
        .map(relation)
        .collect(),
        examples: vec![],
    })
}

fn dates(from: &str, to: &str) -> Option<Period> {
    Some(Period::Dates(DateRange {
        from: day(from),
        to: day(to),
    }))
}

fn relative(r: RelativePeriod) -> Option<Period> {
    Some(Period::Relative(Relative { relative: r }))
}

/// The schema's `enum` of the property at `path`, without `null`.
fn schema_enum(schema: &Value, path: &[&str]) -> Vec<String> {
    let mut node = schema;
    for key in path {
        node = &node[key];
    }
    node["enum"]
        .as_array()
        .unwrap_or_else(|| panic!("no enum at {path:?}: {node}"))
        .iter()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect()
}

/// The non-null branch of a nullable property, checking that the other
/// branch is exactly `null`.
fn or_null<'a>(props: &'a Value, name: &str) -> &'a Value {
    let branches = props[name]["anyOf"]
        .as_array()
        .unwrap_or_else(|| panic!("{name} is not an anyOf: {}", props[name]));
    assert_eq!(branches.len(), 2, "{name}");
    assert_eq!(branches[1], json!({"type": "null"}), "{name}");
    &branches[0]
}

/// Checks that a closed set's schema enum is exactly its variants, and that
/// every word of it, and nothing else, deserializes.
fn closed<T>(all: &[T], word: fn(T) -> &'static str, in_schema: Vec<String>)
where
    T: Copy + PartialEq + std::fmt::Debug + serde::de::DeserializeOwned + serde::Serialize,
{
    let words: Vec<String> = all.iter().map(|v| word(*v).to_owned()).collect();
    assert_eq!(words, in_schema);
    for v in all {
        assert_eq!(serde_json::to_value(v).unwrap(), json!(word(*v)));
        let back: T = serde_json::from_value(json!(word(*v))).unwrap();
        assert_eq!(back, *v);
    }
    assert!(serde_json::from_value::<T>(json!("salary")).is_err());
    assert!(serde_json::from_value::<T>(json!("")).is_err());
}

#[test]
fn the_schema_is_the_types_closed_sets_and_nothing_else() {
    let schema = plan_schema();
    let props = &schema["properties"];
    closed(Metric::ALL, Metric::as_str, schema_enum(props, &["metric"]));
    closed(
        Grouping::ALL,
        Grouping::as_str,
        schema_enum(or_null(props, "group_by"), &[]),
    );
    closed(
        WorkModeFilter::ALL,
        WorkModeFilter::as_str,
        schema_enum(or_null(props, "work_mode"), &[]),
    );
    closed(
        AbsenceKind::ALL,
        AbsenceKind::as_str,
        schema_enum(or_null(props, "absence_kind"), &[]),
    );
    closed(
        Order::ALL,
        Order::as_str,
        schema_enum(or_null(props, "order"), &[]),
    );
    closed(
        Unit::ALL,
        Unit::as_str,
        schema_enum(or_null(props, "unit"), &[]),
    );
    closed(
        RelativePeriod::ALL,
        RelativePeriod::as_str,
        schema_enum(&props["period"]["anyOf"][1]["properties"], &["relative"]),
    );
    closed(
        Comparison::ALL,
        Comparison::as_str,
        schema_enum(&props["having"]["anyOf"][0]["properties"], &["op"]),
    );
    // The metric takes no null; the other optional fields take it through
    // `anyOf`, never a list of types, which grammar converters misread.
    assert_eq!(props["metric"]["type"], json!("string"));
    for name in ["employees", "teams"] {
        assert_eq!(
            or_null(props, name),
            &json!({"type": "array", "items": {"type": "string"}})
        );
    }
    assert_eq!(or_null(props, "limit"), &json!({"type": "integer"}));
    let dates = &props["period"]["anyOf"][0]["properties"];
    assert_eq!(dates["from"]["format"], json!("date"));
    assert_eq!(dates["to"]["format"], json!("date"));
    let text = plan_reply_schema().to_string();
    assert!(!text.contains(r#""type":["#), "{text}");

    // The properties are the struct's fields in the struct's order, all
    // required, no others. The order is what a grammar-constrained model
    // writes in, on the wire too: the metric first.
    let full = serde_json::to_value(QueryPlan::new(Metric::Sessions)).unwrap();
    let fields: Vec<&String> = full.as_object().unwrap().keys().collect();
    let properties: Vec<&String> = props.as_object().unwrap().keys().collect();
    assert_eq!(fields, properties);
    assert_eq!(properties[0], "metric");
    let wire = schema.to_string();
    assert!(
        wire.find(r#""metric""#) < wire.find(r#""group_by""#)
            && wire.find(r#""group_by""#) < wire.find(r#""compare_with_previous""#),
        "{wire}"
    );
    let required: Vec<&str> = schema["required"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(required.len(), properties.len());
    assert_eq!(schema["additionalProperties"], json!(false));

    // Each shape of period in the schema is one the type reads.
    for period in [
        json!({"from": "2026-03-02", "to": "2026-03-08"}),
        json!({"relative": "last_week"}),
        json!({"last_n_days": 7}),
    ] {
        serde_json::from_value::<Period>(period.clone()).unwrap();
    }
    for not_a_period in [
        json!({"relative": "last_year"}),
        json!({"from": "2026-03-02"}),
        json!({"from": "2026-03-02", "to": "2026-03-08", "tz": "UTC"}),
        json!({"last_n_days": -3}),
    ] {
        assert!(
            serde_json::from_value::<Period>(not_a_period.clone()).is_err(),
            "{not_a_period}"
        );
    }
    let reply = plan_reply_schema();
    assert_eq!(reply["properties"]["plan"]["anyOf"][0], schema);
}

#[test]
fn a_reply_reads_with_null_fields_and_refuses_unknown_ones() {
    let reply: PlanReply = serde_json::from_value(json!({
        "plan": {
            "metric": "hours_worked", "group_by": "team", "employees": null,
            "teams": null, "work_mode": "WFH", "absence_kind": null,
            "period": {"relative": "last_week"}, "having": null, "order": null,
            "limit": null, "unit": null, "compare_with_previous": false
        },
        "unsupported": null
    }))
    .unwrap();
    let plan = reply.plan.unwrap();
    assert_eq!(plan.metric, Metric::HoursWorked);
    assert_eq!(plan.group_by, Some(Grouping::Team));
    // A small model may leave fields out.
    let short: QueryPlan = serde_json::from_value(json!({"metric": "sessions"})).unwrap();
    assert_eq!(short, QueryPlan::new(Metric::Sessions));
    for bad in [
        json!({"metric": "salary"}),
        json!({"metric": "sessions", "sql": "DROP TABLE x"}),
        json!({"metric": "sessions", "limit": 1e12}),
        json!({"metric": "sessions", "limit": -1}),
        json!({"metric": "sessions", "employees": "Ada"}),
    ] {
        assert!(
            serde_json::from_value::<QueryPlan>(bad.clone()).is_err(),
            "{bad}"
        );
    }
    let unsupported: PlanReply =
        serde_json::from_value(json!({"plan": null, "unsupported": "salaries"})).unwrap();
    assert_eq!(unsupported.unsupported.as_deref(), Some("salaries"));
}

/// Every plan shape worth compiling: each metric alone, grouped every way
/// that applies, with each filter that applies.
fn shapes() -> Vec<QueryPlan> {
    let mut plans = Vec::new();
    for &metric in Metric::ALL {
        let mut groupings: Vec<Option<Grouping>> = vec![None];
        groupings.extend(Grouping::ALL.iter().copied().map(Some));
        for group_by in groupings {
            let mut plan = QueryPlan::new(metric);
            plan.group_by = group_by;
            plan.period = dates("2026-02-01", "2026-02-28");
            if plan.validate(today()).is_err() {
                plan.period = None;
            }
            if plan.validate(today()).is_err() {
                continue;
            }
            plans.push(plan.clone());
            let mut filtered = plan.clone();
            filtered.employees = Some(vec!["Ada Lovelace".into()]);
            filtered.teams = Some(vec!["Sales Berlin".into()]);
            filtered.order = Some(Order::Desc);
            filtered.limit = Some(5);
            filtered.having = Some(Having {
                op: Comparison::Ge,
                value: 2.5,
            });
            plans.push(filtered);
            for mode in WorkModeFilter::ALL {
                let mut p = plan.clone();
                p.work_mode = Some(*mode);
                if p.validate(today()).is_ok() {
                    plans.push(p);
                }
            }
            let mut minutes = plan.clone();
            minutes.unit = Some(Unit::Minutes);
            if minutes.validate(today()).is_ok() {
                plans.push(minutes);
            }
            let mut compared = plan.clone();
            compared.period = relative(RelativePeriod::LastWeek);
            compared.compare_with_previous = true;
            if compared.validate(today()).is_ok() {
                plans.push(compared);
            }
        }
    }
    plans
}

#[test]
fn every_metric_and_grouping_compiles_to_a_query_the_guard_accepts() {
    let guard = guard();
    let names = ResolvedNames {
        employees: vec![EmployeeId(7), EmployeeId(9)],
        teams: vec![TeamId(3)],
    };
    let plans = shapes();
    // Every metric has at least its total and one grouping.
    for &metric in Metric::ALL {
        let n = plans.iter().filter(|p| p.metric == metric).count();
        assert!(n >= 2, "{metric:?}: {n}");
    }
    for plan in &plans {
        let valid = plan.validate(today()).unwrap();
        let sql = valid.compile(&names);
        let guarded = guard
            .check(&sql)
            .unwrap_or_else(|refusal| panic!("{plan:?}\n{sql}\n{refusal}"));
        // The guard re-renders; nothing the plan says was lost on the way.
        assert!(
            guarded
                .as_str()
                .contains(&format!("FROM {}", compile::source(plan.metric).view()))
        );
        assert!(!valid.sentence().is_empty());
    }
    assert!(plans.len() > 150, "{}", plans.len());
}

#[test]
fn a_plan_compiles_to_the_query_one_would_write() {
    let mut plan = QueryPlan::new(Metric::HoursWorked);
    plan.group_by = Some(Grouping::Team);
    plan.period = relative(RelativePeriod::LastWeek);
    plan.work_mode = Some(WorkModeFilter::Wfh);
    let valid = plan.validate(today()).unwrap();
    assert_eq!(
        valid.compile(&ResolvedNames::default()),
        "SELECT team_name, sum(hours) AS hours_worked FROM qa_daily_attendance \
         WHERE worked_from_home AND work_date BETWEEN DATE '2026-03-02' AND DATE '2026-03-08' \
         GROUP BY 1 ORDER BY 1"
    );
    assert_eq!(
        valid.sentence(),
        "hours worked, by team, 2026-03-02 to 2026-03-08, WFH only"
    );

    let mut plan = QueryPlan::new(Metric::OvertimeHours);
    plan.group_by = Some(Grouping::Employee);
    plan.teams = Some(vec!["Sales Berlin".into()]);
    plan.period = dates("2026-02-01", "2026-02-28");
    plan.order = Some(Order::Desc);
    plan.limit = Some(1);
    plan.unit = Some(Unit::Minutes);
    let valid = plan.validate(today()).unwrap();
    let names = ResolvedNames {
        employees: vec![],
        teams: vec![TeamId(4)],
    };
    assert_eq!(
        valid.compile(&names),
        "SELECT employee_id, employee_name, sum(overtime_minutes) AS overtime_minutes \
         FROM qa_ledger_days WHERE team_id IN (4) \
         AND work_date BETWEEN DATE '2026-02-01' AND DATE '2026-02-28' \
         GROUP BY 1, 2 ORDER BY 3 DESC NULLS LAST, 1, 2 LIMIT 1"
    );
    assert_eq!(
        valid.sentence(),
        "overtime minutes, by employee, in Sales Berlin, 2026-02-01 to 2026-02-28, top 1"
    );
}

#[test]
fn a_comparison_reads_both_periods_and_labels_each() {
    let mut plan = QueryPlan::new(Metric::HoursWorked);
    plan.period = relative(RelativePeriod::LastWeek);
    plan.compare_with_previous = true;
    let valid = plan.validate(today()).unwrap();
    assert_eq!(
        valid.previous(),
        Some(DateRange {
            from: day("2026-02-23"),
            to: day("2026-03-01")
        })
    );
    let sql = valid.compile(&ResolvedNames::default());
    assert_eq!(
        sql,
        "SELECT CASE WHEN work_date >= DATE '2026-03-02' THEN DATE '2026-03-02' \
         ELSE DATE '2026-02-23' END AS period_start, sum(hours) AS hours_worked \
         FROM qa_daily_attendance \
         WHERE work_date BETWEEN DATE '2026-02-23' AND DATE '2026-03-08' \
         GROUP BY 1 ORDER BY 1"
    );
    assert!(
        valid
            .sentence()
            .ends_with("compared with 2026-02-23 to 2026-03-01")
    );
    // Last month against the month before, whatever their lengths.
    plan.period = relative(RelativePeriod::LastMonth);
    let valid = plan.validate(today()).unwrap();
    assert_eq!(
        valid.period(),
        Some(DateRange {
            from: day("2026-02-01"),
            to: day("2026-02-28")
        })
    );
    assert_eq!(
        valid.previous(),
        Some(DateRange {
            from: day("2026-01-01"),
            to: day("2026-01-31")
        })
    );
}

#[test]
fn relative_periods_are_dates_as_of_today() {
    let cases = [
        (RelativePeriod::Today, "2026-03-13", "2026-03-13"),
        (RelativePeriod::Yesterday, "2026-03-12", "2026-03-12"),
        (RelativePeriod::ThisWeek, "2026-03-09", "2026-03-13"),
        (RelativePeriod::LastWeek, "2026-03-02", "2026-03-08"),
        (RelativePeriod::ThisMonth, "2026-03-01", "2026-03-13"),
        (RelativePeriod::LastMonth, "2026-02-01", "2026-02-28"),
    ];
    for (r, from, to) in cases {
        let mut plan = QueryPlan::new(Metric::Sessions);
        plan.period = relative(r);
        let valid = plan.validate(today()).unwrap();
        assert_eq!(
            valid.period(),
            Some(DateRange {
                from: day(from),
                to: day(to)
            }),
            "{r:?}"
        );
    }
    let mut plan = QueryPlan::new(Metric::Sessions);
    plan.period = Some(Period::LastNDays(LastNDays { last_n_days: 7 }));
    assert_eq!(
        plan.validate(today()).unwrap().period(),
        Some(DateRange {
            from: day("2026-03-07"),
            to: day("2026-03-13")
        })
    );
}

#[test]
fn hostile_plans_are_refused_with_a_category() {
    let base = || {
        let mut plan = QueryPlan::new(Metric::HoursWorked);
        plan.period = dates("2026-02-01", "2026-02-28");
        plan
    };
    let refuse = |plan: QueryPlan| plan.validate(today()).unwrap_err();

    let mut p = base();
    p.period = dates("2023-01-01", "2026-03-13");
    let e = refuse(p);
    assert!(
        matches!(e, PlanError::PeriodTooLong { days: 1168 }),
        "{e:?}"
    );
    assert_eq!(e.category(), RefusalCategory::PlanOutOfBounds);
    // Two years exactly is fine; a day more is not.
    let mut p = base();
    p.period = dates("2024-03-13", "2026-03-13");
    assert!(p.validate(today()).is_ok());
    p.period = dates("2024-03-12", "2026-03-13");
    assert!(matches!(refuse(p), PlanError::PeriodTooLong { .. }));
    let mut p = base();
    p.period = Some(Period::LastNDays(LastNDays {
        last_n_days: u32::MAX,
    }));
    assert_eq!(refuse(p).category(), RefusalCategory::PlanOutOfBounds);
    // The calendar's ends do not overflow.
    let mut p = base();
    p.period = Some(Period::Dates(DateRange {
        from: NaiveDate::MIN,
        to: NaiveDate::MAX,
    }));
    assert_eq!(refuse(p).category(), RefusalCategory::PlanOutOfBounds);
    let mut p = base();
    p.period = Some(Period::Dates(DateRange {
        from: NaiveDate::MIN,
        to: NaiveDate::MIN,
    }));
    p.compare_with_previous = true;
    assert!(matches!(refuse(p), PlanError::PeriodTooLong { .. }));
    let mut p = base();
    p.period = dates("2026-03-08", "2026-03-02");
    assert!(matches!(refuse(p), PlanError::PeriodBackwards { .. }));

    let mut p = base();
    p.limit = Some(501);
    let e = refuse(p);
    assert!(matches!(e, PlanError::LimitOutOfRange { limit: 501 }));
    assert_eq!(e.category(), RefusalCategory::PlanOutOfBounds);
    let mut p = base();
    p.limit = Some(0);
    assert!(matches!(refuse(p), PlanError::LimitOutOfRange { .. }));

    let mut p = base();
    p.employees = Some(vec!["x".repeat(10_000)]);
    let e = refuse(p);
    assert_eq!(e.category(), RefusalCategory::PlanOutOfBounds, "{e:?}");
    assert!(!e.to_string().contains("xxxx"), "the name is not echoed");
    for names in [
        vec![],
        vec!["  ".to_owned()],
        vec!["Ada\u{0}".to_owned()],
        vec!["Ada\nDROP".to_owned()],
    ] {
        let mut p = base();
        p.teams = Some(names.clone());
        let e = refuse(p);
        assert_eq!(e.category(), RefusalCategory::InvalidPlan, "{names:?}");
    }
    let mut p = base();
    p.employees = Some(vec!["Ada".to_owned(); MAX_NAMES + 1]);
    assert_eq!(refuse(p).category(), RefusalCategory::PlanOutOfBounds);

    let mut p = base();
    p.having = Some(Having {
        op: Comparison::Gt,
        value: f64::NAN,
    });
    assert!(matches!(refuse(p), PlanError::BadHaving));

    // Fields that do not apply to the metric.
    let mut p = QueryPlan::new(Metric::OvertimeHours);
    p.period = dates("2026-02-01", "2026-02-28");
    p.work_mode = Some(WorkModeFilter::Wfh);
    assert!(matches!(refuse(p), PlanError::NotApplicable { .. }));
    let p = QueryPlan::new(Metric::OvertimeHours);
    assert!(matches!(refuse(p), PlanError::PeriodRequired { .. }));
    let mut p = QueryPlan::new(Metric::Headcount);
    p.period = dates("2026-02-01", "2026-02-28");
    assert!(matches!(refuse(p), PlanError::NotApplicable { .. }));
    let mut p = base();
    p.group_by = Some(Grouping::WorkMode);
    assert!(matches!(refuse(p), PlanError::NotApplicable { .. }));
    let mut p = base();
    p.absence_kind = Some(AbsenceKind::Sick);
    assert!(matches!(refuse(p), PlanError::NotApplicable { .. }));
    let mut p = QueryPlan::new(Metric::Sessions);
    p.unit = Some(Unit::Minutes);
    assert!(matches!(refuse(p), PlanError::NotApplicable { .. }));
    let mut p = QueryPlan::new(Metric::Sessions);
    p.compare_with_previous = true;
    assert!(matches!(refuse(p), PlanError::CompareWithoutPeriod));
}

#[test]
fn a_filter_that_resolved_to_no_one_matches_no_row() {
    let mut plan = QueryPlan::new(Metric::DaysPresent);
    plan.employees = Some(vec!["Nobody".into()]);
    let sql = plan
        .validate(today())
        .unwrap()
        .compile(&ResolvedNames::default());
    assert_eq!(
        sql,
        "SELECT count(*) AS days_present FROM qa_daily_attendance WHERE false"
    );
    assert!(guard().check(&sql).is_ok());
    // Names never reach the SQL: only the ids they resolved to.
    assert!(!sql.contains("Nobody"));
}

#[test]
fn literals_are_quoted_one_way() {
    assert_eq!(sql_literal("Ada"), "'Ada'");
    assert_eq!(sql_literal("O'Brien"), "'O''Brien'");
    assert_eq!(sql_literal("a\0b\\c"), "'ab\\c'");
    let hostile = "x'; DROP TABLE qa_teams; --";
    let sql = format!(
        "SELECT team_id FROM qa_teams WHERE team_name = {}",
        sql_literal(hostile)
    );
    let guarded = guard().check(&sql).unwrap();
    assert!(guarded.as_str().ends_with("'x''; DROP TABLE qa_teams; --'"));
}

#[test]
fn a_reply_may_be_a_bare_plan_but_not_empty() {
    let bare = PlanReply::from_json(json!({"metric": "sessions", "group_by": "team"})).unwrap();
    assert_eq!(bare.plan.unwrap().group_by, Some(Grouping::Team));
    for empty in [
        json!({"plan": null, "unsupported": null}),
        json!({"plan": null, "unsupported": "  "}),
        json!({}),
    ] {
        let e = PlanReply::from_json(empty.clone()).unwrap_err();
        assert!(matches!(e, PlanError::Malformed { .. }), "{empty}");
        assert_eq!(e.category(), RefusalCategory::InvalidPlan);
    }
    // A bare plan with a field of the wrapper is neither.
    assert!(PlanReply::from_json(json!({"metric": "sessions", "unsupported": null})).is_err());
}

#[test]
fn the_out_of_bounds_sentence_quotes_the_bounds() {
    let message = RefusalCategory::PlanOutOfBounds.message();
    assert!(
        message.contains("two years") && MAX_PERIOD_DAYS == 731,
        "{message}"
    );
    assert!(
        message.contains(&format!("{} rows", crate::store::MAX_PAGE_SIZE)),
        "{message}"
    );
    assert!(
        message.contains(&format!("{MAX_NAME_CHARS} characters")),
        "{message}"
    );
}

#[test]
fn tidy_drops_only_what_cannot_change_the_rows() {
    let today = today();
    // What a model forced to fill every field writes beside hours worked.
    let mut forced = QueryPlan::new(Metric::HoursWorked);
    forced.teams = Some(vec![]);
    forced.employees = Some(vec![]);
    forced.unit = Some(Unit::Hours);
    forced.absence_kind = Some(AbsenceKind::Vacation);
    assert!(forced.validate(today).is_err());
    let tidied = forced.clone().tidy();
    assert_eq!(tidied, QueryPlan::new(Metric::HoursWorked));
    let names = ResolvedNames::default();
    assert_eq!(
        tidied.validate(today).unwrap().compile(&names),
        QueryPlan::new(Metric::HoursWorked)
            .validate(today)
            .unwrap()
            .compile(&names)
    );

    // A unit on a count goes; minutes on a duration and the kind of an
    // absence stay.
    let mut count = QueryPlan::new(Metric::Sessions);
    count.unit = Some(Unit::Minutes);
    assert_eq!(count.tidy().unit, None);
    let mut minutes = QueryPlan::new(Metric::HoursWorked);
    minutes.unit = Some(Unit::Minutes);
    assert_eq!(minutes.tidy().unit, Some(Unit::Minutes));
    let mut sick = QueryPlan::new(Metric::AbsenceDays);
    sick.absence_kind = Some(AbsenceKind::Sick);
    assert_eq!(sick.tidy().absence_kind, Some(AbsenceKind::Sick));

    // A filter that would change the answer is still refused.
    let mut ledger = QueryPlan::new(Metric::OvertimeHours);
    ledger.period = dates("2026-02-01", "2026-02-28");
    ledger.work_mode = Some(WorkModeFilter::Wfh);
    assert!(matches!(
        ledger.tidy().validate(today),
        Err(PlanError::NotApplicable { .. })
    ));
}
