//! Concurrent writers: nothing lost, nothing duplicated.

use super::prelude::*;

/// Fifty simultaneous clock-ins for one employee: exactly one wins, the
/// others get the conflict with the winner's session.
pub async fn concurrent_clock_ins_for_one_employee(store: Arc<dyn Store>) {
    let svc = service(&store);
    let t = team(&svc, "Ops", "UTC").await;
    let e = employee(&svc, "Ada", t.id).await;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..50 {
        let svc = svc.clone();
        let at = now() - TimeDelta::minutes(60) + TimeDelta::seconds(i);
        tasks.spawn(async move { svc.clock_in(e.id, WorkMode::Wfo, Some(at)).await });
    }
    let mut won = Vec::new();
    let mut conflicts = 0;
    while let Some(result) = tasks.join_next().await {
        match result.expect("task panicked") {
            Ok(session) => won.push(session),
            Err(Error::Conflict(Conflict::AlreadyClockedIn { .. } | Conflict::Overlap { .. })) => {
                conflicts += 1;
            }
            Err(other) => panic!("unexpected error {other:?}"),
        }
    }
    assert_eq!(won.len(), 1, "exactly one clock-in must win");
    assert_eq!(conflicts, 49);
    let open = svc.open_session(e.id).await.unwrap();
    assert_eq!(open.as_ref(), won.first());
    assert_eq!(all_sessions(&svc, &SessionFilter::default()).await.len(), 1);
}

/// Many employees clocking in and out at the same time: every acknowledged
/// session is stored, closed, exactly once.
pub async fn concurrent_cycles_lose_nothing(store: Arc<dyn Store>) {
    let svc = service(&store);
    let t = team(&svc, "Ops", "UTC").await;
    let mut people = Vec::new();
    for i in 0..24 {
        people.push(employee(&svc, &format!("P{i}"), t.id).await);
    }
    let before = all_sessions(&svc, &SessionFilter::default()).await.len();
    let mut tasks = tokio::task::JoinSet::new();
    for person in &people {
        let svc = svc.clone();
        let who = person.id;
        tasks.spawn(async move {
            let mut acknowledged = Vec::new();
            for cycle in 0..8 {
                let at = now() - TimeDelta::hours(10) + TimeDelta::minutes(10 * cycle);
                let opened = svc.clock_in(who, WorkMode::Wfh, Some(at)).await.unwrap();
                // A second clock-in while this one is open is refused.
                assert!(svc.clock_in(who, WorkMode::Wfo, Some(at)).await.is_err());
                svc.clock_out(who, Some(at + TimeDelta::minutes(5)))
                    .await
                    .unwrap();
                acknowledged.push(opened.id);
            }
            acknowledged
        });
    }
    let mut acknowledged = HashSet::new();
    while let Some(ids) = tasks.join_next().await {
        acknowledged.extend(ids.expect("task panicked"));
    }
    assert_eq!(acknowledged.len(), 24 * 8);
    let stored = all_sessions(&svc, &SessionFilter::default()).await;
    assert_eq!(stored.len() - before, 24 * 8);
    let stored_ids: HashSet<_> = stored.iter().map(|s| s.id).collect();
    assert_eq!(stored_ids, acknowledged);
    assert!(stored.iter().all(|s| !s.is_open()));
}
