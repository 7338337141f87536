//! Two weeks in the life of a small company, end to end.
//!
//! ```sh
//! cargo run --example quickstart
//! ```
//!
//! Runs on the in-memory store with no services and no environment. With
//! `DATABASE_URL` set it uses PostgreSQL instead (after applying the
//! migrations), under team names stamped with the current time so it can be
//! run again on the same database.

use std::error::Error;
use std::sync::Arc;

use attendance::core::access::Principal;
use attendance::core::domain::IsoWeek;
use attendance::core::memory::InMemoryStore;
use attendance::core::service::{AttendanceService, TrendService};
use attendance::core::store::Store;
use attendance::core::summary::SummaryService;
use attendance::core::trends::{Granularity, TeamTrend, TrendPoint, TrendQuery};
use attendance::core::{Employee, NewEmployee, NewTeam, Team, WorkMode};
use chrono::{Datelike, Days, NaiveDate, NaiveTime, TimeDelta, TimeZone, Utc};

/// A tiny deterministic random source, so every run tells the same story.
struct Dice(u64);

impl Dice {
    fn roll(&mut self, sides: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % sides
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let (store, label, suffix) = open_store().await?;
    println!("attendance quickstart — store: {label}\n");
    let attendance = AttendanceService::new(store.clone());
    let trends = TrendService::new(store.clone());
    // No chat model here: summaries come from the deterministic template.
    // `attendance::llm::OpenAiClient` plugs in as `Some(Arc::new(client))`.
    let summaries = SummaryService::new(store, None);

    let teams = [
        attendance
            .create_team(
                &NewTeam::new(&format!("Platform{suffix}"))?.with_timezone("Europe/Berlin")?,
            )
            .await?,
        attendance
            .create_team(
                &NewTeam::new(&format!("Support{suffix}"))?.with_timezone("America/New_York")?,
            )
            .await?,
    ];
    let people = [
        ("Ada Lovelace", "Engineering Manager", true),
        ("Alan Turing", "Engineer", false),
        ("Grace Hopper", "Engineer", false),
        ("Edsger Dijkstra", "Engineer", false),
        ("Barbara Liskov", "Architect", false),
        ("Ken Thompson", "SRE", false),
        ("Margaret Hamilton", "Support Lead", true),
        ("Dennis Ritchie", "Support Engineer", false),
        ("Frances Allen", "Support Engineer", false),
        ("Donald Knuth", "Support Engineer", false),
        ("Radia Perlman", "Support Engineer", false),
        ("John Backus", "Support Engineer", false),
    ];
    let mut staff = Vec::new();
    for (i, (name, role, manager)) in people.into_iter().enumerate() {
        let team = &teams[i / 6];
        let new = NewEmployee::new(name, role, team.id)?.manager(manager);
        staff.push((attendance.create_employee(&new).await?, team.clone()));
    }

    // The last two complete ISO weeks.
    let today = Utc::now().date_naive();
    let this_monday = today - Days::new(u64::from(today.weekday().num_days_from_monday()));
    let from = this_monday - Days::new(14);
    let to = this_monday - Days::new(1);
    let sessions = simulate(&attendance, &staff, from).await?;
    println!(
        "Simulated {sessions} sessions for {} employees in {} teams, {from} to {to}.\n",
        staff.len(),
        teams.len()
    );

    let weekly = TrendQuery::new(from, to, Granularity::Week)?;
    print_employee_table(&trends, &staff, &weekly).await?;
    print_team_table(&trends, &teams, &weekly).await?;

    let friday = to - Days::new(2);
    let daily = summaries
        .acting_as(&Principal::system())
        .daily(friday, None)
        .await?;
    println!(
        "\nDaily summary ({:?}):\n{}",
        daily.generated_by, daily.text
    );
    let weekly = summaries
        .acting_as(&Principal::system())
        .weekly(IsoWeek::containing(friday), None)
        .await?;
    println!(
        "\nWeekly summary ({:?}):\n{}",
        weekly.generated_by, weekly.text
    );
    Ok(())
}

/// The in-memory store, or PostgreSQL when `DATABASE_URL` is set.
async fn open_store() -> Result<(Arc<dyn Store>, String, String), Box<dyn Error>> {
    match std::env::var("DATABASE_URL") {
        Ok(url) => {
            let store =
                attendance::pg::PgStore::connect(&attendance::pg::PgConfig::new(url)).await?;
            store.migrate().await?;
            let stamp = Utc::now().format(" %H%M%S").to_string();
            Ok((Arc::new(store), "PostgreSQL (DATABASE_URL)".into(), stamp))
        }
        Err(_) => Ok((
            Arc::new(InMemoryStore::new()),
            "in memory".into(),
            String::new(),
        )),
    }
}

/// Realistic days: most people come in, some work from home, some arrive
/// after 09:30, some take a lunch break, and one forgets to clock out.
async fn simulate(
    attendance: &AttendanceService,
    staff: &[(Employee, Team)],
    from: NaiveDate,
) -> Result<usize, Box<dyn Error>> {
    let mut dice = Dice(2026);
    let mut count = 0;
    for offset in 0..14 {
        let day = from + Days::new(offset);
        if day.weekday().number_from_monday() > 5 {
            continue;
        }
        for (i, (employee, team)) in staff.iter().enumerate() {
            // On the last Friday, one person forgets to clock out.
            let forgets = offset == 11 && i == 3;
            if !forgets && dice.roll(10) == 0 {
                continue; // a day off
            }
            let mode = if dice.roll(5) < 2 {
                WorkMode::Wfh
            } else {
                WorkMode::Wfo
            };
            let start_minute = 7 * 60 + 45 + dice.roll(120); // 07:45 to 09:44
            let start = NaiveTime::MIN + TimeDelta::minutes(start_minute as i64);
            let Some(clock_in) = team
                .timezone
                .from_local_datetime(&day.and_time(start))
                .single()
            else {
                continue; // a local time skipped by a DST change
            };
            let clock_in = clock_in.with_timezone(&Utc);
            let worked = TimeDelta::minutes(7 * 60 + 30 + dice.roll(90) as i64);
            attendance
                .clock_in(employee.id, mode, Some(clock_in))
                .await?;
            count += 1;
            if forgets {
                continue;
            }
            if dice.roll(3) == 0 {
                // A lunch break splits the day in two sessions.
                let lunch = clock_in + TimeDelta::hours(4);
                attendance.clock_out(employee.id, Some(lunch)).await?;
                let back = lunch + TimeDelta::minutes(45);
                attendance.clock_in(employee.id, mode, Some(back)).await?;
                attendance
                    .clock_out(employee.id, Some(back + worked - TimeDelta::hours(4)))
                    .await?;
                count += 1;
            } else {
                attendance
                    .clock_out(employee.id, Some(clock_in + worked))
                    .await?;
            }
        }
    }
    Ok(count)
}

fn time(t: Option<NaiveTime>) -> String {
    t.map_or_else(|| "  -  ".into(), |t| t.format("%H:%M").to_string())
}

async fn print_employee_table(
    trends: &TrendService,
    staff: &[(Employee, Team)],
    query: &TrendQuery,
) -> Result<(), Box<dyn Error>> {
    println!("Employees, per ISO week (local times in each team's timezone)");
    println!(
        "{:<18} {:<10} {:<8} {:>4} {:>6} {:>7} {:>4} {:>4} {:>4} {:>4}",
        "employee", "team", "week", "days", "hours", "avg in", "WFH", "WFO", "late", "open"
    );
    for (employee, team) in staff {
        let trend = trends.employee_trend(employee.id, query).await?;
        for p in &trend.points {
            print_row(&employee.name, &team.name, p);
        }
    }
    println!();
    Ok(())
}

fn print_row(name: &str, team: &str, p: &TrendPoint) {
    println!(
        "{:<18} {:<10} {:<8} {:>4} {:>6.1} {:>7} {:>4} {:>4} {:>4} {:>4}",
        truncate(name, 18),
        truncate(team, 10),
        p.label,
        p.days_present,
        p.hours_worked,
        time(p.avg_clock_in),
        p.wfh_days,
        p.wfo_days,
        p.late_arrivals,
        p.open_sessions
    );
}

async fn print_team_table(
    trends: &TrendService,
    teams: &[Team],
    query: &TrendQuery,
) -> Result<(), Box<dyn Error>> {
    println!("Teams, per ISO week (attendance rate = present weekdays / headcount × weekdays)");
    println!(
        "{:<18} {:<8} {:>5} {:>5} {:>6} {:>7} {:>7} {:>4} {:>4} {:>4} {:>4}",
        "team", "week", "staff", "days", "rate", "hours", "avg in", "WFH", "WFO", "late", "open"
    );
    for team in teams {
        let TeamTrend {
            headcount, points, ..
        } = trends.team_trend(team.id, query).await?;
        for p in &points {
            let rate = p
                .attendance_rate
                .map_or_else(|| "  -".into(), |r| format!("{:.0}%", r * 100.0));
            let f = &p.figures;
            println!(
                "{:<18} {:<8} {:>5} {:>5} {:>6} {:>7.1} {:>7} {:>4} {:>4} {:>4} {:>4}",
                truncate(&team.name, 18),
                f.label,
                headcount,
                f.days_present,
                rate,
                f.hours_worked,
                time(f.avg_clock_in),
                f.wfh_days,
                f.wfo_days,
                f.late_arrivals,
                f.open_sessions
            );
        }
    }
    Ok(())
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let mut out: String = s.chars().take(max - 1).collect();
        out.push('…');
        out
    }
}
