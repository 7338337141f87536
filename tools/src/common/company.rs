//! The seed tool's company, shared by `tools/src/bin/seed.rs` and the Q&A
//! evaluation (`tools/src/bin/qa_eval/`, `tools/tests/qa_eval.rs`), which
//! need the same deterministic data: a question set's gold answers are only true of it.
//!
//! Included with `#[path]` rather than made a library module: it is tool
//! code (it writes straight to the tables), not part of the crates' API.
#![allow(unreachable_pub, dead_code)]

use std::error::Error;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use attendance::core::access::Principal;
use attendance::core::domain::work_date;
use attendance::core::import::ImportRow;
use attendance::core::worktime::{
    AbsenceKind, BreakRule, DayPortion, NewAbsence, NewHoliday, NewWorkPattern, PatternAssignment,
    SINCE_ALWAYS, ScheduleTarget, WorkPatternId,
};
use attendance::core::{EmployeeId, NewTeam, TeamId, WorkMode};
use attendance::pg::PgStore;
use chrono::{
    DateTime, Datelike, Days, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, TimeZone, Utc,
    Weekday,
};
use chrono_tz::Tz;

/// Ten offices, from UTC-8 to UTC+11, with DST rules of both hemispheres.
pub(crate) const CITIES: [(&str, &str); 10] = [
    ("Berlin", "Europe/Berlin"),
    ("London", "Europe/London"),
    ("New York", "America/New_York"),
    ("San Francisco", "America/Los_Angeles"),
    ("São Paulo", "America/Sao_Paulo"),
    ("Bangalore", "Asia/Kolkata"),
    ("Tokyo", "Asia/Tokyo"),
    ("Sydney", "Australia/Sydney"),
    ("Lagos", "Africa/Lagos"),
    ("Remote", "UTC"),
];

/// Departments and their roles; `Operations` works night shifts.
pub(crate) const DEPARTMENTS: [(&str, &[&str]); 5] = [
    (
        "Engineering",
        &["Engineer", "Senior Engineer", "SRE", "QA Engineer"],
    ),
    ("Sales", &["Account Executive", "Sales Engineer"]),
    ("Support", &["Support Engineer", "Support Specialist"]),
    ("Operations", &["Operator", "Shift Technician"]),
    ("Finance", &["Accountant", "Controller", "Analyst"]),
];

const FIRST: [&str; 24] = [
    "Ada",
    "Alan",
    "Grace",
    "Edsger",
    "Barbara",
    "Ken",
    "Margaret",
    "Dennis",
    "Frances",
    "Donald",
    "Radia",
    "John",
    "Hedy",
    "Linus",
    "Sophie",
    "Tim",
    "Katherine",
    "Guido",
    "Anita",
    "Bjarne",
    "Shafi",
    "Leslie",
    "Mary",
    "Niklaus",
];
const LAST: [&str; 24] = [
    "Lovelace",
    "Turing",
    "Hopper",
    "Dijkstra",
    "Liskov",
    "Thompson",
    "Hamilton",
    "Ritchie",
    "Allen",
    "Knuth",
    "Perlman",
    "Backus",
    "Lamarr",
    "Torvalds",
    "Wilson",
    "Berners-Lee",
    "Johnson",
    "van Rossum",
    "Borg",
    "Stroustrup",
    "Goldwasser",
    "Lamport",
    "Kenneth",
    "Wirth",
];

/// SplitMix64: small, fast and deterministic.
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// Roughly normal minutes around 0 with the given spread (sum of three
    /// uniforms).
    fn minutes(&mut self, spread: f64) -> i64 {
        let s = self.unit() + self.unit() + self.unit() - 1.5;
        (s * spread) as i64
    }
}

/// What one person tends to do.
pub(crate) struct Habits {
    employee: EmployeeId,
    tz: Tz,
    night_shift: bool,
    presence: f64,
    wfh_share: f64,
    /// Mean arrival, minutes after local midnight.
    arrival: i64,
    lunch_clock_out: f64,
}

