//! Teams and employees: create, read, list, unknown ids.

use super::prelude::*;

/// Teams can be created, read back and listed.
pub async fn teams_create_get_list(store: Arc<dyn Store>) {
    let svc = service(&store);
    let berlin = team(&svc, "  Berlin Ops ", "Europe/Berlin").await;
    assert_eq!(berlin.name, "Berlin Ops");
    assert_eq!(berlin.timezone, chrono_tz::Europe::Berlin);
    assert_eq!(berlin.late_after, time("09:30:00"));
    let late = NewTeam::new("Night desk")
        .unwrap()
        .with_late_after(time("22:15:00"));
    let night = svc.create_team(&late).await.unwrap();
    assert_eq!(night.timezone, chrono_tz::UTC);
    assert_eq!(night.late_after, time("22:15:00"));
    assert_ne!(berlin.id, night.id);
    assert_eq!(svc.team(berlin.id).await.unwrap(), berlin);
    let all = svc.teams().await.unwrap();
    assert_eq!(all, vec![berlin, night]);
}

/// A second team with the same name, in any letter case, is a conflict.
pub async fn duplicate_team_name(store: Arc<dyn Store>) {
    let svc = service(&store);
    team(&svc, "Platform", "UTC").await;
    for name in ["Platform", " platform ", "PLATFORM"] {
        let err = svc
            .create_team(&NewTeam::new(name).unwrap())
            .await
            .unwrap_err();
        assert!(
            matches!(&err, Error::Conflict(Conflict::DuplicateTeamName { name: n }) if n == name.trim()),
            "{name}: {err:?}"
        );
    }
    assert_eq!(svc.teams().await.unwrap().len(), 1);
}

/// Employees can be created, read back and listed by team.
pub async fn employees_create_get_list(store: Arc<dyn Store>) {
    let svc = service(&store);
    let a = team(&svc, "A", "UTC").await;
    let b = team(&svc, "B", "Asia/Kolkata").await;
    let boss = svc
        .create_employee(
            &NewEmployee::new(" Grace Hopper ", " Director ", a.id)
                .unwrap()
                .manager(true),
        )
        .await
        .unwrap();
    assert_eq!(boss.name, "Grace Hopper");
    assert_eq!(boss.role, "Director");
    assert!(boss.is_manager);
    assert_eq!(boss.team_id, a.id);
    let ada = employee(&svc, "Ada", b.id).await;
    assert!(!ada.is_manager);
    assert_eq!(svc.employee(ada.id).await.unwrap(), ada);
    assert_eq!(
        svc.employees(None).await.unwrap(),
        vec![boss.clone(), ada.clone()]
    );
    assert_eq!(svc.employees(Some(a.id)).await.unwrap(), vec![boss]);
    assert_eq!(svc.employees(Some(b.id)).await.unwrap(), vec![ada]);
}

/// Unknown ids are not-found errors naming the entity, everywhere.
pub async fn unknown_ids(store: Arc<dyn Store>) {
    let svc = service(&store);
    let trends = TrendService::new(store.clone());
    let missing_team = TeamId(4242);
    let missing = EmployeeId(4242);
    let is_missing = |err: Error, entity: Entity| {
        assert!(
            matches!(err, Error::NotFound { entity: e, id: 4242 } if e == entity),
            "{err:?}"
        );
    };
    is_missing(svc.team(missing_team).await.unwrap_err(), Entity::Team);
    is_missing(svc.employee(missing).await.unwrap_err(), Entity::Employee);
    is_missing(
        svc.employees(Some(missing_team)).await.unwrap_err(),
        Entity::Team,
    );
    is_missing(
        svc.create_employee(&NewEmployee::new("Ada", "Engineer", missing_team).unwrap())
            .await
            .unwrap_err(),
        Entity::Team,
    );
    is_missing(
        svc.clock_in(missing, WorkMode::Wfo, None)
            .await
            .unwrap_err(),
        Entity::Employee,
    );
    is_missing(
        svc.clock_out(missing, None).await.unwrap_err(),
        Entity::Employee,
    );
    let q = TrendQuery::new(date("2026-10-01"), date("2026-10-31"), Granularity::Week).unwrap();
    is_missing(
        trends.employee_trend(missing, &q).await.unwrap_err(),
        Entity::Employee,
    );
    is_missing(
        trends.team_trend(missing_team, &q).await.unwrap_err(),
        Entity::Team,
    );
    assert!(svc.open_session(missing).await.unwrap().is_none());
}
