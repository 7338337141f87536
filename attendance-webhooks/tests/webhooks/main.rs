//! The delivery worker against a real receiver, on the in-memory store and
//! on PostgreSQL.
// Tests: failing loudly is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod receiver;
mod scenarios;
mod signature;
mod support;

/// Each scenario once per store: `memory::name` and `pg::name` (a fresh
/// database each, dropped after).
macro_rules! on_every_store {
    ($($name:ident),* $(,)?) => {
        mod memory {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let store = std::sync::Arc::new(attendance_core::memory::InMemoryStore::new());
                    crate::scenarios::$name(store).await;
                }
            )*
        }
        mod pg {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    attendance_testsupport::with_store(|store| async move {
                        crate::scenarios::$name(std::sync::Arc::new(store)).await;
                    })
                    .await;
                }
            )*
        }
    };
}

on_every_store!(
    every_event_arrives_in_order_through_failures,
    the_worker_killed_mid_delivery_loses_nothing,
    private_loopback_and_link_local_are_refused_by_default,
    link_local_is_refused_even_when_the_rest_is_allowed,
    a_delivery_failing_past_the_horizon_is_given_up,
    redirects_are_not_followed,
    responses_are_read_up_to_the_cap,
    shutdown_finishes_the_deliveries_in_flight,
    failures_say_what_went_wrong_without_the_url,
    an_endpoint_removed_mid_delivery_is_no_error,
);