/// Teams and employees, in one statement each; returns everyone's habits.
pub(crate) async fn create_company(
    store: &PgStore,
    employees: usize,
    teams: usize,
    rng: &mut Rng,
) -> Result<Vec<Habits>, Box<dyn Error>> {
    let teams = teams.min(employees.max(1));
    let mut team_ids = Vec::with_capacity(teams);
    let mut team_info = Vec::with_capacity(teams);
    for i in 0..teams {
        let (city, zone) = CITIES[i % CITIES.len()];
        let (department, roles) = DEPARTMENTS[(i / CITIES.len()) % DEPARTMENTS.len()];
        let round = i / (CITIES.len() * DEPARTMENTS.len());
        let name = if round == 0 {
            format!("{department} {city}")
        } else {
            format!("{department} {city} {}", round + 1)
        };
        let night = department == "Operations";
        let mut new = NewTeam::new(&name)?.with_timezone(zone)?;
        if night {
            new = new.with_late_after(NaiveTime::from_hms_opt(22, 15, 0).unwrap_or_default());
        }
        let team = attendance::AttendanceService::new(std::sync::Arc::new(store.clone()))
            .create_team(&new)
            .await?;
        team_ids.push(team.id.0);
        team_info.push((team.timezone, roles, night));
    }

    let (mut team_col, mut names, mut role_col, mut managers) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for i in 0..employees {
        let t = i % teams;
        let (_, roles, _) = team_info[t];
        let manager = i < teams;
        team_col.push(team_ids[t]);
        names.push(format!(
            "{} {}",
            FIRST[rng.below(FIRST.len())],
            LAST[rng.below(LAST.len())]
        ));
        role_col.push(if manager {
            "Manager".to_owned()
        } else {
            roles[rng.below(roles.len())].to_owned()
        });
        managers.push(manager);
    }
    // Each employee is in their team from `SINCE_ALWAYS` on, as the store
    // records it for an employee it creates.
    let ids: Vec<(i64, i64)> = sqlx::query_as(
        "WITH e AS (INSERT INTO attendance.employees (team_id, name, role, is_manager) \
             SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bool[]) \
             RETURNING id, team_id), \
         m AS (INSERT INTO attendance.team_memberships (employee_id, valid_from, team_id) \
             SELECT id, $5, team_id FROM e) \
         SELECT id, team_id FROM e ORDER BY id",
    )
    .bind(&team_col)
    .bind(&names)
    .bind(&role_col)
    .bind(&managers)
    .bind(SINCE_ALWAYS)
    .fetch_all(store.pool())
    .await?;

    let mut people = Vec::with_capacity(ids.len());
    for (id, team_id) in ids {
        let t = team_ids.iter().position(|&x| x == team_id).unwrap_or(0);
        let (tz, _, night) = team_info[t];
        let wfh_share = [0.0, 0.2, 0.4, 0.4, 0.6, 0.8, 1.0][rng.below(7)];
        people.push(Habits {
            employee: EmployeeId(id),
            tz,
            night_shift: night,
            presence: 0.88 + rng.unit() * 0.1,
            wfh_share: if night { 0.0 } else { wfh_share },
            arrival: if night {
                21 * 60 + 50 + rng.minutes(20.0)
            } else {
                8 * 60 + 40 + rng.minutes(60.0)
            },
            lunch_clock_out: if rng.chance(0.3) { 0.3 } else { 0.02 },
        });
    }
    Ok(people)
}

/// The `n` working days (Monday to Friday) up to `until`, oldest first.
pub(crate) fn working_days(until: Option<NaiveDate>, n: usize) -> Vec<NaiveDate> {
    let mut day = until.unwrap_or_else(|| Utc::now().date_naive() - Days::new(2));
    let mut days = Vec::with_capacity(n);
    while days.len() < n {
        if !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
            days.push(day);
        }
        day = day - Days::new(1);
    }
    days.reverse();
    days
}

