//! Changing employees, and the audit trail of changes that concern other
//! teams than the reader's.

use super::audit::{trail, trail_of};
use super::prelude::*;
use crate::access::{Actor, Identity, Principal};
use crate::audit::{AuditAction, AuditFilter};
use crate::domain::EmployeeChanges;
use crate::idempotency::{IdempotencyKey, Written};
use crate::service::ManualClock;

fn changes(
    name: Option<&str>,
    role: Option<&str>,
    team: Option<TeamId>,
    manager: Option<bool>,
) -> EmployeeChanges {
    EmployeeChanges::new(name, role, team, manager).unwrap()
}

/// An admin changes an employee's name, role, team and manager flag; the
/// entry keeps the employee before and after; a move dates the sessions
/// from then on in the new team's timezone and leaves the existing ones;
/// dismissing a manager from the team they head turns the flag off.
pub async fn employees_are_changed_by_admins(store: Arc<dyn Store>) {
    let clock = Arc::new(ManualClock::new(ts("2026-11-02T08:00:00Z")));
    let svc = AttendanceService::new(store.clone()).with_clock(clock);
    let utc = team(&svc, "Ops", "UTC").await;
    let tokyo = team(&svc, "Tokyo", "Asia/Tokyo").await;
    let boss = svc
        .create_employee(
            &NewEmployee::new("Boss", "Lead", utc.id)
                .unwrap()
                .manager(true),
        )
        .await
        .unwrap();
    let ada = employee(&svc, "Ada", utc.id).await;
    let earlier = cycle(
        &svc,
        ada.id,
        WorkMode::Wfo,
        "2026-11-01T20:00:00Z",
        Some("2026-11-01T21:00:00Z"),
    )
    .await;
    assert_eq!(earlier.work_date, date("2026-11-01"));

    assert!(matches!(
        EmployeeChanges::new(None, None, None, None),
        Err(Error::Validation { .. })
    ));
    let as_boss = svc
        .principal(&Identity::Employee { id: boss.id })
        .await
        .unwrap();
    let rename = changes(Some("Ada L."), None, None, None);
    let refused = svc
        .acting_as(&as_boss)
        .update_employee(ada.id, &rename)
        .await;
    assert!(
        matches!(refused, Err(Error::Forbidden { .. })),
        "{refused:?}"
    );
    let admin = Principal::admin("ops");
    let as_admin = svc.acting_as(&admin);
    let unknown = as_admin.update_employee(EmployeeId(999), &rename).await;
    assert!(
        matches!(
            unknown,
            Err(Error::NotFound {
                entity: Entity::Employee,
                ..
            })
        ),
        "{unknown:?}"
    );
    let nowhere = changes(None, None, Some(TeamId(999)), None);
    let unknown = as_admin.update_employee(ada.id, &nowhere).await;
    assert!(
        matches!(
            unknown,
            Err(Error::NotFound {
                entity: Entity::Team,
                ..
            })
        ),
        "{unknown:?}"
    );
    let entries = trail(&svc).await.len();

    let moved = changes(Some(" Ada L. "), Some("Lead"), Some(tokyo.id), Some(true));
    let after = as_admin.update_employee(ada.id, &moved).await.unwrap();
    let expected = Employee {
        id: ada.id,
        name: "Ada L.".into(),
        role: "Lead".into(),
        team_id: tokyo.id,
        is_manager: true,
    };
    assert_eq!(after.value, expected);
    assert!(!after.replayed);
    assert_eq!(svc.employee(ada.id).await.unwrap(), expected);
    let trail_now = trail(&svc).await;
    assert_eq!(trail_now.len(), entries + 1, "one entry per change");
    let entry = trail_now.last().unwrap();
    assert_eq!(entry.record.action, AuditAction::EmployeeUpdated);
    assert_eq!(
        entry.actor,
        Actor::Admin {
            name: "ops".into(),
            token: None
        }
    );
    assert_eq!(entry.record.employee_id, Some(ada.id));
    assert_eq!(entry.record.team_id, Some(tokyo.id));
    assert_eq!(entry.record.before, Some(Written::Employee(ada.clone())));
    assert_eq!(
        entry.record.after,
        Some(Written::Employee(expected.clone()))
    );

    // Sessions from now on are dated in Tokyo; the earlier one keeps its date.
    let later = cycle(
        &svc,
        ada.id,
        WorkMode::Wfo,
        "2026-11-01T22:00:00Z",
        Some("2026-11-01T23:00:00Z"),
    )
    .await;
    assert_eq!(later.work_date, date("2026-11-02"), "07:00 in Tokyo");
    assert_eq!(
        svc.session(earlier.id).await.unwrap().work_date,
        date("2026-11-01")
    );
    let as_ada = svc
        .principal(&Identity::Employee { id: ada.id })
        .await
        .unwrap();
    assert_eq!(
        as_ada.member().map(|m| m.manages.clone()),
        Some(vec![tokyo.id])
    );

    // Once under a key.
    let key = IdempotencyKey::new("ops", "rename-1").unwrap();
    let role = changes(None, Some("Principal"), None, None);
    let first = svc
        .idempotent(&key)
        .update_employee(ada.id, &role)
        .await
        .unwrap();
    let retry = svc
        .idempotent(&key)
        .update_employee(ada.id, &role)
        .await
        .unwrap();
    assert!(!first.replayed && retry.replayed);
    assert_eq!(first.value, retry.value);

    // A manager of the team they head is dismissed like an appointee.
    assert!(as_admin.dismiss_manager(tokyo.id, ada.id).await.unwrap());
    assert!(!svc.employee(ada.id).await.unwrap().is_manager);
    let as_ada = svc
        .principal(&Identity::Employee { id: ada.id })
        .await
        .unwrap();
    assert_eq!(as_ada.member().map(|m| m.is_manager()), Some(false));
    assert!(!as_admin.dismiss_manager(tokyo.id, ada.id).await.unwrap());
    let refused = svc
        .acting_as(&as_boss)
        .dismiss_manager(utc.id, boss.id)
        .await;
    assert!(
        matches!(refused, Err(Error::Forbidden { .. })),
        "{refused:?}"
    );
}

