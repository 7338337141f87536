//! The webhook outbox and timesheets.

use super::*;
use crate::access::Scope;
use crate::audit::AuditFilter;
use crate::export::TimesheetQuery;
use crate::webhooks::{
    AttemptOutcome, DeliveryFilter, DeliveryState, EndpointState, EventId, EventType,
};
use crate::worktime::LedgerPeriod;

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// Each event becomes one delivery per endpoint subscribed to its type,
/// carrying its audit entry; per endpoint the oldest pending one goes
/// first and blocks the next; a claim is leased; a failure waits for its
/// retry, and giving up marks the endpoint failing until a redelivery; a
/// failed write makes no event; removing an endpoint drops its log.
pub async fn events_reach_subscribed_endpoints_in_order(store: Arc<dyn Store>) {
    let svc = service(&store);
    let root = admin();
    let as_admin = svc.acting_as(&root);
    let clocks = as_admin
        .register_webhook(
            "https://hooks.example.com/clock",
            &[EventType::ClockedIn, EventType::ClockedOut],
            Some(SECRET),
        )
        .await
        .unwrap()
        .value;
    assert_eq!(clocks.secret.expose(), SECRET);
    assert_eq!(clocks.endpoint.state, EndpointState::Active);
    let teams = as_admin
        .register_webhook(
            "https://hooks.example.com/teams",
            &[EventType::TeamCreated],
            None,
        )
        .await
        .unwrap()
        .value;
    assert_ne!(
        teams.secret.expose(),
        SECRET,
        "a secret is generated when none is given"
    );

    let t = team(&svc, "Hooked", "UTC").await;
    let ada = employee(&svc, "Ada", t.id).await;
    let opened = svc
        .clock_in(ada.id, WorkMode::Wfh, Some(ts("2026-11-02T08:00:00Z")))
        .await
        .unwrap();
    let twice = svc
        .clock_in(ada.id, WorkMode::Wfh, Some(ts("2026-11-02T08:30:00Z")))
        .await;
    assert!(twice.is_err(), "a failed write makes no event");
    svc.clock_out(ada.id, Some(ts("2026-11-02T11:00:00Z")))
        .await
        .unwrap();

    let trail = svc
        .audit(&AuditFilter::default(), None, None)
        .await
        .unwrap()
        .items;
    let entry_of = |id: EventId| trail.iter().find(|e| e.id == id.0).cloned().unwrap();

    let at = now();
    let lease = at + TimeDelta::minutes(2);
    let first = store.claim_due(at, lease, 10).await.unwrap();
    let mut by_endpoint: Vec<_> = first
        .iter()
        .map(|d| (d.endpoint_id, d.event.event_type))
        .collect();
    by_endpoint.sort();
    assert_eq!(
        by_endpoint,
        [
            (clocks.endpoint.id, EventType::ClockedIn),
            (teams.endpoint.id, EventType::TeamCreated)
        ],
        "one head per endpoint"
    );
    let clock_in = first
        .iter()
        .find(|d| d.endpoint_id == clocks.endpoint.id)
        .unwrap()
        .clone();
    assert_eq!(
        clock_in.event.data,
        entry_of(clock_in.event.id),
        "the event is its audit entry"
    );
    assert_eq!(clock_in.event.data.record.session_id, Some(opened.id));
    assert_eq!((clock_in.attempt, clock_in.first_attempt_at), (1, at));
    assert_eq!(clock_in.secret.expose(), SECRET);
    assert_eq!(clock_in.url.as_str(), "https://hooks.example.com/clock");
    assert!(
        store.claim_due(at, lease, 10).await.unwrap().is_empty(),
        "leased"
    );

    // The clock-in fails and waits; the clock-out behind it waits too.
    let retry = at + TimeDelta::minutes(5);
    let failed = AttemptOutcome::Failed {
        status: Some(500),
        error: "HTTP 500".into(),
        retry_at: Some(retry),
    };
    store
        .record_attempt(clock_in.id, &failed, at)
        .await
        .unwrap();
    let teams_head = first
        .iter()
        .find(|d| d.endpoint_id == teams.endpoint.id)
        .unwrap();
    store
        .record_attempt(
            teams_head.id,
            &AttemptOutcome::Delivered { status: 204 },
            at,
        )
        .await
        .unwrap();
    let later = at + TimeDelta::minutes(3);
    assert!(
        store
            .claim_due(later, later + TimeDelta::minutes(2), 10)
            .await
            .unwrap()
            .is_empty()
    );
    let again = store
        .claim_due(retry, retry + TimeDelta::minutes(2), 10)
        .await
        .unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(
        (again[0].id, again[0].attempt, again[0].first_attempt_at),
        (clock_in.id, 2, at)
    );
    store
        .record_attempt(
            again[0].id,
            &AttemptOutcome::Delivered { status: 200 },
            retry,
        )
        .await
        .unwrap();
    let next = store
        .claim_due(retry, retry + TimeDelta::minutes(2), 10)
        .await
        .unwrap();
    assert_eq!(next.len(), 1);
    assert_eq!(next[0].event.event_type, EventType::ClockedOut);
    assert!(next[0].event.id > clock_in.event.id);

    // Giving up marks the endpoint failing; nothing goes out until a redelivery.
    let give_up = AttemptOutcome::Failed {
        status: None,
        error: "connection refused".into(),
        retry_at: None,
    };
    store
        .record_attempt(next[0].id, &give_up, retry)
        .await
        .unwrap();
    let failing = as_admin.webhook(clocks.endpoint.id).await.unwrap();
    assert_eq!(
        (failing.state, failing.failing_since),
        (EndpointState::Failing, Some(retry))
    );
    let far = retry + TimeDelta::days(2);
    assert!(
        store
            .claim_due(far, far + TimeDelta::minutes(2), 10)
            .await
            .unwrap()
            .is_empty()
    );
    let log = as_admin
        .webhook_deliveries(clocks.endpoint.id, &DeliveryFilter::default(), None, None)
        .await
        .unwrap();
    let states: Vec<(DeliveryState, u32, Option<u16>)> = log
        .items
        .iter()
        .map(|d| (d.state, d.attempts, d.last_status))
        .collect();
    assert_eq!(
        states,
        [
            (DeliveryState::Failed, 1, None),
            (DeliveryState::Delivered, 2, Some(200))
        ],
        "newest first"
    );
    assert_eq!(
        log.items[0].last_error.as_deref(),
        Some("connection refused")
    );

    let revived = as_admin
        .redeliver_webhook(clocks.endpoint.id, None)
        .await
        .unwrap()
        .value;
    assert_eq!(revived.state, EndpointState::Active);
    let resent = store
        .claim_due(far, far + TimeDelta::minutes(2), 10)
        .await
        .unwrap();
    assert_eq!(resent.len(), 1);
    assert_eq!(
        (resent[0].id, resent[0].attempt),
        (next[0].id, 1),
        "sent again as new"
    );

    // Removal drops the endpoint and its log.
    let removed = as_admin
        .remove_webhook(clocks.endpoint.id)
        .await
        .unwrap()
        .value;
    assert_eq!(removed.id, clocks.endpoint.id);
    let gone = as_admin.webhook(clocks.endpoint.id).await;
    assert!(matches!(gone, Err(Error::NotFound { .. })), "{gone:?}");
    assert_eq!(as_admin.webhooks().await.unwrap().len(), 1);
    // The secret never reaches the trail.
    let trail = svc
        .audit(&AuditFilter::default(), None, None)
        .await
        .unwrap()
        .items;
    let text = serde_json::to_string(&trail).unwrap();
    assert!(!text.contains(SECRET) && !text.contains(teams.secret.expose()));
}

