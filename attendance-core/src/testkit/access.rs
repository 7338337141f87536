//! Scope: what each principal may see and change, through the store under
//! test (listings and appointments are computed there).

use super::prelude::*;
use crate::access::{Actor, Identity, Principal};
use crate::audit::{AuditAction, AuditFilter};

/// Two teams: A (manager `boss`, created as one; member `ada`) and B
/// (member `bo`), each with one closed session, all resolved to principals.
struct Company {
    svc: AttendanceService,
    a: Team,
    b: Team,
    boss: Principal,
    ada: Principal,
    boss_id: EmployeeId,
    ada_id: EmployeeId,
    bo_id: EmployeeId,
}

async fn company(store: &Arc<dyn Store>) -> Company {
    let svc = service(store);
    let a = team(&svc, "A", "UTC").await;
    let b = team(&svc, "B", "UTC").await;
    let boss = svc
        .create_employee(
            &NewEmployee::new("Boss", "Lead", a.id)
                .unwrap()
                .manager(true),
        )
        .await
        .unwrap();
    let ada = employee(&svc, "Ada", a.id).await;
    let bo = employee(&svc, "Bo", b.id).await;
    for (who, day) in [(boss.id, "27"), (ada.id, "28"), (bo.id, "29")] {
        let (from, to) = (
            format!("2026-10-{day}T09:00:00Z"),
            format!("2026-10-{day}T17:00:00Z"),
        );
        cycle(&svc, who, WorkMode::Wfo, &from, Some(&to)).await;
    }
    let boss_p = svc
        .principal(&Identity::Employee { id: boss.id })
        .await
        .unwrap();
    let ada_p = svc
        .principal(&Identity::Employee { id: ada.id })
        .await
        .unwrap();
    Company {
        svc,
        a,
        b,
        boss: boss_p,
        ada: ada_p,
        boss_id: boss.id,
        ada_id: ada.id,
        bo_id: bo.id,
    }
}

