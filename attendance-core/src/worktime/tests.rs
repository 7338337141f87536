use super::*;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

#[test]
fn hours_are_rounded_once_half_away_from_zero() {
    // 196 h 27 min is 196.45 h: one decimal reads 196.5.
    assert_eq!(display_hours(196 * 60 + 27), 196.5);
    assert_eq!(display_hours(196 * 60 + 26), 196.4);
    assert_eq!(display_hours(3), 0.1);
    assert_eq!(display_hours(2), 0.0);
    assert_eq!(display_hours(-3), -0.1);
    assert_eq!(display_hours(-930), -15.5);
}

#[test]
fn patterns_refuse_more_minutes_than_a_day_has() {
    let err = NewWorkPattern::new("Too long", [480, 480, 1441, 0, 0, 0, 0]).unwrap_err();
    match err {
        Error::Validation { field, reason } => {
            assert_eq!(field, "minutes");
            assert!(reason.contains("Wed"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    for bad in [0, 7 * MINUTES_PER_DAY + 1] {
        let err = NewWorkPattern::new("Weekly", [480; 7])
            .unwrap()
            .with_weekly_overtime_after(bad)
            .unwrap_err();
        assert!(matches!(
            err,
            Error::Validation {
                field: "weekly_overtime_after",
                ..
            }
        ));
    }
}

#[test]
fn break_thresholds_must_ascend() {
    let t = |after_minutes, break_minutes| BreakThreshold {
        after_minutes,
        break_minutes,
    };
    assert!(BreakRule::new(vec![t(360, 30), t(540, 45)]).is_ok());
    for bad in [
        vec![t(540, 45), t(360, 30)],
        vec![t(360, 30), t(360, 45)],
        vec![t(360, 45), t(540, 30)],
        vec![t(30, 30)],
        vec![t(0, 1)],
        vec![t(MINUTES_PER_DAY, 30)],
        vec![t(60, 1); MAX_BREAK_THRESHOLDS + 1],
    ] {
        let err = BreakRule::new(bad.clone()).unwrap_err();
        assert!(
            matches!(
                err,
                Error::Validation {
                    field: "thresholds",
                    ..
                }
            ),
            "{bad:?}: {err:?}"
        );
    }
    let statutory = BreakRule::statutory();
    assert_eq!(statutory.required(360), 0);
    assert_eq!(statutory.required(361), 30);
    assert_eq!(statutory.required(541), 45);
}

#[test]
fn ranges_end_after_they_start_and_last_a_year_at_most() {
    assert!(LedgerPeriod::new(d("2028-01-01"), d("2028-12-31")).is_ok());
    for (from, to) in [("2026-03-02", "2026-03-01"), ("2026-01-01", "2027-01-02")] {
        let err = LedgerPeriod::new(d(from), d(to)).unwrap_err();
        assert!(
            matches!(err, Error::Validation { field: "to", .. }),
            "{err:?}"
        );
        let err = NewAbsence::new(EmployeeId(1), AbsenceKind::Sick, d(from), d(to)).unwrap_err();
        assert!(
            matches!(err, Error::Validation { field: "to", .. }),
            "{err:?}"
        );
    }
    let period = LedgerPeriod::new(d("2026-02-27"), d("2026-03-02")).unwrap();
    assert_eq!(period.dates().count(), 4);
}

#[test]
fn the_assignment_in_effect_is_the_latest_started() {
    let a = |from: &str| PatternAssignment {
        target: ScheduleTarget::Team(TeamId(1)),
        pattern: Some(WorkPatternId(from.len() as i64)),
        valid_from: d(from),
    };
    let all = [a("2026-07-01"), a("2026-01-01")];
    assert_eq!(
        in_effect(&all, d("2026-06-30")).map(|x| x.valid_from),
        Some(d("2026-01-01"))
    );
    assert_eq!(
        in_effect(&all, d("2026-07-01")).map(|x| x.valid_from),
        Some(d("2026-07-01"))
    );
    assert!(in_effect(&all, d("2025-12-31")).is_none());
}

#[test]
fn wire_spellings_round_trip() {
    for kind in AbsenceKind::ALL {
        assert_eq!(AbsenceKind::parse(kind.as_str()), Some(kind));
    }
    for portion in [DayPortion::Full, DayPortion::Half] {
        assert_eq!(DayPortion::parse(portion.as_str()), Some(portion));
    }
    assert_eq!(DayPortion::Half.of(481), 240);
}
