//! The in-memory store passes every conformance scenario. It is the
//! reference the other stores are compared with, so it skips only the
//! scenarios that compare a store with it (`reference`).

use std::sync::Arc;

use attendance_core::memory::InMemoryStore;
use attendance_core::testkit::Scenario;

async fn run(scenario: Scenario) {
    scenario(Arc::new(InMemoryStore::new())).await;
}

attendance_core::store_conformance_tests!(run, reference);
