//! Correction requests: asked by the employee, decided by someone else.

use super::*;
use crate::audit::{AuditAction, AuditFilter, SessionChanges};
use crate::close::{RequestFilter, RequestState, RequestedChange};
use crate::idempotency::Written;

/// An employee asks for a missing session; their manager approves it and
/// the session exists, recorded by the manager; a second decision is a
/// conflict; a manager's own request needs someone else; a rejection
/// needs a reason and changes nothing.
pub async fn requests_are_decided_by_someone_else(store: Arc<dyn Store>) {
    let svc = service(&store);
    let c = crew(&svc, "Core").await;
    let boss = member(&svc, &c.boss).await;

    let asked = ask_missing(&svc, &c.ada, "2026-10-05T08:00:00Z", "2026-10-05T16:00:00Z").await;
    assert_eq!(asked.state, RequestState::Open);
    assert_eq!(asked.work_date, date("2026-10-05"));
    assert_eq!(asked.session_id, None);

    let decided = svc
        .acting_as(&boss)
        .decide_request(asked.id, &approve())
        .await
        .unwrap()
        .value;
    assert_eq!(decided.request.state, RequestState::Approved);
    assert_eq!(decided.request.decided_by, Some(boss.actor()));
    let session = decided.session.expect("an approval records the session");
    assert_eq!(
        (session.employee_id, session.clock_in, session.clock_out),
        (
            c.ada.id,
            ts("2026-10-05T08:00:00Z"),
            Some(ts("2026-10-05T16:00:00Z"))
        )
    );
    assert_eq!(decided.request.session_id, Some(session.id));
    assert_eq!(store.session(session.id).await.unwrap(), session);

    let again = svc
        .acting_as(&boss)
        .decide_request(asked.id, &approve())
        .await;
    assert!(
        matches!(again, Err(Error::Conflict(Conflict::RequestDecided { ref request })) if request.state == RequestState::Approved),
        "{again:?}"
    );

    // The manager asks for themself: they may not decide it; an admin may.
    let own = ask_missing(
        &svc,
        &c.boss,
        "2026-10-06T08:00:00Z",
        "2026-10-06T12:00:00Z",
    )
    .await;
    let refused = svc
        .acting_as(&boss)
        .decide_request(own.id, &approve())
        .await;
    assert!(
        matches!(refused, Err(Error::Forbidden { .. })),
        "{refused:?}"
    );
    // A plain employee cannot see it: not found.
    let ada = member(&svc, &c.ada).await;
    let hidden = svc.acting_as(&ada).decide_request(own.id, &approve()).await;
    assert!(matches!(hidden, Err(Error::NotFound { .. })), "{hidden:?}");
    // Nor may a manager decide it directly by correcting or backfilling.
    let direct = svc
        .acting_as(&boss)
        .record_session(
            c.boss.id,
            WorkMode::Wfo,
            ts("2026-10-06T08:00:00Z"),
            ts("2026-10-06T12:00:00Z"),
            "my own overtime",
        )
        .await;
    assert!(matches!(direct, Err(Error::Forbidden { .. })), "{direct:?}");

    let rejected = svc
        .acting_as(&admin())
        .decide_request(own.id, &Decision::reject("no evidence").unwrap())
        .await
        .unwrap()
        .value;
    assert_eq!(rejected.request.state, RequestState::Rejected);
    assert_eq!(
        rejected.request.decision_reason.as_deref(),
        Some("no evidence")
    );
    assert_eq!(rejected.session, None);
    let boss_sessions = all_sessions(
        &svc,
        &SessionFilter {
            employee_id: Some(c.boss.id),
            ..SessionFilter::default()
        },
    )
    .await;
    assert!(boss_sessions.is_empty(), "a rejection records nothing");
    let blank = Decision::reject("  ");
    assert!(matches!(
        blank,
        Err(Error::Validation {
            field: "reason",
            ..
        })
    ));

    // Someone else's session is not theirs to ask about.
    let theirs = svc
        .acting_as(&ada)
        .request_missing_session(
            c.bob.id,
            WorkMode::Wfh,
            ts("2026-10-07T08:00:00Z"),
            ts("2026-10-07T09:00:00Z"),
            "for Bob",
        )
        .await;
    assert!(matches!(theirs, Err(Error::Forbidden { .. })), "{theirs:?}");
    let by_admin = svc
        .acting_as(&admin())
        .request_missing_session(
            c.bob.id,
            WorkMode::Wfh,
            ts("2026-10-07T08:00:00Z"),
            ts("2026-10-07T09:00:00Z"),
            "for Bob",
        )
        .await;
    assert!(
        matches!(by_admin, Err(Error::Forbidden { .. })),
        "{by_admin:?}"
    );
}

