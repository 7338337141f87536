//! The clock rules: clock-in and clock-out, their conflicts, future
//! instants, backfill, overlaps, night shifts and daylight-saving days.

use super::prelude::*;

/// Clock-in opens a session dated in the team's timezone; clock-out closes it.
pub async fn clock_in_out_happy_path(store: Arc<dyn Store>) {
    let svc = service(&store);
    let t = team(&svc, "Ops", "Europe/Berlin").await;
    let e = employee(&svc, "Ada", t.id).await;
    let opened = svc
        .clock_in(
            e.id,
            WorkMode::Wfh,
            Some(ts("2026-11-02T07:58:12.123456789Z")),
        )
        .await
        .unwrap();
    assert!(opened.is_open());
    assert_eq!(opened.employee_id, e.id);
    assert_eq!(opened.work_mode, WorkMode::Wfh);
    assert_eq!(opened.work_date, date("2026-11-02"));
    // Instants are kept to the microsecond, as PostgreSQL keeps them.
    assert_eq!(opened.clock_in, ts("2026-11-02T07:58:12.123456Z"));
    assert_eq!(svc.open_session(e.id).await.unwrap(), Some(opened.clone()));
    // Without `at`, the service's clock decides.
    let closed = svc.clock_out(e.id, None).await.unwrap();
    assert_eq!(closed.id, opened.id);
    assert_eq!(closed.clock_out, Some(now()));
    assert!(svc.open_session(e.id).await.unwrap().is_none());
    let listed = all_sessions(&svc, &SessionFilter::default()).await;
    assert_eq!(listed, vec![closed]);
}

/// A second clock-in while a session is open is a conflict carrying it.
pub async fn double_clock_in(store: Arc<dyn Store>) {
    let svc = service(&store);
    let t = team(&svc, "Ops", "UTC").await;
    let e = employee(&svc, "Ada", t.id).await;
    let open = svc
        .clock_in(e.id, WorkMode::Wfo, Some(ts("2026-11-02T08:00:00Z")))
        .await
        .unwrap();
    for at in [
        None,
        Some(ts("2026-11-02T07:00:00Z")),
        Some(ts("2026-11-02T09:00:00Z")),
    ] {
        let err = svc.clock_in(e.id, WorkMode::Wfh, at).await.unwrap_err();
        match err {
            Error::Conflict(Conflict::AlreadyClockedIn { open: current }) => {
                assert_eq!(*current, open);
            }
            other => panic!("expected AlreadyClockedIn, got {other:?}"),
        }
    }
    assert_eq!(all_sessions(&svc, &SessionFilter::default()).await.len(), 1);
}

/// Clock-out with no open session is a conflict.
pub async fn clock_out_without_open_session(store: Arc<dyn Store>) {
    let svc = service(&store);
    let t = team(&svc, "Ops", "UTC").await;
    let e = employee(&svc, "Ada", t.id).await;
    let err = svc.clock_out(e.id, None).await.unwrap_err();
    assert!(
        matches!(err, Error::Conflict(Conflict::NotClockedIn { employee_id }) if employee_id == e.id),
        "{err:?}"
    );
    cycle(
        &svc,
        e.id,
        WorkMode::Wfo,
        "2026-11-02T08:00:00Z",
        Some("2026-11-02T09:00:00Z"),
    )
    .await;
    let err = svc.clock_out(e.id, None).await.unwrap_err();
    assert!(
        matches!(err, Error::Conflict(Conflict::NotClockedIn { .. })),
        "{err:?}"
    );
}

/// Clock-out at or before its clock-in is a validation error on `at`, and
/// leaves the session open.
pub async fn clock_out_before_clock_in(store: Arc<dyn Store>) {
    let svc = service(&store);
    let t = team(&svc, "Ops", "UTC").await;
    let e = employee(&svc, "Ada", t.id).await;
    let open = svc
        .clock_in(e.id, WorkMode::Wfo, Some(ts("2026-11-02T08:00:00Z")))
        .await
        .unwrap();
    for at in ["2026-11-02T07:59:59Z", "2026-11-02T08:00:00Z"] {
        let err = svc.clock_out(e.id, Some(ts(at))).await.unwrap_err();
        assert!(
            matches!(err, Error::Validation { field: "at", .. }),
            "{err:?}"
        );
    }
    assert_eq!(svc.open_session(e.id).await.unwrap(), Some(open));
}

