//! The lock triggers: no statement touches a locked work date, whichever
//! path it comes by, judged by the team on each date.

use super::*;

use attendance_core::domain::DEFAULT_FUTURE_TOLERANCE;
use attendance_pg::Strategy;

/// No statement gets past the triggers: inserting, updating (into or out
/// of a locked date) and deleting sessions, absences over a locked date,
/// requests for one, and TRUNCATE, each refused with AL001 naming the
/// first covering lock by id; other teams' dates stay writable.
#[tokio::test]
async fn no_statement_writes_a_locked_work_date() {
    common::with_store(|store| async move {
        let pool = store.pool().clone();
        let (a, _, ada, bob) = company(&store).await;
        let march = backfill(&store, ada, "2026-03-02T08:00:00Z", "2026-03-02T16:00:00Z")
            .await
            .unwrap();
        let april = backfill(&store, ada, "2026-04-02T08:00:00Z", "2026-04-02T16:00:00Z")
            .await
            .unwrap();
        let march_lock = lock(&store, Some(a), "2026-03-01", "2026-03-31")
            .await
            .unwrap();
        let feb_lock = lock(&store, None, "2026-02-01", "2026-02-28")
            .await
            .unwrap();
        let refused = |e: sqlx::Error, lock: &PeriodLock| {
            assert_eq!(refusal(e), ("AL001".to_owned(), Some(lock.id.0)));
        };

        let insert = "INSERT INTO attendance.sessions \
             (employee_id, work_date, clock_in, clock_out, work_mode) \
             VALUES ($1, DATE '2026-03-10', '2026-03-10T08:00Z', '2026-03-10T09:00Z', 'WFO')";
        refused(raw(&pool, insert, &[ada.0]).await.unwrap_err(), &march_lock);
        // Bob's team is not locked in March; everyone is in February.
        assert_eq!(raw(&pool, insert, &[bob.0]).await.unwrap(), 1);
        let february = "INSERT INTO attendance.sessions \
             (employee_id, work_date, clock_in, clock_out, work_mode) \
             VALUES ($1, DATE '2026-02-10', '2026-02-10T08:00Z', '2026-02-10T09:00Z', 'WFO')";
        refused(raw(&pool, february, &[bob.0]).await.unwrap_err(), &feb_lock);

        let change = "UPDATE attendance.sessions SET work_mode = 'WFH' WHERE id = $1";
        refused(
            raw(&pool, change, &[march.id.0]).await.unwrap_err(),
            &march_lock,
        );
        let move_by_days = "UPDATE attendance.sessions SET work_date = work_date + $2::int, \
             clock_in = clock_in + make_interval(days => $2::int), \
             clock_out = clock_out + make_interval(days => $2::int) WHERE id = $1";
        // Out of a locked date, and into one.
        refused(
            raw(&pool, move_by_days, &[march.id.0, 40])
                .await
                .unwrap_err(),
            &march_lock,
        );
        refused(
            raw(&pool, move_by_days, &[april.id.0, -10])
                .await
                .unwrap_err(),
            &march_lock,
        );
        assert_eq!(raw(&pool, move_by_days, &[april.id.0, 1]).await.unwrap(), 1);
        let delete = "DELETE FROM attendance.sessions WHERE id = $1";
        refused(
            raw(&pool, delete, &[march.id.0]).await.unwrap_err(),
            &march_lock,
        );

        // An absence covers every date of its range.
        let absence = "INSERT INTO attendance.absences \
             (employee_id, kind, from_date, to_date, portion) \
             VALUES ($1, 'vacation', $2::date, $3::date, 'full') RETURNING id";
        let err = sqlx::query(absence)
            .bind(ada.0)
            .bind(day("2026-03-31"))
            .bind(day("2026-04-03"))
            .execute(&pool)
            .await
            .unwrap_err();
        refused(err, &march_lock);
        let away: i64 = sqlx::query_scalar(absence)
            .bind(ada.0)
            .bind(day("2026-04-06"))
            .bind(day("2026-04-08"))
            .fetch_one(&pool)
            .await
            .unwrap();
        let stretch = "UPDATE attendance.absences SET from_date = DATE '2026-03-30' WHERE id = $1";
        refused(raw(&pool, stretch, &[away]).await.unwrap_err(), &march_lock);
        let remove = "DELETE FROM attendance.absences WHERE id = $1";
        assert_eq!(raw(&pool, remove, &[away]).await.unwrap(), 1);

        let request = "INSERT INTO attendance.correction_requests \
             (employee_id, work_date, change, reason, created_at) \
             VALUES ($1, DATE '2026-03-05', '{\"kind\": \"missing\"}', 'forgot', now())";
        refused(
            raw(&pool, request, &[ada.0]).await.unwrap_err(),
            &march_lock,
        );

        // A second lock over the same date (only raw SQL can make one): the
        // first by id is named.
        let second = "INSERT INTO attendance.period_locks \
             (team_id, from_date, to_date, locked_by_kind, locked_at) \
             VALUES ($1, DATE '2026-03-10', DATE '2026-03-10', 'system', now())";
        raw(&pool, second, &[a.0]).await.unwrap();
        refused(raw(&pool, insert, &[ada.0]).await.unwrap_err(), &march_lock);

        let truncate = "TRUNCATE attendance.sessions CASCADE";
        refused(raw(&pool, truncate, &[]).await.unwrap_err(), &march_lock);
        let sessions: i64 = sqlx::query_scalar("SELECT count(*) FROM attendance.sessions")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(sessions, 3, "nothing refused was written");
    })
    .await;
}

