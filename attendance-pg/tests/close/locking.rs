//! Locking a period: its refusals, and its race with the writes it
//! freezes.

use super::*;

/// A lock is refused over a standing one of the same team or the
/// company's, over open sessions (listed), and for an unknown team;
/// reopening removes it, with both in the audit trail.
#[tokio::test]
async fn locking_refuses_overlaps_open_sessions_and_unknown_teams() {
    common::with_store(|store| async move {
        let svc = service(&store);
        let (a, b, ada, bob) = company(&store).await;
        let march = lock(&store, Some(a), "2026-03-01", "2026-03-31")
            .await
            .unwrap();
        assert_eq!(march.locked_by, admin().actor);
        assert_eq!(march.reason.as_deref(), Some("payroll"));
        for (team, from, to) in [
            (Some(a), "2026-03-31", "2026-04-30"),
            (None, "2026-02-01", "2026-03-01"),
        ] {
            match lock(&store, team, from, to).await {
                Err(Error::Conflict(Conflict::LockOverlap { existing })) => {
                    assert_eq!(*existing, march);
                }
                other => panic!("expected LockOverlap, got {other:?}"),
            }
        }
        let bobs_march = lock(&store, Some(b), "2026-03-01", "2026-03-31")
            .await
            .unwrap();

        let open = svc
            .clock_in(ada, WorkMode::Wfo, Some(at("2026-04-14T08:00:00Z")))
            .await
            .unwrap();
        match lock(&store, None, "2026-04-01", "2026-04-30").await {
            Err(Error::Conflict(Conflict::OpenSessions { sessions })) => {
                assert_eq!(sessions, vec![open.clone()]);
            }
            other => panic!("expected OpenSessions, got {other:?}"),
        }
        // Bob's team has nobody in.
        lock(&store, Some(b), "2026-04-01", "2026-04-30")
            .await
            .unwrap();
        match lock(&store, Some(TeamId(999)), "2026-05-01", "2026-05-31").await {
            Err(Error::Validation { field, .. }) => assert_eq!(field, "team_id"),
            other => panic!("expected a validation error, got {other:?}"),
        }

        let of_a = store
            .period_locks(&LockFilter {
                team_id: Some(a),
                ..LockFilter::default()
            })
            .await
            .unwrap();
        assert_eq!(of_a, vec![march.clone()]);
        let april_on = store
            .period_locks(&LockFilter {
                from: Some(day("2026-04-01")),
                ..LockFilter::default()
            })
            .await
            .unwrap();
        assert_eq!(april_on.len(), 1);
        assert_eq!(april_on[0].team_id, Some(b));

        let reopen = Write::ReopenPeriod {
            lock: march.id,
            reason: "a late correction".into(),
        };
        assert_eq!(
            store.write(&admin(), &reopen).await.unwrap(),
            Written::PeriodLock(march.clone())
        );
        match store.write(&admin(), &reopen).await {
            Err(Error::NotFound { entity, .. }) => assert_eq!(entity, Entity::PeriodLock),
            other => panic!("expected not found, got {other:?}"),
        }
        backfill(&store, ada, "2026-03-05T08:00:00Z", "2026-03-05T12:00:00Z")
            .await
            .unwrap();
        assert!(
            backfill(&store, bob, "2026-03-05T08:00:00Z", "2026-03-05T12:00:00Z")
                .await
                .is_err(),
            "{bobs_march:?} stands"
        );
        let trail = store
            .audit_entries(
                &AuditFilter::default(),
                &PageRequest::new(None, None).unwrap(),
            )
            .await
            .unwrap()
            .items;
        let reopened = trail
            .iter()
            .find(|e| e.record.action == AuditAction::PeriodReopened)
            .unwrap();
        assert_eq!(
            reopened.record.before,
            Some(Written::PeriodLock(march.clone()))
        );
        assert_eq!(reopened.record.reason.as_deref(), Some("a late correction"));
    })
    .await;
}