/// Instants more than five minutes ahead of the clock are rejected and
/// nothing is written.
pub async fn future_instants_rejected(store: Arc<dyn Store>) {
    let svc = service(&store);
    let t = team(&svc, "Ops", "UTC").await;
    let e = employee(&svc, "Ada", t.id).await;
    let err = svc
        .clock_in(e.id, WorkMode::Wfo, Some(now() + TimeDelta::minutes(6)))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Validation { field: "at", .. }),
        "{err:?}"
    );
    assert!(svc.open_session(e.id).await.unwrap().is_none());
    // Within the tolerance is fine (a device clock slightly ahead).
    svc.clock_in(e.id, WorkMode::Wfo, Some(now() + TimeDelta::minutes(4)))
        .await
        .unwrap();
    let err = svc
        .clock_out(e.id, Some(now() + TimeDelta::hours(1)))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Validation { field: "at", .. }),
        "{err:?}"
    );
    assert!(svc.open_session(e.id).await.unwrap().is_some());
}

/// Several sessions on one day (a lunch break) are allowed.
pub async fn several_sessions_a_day(store: Arc<dyn Store>) {
    let svc = service(&store);
    let t = team(&svc, "Ops", "UTC").await;
    let e = employee(&svc, "Ada", t.id).await;
    let morning = cycle(
        &svc,
        e.id,
        WorkMode::Wfo,
        "2026-11-01T08:00:00Z",
        Some("2026-11-01T12:00:00Z"),
    )
    .await;
    // Clocking in again exactly when the previous session ended is fine.
    let afternoon = cycle(
        &svc,
        e.id,
        WorkMode::Wfh,
        "2026-11-01T12:00:00Z",
        Some("2026-11-01T16:00:00Z"),
    )
    .await;
    assert_eq!(morning.work_date, afternoon.work_date);
    assert_ne!(morning.id, afternoon.id);
    let listed = all_sessions(&svc, &SessionFilter::default()).await;
    assert_eq!(listed, vec![afternoon, morning]);
}

/// Sessions can be recorded after the fact: by a late clock-in/out after
/// the latest session, or in one step between existing ones.
pub async fn backfill(store: Arc<dyn Store>) {
    let svc = service(&store);
    let t = team(&svc, "Ops", "UTC").await;
    let e = employee(&svc, "Ada", t.id).await;
    let tuesday = cycle(
        &svc,
        e.id,
        WorkMode::Wfo,
        "2026-10-27T08:00:00Z",
        Some("2026-10-27T16:00:00Z"),
    )
    .await;
    let friday = cycle(
        &svc,
        e.id,
        WorkMode::Wfo,
        "2026-10-30T08:00:00Z",
        Some("2026-10-30T16:00:00Z"),
    )
    .await;
    // A forgotten Thursday, entered the next week between two sessions.
    let thursday = svc
        .record_session(
            e.id,
            WorkMode::Wfh,
            ts("2026-10-29T09:00:00Z"),
            ts("2026-10-29T17:00:00Z"),
        )
        .await
        .unwrap();
    assert_eq!(thursday.work_date, date("2026-10-29"));
    assert_eq!(thursday.duration(), Some(TimeDelta::hours(8)));
    // A clock-in on Thursday cannot do it: open, it would run into Friday.
    let err = svc
        .clock_in(e.id, WorkMode::Wfh, Some(ts("2026-10-28T09:00:00Z")))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Conflict(Conflict::Overlap { .. })),
        "{err:?}"
    );
    // Recorded sessions obey the same overlap rule, and their own order.
    let err = svc
        .record_session(
            e.id,
            WorkMode::Wfh,
            ts("2026-10-29T16:00:00Z"),
            ts("2026-10-29T18:00:00Z"),
        )
        .await
        .unwrap_err();
    match err {
        Error::Conflict(Conflict::Overlap { existing }) => assert_eq!(*existing, thursday),
        other => panic!("expected Overlap, got {other:?}"),
    }
    let err = svc
        .record_session(
            e.id,
            WorkMode::Wfh,
            ts("2026-10-28T10:00:00Z"),
            ts("2026-10-28T09:00:00Z"),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Validation {
                field: "clock_out",
                ..
            }
        ),
        "{err:?}"
    );
    // A late device sync: clock-in and clock-out after the latest session.
    let evening = cycle(
        &svc,
        e.id,
        WorkMode::Wfh,
        "2026-10-30T18:00:00Z",
        Some("2026-10-30T19:00:00Z"),
    )
    .await;
    // While clocked in today, a past day can still be recorded.
    let today = svc.clock_in(e.id, WorkMode::Wfo, None).await.unwrap();
    let monday = svc
        .record_session(
            e.id,
            WorkMode::Wfo,
            ts("2026-10-26T08:00:00Z"),
            ts("2026-10-26T12:00:00Z"),
        )
        .await
        .unwrap();
    let err = svc
        .record_session(
            e.id,
            WorkMode::Wfo,
            ts("2026-11-02T11:30:00Z"),
            ts("2026-11-02T12:01:00Z"),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Conflict(Conflict::Overlap { .. })),
        "{err:?}"
    );
    let listed = all_sessions(&svc, &SessionFilter::default()).await;
    assert_eq!(
        listed,
        vec![today, evening, friday, thursday, tuesday, monday]
    );
}

