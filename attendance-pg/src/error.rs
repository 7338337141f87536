//! Errors of this crate, and the mapping of database failures to
//! [`attendance_core::Error`] by SQLSTATE class.

use attendance_core::Error as CoreError;
use attendance_core::idempotency::KEY_FIELD;

/// Failures setting the store up (connecting, migrating).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The database could not be reached or refused the connection.
    #[error("could not connect to PostgreSQL")]
    Connect(#[source] sqlx::Error),
    /// Applying the embedded migrations failed.
    #[error("could not apply the attendance migrations")]
    Migrate(#[source] sqlx::migrate::MigrateError),
    /// A statement of the store's own bookkeeping (the tenant registry)
    /// failed.
    #[error("a statement of the tenant registry failed")]
    Registry(#[source] sqlx::Error),
    /// A configuration value is unusable.
    #[error("invalid configuration: {0}")]
    Config(String),
}

/// SQLSTATE codes this crate reacts to.
pub(crate) mod sqlstate {
    /// Among others, `AT TIME ZONE` with a zone the server's tz data lacks.
    pub(crate) const INVALID_PARAMETER_VALUE: &str = "22023";
    /// A table (or the registry) that does not exist.
    pub(crate) const UNDEFINED_TABLE: &str = "42P01";
    pub(crate) const UNIQUE_VIOLATION: &str = "23505";
    pub(crate) const FOREIGN_KEY_VIOLATION: &str = "23503";
    pub(crate) const CHECK_VIOLATION: &str = "23514";
    pub(crate) const EXCLUSION_VIOLATION: &str = "23P01";
    /// A lock not granted within `lock_timeout` (locking a period behind
    /// a long import).
    pub(crate) const LOCK_NOT_AVAILABLE: &str = "55P03";
    pub(crate) const SERIALIZATION_FAILURE: &str = "40001";
    pub(crate) const DEADLOCK_DETECTED: &str = "40P01";
    pub(crate) const TOO_MANY_CONNECTIONS: &str = "53300";
    pub(crate) const CANNOT_CONNECT_NOW: &str = "57P03";
    pub(crate) const ADMIN_SHUTDOWN: &str = "57P01";
    pub(crate) const CRASH_SHUTDOWN: &str = "57P02";
    /// Raised by the lock triggers of migration 0015: the statement would
    /// write a work date a period lock covers; DETAIL holds the lock.
    pub(crate) const PERIOD_LOCKED: &str = "AL001";
    /// What a Citus coordinator relays a worker's error during `COPY` as.
    pub(crate) const INTERNAL_ERROR: &str = "XX000";
}

/// The SQLSTATE and constraint of a database error, if it is one.
pub(crate) fn db_code(err: &sqlx::Error) -> Option<(String, Option<String>)> {
    match err {
        sqlx::Error::Database(db) => Some((
            db.code().map(|c| c.into_owned()).unwrap_or_default(),
            db.constraint()
                .map(str::to_owned)
                .or_else(|| relayed_constraint(db.message())),
        )),
        _ => None,
    }
}

/// The constraint a violation relayed by a Citus coordinator names. The
/// coordinator passes a worker's error on as its message alone, and there
/// the constraint is the shard's copy, named `<constraint>_<shard id>`.
fn relayed_constraint(message: &str) -> Option<String> {
    let start = message.find("constraint \"")? + "constraint \"".len();
    let name = &message[start..start + message[start..].find('"')?];
    let (base, shard) = name.rsplit_once('_')?;
    (!base.is_empty() && !shard.is_empty() && shard.bytes().all(|b| b.is_ascii_digit()))
        .then(|| base.to_owned())
}

/// Whether `err` is a database error with SQLSTATE `code`.
pub(crate) fn has_code(err: &sqlx::Error, code: &str) -> bool {
    matches!(db_code(err), Some((c, _)) if c == code)
}

/// Whether `err` violated the constraint or index named `name`.
pub(crate) fn violates(err: &sqlx::Error, code: &str, name: &str) -> bool {
    matches!(db_code(err), Some((c, Some(n))) if c == code && n == name)
}

/// Errors after which the statement certainly did not take effect, so a
/// write may be sent again: a serialization failure or deadlock rolled the
/// transaction back; a pool time-out or a refused connection never sent it.
pub(crate) fn is_retryable_write(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::PoolTimedOut => true,
        sqlx::Error::Database(_) => matches!(
            db_code(err).map(|(c, _)| c).as_deref(),
            Some(
                sqlstate::SERIALIZATION_FAILURE
                    | sqlstate::DEADLOCK_DETECTED
                    | sqlstate::TOO_MANY_CONNECTIONS
                    | sqlstate::CANNOT_CONNECT_NOW
            )
        ),
        _ => false,
    }
}

/// Errors a read may be retried after: the write cases plus a lost
/// connection (a read has no effect to duplicate).
pub(crate) fn is_retryable_read(err: &sqlx::Error) -> bool {
    is_retryable_write(err) || is_connection_error(err)
}

/// Errors after which the connection is gone: I/O, TLS, a closed pool, or the
/// server's own notice that it is closing the session (class 08, shutdown).
pub(crate) fn is_connection_error(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(_) => db_code(err).is_some_and(|(c, _)| {
            c.starts_with("08")
                || c == sqlstate::ADMIN_SHUTDOWN
                || c == sqlstate::CRASH_SHUTDOWN
                || c == sqlstate::CANNOT_CONNECT_NOW
        }),
        _ => false,
    }
}

