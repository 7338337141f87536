//! Locked periods refuse every write that would change them.

use super::*;
use crate::audit::SessionChanges;
use crate::close::LockFilter;
use crate::domain::EmployeeChanges;
use crate::import::{ImportBatch, ImportRow};
use crate::worktime::{AbsenceKind, NewAbsence};

/// A team's locked October refuses clock-ins, clock-outs, backfills,
/// corrections (into it or out of it), absences, requests and their
/// approval, and imports, each with the lock; other teams and other
/// months are untouched; reopening lets the writes through again.
pub async fn locks_refuse_every_write_in_the_period(store: Arc<dyn Store>) {
    let svc = service(&store);
    let c = crew(&svc, "Pay").await;
    let other = crew(&svc, "Free").await;
    let root = admin();
    let as_admin = svc.acting_as(&root);
    let inside = cycle(
        &svc,
        c.ada.id,
        WorkMode::Wfo,
        "2026-10-05T09:00:00Z",
        Some("2026-10-05T17:00:00Z"),
    )
    .await;
    let after = cycle(
        &svc,
        c.ada.id,
        WorkMode::Wfo,
        "2026-11-01T09:00:00Z",
        Some("2026-11-01T17:00:00Z"),
    )
    .await;
    let pending = ask_missing(&svc, &c.bob, "2026-10-06T09:00:00Z", "2026-10-06T17:00:00Z").await;
    let absence = svc
        .acting_as(&root)
        .record_absence(
            &NewAbsence::new(
                c.bob.id,
                AbsenceKind::Vacation,
                date("2026-10-20"),
                date("2026-10-21"),
            )
            .unwrap(),
        )
        .await
        .unwrap()
        .value;
    let october = lock(&svc, Some(c.team.id), "2026-10-01", "2026-10-31")
        .await
        .unwrap();
    assert_eq!(
        (october.team_id, october.from, october.to),
        (Some(c.team.id), date("2026-10-01"), date("2026-10-31"))
    );
    assert_eq!(october.locked_by, root.actor());

    locked(
        as_admin
            .clock_in(c.bob.id, WorkMode::Wfh, Some(ts("2026-10-09T09:00:00Z")))
            .await,
        &october,
    );
    locked(
        as_admin
            .record_session(
                c.bob.id,
                WorkMode::Wfh,
                ts("2026-10-09T09:00:00Z"),
                ts("2026-10-09T10:00:00Z"),
                "late entry",
            )
            .await,
        &october,
    );
    let tweak = SessionChanges {
        work_mode: Some(WorkMode::Wfh),
        ..SessionChanges::default()
    };
    locked(
        as_admin
            .correct_session(inside.id, &tweak, "was home")
            .await,
        &october,
    );
    let into_october = SessionChanges {
        clock_in: Some(ts("2026-10-31T09:00:00Z")),
        ..SessionChanges::default()
    };
    locked(
        as_admin
            .correct_session(after.id, &into_october, "wrong day")
            .await,
        &october,
    );
    let vacation = NewAbsence::new(
        c.ada.id,
        AbsenceKind::Sick,
        date("2026-10-30"),
        date("2026-11-03"),
    )
    .unwrap();
    locked(
        as_admin.record_absence(&vacation).await.map(|o| o.value),
        &october,
    );
    locked(as_admin.remove_absence(absence.id).await, &october);
    locked(
        as_admin.decide_request(pending.id, &approve()).await,
        &october,
    );
    let ada = member(&svc, &c.ada).await;
    locked(
        svc.acting_as(&ada)
            .request_missing_session(
                c.ada.id,
                WorkMode::Wfo,
                ts("2026-10-07T09:00:00Z"),
                ts("2026-10-07T10:00:00Z"),
                "forgot",
            )
            .await,
        &october,
    );
    let batch = ImportBatch::from_rows([
        ImportRow::new(
            c.bob.id,
            WorkMode::Wfo,
            ts("2026-09-29T09:00:00Z"),
            Some(ts("2026-09-29T10:00:00Z")),
        ),
        ImportRow::new(
            c.bob.id,
            WorkMode::Wfo,
            ts("2026-10-29T09:00:00Z"),
            Some(ts("2026-10-29T10:00:00Z")),
        ),
    ]);
    locked(svc.import(batch).await, &october);
    let bobs = all_sessions(
        &svc,
        &SessionFilter {
            employee_id: Some(c.bob.id),
            ..SessionFilter::default()
        },
    )
    .await;
    assert!(bobs.is_empty(), "a refused import writes nothing: {bobs:?}");
    assert_eq!(
        store.session(inside.id).await.unwrap(),
        inside,
        "nothing changed"
    );

    // Outside the lock: November, and another team's October.
    as_admin
        .correct_session(after.id, &tweak, "was home")
        .await
        .unwrap();
    cycle(
        &svc,
        other.ada.id,
        WorkMode::Wfo,
        "2026-10-09T09:00:00Z",
        Some("2026-10-09T10:00:00Z"),
    )
    .await;
    // A rejection only closes the request: allowed in a locked period.
    as_admin
        .decide_request(pending.id, &Decision::reject("month closed").unwrap())
        .await
        .unwrap();

    // A company lock covers every team; reopening lets writes through.
    let reopened = as_admin
        .reopen_period(october.id, "payroll rerun")
        .await
        .unwrap()
        .value;
    assert_eq!(reopened, october);
    let company = lock(&svc, None, "2026-10-09", "2026-10-09").await.unwrap();
    locked(
        as_admin
            .record_session(
                other.ada.id,
                WorkMode::Wfh,
                ts("2026-10-09T11:00:00Z"),
                ts("2026-10-09T12:00:00Z"),
                "late entry",
            )
            .await,
        &company,
    );
    as_admin
        .correct_session(inside.id, &tweak, "was home")
        .await
        .unwrap();
    let listed = as_admin.period_locks(&LockFilter::default()).await.unwrap();
    assert_eq!(listed, [company]);
}

