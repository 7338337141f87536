//! The audit trail, corrections and backfills: each write leaves exactly
//! one entry with the right values, a failed one none, and readers see
//! what their scope admits.

use super::prelude::*;
use crate::access::{Actor, Identity, Principal};
use crate::audit::{AuditAction, AuditEntry, AuditFilter, SessionChanges};
use crate::clock::ManualClock;
use crate::domain::SessionId;
use crate::idempotency::{IdempotencyKey, Written};
use crate::tokens::TokenId;

/// Every entry of the trail as the host reads it, oldest first.
pub(super) async fn trail(svc: &AttendanceService) -> Vec<AuditEntry> {
    trail_of(svc, &Principal::system(), &AuditFilter::default()).await
}

/// Every entry `principal` may read under `filter`, oldest first, read in
/// small pages so that paging is exercised too.
pub(super) async fn trail_of(
    svc: &AttendanceService,
    principal: &Principal,
    filter: &AuditFilter,
) -> Vec<AuditEntry> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = svc
            .acting_as(principal)
            .audit(filter, Some(2), cursor.as_deref())
            .await
            .unwrap();
        out.extend(page.items);
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    let ids: Vec<i64> = out.iter().map(|e| e.id).collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    sorted.dedup();
    assert_eq!(ids, sorted, "newest first, without repeats");
    out.reverse();
    out
}

/// The one entry written since the trail had `before` entries.
async fn one_new_entry(svc: &AttendanceService, before: usize) -> AuditEntry {
    let mut entries = trail(svc).await;
    assert_eq!(
        entries.len(),
        before + 1,
        "exactly one new entry: {entries:?}"
    );
    entries.pop().unwrap()
}

fn session_of(written: &Option<Written>) -> AttendanceSession {
    match written {
        Some(Written::Session(session)) => session.clone(),
        other => panic!("expected a session, got {other:?}"),
    }
}

/// An admin who authenticated with a token: the trail keeps the token.
fn admin() -> Principal {
    Principal::admin("alice").with_token(TokenId(7))
}

