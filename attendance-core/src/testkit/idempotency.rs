//! Writes under an idempotency key: performed once, replayed after.

use super::prelude::*;
use crate::clock::ManualClock;
use crate::idempotency::{DEFAULT_IDEMPOTENCY_WINDOW, IdempotencyKey, KEY_FIELD};

fn key(scope: &str, key: &str) -> IdempotencyKey {
    IdempotencyKey::new(scope, key).unwrap()
}

/// Every write retried with its key returns the first outcome, marked as a
/// replay, and the store holds it once: one team (no duplicate-name 409),
/// one employee, one session (no "already clocked in" 409), one clock-out.
pub async fn retried_writes_replay_their_first_outcome(store: Arc<dyn Store>) {
    let svc = service(&store);
    let new_team = NewTeam::new("Ops").unwrap();
    let k = key("caller", "team-1");
    let first = svc.idempotent(&k).create_team(&new_team).await.unwrap();
    let again = svc.idempotent(&k).create_team(&new_team).await.unwrap();
    assert!(!first.replayed && again.replayed);
    assert_eq!(first.value, again.value);
    assert_eq!(svc.teams(None, None).await.unwrap().items.len(), 1);

    let ada = NewEmployee::new("Ada", "Engineer", first.value.id).unwrap();
    let k = key("caller", "employee-1");
    let first = svc.idempotent(&k).create_employee(&ada).await.unwrap();
    let again = svc.idempotent(&k).create_employee(&ada).await.unwrap();
    assert!(!first.replayed && again.replayed);
    assert_eq!(first.value, again.value);
    assert_eq!(
        svc.employees(None, None, None).await.unwrap().items.len(),
        1
    );
    let who = first.value.id;

    // A clock-in "now": the retry comes later but replays the first instant.
    let k = key("caller", "in-1");
    let opened = svc
        .idempotent(&k)
        .clock_in(who, WorkMode::Wfh, None)
        .await
        .unwrap();
    let again = svc
        .idempotent(&k)
        .clock_in(who, WorkMode::Wfh, None)
        .await
        .unwrap();
    assert!(!opened.replayed && again.replayed);
    assert_eq!(opened.value, again.value);
    assert_eq!(opened.value.clock_in, now());

    let k = key("caller", "out-1");
    // Within the future tolerance: the clock-in was "now".
    let out = now() + TimeDelta::minutes(1);
    let closed = svc.idempotent(&k).clock_out(who, Some(out)).await.unwrap();
    let again = svc.idempotent(&k).clock_out(who, Some(out)).await.unwrap();
    assert!(!closed.replayed && again.replayed);
    assert_eq!(closed.value, again.value);
    assert_eq!(closed.value.id, opened.value.id);

    let k = key("caller", "backfill-1");
    let (from, to) = (ts("2026-11-01T08:00:00Z"), ts("2026-11-01T12:00:00Z"));
    let recorded = svc
        .idempotent(&k)
        .record_session(who, WorkMode::Wfo, from, to)
        .await
        .unwrap();
    let again = svc
        .idempotent(&k)
        .record_session(who, WorkMode::Wfo, from, to)
        .await
        .unwrap();
    assert!(again.replayed);
    assert_eq!(recorded.value, again.value);

    let stored = all_sessions(&svc, &SessionFilter::default()).await;
    assert_eq!(stored.len(), 2, "one clock-in and one backfill: {stored:?}");
}

/// The same key for a different request is refused, and nothing is written.
pub async fn a_key_reused_for_another_request_is_refused(store: Arc<dyn Store>) {
    let svc = service(&store);
    let t = team(&svc, "Ops", "UTC").await;
    let k = key("caller", "k");
    let ada = NewEmployee::new("Ada", "Engineer", t.id).unwrap();
    svc.idempotent(&k).create_employee(&ada).await.unwrap();
    let bob = NewEmployee::new("Bob", "Engineer", t.id).unwrap();
    let err = svc.idempotent(&k).create_employee(&bob).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Validation {
                field: KEY_FIELD,
                ..
            }
        ),
        "{err:?}"
    );
    // Another kind of write under the same key is another request too.
    let e = svc.employees(None, None, None).await.unwrap().items;
    assert_eq!(e.len(), 1);
    let err = svc
        .idempotent(&k)
        .clock_in(e[0].id, WorkMode::Wfo, None)
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        Error::Validation {
            field: KEY_FIELD,
            ..
        }
    ));
    assert_eq!(svc.open_session(e[0].id).await.unwrap(), None);
}