/// A timesheet is the ledger of each selected employee, with names and
/// each date's lock, by employee then date, within the scope.
pub async fn timesheets_are_the_ledger_with_names_and_locks(store: Arc<dyn Store>) {
    let svc = service(&store);
    let c = crew(&svc, "Sheet").await;
    let d = crew(&svc, "Other").await;
    cycle(
        &svc,
        c.ada.id,
        WorkMode::Wfo,
        "2026-10-05T09:00:00Z",
        Some("2026-10-05T17:30:00Z"),
    )
    .await;
    cycle(
        &svc,
        c.bob.id,
        WorkMode::Wfh,
        "2026-10-06T09:00:00Z",
        Some("2026-10-06T12:00:00Z"),
    )
    .await;
    cycle(
        &svc,
        d.ada.id,
        WorkMode::Wfh,
        "2026-10-06T09:00:00Z",
        Some("2026-10-06T12:00:00Z"),
    )
    .await;
    let locked_days = lock(&svc, Some(c.team.id), "2026-10-01", "2026-10-05")
        .await
        .unwrap();
    let period = LedgerPeriod::new(date("2026-10-04"), date("2026-10-07")).unwrap();
    let query = |team: Option<TeamId>, employee: Option<EmployeeId>, scope: Scope| TimesheetQuery {
        period,
        team_id: team,
        employee_id: employee,
        scope,
    };
    let team_rows = rows(store.timesheet(query(Some(c.team.id), None, Scope::All), now())).await;
    assert_eq!(team_rows.len(), 3 * 4, "three members, four dates");
    for (i, who) in [&c.boss, &c.ada, &c.bob].into_iter().enumerate() {
        let ledger = store.ledger_days(who.id, &period, now()).await.unwrap();
        let mine = &team_rows[i * 4..(i + 1) * 4];
        for (row, day) in mine.iter().zip(&ledger) {
            assert_eq!(row.day, *day);
            assert_eq!(
                (row.employee_name.as_str(), row.team_name.as_str()),
                (who.name.as_str(), "Sheet")
            );
            assert_eq!(
                row.locked,
                locked_days.covers(c.team.id, day.date),
                "{}",
                day.date
            );
        }
    }
    let ada_rows = &team_rows[4..8];
    assert_eq!(ada_rows[1].day.worked_gross_minutes, 510);

    let everyone = rows(store.timesheet(query(None, None, Scope::All), now())).await;
    assert_eq!(everyone.len(), 6 * 4);
    assert!(
        everyone
            .iter()
            .filter(|r| r.team_name == "Other")
            .all(|r| !r.locked)
    );
    let scoped = rows(store.timesheet(
        query(
            None,
            None,
            Scope::Member {
                employee: d.ada.id,
                teams: vec![c.team.id],
            },
        ),
        now(),
    ))
    .await;
    let mut who: Vec<EmployeeId> = scoped.iter().map(|r| r.day.employee_id).collect();
    who.dedup();
    assert_eq!(
        who,
        [c.boss.id, c.ada.id, c.bob.id, d.ada.id],
        "own rows and the managed team's, by id"
    );
    let one = rows(store.timesheet(query(None, Some(c.bob.id), Scope::All), now())).await;
    assert_eq!(one.len(), 4);
    assert_eq!(one[2].day.worked_gross_minutes, 180);
    let none = rows(store.timesheet(query(Some(TeamId(9_999)), None, Scope::All), now())).await;
    assert!(none.is_empty(), "an unknown team is an empty timesheet");
}