/// A lock racing clock-ins: each clock-in either lands before the lock
/// (which then refuses, naming it open) or is refused by the lock; never
/// does an open session stand in a locked range. Many rounds, so the
/// interleavings vary.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_lock_racing_clock_ins_never_covers_an_open_session() {
    common::with_store(|store| async move {
        let svc = service(&store);
        let team = svc.create_team(&NewTeam::new("Race").unwrap()).await.unwrap();
        let mut people = Vec::new();
        for i in 0..6 {
            let e = svc
                .create_employee(&NewEmployee::new(&format!("E{i}"), "Engineer", team.id).unwrap())
                .await
                .unwrap();
            people.push(e.id);
        }
        const ROUNDS: u32 = 30;
        let (mut locked, mut refused_lock, mut refused_in) = (0, 0, 0);
        for round in 0..ROUNDS {
            let date = day("2025-01-01") + chrono::Days::new(u64::from(round));
            let clock_in = date.and_hms_opt(8, 0, 0).unwrap().and_utc();
            // Every other round the lock sets off first.
            let locker = (round % 2 == 1).then(|| spawn_lock(&store, team.id, date));
            let mut tasks = Vec::new();
            for (i, e) in people.iter().copied().enumerate() {
                let store = store.clone();
                tasks.push(tokio::spawn(async move {
                    if i % 2 == 0 {
                        tokio::task::yield_now().await;
                    }
                    let write = Write::ClockIn {
                        employee: e,
                        mode: WorkMode::Wfo,
                        at: clock_in,
                    };
                    store.write(&Stamp::system_now(), &write).await
                }));
            }
            let locker = locker.unwrap_or_else(|| spawn_lock(&store, team.id, date));
            for task in tasks {
                match task.await.unwrap() {
                    Ok(_) => {}
                    Err(Error::Conflict(Conflict::PeriodLocked { .. })) => refused_in += 1,
                    Err(e) => panic!("unexpected clock-in error: {e:?}"),
                }
            }
            match locker.await.unwrap() {
                Ok(Written::PeriodLock(_)) => locked += 1,
                Err(Error::Conflict(Conflict::OpenSessions { sessions })) => {
                    refused_lock += 1;
                    assert!(sessions.iter().all(|s| s.work_date == date));
                }
                other => panic!("unexpected lock outcome: {other:?}"),
            }
            let open: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM attendance.sessions s JOIN attendance.period_locks l \
                 ON s.work_date BETWEEN l.from_date AND l.to_date WHERE s.clock_out IS NULL",
            )
            .fetch_one(store.pool())
            .await
            .unwrap();
            assert_eq!(open, 0, "round {round}: an open session in a locked range");
            // Close the day's sessions (outside any lock), for the next round.
            let out = clock_in + chrono::TimeDelta::hours(1);
            for e in &people {
                let closed = store
                    .write(&Stamp::system_now(), &Write::ClockOut { employee: *e, at: out })
                    .await;
                // Refused clock-ins left nothing to close.
                assert!(
                    matches!(
                        closed,
                        Ok(_) | Err(Error::Conflict(Conflict::NotClockedIn { .. }))
                    ),
                    "{closed:?}"
                );
            }
        }
        assert_eq!(locked + refused_lock, ROUNDS);
        eprintln!("locks {locked}, refused for open sessions {refused_lock}, clock-ins refused {refused_in}");
    })
    .await;
}

fn spawn_lock(
    store: &PgStore,
    team: TeamId,
    date: NaiveDate,
) -> tokio::task::JoinHandle<Result<Written, Error>> {
    let store = store.clone();
    tokio::spawn(async move {
        let new = NewPeriodLock::new(Some(team), date, date, None).unwrap();
        store.write(&admin(), &Write::LockPeriod(new)).await
    })
}

/// Behind a writer that does not finish (a long import), locking gives up
/// as unavailable instead of holding every later writer back, and writes
/// nothing; once the writer is done, it locks.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn locking_behind_a_long_writer_is_unavailable_for_now() {
    common::with_store(|store| async move {
        let pool = store.pool().clone();
        let (a, _, ada, _) = company(&store).await;
        let mut conn = sqlx::PgConnection::connect_with(&pool.connect_options())
            .await
            .unwrap();
        let mut tx = conn.begin().await.unwrap();
        sqlx::query(
            "INSERT INTO attendance.sessions \
             (employee_id, work_date, clock_in, clock_out, work_mode) \
             VALUES ($1, DATE '2026-02-02', '2026-02-02T08:00Z', '2026-02-02T09:00Z', 'WFO')",
        )
        .bind(ada.0)
        .execute(&mut *tx)
        .await
        .unwrap();
        match lock(&store, Some(a), "2026-03-01", "2026-03-31").await {
            Err(e) => assert!(e.is_retryable(), "{e:?}"),
            Ok(lock) => panic!("locked behind an open writer: {lock:?}"),
        }
        assert!(
            store
                .period_locks(&LockFilter::default())
                .await
                .unwrap()
                .is_empty()
        );
        tx.commit().await.unwrap();
        lock(&store, Some(a), "2026-03-01", "2026-03-31")
            .await
            .unwrap();
    })
    .await;
}
