//! Axum adapter for `attendance` (work in progress: see the HTTP issue).
