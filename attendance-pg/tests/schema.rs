//! What the schema itself guarantees, below the library: constraints that
//! hold even for a client that bypasses the store, migrations that stay out
//! of the host's way, and transient failures mapped to `Unavailable`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use attendance_testsupport as common;

use std::time::Duration;

use attendance_core::store::Directory;
use attendance_pg::PgStore;
use sqlx::postgres::PgPoolOptions;

fn sqlstate(err: sqlx::Error) -> String {
    match err {
        sqlx::Error::Database(db) => db.code().map(|c| c.into_owned()).unwrap_or_default(),
        other => panic!("expected a database error, got {other}"),
    }
}

async fn seed(pool: &sqlx::PgPool) -> i64 {
    let team: i64 = sqlx::query_scalar(
        "INSERT INTO attendance.teams (name, timezone) VALUES ('Ops', 'Europe/Berlin') RETURNING id",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    sqlx::query_scalar(
        "INSERT INTO attendance.employees (team_id, name, role) VALUES ($1, 'Ada', 'Engineer') \
         RETURNING id",
    )
    .bind(team)
    .fetch_one(pool)
    .await
    .unwrap()
}

const INSERT: &str = "INSERT INTO attendance.sessions \
    (employee_id, work_date, clock_in, clock_out, work_mode) \
    VALUES ($1, $2::timestamptz::date, $2::timestamptz, $3::timestamptz, $4)";

#[tokio::test]
async fn migrations_keep_to_their_own_schema_and_rerun_cleanly() {
    let db = common::TestDb::create().await;
    // The host already has its own sqlx migrations table in `public`.
    let host = PgPoolOptions::new().connect(&db.url).await.unwrap();
    sqlx::query("CREATE TABLE public._sqlx_migrations (version bigint PRIMARY KEY, note text)")
        .execute(&host)
        .await
        .unwrap();
    sqlx::query("INSERT INTO public._sqlx_migrations VALUES (1, 'host migration')")
        .execute(&host)
        .await
        .unwrap();
    let store = db.store().await;
    store.migrate().await.expect("a second migrate is a no-op");
    let ours: i64 = sqlx::query_scalar("SELECT count(*) FROM attendance._sqlx_migrations")
        .fetch_one(&host)
        .await
        .unwrap();
    assert_eq!(ours as usize, attendance_pg::MIGRATIONS.iter().count());
    let theirs: Vec<(i64, String)> =
        sqlx::query_as("SELECT version, note FROM public._sqlx_migrations")
            .fetch_all(&host)
            .await
            .unwrap();
    assert_eq!(theirs, vec![(1, "host migration".to_owned())]);
    let stray: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM information_schema.tables \
         WHERE table_schema = 'public' AND table_name IN ('teams', 'employees', 'sessions')",
    )
    .fetch_one(&host)
    .await
    .unwrap();
    assert_eq!(stray, 0);
    host.close().await;
    store.pool().close().await;
    db.drop_db().await;
}

#[tokio::test]
async fn the_database_refuses_a_second_open_session() {
    common::with_store(|store| async move {
        let pool = store.pool();
        let e = seed(pool).await;
        sqlx::query(INSERT)
            .bind(e)
            .bind("2026-03-02T08:00:00Z")
            .bind(None::<String>)
            .bind("WFO")
            .execute(pool)
            .await
            .unwrap();
        // Earlier start, still open: both the unique index and the exclusion
        // constraint object; either way nothing is written.
        let err = sqlx::query(INSERT)
            .bind(e)
            .bind("2026-03-02T07:00:00Z")
            .bind(None::<String>)
            .bind("WFH")
            .execute(pool)
            .await
            .unwrap_err();
        assert!(["23505", "23P01"].contains(&sqlstate(err).as_str()));
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM attendance.sessions")
            .fetch_one(pool)
            .await
            .unwrap();
        assert_eq!(n, 1);
    })
    .await;
}

