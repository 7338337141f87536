#![doc = include_str!("../README.md")]

/// Domain types, traits, services, the in-memory store and the test kit.
pub use attendance_core as core;

/// The PostgreSQL store (feature `pg`, on by default).
#[cfg(feature = "pg")]
pub use attendance_pg as pg;

/// The OpenAI-compatible chat client (feature `llm`, on by default).
#[cfg(feature = "llm")]
pub use attendance_llm as llm;

/// The axum adapter (feature `http`, on by default).
#[cfg(feature = "http")]
pub use attendance_http as http;
