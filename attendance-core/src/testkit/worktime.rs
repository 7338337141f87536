//! Work time: patterns, holidays, absences, breaks, overtime and the
//! ledger, each scenario against answers computed by hand (minutes in the
//! comments).

use super::prelude::*;
use crate::access::Principal;
use crate::clock::ManualClock;
use crate::domain::EmployeeChanges;
use crate::worktime::{
    AbsenceKind, BreakRule, BreakThreshold, DayAbsence, DayPortion, LedgerDay, LedgerPeriod,
    NewAbsence, NewHoliday, NewWorkPattern, PatternAssignment, ScheduleTarget, WeekMinutes,
    WorkPattern,
};

const FULL_TIME: WeekMinutes = [480, 480, 480, 480, 480, 0, 0];

fn trends(store: &Arc<dyn Store>) -> TrendService {
    TrendService::new(store.clone()).with_clock(Arc::new(ManualClock::new(now())))
}

async fn pattern(svc: &AttendanceService, name: &str, minutes: WeekMinutes) -> WorkPattern {
    let new = NewWorkPattern::new(name, minutes).unwrap();
    create_pattern(svc, &new).await
}

/// A team in `tz` working full time (Monday to Friday 8 h) since
/// 2026-01-01, and Ada in it.
async fn full_time_team(svc: &AttendanceService, name: &str, tz: &str) -> (Team, Employee) {
    let t = team(svc, name, tz).await;
    let ada = employee(svc, "Ada", t.id).await;
    let full = pattern(svc, "Full time", FULL_TIME).await;
    assign(svc, ScheduleTarget::Team(t.id), Some(&full), "2026-01-01")
        .await
        .unwrap();
    (t, ada)
}

async fn create_pattern(svc: &AttendanceService, new: &NewWorkPattern) -> WorkPattern {
    svc.acting_as(&Principal::system())
        .create_work_pattern(new)
        .await
        .unwrap()
        .value
}

async fn assign(
    svc: &AttendanceService,
    target: ScheduleTarget,
    pattern: Option<&WorkPattern>,
    from: &str,
) -> crate::Result<PatternAssignment> {
    let assignment = PatternAssignment::new(target, pattern.map(|p| p.id), date(from)).unwrap();
    svc.acting_as(&Principal::system())
        .assign_work_pattern(&assignment)
        .await
        .map(|once| once.value)
}

async fn holiday(
    svc: &AttendanceService,
    team: Option<TeamId>,
    on: &str,
    portion: DayPortion,
) -> crate::worktime::Holiday {
    let new = NewHoliday::new(team, date(on), "Holiday", portion).unwrap();
    svc.acting_as(&Principal::system())
        .add_holiday(&new)
        .await
        .unwrap()
        .value
}

async fn absence(
    svc: &AttendanceService,
    new: &NewAbsence,
) -> crate::Result<crate::worktime::Absence> {
    svc.acting_as(&Principal::system())
        .record_absence(new)
        .await
        .map(|once| once.value)
}

async fn break_rule(svc: &AttendanceService, team: TeamId, rule: &BreakRule) {
    svc.acting_as(&Principal::system())
        .set_break_rule(team, rule)
        .await
        .unwrap();
}

/// A closed session `[from, to)`, recorded as a backfill.
async fn work(svc: &AttendanceService, who: EmployeeId, from: &str, to: &str) {
    svc.record_session(who, WorkMode::Wfo, ts(from), ts(to))
        .await
        .unwrap();
}

async fn ledger(store: &Arc<dyn Store>, who: EmployeeId, from: &str, to: &str) -> Vec<LedgerDay> {
    let period = LedgerPeriod::new(date(from), date(to)).unwrap();
    store.ledger_days(who, &period, now()).await.unwrap()
}

fn not_found(err: &Error, expected: Entity) {
    assert!(
        matches!(err, Error::NotFound { entity, .. } if *entity == expected),
        "{err:?}"
    );
}

fn on<'a>(days: &'a [LedgerDay], d: &str) -> &'a LedgerDay {
    days.iter()
        .find(|l| l.date == date(d))
        .unwrap_or_else(|| panic!("no ledger line on {d}"))
}

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