/// Each kind of write appends exactly one entry naming its actor, the
/// records it touched and their values before and after.
pub async fn every_write_leaves_one_audit_entry(store: Arc<dyn Store>) {
    let svc = service(&store);
    let alice = admin();
    let as_admin = svc.acting_as(&alice);

    let t = as_admin
        .create_team(&NewTeam::new("Ops").unwrap())
        .await
        .unwrap()
        .value;
    let entry = one_new_entry(&svc, 0).await;
    assert_eq!(entry.record.action, AuditAction::TeamCreated);
    assert_eq!(
        entry.actor,
        Actor::Admin {
            name: "alice".into(),
            token: Some(TokenId(7)),
        }
    );
    assert_eq!(entry.at, now());
    assert_eq!(entry.record.team_id, Some(t.id));
    assert_eq!(entry.record.employee_id, None);
    assert_eq!(entry.record.before, None);
    assert_eq!(entry.record.after, Some(Written::Team(t.clone())));

    // The plain service writes as the host.
    let ada = employee(&svc, "Ada", t.id).await;
    let entry = one_new_entry(&svc, 1).await;
    assert_eq!(entry.record.action, AuditAction::EmployeeCreated);
    assert_eq!(entry.actor, Actor::System);
    assert_eq!(entry.record.employee_id, Some(ada.id));
    assert_eq!(entry.record.team_id, Some(t.id));
    assert_eq!(entry.record.after, Some(Written::Employee(ada.clone())));

    let me = svc
        .principal(&Identity::Employee { id: ada.id })
        .await
        .unwrap();
    let opened = svc
        .acting_as(&me)
        .clock_in(ada.id, WorkMode::Wfh, Some(ts("2026-11-02T08:00:00Z")))
        .await
        .unwrap()
        .value;
    let entry = one_new_entry(&svc, 2).await;
    assert_eq!(entry.record.action, AuditAction::ClockIn);
    assert_eq!(entry.actor, Actor::Employee { id: ada.id });
    assert_eq!(entry.record.session_id, Some(opened.id));
    assert_eq!(entry.record.employee_id, Some(ada.id));
    assert_eq!(entry.record.before, None);
    assert_eq!(session_of(&entry.record.after), opened);

    let closed = svc
        .acting_as(&me)
        .clock_out(ada.id, Some(ts("2026-11-02T11:00:00Z")))
        .await
        .unwrap()
        .value;
    let entry = one_new_entry(&svc, 3).await;
    assert_eq!(entry.record.action, AuditAction::ClockOut);
    assert_eq!(session_of(&entry.record.before), opened);
    assert_eq!(session_of(&entry.record.after), closed);

    let recorded = as_admin
        .record_session(
            ada.id,
            WorkMode::Wfo,
            ts("2026-10-30T08:00:00Z"),
            ts("2026-10-30T16:00:00Z"),
            "  paper timesheet ",
        )
        .await
        .unwrap()
        .value;
    let entry = one_new_entry(&svc, 4).await;
    assert_eq!(entry.record.action, AuditAction::Backfill);
    assert_eq!(entry.record.reason.as_deref(), Some("paper timesheet"));
    assert_eq!(entry.record.before, None);
    assert_eq!(session_of(&entry.record.after), recorded);

    let changes = SessionChanges {
        clock_in: Some(ts("2026-10-30T09:00:00Z")),
        work_mode: Some(WorkMode::Wfh),
        ..SessionChanges::default()
    };
    let corrected = as_admin
        .correct_session(recorded.id, &changes, "came in late")
        .await
        .unwrap()
        .value;
    assert_eq!(corrected.clock_in, ts("2026-10-30T09:00:00Z"));
    assert_eq!(corrected.clock_out, recorded.clock_out);
    assert_eq!(corrected.work_mode, WorkMode::Wfh);
    let entry = one_new_entry(&svc, 5).await;
    assert_eq!(entry.record.action, AuditAction::Correction);
    assert_eq!(entry.record.reason.as_deref(), Some("came in late"));
    assert_eq!(session_of(&entry.record.before), recorded);
    assert_eq!(session_of(&entry.record.after), corrected);

    // A write under an idempotency key is entered once, its replay never.
    let key = IdempotencyKey::new("alice", "team-2").unwrap();
    let dev = NewTeam::new("Dev").unwrap();
    let keyed = as_admin.with_key(Some(&key));
    keyed.create_team(&dev).await.unwrap();
    assert!(keyed.create_team(&dev).await.unwrap().replayed);
    let entry = one_new_entry(&svc, 6).await;
    assert_eq!(entry.record.action, AuditAction::TeamCreated);
    assert_eq!(
        entry.actor,
        Actor::Admin {
            name: "alice".into(),
            token: Some(TokenId(7)),
        }
    );
}

