//! Correction requests: filed, decided once, applied as a backfill or a
//! correction would be, listed in scope.

use super::*;

async fn file(
    store: &PgStore,
    request: NewCorrectionRequest,
) -> attendance_core::close::CorrectionRequest {
    let employee = request.employee_id();
    let stamp = Stamp::new(Actor::Employee { id: employee }, at(NOW));
    match store
        .write(&stamp, &Write::RequestCorrection(request))
        .await
        .unwrap()
    {
        Written::Request(request) => request,
        other => panic!("filing wrote {other:?}"),
    }
}

fn decide(request: RequestId, decision: Decision) -> Write {
    Write::DecideRequest { request, decision }
}

/// Two approvals of one request at once: one applies it, the other finds
/// it decided; one session, one approval in the trail.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn approving_twice_at_once_approves_once() {
    common::with_store(|store| async move {
        let (_, _, ada, bob) = company(&store).await;
        let request = NewCorrectionRequest::missing(
            ada,
            at("2026-04-07T08:00:00Z"),
            at("2026-04-07T16:00:00Z"),
            WorkMode::Wfo,
            "forgot to clock in",
        )
        .unwrap();
        let request = file(&store, request).await;
        assert_eq!(request.work_date, day("2026-04-07"));
        assert_eq!(request.state, RequestState::Open);
        let approver = Stamp::new(Actor::Employee { id: bob }, at(NOW));
        let tasks: Vec<_> = (0..4)
            .map(|_| {
                let (store, approver) = (store.clone(), approver.clone());
                tokio::spawn(async move {
                    store
                        .write(&approver, &decide(request.id, Decision::Approve))
                        .await
                })
            })
            .collect();
        let mut approved = Vec::new();
        for task in tasks {
            match task.await.unwrap() {
                Ok(Written::Decided { request, session }) => approved.push((request, session)),
                Err(Error::Conflict(Conflict::RequestDecided { request })) => {
                    assert_eq!(request.state, RequestState::Approved);
                }
                other => panic!("unexpected decision outcome: {other:?}"),
            }
        }
        assert_eq!(approved.len(), 1);
        let (decided, session) = approved.pop().unwrap();
        let session = session.unwrap();
        assert_eq!(decided.session_id, Some(session.id));
        assert_eq!(decided.decided_by, Some(approver.actor.clone()));
        assert_eq!(store.correction_request(request.id).await.unwrap(), decided);
        let counts: Vec<(String, i64)> = sqlx::query_as(
            "SELECT action, count(*) FROM attendance.audit_log \
             WHERE action IN ('request_approved', 'backfill') GROUP BY action ORDER BY action",
        )
        .fetch_all(store.pool())
        .await
        .unwrap();
        assert_eq!(
            counts,
            vec![("backfill".into(), 1), ("request_approved".into(), 1)]
        );
    })
    .await;
}