/// A manager reads the entries about their teams' members only where the
/// entry names no other team: an appointment of their member to another
/// team, its end, and a creation in another team are that team's business.
/// Each kind of entry is checked on its own.
pub async fn audit_entries_about_other_teams_are_hidden(store: Arc<dyn Store>) {
    let svc = service(&store);
    let a = team(&svc, "A", "UTC").await;
    let b = team(&svc, "B", "UTC").await;
    let boss_a = svc
        .create_employee(
            &NewEmployee::new("Boss A", "Lead", a.id)
                .unwrap()
                .manager(true),
        )
        .await
        .unwrap();
    let boss_b = svc
        .create_employee(
            &NewEmployee::new("Boss B", "Lead", b.id)
                .unwrap()
                .manager(true),
        )
        .await
        .unwrap();
    let ada = employee(&svc, "Ada", a.id).await;
    let admin = Principal::admin("ops");
    let as_admin = svc.acting_as(&admin);
    as_admin.appoint_manager(b.id, ada.id).await.unwrap();
    as_admin.dismiss_manager(b.id, ada.id).await.unwrap();
    cycle(
        &svc,
        ada.id,
        WorkMode::Wfh,
        "2026-11-02T08:00:00Z",
        Some("2026-11-02T09:00:00Z"),
    )
    .await;
    let everything = AuditFilter::default();
    let reader = async |id: EmployeeId| {
        let principal = svc.principal(&Identity::Employee { id }).await.unwrap();
        trail_of(&svc, &principal, &everything).await
    };
    let seen = |entries: &[crate::audit::AuditEntry], action: AuditAction| {
        entries
            .iter()
            .filter(|e| e.record.action == action && e.record.employee_id == Some(ada.id))
            .count()
    };
    let of_a = reader(boss_a.id).await;
    let of_ada = reader(ada.id).await;
    let of_b = reader(boss_b.id).await;
    for (action, by_a, by_ada) in [
        (AuditAction::EmployeeCreated, 1, 1),
        (AuditAction::ManagerAppointed, 0, 1),
        (AuditAction::ManagerDismissed, 0, 1),
        (AuditAction::ClockIn, 1, 1),
        (AuditAction::ClockOut, 1, 1),
    ] {
        assert_eq!(seen(&of_a, action), by_a, "{action:?} to A's manager");
        assert_eq!(seen(&of_ada, action), by_ada, "{action:?} to Ada");
        assert_eq!(seen(&of_b, action), 0, "{action:?} to B's manager");
    }

    // Moved to B: the move and her sessions are B's now; her creation in
    // A stays A's business, and A's manager sees none of it any more.
    let to_b = changes(None, None, Some(b.id), None);
    as_admin.update_employee(ada.id, &to_b).await.unwrap();
    let of_a = reader(boss_a.id).await;
    let of_b = reader(boss_b.id).await;
    for (action, by_b) in [
        (AuditAction::EmployeeCreated, 0),
        (AuditAction::ManagerAppointed, 1),
        (AuditAction::ManagerDismissed, 1),
        (AuditAction::ClockIn, 1),
        (AuditAction::ClockOut, 1),
        (AuditAction::EmployeeUpdated, 1),
    ] {
        assert_eq!(
            seen(&of_a, action),
            0,
            "{action:?} to A's manager after the move"
        );
        assert_eq!(
            seen(&of_b, action),
            by_b,
            "{action:?} to B's manager after the move"
        );
    }
}
