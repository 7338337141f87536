//! Trend figures and day records, computed by hand.

use super::prelude::*;

/// Every trend figure on a small data set computed by hand.
///
/// Team Berlin (CET, late after 09:30), week of Monday 2 March 2026:
/// - Ada: Mon 08:00–12:00 WFO + 12:30–16:30 WFO; Tue 09:45–17:45 WFH (late);
///   Wed 09:00–12:00 WFH + 13:00–17:00 WFO.
/// - Bob: Mon 10:00–18:00 WFO (late); Sat 10:00–12:00 WFH (late);
///   Mon 9 March 08:30 WFO, never clocked out.
pub async fn trend_figures_hand_computed(store: Arc<dyn Store>) {
    let svc = service(&store);
    let trends = TrendService::new(store.clone());
    let t = team(&svc, "Berlin", "Europe/Berlin").await;
    let ada = employee(&svc, "Ada", t.id).await;
    let bob = employee(&svc, "Bob", t.id).await;
    let _idle = employee(&svc, "Idle", t.id).await;
    let other_team = team(&svc, "Elsewhere", "UTC").await;
    let stranger = employee(&svc, "Stranger", other_team.id).await;
    use WorkMode::{Wfh, Wfo};
    for (who, mode, i, o) in [
        (
            ada.id,
            Wfo,
            "2026-03-02T07:00:00Z",
            Some("2026-03-02T11:00:00Z"),
        ),
        (
            ada.id,
            Wfo,
            "2026-03-02T11:30:00Z",
            Some("2026-03-02T15:30:00Z"),
        ),
        (
            ada.id,
            Wfh,
            "2026-03-03T08:45:00Z",
            Some("2026-03-03T16:45:00Z"),
        ),
        (
            ada.id,
            Wfh,
            "2026-03-04T08:00:00Z",
            Some("2026-03-04T11:00:00Z"),
        ),
        (
            ada.id,
            Wfo,
            "2026-03-04T12:00:00Z",
            Some("2026-03-04T16:00:00Z"),
        ),
        (
            bob.id,
            Wfo,
            "2026-03-02T09:00:00Z",
            Some("2026-03-02T17:00:00Z"),
        ),
        (
            bob.id,
            Wfh,
            "2026-03-07T09:00:00Z",
            Some("2026-03-07T11:00:00Z"),
        ),
        (bob.id, Wfo, "2026-03-09T07:30:00Z", None),
        (
            stranger.id,
            Wfo,
            "2026-03-02T07:00:00Z",
            Some("2026-03-02T20:00:00Z"),
        ),
    ] {
        cycle(&svc, who, mode, i, o).await;
    }

    let q = TrendQuery::new(date("2026-03-02"), date("2026-03-04"), Granularity::Day).unwrap();
    let by_day = trends.employee_trend(ada.id, &q).await.unwrap();
    let got: Vec<_> = by_day
        .points
        .iter()
        .map(|p| {
            (
                p.label.as_str(),
                p.days_present,
                p.sessions,
                p.worked_seconds,
                p.avg_clock_in,
                p.wfh_days,
                p.wfo_days,
                p.late_arrivals,
                p.open_sessions,
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                "2026-03-02",
                1,
                2,
                28_800,
                Some(time("08:00:00")),
                0,
                1,
                0,
                0
            ),
            (
                "2026-03-03",
                1,
                1,
                28_800,
                Some(time("09:45:00")),
                1,
                0,
                1,
                0
            ),
            (
                "2026-03-04",
                1,
                2,
                25_200,
                Some(time("09:00:00")),
                1,
                1,
                0,
                0
            ),
        ]
    );

    let q = TrendQuery::new(date("2026-03-02"), date("2026-03-08"), Granularity::Week).unwrap();
    let week = trends.employee_trend(ada.id, &q).await.unwrap();
    assert_eq!(week.points.len(), 1);
    let p = &week.points[0];
    assert_eq!(p.label, "2026-W10");
    assert_eq!(
        (p.days_present, p.sessions, p.worked_seconds),
        (3, 5, 82_800)
    );
    assert_eq!(p.hours_worked, 23.0);
    // (08:00 + 09:45 + 09:00) / 3
    assert_eq!(p.avg_clock_in, Some(time("08:55:00")));
    assert_eq!(
        (p.wfh_days, p.wfo_days, p.late_arrivals, p.open_sessions),
        (2, 2, 1, 0)
    );

    let q = TrendQuery::new(date("2026-03-02"), date("2026-03-15"), Granularity::Week).unwrap();
    let team_trend = trends.team_trend(t.id, &q).await.unwrap();
    assert_eq!(team_trend.headcount, 3);
    assert_eq!(team_trend.points.len(), 2);
    let w10 = &team_trend.points[0];
    assert_eq!(
        (
            w10.figures.days_present,
            w10.figures.sessions,
            w10.figures.worked_seconds
        ),
        (5, 7, 118_800)
    );
    // (08:00 + 09:45 + 09:00 + 10:00 + 10:00) / 5
    assert_eq!(w10.figures.avg_clock_in, Some(time("09:21:00")));
    assert_eq!(
        (
            w10.figures.wfh_days,
            w10.figures.wfo_days,
            w10.figures.late_arrivals,
            w10.figures.open_sessions
        ),
        (3, 3, 3, 0)
    );
    assert_eq!((w10.working_days, w10.days_present_on_working_days), (5, 4));
    // 4 present weekdays / (3 people × 5 days)
    assert_eq!(w10.attendance_rate, Some(0.2667));
    let w11 = &team_trend.points[1];
    assert_eq!(
        (
            w11.figures.days_present,
            w11.figures.sessions,
            w11.figures.worked_seconds
        ),
        (1, 1, 0)
    );
    assert_eq!(w11.figures.avg_clock_in, Some(time("08:30:00")));
    assert_eq!(
        (
            w11.figures.open_sessions,
            w11.figures.wfo_days,
            w11.figures.late_arrivals
        ),
        (1, 1, 0)
    );
    assert_eq!(w11.attendance_rate, Some(0.0667));

    let q = TrendQuery::new(date("2026-02-15"), date("2026-03-31"), Granularity::Month).unwrap();
    let months = trends.team_trend(t.id, &q).await.unwrap();
    assert_eq!(months.points.len(), 2);
    assert_eq!(months.points[0].figures.label, "2026-02");
    assert_eq!(months.points[0].figures.days_present, 0);
    assert_eq!(months.points[0].attendance_rate, Some(0.0));
    assert_eq!(months.points[1].figures.days_present, 6);
    assert_eq!(months.points[1].figures.sessions, 8);
    // 1–31 March 2026 has 22 weekdays.
    assert_eq!(months.points[1].working_days, 22);
}

