//! Listing sessions: every filter, and pagination without gaps.

use super::prelude::*;

/// Listing filters by employee, team, date range and work mode.
pub async fn listing_filters(store: Arc<dyn Store>) {
    let svc = service(&store);
    let a = team(&svc, "A", "UTC").await;
    let b = team(&svc, "B", "UTC").await;
    let ada = employee(&svc, "Ada", a.id).await;
    let bob = employee(&svc, "Bob", b.id).await;
    let s1 = cycle(
        &svc,
        ada.id,
        WorkMode::Wfo,
        "2026-10-26T08:00:00Z",
        Some("2026-10-26T16:00:00Z"),
    )
    .await;
    let s2 = cycle(
        &svc,
        ada.id,
        WorkMode::Wfh,
        "2026-10-27T08:00:00Z",
        Some("2026-10-27T16:00:00Z"),
    )
    .await;
    let s3 = cycle(&svc, bob.id, WorkMode::Wfh, "2026-10-27T09:00:00Z", None).await;
    let cases = [
        (SessionFilter::default(), vec![&s3, &s2, &s1]),
        (
            SessionFilter {
                employee_id: Some(ada.id),
                ..Default::default()
            },
            vec![&s2, &s1],
        ),
        (
            SessionFilter {
                team_id: Some(b.id),
                ..Default::default()
            },
            vec![&s3],
        ),
        (
            SessionFilter {
                work_mode: Some(WorkMode::Wfh),
                ..Default::default()
            },
            vec![&s3, &s2],
        ),
        (
            SessionFilter {
                from: Some(date("2026-10-27")),
                ..Default::default()
            },
            vec![&s3, &s2],
        ),
        (
            SessionFilter {
                to: Some(date("2026-10-26")),
                ..Default::default()
            },
            vec![&s1],
        ),
        (
            SessionFilter {
                team_id: Some(a.id),
                work_mode: Some(WorkMode::Wfh),
                from: Some(date("2026-10-27")),
                to: Some(date("2026-10-27")),
                ..Default::default()
            },
            vec![&s2],
        ),
        (
            SessionFilter {
                employee_id: Some(ada.id),
                team_id: Some(b.id),
                ..Default::default()
            },
            vec![],
        ),
    ];
    for (filter, expected) in cases {
        let got = all_sessions(&svc, &filter).await;
        let expected: Vec<AttendanceSession> = expected.into_iter().cloned().collect();
        assert_eq!(got, expected, "{filter:?}");
    }
    let err = svc
        .sessions(&SessionFilter::default(), Some(0), None)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Validation { field: "limit", .. }));
    let err = svc
        .sessions(&SessionFilter::default(), Some(501), None)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Validation { field: "limit", .. }));
    let err = svc
        .sessions(&SessionFilter::default(), None, Some("not-a-cursor"))
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        Error::Validation {
            field: "cursor",
            ..
        }
    ));
    let reversed = SessionFilter {
        from: Some(date("2026-10-27")),
        to: Some(date("2026-10-26")),
        ..Default::default()
    };
    let err = svc.sessions(&reversed, None, None).await.unwrap_err();
    assert!(matches!(err, Error::Validation { field: "from", .. }));
}