/// Keys are scoped to their caller: two callers' equal keys are two writes.
pub async fn keys_are_scoped_to_their_caller(store: Arc<dyn Store>) {
    let svc = service(&store);
    let t = team(&svc, "Ops", "UTC").await;
    let ada = NewEmployee::new("Ada", "Engineer", t.id).unwrap();
    let one = svc
        .idempotent(&key("alice", "same"))
        .create_employee(&ada)
        .await
        .unwrap();
    let two = svc
        .idempotent(&key("bob", "same"))
        .create_employee(&ada)
        .await
        .unwrap();
    assert!(!one.replayed && !two.replayed);
    assert_ne!(one.value.id, two.value.id);
}

/// A failed write stores no key: the retry is performed afresh and may
/// succeed.
pub async fn a_failed_write_leaves_its_key_free(store: Arc<dyn Store>) {
    let svc = service(&store);
    let t = team(&svc, "Ops", "UTC").await;
    let e = employee(&svc, "Ada", t.id).await;
    let k = key("caller", "out");
    let at = Some(now() - TimeDelta::minutes(1));
    let err = svc.idempotent(&k).clock_out(e.id, at).await.unwrap_err();
    assert!(matches!(
        err,
        Error::Conflict(Conflict::NotClockedIn { .. })
    ));
    svc.clock_in(e.id, WorkMode::Wfo, Some(now() - TimeDelta::hours(1)))
        .await
        .unwrap();
    let closed = svc.idempotent(&k).clock_out(e.id, at).await.unwrap();
    assert!(!closed.replayed);
    assert_eq!(closed.value.clock_out, at);
}

/// Past the window a key is free again; `forget_expired_keys` drops it.
pub async fn keys_expire_after_the_window(store: Arc<dyn Store>) {
    let clock = Arc::new(ManualClock::new(now()));
    let svc = AttendanceService::new(store.clone()).with_clock(clock.clone());
    let k = key("caller", "k");
    let ops = svc
        .idempotent(&k)
        .create_team(&NewTeam::new("Ops").unwrap())
        .await
        .unwrap();
    clock.set(now() + DEFAULT_IDEMPOTENCY_WINDOW - TimeDelta::seconds(1));
    assert_eq!(svc.forget_expired_keys().await.unwrap(), 0);
    let replay = svc
        .idempotent(&k)
        .create_team(&NewTeam::new("Ops").unwrap())
        .await
        .unwrap();
    assert!(replay.replayed);
    clock.set(now() + DEFAULT_IDEMPOTENCY_WINDOW);
    let other = svc
        .idempotent(&k)
        .create_team(&NewTeam::new("Lab").unwrap())
        .await
        .unwrap();
    assert!(!other.replayed);
    assert_ne!(other.value.id, ops.value.id);
    clock.set(now() + DEFAULT_IDEMPOTENCY_WINDOW * 3);
    assert_eq!(svc.forget_expired_keys().await.unwrap(), 1);
}

/// Twenty simultaneous retries of one keyed clock-in: one performs it,
/// every other replays it; none gets the "already clocked in" conflict.
pub async fn concurrent_retries_of_one_key_write_once(store: Arc<dyn Store>) {
    let svc = service(&store);
    let t = team(&svc, "Ops", "UTC").await;
    let e = employee(&svc, "Ada", t.id).await;
    let k = key("caller", "in");
    let at = Some(now() - TimeDelta::minutes(30));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let (svc, k) = (svc.clone(), k.clone());
        tasks.spawn(async move { svc.idempotent(&k).clock_in(e.id, WorkMode::Wfh, at).await });
    }
    let mut outcomes = Vec::new();
    while let Some(result) = tasks.join_next().await {
        outcomes.push(result.expect("task panicked").unwrap());
    }
    assert_eq!(outcomes.iter().filter(|o| !o.replayed).count(), 1);
    let ids: HashSet<_> = outcomes.iter().map(|o| o.value.id).collect();
    assert_eq!(ids.len(), 1);
    assert_eq!(all_sessions(&svc, &SessionFilter::default()).await.len(), 1);
}
