//! How a day is counted: owed and worked minutes, night shifts, DST,
//! weekly overtime, and a move between teams.

use super::*;

/// Expected, worked, overtime, undertime, rest-day work, absence without
/// leave, lateness and the running balance over one week of a full-time
/// pattern; a correction changes the next read.
pub async fn ledger_counts_owed_and_worked_minutes(store: Arc<dyn Store>) {
    let svc = service(&store);
    let (t, ada) = full_time_team(&svc, "Ops", "UTC").await;
    // Mon: 240 + 270 = 510, a 30-minute gap and no break rule.
    work(&svc, ada.id, "2026-10-05T08:00:00Z", "2026-10-05T12:00:00Z").await;
    work(&svc, ada.id, "2026-10-05T12:30:00Z", "2026-10-05T17:00:00Z").await;
    // Tue: nothing. Wed: 360, first clock-in after 09:30.
    work(&svc, ada.id, "2026-10-07T10:00:00Z", "2026-10-07T16:00:00Z").await;
    // Thu: exactly 480. Fri: nothing. Sat: 120 on a rest day.
    work(&svc, ada.id, "2026-10-08T08:00:00Z", "2026-10-08T16:00:00Z").await;
    work(&svc, ada.id, "2026-10-10T09:00:00Z", "2026-10-10T11:00:00Z").await;

    let days = ledger(&store, ada.id, "2026-10-05", "2026-10-11").await;
    assert_eq!(days.len(), 7, "one line per date");
    assert!(
        days.iter()
            .all(|d| d.team_id == t.id && d.employee_id == ada.id)
    );
    let mon = on(&days, "2026-10-05");
    assert_eq!(
        (
            mon.expected_minutes,
            mon.worked_gross_minutes,
            mon.break_deducted_minutes
        ),
        (480, 510, 0)
    );
    assert_eq!(
        (
            mon.worked_net_minutes,
            mon.overtime_minutes,
            mon.undertime_minutes
        ),
        (510, 30, 0)
    );
    assert_eq!(
        (mon.sessions, mon.late, mon.absent_without_leave),
        (2, false, false)
    );
    let tue = on(&days, "2026-10-06");
    assert_eq!((tue.worked_net_minutes, tue.undertime_minutes), (0, 480));
    assert!(tue.absent_without_leave);
    let wed = on(&days, "2026-10-07");
    assert_eq!(
        (wed.worked_net_minutes, wed.undertime_minutes, wed.late),
        (360, 120, true)
    );
    let thu = on(&days, "2026-10-08");
    assert_eq!((thu.overtime_minutes, thu.undertime_minutes), (0, 0));
    let sat = on(&days, "2026-10-10");
    assert_eq!(
        (
            sat.expected_minutes,
            sat.rest_day_work_minutes,
            sat.overtime_minutes
        ),
        (0, 120, 0)
    );
    let sun = on(&days, "2026-10-11");
    assert_eq!((sun.expected_minutes, sun.absent_without_leave), (0, false));

    let read = trends(&store)
        .employee_ledger(
            ada.id,
            &LedgerPeriod::new(date("2026-10-05"), date("2026-10-11")).unwrap(),
            60,
        )
        .await
        .unwrap();
    let balances: Vec<i64> = read.days.iter().map(|l| l.balance_minutes).collect();
    assert_eq!(balances, [90, -390, -510, -510, -990, -870, -870]);
    let totals = &read.totals;
    assert_eq!(
        (totals.expected_minutes, totals.worked_net_minutes),
        (2400, 1470)
    );
    assert_eq!(
        (totals.overtime_minutes, totals.undertime_minutes),
        (30, 1080)
    );
    assert_eq!(
        (
            totals.rest_day_work_minutes,
            totals.absent_without_leave_days
        ),
        (120, 2)
    );
    assert_eq!((totals.late_days, totals.balance_minutes), (1, -870));

    // A correction shows in the next read: Wednesday now starts at 08:00.
    let wednesday = all_sessions(&svc, &SessionFilter::default())
        .await
        .into_iter()
        .find(|s| s.work_date == date("2026-10-07"))
        .unwrap();
    svc.acting_as(&Principal::system())
        .correct_session(
            wednesday.id,
            &crate::audit::SessionChanges {
                clock_in: Some(ts("2026-10-07T08:00:00Z")),
                ..Default::default()
            },
            "started earlier",
        )
        .await
        .unwrap();
    let days = ledger(&store, ada.id, "2026-10-07", "2026-10-07").await;
    assert_eq!(
        (
            days[0].worked_net_minutes,
            days[0].undertime_minutes,
            days[0].late
        ),
        (480, 0, false)
    );
}

