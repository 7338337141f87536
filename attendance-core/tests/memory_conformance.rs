//! The in-memory store passes every conformance scenario.

use std::sync::Arc;

use attendance_core::memory::InMemoryStore;
use attendance_core::testkit::Scenario;

async fn run(scenario: Scenario) {
    scenario(Arc::new(InMemoryStore::new())).await;
}

attendance_core::store_conformance_tests!(run);
