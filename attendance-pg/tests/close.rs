//! Closing a period below the library: the lock triggers refuse every
//! statement that touches a locked work date (raw SQL included), every
//! write path reports the lock that refused it, a lock racing clock-ins
//! never lets an open session into its range, and a request is decided
//! once.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use attendance_testsupport as common;

use std::sync::Arc;

use attendance_core::access::Actor;
use attendance_core::audit::{AuditAction, AuditFilter, Stamp};
use attendance_core::close::{
    Decision, LockFilter, NewCorrectionRequest, NewPeriodLock, PeriodLock, RequestFilter,
    RequestId, RequestState,
};
use attendance_core::idempotency::{IdempotencyKey, Write, Written};
use attendance_core::import::{ImportBatch, ImportRow};
use attendance_core::service::{AttendanceService, ManualClock};
use attendance_core::store::{AttendanceStore, Directory, IdCursor, PageRequest, SessionFilter};
use attendance_core::worktime::{AbsenceKind, NewAbsence};
use attendance_core::{
    AttendanceSession, Conflict, EmployeeChanges, EmployeeId, Entity, Error, NewEmployee, NewTeam,
    TeamId, WorkMode,
};
use attendance_pg::PgStore;
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgPool;

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

const NOW: &str = "2026-04-15T12:00:00Z";

fn admin() -> Stamp {
    Stamp::new(
        Actor::Admin {
            name: "payroll".into(),
            token: None,
        },
        at(NOW),
    )
}

fn service(store: &PgStore) -> AttendanceService {
    AttendanceService::new(Arc::new(store.clone())).with_clock(Arc::new(ManualClock::new(at(NOW))))
}

/// Teams A and B (UTC), Ada in A and Bob in B.
async fn company(store: &PgStore) -> (TeamId, TeamId, EmployeeId, EmployeeId) {
    let svc = service(store);
    let a = svc.create_team(&NewTeam::new("A").unwrap()).await.unwrap();
    let b = svc.create_team(&NewTeam::new("B").unwrap()).await.unwrap();
    let ada = svc
        .create_employee(&NewEmployee::new("Ada", "Engineer", a.id).unwrap())
        .await
        .unwrap();
    let bob = svc
        .create_employee(&NewEmployee::new("Bob", "Engineer", b.id).unwrap())
        .await
        .unwrap();
    (a.id, b.id, ada.id, bob.id)
}

async fn lock(
    store: &PgStore,
    team: Option<TeamId>,
    from: &str,
    to: &str,
) -> Result<PeriodLock, Error> {
    let new = NewPeriodLock::new(team, day(from), day(to), Some("payroll")).unwrap();
    match store.write(&admin(), &Write::LockPeriod(new)).await? {
        Written::PeriodLock(lock) => Ok(lock),
        other => panic!("a lock wrote {other:?}"),
    }
}

async fn backfill(
    store: &PgStore,
    employee: EmployeeId,
    from: &str,
    to: &str,
) -> Result<AttendanceSession, Error> {
    service(store)
        .record_session(employee, WorkMode::Wfo, at(from), at(to))
        .await
}

/// The lock a write was refused for.
fn locked_by(result: Result<impl std::fmt::Debug, Error>) -> PeriodLock {
    match result {
        Err(Error::Conflict(Conflict::PeriodLocked { lock })) => *lock,
        other => panic!("expected PeriodLocked, got {other:?}"),
    }
}

/// The SQLSTATE of a refused statement and the lock id its DETAIL names.
fn refusal(err: sqlx::Error) -> (String, Option<i64>) {
    let sqlx::Error::Database(db) = err else {
        panic!("expected a database error, got {err}");
    };
    let code = db.code().map(|c| c.into_owned()).unwrap_or_default();
    let detail = db
        .try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
        .and_then(|pg| pg.detail())
        .map(|d| serde_json::from_str::<serde_json::Value>(d).unwrap());
    (code, detail.and_then(|d| d["id"].as_i64()))
}

async fn raw(pool: &PgPool, sql: &'static str, binds: &[i64]) -> Result<u64, sqlx::Error> {
    let mut q = sqlx::query(sql);
    for b in binds {
        q = q.bind(*b);
    }
    q.execute(pool).await.map(|done| done.rows_affected())
}

async fn audit_count(pool: &PgPool) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM attendance.audit_log")
        .fetch_one(pool)
        .await
        .unwrap()
}

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
        // clocked out), and the schema's overlap check comes first: Cy has
        // nothing after it.
        let cy = svc
            .create_employee(&NewEmployee::new("Cy", "Engineer", a).unwrap())
            .await
            .unwrap()
            .id;
        let entries = entries + 1;
        let in_march = at("2026-03-10T08:00:00Z");
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
        let batch = ImportBatch::from_rows([
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
        ]);
        assert_eq!(locked_by(svc.import(batch).await), march);

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

async fn file(
    store: &PgStore,
    request: NewCorrectionRequest,
) -> attendance_core::close::CorrectionRequest {
    let employee = request.employee_id();
    let stamp = Stamp::new(Actor::Employee { id: employee }, at(NOW));
    match store
        .write(&stamp, &Write::RequestCorrection(request))
        .await
        .unwrap()
    {
        Written::Request(request) => request,
        other => panic!("filing wrote {other:?}"),
    }
}

