//! A team's timezone is read by chrono-tz (validation,
//! the importer) and by PostgreSQL (the work date of a clock-in), each from
//! its own copy of the tz database. A zone one knows and the other does not
//! must be refused when the team is created, and a team already stored with
//! one must make a clock-in a clear error, not a backend failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use attendance_testsupport as common;

use std::collections::HashSet;

use attendance_core::audit::Stamp;
use attendance_core::idempotency::Write;
use attendance_core::store::AttendanceStore;
use attendance_core::{EmployeeId, Error, NewTeam, WorkMode};
use chrono::{DateTime, Utc};

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

/// Every zone chrono-tz accepts either makes a team whose clock-ins work,
/// or is refused at creation as a bad "timezone" exactly when PostgreSQL
/// lacks it. The zones PostgreSQL lacks are printed (none on PostgreSQL 15
/// with Debian's tzdata 2025 against chrono-tz 0.10.4).
#[tokio::test]
async fn every_zone_chrono_accepts_is_one_postgresql_knows_or_refused() {
    common::with_store(|store| async move {
        let known: HashSet<String> = sqlx::query_scalar(
            "SELECT name FROM pg_timezone_names UNION SELECT abbrev FROM pg_timezone_abbrevs",
        )
        .fetch_all(store.pool())
        .await
        .unwrap()
        .into_iter()
        .collect();
        let lacking: Vec<&str> = chrono_tz::TZ_VARIANTS
            .iter()
            .map(|tz| tz.name())
            .filter(|name| !known.contains(*name))
            .collect();
        eprintln!("zones chrono-tz accepts and PostgreSQL lacks: {lacking:?}");
        for (i, tz) in chrono_tz::TZ_VARIANTS.iter().enumerate() {
            let new = NewTeam::new(&format!("Team {i}"))
                .unwrap()
                .with_timezone(tz.name())
                .unwrap();
            let stamp = Stamp::system_now();
            match store.write(&stamp, &Write::CreateTeam(new)).await {
                Ok(written) => {
                    let team = written.team().unwrap();
                    assert!(!lacking.contains(&tz.name()), "{} was stored", tz.name());
                    let employee: i64 = sqlx::query_scalar(
                        "INSERT INTO attendance.employees (team_id, name, role) \
                         VALUES ($1, 'Ada', 'Engineer') RETURNING id",
                    )
                    .bind(team.id.0)
                    .fetch_one(store.pool())
                    .await
                    .unwrap();
                    let clock_in = Write::ClockIn {
                        employee: EmployeeId(employee),
                        mode: WorkMode::Wfo,
                        at: at("2026-03-10T08:00:00Z"),
                    };
                    store
                        .write(&stamp, &clock_in)
                        .await
                        .unwrap_or_else(|e| panic!("clock-in in {}: {e:?}", tz.name()));
                }
                Err(Error::Validation { field, .. }) => {
                    assert_eq!(field, "timezone");
                    assert!(lacking.contains(&tz.name()), "{} was refused", tz.name());
                }
                Err(other) => panic!("creating a team in {}: {other:?}", tz.name()),
            }
        }
    })
    .await;
}

/// A team stored before the check (or by another client) with a zone
/// PostgreSQL does not know: its clock-ins are a validation error on
/// "timezone" that says what to fix, never a backend failure (a 500).
#[tokio::test]
async fn a_stored_zone_postgresql_does_not_know_makes_clock_in_a_clear_error() {
    common::with_store(|store| async move {
        let team: i64 = sqlx::query_scalar(
            "INSERT INTO attendance.teams (name, timezone) VALUES ('Ops', 'Mars/Olympus') \
             RETURNING id",
        )
        .fetch_one(store.pool())
        .await
        .unwrap();
        let employee: i64 = sqlx::query_scalar(
            "INSERT INTO attendance.employees (team_id, name, role) \
             VALUES ($1, 'Ada', 'Engineer') RETURNING id",
        )
        .bind(team)
        .fetch_one(store.pool())
        .await
        .unwrap();
        let id = EmployeeId(employee);
        let stamp = Stamp::system_now();
        let clock_in = Write::ClockIn {
            employee: id,
            mode: WorkMode::Wfo,
            at: at("2026-03-10T08:00:00Z"),
        };
        let clock_in = store.write(&stamp, &clock_in).await.unwrap_err();
        let recorded = Write::RecordSession {
            employee: id,
            mode: WorkMode::Wfh,
            clock_in: at("2026-03-09T08:00:00Z"),
            clock_out: at("2026-03-09T16:00:00Z"),
            reason: None,
        };
        let recorded = store.write(&stamp, &recorded).await.unwrap_err();
        for err in [clock_in, recorded] {
            match err {
                Error::Validation { field, reason } => {
                    assert_eq!(field, "timezone");
                    assert!(reason.contains("team"), "{reason}");
                }
                other => panic!("expected a validation error, got {other:?}"),
            }
        }
        let sessions: i64 = sqlx::query_scalar("SELECT count(*) FROM attendance.sessions")
            .fetch_one(store.pool())
            .await
            .unwrap();
        assert_eq!(sessions, 0);
    })
    .await;
}
