//! Forgotten clock-outs: a team's policy closes sessions left open past its
//! maximum at clock-in plus the maximum, marks them, and says so in the
//! audit trail; everything else is left alone.

use super::prelude::*;
use crate::access::Actor;
use crate::audit::{AuditAction, AuditEntry, AuditFilter};
use crate::clock::ManualClock;
use crate::idempotency::Written;

/// The `auto_close` entries of the trail, oldest first.
async fn auto_close_entries(svc: &AttendanceService) -> Vec<AuditEntry> {
    let page = svc
        .audit(&AuditFilter::default(), Some(100), None)
        .await
        .unwrap();
    assert!(
        page.next_cursor.is_none(),
        "the scenario writes few entries"
    );
    let mut entries: Vec<AuditEntry> = page
        .items
        .into_iter()
        .filter(|e| e.record.action == AuditAction::AutoClose)
        .collect();
    entries.reverse();
    entries
}

/// Closes only the sessions past their team's maximum, at clock-in plus
/// the maximum, marked and audited once each; a second run changes
/// nothing; teams without a policy, sessions within the maximum and closed
/// sessions are untouched.
pub async fn forgotten_sessions_are_closed_by_the_team_policy(store: Arc<dyn Store>) {
    let clock = Arc::new(ManualClock::new(now()));
    let svc = AttendanceService::new(store.clone()).with_clock(clock.clone());
    let night = svc
        .create_team(
            &NewTeam::new("Night")
                .unwrap()
                .with_timezone("Europe/Berlin")
                .unwrap()
                .with_auto_close_after_hours(10)
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(night.auto_close_after_hours, Some(10));
    assert_eq!(svc.team(night.id).await.unwrap(), night, "read back");
    let day = team(&svc, "Day", "UTC").await;
    assert_eq!(day.auto_close_after_hours, None, "off by default");
    // The team's creation records its policy.
    let created = svc
        .audit(&AuditFilter::default(), Some(10), None)
        .await
        .unwrap()
        .items
        .into_iter()
        .find(|e| e.record.team_id == Some(night.id))
        .unwrap();
    assert_eq!(created.record.after, Some(Written::Team(night.clone())));

    let (ada, bob, cy, dee) = (
        employee(&svc, "Ada", night.id).await,
        employee(&svc, "Bob", night.id).await,
        employee(&svc, "Cy", night.id).await,
        employee(&svc, "Dee", night.id).await,
    );
    let eve = employee(&svc, "Eve", day.id).await;
    // now() is 2026-11-02T12:00Z. Ada's maximum ran out at 06:00, Bob's
    // runs out exactly now, Cy's at 13:00; Dee clocked out herself after
    // more than the maximum; Eve's team has no policy.
    let ada_open = cycle(&svc, ada.id, WorkMode::Wfo, "2026-11-01T20:00:00Z", None).await;
    let bob_open = cycle(&svc, bob.id, WorkMode::Wfh, "2026-11-02T02:00:00Z", None).await;
    let cy_open = cycle(&svc, cy.id, WorkMode::Wfo, "2026-11-02T03:00:00Z", None).await;
    let dee_closed = cycle(
        &svc,
        dee.id,
        WorkMode::Wfo,
        "2026-11-01T06:00:00Z",
        Some("2026-11-01T20:00:00Z"),
    )
    .await;
    let eve_open = cycle(&svc, eve.id, WorkMode::Wfh, "2026-11-01T08:00:00Z", None).await;
    assert!(!ada_open.auto_closed && !dee_closed.auto_closed);

    let closed = svc.close_forgotten_sessions().await.unwrap();
    let expect = |open: &AttendanceSession| AttendanceSession {
        clock_out: Some(open.clock_in + TimeDelta::hours(10)),
        auto_closed: true,
        ..open.clone()
    };
    assert_eq!(closed, vec![expect(&ada_open), expect(&bob_open)]);
    assert_eq!(
        closed[0].work_date, ada_open.work_date,
        "the work date stays"
    );

    // What a listing shows.
    let listed = all_sessions(&svc, &SessionFilter::default()).await;
    let of = |id| listed.iter().find(|s| s.id == id).unwrap().clone();
    assert_eq!(of(ada_open.id), expect(&ada_open));
    assert_eq!(of(bob_open.id), expect(&bob_open));
    assert_eq!(of(cy_open.id), cy_open, "within the maximum");
    assert_eq!(of(dee_closed.id), dee_closed, "already closed");
    assert_eq!(of(eve_open.id), eve_open, "no policy");
    assert_eq!(svc.open_session(ada.id).await.unwrap(), None);

    // One entry per closed session, by the host, at the service's clock.
    let entries = auto_close_entries(&svc).await;
    assert_eq!(entries.len(), 2, "{entries:?}");
    for (entry, (open, closed)) in entries
        .iter()
        .zip([(&ada_open, &closed[0]), (&bob_open, &closed[1])])
    {
        assert_eq!(entry.actor, Actor::System);
        assert_eq!(entry.at, now());
        assert_eq!(entry.record.employee_id, Some(open.employee_id));
        assert_eq!(entry.record.session_id, Some(open.id));
        assert_eq!(entry.record.before, Some(Written::Session(open.clone())));
        assert_eq!(entry.record.after, Some(Written::Session(closed.clone())));
        assert_eq!(entry.record.reason, None);
    }

    // Running again changes nothing.
    assert_eq!(svc.close_forgotten_sessions().await.unwrap(), vec![]);
    assert_eq!(auto_close_entries(&svc).await.len(), 2);
    assert_eq!(
        all_sessions(&svc, &SessionFilter::default()).await,
        listed,
        "nothing changed"
    );

    // An hour later Cy's maximum has run out too.
    clock.set(ts("2026-11-02T13:00:00Z"));
    let closed = svc.close_forgotten_sessions().await.unwrap();
    assert_eq!(closed, vec![expect(&cy_open)]);
    assert_eq!(auto_close_entries(&svc).await.len(), 3);
    assert_eq!(svc.open_session(eve.id).await.unwrap(), Some(eve_open));

    // The day records (what daily summaries count) see them on their work
    // dates: Ada's began on 1 November in Berlin, Bob's and Cy's on the 2nd.
    let auto_closed = async |day: &str| {
        let mut counted: Vec<(String, i64)> = store
            .day_records(date(day), None)
            .await
            .unwrap()
            .into_iter()
            .filter(|r| r.auto_closed > 0)
            .map(|r| (r.employee.name, r.auto_closed))
            .collect();
        counted.sort();
        counted
    };
    assert_eq!(auto_closed("2026-11-01").await, vec![("Ada".into(), 1)]);
    assert_eq!(
        auto_closed("2026-11-02").await,
        vec![("Bob".into(), 1), ("Cy".into(), 1)]
    );

    // The auto-closed session ends where the next one may begin.
    let again = svc
        .clock_in(ada.id, WorkMode::Wfo, Some(ts("2026-11-02T06:00:00Z")))
        .await
        .unwrap();
    assert!(!again.auto_closed);
    let err = svc
        .clock_out(bob.id, Some(ts("2026-11-02T12:30:00Z")))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Conflict(Conflict::NotClockedIn { .. })),
        "{err:?}"
    );
}
