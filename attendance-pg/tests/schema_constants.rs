//! The migrations copy bounds and defaults that the Rust code also states
//! (name lengths, reason length, key length, the forgotten clock-out hours,
//! digest sizes, the default team): read back from a migrated database's
//! catalog, each equals its constant, so neither can move alone.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use attendance_testsupport as common;

use attendance_core::NewTeam;
use attendance_core::audit::{AuditAction, MAX_REASON};
use attendance_core::domain::{MAX_AUTO_CLOSE_HOURS, MAX_EMPLOYEE_NAME, MAX_ROLE, MAX_TEAM_NAME};
use attendance_core::domain::{MIN_AUTO_CLOSE_HOURS, WorkMode};
use attendance_core::idempotency::{Fingerprint, MAX_KEY_LEN};
use attendance_core::tokens::{MAX_ADMIN_NAME_CHARS, TokenHash};
use sqlx::PgPool;

/// The definition of CHECK constraint `name` as PostgreSQL prints it back,
/// e.g. `CHECK (((char_length(name) >= 1) AND (char_length(name) <= 100)))`.
async fn check(pool: &PgPool, name: &str) -> String {
    sqlx::query_scalar(
        "SELECT pg_get_constraintdef(c.oid) FROM pg_constraint c \
         JOIN pg_namespace n ON n.oid = c.connamespace \
         WHERE n.nspname = $1 AND c.contype = 'c' AND c.conname = $2",
    )
    .bind(attendance_pg::SCHEMA)
    .bind(name)
    .fetch_optional(pool)
    .await
    .unwrap()
    .unwrap_or_else(|| panic!("no CHECK constraint {name}"))
}

/// The default of `table.column` as PostgreSQL prints it back, if any.
async fn default_of(pool: &PgPool, table: &str, column: &str) -> Option<String> {
    sqlx::query_scalar(
        "SELECT column_default::text FROM information_schema.columns \
         WHERE table_schema = $1 AND table_name = $2 AND column_name = $3",
    )
    .bind(attendance_pg::SCHEMA)
    .bind(table)
    .bind(column)
    .fetch_one(pool)
    .await
    .unwrap()
}

/// `def` bounds `expr` to `min..=max` (how PostgreSQL prints `BETWEEN`).
fn assert_between(def: &str, expr: &str, min: usize, max: usize) {
    let low = format!("({expr} >= {min})");
    let high = format!("({expr} <= {max})");
    assert!(
        def.contains(&low) && def.contains(&high),
        "expected {expr} between {min} and {max}: {def}"
    );
}

#[tokio::test]
async fn length_bounds_in_the_schema_equal_the_rust_constants() {
    common::with_store(|store| async move {
        let pool = store.pool();
        let def = check(pool, "teams_name_valid").await;
        assert_between(&def, "char_length(name)", 1, MAX_TEAM_NAME);
        let def = check(pool, "employees_name_valid").await;
        assert_between(&def, "char_length(name)", 1, MAX_EMPLOYEE_NAME);
        let def = check(pool, "employees_role_valid").await;
        assert_between(&def, "char_length(role)", 1, MAX_ROLE);
        let def = check(pool, "audit_log_reason_valid").await;
        assert_between(&def, "char_length(reason)", 1, MAX_REASON);
        let def = check(pool, "api_tokens_admin_name_valid").await;
        assert_between(
            &def,
            "char_length(btrim(admin_name))",
            1,
            MAX_ADMIN_NAME_CHARS,
        );
        let def = check(pool, "idempotency_keys_key_valid").await;
        assert_between(&def, "octet_length(key)", 1, MAX_KEY_LEN);
        // The caller's scope has the key's bound (`Claim::new`).
        let def = check(pool, "idempotency_keys_scope_valid").await;
        assert!(
            def.contains(&format!("(octet_length(scope) <= {MAX_KEY_LEN})")),
            "{def}"
        );
    })
    .await;
}