/// Walking pages of any size visits every session exactly once, newest
/// first, even when equal clock-ins tie and new sessions arrive meanwhile.
pub async fn pagination_without_gaps_or_duplicates(store: Arc<dyn Store>) {
    let svc = service(&store);
    let t = team(&svc, "Ops", "UTC").await;
    let mut people = Vec::new();
    for name in ["Ada", "Bob", "Cy"] {
        people.push(employee(&svc, name, t.id).await);
    }
    let start = ts("2026-10-01T08:00:00Z");
    let mut expected = HashSet::new();
    for day in 0..13 {
        for person in &people {
            // Everyone clocks in at the same instant: ties are broken by id.
            let at = start + TimeDelta::days(day);
            let s = svc
                .clock_in(person.id, WorkMode::Wfo, Some(at))
                .await
                .unwrap();
            svc.clock_out(person.id, Some(at + TimeDelta::hours(8)))
                .await
                .unwrap();
            expected.insert(s.id);
        }
    }
    for limit in [1u32, 5, 7, 39, 500] {
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        let mut pages = 0;
        loop {
            let page = svc
                .sessions(&SessionFilter::default(), Some(limit), cursor.as_deref())
                .await
                .unwrap();
            assert!(page.items.len() <= limit as usize);
            pages += 1;
            if pages == 2 && limit == 5 {
                // A new, newest session must not shift later pages.
                let late = svc
                    .clock_in(
                        people[0].id,
                        WorkMode::Wfh,
                        Some(now() - TimeDelta::minutes(1)),
                    )
                    .await
                    .unwrap();
                svc.clock_out(people[0].id, None).await.unwrap();
                assert!(!expected.contains(&late.id));
            }
            seen.extend(page.items.into_iter().filter(|s| expected.contains(&s.id)));
            match page.next_cursor {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        let ids: Vec<_> = seen.iter().map(|s| s.id).collect();
        let unique: HashSet<_> = ids.iter().copied().collect();
        assert_eq!(ids.len(), unique.len(), "limit {limit}: duplicates");
        assert_eq!(unique, expected, "limit {limit}: gaps");
        assert!(
            seen.windows(2)
                .all(|w| (w[0].clock_in, w[0].id) > (w[1].clock_in, w[1].id)),
            "limit {limit}: not newest first"
        );
    }
}

/// A date range keeps the sessions whose work date is furthest from the UTC
/// date of their clock-in: the first minute of a day at UTC+14 (the day
/// before in UTC) and the last minute of a day at UTC-12 (the day after in
/// UTC). A store that narrows a range by `clock_in` must not lose them.
pub async fn listing_range_at_the_ends_of_the_offsets(store: Arc<dyn Store>) {
    let svc = service(&store);
    let east = team(&svc, "Line Islands", "Pacific/Kiritimati").await;
    let west = team(&svc, "Baker Island", "Etc/GMT+12").await;
    let early = employee(&svc, "Early", east.id).await;
    let late = employee(&svc, "Late", west.id).await;
    // 00:00 on 27 October in Kiritimati, 10:00 on the 26th in UTC.
    let first = cycle(
        &svc,
        early.id,
        WorkMode::Wfo,
        "2026-10-26T10:00:00Z",
        Some("2026-10-26T18:00:00Z"),
    )
    .await;
    // 23:59 on 27 October at UTC-12, 11:59 on the 28th in UTC.
    let last = cycle(
        &svc,
        late.id,
        WorkMode::Wfh,
        "2026-10-28T11:59:00Z",
        Some("2026-10-28T19:00:00Z"),
    )
    .await;
    assert_eq!(first.work_date, date("2026-10-27"));
    assert_eq!(last.work_date, date("2026-10-27"));
    let day = SessionFilter {
        from: Some(date("2026-10-27")),
        to: Some(date("2026-10-27")),
        ..Default::default()
    };
    assert_eq!(
        all_sessions(&svc, &day).await,
        vec![last.clone(), first.clone()]
    );
    for (filter, want) in [
        (
            SessionFilter {
                from: Some(date("2026-10-27")),
                ..Default::default()
            },
            vec![last.clone(), first.clone()],
        ),
        (
            SessionFilter {
                to: Some(date("2026-10-27")),
                ..Default::default()
            },
            vec![last.clone(), first.clone()],
        ),
        (
            SessionFilter {
                from: Some(date("2026-10-28")),
                ..Default::default()
            },
            vec![],
        ),
        (
            SessionFilter {
                to: Some(date("2026-10-26")),
                ..Default::default()
            },
            vec![],
        ),
        (
            SessionFilter {
                work_mode: Some(WorkMode::Wfh),
                ..day.clone()
            },
            vec![last.clone()],
        ),
        (
            SessionFilter {
                team_id: Some(east.id),
                ..day.clone()
            },
            vec![first.clone()],
        ),
    ] {
        assert_eq!(all_sessions(&svc, &filter).await, want, "{filter:?}");
    }
}
