//! Core of the `attendance` library: domain types, validation, the store and
//! chat-model traits, the services that own the business rules, and an
//! in-memory store.
//!
//! ```
//! use std::sync::Arc;
//! use attendance_core::{memory::InMemoryStore, service::AttendanceService};
//! use attendance_core::{NewEmployee, NewTeam, WorkMode};
//!
//! # async fn demo() -> attendance_core::Result<()> {
//! let service = AttendanceService::new(Arc::new(InMemoryStore::new()));
//! let team = service
//!     .create_team(&NewTeam::new("Platform")?.with_timezone("Europe/Berlin")?)
//!     .await?;
//! let ada = service
//!     .create_employee(&NewEmployee::new("Ada Lovelace", "Engineer", team.id)?)
//!     .await?;
//! let session = service.clock_in(ada.id, WorkMode::Wfh, None).await?;
//! assert!(session.is_open());
//! service.clock_out(ada.id, None).await.ok();
//! # Ok(()) }
//! ```
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod access;
mod acting;
pub mod app;
pub mod ask;
pub mod audit;
pub mod clock;
pub mod close;
mod corrections;
pub mod domain;
mod employees;
pub mod error;
pub mod export;
pub mod guard;
pub mod idempotency;
pub mod import;
pub mod llm;
pub mod memory;
pub mod service;
pub mod store;
pub mod summary;
#[cfg(feature = "testkit")]
pub mod testkit;
pub mod tokens;
pub mod trends;
pub mod webhooks;
pub mod worktime;
pub mod write;

pub use acting::{Acting, ActingTrends};
pub use app::{App, AppBuilder};
pub use domain::{
    AttendanceSession, Employee, EmployeeChanges, EmployeeId, NewEmployee, NewTeam, SessionId,
    Team, TeamId, WorkMode,
};
pub use error::{Conflict, Entity, Error, Result};
