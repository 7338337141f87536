//! The PostgreSQL store passes every conformance scenario, each on a fresh
//! database.

use attendance_testsupport as common;

use std::sync::Arc;

use attendance_core::testkit::Scenario;

async fn run(scenario: Scenario) {
    common::with_store(|store| scenario(Arc::new(store))).await;
}

attendance_core::store_conformance_tests!(run);
