#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

/// Domain types, traits, services, the in-memory store and the test kit.
pub use attendance_core as core;

/// The PostgreSQL store (feature `pg`, on by default).
#[cfg(feature = "pg")]
#[cfg_attr(docsrs, doc(cfg(feature = "pg")))]
pub use attendance_pg as pg;

/// The OpenAI-compatible chat client (feature `llm`, on by default).
#[cfg(feature = "llm")]
#[cfg_attr(docsrs, doc(cfg(feature = "llm")))]
pub use attendance_llm as llm;

/// The axum adapter (feature `http`, on by default).
#[cfg(feature = "http")]
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
pub use attendance_http as http;

/// The webhook delivery worker and Standard Webhooks signatures (feature
/// `webhooks`, on by default).
#[cfg(feature = "webhooks")]
#[cfg_attr(docsrs, doc(cfg(feature = "webhooks")))]
pub use attendance_webhooks as webhooks;

/// Timesheet files, CSV and XLSX (feature `export`, on by default).
#[cfg(feature = "export")]
#[cfg_attr(docsrs, doc(cfg(feature = "export")))]
pub use attendance_export as export;

// What a host uses daily, at the root: the one way in, the services, the
// stores, the domain types and the error.
pub use attendance_core::access::{Identity, Principal};
pub use attendance_core::ask::AskService;
pub use attendance_core::clock::{Clock, ManualClock, SystemClock};
pub use attendance_core::memory::InMemoryStore;
pub use attendance_core::service::{AttendanceService, ServiceConfig, TrendService};
pub use attendance_core::store::{AnalyticsStore, AttendanceStore, Directory, Store};
pub use attendance_core::summary::SummaryService;
pub use attendance_core::{
    App, AppBuilder, AttendanceSession, Conflict, Employee, EmployeeId, Entity, Error, NewEmployee,
    NewTeam, Result, SessionId, Team, TeamId, WorkMode,
};

#[cfg(feature = "http")]
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
pub use attendance_http::{HttpConfig, Services, router, router_with};
#[cfg(feature = "llm")]
#[cfg_attr(docsrs, doc(cfg(feature = "llm")))]
pub use attendance_llm::{OpenAiClient, OpenAiConfig};
#[cfg(feature = "pg")]
#[cfg_attr(docsrs, doc(cfg(feature = "pg")))]
pub use attendance_pg::{PgConfig, PgSqlRunner, PgStore};
#[cfg(feature = "webhooks")]
#[cfg_attr(docsrs, doc(cfg(feature = "webhooks")))]
pub use attendance_webhooks::{Deliverer, DeliveryConfig};