/// Which team's locks apply is decided by the team on the work date: a
/// move does not unlock the old team's closed month, nor carry it along.
#[tokio::test]
async fn the_team_on_the_work_date_decides_which_locks_apply() {
    common::with_store(|store| async move {
        let (a, b, ada, _) = company(&store).await;
        let march = lock(&store, Some(a), "2026-03-01", "2026-03-31")
            .await
            .unwrap();
        let moved = Write::UpdateEmployee {
            employee: ada,
            changes: EmployeeChanges::new(None, None, Some(b), None).unwrap(),
        };
        let stamp = Stamp::new(Actor::System, at("2026-04-01T00:00:00Z"));
        store.write(&stamp, &moved).await.unwrap();

        let refused = backfill(&store, ada, "2026-03-05T08:00:00Z", "2026-03-05T12:00:00Z").await;
        assert_eq!(locked_by(refused), march);
        backfill(&store, ada, "2026-04-02T08:00:00Z", "2026-04-02T12:00:00Z")
            .await
            .unwrap();
        let april = lock(&store, Some(b), "2026-04-01", "2026-04-30")
            .await
            .unwrap();
        let refused = backfill(&store, ada, "2026-04-03T08:00:00Z", "2026-04-03T12:00:00Z").await;
        assert_eq!(locked_by(refused), april);
    })
    .await;
}

