//! The reads: the tenant `<prefix>_reads` read through the services
//! (listing, trends, summaries, ledgers) on every backend alternately,
//! with the table of medians and whether the backends answered the same.

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

use attendance::core::access::Principal;
use attendance::core::clock::ManualClock;
use attendance::core::domain::IsoWeek;
use attendance::core::import::ImportBatch;
use attendance::core::service::{AttendanceService, TrendService};
use attendance::core::store::{SessionFilter, Store};
use attendance::core::summary::SummaryService;
use attendance::core::trends::{Granularity, TrendQuery};
use attendance::core::worktime::LedgerPeriod;
use attendance::core::{EmployeeId, TeamId, WorkMode};
use attendance::pg::Tenant;
use chrono::{DateTime, Days, NaiveDate, Utc};
use chrono_tz::Tz;

use crate::args::Args;
use crate::backend::Backend;
use crate::history::{history, history_until};
use crate::seed::seed_tenant;
use crate::stats::median;
use crate::{BoxError, EMPLOYEES};

const PAGE: u32 = 100;

/// The reads tenant of one backend and its services.
struct Reader {
    attendance: AttendanceService,
    trends: TrendService,
    summaries: SummaryService,
    employee: EmployeeId,
    team: TeamId,
    /// Token of the 11th page of everything, and of the 3rd of the team's.
    deep_all: Option<String>,
    deep_team: Option<String>,
}

#[derive(Clone, Copy)]
enum Read {
    ListAllFirst,
    ListAllDeep,
    ListEmployeeRange,
    ListTeamRangeFirst,
    ListTeamRangeDeep,
    ListTeamWfh,
    TrendEmployeeByDay,
    TrendEmployeeByWeek,
    TrendTeamByDay,
    TrendTeamByWeek,
    DailyTeam,
    DailyCompany,
    WeeklyCompany,
    LedgerEmployee,
    LedgerTeam,
    LedgerCompany,
}

const READS: [(Read, &str); 16] = [
    (Read::ListAllFirst, "list_all_first_page"),
    (Read::ListAllDeep, "list_all_page_11"),
    (Read::ListEmployeeRange, "list_employee_range"),
    (Read::ListTeamRangeFirst, "list_team_range_first_page"),
    (Read::ListTeamRangeDeep, "list_team_range_page_3"),
    (Read::ListTeamWfh, "list_team_range_wfh"),
    (Read::TrendEmployeeByDay, "trend_employee_by_day"),
    (Read::TrendEmployeeByWeek, "trend_employee_by_week"),
    (Read::TrendTeamByDay, "trend_team_by_day"),
    (Read::TrendTeamByWeek, "trend_team_by_week"),
    (Read::DailyTeam, "summary_daily_team"),
    (Read::DailyCompany, "summary_daily_company"),
    (Read::WeeklyCompany, "summary_weekly_company"),
    (Read::LedgerEmployee, "ledger_employee_period"),
    (Read::LedgerTeam, "ledger_team_period"),
    (Read::LedgerCompany, "ledger_company_period"),
];

/// Where the reads look: the history's span, its last day and week.
#[derive(Clone, Copy)]
struct Span {
    from: NaiveDate,
    to: NaiveDate,
}

impl Reader {
    fn filter(&self, read: Read, span: Span) -> SessionFilter {
        let mut f = SessionFilter::default();
        match read {
            Read::ListEmployeeRange => {
                f.employee_id = Some(self.employee);
                (f.from, f.to) = (Some(span.from), Some(span.to));
            }
            Read::ListTeamRangeFirst | Read::ListTeamRangeDeep => {
                f.team_id = Some(self.team);
                (f.from, f.to) = (Some(span.from), Some(span.to));
            }
            Read::ListTeamWfh => {
                f.team_id = Some(self.team);
                (f.from, f.to) = (Some(span.from), Some(span.to));
                f.work_mode = Some(WorkMode::Wfh);
            }
            _ => {}
        }
        f
    }