/// A session counts whole to the date of its clock-in: a night shift
/// started on Sunday is Sunday's rest-day work, even though it ends on
/// Monday, the first day of the next week.
pub async fn night_shifts_count_to_the_date_they_start(store: Arc<dyn Store>) {
    let svc = service(&store);
    let (_, ada) = full_time_team(&svc, "Nights", "UTC").await;
    // Sun 22:00 to Mon 06:00: 480 on Sunday.
    work(&svc, ada.id, "2026-10-11T22:00:00Z", "2026-10-12T06:00:00Z").await;
    // Wed 22:00 to Thu 07:00: 540 on Wednesday.
    work(&svc, ada.id, "2026-10-14T22:00:00Z", "2026-10-15T07:00:00Z").await;

    let days = ledger(&store, ada.id, "2026-10-11", "2026-10-15").await;
    let sun = on(&days, "2026-10-11");
    assert_eq!(
        (sun.worked_net_minutes, sun.rest_day_work_minutes),
        (480, 480)
    );
    let mon = on(&days, "2026-10-12");
    assert_eq!(
        (mon.worked_gross_minutes, mon.absent_without_leave),
        (0, true)
    );
    let wed = on(&days, "2026-10-14");
    assert_eq!((wed.worked_net_minutes, wed.overtime_minutes), (540, 60));
    let thu = on(&days, "2026-10-15");
    assert_eq!(
        (thu.worked_gross_minutes, thu.absent_without_leave),
        (0, true)
    );
    // The week read alone does not take Sunday's shift.
    let week = ledger(&store, ada.id, "2026-10-12", "2026-10-18").await;
    assert_eq!(on(&week, "2026-10-12").worked_gross_minutes, 0);
}

/// On the nights the clocks change in Berlin, time worked is the time
/// elapsed (7 h in spring, 9 h in autumn for a 22:00 to 06:00 shift), and
/// lateness reads the local time of the day's offset.
pub async fn dst_days_count_elapsed_time(store: Arc<dyn Store>) {
    let svc = service(&store);
    let (_, ada) = full_time_team(&svc, "Berlin", "Europe/Berlin").await;
    // Sat 28 March 22:00 CET to Sun 06:00 CEST.
    work(&svc, ada.id, "2026-03-28T21:00:00Z", "2026-03-29T04:00:00Z").await;
    // Sat 24 October 22:00 CEST to Sun 06:00 CET.
    work(&svc, ada.id, "2026-10-24T20:00:00Z", "2026-10-25T05:00:00Z").await;
    // 07:45 UTC is 08:45 in winter (on time) and 09:45 in summer (late).
    work(&svc, ada.id, "2026-03-23T07:45:00Z", "2026-03-23T15:45:00Z").await;
    work(&svc, ada.id, "2026-03-30T07:45:00Z", "2026-03-30T15:45:00Z").await;

    let spring = ledger(&store, ada.id, "2026-03-23", "2026-03-30").await;
    let sat = on(&spring, "2026-03-28");
    assert_eq!(
        (sat.worked_gross_minutes, sat.rest_day_work_minutes),
        (420, 420)
    );
    assert_eq!(on(&spring, "2026-03-29").worked_gross_minutes, 0);
    assert!(!on(&spring, "2026-03-23").late);
    assert!(on(&spring, "2026-03-30").late);
    let autumn = ledger(&store, ada.id, "2026-10-24", "2026-10-25").await;
    assert_eq!(on(&autumn, "2026-10-24").worked_gross_minutes, 540);
}

/// A weekly threshold counts overtime past it on the day it is reached,
/// from Monday even when the read starts later in the week.
pub async fn weekly_overtime_counts_past_the_threshold(store: Arc<dyn Store>) {
    let svc = service(&store);
    let t = team(&svc, "Weekly", "UTC").await;
    let ada = employee(&svc, "Ada", t.id).await;
    let weekly = create_pattern(
        &svc,
        &NewWorkPattern::new("40 h a week", FULL_TIME)
            .unwrap()
            .with_weekly_overtime_after(2400)
            .unwrap(),
    )
    .await;
    assert_eq!(weekly.weekly_overtime_after, Some(2400));
    assign(
        &svc,
        ScheduleTarget::Team(t.id),
        Some(&weekly),
        "2026-01-01",
    )
    .await
    .unwrap();
    // Mon to Thu 600 each (2,400), Fri 300, Sat 60.
    for day in ["05", "06", "07", "08"] {
        work(
            &svc,
            ada.id,
            &format!("2026-10-{day}T07:00:00Z"),
            &format!("2026-10-{day}T17:00:00Z"),
        )
        .await;
    }
    work(&svc, ada.id, "2026-10-09T07:00:00Z", "2026-10-09T12:00:00Z").await;
    work(&svc, ada.id, "2026-10-10T07:00:00Z", "2026-10-10T08:00:00Z").await;

    let days = ledger(&store, ada.id, "2026-10-05", "2026-10-11").await;
    let overtime: Vec<i64> = days.iter().map(|d| d.overtime_minutes).collect();
    assert_eq!(overtime, [0, 0, 0, 0, 300, 0, 0]);
    assert_eq!(on(&days, "2026-10-09").undertime_minutes, 180);
    assert_eq!(on(&days, "2026-10-10").rest_day_work_minutes, 60);
    let late_start = ledger(&store, ada.id, "2026-10-08", "2026-10-09").await;
    let overtime: Vec<i64> = late_start.iter().map(|d| d.overtime_minutes).collect();
    assert_eq!(overtime, [0, 300], "the week sums from Monday");
}