/// A full holiday owes nothing and makes work holiday work (on a weekend
/// too); a half holiday owes half; another team's holiday changes nothing.
pub async fn holidays_set_what_a_day_owes(store: Arc<dyn Store>) {
    let svc = service(&store);
    let t = team(&svc, "Here", "UTC").await;
    let other = team(&svc, "There", "UTC").await;
    let ada = employee(&svc, "Ada", t.id).await;
    let full = pattern(&svc, "Full time", FULL_TIME).await;
    assign(&svc, ScheduleTarget::Team(t.id), Some(&full), "2026-01-01")
        .await
        .unwrap();
    holiday(&svc, None, "2026-10-07", DayPortion::Full).await;
    holiday(&svc, Some(other.id), "2026-10-08", DayPortion::Full).await;
    holiday(&svc, Some(t.id), "2026-10-09", DayPortion::Half).await;
    holiday(&svc, None, "2026-10-10", DayPortion::Full).await;
    // A team's half day does not weaken the company's full day.
    holiday(&svc, Some(t.id), "2026-10-07", DayPortion::Half).await;
    work(&svc, ada.id, "2026-10-07T09:00:00Z", "2026-10-07T13:00:00Z").await;
    work(&svc, ada.id, "2026-10-09T09:00:00Z", "2026-10-09T13:00:00Z").await;
    work(&svc, ada.id, "2026-10-10T10:00:00Z", "2026-10-10T12:00:00Z").await;

    let days = ledger(&store, ada.id, "2026-10-07", "2026-10-10").await;
    let wed = on(&days, "2026-10-07");
    assert_eq!(wed.holiday, Some(DayPortion::Full));
    assert_eq!(
        (
            wed.expected_minutes,
            wed.holiday_work_minutes,
            wed.overtime_minutes
        ),
        (0, 240, 0)
    );
    let thu = on(&days, "2026-10-08");
    assert_eq!(
        (thu.holiday, thu.expected_minutes, thu.absent_without_leave),
        (None, 480, true)
    );
    let fri = on(&days, "2026-10-09");
    assert_eq!(fri.holiday, Some(DayPortion::Half));
    assert_eq!(
        (
            fri.expected_minutes,
            fri.undertime_minutes,
            fri.overtime_minutes
        ),
        (240, 0, 0)
    );
    let sat = on(&days, "2026-10-10");
    assert_eq!(
        (sat.holiday_work_minutes, sat.rest_day_work_minutes),
        (120, 0),
        "a holiday on a weekend is holiday work"
    );

    // One holiday per calendar and date.
    let again = NewHoliday::new(None, date("2026-10-07"), "Again", DayPortion::Full).unwrap();
    let err = svc
        .acting_as(&Principal::system())
        .add_holiday(&again)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Conflict(Conflict::HolidayExists { existing }) if existing.date == date("2026-10-07") && existing.team_id.is_none()),
        "{err:?}"
    );
    // A calendar of a team that does not exist names the field.
    let ghost = NewHoliday::new(
        Some(TeamId(9_999)),
        date("2026-10-07"),
        "Ghost",
        DayPortion::Full,
    )
    .unwrap();
    let err = svc
        .acting_as(&Principal::system())
        .add_holiday(&ghost)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Validation {
                field: "team_id",
                ..
            }
        ),
        "{err:?}"
    );
    // Removing the company's Wednesday leaves the team's half day.
    let listed = store
        .holidays(&crate::worktime::HolidayFilter {
            team_id: Some(t.id),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        listed.len(),
        4,
        "the company's and the team's, not the other team's"
    );
    let company_wed = listed
        .iter()
        .find(|h| h.team_id.is_none() && h.date == date("2026-10-07"))
        .unwrap();
    let removed = svc
        .acting_as(&Principal::system())
        .remove_holiday(company_wed.id)
        .await
        .unwrap();
    assert_eq!(&removed, company_wed);
    let wed = ledger(&store, ada.id, "2026-10-07", "2026-10-07").await;
    assert_eq!(
        (wed[0].holiday, wed[0].expected_minutes),
        (Some(DayPortion::Half), 240)
    );
    let err = svc
        .acting_as(&Principal::system())
        .remove_holiday(company_wed.id)
        .await
        .unwrap_err();
    not_found(&err, Entity::Holiday);
}