/// Day records list every employee in scope, present or not, and open
/// sessions from earlier days are reported as forgotten clock-outs.
pub async fn day_records_and_forgotten_clock_outs(store: Arc<dyn Store>) {
    let svc = service(&store);
    let berlin = team(&svc, "Berlin", "Europe/Berlin").await;
    let ny = team(&svc, "New York", "America/New_York").await;
    let ada = employee(&svc, "Ada", berlin.id).await;
    employee(&svc, "Bob", berlin.id).await;
    let cy = employee(&svc, "Cy", berlin.id).await;
    let nina = employee(&svc, "Nina", ny.id).await;
    use WorkMode::{Wfh, Wfo};
    // Cy forgot to clock out on Thursday 29 October.
    let forgotten = cycle(&svc, cy.id, Wfo, "2026-10-29T08:00:00Z", None).await;
    // Friday 30 October (CET, UTC+1).
    cycle(
        &svc,
        ada.id,
        Wfh,
        "2026-10-30T07:10:00Z",
        Some("2026-10-30T11:00:00Z"),
    )
    .await;
    cycle(
        &svc,
        ada.id,
        Wfo,
        "2026-10-30T12:00:00Z",
        Some("2026-10-30T16:00:00Z"),
    )
    .await;
    cycle(&svc, nina.id, Wfo, "2026-10-30T14:00:00Z", None).await;
    let records = store.day_records(date("2026-10-30"), None).await.unwrap();
    let names: Vec<&str> = records.iter().map(|r| r.employee.name.as_str()).collect();
    assert_eq!(names, vec!["Ada", "Bob", "Cy", "Nina"]);
    let a = &records[0];
    assert!(a.present() && a.wfh && a.wfo && !a.late && !a.open);
    assert_eq!(a.team_name, "Berlin");
    assert_eq!(a.first_clock_in, Some(time("08:10:00")));
    assert_eq!((a.sessions, a.worked_seconds), (2, 8 * 3600 - 10 * 60));
    let b = &records[1];
    assert!(!b.present() && !b.wfh && !b.wfo && !b.late && !b.open);
    assert_eq!(
        (b.first_clock_in, b.sessions, b.worked_seconds),
        (None, 0, 0)
    );
    assert!(!records[2].present(), "Cy's open session is dated the 29th");
    let n = &records[3];
    // 14:00 UTC is 10:00 in New York (UTC-4 until 1 November): late.
    assert!(n.present() && n.late && n.open && n.wfo);
    assert_eq!(n.first_clock_in, Some(time("10:00:00")));
    assert_eq!(n.team_name, "New York");

    let only_berlin = store
        .day_records(date("2026-10-30"), Some(&[berlin.id]))
        .await
        .unwrap();
    assert_eq!(only_berlin.len(), 3);
    let err = store
        .day_records(date("2026-10-30"), Some(&[TeamId(999)]))
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        Error::NotFound {
            entity: Entity::Team,
            ..
        }
    ));

    let stale = store
        .open_sessions_before(date("2026-10-30"), None)
        .await
        .unwrap();
    assert_eq!(stale, vec![forgotten.clone()]);
    let stale = store
        .open_sessions_before(date("2026-10-31"), None)
        .await
        .unwrap();
    assert_eq!(stale.len(), 2);
    assert_eq!(stale[0], forgotten);
    let stale = store
        .open_sessions_before(date("2026-10-31"), Some(&[ny.id]))
        .await
        .unwrap();
    assert_eq!(stale.len(), 1);
    assert_eq!(stale[0].employee_id, nina.id);
    assert!(
        store
            .open_sessions_before(date("2026-10-29"), None)
            .await
            .unwrap()
            .is_empty()
    );
    store.ping().await.unwrap();
}