/// An employee moved to another team keeps the old team's pattern and
/// break rule on the dates before the move; the team ledger totals its
/// current members; the ledger stops at today and counts an open session
/// up to now.
pub async fn a_move_keeps_each_dates_team(store: Arc<dyn Store>) {
    let svc = service(&store);
    let a = team(&svc, "Old", "UTC").await;
    let b = team(&svc, "New", "UTC").await;
    let ada = employee(&svc, "Ada", a.id).await;
    let full = pattern(&svc, "Full time", FULL_TIME).await;
    let half = pattern(&svc, "Half time", [240, 240, 240, 240, 240, 0, 0]).await;
    assign(&svc, ScheduleTarget::Team(a.id), Some(&full), "2026-01-01")
        .await
        .unwrap();
    assign(&svc, ScheduleTarget::Team(b.id), Some(&half), "2026-01-01")
        .await
        .unwrap();
    break_rule(&svc, a.id, &BreakRule::statutory()).await;
    // Tue 27 October in the old team: 361, 30 deducted.
    work(&svc, ada.id, "2026-10-27T08:00:00Z", "2026-10-27T14:01:00Z").await;
    // Moved today (Monday 2 November, 12:00 by the scenarios' clock).
    let changes = EmployeeChanges::new(None, None, Some(b.id), None).unwrap();
    svc.update_employee(ada.id, &changes).await.unwrap();
    // Today: 06:00 to 11:59 in the new team, without a break rule, and a
    // session still open since 11:59:30, counted to 12:00.
    work(&svc, ada.id, "2026-11-02T06:00:00Z", "2026-11-02T11:59:00Z").await;
    svc.clock_in(ada.id, WorkMode::Wfh, Some(ts("2026-11-02T11:59:30Z")))
        .await
        .unwrap();

    let days = ledger(&store, ada.id, "2026-10-26", "2026-11-08").await;
    assert_eq!(days.len(), 8, "no line after today");
    let tue = on(&days, "2026-10-27");
    assert_eq!(
        (
            tue.team_id,
            tue.expected_minutes,
            tue.break_deducted_minutes
        ),
        (a.id, 480, 30)
    );
    let today = on(&days, "2026-11-02");
    assert_eq!((today.team_id, today.expected_minutes), (b.id, 240));
    assert_eq!(
        (today.worked_gross_minutes, today.break_deducted_minutes),
        (359, 0)
    );
    assert_eq!(
        (today.overtime_minutes, today.sessions, today.open),
        (119, 2, true)
    );

    let period = LedgerPeriod::new(date("2026-10-26"), date("2026-11-02")).unwrap();
    let new_team = trends(&store)
        .team_ledger(Some(b.id), &period)
        .await
        .unwrap();
    assert_eq!(new_team.employees.len(), 1, "its current member");
    assert_eq!(new_team.employees[0].employee_id, ada.id);
    // Expected 480 * 5 (old team) + 240 (today); net 331 + 359.
    assert_eq!(new_team.totals.expected_minutes, 2640);
    assert_eq!(new_team.totals.worked_net_minutes, 690);
    assert_eq!(new_team.totals.absent_without_leave_days, 4);
    let old_team = trends(&store)
        .team_ledger(Some(a.id), &period)
        .await
        .unwrap();
    assert!(old_team.employees.is_empty());
    let company = trends(&store).team_ledger(None, &period).await.unwrap();
    assert_eq!(company.totals, new_team.totals);
    let err = trends(&store)
        .team_ledger(Some(TeamId(9_999)), &period)
        .await
        .unwrap_err();
    not_found(&err, Entity::Team);
    let err = store
        .ledger_days(EmployeeId(9_999), &period, now())
        .await
        .unwrap_err();
    not_found(&err, Entity::Employee);
}
