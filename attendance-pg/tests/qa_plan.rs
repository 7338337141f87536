//! Plan mode on PostgreSQL: the names of a plan are resolved among the
//! employees and teams the asker may see, read through the scoped runner,
//! so a name out of scope resolves to nothing, exactly like a name nobody
//! has, and the compiled query runs in the asker's scope like any other.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use attendance_testsupport as common;

use std::sync::Arc;

use async_trait::async_trait;
use attendance_core::access::{Member, Principal};
use attendance_core::ask::{AnswerKind, AskConfig, AskMode, AskService};
use attendance_core::llm::{ChatModel, ChatRequest, ChatResponse, LlmError, TokenUsage};
use attendance_core::service::{AttendanceService, ManualClock};
use attendance_core::{EmployeeId, NewEmployee, NewTeam, TeamId, WorkMode};
use attendance_pg::{PgSqlRunner, PgStore, qa};
use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{Value, json};

/// Answers every plan request with `plan`, and phrases with a word.
struct Planner(Value);

#[async_trait]
impl ChatModel for Planner {
    async fn chat(&self, request: ChatRequest) -> Result<ChatResponse, LlmError> {
        let text = match request.json_schema {
            Some(_) => json!({"plan": self.0, "unsupported": null}).to_string(),
            None => "Done.".to_owned(),
        };
        Ok(ChatResponse {
            text,
            finish_reason: Some("stop".into()),
            usage: TokenUsage::default(),
        })
    }
}

const NOW: &str = "2026-11-27T18:00:00Z";

/// Ops (Mirela, who also manages Dev), Dev (Dário), Sales (Samir): two
/// days of sessions each. Returns Mirela and Dário.
async fn seed(store: &PgStore) -> (Principal, EmployeeId) {
    let now: DateTime<Utc> = NOW.parse().unwrap();
    let svc =
        AttendanceService::new(Arc::new(store.clone())).with_clock(Arc::new(ManualClock::new(now)));
    let mut teams: Vec<TeamId> = Vec::new();
    for name in ["Ops", "Dev", "Sales"] {
        teams.push(
            svc.create_team(&NewTeam::new(name).unwrap())
                .await
                .unwrap()
                .id,
        );
    }
    let mut people = Vec::new();
    for (name, team) in [("Mirela", 0), ("Dário", 1), ("Samir", 2)] {
        let e = svc
            .create_employee(&NewEmployee::new(name, "Engineer", teams[team]).unwrap())
            .await
            .unwrap();
        people.push(e.id);
    }
    for day in 1..=2 {
        for id in &people {
            let start = now - TimeDelta::days(day) - TimeDelta::hours(9);
            svc.record_session(*id, WorkMode::Wfo, start, start + TimeDelta::hours(8))
                .await
                .unwrap();
        }
    }
    let mirela = Principal::Member(Member::new(people[0], teams[0], vec![teams[1]]));
    (mirela, people[1])
}

fn service(store: &PgStore, plan: Value) -> AskService {
    let config = AskConfig::default().with_mode(AskMode::Plan);
    AskService::new(
        Arc::new(Planner(plan)),
        Arc::new(PgSqlRunner::new(store.pool().clone())),
        qa::catalog(),
    )
    .with_config(config)
    .with_clock(Arc::new(ManualClock::new(NOW.parse().unwrap())))
}

#[tokio::test]
async fn a_name_out_of_scope_resolves_to_nothing() {
    common::with_store(|store| async move {
        let (mirela, dario) = seed(&store).await;
        let days = |filter: Value| {
            let mut plan = json!({"metric": "days_present"});
            plan.as_object_mut()
                .unwrap()
                .extend(filter.as_object().unwrap().clone());
            plan
        };

        // Samir is in Sales, which Mirela neither belongs to nor manages:
        // not found, as if nobody had the name; no query over the data ran.
        for (filter, question) in [
            (
                json!({"employees": ["Samir"]}),
                "How many days was Samir present?",
            ),
            (
                json!({"teams": ["Sales"]}),
                "How many days was the Sales team present?",
            ),
        ] {
            let answer = service(&store, days(filter.clone()))
                .acting_as(&mirela)
                .ask(question)
                .await
                .unwrap();
            assert_eq!(answer.kind, AnswerKind::NotFound, "{filter}");
            assert!(answer.rows.is_empty());
            assert!(answer.sql.is_empty());
            assert!(
                answer.text.contains("among those you can see"),
                "{}",
                answer.text
            );
        }

        // Dário, in the team she manages, is found whatever the accent and
        // the case, by id.
        let answer = service(&store, days(json!({"employees": ["dario"]})))
            .acting_as(&mirela)
            .ask("How many days was Dario present?")
            .await
            .unwrap();
        assert_eq!(answer.kind, AnswerKind::Rows);
        assert!(
            answer
                .sql
                .ends_with(&format!("WHERE employee_id IN ({})", dario.0)),
            "{}",
            answer.sql
        );
        assert_eq!(answer.rows, vec![vec![Value::from(2)]]);
        assert_eq!(
            answer.plan_sentence.as_deref(),
            Some("days present, for dario")
        );

        // The host itself sees Samir.
        let answer = service(&store, days(json!({"employees": ["Samir"]})))
            .acting_as(&Principal::system())
            .ask("How many days was Samir present?")
            .await
            .unwrap();
        assert_eq!(answer.kind, AnswerKind::Rows);
        assert_eq!(answer.rows, vec![vec![Value::from(2)]]);

        // Without a name, the compiled query still sees only her scope.
        let answer = service(
            &store,
            json!({"metric": "days_present", "group_by": "team"}),
        )
        .acting_as(&mirela)
        .ask("Days present per team?")
        .await
        .unwrap();
        assert_eq!(
            answer.rows,
            vec![
                vec![Value::from("Dev"), Value::from(2)],
                vec![Value::from("Ops"), Value::from(2)],
            ]
        );
    })
    .await;
}