/// A session that would overlap another of the same employee is refused
/// with the existing session; other employees are unaffected.
pub async fn overlap_rejected(store: Arc<dyn Store>) {
    let svc = service(&store);
    let t = team(&svc, "Ops", "UTC").await;
    let e = employee(&svc, "Ada", t.id).await;
    let other = employee(&svc, "Bob", t.id).await;
    let day = cycle(
        &svc,
        e.id,
        WorkMode::Wfo,
        "2026-10-30T08:00:00Z",
        Some("2026-10-30T16:00:00Z"),
    )
    .await;
    for at in [
        "2026-10-30T07:00:00Z",
        "2026-10-30T08:00:00Z",
        "2026-10-30T15:59:59Z",
    ] {
        let err = svc
            .clock_in(e.id, WorkMode::Wfh, Some(ts(at)))
            .await
            .unwrap_err();
        match err {
            Error::Conflict(Conflict::Overlap { existing }) => assert_eq!(*existing, day),
            other => panic!("{at}: expected Overlap, got {other:?}"),
        }
    }
    assert!(svc.open_session(e.id).await.unwrap().is_none());
    cycle(
        &svc,
        other.id,
        WorkMode::Wfo,
        "2026-10-30T09:00:00Z",
        Some("2026-10-30T10:00:00Z"),
    )
    .await;
    assert_eq!(all_sessions(&svc, &SessionFilter::default()).await.len(), 2);
}

/// A night shift is one session on the date it started, in the team's
/// timezone, whatever the UTC date.
pub async fn night_shift_across_midnight(store: Arc<dyn Store>) {
    let svc = service(&store);
    let trends = TrendService::new(store.clone());
    let ny = svc
        .create_team(
            &NewTeam::new("Night desk")
                .unwrap()
                .with_timezone("America/New_York")
                .unwrap()
                .with_late_after(time("22:15:00")),
        )
        .await
        .unwrap();
    let e = employee(&svc, "Nina", ny.id).await;
    // 22:00 to 06:00 in New York (UTC-5 in January): both UTC instants are on the 16th.
    let shift = cycle(
        &svc,
        e.id,
        WorkMode::Wfo,
        "2026-01-16T03:00:00Z",
        Some("2026-01-16T11:00:00Z"),
    )
    .await;
    assert_eq!(shift.work_date, date("2026-01-15"));
    let on_15th = SessionFilter {
        from: Some(date("2026-01-15")),
        to: Some(date("2026-01-15")),
        ..SessionFilter::default()
    };
    assert_eq!(all_sessions(&svc, &on_15th).await, vec![shift]);
    let on_16th = SessionFilter {
        from: Some(date("2026-01-16")),
        to: Some(date("2026-01-16")),
        ..SessionFilter::default()
    };
    assert!(all_sessions(&svc, &on_16th).await.is_empty());

    // East of UTC: 04:00 in Kolkata (UTC+05:30) is 22:30 UTC the day before.
    let kolkata = team(&svc, "Kolkata", "Asia/Kolkata").await;
    let k = employee(&svc, "Kiran", kolkata.id).await;
    let early = cycle(
        &svc,
        k.id,
        WorkMode::Wfh,
        "2026-01-15T22:30:00Z",
        Some("2026-01-16T06:30:00Z"),
    )
    .await;
    assert_eq!(early.work_date, date("2026-01-16"));

    let q = TrendQuery::new(date("2026-01-15"), date("2026-01-16"), Granularity::Day).unwrap();
    let trend = trends.employee_trend(e.id, &q).await.unwrap();
    assert_eq!(trend.points.len(), 2);
    let first = &trend.points[0];
    assert_eq!(
        (first.days_present, first.sessions, first.worked_seconds),
        (1, 1, 8 * 3600)
    );
    assert_eq!(first.avg_clock_in, Some(time("22:00:00")));
    assert_eq!(first.late_arrivals, 0, "22:00 is before the team's 22:15");
    assert_eq!(trend.points[1].days_present, 0);
    let trend = trends.employee_trend(k.id, &q).await.unwrap();
    assert_eq!(trend.points[0].days_present, 0);
    assert_eq!(trend.points[1].avg_clock_in, Some(time("04:00:00")));
}

