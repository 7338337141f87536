//! The seeded company and the pinned "now" every query runs at.

use std::error::Error;

use attendance::AttendanceStore;
use attendance::core::access::Actor;
use attendance::core::audit::Stamp;
use attendance::core::idempotency::Write;
use attendance::core::import::ImportBatch;
use attendance::core::worktime::{
    AbsenceKind, BreakRule, DayPortion, NewAbsence, NewHoliday, NewWorkPattern, PatternAssignment,
    ScheduleTarget, WorkPatternId,
};
use attendance::core::{EmployeeId, TeamId};
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
        "qa_eval company v2: employees={EMPLOYEES} teams={TEAMS} days={DAYS} until={UNTIL} \
         open={OPEN} seed={SEED}"
    )
}

/// The pinned instant.
pub fn now() -> DateTime<Utc> {
    NOW.parse().unwrap_or_default()
}

/// Seeds the company into an empty, migrated store, with its work time
/// (see [`work_time`]); returns the sessions imported.
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
    work_time(store).await?;
    Ok(imported.report.inserted)
}

/// Every team works Monday to Friday, 8 h, under the statutory break rule;
/// Sales Berlin and Sales London (teams 11 and 12) work 4 × 6 h from
/// 2 February, with overtime past 20 h a week, so their Fridays are
/// rest-day work. Monday 16 February is a company holiday (the sessions
/// do not know it: work on it is holiday work); Engineering Tokyo (7) has
/// two more and Engineering London (2) a half day. A few employees have
/// vacation, sick leave and other leave, some on days they also worked.
async fn work_time(store: &PgStore) -> Result<(), Box<dyn Error>> {
    let date = |s: &str| s.parse::<NaiveDate>();
    let mut writes = vec![
        Write::CreateWorkPattern(NewWorkPattern::new(
            "Full time",
            [480, 480, 480, 480, 480, 0, 0],
        )?),
        Write::CreateWorkPattern(
            NewWorkPattern::new("Part time", [360, 360, 360, 360, 0, 0, 0])?
                .with_weekly_overtime_after(1200)?,
        ),
    ];
    for team in 1..=TEAMS as i64 {
        let target = ScheduleTarget::Team(TeamId(team));
        writes.push(Write::AssignWorkPattern(PatternAssignment::new(
            target,
            Some(WorkPatternId(1)),
            date("2026-01-01")?,
        )?));
        writes.push(Write::SetBreakRule {
            team: TeamId(team),
            rule: BreakRule::statutory(),
        });
    }
    for team in [11, 12] {
        writes.push(Write::AssignWorkPattern(PatternAssignment::new(
            ScheduleTarget::Team(TeamId(team)),
            Some(WorkPatternId(2)),
            date("2026-02-02")?,
        )?));
    }
    for (team, day, name, portion) in [
        (None, "2026-02-16", "Company day", DayPortion::Full),
        (
            Some(7),
            "2026-02-11",
            "National Foundation Day",
            DayPortion::Full,
        ),
        (
            Some(7),
            "2026-02-23",
            "Emperor's Birthday",
            DayPortion::Full,
        ),
        (
            Some(2),
            "2026-03-06",
            "Founders' afternoon",
            DayPortion::Half,
        ),
    ] {
        writes.push(Write::AddHoliday(NewHoliday::new(
            team.map(TeamId),
            date(day)?,
            name,
            portion,
        )?));
    }
    for (who, kind, from, to, portion) in [
        (
            41,
            AbsenceKind::Vacation,
            "2026-02-09",
            "2026-02-13",
            DayPortion::Full,
        ),
        (
            1,
            AbsenceKind::Vacation,
            "2026-03-02",
            "2026-03-06",
            DayPortion::Full,
        ),
        (
            87,
            AbsenceKind::Vacation,
            "2026-02-23",
            "2026-02-27",
            DayPortion::Full,
        ),
        (
            42,
            AbsenceKind::Sick,
            "2026-02-18",
            "2026-02-19",
            DayPortion::Full,
        ),
        (
            81,
            AbsenceKind::Sick,
            "2026-02-25",
            "2026-02-25",
            DayPortion::Full,
        ),
        (
            122,
            AbsenceKind::Sick,
            "2026-03-09",
            "2026-03-10",
            DayPortion::Full,
        ),
        (
            43,
            AbsenceKind::Other,
            "2026-03-04",
            "2026-03-04",
            DayPortion::Half,
        ),
        (
            127,
            AbsenceKind::Other,
            "2026-02-20",
            "2026-02-20",
            DayPortion::Full,
        ),
    ] {
        writes.push(Write::RecordAbsence(
            NewAbsence::new(EmployeeId(who), kind, date(from)?, date(to)?)?.with_portion(portion),
        ));
    }
    let stamp = Stamp {
        actor: Actor::System,
        at: now(),
    };
    for write in &writes {
        store.write(&stamp, write).await?;
    }
    Ok(())
}
