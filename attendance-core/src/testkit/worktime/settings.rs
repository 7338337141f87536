//! The settings a day is counted by: holidays, absences, break rules,
//! patterns by date, and the audit trail of their writes.

use super::*;

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
