//! The webhook outbox below the library: the audit trail's trigger writes
//! deliveries for subscribed endpoints only, and only when the write
//! commits; its mapping of actions is core's; claims go one at a time per
//! endpoint, in event order, leased, and never twice to workers claiming
//! at once.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use attendance_testsupport as common;

use std::collections::HashSet;
use std::sync::Arc;

use attendance_core::access::Actor;
use attendance_core::audit::{AuditAction, Stamp};
use attendance_core::idempotency::{Write, Written};
use attendance_core::service::{AttendanceService, ManualClock};
use attendance_core::store::{AttendanceStore, IdCursor, PageRequest};
use attendance_core::webhooks::{
    AttemptOutcome, DeliveryFilter, DeliveryId, DeliveryState, Endpoint, EndpointState, EventType,
    MAX_DELIVERY_ERROR, NewEndpoint, WebhookOutbox, WebhookSecret, WebhookUrl,
};
use attendance_core::{Entity, Error, NewEmployee, NewTeam, WorkMode};
use attendance_pg::PgStore;
use chrono::{DateTime, TimeDelta, Utc};
use sqlx::{Connection, PgPool};

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

const NOW: &str = "2026-11-02T12:00:00Z";
const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

fn admin() -> Stamp {
    Stamp::new(
        Actor::Admin {
            name: "ops".into(),
            token: None,
        },
        at(NOW),
    )
}

fn service(store: &PgStore) -> AttendanceService {
    AttendanceService::new(Arc::new(store.clone())).with_clock(Arc::new(ManualClock::new(at(NOW))))
}

async fn register(store: &PgStore, path: &str, types: &[EventType]) -> Endpoint {
    let new = NewEndpoint::new(
        WebhookUrl::new(&format!("https://hooks.example.com/{path}")).unwrap(),
        types,
        WebhookSecret::new(SECRET).unwrap(),
    )
    .unwrap();
    match store
        .write(&admin(), &Write::RegisterWebhook(new))
        .await
        .unwrap()
    {
        Written::WebhookRegistered { endpoint, secret } => {
            assert_eq!(secret.expose(), SECRET);
            endpoint
        }
        other => panic!("registering wrote {other:?}"),
    }
}

/// (endpoint, event type) of every delivery, by id.
async fn deliveries(pool: &PgPool) -> Vec<(i64, String)> {
    sqlx::query_as("SELECT endpoint_id, event_type FROM attendance.webhook_deliveries ORDER BY id")
        .fetch_all(pool)
        .await
        .unwrap()
}

/// One delivery per subscribed endpoint per event; none for a write that
/// failed or rolled back, none for what happened before an endpoint was
/// registered, none for entries that are no event.
#[tokio::test]
async fn deliveries_follow_subscriptions_and_committed_writes() {
    common::with_store(|store| async move {
        let pool = store.pool().clone();
        let svc = service(&store);
        let team = svc
            .create_team(&NewTeam::new("Early").unwrap())
            .await
            .unwrap();
        assert!(
            deliveries(&pool).await.is_empty(),
            "no endpoint, no delivery"
        );

        let clocks = register(&store, "clocks", &[EventType::ClockedIn]).await;
        let people = register(
            &store,
            "people",
            &[EventType::ClockedIn, EventType::EmployeeCreated],
        )
        .await;
        let ada = svc
            .create_employee(&NewEmployee::new("Ada", "Engineer", team.id).unwrap())
            .await
            .unwrap();
        svc.clock_in(ada.id, WorkMode::Wfo, Some(at("2026-11-02T08:00:00Z")))
            .await
            .unwrap();
        let twice = svc
            .clock_in(ada.id, WorkMode::Wfo, Some(at("2026-11-02T09:00:00Z")))
            .await;
        assert!(twice.is_err());
        svc.clock_out(ada.id, Some(at("2026-11-02T10:00:00Z")))
            .await
            .unwrap();

        // An entry written and rolled back leaves no delivery behind.
        let mut conn = sqlx::PgConnection::connect_with(&pool.connect_options())
            .await
            .unwrap();
        let mut tx = conn.begin().await.unwrap();
        let inserted = sqlx::query(
            "INSERT INTO attendance.audit_log (at, actor_kind, action, employee_id) \
             VALUES (now(), 'system', 'clock_in', $1)",
        )
        .bind(ada.id.0)
        .execute(&mut *tx)
        .await
        .unwrap();
        assert_eq!(inserted.rows_affected(), 1);
        let inside: i64 = sqlx::query_scalar("SELECT count(*) FROM attendance.webhook_deliveries")
            .fetch_one(&mut *tx)
            .await
            .unwrap();
        assert_eq!(inside, 3 + 2, "written in the same transaction");
        tx.rollback().await.unwrap();

        assert_eq!(
            deliveries(&pool).await,
            vec![
                (people.id.0, "employee.created".to_owned()),
                (clocks.id.0, "session.clocked_in".to_owned()),
                (people.id.0, "session.clocked_in".to_owned()),
            ]
        );
        // The webhook's own entries (registration) are no events.
        let registered: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM attendance.audit_log WHERE action = 'webhook_registered'",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        assert_eq!(registered, 2);
    })
    .await;
}