/// A write that fails appends nothing: conflicts, validation errors,
/// unknown ids, refusals, with or without a key.
pub async fn a_failed_write_leaves_no_audit_entry(store: Arc<dyn Store>) {
    let svc = service(&store);
    let t = team(&svc, "Ops", "UTC").await;
    let ada = employee(&svc, "Ada", t.id).await;
    let open = svc
        .clock_in(ada.id, WorkMode::Wfh, Some(ts("2026-11-02T08:00:00Z")))
        .await
        .unwrap();
    let kept = trail(&svc).await;
    assert_eq!(kept.len(), 3);

    assert!(
        svc.create_team(&NewTeam::new("ops").unwrap())
            .await
            .is_err()
    );
    let stranger = NewEmployee::new("Bob", "Engineer", TeamId(9_999)).unwrap();
    assert!(svc.create_employee(&stranger).await.is_err());
    assert!(svc.clock_in(ada.id, WorkMode::Wfo, None).await.is_err());
    assert!(
        svc.clock_in(EmployeeId(9_999), WorkMode::Wfo, None)
            .await
            .is_err()
    );
    let early = Some(ts("2026-11-02T07:00:00Z"));
    assert!(svc.clock_out(ada.id, early).await.is_err());
    let overlapping = svc
        .record_session(
            ada.id,
            WorkMode::Wfo,
            ts("2026-11-02T07:00:00Z"),
            ts("2026-11-02T09:00:00Z"),
        )
        .await;
    assert!(overlapping.is_err());
    let key = IdempotencyKey::new("host", "dup").unwrap();
    let keyed = svc.idempotent(&key);
    assert!(
        keyed
            .create_team(&NewTeam::new("OPS").unwrap())
            .await
            .is_err()
    );
    let as_admin = admin();
    let acting = svc.acting_as(&as_admin);
    let bad_reason = acting
        .record_session(
            ada.id,
            WorkMode::Wfo,
            ts("2026-11-01T07:00:00Z"),
            ts("2026-11-01T09:00:00Z"),
            "   ",
        )
        .await;
    assert!(matches!(
        bad_reason,
        Err(Error::Validation {
            field: "reason",
            ..
        })
    ));
    let backwards = SessionChanges {
        clock_out: Some(ts("2026-11-02T07:30:00Z")),
        ..SessionChanges::default()
    };
    let refused = acting.correct_session(open.id, &backwards, "typo").await;
    assert!(matches!(
        refused,
        Err(Error::Validation {
            field: "clock_out",
            ..
        })
    ));
    let refused = keyed.correct_session(open.id, &backwards, "typo").await;
    assert!(matches!(
        refused,
        Err(Error::Validation {
            field: "clock_out",
            ..
        })
    ));
    let missing = acting
        .correct_session(SessionId(9_999), &backwards, "typo")
        .await;
    assert!(
        matches!(
            missing,
            Err(Error::NotFound {
                entity: Entity::Session,
                ..
            })
        ),
        "{missing:?}"
    );
    let me = svc
        .principal(&Identity::Employee { id: ada.id })
        .await
        .unwrap();
    let own = SessionChanges {
        work_mode: Some(WorkMode::Wfo),
        ..SessionChanges::default()
    };
    let forbidden = svc
        .acting_as(&me)
        .correct_session(open.id, &own, "me")
        .await;
    assert!(
        matches!(forbidden, Err(Error::Forbidden { .. })),
        "{forbidden:?}"
    );

    assert_eq!(trail(&svc).await, kept, "no failed write was entered");
    assert_eq!(svc.open_session(ada.id).await.unwrap(), Some(open));
}

/// Corrections keep the clock rules: the clock-out after the clock-in, no
/// overlap, nothing in the future, at least one change; an open session's
/// clock-in may move and a clock-out closes it; the work date follows the
/// clock-in in the team's timezone.
pub async fn corrections_follow_the_clock_rules(store: Arc<dyn Store>) {
    let svc = service(&store);
    let t = team(&svc, "Ops", "America/New_York").await;
    let ada = employee(&svc, "Ada", t.id).await;
    let morning = cycle(
        &svc,
        ada.id,
        WorkMode::Wfo,
        "2026-11-01T13:00:00Z",
        Some("2026-11-01T15:00:00Z"),
    )
    .await;
    let open = cycle(&svc, ada.id, WorkMode::Wfo, "2026-11-01T16:00:00Z", None).await;

    let earlier = SessionChanges {
        clock_in: Some(ts("2026-11-01T15:30:00Z")),
        ..SessionChanges::default()
    };
    let moved = svc
        .correct_session(open.id, &earlier, "badge")
        .await
        .unwrap();
    assert!(
        moved.is_open(),
        "correcting a clock-in leaves the session open"
    );
    assert_eq!(moved.clock_in, ts("2026-11-01T15:30:00Z"));

    let into_morning = SessionChanges {
        clock_in: Some(ts("2026-11-01T14:00:00Z")),
        ..SessionChanges::default()
    };
    match svc.correct_session(open.id, &into_morning, "badge").await {
        Err(Error::Conflict(Conflict::Overlap { existing })) => assert_eq!(*existing, morning),
        other => panic!("expected an overlap with the morning, got {other:?}"),
    }
    let future = SessionChanges {
        clock_out: Some(now() + TimeDelta::hours(1)),
        ..SessionChanges::default()
    };
    let err = svc
        .correct_session(open.id, &future, "x")
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Validation {
                field: "clock_out",
                ..
            }
        ),
        "{err:?}"
    );
    let err = svc
        .correct_session(open.id, &SessionChanges::default(), "x")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Validation { .. }), "{err:?}");

    let close = SessionChanges {
        clock_out: Some(ts("2026-11-01T20:00:00Z")),
        ..SessionChanges::default()
    };
    let closed = svc
        .correct_session(open.id, &close, "forgot")
        .await
        .unwrap();
    assert_eq!(closed.clock_out, Some(ts("2026-11-01T20:00:00Z")));
    assert!(svc.open_session(ada.id).await.unwrap().is_none());

    // 03:00 UTC is the evening before in New York.
    let night = SessionChanges {
        clock_in: Some(ts("2026-10-31T03:00:00Z")),
        clock_out: Some(ts("2026-10-31T05:00:00Z")),
        ..SessionChanges::default()
    };
    let moved = svc
        .correct_session(morning.id, &night, "wrong day")
        .await
        .unwrap();
    assert_eq!(moved.work_date, date("2026-10-30"));
    let listed = all_sessions(&svc, &SessionFilter::default()).await;
    assert!(
        listed.contains(&moved) && listed.contains(&closed),
        "{listed:?}"
    );
}