fn owners(sessions: &[AttendanceSession]) -> Vec<EmployeeId> {
    let mut ids: Vec<_> = sessions.iter().map(|s| s.employee_id).collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

async fn listed(c: &Company, who: &Principal, filter: &SessionFilter) -> Vec<EmployeeId> {
    let page = c
        .svc
        .acting_as(who)
        .sessions(filter, Some(100), None)
        .await
        .unwrap();
    owners(&page.items)
}

/// Listings hold only the rows in scope, whatever the filter asks for.
pub async fn listings_hold_only_rows_in_scope(store: Arc<dyn Store>) {
    let c = company(&store).await;
    let all = SessionFilter::default();
    assert_eq!(listed(&c, &c.ada, &all).await, vec![c.ada_id]);
    assert_eq!(listed(&c, &c.boss, &all).await, vec![c.boss_id, c.ada_id]);
    let admin = Principal::system();
    assert_eq!(
        listed(&c, &admin, &all).await,
        vec![c.boss_id, c.ada_id, c.bo_id]
    );
    let of_bo = SessionFilter {
        employee_id: Some(c.bo_id),
        ..SessionFilter::default()
    };
    assert!(listed(&c, &c.ada, &of_bo).await.is_empty());
    assert!(listed(&c, &c.boss, &of_bo).await.is_empty());
    let of_b = SessionFilter {
        team_id: Some(c.b.id),
        from: Some(date("2026-10-01")),
        to: Some(date("2026-10-31")),
        ..SessionFilter::default()
    };
    assert!(listed(&c, &c.boss, &of_b).await.is_empty());
    assert_eq!(listed(&c, &admin, &of_b).await, vec![c.bo_id]);

    let employees = |who: Principal, team: Option<TeamId>| {
        let svc = c.svc.clone();
        async move {
            let page = svc.acting_as(&who).employees(team, None, None).await?;
            Ok::<_, Error>(page.items.into_iter().map(|e| e.id).collect::<Vec<_>>())
        }
    };
    assert_eq!(
        employees(c.ada.clone(), None).await.unwrap(),
        vec![c.ada_id]
    );
    assert_eq!(
        employees(c.boss.clone(), None).await.unwrap(),
        vec![c.boss_id, c.ada_id]
    );
    assert_eq!(
        employees(c.boss.clone(), Some(c.a.id)).await.unwrap(),
        vec![c.boss_id, c.ada_id]
    );
    assert!(matches!(
        employees(c.boss.clone(), Some(c.b.id)).await,
        Err(Error::NotFound { .. })
    ));
    let teams = c.svc.acting_as(&c.ada).teams(None, None).await.unwrap();
    assert_eq!(teams.items, vec![c.a.clone()]);
}

/// Reads out of scope are not found, exactly like unknown ids.
pub async fn reads_out_of_scope_are_not_found(store: Arc<dyn Store>) {
    let c = company(&store).await;
    let as_ada = c.svc.acting_as(&c.ada);
    assert_eq!(as_ada.employee(c.ada_id).await.unwrap().id, c.ada_id);
    for hidden in [c.bo_id, c.boss_id, EmployeeId(999_999)] {
        let err = as_ada.employee(hidden).await.unwrap_err();
        assert!(matches!(err, Error::NotFound { .. }), "{hidden}: {err:?}");
    }
    assert_eq!(as_ada.team(c.a.id).await.unwrap(), c.a);
    assert!(matches!(
        as_ada.team(c.b.id).await,
        Err(Error::NotFound { .. })
    ));

    let trends = TrendService::new(store.clone());
    let query = TrendQuery::new(date("2026-10-26"), date("2026-11-01"), Granularity::Day).unwrap();
    let ada_trends = trends.acting_as(&c.ada);
    assert!(ada_trends.employee_trend(c.ada_id, &query).await.is_ok());
    for (who, err) in [
        (
            c.boss_id,
            ada_trends.employee_trend(c.boss_id, &query).await,
        ),
        (c.bo_id, ada_trends.employee_trend(c.bo_id, &query).await),
    ] {
        assert!(matches!(err, Err(Error::NotFound { .. })), "{who}: {err:?}");
    }
    assert!(matches!(
        ada_trends.team_trend(c.a.id, &query).await,
        Err(Error::NotFound { .. })
    ));
    let boss_trends = trends.acting_as(&c.boss);
    let team = boss_trends.team_trend(c.a.id, &query).await.unwrap();
    assert_eq!(team.headcount, 2);
    assert!(boss_trends.employee_trend(c.ada_id, &query).await.is_ok());
    assert!(matches!(
        boss_trends.employee_trend(c.bo_id, &query).await,
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        boss_trends.team_trend(c.b.id, &query).await,
        Err(Error::NotFound { .. })
    ));
}

/// Clocking: themself within the window, a manager their teams, an admin
/// anyone; the rest is forbidden (unknown employees included) and writes
/// nothing.
pub async fn writes_follow_the_matrix(store: Arc<dyn Store>) {
    let c = company(&store).await;
    // Past the self-service window, after the company's sessions.
    let long_ago = now() - TimeDelta::days(3);
    let as_boss = c.svc.acting_as(&c.boss);
    as_boss
        .clock_in(c.ada_id, WorkMode::Wfo, Some(long_ago))
        .await
        .unwrap();
    let out = Some(long_ago + TimeDelta::hours(6));
    as_boss.clock_out(c.ada_id, out).await.unwrap();
    let outside = as_boss.clock_in(c.bo_id, WorkMode::Wfo, None).await;
    assert!(
        matches!(outside, Err(Error::Forbidden { .. })),
        "{outside:?}"
    );
    let ghost = as_boss
        .clock_in(EmployeeId(999_999), WorkMode::Wfo, None)
        .await;
    assert!(matches!(ghost, Err(Error::Forbidden { .. })), "{ghost:?}");
    let employee = NewEmployee::new("Cy", "Engineer", c.a.id).unwrap();
    assert!(matches!(
        as_boss.create_employee(&employee).await,
        Err(Error::Forbidden { .. })
    ));

    let as_ada = c.svc.acting_as(&c.ada);
    let in_window = Some(now() - TimeDelta::hours(47));
    let too_old = Some(now() - TimeDelta::hours(49));
    let s = as_ada
        .clock_in(c.ada_id, WorkMode::Wfh, in_window)
        .await
        .unwrap();
    assert_eq!(s.value.employee_id, c.ada_id);
    let forbidden = [
        as_ada.clock_out(c.ada_id, too_old).await.map(|_| ()),
        as_ada
            .clock_in(c.bo_id, WorkMode::Wfo, None)
            .await
            .map(|_| ()),
        as_ada
            .clock_in(c.boss_id, WorkMode::Wfo, None)
            .await
            .map(|_| ()),
        as_ada
            .clock_in(EmployeeId(999_999), WorkMode::Wfo, None)
            .await
            .map(|_| ()),
        as_ada
            .create_team(&NewTeam::new("C").unwrap())
            .await
            .map(|_| ()),
        as_ada.appoint_manager(c.b.id, c.ada_id).await,
    ];
    for (i, result) in forbidden.into_iter().enumerate() {
        assert!(
            matches!(result, Err(Error::Forbidden { .. })),
            "#{i}: {result:?}"
        );
    }
    assert!(c.svc.open_session(c.bo_id).await.unwrap().is_none());
    as_ada.clock_out(c.ada_id, None).await.unwrap();

    let admin = Principal::system();
    let as_admin = c.svc.acting_as(&admin);
    as_admin
        .clock_in(c.bo_id, WorkMode::Wfh, Some(long_ago))
        .await
        .unwrap();
    let unknown = as_admin
        .clock_in(EmployeeId(999_999), WorkMode::Wfo, None)
        .await;
    assert!(
        matches!(unknown, Err(Error::NotFound { .. })),
        "{unknown:?}"
    );
}

/// Appointments widen a manager's scope; ending them narrows it again; a
/// manager's own team is not an appointment.
pub async fn appointments_change_what_a_manager_manages(store: Arc<dyn Store>) {
    let c = company(&store).await;
    let admin = Principal::system();
    let as_admin = c.svc.acting_as(&admin);
    let boss = Identity::Employee { id: c.boss_id };
    let manages = |p: Principal| p.member().map(|m| m.manages.clone()).unwrap_or_default();
    assert_eq!(manages(c.boss.clone()), vec![c.a.id]);
    assert_eq!(manages(c.ada.clone()), Vec::<TeamId>::new());

    as_admin.appoint_manager(c.b.id, c.boss_id).await.unwrap();
    as_admin.appoint_manager(c.b.id, c.boss_id).await.unwrap();
    let widened = c.svc.principal(&boss).await.unwrap();
    assert_eq!(manages(widened.clone()), vec![c.a.id, c.b.id]);
    let all = SessionFilter::default();
    assert_eq!(
        listed(&c, &widened, &all).await,
        vec![c.boss_id, c.ada_id, c.bo_id]
    );
    as_admin.appoint_manager(c.b.id, c.ada_id).await.unwrap();
    let ada = c
        .svc
        .principal(&Identity::Employee { id: c.ada_id })
        .await
        .unwrap();
    assert_eq!(manages(ada), vec![c.b.id]);

    assert!(as_admin.dismiss_manager(c.b.id, c.boss_id).await.unwrap());
    assert!(!as_admin.dismiss_manager(c.b.id, c.boss_id).await.unwrap());
    assert_eq!(manages(c.svc.principal(&boss).await.unwrap()), vec![c.a.id]);
    // The team they were created to head: dismissal turns the flag off.
    assert!(as_admin.dismiss_manager(c.a.id, c.boss_id).await.unwrap());
    assert!(!as_admin.dismiss_manager(c.a.id, c.boss_id).await.unwrap());
    assert!(manages(c.svc.principal(&boss).await.unwrap()).is_empty());

    // One entry per change, none for the repeated appointment or the
    // dismissals that changed nothing; newest first.
    let of_boss = AuditFilter {
        employee_id: Some(c.boss_id),
        ..AuditFilter::default()
    };
    let trail = c.svc.audit(&of_boss, Some(100), None).await.unwrap().items;
    let changes: Vec<_> = trail
        .iter()
        .filter(|e| {
            matches!(
                e.record.action,
                AuditAction::ManagerAppointed | AuditAction::ManagerDismissed
            )
        })
        .map(|e| (e.record.action, e.record.team_id, e.actor.clone()))
        .collect();
    assert_eq!(
        changes,
        vec![
            (AuditAction::ManagerDismissed, Some(c.b.id), Actor::System),
            (AuditAction::ManagerAppointed, Some(c.b.id), Actor::System),
        ]
    );

    for result in [
        as_admin.appoint_manager(TeamId(999_999), c.boss_id).await,
        as_admin.appoint_manager(c.a.id, EmployeeId(999_999)).await,
    ] {
        assert!(matches!(result, Err(Error::NotFound { .. })), "{result:?}");
    }
    let ghost = c
        .svc
        .principal(&Identity::Employee {
            id: EmployeeId(999_999),
        })
        .await;
    assert!(matches!(ghost, Err(Error::NotFound { .. })), "{ghost:?}");
}