/// The CHECK constraints of `migrations/*.sql`, each with the input field
/// whose value it guards, by exact name. The test
/// `every_check_constraint_names_a_field` reads the constraints from the
/// migrated schema, so one added without an entry here fails it.
///
/// Unique, exclusion and foreign-key violations are not here: they mean a
/// conflict or a missing row rather than a bad value, and the store matches
/// them by name where they can occur (see [`violates`]). Nor are NOT NULL
/// violations: before PostgreSQL 18 they name no constraint, and the store
/// binds no null where the schema refuses one.
const CHECK_FIELDS: &[(&str, &str)] = &[
    ("teams_name_valid", "name"),
    ("teams_timezone_valid", "timezone"),
    ("employees_name_valid", "name"),
    ("employees_role_valid", "role"),
    ("sessions_work_mode_valid", "work_mode"),
    ("sessions_clock_out_after_clock_in", "at"),
    ("sessions_work_date_near_clock_in", "at"),
    // The key is checked by `IdempotencyKey::new` before it gets here.
    ("idempotency_keys_key_valid", KEY_FIELD),
    ("idempotency_keys_scope_valid", KEY_FIELD),
    ("idempotency_keys_fingerprint_valid", KEY_FIELD),
    // The reason is checked by `audit::validate_reason`; the action and
    // actor are written by the store itself, never from input.
    ("audit_log_reason_valid", "reason"),
    ("audit_log_action_valid", "action"),
    ("audit_log_actor_valid", "actor"),
    ("audit_log_token_valid", "token_id"),
    // Token rows are written by `TokenService` from checked values: the
    // name by `validate_text`, the expiry after creation, the hash from a
    // generated secret; the identity and revocation by the store itself.
    ("api_tokens_admin_name_valid", "name"),
    ("api_tokens_expires_after_creation", "expires_at"),
    ("api_tokens_hash_valid", "token"),
    ("api_tokens_one_identity", "identity"),
    ("api_tokens_revoked_after_creation", "revoked_at"),
    // The policy is checked by `domain::check_auto_close_hours`; only the
    // sweep sets the mark, and only as it closes a session.
    (
        "teams_auto_close_after_hours_range",
        "auto_close_after_hours",
    ),
    ("sessions_auto_closed_is_closed", "auto_closed"),
    // Work time: each value is checked by core's constructors
    // (`NewWorkPattern`, `PatternAssignment`, `NewHoliday`, `NewAbsence`,
    // `BreakRule`) before it gets here.
    ("work_patterns_name_valid", "name"),
    ("work_patterns_minutes_valid", "minutes"),
    (
        "work_patterns_weekly_overtime_after_range",
        "weekly_overtime_after",
    ),
    ("pattern_assignments_one_target", "target"),
    ("pattern_assignments_valid_from_supported", "valid_from"),
    ("holidays_name_valid", "name"),
    ("holidays_portion_valid", "portion"),
    ("holidays_date_supported", "date"),
    ("absences_kind_valid", "kind"),
    ("absences_portion_valid", "portion"),
    ("absences_range_valid", "to"),
    ("absences_dates_supported", "from"),
    ("absences_note_valid", "note"),
    ("break_thresholds_after_range", "thresholds"),
    ("break_thresholds_break_range", "thresholds"),
    // Closing a period: each value is checked by core's constructors
    // (`NewPeriodLock`, `NewCorrectionRequest`, `Decision::reject`); the
    // actor, state and decision columns are written by the store itself.
    ("period_locks_range_valid", "to"),
    ("period_locks_dates_supported", "from"),
    ("period_locks_reason_valid", "reason"),
    ("period_locks_locker_valid", "actor"),
    ("correction_requests_state_valid", "state"),
    ("correction_requests_change_valid", "change"),
    ("correction_requests_reason_valid", "reason"),
    ("correction_requests_work_date_supported", "clock_in"),
    ("correction_requests_decision_valid", "state"),
    ("correction_requests_decider_valid", "actor"),
    ("correction_requests_decision_reason_valid", "reason"),
    // Webhooks: the URL by `WebhookUrl::new`, the types by `EventType`,
    // the secret by `WebhookSecret`; states, attempts and the delivery log
    // by the store and `record_attempt` (which cuts the error).
    ("webhook_endpoints_url_valid", "url"),
    ("webhook_endpoints_event_types_valid", "event_types"),
    ("webhook_endpoints_secret_valid", "secret"),
    ("webhook_endpoints_state_valid", "state"),
    ("webhook_endpoints_failing_since_valid", "state"),
    ("webhook_deliveries_event_type_valid", "event_type"),
    ("webhook_deliveries_state_valid", "state"),
    ("webhook_deliveries_attempts_valid", "attempts"),
    ("webhook_deliveries_pending_is_due", "state"),
    ("webhook_deliveries_delivered_valid", "state"),
    ("webhook_deliveries_status_valid", "status"),
    ("webhook_deliveries_error_valid", "error"),
];