fn local(tz: Tz, date: NaiveDate, minutes: i64) -> Option<DateTime<Utc>> {
    let at: NaiveDateTime = date.and_time(NaiveTime::MIN) + TimeDelta::minutes(minutes);
    tz.from_local_datetime(&at)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

/// Sessions day by day, as a clock would have produced them.
pub(crate) fn generate(
    people: &[Habits],
    days: &[NaiveDate],
    open: usize,
    rng: &mut Rng,
) -> Vec<ImportRow> {
    let mut rows = Vec::with_capacity(people.len() * days.len() * 11 / 10);
    let last = days.len().saturating_sub(1);
    // On the last day, these people forget to clock out (or are still in).
    let mut forgetful = vec![false; people.len()];
    for _ in 0..open.min(people.len()) {
        forgetful[rng.below(people.len())] = true;
    }
    for (d, &date) in days.iter().enumerate() {
        for (p, who) in people.iter().enumerate() {
            if !rng.chance(who.presence) {
                continue;
            }
            let mode = if rng.chance(who.wfh_share) {
                WorkMode::Wfh
            } else {
                WorkMode::Wfo
            };
            // Mostly near the habit, sometimes stuck in traffic.
            let mut arrival = who.arrival + rng.minutes(40.0);
            if rng.chance(0.04) {
                arrival += 30 + rng.below(90) as i64;
            }
            let length = if who.night_shift { 8 * 60 } else { 8 * 60 + 30 } + rng.minutes(90.0);
            let leave = arrival + length.max(60);
            let keep_open = d == last && forgetful[p];
            let mut push = |from: i64, to: Option<i64>, mode: WorkMode| {
                if let Some(clock_in) = local(who.tz, date, from) {
                    let clock_out = to.and_then(|to| local(who.tz, date, to));
                    if to.is_none() || clock_out.is_some_and(|o| o > clock_in) {
                        // The source states the work date; the import checks it.
                        let work_date = work_date(who.tz, clock_in);
                        rows.push(
                            ImportRow::new(who.employee, mode, clock_in, clock_out)
                                .with_work_date(work_date),
                        );
                    }
                }
            };
            if !who.night_shift && rng.chance(who.lunch_clock_out) {
                // Out for lunch around noon; now and then back from home.
                let out = (12 * 60 + rng.minutes(60.0)).max(arrival + 60);
                let back = out + 30 + rng.below(31) as i64;
                let after = if rng.chance(0.1) { WorkMode::Wfh } else { mode };
                push(arrival, Some(out), mode);
                push(back, (!keep_open).then_some(leave.max(back + 60)), after);
            } else {
                push(arrival, (!keep_open).then_some(leave), mode);
            }
        }
    }
    rows
}

/// What the seeded work-time settings mean for the sessions: the dates
/// each employee is away for a whole day, and the full holidays of each
/// employee's calendars.
pub(crate) struct WorkTime {
    away: HashSet<(i64, NaiveDate)>,
    holidays: HashSet<(i64, NaiveDate)>,
    night: HashSet<i64>,
    pub(crate) patterns: usize,
    pub(crate) holiday_count: usize,
    pub(crate) absences: usize,
    pub(crate) break_rules: usize,
}

impl WorkTime {
    /// Drops the sessions nobody would have worked: on a whole day away,
    /// and on a full holiday (except the night-shift teams, who keep the
    /// plant running and so work on holidays).
    pub(crate) fn keep(&self, row: &ImportRow) -> bool {
        let Some(date) = row.work_date else {
            return true;
        };
        let key = (row.employee_id.0, date);
        !self.away.contains(&key)
            && (!self.holidays.contains(&key) || self.night.contains(&row.employee_id.0))
    }
}

/// Work-time settings for the company `create_company` made, through the
/// services (validated and audited like any admin's writes), over the
/// working `days`: every team works by a pattern (full time, 5 × 8 h; a
/// tenth of the teams part time, 4 × 6 h, from the middle of the period, full
/// time before; one team full time with overtime past 40 h a week), two
/// employees in a thousand by their own part-time pattern; a company holiday
/// calendar (about one working day in twenty, one half day, one on a
/// weekend) and one team's own; the statutory break rule on every other
/// team; an absence for about 5 % of the employees.
pub(crate) async fn create_worktime(
    store: &PgStore,
    days: &[NaiveDate],
    rng: &mut Rng,
) -> Result<WorkTime, Box<dyn Error>> {
    let Some(&last) = days.last() else {
        return Ok(WorkTime {
            away: HashSet::new(),
            holidays: HashSet::new(),
            night: HashSet::new(),
            patterns: 0,
            holiday_count: 0,
            absences: 0,
            break_rules: 0,
        });
    };
    let middle = days[days.len() / 2];
    let service = attendance::AttendanceService::new(Arc::new(store.clone()));
    let system = Principal::system();
    let admin = service.acting_as(&system);

    let week = |m: u32| [m, m, m, m, m, 0, 0];
    let full = admin
        .create_work_pattern(&NewWorkPattern::new("Full time", week(480))?)
        .await?
        .value
        .id;
    let part = admin
        .create_work_pattern(&NewWorkPattern::new(
            "4 × 6 h",
            [360, 360, 360, 360, 0, 0, 0],
        )?)
        .await?
        .value
        .id;
    let weekly = admin
        .create_work_pattern(
            &NewWorkPattern::new("Full time, overtime past 40 h a week", week(480))?
                .with_weekly_overtime_after(40 * 60)?,
        )
        .await?
        .value
        .id;
    let assign = async |target: ScheduleTarget, pattern: WorkPatternId, from: NaiveDate| {
        admin
            .assign_work_pattern(&PatternAssignment::new(target, Some(pattern), from)?)
            .await
            .map(|_| ())
    };

    let teams: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, name FROM attendance.teams ORDER BY id")
            .fetch_all(store.pool())
            .await?;
    let mut night = HashSet::new();
    let mut team_of = HashMap::new();
    let members: Vec<(i64, i64)> =
        sqlx::query_as("SELECT id, team_id FROM attendance.employees ORDER BY id")
            .fetch_all(store.pool())
            .await?;
    let mut break_rules = 0;
    for (i, (team, name)) in teams.iter().enumerate() {
        let target = ScheduleTarget::Team(TeamId(*team));
        if i % 10 == 4 {
            assign(target, full, SINCE_ALWAYS).await?;
            assign(target, part, middle).await?;
        } else if i == 7 {
            assign(target, weekly, SINCE_ALWAYS).await?;
        } else {
            assign(target, full, SINCE_ALWAYS).await?;
        }
        if i % 2 == 0 {
            admin
                .set_break_rule(TeamId(*team), &BreakRule::statutory())
                .await?;
            break_rules += 1;
        }
        if name.starts_with("Operations") {
            night.extend(members.iter().filter(|m| m.1 == *team).map(|m| m.0));
        }
    }
    for (i, (employee, team)) in members.iter().enumerate() {
        team_of.insert(*employee, *team);
        if i % 500 == 7 {
            assign(
                ScheduleTarget::Employee(EmployeeId(*employee)),
                part,
                SINCE_ALWAYS,
            )
            .await?;
        }
    }

    // The company's calendar, and the first team's own.
    let mut calendar: Vec<(Option<i64>, NaiveDate, DayPortion)> = days
        .iter()
        .skip(10)
        .step_by(20)
        .map(|&d| (None, d, DayPortion::Full))
        .collect();
    // Half way between two of those, so never on one of them.
    if let Some(&d) = days.get(days.len() * 3 / 4 / 20 * 20 + 20) {
        calendar.push((None, d, DayPortion::Half));
    }
    // A holiday on a Saturday owes nothing anyway; calendars have them.
    let saturday = middle + Days::new(u64::from(6 - middle.weekday().number_from_monday()));
    calendar.push((None, saturday, DayPortion::Full));
    if let Some((team, _)) = teams.first() {
        for &d in days.iter().skip(15).step_by(60) {
            if !calendar.iter().any(|c| c.1 == d) {
                calendar.push((Some(*team), d, DayPortion::Full));
            }
        }
    }
    let mut holidays = HashSet::new();
    for (n, (team, date, portion)) in calendar.iter().enumerate() {
        let name = match team {
            None => format!("Company holiday {}", n + 1),
            Some(_) => format!("Team holiday {}", n + 1),
        };
        admin
            .add_holiday(&NewHoliday::new(team.map(TeamId), *date, &name, *portion)?)
            .await?;
        if *portion == DayPortion::Full {
            for (employee, t) in &team_of {
                if team.is_none_or(|team| team == *t) {
                    holidays.insert((*employee, *date));
                }
            }
        }
    }

    // One absence for about one employee in twenty: mostly vacation, of a
    // day to two weeks, some in half days.
    let mut away = HashSet::new();
    let mut absences = 0;
    for (employee, _) in &members {
        if !rng.chance(0.05) {
            continue;
        }
        let kind = match rng.below(10) {
            0..=5 => AbsenceKind::Vacation,
            6..=8 => AbsenceKind::Sick,
            _ => AbsenceKind::Other,
        };
        let from = days[rng.below(days.len())];
        let to = (from + Days::new(rng.below(14) as u64)).min(last);
        let portion = if rng.chance(0.2) {
            DayPortion::Half
        } else {
            DayPortion::Full
        };
        let absence = NewAbsence::new(EmployeeId(*employee), kind, from, to)?.with_portion(portion);
        admin.record_absence(&absence).await?;
        absences += 1;
        if portion == DayPortion::Full {
            away.extend(
                from.iter_days()
                    .take_while(|d| *d <= to)
                    .map(|d| (*employee, d)),
            );
        }
    }
    Ok(WorkTime {
        away,
        holidays,
        night,
        patterns: 3,
        holiday_count: calendar.len(),
        absences,
        break_rules,
    })
}
