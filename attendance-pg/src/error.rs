//! Errors of this crate, and the mapping of database failures to
//! [`attendance_core::Error`] by SQLSTATE class.

use attendance_core::Error as CoreError;

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
    /// A configuration value is unusable.
    #[error("invalid configuration: {0}")]
    Config(String),
}

/// SQLSTATE codes this crate reacts to.
pub(crate) mod sqlstate {
    pub(crate) const UNIQUE_VIOLATION: &str = "23505";
    pub(crate) const FOREIGN_KEY_VIOLATION: &str = "23503";
    pub(crate) const CHECK_VIOLATION: &str = "23514";
    pub(crate) const NOT_NULL_VIOLATION: &str = "23502";
    pub(crate) const EXCLUSION_VIOLATION: &str = "23P01";
    pub(crate) const SERIALIZATION_FAILURE: &str = "40001";
    pub(crate) const DEADLOCK_DETECTED: &str = "40P01";
    pub(crate) const TOO_MANY_CONNECTIONS: &str = "53300";
    pub(crate) const CANNOT_CONNECT_NOW: &str = "57P03";
    pub(crate) const ADMIN_SHUTDOWN: &str = "57P01";
    pub(crate) const CRASH_SHUTDOWN: &str = "57P02";
}

/// The SQLSTATE and constraint of a database error, if it is one.
pub(crate) fn db_code(err: &sqlx::Error) -> Option<(String, Option<String>)> {
    match err {
        sqlx::Error::Database(db) => Some((
            db.code().map(|c| c.into_owned()).unwrap_or_default(),
            db.constraint().map(str::to_owned),
        )),
        _ => None,
    }
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

fn is_connection_error(err: &sqlx::Error) -> bool {
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

/// Maps a database error that the caller did not handle specifically.
///
/// Integrity violations that reach this point mean the library let invalid
/// data through its own validation, so they map to a validation error naming
/// the constraint's column where one is known, and otherwise to a backend
/// failure. Transient failures map to [`CoreError::Unavailable`].
pub(crate) fn map(err: sqlx::Error) -> CoreError {
    if is_retryable_read(&err) {
        return CoreError::unavailable(err);
    }
    match db_code(&err) {
        Some((code, constraint))
            if code == sqlstate::CHECK_VIOLATION || code == sqlstate::NOT_NULL_VIOLATION =>
        {
            let field = match constraint.as_deref() {
                Some(c) if c.contains("name") => "name",
                Some(c) if c.contains("role") => "role",
                Some(c) if c.contains("timezone") => "timezone",
                Some(c) if c.contains("work_mode") => "work_mode",
                Some(c) if c.contains("clock") || c.contains("work_date") => "at",
                _ => return CoreError::backend(err),
            };
            CoreError::validation(field, "was rejected by the database")
        }
        _ => CoreError::backend(err),
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
    fn decoding_errors_are_backend_failures() {
        let err = map(sqlx::Error::RowNotFound);
        assert!(matches!(err, CoreError::Backend { .. }));
    }
}