/// Day records and forgotten clock-outs of a set of teams (a manager's
/// summary over the teams they manage): the members of those teams only,
/// in the order of the whole company's records, and an unknown team in
/// the set is not found even when the others have rows.
pub async fn day_records_of_a_set_of_teams(store: Arc<dyn Store>) {
    let svc = service(&store);
    let ops = team(&svc, "Ops", "UTC").await;
    let dev = team(&svc, "Dev", "Asia/Kolkata").await;
    let sales = team(&svc, "Sales", "America/New_York").await;
    let ann = employee(&svc, "Ann", ops.id).await;
    let dan = employee(&svc, "Dan", dev.id).await;
    employee(&svc, "Dee", dev.id).await;
    let sam = employee(&svc, "Sam", sales.id).await;
    use WorkMode::{Wfh, Wfo};
    // Left open on Thursday 29 October by Dan and Sam.
    let dans = cycle(&svc, dan.id, Wfo, "2026-10-29T04:00:00Z", None).await;
    cycle(&svc, sam.id, Wfo, "2026-10-29T13:00:00Z", None).await;
    // Friday 30 October: Ann from home, all three present or not.
    cycle(
        &svc,
        ann.id,
        Wfh,
        "2026-10-30T08:00:00Z",
        Some("2026-10-30T16:00:00Z"),
    )
    .await;
    let day = date("2026-10-30");
    let all = store.day_records(day, None).await.unwrap();
    // The set in either order, and with a repeat, reads the same.
    for set in [
        vec![ops.id, dev.id],
        vec![dev.id, ops.id],
        vec![dev.id, ops.id, dev.id],
    ] {
        let records = store.day_records(day, Some(&set)).await.unwrap();
        let expected: Vec<crate::store::DayRecord> = all
            .iter()
            .filter(|r| r.employee.team_id != sales.id)
            .cloned()
            .collect();
        assert_eq!(records, expected, "{set:?}");
        let names: Vec<&str> = records.iter().map(|r| r.employee.name.as_str()).collect();
        assert_eq!(names, vec!["Ann", "Dan", "Dee"]);
        assert!(records[0].present() && records[0].wfh);
        let stale = store.open_sessions_before(day, Some(&set)).await.unwrap();
        assert_eq!(stale, vec![dans.clone()], "{set:?}");
    }
    assert_eq!(
        store.open_sessions_before(day, None).await.unwrap().len(),
        2
    );
    // An empty set covers nobody.
    assert!(store.day_records(day, Some(&[])).await.unwrap().is_empty());
    assert!(
        store
            .open_sessions_before(day, Some(&[]))
            .await
            .unwrap()
            .is_empty()
    );
    for set in [[ops.id, TeamId(999)], [TeamId(999), dev.id]] {
        let err = store.day_records(day, Some(&set)).await.unwrap_err();
        assert!(
            matches!(
                err,
                Error::NotFound {
                    entity: Entity::Team,
                    ..
                }
            ),
            "{err:?}"
        );
        let err = store
            .open_sessions_before(day, Some(&set))
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                Error::NotFound {
                    entity: Entity::Team,
                    ..
                }
            ),
            "{err:?}"
        );
    }
}
