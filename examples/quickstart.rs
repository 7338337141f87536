//! Two weeks in the life of a small company, end to end: work patterns,
//! holidays and absences, sessions, a team trend table, the daily and
//! weekly summaries, a correction asked for and approved, each employee's
//! balance of hours, and the fortnight closed and exported for payroll.
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

use attendance::core::access::{Identity, Principal};
use attendance::core::close::{Decision, NewPeriodLock};
use attendance::core::domain::IsoWeek;
use attendance::core::memory::InMemoryStore;
use attendance::core::service::{AttendanceService, TrendService};
use attendance::core::store::Store;
use attendance::core::summary::SummaryService;
use attendance::core::trends::{Granularity, TeamTrend, TrendQuery};
use attendance::core::worktime::{
    AbsenceKind, BreakRule, DayPortion, LedgerPeriod, NewAbsence, NewHoliday, NewWorkPattern,
    PatternAssignment, ScheduleTarget, display_hours,
};
use attendance::core::write::SessionChanges;
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
    let plan = Plan::new(&attendance, &teams, &staff, from).await?;
    let sessions = simulate(&attendance, &staff, &plan, from).await?;
    println!(
        "Simulated {sessions} sessions for {} employees in {} teams, {from} to {to}.",
        staff.len(),
        teams.len()
    );
    println!(
        "Work time: Monday to Friday 8 h ({} 4 × 6 h); holidays {} (company) and {} ({});\n\
         {} on vacation 2 days, {} sick 1 day; {} under the statutory break rule.",
        staff[PART_TIME].0.name,
        plan.company_holiday,
        plan.team_holiday,
        teams[1].name,
        staff[ON_VACATION].0.name,
        staff[SICK].0.name,
        teams[0].name,
    );

    // A forgotten clock-out counts up to now until it is corrected; the
    // employee asks, their manager approves, and since the ledger is
    // computed on every read the correction shows at once.
    let period = LedgerPeriod::new(from, to)?;
    let (forgetful, manager) = (&staff[FORGETS].0, &staff[0].0);
    if let Some(open) = attendance.open_session(forgetful.id).await? {
        let before = trends.employee_ledger(forgetful.id, &period, 0).await?;
        let changes = SessionChanges {
            clock_out: Some(open.clock_in + TimeDelta::hours(8)),
            ..SessionChanges::default()
        };
        let asker = attendance
            .principal(&Identity::Employee { id: forgetful.id })
            .await?;
        let approver = attendance
            .principal(&Identity::Employee { id: manager.id })
            .await?;
        let request = attendance
            .acting_as(&asker)
            .request_session_change(open.id, &changes, "forgot to clock out; left after 8 h")
            .await?
            .value;
        attendance
            .acting_as(&approver)
            .decide_request(request.id, &Decision::Approve)
            .await?;
        let after = trends.employee_ledger(forgetful.id, &period, 0).await?;
        println!(
            "{} forgot to clock out on {}: balance {:+.1} h while the session counts up \
             to now,\n{:+.1} h once {} approves the correction {} asked for.\n",
            forgetful.name,
            open.work_date,
            display_hours(before.totals.balance_minutes),
            display_hours(after.totals.balance_minutes),
            manager.name,
            forgetful.name,
        );
    }

    let weekly = TrendQuery::new(from, to, Granularity::Week)?;
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

    print_balances(&trends, &teams, &staff, &period).await?;
    close_the_fortnight(&attendance, &trends, &teams[0], &staff[1].0, (from, to)).await?;
    Ok(())
}

/// Locks the fortnight for `team`, shows a late write refused, and exports
/// the timesheet as payroll would read it.
async fn close_the_fortnight(
    attendance: &AttendanceService,
    trends: &TrendService,
    team: &Team,
    member: &Employee,
    (from, to): (NaiveDate, NaiveDate),
) -> Result<(), Box<dyn Error>> {
    let system = Principal::system();
    let lock = NewPeriodLock::new(Some(team.id), from, to, Some("payroll run"))?;
    attendance.acting_as(&system).lock_period(&lock).await?;
    let late = attendance
        .acting_as(&system)
        .record_session(
            member.id,
            WorkMode::Wfh,
            Utc.from_utc_datetime(&from.and_time(NaiveTime::MIN)) + TimeDelta::hours(20),
            Utc.from_utc_datetime(&from.and_time(NaiveTime::MIN)) + TimeDelta::hours(21),
            "late entry",
        )
        .await;
    let refused = match late {
        Err(e) => e.to_string(),
        Ok(_) => "accepted (it should not be)".to_owned(),
    };
    let sheet = trends
        .acting_as(&system)
        .timesheet(from, to, Some(team.id), None)
        .await?;
    let coverage = sheet.coverage;
    let mut csv = Vec::new();
    attendance::export::write_csv(sheet.rows, &mut csv).await?;
    let csv = String::from_utf8(csv)?;
    println!(
        "\n{} locked {from} to {to}; a late backfill: {refused}.\n\
         Timesheet for payroll ({} lines, locked: {}), the first three:",
        team.name,
        csv.lines().count(),
        coverage.as_str()
    );
    for line in csv.lines().take(3) {
        println!("  {}", truncate(line, 110));
    }
    Ok(())
}

/// Who is who in the story: indexes into the staff list.
const PART_TIME: usize = 5;
const FORGETS: usize = 3;
const ON_VACATION: usize = 2;
const SICK: usize = 7;
/// Works on the company holiday.
const HOLIDAY_WORKER: usize = 1;