/// Employees read the entries about themself, managers those about their
/// teams' members, admins all; entries about no employee are for admins.
/// The filters narrow within the scope.
pub async fn audit_is_scoped_and_filtered(store: Arc<dyn Store>) {
    let clock = Arc::new(ManualClock::new(ts("2026-11-02T08:00:00Z")));
    let svc = AttendanceService::new(store.clone()).with_clock(clock.clone());
    let ops = team(&svc, "Ops", "UTC").await;
    let dev = team(&svc, "Dev", "UTC").await;
    let boss = svc
        .create_employee(
            &NewEmployee::new("Boss", "Lead", ops.id)
                .unwrap()
                .manager(true),
        )
        .await
        .unwrap();
    let ada = employee(&svc, "Ada", ops.id).await;
    let bob = employee(&svc, "Bob", dev.id).await;
    clock.set(ts("2026-11-02T09:00:00Z"));
    let a1 = svc.clock_in(ada.id, WorkMode::Wfh, None).await.unwrap();
    svc.clock_in(bob.id, WorkMode::Wfh, None).await.unwrap();
    clock.set(ts("2026-11-02T10:00:00Z"));
    svc.clock_out(ada.id, None).await.unwrap();
    let a2 = svc.clock_in(ada.id, WorkMode::Wfo, None).await.unwrap();

    let all = trail(&svc).await;
    assert_eq!(all.len(), 9);
    let everything = AuditFilter::default();
    let ids = |entries: &[AuditEntry]| entries.iter().map(|e| e.id).collect::<Vec<_>>();

    let as_ada = svc
        .principal(&Identity::Employee { id: ada.id })
        .await
        .unwrap();
    let mine = trail_of(&svc, &as_ada, &everything).await;
    assert_eq!(mine.len(), 4, "created, in, out, in: {mine:?}");
    assert!(mine.iter().all(|e| e.record.employee_id == Some(ada.id)));

    let as_boss = svc
        .principal(&Identity::Employee { id: boss.id })
        .await
        .unwrap();
    let theirs = trail_of(&svc, &as_boss, &everything).await;
    assert_eq!(theirs.len(), 5, "the boss's own creation and Ada's four");
    assert!(theirs.iter().all(|e| e.record.employee_id != Some(bob.id)));
    assert!(theirs.iter().all(|e| e.record.employee_id.is_some()));

    let only_bob = AuditFilter {
        employee_id: Some(bob.id),
        ..AuditFilter::default()
    };
    assert!(trail_of(&svc, &as_boss, &only_bob).await.is_empty());
    assert_eq!(trail_of(&svc, &admin(), &only_bob).await.len(), 2);

    let one_session = AuditFilter {
        session_id: Some(a1.id),
        ..AuditFilter::default()
    };
    let actions: Vec<AuditAction> = trail_of(&svc, &as_ada, &one_session)
        .await
        .iter()
        .map(|e| e.record.action)
        .collect();
    assert_eq!(actions, vec![AuditAction::ClockIn, AuditAction::ClockOut]);

    let nine_to_ten = AuditFilter {
        from: Some(ts("2026-11-02T09:00:00Z")),
        to: Some(ts("2026-11-02T10:00:00Z")),
        ..AuditFilter::default()
    };
    let window = trail_of(&svc, &admin(), &nine_to_ten).await;
    assert_eq!(window.len(), 2, "the two clock-ins at nine: {window:?}");
    let from_ten = AuditFilter {
        from: Some(ts("2026-11-02T10:00:00Z")),
        ..AuditFilter::default()
    };
    let late = trail_of(&svc, &as_ada, &from_ten).await;
    assert_eq!(late.last().map(|e| e.record.session_id), Some(Some(a2.id)));
    assert_eq!(ids(&late).len(), 2);

    let backwards = AuditFilter {
        from: Some(ts("2026-11-02T10:00:00Z")),
        to: Some(ts("2026-11-02T09:00:00Z")),
        ..AuditFilter::default()
    };
    let err = svc.audit(&backwards, None, None).await.unwrap_err();
    assert!(matches!(err, Error::Validation { field: "from", .. }));
    assert_eq!(ids(&trail_of(&svc, &admin(), &everything).await), ids(&all));
}

