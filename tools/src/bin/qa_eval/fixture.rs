//! The seeded company and the pinned "now" every query runs at.

use std::error::Error;

use attendance::core::import::ImportBatch;
use attendance::pg::PgStore;
use chrono::{DateTime, NaiveDate, Utc};

#[path = "../../common/company.rs"]
mod company;

/// The seeded company: `cargo run -p attendance-tools --bin seed -- --employees 200
/// --teams 40 --days 30 --until 2026-03-12 --open 5 --seed 1` makes the
/// same data. 40 teams reach the fourth department, Operations, whose
/// night shifts cross midnight; 30 working days cover all of February 2026
/// and the US change to summer time on 8 March.
pub const EMPLOYEES: usize = 200;
/// Teams of the seeded company.
pub const TEAMS: usize = 40;
/// Working days of sessions.
pub const DAYS: usize = 30;
/// Sessions left open on the last day.
pub const OPEN: usize = 5;
/// The generator's seed.
pub const SEED: u64 = 1;
/// The last working day with sessions (a Thursday).
pub const UNTIL: &str = "2026-03-12";
/// "Now" for the prompt and every query: Friday 2026-03-13, 18:00 UTC,
/// after the last night shift of the 12th has ended in every timezone.
pub const NOW: &str = "2026-03-13T18:00:00Z";

/// A label of the data set, stored with a seeded database so a reused one
/// is known to be this one.
pub fn company_label() -> String {
    format!(
        "qa_eval company v1: employees={EMPLOYEES} teams={TEAMS} days={DAYS} until={UNTIL} \
         open={OPEN} seed={SEED}"
    )
}

/// The pinned instant.
pub fn now() -> DateTime<Utc> {
    NOW.parse().unwrap_or_default()
}

/// Seeds the company into an empty, migrated store; returns the sessions
/// imported.
pub async fn seed_company(store: &PgStore) -> Result<u64, Box<dyn Error>> {
    let until: NaiveDate = UNTIL.parse()?;
    let mut rng = company::Rng(SEED);
    let people = company::create_company(store, EMPLOYEES, TEAMS, &mut rng).await?;
    let days = company::working_days(Some(until), DAYS);
    let rows = company::generate(&people, &days, OPEN, &mut rng);
    let imported = store
        .importer()
        .import(
            ImportBatch::from_rows(rows),
            now(),
            attendance::core::domain::DEFAULT_FUTURE_TOLERANCE,
        )
        .await?;
    if !imported.report.rejected.is_empty() {
        return Err(format!(
            "{} seeded rows were rejected",
            imported.report.rejected.len()
        )
        .into());
    }
    Ok(imported.report.inserted)
}