    /// Runs `read` once: its time and its answer, printed.
    async fn read(&self, read: Read, span: Span) -> Result<(Duration, String), BoxError> {
        let system = Principal::system();
        let trend = |g| TrendQuery::new(span.from, span.to, g);
        let period = LedgerPeriod::new(span.from, span.to)?;
        let started = Instant::now();
        let answer = match read {
            Read::ListAllFirst
            | Read::ListAllDeep
            | Read::ListEmployeeRange
            | Read::ListTeamRangeFirst
            | Read::ListTeamRangeDeep
            | Read::ListTeamWfh => {
                let cursor = match read {
                    Read::ListAllDeep => self.deep_all.as_deref(),
                    Read::ListTeamRangeDeep => self.deep_team.as_deref(),
                    _ => None,
                };
                let page = self
                    .attendance
                    .sessions(&self.filter(read, span), Some(PAGE), cursor)
                    .await?;
                let took = started.elapsed();
                return Ok((took, format!("{:?}", page.items)));
            }
            Read::TrendEmployeeByDay | Read::TrendEmployeeByWeek => {
                let g = match read {
                    Read::TrendEmployeeByDay => Granularity::Day,
                    _ => Granularity::Week,
                };
                let t = self
                    .trends
                    .employee_trend(self.employee, &trend(g)?)
                    .await?;
                let took = started.elapsed();
                return Ok((took, format!("{:?}", t.points)));
            }
            Read::TrendTeamByDay | Read::TrendTeamByWeek => {
                let g = match read {
                    Read::TrendTeamByDay => Granularity::Day,
                    _ => Granularity::Week,
                };
                let t = self.trends.team_trend(self.team, &trend(g)?).await?;
                let took = started.elapsed();
                return Ok((took, format!("{:?}", t.points)));
            }
            Read::DailyTeam | Read::DailyCompany => {
                let team = matches!(read, Read::DailyTeam).then_some(self.team);
                let s = self
                    .summaries
                    .acting_as(&system)
                    .daily(span.to, team)
                    .await?;
                (started.elapsed(), format!("{:?}", s.facts))
            }
            Read::WeeklyCompany => {
                let s = self
                    .summaries
                    .acting_as(&system)
                    .weekly(IsoWeek::containing(span.to), None)
                    .await?;
                (started.elapsed(), format!("{:?}", s.facts))
            }
            Read::LedgerEmployee => {
                let l = self
                    .trends
                    .employee_ledger(self.employee, &period, 0)
                    .await?;
                (started.elapsed(), format!("{:?}", l.days))
            }
            Read::LedgerTeam | Read::LedgerCompany => {
                let team = matches!(read, Read::LedgerTeam).then_some(self.team);
                let l = self.trends.team_ledger(team, &period).await?;
                (started.elapsed(), format!("{:?}", l.employees))
            }
        };
        Ok(answer)
    }
}

/// The token after `pages` pages of `filter`, `None` when it is shorter.
async fn deep_token(
    attendance: &AttendanceService,
    filter: &SessionFilter,
    pages: usize,
) -> Result<Option<String>, BoxError> {
    let mut token: Option<String> = None;
    for _ in 0..pages {
        let page = attendance
            .sessions(filter, Some(PAGE), token.as_deref())
            .await?;
        match page.next_cursor {
            Some(next) => token = Some(next),
            None => return Ok(None),
        }
    }
    Ok(token)
}

/// Seeds the reads tenant of `b` (teams, employees, history) when needed
/// and makes its reader; returns the reader and the history's last day.
async fn reader(
    b: &Backend,
    name: &str,
    weeks: usize,
    now: DateTime<Utc>,
) -> Result<(Reader, NaiveDate), BoxError> {
    seed_tenant(&b.store, name).await?;
    let tenant: Tenant = b.store.find_tenant(name).await?;
    let store = b.store.for_tenant(tenant);
    let store: Arc<dyn Store> = Arc::new(store);
    let attendance = AttendanceService::new(store.clone());
    let newest = attendance
        .sessions(&SessionFilter::default(), Some(1), None)
        .await?
        .items;
    let teams = attendance.teams(Some(500), None).await?.items;
    let employees = attendance.employees(None, Some(500), None).await?.items;
    let last = match newest.first() {
        Some(s) => s.work_date,
        None => {
            let zones: Vec<(EmployeeId, Tz)> = employees
                .iter()
                .map(|e| {
                    let tz = teams
                        .iter()
                        .find(|t| t.id == e.team_id)
                        .map_or(Tz::UTC, |t| t.timezone);
                    (e.id, tz)
                })
                .collect();
            let until = history_until(now.date_naive());
            let rows = history(&zones, until, weeks);
            let started = Instant::now();
            let report = attendance.import(ImportBatch::from_rows(rows)).await?;
            println!(
                "{}: imported {} of {} sessions ({} rejected) into {name} in {:.2} s",
                b.label,
                report.inserted,
                report.rows,
                report.rejected.len(),
                started.elapsed().as_secs_f64()
            );
            if let Some(r) = report.rejected.first() {
                println!("  first rejected: line {}: {}", r.line, r.reason);
            }
            until
        }
    };
    // The employee in the middle, and their team.
    let subject = &employees[employees.len() / 2];
    let clock = Arc::new(ManualClock::new(now));
    let mut reader = Reader {
        trends: TrendService::new(store.clone()).with_clock(clock.clone()),
        summaries: SummaryService::new(store, None).with_clock(clock),
        attendance,
        employee: subject.id,
        team: subject.team_id,
        deep_all: None,
        deep_team: None,
    };
    let span = span_of(last, weeks);
    reader.deep_all = deep_token(&reader.attendance, &SessionFilter::default(), 10).await?;
    reader.deep_team = deep_token(
        &reader.attendance,
        &reader.filter(Read::ListTeamRangeDeep, span),
        2,
    )
    .await?;
    Ok((reader, last))
}