/// A change request remembers the session; when the session changed
/// since, approval is refused with the session as it is now, and an
/// approval that still applies corrects it, with both audit entries.
pub async fn a_stale_request_is_refused_with_the_current_session(store: Arc<dyn Store>) {
    let svc = service(&store);
    let c = crew(&svc, "Edge").await;
    let boss = member(&svc, &c.boss).await;
    let ada = member(&svc, &c.ada).await;
    let s = cycle(
        &svc,
        c.ada.id,
        WorkMode::Wfh,
        "2026-10-12T09:00:00Z",
        Some("2026-10-12T17:00:00Z"),
    )
    .await;
    let t = cycle(
        &svc,
        c.ada.id,
        WorkMode::Wfh,
        "2026-10-13T09:00:00Z",
        Some("2026-10-13T17:00:00Z"),
    )
    .await;

    let earlier = SessionChanges {
        clock_in: Some(ts("2026-10-12T08:00:00Z")),
        ..SessionChanges::default()
    };
    let stale = svc
        .acting_as(&ada)
        .request_session_change(s.id, &earlier, "came in at eight")
        .await
        .unwrap()
        .value;
    assert!(matches!(stale.change, RequestedChange::Change { ref seen, .. } if *seen == s));
    let direct = svc
        .acting_as(&boss)
        .correct_session(
            s.id,
            &SessionChanges {
                work_mode: Some(WorkMode::Wfo),
                ..SessionChanges::default()
            },
            "was in the office",
        )
        .await
        .unwrap()
        .value;
    let refused = svc
        .acting_as(&boss)
        .decide_request(stale.id, &approve())
        .await;
    match refused {
        Err(Error::Conflict(Conflict::RequestStale { current })) => assert_eq!(*current, direct),
        other => panic!("expected request_stale, got {other:?}"),
    }
    assert_eq!(
        store.correction_request(stale.id).await.unwrap().state,
        RequestState::Open,
        "a refused approval leaves the request open"
    );

    let mode = SessionChanges {
        work_mode: Some(WorkMode::Wfo),
        ..SessionChanges::default()
    };
    let fresh = svc
        .acting_as(&ada)
        .request_session_change(t.id, &mode, "was in the office")
        .await
        .unwrap()
        .value;
    let approved = svc
        .acting_as(&boss)
        .decide_request(fresh.id, &approve())
        .await
        .unwrap()
        .value;
    let corrected = approved.session.unwrap();
    assert_eq!((corrected.id, corrected.work_mode), (t.id, WorkMode::Wfo));

    // The trail: the request, then its approval and the correction it made.
    let page = svc
        .audit(
            &AuditFilter {
                employee_id: Some(c.ada.id),
                ..AuditFilter::default()
            },
            Some(3),
            None,
        )
        .await
        .unwrap();
    let actions: Vec<AuditAction> = page.items.iter().map(|e| e.record.action).collect();
    assert_eq!(
        actions,
        [
            AuditAction::Correction,
            AuditAction::RequestApproved,
            AuditAction::RequestCreated
        ]
    );
    let (correction, approval, filed) = (&page.items[0], &page.items[1], &page.items[2]);
    assert_eq!(filed.actor, ada.actor());
    assert_eq!(filed.record.reason.as_deref(), Some("was in the office"));
    for entry in [correction, approval] {
        assert_eq!(entry.actor, boss.actor(), "the approver writes both");
        assert_eq!(
            entry.record.employee_id,
            Some(c.ada.id),
            "about the requester"
        );
        assert_eq!(entry.record.session_id, Some(t.id));
    }
    assert_eq!(correction.record.before, Some(Written::Session(t.clone())));
    assert_eq!(
        correction.record.after,
        Some(Written::Session(corrected.clone()))
    );
    assert_eq!(
        correction.record.reason.as_deref(),
        Some("was in the office")
    );
}