fn decide(request: RequestId, decision: Decision) -> Write {
    Write::DecideRequest { request, decision }
}

/// Two approvals of one request at once: one applies it, the other finds
/// it decided; one session, one approval in the trail.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn approving_twice_at_once_approves_once() {
    common::with_store(|store| async move {
        let (_, _, ada, bob) = company(&store).await;
        let request = NewCorrectionRequest::missing(
            ada,
            at("2026-04-07T08:00:00Z"),
            at("2026-04-07T16:00:00Z"),
            WorkMode::Wfo,
            "forgot to clock in",
        )
        .unwrap();
        let request = file(&store, request).await;
        assert_eq!(request.work_date, day("2026-04-07"));
        assert_eq!(request.state, RequestState::Open);
        let approver = Stamp::new(Actor::Employee { id: bob }, at(NOW));
        let tasks: Vec<_> = (0..4)
            .map(|_| {
                let (store, approver) = (store.clone(), approver.clone());
                tokio::spawn(async move {
                    store
                        .write(&approver, &decide(request.id, Decision::Approve))
                        .await
                })
            })
            .collect();
        let mut approved = Vec::new();
        for task in tasks {
            match task.await.unwrap() {
                Ok(Written::Decided { request, session }) => approved.push((request, session)),
                Err(Error::Conflict(Conflict::RequestDecided { request })) => {
                    assert_eq!(request.state, RequestState::Approved);
                }
                other => panic!("unexpected decision outcome: {other:?}"),
            }
        }
        assert_eq!(approved.len(), 1);
        let (decided, session) = approved.pop().unwrap();
        let session = session.unwrap();
        assert_eq!(decided.session_id, Some(session.id));
        assert_eq!(decided.decided_by, Some(approver.actor.clone()));
        assert_eq!(store.correction_request(request.id).await.unwrap(), decided);
        let counts: Vec<(String, i64)> = sqlx::query_as(
            "SELECT action, count(*) FROM attendance.audit_log \
             WHERE action IN ('request_approved', 'backfill') GROUP BY action ORDER BY action",
        )
        .fetch_all(store.pool())
        .await
        .unwrap();
        assert_eq!(
            counts,
            vec![("backfill".into(), 1), ("request_approved".into(), 1)]
        );
    })
    .await;
}