/// The input field guarded by the CHECK constraint `constraint`.
fn check_field(constraint: &str) -> Option<&'static str> {
    CHECK_FIELDS
        .iter()
        .find(|(name, _)| *name == constraint)
        .map(|(_, field)| *field)
}

/// The lock a statement refused by the lock triggers met, read from the
/// error's DETAIL (the lock's row as JSON); `None` for any other error.
pub(crate) fn period_locked(err: &sqlx::Error) -> Option<CoreError> {
    let sqlx::Error::Database(db) = err else {
        return None;
    };
    let detail = db
        .try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
        .and_then(|pg| pg.detail());
    let code = db.code();
    let ours = code.as_deref() == Some(sqlstate::PERIOD_LOCKED);
    // A Citus coordinator relays an error raised during a `COPY` on a
    // worker as an internal error (XX000), message and DETAIL kept: the
    // trigger's refusal is still told by its message and its lock.
    let relayed = code.as_deref() == Some(sqlstate::INTERNAL_ERROR)
        && db.message().starts_with("work dates ")
        && db.message().ends_with(" are locked");
    if !ours && !relayed {
        return None;
    }
    Some(match detail.map(crate::close::lock_from_detail) {
        Some(Ok(lock)) => attendance_core::Conflict::PeriodLocked {
            lock: Box::new(lock),
        }
        .into(),
        // An internal error that only looks like ours stays what it is.
        _ if relayed => return None,
        Some(Err(unreadable)) => unreadable,
        None => CoreError::backend("a period lock refused the write without naming itself"),
    })
}