/// The trigger's mapping of actions to event types is `EventType::of`.
#[tokio::test]
async fn the_sql_mapping_of_events_is_core_s() {
    common::with_store(|store| async move {
        for action in AuditAction::ALL {
            let sql: Option<String> = sqlx::query_scalar("SELECT attendance.event_type_of($1)")
                .bind(action.as_str())
                .fetch_one(store.pool())
                .await
                .unwrap();
            assert_eq!(
                sql.as_deref(),
                EventType::of(action).map(EventType::as_str),
                "{action:?}"
            );
        }
    })
    .await;
}

/// Makes `n` clock-in events (each its own employee).
async fn events(store: &PgStore, n: usize) {
    let svc = service(store);
    let team = svc
        .create_team(&NewTeam::new("Busy").unwrap())
        .await
        .unwrap();
    for i in 0..n {
        let e = svc
            .create_employee(&NewEmployee::new(&format!("E{i}"), "Engineer", team.id).unwrap())
            .await
            .unwrap();
        svc.clock_in(e.id, WorkMode::Wfo, Some(at("2026-11-02T08:00:00Z")))
            .await
            .unwrap();
    }
}

/// Per endpoint one at a time in event order, leased, retried when due,
/// given up for good, and sent again on a redelivery.
#[tokio::test]
async fn claims_go_in_event_order_one_per_endpoint_leased() {
    common::with_store(|store| async move {
        let one = register(&store, "one", &[EventType::ClockedIn]).await;
        let two = register(&store, "two", &[EventType::ClockedIn]).await;
        events(&store, 3).await;
        let now = at(NOW);
        let lease = now + TimeDelta::minutes(1);

        let first = store.claim_due(now, lease, 10).await.unwrap();
        let heads: Vec<_> = first.iter().map(|d| (d.endpoint_id, d.attempt)).collect();
        assert_eq!(heads, vec![(one.id, 1), (two.id, 1)]);
        assert_eq!(first[0].event.id, first[1].event.id, "the same first event");
        assert!(
            store.claim_due(now, lease, 10).await.unwrap().is_empty(),
            "both heads are leased"
        );
        // The lease ends without a report: claimed again, as attempt two.
        let after = lease + TimeDelta::seconds(1);
        let again = store
            .claim_due(after, after + TimeDelta::minutes(1), 1)
            .await
            .unwrap();
        assert_eq!(again.len(), 1, "limited");
        assert_eq!((again[0].id, again[0].attempt), (first[0].id, 2));
        assert_eq!(again[0].first_attempt_at, now);

        store
            .record_attempt(
                again[0].id,
                &AttemptOutcome::Delivered { status: 204 },
                after,
            )
            .await
            .unwrap();
        let mut next = store
            .claim_due(after, after + TimeDelta::minutes(1), 10)
            .await
            .unwrap();
        next.sort_by_key(|d| d.endpoint_id);
        // One's second event; two's first, whose lease ended unreported.
        let by_endpoint: Vec<_> = next.iter().map(|d| (d.endpoint_id, d.attempt)).collect();
        assert_eq!(by_endpoint, vec![(one.id, 1), (two.id, 2)]);
        assert!(
            next[0].event.id > first[0].event.id,
            "the next event of one"
        );
        assert_eq!(next[1].id, first[1].id);

        // Failing with a retry keeps the delivery at the head until due.
        let long_error = "x".repeat(MAX_DELIVERY_ERROR + 50);
        let retry_at = after + TimeDelta::minutes(10);
        store
            .record_attempt(
                next[1].id,
                &AttemptOutcome::Failed {
                    status: Some(503),
                    error: long_error,
                    retry_at: Some(retry_at),
                },
                after,
            )
            .await
            .unwrap();
        let soon = after + TimeDelta::minutes(5);
        let claimed = store
            .claim_due(soon, soon + TimeDelta::minutes(1), 10)
            .await
            .unwrap();
        assert!(
            claimed.iter().all(|d| d.endpoint_id != two.id),
            "two waits for its retry: {claimed:?}"
        );
        let log = store
            .webhook_deliveries(
                two.id,
                &DeliveryFilter {
                    state: Some(DeliveryState::Pending),
                },
                &PageRequest::<IdCursor>::new(None, None).unwrap(),
            )
            .await
            .unwrap();
        let failed = log.items.iter().find(|d| d.id == next[1].id).unwrap();
        assert_eq!(failed.last_status, Some(503));
        assert_eq!(
            failed.last_error.as_ref().map(|e| e.chars().count()),
            Some(MAX_DELIVERY_ERROR)
        );
        assert_eq!(failed.next_attempt_at, Some(retry_at));

        // Giving up marks the endpoint failing: nothing goes out.
        let due = store
            .claim_due(retry_at, retry_at + TimeDelta::minutes(1), 10)
            .await
            .unwrap();
        let twos = due.iter().find(|d| d.endpoint_id == two.id).unwrap();
        assert_eq!(twos.attempt, 3);
        store
            .record_attempt(
                twos.id,
                &AttemptOutcome::Failed {
                    status: None,
                    error: "connection refused".into(),
                    retry_at: None,
                },
                retry_at,
            )
            .await
            .unwrap();
        let endpoint = store.webhook_endpoint(two.id).await.unwrap();
        assert_eq!(endpoint.state, EndpointState::Failing);
        assert_eq!(endpoint.failing_since, Some(retry_at));
        let far = retry_at + TimeDelta::days(1);
        let claimed = store
            .claim_due(far, far + TimeDelta::minutes(1), 10)
            .await
            .unwrap();
        assert!(claimed.iter().all(|d| d.endpoint_id != two.id));

        let redeliver = Write::RedeliverWebhook {
            endpoint: two.id,
            delivery: None,
        };
        let Written::Webhook(revived) = store.write(&admin(), &redeliver).await.unwrap() else {
            panic!("not an endpoint")
        };
        assert_eq!(revived.state, EndpointState::Active);
        let resent = store
            .claim_due(far, far + TimeDelta::minutes(1), 10)
            .await
            .unwrap();
        let twos = resent.iter().find(|d| d.endpoint_id == two.id).unwrap();
        assert_eq!((twos.id, twos.attempt), (next[1].id, 1));

        // A delivery not of the endpoint, an unknown delivery or endpoint.
        let wrong = Write::RedeliverWebhook {
            endpoint: one.id,
            delivery: Some(twos.id),
        };
        match store.write(&admin(), &wrong).await {
            Err(Error::NotFound { entity, .. }) => assert_eq!(entity, Entity::Delivery),
            other => panic!("expected not found, got {other:?}"),
        }
        match store
            .record_attempt(
                DeliveryId(9_999),
                &AttemptOutcome::Delivered { status: 200 },
                far,
            )
            .await
        {
            Err(Error::NotFound { entity, .. }) => assert_eq!(entity, Entity::Delivery),
            other => panic!("expected not found, got {other:?}"),
        }
        let removed = store
            .write(&admin(), &Write::RemoveWebhook(two.id))
            .await
            .unwrap();
        assert_eq!(removed, Written::Webhook(revived));
        let left: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM attendance.webhook_deliveries WHERE endpoint_id = $1",
        )
        .bind(two.id.0)
        .fetch_one(store.pool())
        .await
        .unwrap();
        assert_eq!(left, 0, "the log goes with the endpoint");
        assert_eq!(store.webhook_endpoints().await.unwrap(), vec![one]);
    })
    .await;
}

