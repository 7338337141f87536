//! `attendance`: the facade.
pub use attendance_core as core;
#[cfg(feature = "pg")]
pub use attendance_pg as pg;