/// A lock may not overlap a standing one of its team or the company, nor
/// cover open sessions (they are listed); a team's lock follows each
/// date's team, so a later move does not unlock a closed month.
pub async fn locks_refuse_overlaps_and_open_sessions(store: Arc<dyn Store>) {
    let svc = service(&store);
    let c = crew(&svc, "North").await;
    let d = crew(&svc, "South").await;
    let october = lock(&svc, Some(c.team.id), "2026-10-01", "2026-10-31")
        .await
        .unwrap();
    for (team, from, to) in [
        (Some(c.team.id), "2026-10-31", "2026-11-01"),
        (None, "2026-09-01", "2026-10-01"),
    ] {
        match lock(&svc, team, from, to).await {
            Err(Error::Conflict(Conflict::LockOverlap { existing })) => {
                assert_eq!(*existing, october)
            }
            other => panic!("expected lock_overlap for {team:?} {from}..{to}, got {other:?}"),
        }
    }
    lock(&svc, Some(d.team.id), "2026-10-01", "2026-10-31")
        .await
        .unwrap();

    let open = cycle(&svc, d.ada.id, WorkMode::Wfo, "2026-11-02T08:00:00Z", None).await;
    match lock(&svc, None, "2026-11-01", "2026-11-30").await {
        Err(Error::Conflict(Conflict::OpenSessions { sessions })) => {
            assert_eq!(sessions, std::slice::from_ref(&open))
        }
        other => panic!("expected open_sessions, got {other:?}"),
    }
    lock(&svc, Some(c.team.id), "2026-11-01", "2026-11-30")
        .await
        .unwrap();

    // Move North's Ada to South today: her October stays North's, locked.
    let root = admin();
    svc.acting_as(&root)
        .update_employee(
            c.ada.id,
            &EmployeeChanges::new(None, None, Some(d.team.id), None).unwrap(),
        )
        .await
        .unwrap();
    let refused = svc
        .acting_as(&root)
        .record_session(
            c.ada.id,
            WorkMode::Wfo,
            ts("2026-10-14T09:00:00Z"),
            ts("2026-10-14T10:00:00Z"),
            "late",
        )
        .await;
    locked(refused, &october);
}