#[tokio::test]
async fn the_database_refuses_overlaps_and_bad_rows() {
    common::with_store(|store| async move {
        let pool = store.pool();
        let e = seed(pool).await;
        sqlx::query(INSERT)
            .bind(e)
            .bind("2026-03-02T08:00:00Z")
            .bind(Some("2026-03-02T12:00:00Z"))
            .bind("WFO")
            .execute(pool)
            .await
            .unwrap();
        let cases = [
            (
                "2026-03-02T11:00:00Z",
                Some("2026-03-02T13:00:00Z"),
                "WFO",
                "23P01",
            ),
            (
                "2026-03-03T11:00:00Z",
                Some("2026-03-03T10:00:00Z"),
                "WFO",
                "23514",
            ),
            (
                "2026-03-03T11:00:00Z",
                Some("2026-03-03T11:00:00Z"),
                "WFO",
                "23514",
            ),
            ("2026-03-04T11:00:00Z", None, "OFFICE", "23514"),
        ];
        for (clock_in, clock_out, mode, code) in cases {
            let err = sqlx::query(INSERT)
                .bind(e)
                .bind(clock_in)
                .bind(clock_out)
                .bind(mode)
                .execute(pool)
                .await
                .unwrap_err();
            assert_eq!(sqlstate(err), code, "{clock_in} {clock_out:?} {mode}");
        }
        // A work date far from the clock-in is refused too.
        let err = sqlx::query(
            "INSERT INTO attendance.sessions (employee_id, work_date, clock_in, work_mode) \
             VALUES ($1, '2026-01-01', '2026-03-05T08:00:00Z', 'WFO')",
        )
        .bind(e)
        .execute(pool)
        .await
        .unwrap_err();
        assert_eq!(sqlstate(err), "23514");
        for name in ["", " padded ", &"x".repeat(101)] {
            let err = sqlx::query("INSERT INTO attendance.teams (name) VALUES ($1)")
                .bind(name)
                .execute(pool)
                .await
                .unwrap_err();
            assert_eq!(sqlstate(err), "23514", "{name:?}");
        }
        let err = sqlx::query("INSERT INTO attendance.teams (name) VALUES ('OPS')")
            .execute(pool)
            .await
            .unwrap_err();
        assert_eq!(sqlstate(err), "23505");
    })
    .await;
}

#[tokio::test]
async fn an_unreachable_database_is_unavailable_not_a_crash() {
    // Nothing listens on port 9 of the loopback interface.
    let pool = PgPoolOptions::new()
        .acquire_timeout(Duration::from_millis(300))
        .connect_lazy("postgres://postgres@127.0.0.1:9/postgres")
        .unwrap();
    let store = PgStore::from_pool(pool);
    let err = store.teams().await.unwrap_err();
    assert!(err.is_retryable(), "{err:?}");
    assert!(matches!(err, attendance_core::Error::Unavailable { .. }));
}

/// The Q&A view computes lateness and work dates in SQL; they are the
/// domain's rules (`domain::is_late`, `domain::work_date`), at the edges
/// where a copy would most likely differ: exactly at the threshold, one
/// second either side, and a clock-in whose UTC date is not its local date.
#[tokio::test]
async fn the_qa_view_computes_the_domain_rules() {
    use attendance_core::domain::{DEFAULT_LATE_AFTER, is_late, local_time, work_date};
    use attendance_core::service::AttendanceService;
    use attendance_core::{NewEmployee, NewTeam, WorkMode};
    use chrono::{DateTime, NaiveDate, NaiveTime, TimeDelta, Utc};

    common::with_store(|store| async move {
        let tz = chrono_tz::Asia::Tokyo;
        let service = AttendanceService::new(std::sync::Arc::new(store.clone()));
        let team = service
            .create_team(
                &NewTeam::new("Tokyo")
                    .unwrap()
                    .with_timezone("Asia/Tokyo")
                    .unwrap(),
            )
            .await
            .unwrap();
        let ada = service
            .create_employee(&NewEmployee::new("Ada", "Engineer", team.id).unwrap())
            .await
            .unwrap();
        // 09:30 in Tokyo is 00:30 UTC; the day before 00:00 UTC, the UTC date
        // is one day behind the local one.
        let threshold: DateTime<Utc> = "2026-03-02T00:30:00Z".parse().unwrap();
        let starts = [
            threshold - TimeDelta::seconds(1),
            threshold + TimeDelta::days(1),
            threshold + TimeDelta::days(2) + TimeDelta::seconds(1),
            "2026-03-04T23:30:00Z".parse().unwrap(),
        ];
        for start in starts {
            service
                .record_session(ada.id, WorkMode::Wfo, start, start + TimeDelta::hours(1))
                .await
                .unwrap();
        }
        // The Q&A views show only the rows of the scope written for the
        // reading transaction (migration 0006): every row, here.
        let mut tx = store.pool().begin().await.unwrap();
        sqlx::query(
            "INSERT INTO attendance.qa_scope (xact, all_rows) VALUES (pg_current_xact_id(), true)",
        )
        .execute(&mut *tx)
        .await
        .unwrap();
        let rows: Vec<(NaiveDate, NaiveTime, bool)> = sqlx::query_as(
            "SELECT work_date, first_clock_in_local, is_late \
             FROM attendance.qa_daily_attendance ORDER BY work_date",
        )
        .fetch_all(&mut *tx)
        .await
        .unwrap();
        tx.rollback().await.unwrap();
        let expected: Vec<(NaiveDate, NaiveTime, bool)> = starts
            .iter()
            .map(|&at| {
                let local = local_time(tz, at);
                (work_date(tz, at), local, is_late(local, DEFAULT_LATE_AFTER))
            })
            .collect();
        assert_eq!(rows, expected);
        let late: Vec<bool> = rows.iter().map(|r| r.2).collect();
        assert_eq!(late, [false, false, true, false]);
    })
    .await;
}