/// An approval compares the session with what the requester saw, and
/// applies the change as a correction with the request's reason, the
/// approver as the actor; a rejection needs no session; a request in a
/// locked period cannot be approved and stays open.
#[tokio::test]
async fn approval_applies_a_current_change_and_refuses_a_stale_one() {
    common::with_store(|store| async move {
        let (a, _, ada, bob) = company(&store).await;
        let seen = backfill(&store, ada, "2026-04-06T08:00:00Z", "2026-04-06T16:00:00Z")
            .await
            .unwrap();
        let later = attendance_core::audit::SessionChanges {
            clock_out: Some(at("2026-04-06T17:00:00Z")),
            ..Default::default()
        };
        let stale = file(
            &store,
            NewCorrectionRequest::change(seen.clone(), later, "stayed late").unwrap(),
        )
        .await;
        let fixed = Write::CorrectSession {
            session: seen.id,
            changes: attendance_core::audit::SessionChanges {
                work_mode: Some(WorkMode::Wfh),
                ..Default::default()
            },
            reason: "was at home".into(),
        };
        let Written::Session(current) = store.write(&admin(), &fixed).await.unwrap() else {
            panic!("not a session")
        };
        let approver = Stamp::new(Actor::Employee { id: bob }, at(NOW));
        match store
            .write(&approver, &decide(stale.id, Decision::Approve))
            .await
        {
            Err(Error::Conflict(Conflict::RequestStale { current: now })) => {
                assert_eq!(*now, current);
            }
            other => panic!("expected RequestStale, got {other:?}"),
        }
        assert_eq!(
            store.correction_request(stale.id).await.unwrap().state,
            RequestState::Open
        );

        let fresh = file(
            &store,
            NewCorrectionRequest::change(current.clone(), later, "stayed late").unwrap(),
        )
        .await;
        let Written::Decided { request, session } = store
            .write(&approver, &decide(fresh.id, Decision::Approve))
            .await
            .unwrap()
        else {
            panic!("not a decision")
        };
        let session = session.unwrap();
        assert_eq!(session.clock_out, later.clock_out);
        assert_eq!(request.state, RequestState::Approved);
        let trail = store
            .audit_entries(
                &AuditFilter {
                    session_id: Some(seen.id),
                    ..AuditFilter::default()
                },
                &PageRequest::new(None, None).unwrap(),
            )
            .await
            .unwrap()
            .items;
        let actions: Vec<_> = trail.iter().map(|e| e.record.action).collect();
        assert_eq!(
            actions[..2],
            [AuditAction::RequestApproved, AuditAction::Correction]
        );
        let applied = &trail[1];
        assert_eq!(applied.actor, approver.actor);
        assert_eq!(applied.record.reason.as_deref(), Some("stayed late"));
        assert_eq!(applied.record.before, Some(Written::Session(current)));
        assert_eq!(trail[0].record.employee_id, Some(ada));

        match store
            .write(
                &approver,
                &decide(fresh.id, Decision::reject("no").unwrap()),
            )
            .await
        {
            Err(Error::Conflict(Conflict::RequestDecided { request: r })) => {
                assert_eq!(*r, request);
            }
            other => panic!("expected RequestDecided, got {other:?}"),
        }
        let Written::Decided { request, session } = store
            .write(
                &approver,
                &decide(stale.id, Decision::reject("outdated").unwrap()),
            )
            .await
            .unwrap()
        else {
            panic!("not a decision")
        };
        assert_eq!(session, None);
        assert_eq!(request.state, RequestState::Rejected);
        assert_eq!(request.decision_reason.as_deref(), Some("outdated"));

        let missing = file(
            &store,
            NewCorrectionRequest::missing(
                ada,
                at("2026-04-08T08:00:00Z"),
                at("2026-04-08T12:00:00Z"),
                WorkMode::Wfo,
                "forgot",
            )
            .unwrap(),
        )
        .await;
        lock(&store, Some(a), "2026-04-01", "2026-04-30")
            .await
            .unwrap();
        let refused = store
            .write(&approver, &decide(missing.id, Decision::Approve))
            .await;
        locked_by(refused);
        assert_eq!(
            store.correction_request(missing.id).await.unwrap().state,
            RequestState::Open
        );
        match store
            .write(&approver, &decide(RequestId(999), Decision::Approve))
            .await
        {
            Err(Error::NotFound { entity, .. }) => assert_eq!(entity, Entity::Request),
            other => panic!("expected not found, got {other:?}"),
        }

        // The listing: newest first, by state, without the approver's own.
        let page = PageRequest::<IdCursor>::new(Some(2), None).unwrap();
        let all = store
            .correction_requests(&RequestFilter::default(), &page)
            .await
            .unwrap();
        let ids: Vec<_> = all.items.iter().map(|r| r.id).collect();
        assert_eq!(ids, vec![missing.id, fresh.id]);
        let next = PageRequest::<IdCursor>::new(Some(2), all.next_cursor.as_deref()).unwrap();
        let rest = store
            .correction_requests(&RequestFilter::default(), &next)
            .await
            .unwrap();
        assert_eq!(
            rest.items.iter().map(|r| r.id).collect::<Vec<_>>(),
            vec![stale.id]
        );
        let open = RequestFilter {
            state: Some(RequestState::Open),
            ..RequestFilter::default()
        };
        let open = store.correction_requests(&open, &page).await.unwrap();
        assert_eq!(
            open.items.iter().map(|r| r.id).collect::<Vec<_>>(),
            vec![missing.id]
        );
        let not_adas = RequestFilter {
            not_by: Some(ada),
            ..RequestFilter::default()
        };
        assert!(
            store
                .correction_requests(&not_adas, &page)
                .await
                .unwrap()
                .items
                .is_empty()
        );
        let bobs_scope = RequestFilter {
            scope: attendance_core::access::Scope::Member {
                employee: bob,
                teams: vec![],
            },
            ..RequestFilter::default()
        };
        assert!(
            store
                .correction_requests(&bobs_scope, &page)
                .await
                .unwrap()
                .items
                .is_empty()
        );
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

#[tokio::test]
async fn an_unknown_employee_or_session_is_not_found() {
    common::with_store(|store| async move {
        let (_, _, ada, _) = company(&store).await;
        let request = NewCorrectionRequest::missing(
            EmployeeId(999),
            at("2026-04-08T08:00:00Z"),
            at("2026-04-08T12:00:00Z"),
            WorkMode::Wfo,
            "forgot",
        )
        .unwrap();
        match store
            .write(&admin(), &Write::RequestCorrection(request))
            .await
        {
            Err(Error::NotFound { entity, .. }) => assert_eq!(entity, Entity::Employee),
            other => panic!("expected not found, got {other:?}"),
        }
        let ghost = AttendanceSession {
            id: attendance_core::SessionId(999),
            employee_id: ada,
            work_date: day("2026-04-08"),
            clock_in: at("2026-04-08T08:00:00Z"),
            clock_out: Some(at("2026-04-08T12:00:00Z")),
            work_mode: WorkMode::Wfo,
            auto_closed: false,
        };
        let changes = attendance_core::audit::SessionChanges {
            work_mode: Some(WorkMode::Wfh),
            ..Default::default()
        };
        let request = NewCorrectionRequest::change(ghost, changes, "home").unwrap();
        match store
            .write(&admin(), &Write::RequestCorrection(request))
            .await
        {
            Err(Error::NotFound { entity, .. }) => assert_eq!(entity, Entity::Session),
            other => panic!("expected not found, got {other:?}"),
        }
        match store.correction_request(RequestId(1)).await {
            Err(Error::NotFound { entity, .. }) => assert_eq!(entity, Entity::Request),
            other => panic!("expected not found, got {other:?}"),
        }
    })
    .await;
}