/// Across the DST changes in Europe/Berlin, durations are real elapsed time
/// and local times and dates follow the wall clock.
pub async fn dst_change_days_in_berlin(store: Arc<dyn Store>) {
    let svc = service(&store);
    let trends = TrendService::new(store.clone());
    let t = team(&svc, "Berlin", "Europe/Berlin").await;
    let e = employee(&svc, "Bea", t.id).await;
    // 22:00 CET on 28 March to 06:00 CEST on 29 March: 7 hours, not 8.
    let spring = cycle(
        &svc,
        e.id,
        WorkMode::Wfo,
        "2026-03-28T21:00:00Z",
        Some("2026-03-29T04:00:00Z"),
    )
    .await;
    assert_eq!(spring.work_date, date("2026-03-28"));
    // 08:00 CEST on the change day itself.
    let after = cycle(
        &svc,
        e.id,
        WorkMode::Wfh,
        "2026-03-29T06:00:00Z",
        Some("2026-03-29T10:00:00Z"),
    )
    .await;
    assert_eq!(after.work_date, date("2026-03-29"));
    // 22:00 CEST on 24 October to 06:00 CET on 25 October: 9 hours.
    let autumn = cycle(
        &svc,
        e.id,
        WorkMode::Wfo,
        "2026-10-24T20:00:00Z",
        Some("2026-10-25T05:00:00Z"),
    )
    .await;
    assert_eq!(autumn.work_date, date("2026-10-24"));
    // 02:30 CET, the second 02:30 of 25 October, for a colleague.
    let cem = employee(&svc, "Cem", t.id).await;
    let repeated = cycle(
        &svc,
        cem.id,
        WorkMode::Wfh,
        "2026-10-25T01:30:00Z",
        Some("2026-10-25T02:00:00Z"),
    )
    .await;
    assert_eq!(repeated.work_date, date("2026-10-25"));

    let q = TrendQuery::new(date("2026-03-28"), date("2026-03-29"), Granularity::Day).unwrap();
    let trend = trends.employee_trend(e.id, &q).await.unwrap();
    assert_eq!(trend.points[0].worked_seconds, 7 * 3600);
    assert_eq!(trend.points[0].avg_clock_in, Some(time("22:00:00")));
    assert_eq!(trend.points[1].worked_seconds, 4 * 3600);
    assert_eq!(trend.points[1].avg_clock_in, Some(time("08:00:00")));
    let q = TrendQuery::new(date("2026-10-24"), date("2026-10-25"), Granularity::Day).unwrap();
    let trend = trends.employee_trend(e.id, &q).await.unwrap();
    assert_eq!(trend.points[0].worked_seconds, 9 * 3600);
    assert_eq!(trend.points[1].days_present, 0);
    let trend = trends.employee_trend(cem.id, &q).await.unwrap();
    assert_eq!(trend.points[1].worked_seconds, 30 * 60);
    assert_eq!(trend.points[1].avg_clock_in, Some(time("02:30:00")));
}