/// Every library path that writes sessions, absences or requests reports
/// the lock, and writes nothing (no audit entry either); an import is
/// refused whole.
#[tokio::test]
async fn every_write_path_reports_the_lock() {
    common::with_store(|store| async move {
        let pool = store.pool().clone();
        let svc = service(&store);
        let (a, b, ada, bob) = company(&store).await;
        let before = backfill(&store, ada, "2026-03-02T08:00:00Z", "2026-03-02T16:00:00Z")
            .await
            .unwrap();
        let later = backfill(&store, ada, "2026-04-02T08:00:00Z", "2026-04-02T16:00:00Z")
            .await
            .unwrap();
        let absent =
            NewAbsence::new(ada, AbsenceKind::Sick, day("2026-03-09"), day("2026-03-09")).unwrap();
        let Written::Absence(absent) = store
            .write(&admin(), &Write::RecordAbsence(absent))
            .await
            .unwrap()
        else {
            panic!("not an absence")
        };
        // Bob is in, on a date about to be locked behind the library's back.
        let open = svc
            .clock_in(bob, WorkMode::Wfh, Some(at("2026-03-20T08:00:00Z")))
            .await
            .unwrap();
        let march = lock(&store, Some(a), "2026-03-01", "2026-03-31")
            .await
            .unwrap();
        sqlx::query(
            "INSERT INTO attendance.period_locks \
             (team_id, from_date, to_date, locked_by_kind, locked_at) \
             VALUES ($1, DATE '2026-03-20', DATE '2026-03-20', 'system', $2)",
        )
        .bind(b.0)
        .bind(at(NOW))
        .execute(&pool)
        .await
        .unwrap();
        let entries = audit_count(&pool).await;

        // Ada's April session would meet a clock-in in March (open until
        // clocked out): the lock is named first all the same, as the
        // in-memory store names it. Cy has nothing after it.
        let in_march = at("2026-03-10T08:00:00Z");
        assert_eq!(
            locked_by(svc.clock_in(ada, WorkMode::Wfo, Some(in_march)).await),
            march
        );
        let cy = svc
            .create_employee(&NewEmployee::new("Cy", "Engineer", a).unwrap())
            .await
            .unwrap()
            .id;
        let entries = entries + 1;
        assert_eq!(
            locked_by(svc.clock_in(cy, WorkMode::Wfo, Some(in_march)).await),
            march
        );
        let key = IdempotencyKey::new("test", "clock-in-1").unwrap();
        let keyed = svc
            .idempotent(&key)
            .clock_in(cy, WorkMode::Wfo, Some(in_march))
            .await;
        assert_eq!(locked_by(keyed), march);
        let bobs = locked_by(svc.clock_out(bob, Some(at("2026-03-20T17:00:00Z"))).await);
        assert_eq!(bobs.team_id, Some(b));
        assert_eq!(
            locked_by(backfill(&store, ada, "2026-03-11T08:00:00Z", "2026-03-11T09:00:00Z").await),
            march
        );
        let correct = |session, clock_in: &str| Write::CorrectSession {
            session,
            changes: attendance_core::audit::SessionChanges {
                clock_in: Some(at(clock_in)),
                ..Default::default()
            },
            reason: "typo".into(),
        };
        let fix = store
            .write(&admin(), &correct(before.id, "2026-03-02T07:00:00Z"))
            .await;
        assert_eq!(locked_by(fix), march);
        let into_march = store
            .write(&admin(), &correct(later.id, "2026-03-31T07:00:00Z"))
            .await;
        assert_eq!(locked_by(into_march), march);
        let absence = NewAbsence::new(
            ada,
            AbsenceKind::Vacation,
            day("2026-03-30"),
            day("2026-04-01"),
        )
        .unwrap();
        let away = store.write(&admin(), &Write::RecordAbsence(absence)).await;
        assert_eq!(locked_by(away), march);
        let again =
            NewAbsence::new(ada, AbsenceKind::Sick, day("2026-03-09"), day("2026-03-09")).unwrap();
        let twice = store.write(&admin(), &Write::RecordAbsence(again)).await;
        assert_eq!(locked_by(twice), march, "named before the overlap");
        let onto_later = Write::CorrectSession {
            session: before.id,
            changes: attendance_core::audit::SessionChanges {
                clock_in: Some(at("2026-04-02T09:00:00Z")),
                clock_out: Some(at("2026-04-02T10:00:00Z")),
                ..Default::default()
            },
            reason: "wrong day".into(),
        };
        let overlapping = store.write(&admin(), &onto_later).await;
        assert_eq!(locked_by(overlapping), march, "named before the overlap");
        let removed = store
            .write(&admin(), &Write::RemoveAbsence(absent.id))
            .await;
        assert_eq!(locked_by(removed), march);
        let request = NewCorrectionRequest::missing(
            ada,
            at("2026-03-12T08:00:00Z"),
            at("2026-03-12T16:00:00Z"),
            WorkMode::Wfo,
            "forgot to clock in",
        )
        .unwrap();
        let filed = store
            .write(
                &Stamp::new(Actor::Employee { id: ada }, at(NOW)),
                &Write::RequestCorrection(request),
            )
            .await;
        assert_eq!(locked_by(filed), march);
        let batch = || {
            ImportBatch::from_rows([
                ImportRow::new(
                    ada,
                    WorkMode::Wfo,
                    at("2026-04-06T08:00:00Z"),
                    Some(at("2026-04-06T16:00:00Z")),
                ),
                ImportRow::new(
                    ada,
                    WorkMode::Wfo,
                    at("2026-03-16T08:00:00Z"),
                    Some(at("2026-03-16T16:00:00Z")),
                ),
            ])
        };
        assert_eq!(locked_by(svc.import(batch()).await), march);
        for strategy in [Strategy::Direct, Strategy::Staged] {
            let imported = store
                .importer()
                .strategy(strategy)
                .import(batch(), at(NOW), DEFAULT_FUTURE_TOLERANCE)
                .await;
            assert_eq!(locked_by(imported), march, "{strategy:?}");
        }

        assert_eq!(
            audit_count(&pool).await,
            entries,
            "no refused write is audited"
        );
        let filter = SessionFilter {
            employee_id: Some(ada),
            ..SessionFilter::default()
        };
        let sessions = svc.sessions(&filter, None, None).await.unwrap().items;
        assert_eq!(sessions.len(), 2, "the import wrote nothing: {sessions:?}");
        assert_eq!(svc.open_session(bob).await.unwrap(), Some(open));
    })
    .await;
}