/// Listings follow the scope; the inbox holds what the principal may
/// decide, never their own.
pub async fn requests_are_listed_in_scope(store: Arc<dyn Store>) {
    let svc = service(&store);
    let c = crew(&svc, "Ops").await;
    let d = crew(&svc, "Dev").await;
    let a1 = ask_missing(&svc, &c.ada, "2026-10-05T08:00:00Z", "2026-10-05T09:00:00Z").await;
    let a2 = ask_missing(&svc, &c.ada, "2026-10-20T08:00:00Z", "2026-10-20T09:00:00Z").await;
    let own = ask_missing(
        &svc,
        &c.boss,
        "2026-10-06T08:00:00Z",
        "2026-10-06T09:00:00Z",
    )
    .await;
    let other = ask_missing(&svc, &d.bob, "2026-10-07T08:00:00Z", "2026-10-07T09:00:00Z").await;
    let ids = |page: crate::store::Page<CorrectionRequest>| {
        page.items.into_iter().map(|r| r.id).collect::<Vec<_>>()
    };

    let boss = member(&svc, &c.boss).await;
    let everything = RequestFilter::default();
    let seen = ids(svc
        .acting_as(&boss)
        .correction_requests(&everything, None, None)
        .await
        .unwrap());
    assert_eq!(
        seen,
        [own.id, a2.id, a1.id],
        "own and the team's, newest first"
    );
    let inbox = ids(svc
        .acting_as(&boss)
        .request_inbox(None, None)
        .await
        .unwrap());
    assert_eq!(inbox, [a2.id, a1.id], "never one's own");
    let october_first_half = RequestFilter {
        from: Some(date("2026-10-01")),
        to: Some(date("2026-10-15")),
        ..RequestFilter::default()
    };
    let half = ids(svc
        .acting_as(&boss)
        .correction_requests(&october_first_half, None, None)
        .await
        .unwrap());
    assert_eq!(half, [own.id, a1.id]);

    let ada = member(&svc, &c.ada).await;
    let mine = ids(svc
        .acting_as(&ada)
        .correction_requests(&everything, None, None)
        .await
        .unwrap());
    assert_eq!(mine, [a2.id, a1.id]);
    assert!(
        svc.acting_as(&ada)
            .request_inbox(None, None)
            .await
            .unwrap()
            .items
            .is_empty()
    );
    let hidden = svc.acting_as(&ada).correction_request(other.id).await;
    assert!(matches!(hidden, Err(Error::NotFound { .. })), "{hidden:?}");

    let all = ids(svc
        .acting_as(&admin())
        .request_inbox(Some(2), None)
        .await
        .unwrap());
    assert_eq!(
        all,
        [other.id, own.id],
        "an admin's inbox is every open request, paged"
    );
    let dev = RequestFilter {
        team_id: Some(d.team.id),
        state: Some(RequestState::Open),
        ..RequestFilter::default()
    };
    let devs = ids(svc
        .acting_as(&admin())
        .correction_requests(&dev, None, None)
        .await
        .unwrap());
    assert_eq!(devs, [other.id]);
}
