//! Hours in the summaries: rounded once, and owed and worked from the
//! ledger.

use super::*;

/// Platform's week of the quickstart in small: 196.45 hours of closed
/// sessions, which two roundings once showed as 196.4 and 196.5.
#[tokio::test]
async fn a_week_reads_the_same_hours_in_the_trend_table_and_the_summary() {
    let store: Arc<dyn Store> = Arc::new(InMemoryStore::new());
    let clock = Arc::new(ManualClock::new(ts("2026-12-05T12:00:00Z")));
    let svc = AttendanceService::new(store.clone()).with_clock(clock.clone());
    let team = svc
        .create_team(&NewTeam::new("Platform").unwrap())
        .await
        .unwrap();
    // Five people, Monday 23 to Friday 27 November: 24 sessions of 7 h 51
    // and one of 8 h 03 make 11,787 minutes.
    let mut minutes = 0;
    for person in 0..5 {
        let e = svc
            .create_employee(&NewEmployee::new(&format!("P{person}"), "Engineer", team.id).unwrap())
            .await
            .unwrap();
        for day in 23..=27 {
            let length = if person == 0 && day == 23 { 483 } else { 471 };
            minutes += length;
            let at = ts(&format!("2026-11-{day}T08:00:00Z"));
            svc.record_session(
                e.id,
                WorkMode::Wfo,
                at,
                at + chrono::TimeDelta::minutes(length),
            )
            .await
            .unwrap();
        }
    }
    assert_eq!(minutes, 11_787);
    let week: IsoWeek = "2026-W48".parse().unwrap();
    let trends = TrendService::new(store.clone());
    let query = TrendQuery::new(week.monday(), week.sunday(), Granularity::Week).unwrap();
    let table = trends.team_trend(team.id, &query).await.unwrap();
    let point = &table.points[0].figures;
    assert_eq!(point.worked_seconds, 11_787 * 60);
    assert_eq!(point.hours_worked, 196.5);

    let summaries = SummaryService::new(store, None).with_clock(clock);
    let s = summaries
        .acting_as(&Principal::system())
        .weekly(week, None)
        .await
        .unwrap();
    assert_eq!(s.facts.this_week.hours_worked, point.hours_worked);
    assert_eq!(s.facts.teams[0].totals.hours_worked, point.hours_worked);
    assert!(
        s.text
            .contains("196.5 hours worked in closed sessions (up 196.5 from the week before)"),
        "{}",
        s.text
    );
    assert!(
        s.text.contains("\nPlatform: 25 employee-days present"),
        "{}",
        s.text
    );
    assert!(s.text.contains(", 196.5 hours."), "{}", s.text);
    assert!(!s.text.contains("196.4"), "{}", s.text);
}

/// Work time in the facts comes from the ledger: a team on Monday to
/// Friday 8 h, one person on vacation, one who never came, one who stayed
/// an hour longer.
#[tokio::test]
async fn the_facts_state_hours_owed_and_worked_from_the_ledger() {
    use crate::worktime::{
        AbsenceKind, NewAbsence, NewWorkPattern, PatternAssignment, ScheduleTarget,
    };

    let store: Arc<dyn Store> = Arc::new(InMemoryStore::new());
    let clock = Arc::new(ManualClock::new(ts("2026-03-20T12:00:00Z")));
    let svc = AttendanceService::new(store.clone()).with_clock(clock.clone());
    let system = Principal::system();
    let admin = svc.acting_as(&system);
    let team = svc
        .create_team(&NewTeam::new("Ops").unwrap())
        .await
        .unwrap();
    let full_time = admin
        .create_work_pattern(
            &NewWorkPattern::new("Full time", [480, 480, 480, 480, 480, 0, 0]).unwrap(),
        )
        .await
        .unwrap()
        .value;
    admin
        .assign_work_pattern(
            &PatternAssignment::new(
                ScheduleTarget::Team(team.id),
                Some(full_time.id),
                date("2026-01-01"),
            )
            .unwrap(),
        )
        .await
        .unwrap();
    let mut people = Vec::new();
    for name in ["Ada", "Bob", "Cy"] {
        people.push(
            svc.create_employee(&NewEmployee::new(name, "Engineer", team.id).unwrap())
                .await
                .unwrap(),
        );
    }
    // Ada works 9 h every weekday of the week of 9 March; Bob is on
    // vacation Monday and Tuesday and works 8 h the other days; Cy comes
    // only on Wednesday, for 8 h.
    for day in 9..=13 {
        let at = ts(&format!("2026-03-{day:02}T08:00:00Z"));
        svc.record_session(
            people[0].id,
            WorkMode::Wfo,
            at,
            at + chrono::TimeDelta::hours(9),
        )
        .await
        .unwrap();
        if day >= 11 {
            svc.record_session(
                people[1].id,
                WorkMode::Wfh,
                at,
                at + chrono::TimeDelta::hours(8),
            )
            .await
            .unwrap();
        }
        if day == 11 {
            svc.record_session(
                people[2].id,
                WorkMode::Wfo,
                at,
                at + chrono::TimeDelta::hours(8),
            )
            .await
            .unwrap();
        }
    }
    admin
        .record_absence(
            &NewAbsence::new(
                people[1].id,
                AbsenceKind::Vacation,
                date("2026-03-09"),
                date("2026-03-10"),
            )
            .unwrap(),
        )
        .await
        .unwrap();
    let summaries = SummaryService::new(store, None).with_clock(clock);
    let acting = summaries.acting_as(&system);

    let day = acting.daily(date("2026-03-10"), None).await.unwrap();
    let w = &day.facts.work_time;
    assert_eq!(
        (
            w.expected_minutes,
            w.worked_minutes,
            w.absence_credit_minutes,
            w.overtime_minutes
        ),
        (3 * 480, 540, 480, 60)
    );
    assert_eq!(
        (w.expected_hours, w.worked_hours, w.overtime_hours),
        (24.0, 9.0, 1.0)
    );
    assert_eq!(w.absences.len(), 1);
    assert_eq!(w.absences[0].kind, AbsenceKind::Vacation);
    assert_eq!(w.absences[0].people[0].name, "Bob");
    assert_eq!(w.absent_without_leave.len(), 1);
    assert_eq!(w.absent_without_leave[0].name, "Cy");
    assert!(
        day.text.contains(
            "\nHours owed by the work patterns: 24; worked after breaks: 9; \
             credited for leave: 8; overtime: 1 hour. On vacation: Bob. \
             Absent without leave: Cy."
        ),
        "{}",
        day.text
    );

    let week = acting
        .weekly("2026-W11".parse().unwrap(), Some(team.id))
        .await
        .unwrap();
    let w = &week.facts.work_time;
    // Owed 3 × 5 × 8 h; worked 45 + 24 + 8 h; Bob's two days credited;
    // Ada's five extra hours; Cy absent four days.
    assert_eq!(
        (
            w.expected_minutes,
            w.worked_minutes,
            w.absence_credit_minutes,
            w.overtime_minutes
        ),
        (15 * 480, 77 * 60, 2 * 480, 5 * 60)
    );
    assert_eq!((w.absent_without_leave_days, w.absences[0].days), (4, 2.0));
    assert!(
        week.text.contains(
            "\nHours owed by the work patterns: 120; worked after breaks: 77; \
             credited for leave: 16; overtime: 5 hours. On vacation: 2 days (Bob 2 days). \
             Absent without leave: 4 days (Cy 4 days)."
        ),
        "{}",
        week.text
    );
    let json = serde_json::to_value(&week.facts).unwrap();
    assert_eq!(ungrounded_numbers(&week.text, &json), Vec::<String>::new());
}