/// The triggers' one rule, `covering_locks`, agrees with core's `lock_on`
/// judged by the team on each date, over every short
/// range of a month in which the employee changes team twice.
#[tokio::test]
async fn the_sql_rule_of_which_locks_cover_a_range_is_core_s() {
    common::with_store(|store| async move {
        let pool = store.pool().clone();
        let (a, b, ada, _) = company(&store).await;
        for (from, team) in [("2026-03-16", b), ("2026-03-25", a)] {
            sqlx::query(
                "INSERT INTO attendance.team_memberships (employee_id, valid_from, team_id) \
                 VALUES ($1, $2, $3)",
            )
            .bind(ada.0)
            .bind(day(from))
            .bind(team.0)
            .execute(&pool)
            .await
            .unwrap();
        }
        let team_on = |d: NaiveDate| {
            if d >= day("2026-03-25") || d < day("2026-03-16") {
                a
            } else {
                b
            }
        };
        for (team, from, to) in [
            (Some(a), "2026-03-01", "2026-03-10"),
            (Some(b), "2026-03-12", "2026-03-20"),
            (Some(b), "2026-03-05", "2026-03-08"),
            (None, "2026-03-28", "2026-03-28"),
            (Some(a), "2026-03-22", "2026-03-26"),
        ] {
            sqlx::query(
                "INSERT INTO attendance.period_locks \
                 (team_id, from_date, to_date, locked_by_kind, locked_at) \
                 VALUES ($1, $2, $3, 'system', now())",
            )
            .bind(team.map(|t| t.0))
            .bind(day(from))
            .bind(day(to))
            .execute(&pool)
            .await
            .unwrap();
        }
        let locks = store.period_locks(&LockFilter::default()).await.unwrap();
        assert_eq!(locks.len(), 5);
        let first = day("2026-03-01");
        for start in 0..31u64 {
            for len in 0..10u64 {
                let from = first + chrono::Days::new(start);
                let to = from + chrono::Days::new(len);
                let expected = from
                    .iter_days()
                    .take_while(|d| *d <= to)
                    .filter_map(|d| lock_on(&locks, team_on(d), d, d))
                    .map(|lock| lock.id.0)
                    .min();
                let found: Option<i64> =
                    sqlx::query_scalar("SELECT min(id) FROM attendance.covering_locks($1, $2, $3)")
                        .bind(ada.0)
                        .bind(from)
                        .bind(to)
                        .fetch_one(&pool)
                        .await
                        .unwrap();
                assert_eq!(found, expected, "{from}..{to}");
            }
        }
    })
    .await;
}

/// The sweep never meets a lock: a session that came under one (its
/// employee moved into a locked team after clocking in) is left open,
/// and every other forgotten session is closed.
#[tokio::test]
async fn the_sweep_leaves_a_locked_open_session_alone() {
    common::with_store(|store| async move {
        let svc = service(&store);
        let policy = |name| {
            NewTeam::new(name)
                .unwrap()
                .with_auto_close_after_hours(8)
                .unwrap()
        };
        let a = svc.create_team(&policy("A")).await.unwrap();
        let b = svc.create_team(&policy("B")).await.unwrap();
        let ada = svc
            .create_employee(&NewEmployee::new("Ada", "Engineer", a.id).unwrap())
            .await
            .unwrap();
        let bob = svc
            .create_employee(&NewEmployee::new("Bob", "Engineer", a.id).unwrap())
            .await
            .unwrap();
        let ada_in = svc
            .clock_in(ada.id, WorkMode::Wfo, Some(at("2026-04-14T08:00:00Z")))
            .await
            .unwrap();
        svc.clock_in(bob.id, WorkMode::Wfo, Some(at("2026-04-14T08:00:00Z")))
            .await
            .unwrap();
        lock(&store, Some(b.id), "2026-04-01", "2026-04-30")
            .await
            .unwrap();
        let moved = Write::UpdateEmployee {
            employee: ada.id,
            changes: EmployeeChanges::new(None, None, Some(b.id), None).unwrap(),
        };
        store
            .write(
                &Stamp::new(Actor::System, at("2026-04-14T09:00:00Z")),
                &moved,
            )
            .await
            .unwrap();

        let closed = svc.close_forgotten_sessions().await.unwrap();
        assert_eq!(closed.len(), 1);
        assert_eq!(closed[0].employee_id, bob.id);
        assert_eq!(svc.open_session(ada.id).await.unwrap(), Some(ada_in));
    })
    .await;
}
