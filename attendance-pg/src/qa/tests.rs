use super::*;

#[test]
fn long_values_are_cut_and_marked() {
    let long = Value::String("é".repeat(12));
    assert_eq!(
        cap_value(long, 10),
        Value::String(format!("{}…", "é".repeat(10)))
    );
    let exact = Value::String("x".repeat(10));
    assert_eq!(cap_value(exact.clone(), 10), exact);
    let array = serde_json::json!(["aaaa", "bbbb", "cccc"]);
    assert_eq!(
        cap_value(array.clone(), 10),
        Value::String("[\"aaaa\",\"b…".to_owned())
    );
    assert_eq!(cap_value(array.clone(), 100), array);
    assert_eq!(cap_value(Value::from(12345), 2), Value::from(12345));
}

#[test]
fn rows_keep_column_order_and_duplicates() {
    let OrderedRow(pairs) = serde_json::from_str(r#"{"z": 1, "a": "x", "z": null}"#).unwrap();
    let keys: Vec<&str> = pairs.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(keys, vec!["z", "a", "z"]);
    assert_eq!(pairs[2].1, Value::Null);
}

#[tokio::test]
async fn only_plain_role_names_are_accepted() {
    let pool = sqlx::postgres::PgPoolOptions::new()
        .connect_lazy("postgres://localhost/x")
        .unwrap();
    let runner = PgSqlRunner::new(pool);
    assert!(runner.clone().with_role("attendance_qa").is_ok());
    for bad in ["", "Admin", "qa; DROP ROLE x", "1qa", "a-b"] {
        assert!(runner.clone().with_role(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn the_catalog_names_the_five_views() {
    let names: Vec<&str> = catalog().relations.iter().map(|r| r.name).collect();
    assert_eq!(
        names,
        vec![
            "qa_teams",
            "qa_employees",
            "qa_sessions",
            "qa_daily_attendance",
            "qa_ledger_days"
        ]
    );
    // Every dev question with a query, and none of the test split.
    let dev = QUESTIONS_JSONL
        .lines()
        .filter(|l| l.contains(r#""split": "dev""#) && !l.contains(r#""sql": null"#))
        .count();
    assert!(dev >= 30, "{dev}");
    assert_eq!(catalog().examples.len(), dev);
}

#[test]
fn plan_examples_are_plans() {
    // Every `plan` field of the question set reads as a plan, and every
    // dev line is an example: its plan, or `unsupported`.
    let mut dev = 0;
    let mut dev_plans = 0;
    for line in QUESTIONS_JSONL.lines() {
        let line: Value = serde_json::from_str(line).unwrap();
        let has_plan = match line.get("plan") {
            None | Some(Value::Null) => false,
            Some(plan) => {
                serde_json::from_value::<attendance_core::ask::QueryPlan>(plan.clone())
                    .unwrap_or_else(|e| panic!("{}: {e}", line["id"]));
                true
            }
        };
        if line["split"] == "dev" {
            dev += 1;
            dev_plans += usize::from(has_plan);
        }
    }
    let examples = plan_examples();
    assert_eq!(examples.len(), dev);
    assert_eq!(
        examples.iter().filter(|e| e.reply.plan.is_some()).count(),
        dev_plans
    );
    // No test question can reach a prompt.
    let tests: Vec<String> = QUESTIONS_JSONL
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|l| l["split"] == "test")
        .filter_map(|l| l["question"].as_str().map(str::to_owned))
        .collect();
    assert!(plan_examples().iter().all(|e| !tests.contains(&e.question)));
}

#[test]
fn the_workers_temp_file_limit_is_the_runners() {
    let migration = include_str!("../../migrations/0019_qa_citus_limits.sql");
    assert!(
        migration.contains(&format!("SET temp_file_limit = '{TEMP_FILE_LIMIT}'")),
        "0019_qa_citus_limits.sql sets another limit than {TEMP_FILE_LIMIT}"
    );
}
