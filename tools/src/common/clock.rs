//! The cycle the clock drivers time: one employee's clock-in and clock-out
//! through the service, counted, its errors kept.

use attendance::core::service::AttendanceService;
use attendance::core::{EmployeeId, WorkMode};

/// Cycles done and failed by one client, or by all of them added up.
#[derive(Default)]
pub(crate) struct Tally {
    pub(crate) cycles: u64,
    pub(crate) errors: u64,
    pub(crate) first_error: Option<String>,
}

impl Tally {
    /// Adds another client's tally; the first error kept is the earliest
    /// one added.
    pub(crate) fn add(&mut self, other: Tally) {
        self.cycles += other.cycles;
        self.errors += other.errors;
        self.first_error = self.first_error.take().or(other.first_error);
    }
}

/// Clocks `who` in and out, counting the cycle or its error.
pub(crate) async fn cycle(service: &AttendanceService, who: EmployeeId, tally: &mut Tally) {
    let result = async {
        service.clock_in(who, WorkMode::Wfo, None).await?;
        service.clock_out(who, None).await
    }
    .await;
    match result {
        Ok(_) => tally.cycles += 1,
        Err(e) => {
            tally.errors += 1;
            tally.first_error.get_or_insert_with(|| e.to_string());
            // A session left open (a run killed mid-cycle) would fail every
            // later clock-in of this employee: close it.
            let _ = service.clock_out(who, None).await;
        }
    }
}