/// The work-time settings of the two weeks, written through the library
/// as an administrator would.
struct Plan {
    company_holiday: NaiveDate,
    team_holiday: NaiveDate,
    vacation: (NaiveDate, NaiveDate),
    sick: NaiveDate,
}

impl Plan {
    async fn new(
        attendance: &AttendanceService,
        teams: &[Team; 2],
        staff: &[(Employee, Team)],
        from: NaiveDate,
    ) -> Result<Self, Box<dyn Error>> {
        let system = Principal::system();
        let admin = attendance.acting_as(&system);
        let full_time = admin
            .create_work_pattern(&NewWorkPattern::new(
                "Full time",
                [480, 480, 480, 480, 480, 0, 0],
            )?)
            .await?
            .value;
        let part_time = admin
            .create_work_pattern(&NewWorkPattern::new(
                "4 × 6 h",
                [360, 360, 360, 360, 0, 0, 0],
            )?)
            .await?
            .value;
        for team in teams {
            let target = ScheduleTarget::Team(team.id);
            admin
                .assign_work_pattern(&PatternAssignment::new(target, Some(full_time.id), from)?)
                .await?;
        }
        let target = ScheduleTarget::Employee(staff[PART_TIME].0.id);
        admin
            .assign_work_pattern(&PatternAssignment::new(target, Some(part_time.id), from)?)
            .await?;
        admin
            .set_break_rule(teams[0].id, &BreakRule::statutory())
            .await?;
        let plan = Self {
            company_holiday: from + Days::new(2),
            team_holiday: from + Days::new(7),
            vacation: (from + Days::new(8), from + Days::new(9)),
            sick: from + Days::new(3),
        };
        let company_day =
            NewHoliday::new(None, plan.company_holiday, "Company day", DayPortion::Full)?;
        match admin.add_holiday(&company_day).await {
            // On PostgreSQL an earlier run may have added it already: the
            // company's calendar is shared by every run's teams.
            Ok(_) | Err(attendance::core::Error::Conflict(_)) => {}
            Err(e) => return Err(e.into()),
        }
        admin
            .add_holiday(&NewHoliday::new(
                Some(teams[1].id),
                plan.team_holiday,
                "Support team day",
                DayPortion::Full,
            )?)
            .await?;
        let (first, last) = plan.vacation;
        admin
            .record_absence(&NewAbsence::new(
                staff[ON_VACATION].0.id,
                AbsenceKind::Vacation,
                first,
                last,
            )?)
            .await?;
        admin
            .record_absence(&NewAbsence::new(
                staff[SICK].0.id,
                AbsenceKind::Sick,
                plan.sick,
                plan.sick,
            )?)
            .await?;
        Ok(plan)
    }

    /// Whether employee `i` of `team` (0 or 1) stays home on `day`.
    fn off(&self, day: NaiveDate, i: usize, team: usize) -> bool {
        (day == self.company_holiday && i != HOLIDAY_WORKER)
            || (day == self.team_holiday && team == 1)
            || (self.vacation.0 <= day && day <= self.vacation.1 && i == ON_VACATION)
            || (day == self.sick && i == SICK)
            || (i == PART_TIME && day.weekday().number_from_monday() == 5)
    }
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

/// Realistic days: most people come in (a few stay away without leave),
/// some work from home, some arrive after 09:30, some take a lunch break,
/// one works on the holiday, and one forgets to clock out.
async fn simulate(
    attendance: &AttendanceService,
    staff: &[(Employee, Team)],
    plan: &Plan,
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
            let forgets = offset == 11 && i == FORGETS;
            if plan.off(day, i, i / 6) || (!forgets && dice.roll(12) == 0) {
                continue;
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
            let worked = if i == PART_TIME {
                TimeDelta::minutes(5 * 60 + 30 + dice.roll(60) as i64)
            } else {
                TimeDelta::minutes(7 * 60 + 30 + dice.roll(90) as i64)
            };
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
                // The one rounding of hours: the summaries show the same.
                display_hours(f.worked_seconds / 60),
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

/// Each employee's ledger totals over `period`, in hours rounded once by
/// `display_hours`; absences in days.
async fn print_balances(
    trends: &TrendService,
    teams: &[Team],
    staff: &[(Employee, Team)],
    period: &LedgerPeriod,
) -> Result<(), Box<dyn Error>> {
    println!(
        "\nBalance of hours, {} to {} (worked after breaks; leave counts as worked)",
        period.from(),
        period.to()
    );
    println!(
        "{:<18} {:<10} {:>8} {:>6} {:>8} {:>5} {:>5} {:>7}",
        "employee", "team", "expected", "worked", "overtime", "leave", "awol", "balance"
    );
    for team in teams {
        for row in trends.team_ledger(Some(team.id), period).await?.employees {
            let name = staff
                .iter()
                .find(|(e, _)| e.id == row.employee_id)
                .map_or("?", |(e, _)| e.name.as_str());
            let t = &row.totals;
            let leave = t.vacation_days + t.sick_days + t.other_absence_days;
            println!(
                "{:<18} {:<10} {:>8.1} {:>6.1} {:>8.1} {:>5} {:>5} {:>+7.1}",
                truncate(name, 18),
                truncate(&team.name, 10),
                display_hours(t.expected_minutes),
                display_hours(t.worked_net_minutes),
                display_hours(t.overtime_minutes),
                leave,
                t.absent_without_leave_days,
                display_hours(t.balance_minutes)
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
