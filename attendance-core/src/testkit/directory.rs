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
    let all = svc.teams(None, None).await.unwrap();
    assert_eq!(all.items, vec![berlin, night]);
    assert_eq!(all.next_cursor, None);
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
    assert_eq!(svc.teams(None, None).await.unwrap().items.len(), 1);
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
    let employees = |team| {
        let svc = svc.clone();
        async move { svc.employees(team, None, None).await.unwrap().items }
    };
    assert_eq!(employees(None).await, vec![boss.clone(), ada.clone()]);
    assert_eq!(employees(Some(a.id)).await, vec![boss]);
    assert_eq!(employees(Some(b.id)).await, vec![ada]);
}

/// Teams and employees are listed by id one page at a time: every item once, in order, `next_cursor` only while more
/// follow, the team filter kept across pages, bad sizes and cursors
/// refused.
pub async fn teams_and_employees_are_paged(store: Arc<dyn Store>) {
    let svc = service(&store);
    let mut teams = Vec::new();
    for name in ["T1", "T2", "T3", "T4", "T5"] {
        teams.push(team(&svc, name, "UTC").await);
    }
    let (a, b) = (teams[0].id, teams[1].id);
    let mut in_a = Vec::new();
    for i in 0..5 {
        let home = if i % 2 == 0 { a } else { b };
        let e = employee(&svc, &format!("E{i}"), home).await;
        if home == a {
            in_a.push(e);
        }
    }

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let page = svc.teams(Some(2), cursor.as_deref()).await.unwrap();
        assert!(page.items.len() <= 2);
        pages += 1;
        seen.extend(page.items);
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(seen, teams);
    assert_eq!(pages, 3);
    // A page that ends exactly at the last item says no more follow.
    let whole = svc.teams(Some(5), None).await.unwrap();
    assert_eq!(whole.items, teams);
    assert_eq!(whole.next_cursor, None);

    let first = svc.employees(Some(a), Some(2), None).await.unwrap();
    assert_eq!(first.items, in_a[..2]);
    let next = first.next_cursor.expect("a second page");
    let second = svc.employees(Some(a), Some(2), Some(&next)).await.unwrap();
    assert_eq!(second.items, in_a[2..]);
    assert_eq!(second.next_cursor, None);
    let everyone = svc.employees(None, Some(500), None).await.unwrap();
    assert_eq!(everyone.items.len(), 5);

    for (limit, cursor, field) in [
        (Some(0), None, "limit"),
        (Some(501), None, "limit"),
        (None, Some("nope"), "cursor"),
    ] {
        let err = svc.teams(limit, cursor).await.unwrap_err();
        assert!(
            matches!(err, Error::Validation { field: f, .. } if f == field),
            "{err:?}"
        );
        let err = svc.employees(None, limit, cursor).await.unwrap_err();
        assert!(
            matches!(err, Error::Validation { field: f, .. } if f == field),
            "{err:?}"
        );
    }
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
        svc.employees(Some(missing_team), None, None)
            .await
            .unwrap_err(),
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