/// Maps a database error that the caller did not handle specifically.
///
/// A refusal by a period lock is [`Conflict::PeriodLocked`](attendance_core::Conflict::PeriodLocked)
/// wherever it comes from (every path that writes sessions, absences or
/// requests ends here), with the lock the trigger named.
///
/// A CHECK violation that reaches this point means the library let invalid
/// data through its own validation, so it maps to a validation error naming
/// the constraint's field (see [`CHECK_FIELDS`]); any other database error
/// is a backend failure. Transient failures map to
/// [`CoreError::Unavailable`].
pub(crate) fn map(err: sqlx::Error) -> CoreError {
    if let Some(locked) = period_locked(&err) {
        return locked;
    }
    // Not retried by the store (a retry would queue every writer behind
    // it again), but the caller may try again later.
    if is_retryable_read(&err) || has_code(&err, sqlstate::LOCK_NOT_AVAILABLE) {
        return CoreError::unavailable(err);
    }
    // The tenant's tables are not there: it was dropped a moment ago (its
    // routers live a few seconds longer) or is not migrated yet. Not the
    // caller's fault, and not a bug of this statement.
    if has_code(&err, sqlstate::UNDEFINED_TABLE) {
        return CoreError::unavailable(err);
    }
    let field = match db_code(&err) {
        Some((code, Some(constraint))) if code == sqlstate::CHECK_VIOLATION => {
            check_field(&constraint)
        }
        _ => None,
    };
    match field {
        Some(field) => CoreError::validation(field, "was rejected by the database"),
        None => CoreError::backend(err),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pool_timeouts_are_retryable_and_unavailable() {
        assert!(is_retryable_write(&sqlx::Error::PoolTimedOut));
        assert!(map(sqlx::Error::PoolTimedOut).is_retryable());
    }

    #[test]
    fn lost_connections_are_retried_for_reads_only() {
        let io = || sqlx::Error::Io(std::io::Error::other("connection reset"));
        assert!(is_retryable_read(&io()));
        assert!(!is_retryable_write(&io()));
        assert!(map(io()).is_retryable());
    }

    #[test]
    fn a_constraint_relayed_by_citus_is_named_without_its_shard() {
        assert_eq!(
            relayed_constraint(
                "conflicting key value violates exclusion constraint \"sessions_no_overlap_104315\""
            )
            .as_deref(),
            Some("sessions_no_overlap")
        );
        assert_eq!(
            relayed_constraint(
                "duplicate key value violates unique constraint \"teams_name_unique\""
            ),
            None
        );
        assert_eq!(
            relayed_constraint("permission denied for table teams"),
            None
        );
    }

    /// Every CHECK constraint of the migrated schema has a field, and every
    /// entry of the table names a constraint that exists.
    #[tokio::test]
    async fn every_check_constraint_names_a_field() {
        crate::test_db::with_store(|store| async move {
            let names: Vec<String> = sqlx::query_scalar(
                "SELECT c.conname::text FROM pg_constraint c \
                 JOIN pg_namespace n ON n.oid = c.connamespace \
                 WHERE n.nspname = $1 AND c.contype = 'c' ORDER BY 1",
            )
            .bind(crate::SCHEMA)
            .fetch_all(store.pool())
            .await
            .unwrap();
            assert!(!names.is_empty(), "the migrations define CHECK constraints");
            let unmapped: Vec<&String> =
                names.iter().filter(|n| check_field(n).is_none()).collect();
            assert!(
                unmapped.is_empty(),
                "CHECK constraints without an entry in CHECK_FIELDS: {unmapped:?}"
            );
            let stale: Vec<&str> = CHECK_FIELDS
                .iter()
                .map(|(name, _)| *name)
                .filter(|name| !names.iter().any(|n| n == name))
                .collect();
            assert!(
                stale.is_empty(),
                "CHECK_FIELDS names no such constraint: {stale:?}"
            );
        })
        .await;
    }

    #[tokio::test]
    async fn a_check_violation_names_its_field() {
        crate::test_db::with_store(|store| async move {
            let err = sqlx::query("INSERT INTO attendance.teams (name) VALUES (' padded ')")
                .execute(store.pool())
                .await
                .unwrap_err();
            match map(err) {
                CoreError::Validation { field, .. } => assert_eq!(field, "name"),
                other => panic!("expected a validation error, got {other:?}"),
            }
        })
        .await;
    }

    #[test]
    fn decoding_errors_are_backend_failures() {
        let err = map(sqlx::Error::RowNotFound);
        assert!(matches!(err, CoreError::Backend { .. }));
    }
}