#[tokio::test]
async fn digest_sizes_in_the_schema_equal_the_rust_types() {
    common::with_store(|store| async move {
        let pool = store.pool();
        let fingerprint = size_of::<Fingerprint>();
        let def = check(pool, "idempotency_keys_fingerprint_valid").await;
        assert!(
            def.contains(&format!("(octet_length(fingerprint) = {fingerprint})")),
            "{def}"
        );
        let hash = size_of::<TokenHash>();
        let def = check(pool, "api_tokens_hash_valid").await;
        assert!(
            def.contains(&format!("(octet_length(hash) = {hash})")),
            "{def}"
        );
    })
    .await;
}

#[tokio::test]
async fn the_forgotten_clock_out_bounds_equal_the_rust_constants() {
    common::with_store(|store| async move {
        let def = check(store.pool(), "teams_auto_close_after_hours_range").await;
        assert_between(
            &def,
            "auto_close_after_hours",
            MIN_AUTO_CLOSE_HOURS as usize,
            MAX_AUTO_CLOSE_HOURS as usize,
        );
    })
    .await;
}

#[tokio::test]
async fn enumerations_in_the_schema_equal_the_rust_enums() {
    common::with_store(|store| async move {
        let pool = store.pool();
        let listed = |def: &str| def.matches("'::text").count();

        let def = check(pool, "sessions_work_mode_valid").await;
        let modes = [WorkMode::Wfh, WorkMode::Wfo];
        for mode in modes {
            assert!(def.contains(&format!("'{}'::text", mode.as_str())), "{def}");
        }
        assert_eq!(listed(&def), modes.len(), "{def}");

        let def = check(pool, "audit_log_action_valid").await;
        for action in AuditAction::ALL {
            assert!(
                def.contains(&format!("'{}'::text", action.as_str())),
                "{def}"
            );
        }
        assert_eq!(listed(&def), AuditAction::ALL.len(), "{def}");
    })
    .await;
}

#[tokio::test]
async fn a_team_s_defaults_in_the_schema_equal_a_new_team_s() {
    common::with_store(|store| async move {
        let pool = store.pool();
        let team = NewTeam::new("Ops").unwrap();
        let late_after = default_of(pool, "teams", "late_after").await;
        let expected = format!(
            "'{}'::time without time zone",
            team.late_after().format("%H:%M:%S")
        );
        assert_eq!(late_after.as_deref(), Some(expected.as_str()));
        let timezone = default_of(pool, "teams", "timezone").await;
        let expected = format!("'{}'::text", team.timezone().name());
        assert_eq!(timezone.as_deref(), Some(expected.as_str()));
        let auto_close = default_of(pool, "teams", "auto_close_after_hours").await;
        assert_eq!(auto_close, None, "off unless set");
        assert_eq!(team.auto_close_after_hours(), None);
    })
    .await;
}

#[tokio::test]
async fn work_time_bounds_in_the_schema_equal_the_rust_constants() {
    use attendance_core::domain::{MAX_SUPPORTED_YEAR, MIN_SUPPORTED_YEAR};
    use attendance_core::worktime::{
        MAX_ABSENCE_NOTE, MAX_LEDGER_DAYS, MAX_WORKTIME_NAME, MINUTES_PER_DAY, SINCE_ALWAYS,
    };
    common::with_store(|store| async move {
        let pool = store.pool();
        let minutes = MINUTES_PER_DAY as usize;
        for name in ["work_patterns_name_valid", "holidays_name_valid"] {
            let def = check(pool, name).await;
            assert_between(&def, "char_length(name)", 1, MAX_WORKTIME_NAME);
        }
        let def = check(pool, "absences_note_valid").await;
        assert_between(&def, "char_length(note)", 1, MAX_ABSENCE_NOTE);
        let def = check(pool, "work_patterns_minutes_valid").await;
        for day in ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] {
            assert_between(&def, &format!("minutes_{day}"), 0, minutes);
        }
        let def = check(pool, "work_patterns_weekly_overtime_after_range").await;
        assert_between(&def, "weekly_overtime_after", 1, 7 * minutes);
        let def = check(pool, "break_thresholds_after_range").await;
        assert_between(&def, "after_minutes", 1, minutes - 1);
        // At most MAX_LEDGER_DAYS days, both ends counted.
        let def = check(pool, "absences_range_valid").await;
        assert!(
            def.contains(&format!("((to_date - from_date) < {MAX_LEDGER_DAYS})")),
            "{def}"
        );
        let first = format!("'{MIN_SUPPORTED_YEAR}-01-01'::date");
        let last = format!("'{MAX_SUPPORTED_YEAR}-12-31'::date");
        for name in [
            "pattern_assignments_valid_from_supported",
            "holidays_date_supported",
            "absences_dates_supported",
        ] {
            let def = check(pool, name).await;
            assert!(def.contains(&first) && def.contains(&last), "{def}");
        }
        // Employees who existed before work time joined their team since
        // always, as new ones do.
        let migration = include_str!("../migrations/0013_worktime.sql");
        assert!(migration.contains(&format!("SELECT id, DATE '{SINCE_ALWAYS}', team_id")));
    })
    .await;
}