/// Workers claiming at once never get the same delivery, and together
/// get every endpoint's head once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_claims_never_share_a_delivery() {
    common::with_store(|store| async move {
        let mut endpoints = Vec::new();
        for i in 0..12 {
            endpoints.push(
                register(&store, &format!("e{i}"), &[EventType::ClockedIn])
                    .await
                    .id,
            );
        }
        events(&store, 2).await;
        let now = at(NOW);
        let workers: Vec<_> = (0..6)
            .map(|_| {
                let store = store.clone();
                tokio::spawn(async move {
                    store
                        .claim_due(now, now + TimeDelta::minutes(1), 3)
                        .await
                        .unwrap()
                })
            })
            .collect();
        let mut seen = HashSet::new();
        let mut heads = HashSet::new();
        for worker in workers {
            for due in worker.await.unwrap() {
                assert!(seen.insert(due.id), "claimed twice: {:?}", due.id);
                assert!(heads.insert(due.endpoint_id), "two of one endpoint at once");
            }
        }
        // Whatever the first round left, the next takes; never the
        // endpoints' second events while their first are leased.
        let rest = store
            .claim_due(now, now + TimeDelta::minutes(1), 100)
            .await
            .unwrap();
        for due in rest {
            assert!(seen.insert(due.id));
            assert!(heads.insert(due.endpoint_id));
        }
        assert_eq!(heads.len(), endpoints.len());
    })
    .await;
}
