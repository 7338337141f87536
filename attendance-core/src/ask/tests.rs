//! Unit tests of the question-answering service.

use std::sync::Mutex;

use super::*;
use crate::clock::ManualClock;
use crate::llm::{ChatRequest, ChatResponse, MockChatModel};

fn catalog() -> Catalog {
    Catalog {
        relations: vec![RelationDoc {
            name: "qa_sessions",
            description: "one row per session",
            columns: vec![ColumnDoc {
                name: "employee_name",
                sql_type: "text",
                meaning: "who",
            }],
        }],
        examples: vec![("Who?", "SELECT employee_name FROM qa_sessions")],
    }
}

/// A model that plays back `answers` in order and records the requests.
fn scripted(
    answers: Vec<Result<&'static str, LlmError>>,
) -> (Arc<dyn ChatModel>, Arc<Mutex<Vec<ChatRequest>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let mut answers = answers.into_iter();
    let mut model = MockChatModel::new();
    model.expect_chat().returning(move |request| {
        log.lock().unwrap().push(request);
        let next = answers
            .next()
            .expect("the model was asked more often than scripted");
        next.map(|text| ChatResponse {
            text: text.to_owned(),
            finish_reason: Some("stop".into()),
            usage: TokenUsage {
                prompt_tokens: 10,
                completion_tokens: 5,
                total_tokens: 15,
            },
        })
    });
    model.expect_describe().returning(|| "scripted".into());
    model.expect_runs_locally().returning(|| false);
    (Arc::new(model), seen)
}

fn rows() -> QueryRows {
    QueryRows {
        columns: vec!["employee_name".into(), "days".into()],
        rows: vec![vec![Value::from("Ada"), Value::from(4)]],
        truncated: false,
    }
}

fn service(model: Arc<dyn ChatModel>, runner: MockSqlRunner) -> AskService {
    AskService::new(model, Arc::new(runner), catalog()).with_clock(Arc::new(ManualClock::new(
        "2026-11-27T10:00:00Z".parse().unwrap(),
    )))
}

#[tokio::test]
async fn a_question_becomes_a_guarded_query_and_a_phrased_answer() {
    let (model, seen) = scripted(vec![
        Ok(
            r#"{"sql": "SELECT employee_name, count(*) AS days FROM qa_sessions GROUP BY 1;", "refusal": null}"#,
        ),
        Ok("Ada worked from home most: 4 days."),
    ]);
    let mut runner = MockSqlRunner::new();
    runner
        .expect_run()
        .times(1)
        .withf(|sql, context| !sql.as_str().contains(';') && context.timezone == Tz::UTC)
        .returning(|_, _| Ok(rows()));
    let answer = service(model, runner)
        .acting_as(&Principal::system())
        .ask("  Who worked from home most? ")
        .await
        .unwrap();
    assert_eq!(answer.text, "Ada worked from home most: 4 days.");
    assert_eq!(answer.phrased_by, PhrasedBy::Llm);
    assert_eq!(answer.attempts, 1);
    assert_eq!(answer.columns, vec!["employee_name", "days"]);
    assert_eq!(answer.rows, vec![vec![Value::from("Ada"), Value::from(4)]]);
    assert!(answer.sql.starts_with("SELECT employee_name, count(*)"));
    assert_eq!(answer.usage.total_tokens, 30);
    let requests = seen.lock().unwrap();
    let prompt = &requests[0].messages[0].content;
    assert!(prompt.contains("Today is 2026-11-27 (Friday), timezone UTC"));
    assert!(prompt.contains("qa_sessions — one row per session"));
    assert!(prompt.contains("employee_name text: who"));
    assert_eq!(
        requests[0].messages[1].content,
        "Who worked from home most?"
    );
    assert!(requests[0].json_schema.is_some());
    assert!(requests[1].messages[1].content.contains("\"Ada\""));
}