#[tokio::test]
async fn closing_bounds_and_enumerations_equal_the_rust_ones() {
    use attendance_core::close::{MAX_LOCK_DAYS, RequestState};
    use attendance_core::webhooks::{
        DeliveryState, EndpointState, EventType, MAX_DELIVERY_ERROR, MAX_URL_LEN,
    };
    common::with_store(|store| async move {
        let pool = store.pool();
        let listed = |def: &str| def.matches("'::text").count();
        let lists = |def: &str, spellings: &[&str]| {
            for s in spellings {
                assert!(def.contains(&format!("'{s}'::text")), "{s}: {def}");
            }
            assert_eq!(listed(def), spellings.len(), "{def}");
        };
        let events: Vec<&str> = EventType::ALL.iter().map(|t| t.as_str()).collect();
        lists(
            &check(pool, "webhook_endpoints_event_types_valid").await,
            &events,
        );
        lists(
            &check(pool, "webhook_deliveries_event_type_valid").await,
            &events,
        );
        let states = [
            RequestState::Open,
            RequestState::Approved,
            RequestState::Rejected,
        ];
        let states: Vec<&str> = states.iter().map(|s| s.as_str()).collect();
        lists(
            &check(pool, "correction_requests_state_valid").await,
            &states,
        );
        let states = [
            DeliveryState::Pending,
            DeliveryState::Delivered,
            DeliveryState::Failed,
        ];
        let states: Vec<&str> = states.iter().map(|s| s.as_str()).collect();
        lists(
            &check(pool, "webhook_deliveries_state_valid").await,
            &states,
        );
        let states = [EndpointState::Active, EndpointState::Failing];
        let states: Vec<&str> = states.iter().map(|s| s.as_str()).collect();
        lists(&check(pool, "webhook_endpoints_state_valid").await, &states);

        // At most MAX_LOCK_DAYS days, both ends counted.
        let def = check(pool, "period_locks_range_valid").await;
        assert!(
            def.contains(&format!("((to_date - from_date) < {MAX_LOCK_DAYS})")),
            "{def}"
        );
        let def = check(pool, "webhook_endpoints_url_valid").await;
        assert_between(&def, "octet_length(url)", 1, MAX_URL_LEN);
        let def = check(pool, "webhook_deliveries_error_valid").await;
        assert!(
            def.contains(&format!(
                "(char_length(last_error) <= {MAX_DELIVERY_ERROR})"
            )),
            "{def}"
        );
        for name in [
            "period_locks_reason_valid",
            "correction_requests_reason_valid",
        ] {
            let def = check(pool, name).await;
            assert_between(&def, "char_length(reason)", 1, MAX_REASON);
        }
        let def = check(pool, "correction_requests_decision_reason_valid").await;
        assert_between(&def, "char_length(decision_reason)", 1, MAX_REASON);
    })
    .await;
}