/// An absence counts as the day's owed minutes met (half: half the
/// pattern's day, never more than owed); work on an absence day counts too;
/// absences of one employee never overlap.
pub async fn absences_count_as_met(store: Arc<dyn Store>) {
    let svc = service(&store);
    let (_, ada) = full_time_team(&svc, "Ops", "UTC").await;
    let vacation = absence(
        &svc,
        &NewAbsence::new(
            ada.id,
            AbsenceKind::Vacation,
            date("2026-10-05"),
            date("2026-10-06"),
        )
        .unwrap(),
    )
    .await
    .unwrap();
    absence(
        &svc,
        &NewAbsence::new(
            ada.id,
            AbsenceKind::Sick,
            date("2026-10-07"),
            date("2026-10-07"),
        )
        .unwrap()
        .with_portion(DayPortion::Half),
    )
    .await
    .unwrap();
    holiday(&svc, None, "2026-10-08", DayPortion::Half).await;
    absence(
        &svc,
        &NewAbsence::new(
            ada.id,
            AbsenceKind::Other,
            date("2026-10-08"),
            date("2026-10-08"),
        )
        .unwrap()
        .with_portion(DayPortion::Half)
        .with_note("dentist")
        .unwrap(),
    )
    .await
    .unwrap();
    // Tue: 120 worked on vacation. Wed: 240 worked, half a day sick.
    work(&svc, ada.id, "2026-10-06T09:00:00Z", "2026-10-06T11:00:00Z").await;
    work(&svc, ada.id, "2026-10-07T09:00:00Z", "2026-10-07T13:00:00Z").await;

    let days = ledger(&store, ada.id, "2026-10-05", "2026-10-09").await;
    let mon = on(&days, "2026-10-05");
    let vacation_day = Some(DayAbsence {
        kind: AbsenceKind::Vacation,
        portion: DayPortion::Full,
    });
    assert_eq!(mon.absence, vacation_day);
    assert_eq!(
        (
            mon.absence_credit_minutes,
            mon.undertime_minutes,
            mon.absent_without_leave
        ),
        (480, 0, false)
    );
    let tue = on(&days, "2026-10-06");
    assert_eq!(
        (
            tue.worked_net_minutes,
            tue.absence_credit_minutes,
            tue.overtime_minutes
        ),
        (120, 480, 120)
    );
    let wed = on(&days, "2026-10-07");
    assert_eq!(
        (
            wed.absence_credit_minutes,
            wed.overtime_minutes,
            wed.undertime_minutes
        ),
        (240, 0, 0)
    );
    let thu = on(&days, "2026-10-08");
    assert_eq!(
        (
            thu.expected_minutes,
            thu.absence_credit_minutes,
            thu.undertime_minutes
        ),
        (240, 240, 0)
    );
    assert!(!thu.absent_without_leave);
    assert!(on(&days, "2026-10-09").absent_without_leave);
    let totals = crate::worktime::LedgerTotals::of(&days, 0);
    assert_eq!(
        (
            totals.vacation_days,
            totals.sick_days,
            totals.other_absence_days
        ),
        (2.0, 0.5, 0.5)
    );
    // 5 days: expected 480 * 3 + 480 + 240 = 2160; net 360; credit 1440.
    assert_eq!(totals.balance_minutes, 360 + 1440 - 2160);

    // The first absence it would meet is the conflict's.
    let overlapping = NewAbsence::new(
        ada.id,
        AbsenceKind::Vacation,
        date("2026-10-06"),
        date("2026-10-09"),
    )
    .unwrap();
    let err = absence(&svc, &overlapping).await.unwrap_err();
    assert!(
        matches!(&err, Error::Conflict(Conflict::AbsenceOverlap { existing }) if existing.id == vacation.id),
        "{err:?}"
    );
    let err = absence(
        &svc,
        &NewAbsence::new(
            EmployeeId(9_999),
            AbsenceKind::Sick,
            date("2026-10-06"),
            date("2026-10-06"),
        )
        .unwrap(),
    )
    .await
    .unwrap_err();
    not_found(&err, Entity::Employee);
    let listed = store
        .absences(&crate::worktime::AbsenceFilter {
            employee_id: Some(ada.id),
            from: Some(date("2026-10-07")),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(listed.len(), 2, "Wednesday's and Thursday's");
    assert_eq!(listed[1].note.as_deref(), Some("dentist"));
    assert_eq!(store.absence(vacation.id).await.unwrap(), vacation);

    // Removed, Monday is owed again.
    svc.acting_as(&Principal::system())
        .remove_absence(vacation.id)
        .await
        .unwrap();
    let mon = ledger(&store, ada.id, "2026-10-05", "2026-10-05").await;
    assert!(mon[0].absent_without_leave);
    let err = store.absence(vacation.id).await.unwrap_err();
    not_found(&err, Entity::Absence);
}

/// Gaps between a day's sessions count as break; only the shortfall of the
/// team's rule is deducted, and a team without a rule deducts nothing.
pub async fn breaks_deduct_only_the_shortfall(store: Arc<dyn Store>) {
    let svc = service(&store);
    let t = team(&svc, "Statutory", "UTC").await;
    let free = team(&svc, "No rule", "UTC").await;
    let ada = employee(&svc, "Ada", t.id).await;
    let bo = employee(&svc, "Bo", free.id).await;
    break_rule(&svc, t.id, &BreakRule::statutory()).await;
    assert_eq!(
        store.break_rule(t.id).await.unwrap(),
        BreakRule::statutory()
    );
    assert!(store.break_rule(free.id).await.unwrap().is_none());
    // Mon: exactly 6 h, no break needed. Tue: 6 h 01, 30 deducted.
    work(&svc, ada.id, "2026-10-05T08:00:00Z", "2026-10-05T14:00:00Z").await;
    work(&svc, ada.id, "2026-10-06T08:00:00Z", "2026-10-06T14:01:00Z").await;
    // Wed: 240 + 250 = 490 with a 20-minute gap: 10 deducted.
    work(&svc, ada.id, "2026-10-07T08:00:00Z", "2026-10-07T12:00:00Z").await;
    work(&svc, ada.id, "2026-10-07T12:20:00Z", "2026-10-07T16:30:00Z").await;
    // Thu: 300 + 255 = 555 with a 45-minute gap: nothing deducted.
    work(&svc, ada.id, "2026-10-08T07:00:00Z", "2026-10-08T12:00:00Z").await;
    work(&svc, ada.id, "2026-10-08T12:45:00Z", "2026-10-08T17:00:00Z").await;
    // Fri: 600 straight: 45 deducted.
    work(&svc, ada.id, "2026-10-09T07:00:00Z", "2026-10-09T17:00:00Z").await;
    work(&svc, bo.id, "2026-10-06T08:00:00Z", "2026-10-06T14:01:00Z").await;

    let days = ledger(&store, ada.id, "2026-10-05", "2026-10-09").await;
    let got: Vec<(i64, i64, i64)> = days
        .iter()
        .map(|d| {
            (
                d.worked_gross_minutes,
                d.break_deducted_minutes,
                d.worked_net_minutes,
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (360, 0, 360),
            (361, 30, 331),
            (490, 10, 480),
            (555, 0, 555),
            (600, 45, 555)
        ]
    );
    let bo_days = ledger(&store, bo.id, "2026-10-06", "2026-10-06").await;
    assert_eq!(
        (
            bo_days[0].break_deducted_minutes,
            bo_days[0].worked_net_minutes
        ),
        (0, 361)
    );

    // A custom rule, then none again.
    let custom = BreakRule::new(vec![BreakThreshold {
        after_minutes: 300,
        break_minutes: 15,
    }])
    .unwrap();
    break_rule(&svc, t.id, &custom).await;
    let mon = ledger(&store, ada.id, "2026-10-05", "2026-10-05").await;
    assert_eq!(
        (mon[0].break_deducted_minutes, mon[0].worked_net_minutes),
        (15, 345)
    );
    break_rule(&svc, t.id, &BreakRule::none()).await;
    assert!(store.break_rule(t.id).await.unwrap().is_none());
    let fri = ledger(&store, ada.id, "2026-10-09", "2026-10-09").await;
    assert_eq!(fri[0].break_deducted_minutes, 0);
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

/// Patterns apply from their date: an employee's own part-time pattern
/// from Wednesday, back to the team's on Friday; every earlier day keeps
/// the old one. One assignment per target and date.
pub async fn patterns_apply_from_their_date(store: Arc<dyn Store>) {
    let svc = service(&store);
    let t = team(&svc, "Ops", "UTC").await;
    let ada = employee(&svc, "Ada", t.id).await;
    let full = pattern(&svc, "Full time", FULL_TIME).await;
    let part = pattern(&svc, "4 x 6 h", [360, 360, 360, 360, 0, 0, 0]).await;
    assign(&svc, ScheduleTarget::Team(t.id), Some(&full), "2026-01-01")
        .await
        .unwrap();
    let mine = ScheduleTarget::Employee(ada.id);
    assign(&svc, mine, Some(&part), "2026-10-07").await.unwrap();
    assign(&svc, mine, None, "2026-10-09").await.unwrap();

    let days = ledger(&store, ada.id, "2026-10-05", "2026-10-09").await;
    let expected: Vec<i64> = days.iter().map(|d| d.expected_minutes).collect();
    assert_eq!(expected, [480, 480, 360, 360, 480]);
    let listed = store.pattern_assignments(Some(mine)).await.unwrap();
    assert_eq!(
        listed
            .iter()
            .map(|a| (a.pattern, a.valid_from))
            .collect::<Vec<_>>(),
        [
            (Some(part.id), date("2026-10-07")),
            (None, date("2026-10-09"))
        ]
    );
    assert_eq!(store.pattern_assignments(None).await.unwrap().len(), 3);
    assert_eq!(
        store.work_patterns().await.unwrap(),
        [full.clone(), part.clone()]
    );

    let err = assign(&svc, mine, Some(&full), "2026-10-07")
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Validation {
                field: "valid_from",
                ..
            }
        ),
        "{err:?}"
    );
    let ghost = WorkPattern {
        id: crate::worktime::WorkPatternId(9_999),
        ..full.clone()
    };
    let err = assign(&svc, mine, Some(&ghost), "2026-10-20")
        .await
        .unwrap_err();
    not_found(&err, Entity::WorkPattern);
    let err = assign(
        &svc,
        ScheduleTarget::Team(TeamId(9_999)),
        Some(&full),
        "2026-10-20",
    )
    .await
    .unwrap_err();
    not_found(&err, Entity::Team);
    // No pattern in effect owes nothing.
    let before = ledger(&store, ada.id, "2025-12-31", "2025-12-31").await;
    assert_eq!(
        (before[0].expected_minutes, before[0].absent_without_leave),
        (0, false)
    );
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

/// Every work-time write leaves one audit entry naming what it changed; a
/// refused one leaves none; a keyed retry replays its first outcome.
pub async fn work_time_writes_are_audited(store: Arc<dyn Store>) {
    use crate::audit::{AuditAction, AuditFilter};
    use crate::idempotency::IdempotencyKey;
    use crate::store::{IdCursor, PageRequest};

    let svc = service(&store);
    let t = team(&svc, "Ops", "UTC").await;
    let ada = employee(&svc, "Ada", t.id).await;
    let admin = Principal::system();
    let acting = svc.acting_as(&admin);
    let full = pattern(&svc, "Full time", FULL_TIME).await;
    assign(&svc, ScheduleTarget::Team(t.id), Some(&full), "2026-01-01")
        .await
        .unwrap();
    let h = holiday(&svc, Some(t.id), "2026-12-24", DayPortion::Half).await;
    acting.remove_holiday(h.id).await.unwrap();
    let new = NewAbsence::new(
        ada.id,
        AbsenceKind::Sick,
        date("2026-10-05"),
        date("2026-10-06"),
    )
    .unwrap();
    let key = IdempotencyKey::new("test", "absence-1").unwrap();
    let first = acting
        .with_key(Some(&key))
        .record_absence(&new)
        .await
        .unwrap();
    let again = acting
        .with_key(Some(&key))
        .record_absence(&new)
        .await
        .unwrap();
    assert!(!first.replayed && again.replayed);
    assert_eq!(first.value, again.value);
    acting.remove_absence(first.value.id).await.unwrap();
    break_rule(&svc, t.id, &BreakRule::statutory()).await;
    // Refused: nothing recorded.
    assert!(
        absence(
            &svc,
            &NewAbsence::new(
                EmployeeId(9_999),
                AbsenceKind::Sick,
                date("2026-10-05"),
                date("2026-10-05")
            )
            .unwrap()
        )
        .await
        .is_err()
    );

    let page = store
        .audit_entries(
            &AuditFilter::default(),
            &PageRequest::<IdCursor>::new(Some(100), None).unwrap(),
        )
        .await
        .unwrap();
    let actions: Vec<AuditAction> = page.items.iter().rev().map(|e| e.record.action).collect();
    assert_eq!(
        actions,
        [
            AuditAction::TeamCreated,
            AuditAction::EmployeeCreated,
            AuditAction::WorkPatternCreated,
            AuditAction::WorkPatternAssigned,
            AuditAction::HolidayAdded,
            AuditAction::HolidayRemoved,
            AuditAction::AbsenceRecorded,
            AuditAction::AbsenceRemoved,
            AuditAction::BreakRuleSet,
        ]
    );
    let about_ada: Vec<&crate::audit::AuditEntry> = page
        .items
        .iter()
        .filter(|e| e.record.employee_id == Some(ada.id))
        .collect();
    assert_eq!(
        about_ada.len(),
        3,
        "her creation, the absence and its removal"
    );
    let removal = about_ada[0];
    assert_eq!(removal.record.action, AuditAction::AbsenceRemoved);
    assert!(removal.record.after.is_none());
    assert_eq!(
        removal.record.before,
        Some(crate::write::Written::Absence(first.value.clone()))
    );
    let holiday_added = page
        .items
        .iter()
        .find(|e| e.record.action == AuditAction::HolidayAdded)
        .unwrap();
    assert_eq!(holiday_added.record.team_id, Some(t.id));
}