fn span_of(last: NaiveDate, weeks: usize) -> Span {
    // `last` is a Friday: the history starts on a Monday `weeks` weeks back.
    Span {
        from: last - Days::new(7 * weeks as u64 - 3),
        to: last,
    }
}

pub(crate) async fn reads_phase(
    args: &Args,
    backends: &[Backend],
    name: &str,
    lines: &mut Vec<String>,
) -> Result<(), BoxError> {
    println!(
        "\n## Reads of the tenant {name}: {EMPLOYEES} employees, {} weeks of history\n",
        args.history_weeks
    );
    // One instant for every backend: a ledger counts open sessions to now.
    let now = Utc::now();
    let mut readers = Vec::new();
    for b in backends {
        readers.push(reader(b, name, args.history_weeks, now).await?);
    }
    let last = readers[0].1;
    if readers.iter().any(|r| r.1 != last) {
        println!(
            "note: the backends' histories end on different days ({}): their answers will \
             differ; drop {name} on one of them to have it seeded again",
            readers
                .iter()
                .map(|r| r.1.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let span = span_of(last, args.history_weeks);
    println!(
        "history {}..{}, employee {} of team {}; {} repetitions per read and backend, \
         alternating which goes first, after two warm-up reads each; ms",
        span.from, span.to, readers[0].0.employee.0, readers[0].0.team.0, args.reads
    );
    let mut header = "| read |".to_owned();
    let mut rule = "|---|".to_owned();
    for b in backends {
        write!(header, " {} p50 |", b.label)?;
        rule.push_str("--:|");
    }
    if backends.len() == 2 {
        header.push_str(" Citus / single | same answer |");
        rule.push_str("--:|---|");
    }
    println!("\n{header}\n{rule}");
    for (read, label) in READS {
        let mut answers = Vec::new();
        for (r, _) in &readers {
            // Warm-up: prepares the statements; the second answer is kept.
            r.read(read, span).await?;
            answers.push(r.read(read, span).await?.1);
        }
        let mut times: Vec<Vec<f64>> = readers.iter().map(|_| Vec::new()).collect();
        for rep in 0..args.reads {
            let mut order: Vec<usize> = (0..readers.len()).collect();
            if rep % 2 == 1 {
                order.reverse();
            }
            for i in order {
                let (took, _) = readers[i].0.read(read, span).await?;
                times[i].push(took.as_secs_f64() * 1e3);
            }
        }
        let medians: Vec<f64> = times
            .iter_mut()
            .map(|t| {
                t.sort_by(f64::total_cmp);
                median(t)
            })
            .collect();
        let mut row = format!("| {label} |");
        for (i, m) in medians.iter().enumerate() {
            write!(row, " {m:.2} |")?;
            lines.push(format!("read_{}_{label}_p50_ms={m:.2}", backends[i].label));
        }
        if medians.len() == 2 {
            let ratio = medians[1] / medians[0];
            let same = answers[0] == answers[1];
            write!(
                row,
                " {ratio:.2} | {} |",
                if same { "yes" } else { "**no**" }
            )?;
            lines.push(format!("read_{label}_citus_vs_single={ratio:.2}"));
        }
        println!("{row}");
    }
    Ok(())
}