#[tokio::test]
async fn a_refused_query_is_repaired() {
    let (model, seen) = scripted(vec![
        Ok(r#"{"sql": "DELETE FROM qa_sessions"}"#),
        Ok("```json\n{\"sql\": \"SELECT employee_name, 4 AS days FROM qa_sessions\"}\n```"),
        Ok("Ada."),
    ]);
    let mut runner = MockSqlRunner::new();
    runner.expect_run().times(1).returning(|_, _| Ok(rows()));
    let answer = service(model, runner)
        .acting_as(&Principal::system())
        .ask("Who?")
        .await
        .unwrap();
    assert_eq!(answer.attempts, 2);
    let requests = seen.lock().unwrap();
    let repair = &requests[1].messages.last().unwrap().content;
    assert!(
        repair.contains("statements other than SELECT are not allowed"),
        "{repair}"
    );
}

#[tokio::test]
async fn database_errors_go_back_to_the_model_then_give_up() {
    let (model, seen) = scripted(vec![
        Ok(r#"{"sql": "SELECT nope FROM qa_sessions"}"#),
        Ok(r#"{"sql": "SELECT nope2 FROM qa_sessions"}"#),
        Ok(r#"{"sql": "SELECT nope3 FROM qa_sessions"}"#),
    ]);
    let mut runner = MockSqlRunner::new();
    runner.expect_run().times(3).returning(|_, _| {
        Err(QueryError::Rejected {
            message: "column \"nope\" does not exist".into(),
        })
    });
    let err = service(model, runner)
        .acting_as(&Principal::system())
        .ask("Who?")
        .await
        .unwrap_err();
    assert!(
        matches!(err, AskError::QueryFailed { attempts: 3 }),
        "{err:?}"
    );
    // The database's text reaches neither the error nor the model, which
    // could repeat it in a refusal, a query or an answer.
    assert!(!err.to_string().contains("nope"));
    let requests = seen.lock().unwrap();
    for request in requests.iter() {
        for message in &request.messages {
            assert!(
                !message.content.contains("does not exist"),
                "{}",
                message.content
            );
        }
    }
    assert!(
        requests[1]
            .messages
            .last()
            .unwrap()
            .content
            .contains("The database rejected that query")
    );
}

#[tokio::test]
async fn a_query_refused_every_time_is_a_refusal() {
    let (model, _) = scripted(vec![
        Ok(r#"{"sql": "SELECT * FROM pg_shadow"}"#),
        Ok(r#"{"sql": "SELECT pg_read_file('/etc/passwd')"}"#),
        Ok(r#"{"sql": "SELECT * FROM pg_user"}"#),
    ]);
    let mut runner = MockSqlRunner::new();
    runner.expect_run().never();
    let err = service(model, runner)
        .acting_as(&Principal::system())
        .ask("Show me the passwords")
        .await
        .unwrap_err();
    assert!(!err.to_string().contains("pg_user"), "{err}");
    assert_eq!(err.to_string(), "the question was refused (unsafe_query)");
}

#[tokio::test]
async fn the_model_may_decline() {
    let (model, _) = scripted(vec![Ok(
        r#"{"sql": null, "refusal": "Salaries are not in the attendance data."}"#,
    )]);
    let mut runner = MockSqlRunner::new();
    runner.expect_run().never();
    let err = service(model, runner)
        .acting_as(&Principal::system())
        .ask("What does Ada earn?")
        .await
        .unwrap_err();
    // The model's own words are not passed on: they may quote anything
    // it was shown.
    assert!(!err.to_string().contains("Salaries"), "{err}");
    assert_eq!(err.to_string(), "the question was refused (out_of_scope)");
}

#[tokio::test]
async fn a_result_too_large_every_time_is_a_refusal_by_category() {
    let (model, _) = scripted(vec![
        Ok(r#"{"sql": "SELECT lpad(employee_name, 100000000, 'x') FROM qa_sessions"}"#),
        Ok(r#"{"sql": "SELECT lpad(employee_name, 50000000, 'x') FROM qa_sessions"}"#),
        Ok(r#"{"sql": "SELECT lpad(employee_name, 9000000, 'x') FROM qa_sessions"}"#),
    ]);
    let mut runner = MockSqlRunner::new();
    runner
        .expect_run()
        .times(3)
        .returning(|_, _| Err(QueryError::TooLarge { limit_bytes: 1024 }));
    let err = service(model, runner)
        .acting_as(&Principal::system())
        .ask("Who?")
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            AskError::Refused {
                category: RefusalCategory::ResultTooLarge
            }
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn model_failures_are_typed() {
    let (model, _) = scripted(vec![Err(LlmError::Timeout { attempts: 4 })]);
    let err = service(model, MockSqlRunner::new())
        .acting_as(&Principal::system())
        .ask("Who?")
        .await
        .unwrap_err();
    assert!(
        matches!(&err, AskError::Llm(e) if e.is_timeout()),
        "{err:?}"
    );
}

#[tokio::test]
async fn an_unreachable_database_stops_at_once() {
    let (model, _) = scripted(vec![Ok(r#"{"sql": "SELECT 1 FROM qa_sessions"}"#)]);
    let mut runner = MockSqlRunner::new();
    runner.expect_run().times(1).returning(|_, _| {
        Err(QueryError::Unavailable {
            source: "connection refused".into(),
        })
    });
    let err = service(model, runner)
        .acting_as(&Principal::system())
        .ask("Who?")
        .await
        .unwrap_err();
    assert!(matches!(err, AskError::Unavailable { .. }));
}

#[tokio::test]
async fn when_phrasing_fails_the_rows_still_come_back() {
    let (model, _) = scripted(vec![
        Ok(r#"{"sql": "SELECT employee_name FROM qa_sessions"}"#),
        Err(LlmError::Server {
            status: 500,
            attempts: 4,
        }),
    ]);
    let mut runner = MockSqlRunner::new();
    runner.expect_run().times(1).returning(|_, _| Ok(rows()));
    let answer = service(model, runner)
        .acting_as(&Principal::system())
        .ask("Who?")
        .await
        .unwrap();
    assert_eq!(answer.text, "1 row matched (employee_name, days): Ada, 4.");
    assert_eq!(answer.phrased_by, PhrasedBy::Template);
    assert_eq!(answer.rows.len(), 1);
}

#[tokio::test]
async fn a_phrasing_that_states_what_the_rows_lack_is_replaced_by_the_rows() {
    for lie in [
        // Numbers and names found nowhere in the rows.
        "Ada worked from home on 7 days, more than Zed.",
        // What SmolLM2-135M wrote for "List the teams": ids and roles.
        r#"{"team_id": 3, "role": "Manager", "ids": [1, 2]}"#,
        "The SQL query returned the employee_name column.",
        "   ",
    ] {
        let (model, _) = scripted(vec![
            Ok(r#"{"sql": "SELECT employee_name, 4 AS days FROM qa_sessions"}"#),
            Ok(lie),
        ]);
        let mut runner = MockSqlRunner::new();
        runner.expect_run().times(1).returning(|_, _| Ok(rows()));
        let answer = service(model, runner)
            .acting_as(&Principal::system())
            .ask("Who?")
            .await
            .unwrap();
        assert_eq!(answer.phrased_by, PhrasedBy::Template, "{lie}");
        assert_eq!(
            answer.text, "1 row matched (employee_name, days): Ada, 4.",
            "{lie}"
        );
        // The tokens of the rejected phrasing were spent all the same.
        assert_eq!(answer.usage.total_tokens, 30);
    }
}

#[tokio::test]
async fn a_phrasing_may_use_the_rows_their_count_and_the_question() {
    let (model, _) = scripted(vec![
        Ok(r#"{"sql": "SELECT employee_name, 4 AS days FROM qa_sessions"}"#),
        Ok("Since 2026-11-02, Ada worked from home most: 4 days (1 person in the list)."),
    ]);
    let mut runner = MockSqlRunner::new();
    runner.expect_run().times(1).returning(|_, _| Ok(rows()));
    let answer = service(model, runner)
        .acting_as(&Principal::system())
        .ask("Who worked from home most since 2026-11-02?")
        .await
        .unwrap();
    assert_eq!(answer.phrased_by, PhrasedBy::Llm);
    assert!(answer.text.starts_with("Since 2026-11-02, Ada"));
}

#[tokio::test]
async fn an_empty_result_is_said_plainly_without_asking_the_model() {
    // Only the SQL turn is scripted: phrasing an empty result would ask
    // the model a second time and fail the test.
    let (model, seen) = scripted(vec![Ok(
        r#"{"sql": "SELECT employee_name FROM qa_sessions WHERE employee_name = 'Nobody'"}"#,
    )]);
    let mut runner = MockSqlRunner::new();
    runner.expect_run().times(1).returning(|_, _| {
        Ok(QueryRows {
            columns: vec!["employee_name".into()],
            rows: vec![],
            truncated: false,
        })
    });
    let answer = service(model, runner)
        .acting_as(&Principal::system())
        .ask("List the teams")
        .await
        .unwrap();
    assert_eq!(answer.text, "No rows matched the question.");
    assert_eq!(answer.phrased_by, PhrasedBy::Template);
    assert_eq!(seen.lock().unwrap().len(), 1);
}

#[test]
fn the_rendering_writes_out_the_first_rows_and_counts_the_rest() {
    let many = QueryRows {
        columns: vec!["employee_name".into(), "clock_in".into()],
        rows: (0..12)
            .map(|i| vec![Value::from(format!("E{i}")), Value::Null])
            .collect(),
        truncated: true,
    };
    let text = render_rows(&many);
    assert!(
        text.starts_with("12 rows matched (employee_name, clock_in): E0, none; E1, none;"),
        "{text}"
    );
    assert!(text.contains("E9, none; and 2 more."), "{text}");
    assert!(text.ends_with("The list is partial: the server returns only the first rows."));
}

#[tokio::test]
async fn sql_that_does_not_parse_is_an_invalid_query_without_the_parsers_words() {
    let bad = r#"{"sql": "SELECT employee_name FROM qa_sessions WHERE order by employee_name"}"#;
    let (model, seen) = scripted(vec![Ok(bad), Ok(bad), Ok(bad)]);
    let mut runner = MockSqlRunner::new();
    runner.expect_run().never();
    let err = service(model, runner)
        .acting_as(&Principal::system())
        .ask("Who?")
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            AskError::Refused {
                category: RefusalCategory::InvalidQuery
            }
        ),
        "{err:?}"
    );
    assert_eq!(err.to_string(), "the question was refused (invalid_query)");
    // The model was told what the parser said, to repair its query.
    let requests = seen.lock().unwrap();
    let repair = &requests[1].messages.last().unwrap().content;
    assert!(repair.contains("could not be parsed"), "{repair}");
}

#[tokio::test]
async fn bad_questions_are_rejected_before_the_model() {
    let (model, seen) = scripted(vec![]);
    let svc = service(model, MockSqlRunner::new());
    for q in ["", "   ", &"x".repeat(501), "who\u{0}", "who\rwhat"] {
        let err = svc
            .acting_as(&Principal::system())
            .ask(q)
            .await
            .unwrap_err();
        assert!(matches!(err, AskError::InvalidQuestion { .. }), "{q:?}");
    }
    assert!(seen.lock().unwrap().is_empty());
}

#[tokio::test]
async fn the_configured_timezone_is_the_prompts_and_the_querys() {
    let (model, seen) = scripted(vec![
        Ok(r#"{"sql": "SELECT employee_name FROM qa_sessions"}"#),
        Ok("Ada."),
    ]);
    let mut runner = MockSqlRunner::new();
    runner
        .expect_run()
        .times(1)
        .withf(|_, context| context.timezone == chrono_tz::Pacific::Auckland)
        .returning(|_, _| Ok(rows()));
    let config = AskConfig {
        timezone: chrono_tz::Pacific::Auckland,
        ..AskConfig::default()
    };
    service(model, runner)
        .with_config(config)
        .acting_as(&Principal::system())
        .ask("Who?")
        .await
        .unwrap();
    // 10:00 UTC on 27 November is 23:00 on the same day in Auckland.
    let prompt = &seen.lock().unwrap()[0].messages[0].content;
    assert!(
        prompt.contains("Today is 2026-11-27 (Friday), timezone Pacific/Auckland"),
        "{prompt}"
    );
}

#[tokio::test]
async fn a_question_may_span_lines() {
    let (model, seen) = scripted(vec![
        Ok(r#"{"sql": "SELECT employee_name FROM qa_sessions"}"#),
        Ok("Ada."),
    ]);
    let mut runner = MockSqlRunner::new();
    runner.expect_run().times(1).returning(|_, _| Ok(rows()));
    service(model, runner)
        .acting_as(&Principal::system())
        .ask("\nWho was in\non Monday?\n")
        .await
        .unwrap();
    assert_eq!(
        seen.lock().unwrap()[0].messages[1].content,
        "Who was in\non Monday?"
    );
}

#[tokio::test]
async fn extra_functions_may_be_allowed() {
    let (model, _) = scripted(vec![
        Ok(r#"{"sql": "SELECT md5(employee_name) FROM qa_sessions"}"#),
        Ok("Hashed."),
    ]);
    let mut runner = MockSqlRunner::new();
    runner.expect_run().times(1).returning(|_, _| Ok(rows()));
    let answer = service(model, runner)
        .allow_functions(["md5"])
        .acting_as(&Principal::system())
        .ask("Who?")
        .await
        .unwrap();
    assert_eq!(answer.attempts, 1);
    let (model, _) = scripted(vec![
        Ok(r#"{"sql": "SELECT md5(employee_name) FROM qa_sessions"}"#),
        Ok(r#"{"sql": "SELECT md5(employee_name) FROM qa_sessions"}"#),
        Ok(r#"{"sql": "SELECT md5(employee_name) FROM qa_sessions"}"#),
    ]);
    let err = service(model, MockSqlRunner::new())
        .acting_as(&Principal::system())
        .ask("Who?")
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "the question was refused (unsafe_query)");
}

#[tokio::test]
async fn garbage_from_the_model_is_retried_then_fails() {
    let (model, _) = scripted(vec![Ok("I think Ada"), Ok("{}"), Ok("still no JSON")]);
    let err = service(model, MockSqlRunner::new())
        .acting_as(&Principal::system())
        .ask("Who?")
        .await
        .unwrap_err();
    assert!(
        matches!(err, AskError::QueryFailed { attempts: 3 }),
        "{err:?}"
    );
}

#[tokio::test]
async fn the_query_runs_in_the_scope_of_whoever_asks() {
    use crate::access::Member;
    use crate::domain::{EmployeeId, TeamId};

    let boss = Principal::Member(Member::new(EmployeeId(7), TeamId(1), vec![TeamId(3)]));
    for (principal, scope) in [
        (
            boss.clone(),
            Scope::Member {
                employee: EmployeeId(7),
                teams: vec![TeamId(3)],
            },
        ),
        (Principal::system(), Scope::All),
    ] {
        let (model, _) = scripted(vec![
            Ok(r#"{"sql": "SELECT employee_name FROM qa_sessions"}"#),
            Ok("Ada."),
        ]);
        let mut runner = MockSqlRunner::new();
        let expected = scope.clone();
        runner
            .expect_run()
            .times(1)
            .withf(move |_, context| context.scope == expected)
            .returning(|_, _| Ok(rows()));
        service(model, runner)
            .acting_as(&principal)
            .ask("Who?")
            .await
            .unwrap_or_else(|e| panic!("{scope:?}: {e}"));
    }
}

#[tokio::test]
async fn a_phrasing_cut_at_its_token_limit_is_replaced_by_the_rows() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let mut replies = vec![
        (
            r#"{"sql": "SELECT employee_name FROM qa_sessions"}"#,
            "stop",
        ),
        ("Ada worked 4 days, which is", "length"),
    ]
    .into_iter();
    let mut model = MockChatModel::new();
    model.expect_chat().returning(move |request| {
        log.lock().unwrap().push(request);
        let (text, finish) = replies.next().expect("asked twice at most");
        Ok(ChatResponse {
            text: text.to_owned(),
            finish_reason: Some(finish.to_owned()),
            usage: TokenUsage::default(),
        })
    });
    model.expect_describe().returning(|| "scripted".into());
    model.expect_runs_locally().returning(|| false);
    let mut runner = MockSqlRunner::new();
    runner.expect_run().times(1).returning(|_, _| Ok(rows()));
    let answer = service(Arc::new(model), runner)
        .acting_as(&Principal::system())
        .ask("Who?")
        .await
        .unwrap();
    assert_eq!(answer.phrased_by, PhrasedBy::Template);
    assert_eq!(answer.text, "1 row matched (employee_name, days): Ada, 4.");
    let requests = seen.lock().unwrap();
    assert_eq!(requests[1].max_tokens, Some(prompt::ANSWER_MAX_TOKENS));
}

#[tokio::test]
async fn a_model_on_the_hosts_machine_is_not_asked_to_phrase_unless_configured() {
    for (local, configured, asked) in [
        (true, None, 1),
        (true, Some(true), 2),
        (false, None, 2),
        (false, Some(false), 1),
    ] {
        let seen = Arc::new(Mutex::new(0));
        let count = seen.clone();
        let mut model = MockChatModel::new();
        model.expect_chat().returning(move |_| {
            *count.lock().unwrap() += 1;
            Ok(ChatResponse {
                text: r#"{"sql": "SELECT employee_name FROM qa_sessions"}"#.to_owned(),
                finish_reason: Some("stop".into()),
                usage: TokenUsage::default(),
            })
        });
        model.expect_describe().returning(|| "scripted".into());
        model.expect_runs_locally().returning(move || local);
        let mut runner = MockSqlRunner::new();
        runner.expect_run().times(1).returning(|_, _| Ok(rows()));
        let config = AskConfig {
            model_phrasing: configured,
            ..AskConfig::default()
        };
        let answer = service(Arc::new(model), runner)
            .with_config(config)
            .acting_as(&Principal::system())
            .ask("Who?")
            .await
            .unwrap();
        assert_eq!(*seen.lock().unwrap(), asked, "{local} {configured:?}");
        if asked == 1 {
            assert_eq!(answer.phrased_by, PhrasedBy::Template);
            assert_eq!(answer.text, "1 row matched (employee_name, days): Ada, 4.");
        }
    }
}
