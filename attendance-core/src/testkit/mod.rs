//! Conformance scenarios that every [`Store`] must pass.
//!
//! Each scenario takes a fresh, empty store and asserts behaviour through the
//! services. A backend runs all of them with
//! [`store_conformance_tests!`](crate::store_conformance_tests) (crate root),
//! which generates one `#[tokio::test]` per scenario from the one list in
//! [`__conformance_scenarios!`](crate::__conformance_scenarios), so no
//! backend can skip one and there is no second list to keep in step.
//!
//! Two groups:
//! - every store runs the scenarios of [`SCENARIOS`];
//! - every store *other than the in-memory reference* also runs
//!   [`REFERENCE_SCENARIOS`], which compare its results on generated data
//!   with those of an [`InMemoryStore`](crate::memory::InMemoryStore).
//!   The in-memory store itself says `store_conformance_tests!(run,
//!   reference)`: comparing it with itself would prove nothing.
//!
//! ```no_run
//! use std::sync::Arc;
//! use attendance_core::memory::InMemoryStore;
//!
//! // Give every scenario a fresh store (a fresh database, for a real backend).
//! async fn run(scenario: attendance_core::testkit::Scenario) {
//!     scenario(Arc::new(InMemoryStore::new())).await;
//! }
//! attendance_core::store_conformance_tests!(run);
//! # fn main() {}
//! ```
// Scenarios are assertions: panicking with a message is how they fail.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod access;
mod analytics;
mod audit;
mod auto_close;
mod clock;
mod close;
mod concurrency;
mod directory;
mod employees;
mod fixtures;
mod generated;
mod idempotency;
mod import;
mod listing;
mod worktime;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::store::Store;

pub use access::*;
pub use analytics::*;
pub use audit::*;
pub use auto_close::*;
pub use clock::*;
pub use close::*;
pub use concurrency::*;
pub use directory::*;
pub use employees::*;
pub use fixtures::{now, service, ts};
pub use generated::*;
pub use idempotency::*;
pub use import::*;
pub use listing::*;
pub use worktime::*;

/// What the scenario files share.
mod prelude {
    pub(super) use std::collections::HashSet;
    pub(super) use std::sync::Arc;

    pub(super) use chrono::{DateTime, TimeDelta, Utc};

    pub(super) use super::fixtures::*;
    pub(super) use crate::domain::{
        AttendanceSession, Employee, EmployeeId, NewEmployee, NewTeam, Team, TeamId, WorkMode,
    };
    pub(super) use crate::error::{Conflict, Entity, Error};
    pub(super) use crate::memory::InMemoryStore;
    pub(super) use crate::service::{AttendanceService, TrendService};
    pub(super) use crate::store::{SessionFilter, Store};
    pub(super) use crate::trends::{Granularity, TrendQuery};
}

/// The future a scenario returns.
pub type ScenarioFuture = Pin<Box<dyn Future<Output = ()> + Send>>;
/// A scenario: give it an empty store, await it, and it panics on failure.
pub type Scenario = fn(Arc<dyn Store>) -> ScenarioFuture;

