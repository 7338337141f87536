//! PostgreSQL store for `attendance`.