/// An approval compares the session with what the requester saw, and
/// applies the change as a correction with the request's reason, the
/// approver as the actor; a rejection needs no session; a request in a
/// locked period cannot be approved and stays open.
#[tokio::test]
async fn approval_applies_a_current_change_and_refuses_a_stale_one() {
    common::with_store(|store| async move {
        let (a, _, ada, bob) = company(&store).await;
        let seen = backfill(&store, ada, "2026-04-06T08:00:00Z", "2026-04-06T16:00:00Z")
            .await
            .unwrap();
        let later = attendance_core::audit::SessionChanges {
            clock_out: Some(at("2026-04-06T17:00:00Z")),
            ..Default::default()
        };
        let stale = file(
            &store,
            NewCorrectionRequest::change(seen.clone(), later, "stayed late").unwrap(),
        )
        .await;
        let fixed = Write::CorrectSession {
            session: seen.id,
            changes: attendance_core::audit::SessionChanges {
                work_mode: Some(WorkMode::Wfh),
                ..Default::default()
            },
            reason: "was at home".into(),
        };
        let Written::Session(current) = store.write(&admin(), &fixed).await.unwrap() else {
            panic!("not a session")
        };
        let approver = Stamp::new(Actor::Employee { id: bob }, at(NOW));
        match store
            .write(&approver, &decide(stale.id, Decision::Approve))
            .await
        {
            Err(Error::Conflict(Conflict::RequestStale { current: now })) => {
                assert_eq!(*now, current);
            }
            other => panic!("expected RequestStale, got {other:?}"),
        }
        assert_eq!(
            store.correction_request(stale.id).await.unwrap().state,
            RequestState::Open
        );

        let fresh = file(
            &store,
            NewCorrectionRequest::change(current.clone(), later, "stayed late").unwrap(),
        )
        .await;
        let Written::Decided { request, session } = store
            .write(&approver, &decide(fresh.id, Decision::Approve))
            .await
            .unwrap()
        else {
            panic!("not a decision")
        };
        let session = session.unwrap();
        assert_eq!(session.clock_out, later.clock_out);
        assert_eq!(request.state, RequestState::Approved);
        let trail = store
            .audit_entries(
                &AuditFilter {
                    session_id: Some(seen.id),
                    ..AuditFilter::default()
                },
                &PageRequest::new(None, None).unwrap(),
            )
            .await
            .unwrap()
            .items;
        let actions: Vec<_> = trail.iter().map(|e| e.record.action).collect();
        // Newest first: the decision, then the correction it made.
        assert_eq!(
            actions[..2],
            [AuditAction::Correction, AuditAction::RequestApproved]
        );
        let applied = &trail[0];
        assert_eq!(applied.actor, approver.actor);
        assert_eq!(applied.record.reason.as_deref(), Some("stayed late"));
        assert_eq!(applied.record.before, Some(Written::Session(current)));
        assert_eq!(trail[1].record.employee_id, Some(ada));
        assert_eq!(
            trail[1].record.before,
            Some(Written::Request(fresh.clone()))
        );

        match store
            .write(
                &approver,
                &decide(fresh.id, Decision::reject("no").unwrap()),
            )
            .await
        {
            Err(Error::Conflict(Conflict::RequestDecided { request: r })) => {
                assert_eq!(*r, request);
            }
            other => panic!("expected RequestDecided, got {other:?}"),
        }
        let Written::Decided { request, session } = store
            .write(
                &approver,
                &decide(stale.id, Decision::reject("outdated").unwrap()),
            )
            .await
            .unwrap()
        else {
            panic!("not a decision")
        };
        assert_eq!(session, None);
        assert_eq!(request.state, RequestState::Rejected);
        assert_eq!(request.decision_reason.as_deref(), Some("outdated"));

        let missing = file(
            &store,
            NewCorrectionRequest::missing(
                ada,
                at("2026-04-08T08:00:00Z"),
                at("2026-04-08T12:00:00Z"),
                WorkMode::Wfo,
                "forgot",
            )
            .unwrap(),
        )
        .await;
        lock(&store, Some(a), "2026-04-01", "2026-04-30")
            .await
            .unwrap();
        let refused = store
            .write(&approver, &decide(missing.id, Decision::Approve))
            .await;
        locked_by(refused);
        assert_eq!(
            store.correction_request(missing.id).await.unwrap().state,
            RequestState::Open
        );
        match store
            .write(&approver, &decide(RequestId(999), Decision::Approve))
            .await
        {
            Err(Error::NotFound { entity, .. }) => assert_eq!(entity, Entity::Request),
            other => panic!("expected not found, got {other:?}"),
        }

        // The listing: newest first, by state, without the approver's own.
        let page = PageRequest::<IdCursor>::new(Some(2), None).unwrap();
        let all = store
            .correction_requests(&RequestFilter::default(), &page)
            .await
            .unwrap();
        let ids: Vec<_> = all.items.iter().map(|r| r.id).collect();
        assert_eq!(ids, vec![missing.id, fresh.id]);
        let next = PageRequest::<IdCursor>::new(Some(2), all.next_cursor.as_deref()).unwrap();
        let rest = store
            .correction_requests(&RequestFilter::default(), &next)
            .await
            .unwrap();
        assert_eq!(
            rest.items.iter().map(|r| r.id).collect::<Vec<_>>(),
            vec![stale.id]
        );
        let open = RequestFilter {
            state: Some(RequestState::Open),
            ..RequestFilter::default()
        };
        let open = store.correction_requests(&open, &page).await.unwrap();
        assert_eq!(
            open.items.iter().map(|r| r.id).collect::<Vec<_>>(),
            vec![missing.id]
        );
        let not_adas = RequestFilter {
            not_by: Some(ada),
            ..RequestFilter::default()
        };
        assert!(
            store
                .correction_requests(&not_adas, &page)
                .await
                .unwrap()
                .items
                .is_empty()
        );
        let bobs_scope = RequestFilter {
            scope: attendance_core::access::Scope::Member {
                employee: bob,
                teams: vec![],
            },
            ..RequestFilter::default()
        };
        assert!(
            store
                .correction_requests(&bobs_scope, &page)
                .await
                .unwrap()
                .items
                .is_empty()
        );
    })
    .await;
}

#[tokio::test]
async fn an_unknown_employee_or_session_is_not_found() {
    common::with_store(|store| async move {
        let (_, _, ada, _) = company(&store).await;
        let request = NewCorrectionRequest::missing(
            EmployeeId(999),
            at("2026-04-08T08:00:00Z"),
            at("2026-04-08T12:00:00Z"),
            WorkMode::Wfo,
            "forgot",
        )
        .unwrap();
        match store
            .write(&admin(), &Write::RequestCorrection(request))
            .await
        {
            Err(Error::NotFound { entity, .. }) => assert_eq!(entity, Entity::Employee),
            other => panic!("expected not found, got {other:?}"),
        }
        let ghost = AttendanceSession {
            id: attendance_core::SessionId(999),
            employee_id: ada,
            work_date: day("2026-04-08"),
            clock_in: at("2026-04-08T08:00:00Z"),
            clock_out: Some(at("2026-04-08T12:00:00Z")),
            work_mode: WorkMode::Wfo,
            auto_closed: false,
        };
        let changes = attendance_core::audit::SessionChanges {
            work_mode: Some(WorkMode::Wfh),
            ..Default::default()
        };
        let request = NewCorrectionRequest::change(ghost, changes, "home").unwrap();
        match store
            .write(&admin(), &Write::RequestCorrection(request))
            .await
        {
            Err(Error::NotFound { entity, .. }) => assert_eq!(entity, Entity::Session),
            other => panic!("expected not found, got {other:?}"),
        }
        match store.correction_request(RequestId(1)).await {
            Err(Error::NotFound { entity, .. }) => assert_eq!(entity, Entity::Request),
            other => panic!("expected not found, got {other:?}"),
        }
    })
    .await;
}