/// The one list of scenarios. It calls back `$callback!` (a macro of this
/// crate) with `[$args] every: [..], reference: [..]`, so the table below
/// and the generated tests of [`store_conformance_tests!`] come from it.
#[doc(hidden)]
#[macro_export]
macro_rules! __conformance_scenarios {
    ($callback:ident [$($args:tt)*]) => {
        $crate::$callback! {
            [$($args)*]
            every: [
                teams_create_get_list,
                duplicate_team_name,
                employees_create_get_list,
                teams_and_employees_are_paged,
                unknown_ids,
                clock_in_out_happy_path,
                double_clock_in,
                clock_out_without_open_session,
                clock_out_before_clock_in,
                future_instants_rejected,
                several_sessions_a_day,
                backfill,
                overlap_rejected,
                night_shift_across_midnight,
                dst_change_days_in_berlin,
                listing_filters,
                listing_range_at_the_ends_of_the_offsets,
                pagination_without_gaps_or_duplicates,
                trend_figures_hand_computed,
                day_records_and_forgotten_clock_outs,
                day_records_of_a_set_of_teams,
                all_team_figures_match_each_team,
                import_stores_rows_as_a_clock_in_would,
                import_reports_every_bad_row,
                import_cuts_instants_to_the_microsecond,
                import_csv_counts_lines_as_in_the_file,
                concurrent_clock_ins_for_one_employee,
                concurrent_cycles_lose_nothing,
                retried_writes_replay_their_first_outcome,
                a_key_reused_for_another_request_is_refused,
                keys_are_scoped_to_their_caller,
                a_failed_write_leaves_its_key_free,
                keys_expire_after_the_window,
                concurrent_retries_of_one_key_write_once,
                listings_hold_only_rows_in_scope,
                reads_out_of_scope_are_not_found,
                writes_follow_the_matrix,
                appointments_change_what_a_manager_manages,
                every_write_leaves_one_audit_entry,
                a_failed_write_leaves_no_audit_entry,
                corrections_follow_the_clock_rules,
                audit_is_scoped_and_filtered,
                corrections_need_a_manager_or_an_admin,
                forgotten_sessions_are_closed_by_the_team_policy,
                employees_are_changed_by_admins,
                audit_entries_about_other_teams_are_hidden,
                ledger_counts_owed_and_worked_minutes,
                night_shifts_count_to_the_date_they_start,
                dst_days_count_elapsed_time,
                holidays_set_what_a_day_owes,
                absences_count_as_met,
                breaks_deduct_only_the_shortfall,
                weekly_overtime_counts_past_the_threshold,
                patterns_apply_from_their_date,
                a_move_keeps_each_dates_team,
                work_time_writes_are_audited,
                requests_are_decided_by_someone_else,
                a_stale_request_is_refused_with_the_current_session,
                requests_are_listed_in_scope,
                locks_refuse_every_write_in_the_period,
                locks_refuse_overlaps_and_open_sessions,
                events_reach_subscribed_endpoints_in_order,
                timesheets_are_the_ledger_with_names_and_locks,
            ],
            reference: [
                generated_data_matches_in_memory,
                generated_ledgers_match_in_memory,
            ],
        }
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __conformance_table {
    ([] every: [$($name:ident),* $(,)?], reference: [$($cross:ident),* $(,)?] $(,)?) => {
        /// Every scenario that every store runs, by name.
        pub const SCENARIOS: &[(&str, Scenario)] = &[
            $((stringify!($name), |store| Box::pin($name(store)))),*
        ];
        /// The scenarios that compare a store with the in-memory reference,
        /// by name; every store but that reference runs them.
        pub const REFERENCE_SCENARIOS: &[(&str, Scenario)] = &[
            $((stringify!($cross), |store| Box::pin($cross(store)))),*
        ];
    };
}

__conformance_scenarios!(__conformance_table[]);

/// Generates one `#[tokio::test]` per conformance scenario, each calling
/// `$run(scenario)` where `$run` is an `async fn(Scenario)` that gives the
/// scenario a fresh store. Write `store_conformance_tests!(run, reference)`
/// only for the in-memory reference store itself (see the
/// [module docs](crate::testkit)).
#[macro_export]
macro_rules! store_conformance_tests {
    ($run:path) => {
        $crate::__conformance_scenarios!(__conformance_tests[$run; with_reference]);
    };
    ($run:path, reference) => {
        $crate::__conformance_scenarios!(__conformance_tests[$run; reference_itself]);
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __conformance_tests {
    ([$run:path; $group:ident] every: [$($name:ident),* $(,)?], reference: [$($cross:ident),* $(,)?] $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $name() {
                $run(|store| Box::pin($crate::testkit::$name(store))).await;
            }
        )*
        $crate::__conformance_tests!(@reference $group $run; $($cross),*);
    };
    (@reference with_reference $run:path; $($cross:ident),*) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $cross() {
                $run(|store| Box::pin($crate::testkit::$cross(store))).await;
            }
        )*
    };
    (@reference reference_itself $run:path; $($cross:ident),*) => {};
}