/// Backfills and corrections are for the employee's managers and admins:
/// an employee is refused their own, a manager of another team is refused
/// (a backfill) or told the session does not exist (a correction).
pub async fn corrections_need_a_manager_or_an_admin(store: Arc<dyn Store>) {
    let svc = service(&store);
    let ops = team(&svc, "Ops", "UTC").await;
    let dev = team(&svc, "Dev", "UTC").await;
    let boss = svc
        .create_employee(
            &NewEmployee::new("Boss", "Lead", ops.id)
                .unwrap()
                .manager(true),
        )
        .await
        .unwrap();
    let other_boss = svc
        .create_employee(
            &NewEmployee::new("Dee", "Lead", dev.id)
                .unwrap()
                .manager(true),
        )
        .await
        .unwrap();
    let ada = employee(&svc, "Ada", ops.id).await;
    let s = cycle(
        &svc,
        ada.id,
        WorkMode::Wfh,
        "2026-11-02T08:00:00Z",
        Some("2026-11-02T10:00:00Z"),
    )
    .await;
    let (from, to) = (ts("2026-11-01T08:00:00Z"), ts("2026-11-01T10:00:00Z"));
    let change = SessionChanges {
        work_mode: Some(WorkMode::Wfo),
        ..SessionChanges::default()
    };
    let as_ada = svc
        .principal(&Identity::Employee { id: ada.id })
        .await
        .unwrap();
    let as_dee = svc
        .principal(&Identity::Employee { id: other_boss.id })
        .await
        .unwrap();
    let as_boss = svc
        .principal(&Identity::Employee { id: boss.id })
        .await
        .unwrap();

    for (who, backfill_refused, correction_refused) in [
        (&as_ada, "forbidden", "forbidden"),
        (&as_dee, "forbidden", "not found"),
    ] {
        let acting = svc.acting_as(who);
        let err = acting
            .record_session(ada.id, WorkMode::Wfh, from, to, "x")
            .await
            .unwrap_err();
        assert_eq!(kind(&err), backfill_refused, "{err:?}");
        let err = acting
            .record_session(EmployeeId(9_999), WorkMode::Wfh, from, to, "x")
            .await
            .unwrap_err();
        assert_eq!(kind(&err), "forbidden", "an unknown employee too: {err:?}");
        let err = acting
            .correct_session(s.id, &change, "x")
            .await
            .unwrap_err();
        assert_eq!(kind(&err), correction_refused, "{err:?}");
    }
    let err = svc
        .acting_as(&as_dee)
        .correct_session(SessionId(9_999), &change, "x")
        .await
        .unwrap_err();
    assert_eq!(kind(&err), "not found");

    let boss_acting = svc.acting_as(&as_boss);
    boss_acting
        .record_session(ada.id, WorkMode::Wfh, from, to, "sick note")
        .await
        .unwrap();
    let corrected = boss_acting
        .correct_session(s.id, &change, "was in the office")
        .await
        .unwrap()
        .value;
    assert_eq!(corrected.work_mode, WorkMode::Wfo);
}

fn kind(err: &Error) -> &'static str {
    match err {
        Error::Forbidden { .. } => "forbidden",
        Error::NotFound { .. } => "not found",
        _ => "other",
    }
}
