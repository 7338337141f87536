//! The two sides of every case: the library's call (`PgStore` and the
//! services) and the hand-written SQL (`sql.rs`), each timed and each
//! answering in the same comparable form.

use std::time::{Duration, Instant};

use attendance::core::access::Principal;
use attendance::core::service::{AttendanceService, TrendService};
use attendance::core::store::{Cursor, SessionFilter};
use attendance::core::summary::{SummaryService, WorkTimeFacts};
use attendance::core::trends::{Granularity, TrendQuery};
use attendance::core::worktime::{
    AbsenceKind, LedgerDay, LedgerPeriod, LedgerTotals, display_hours,
};
use attendance::core::{AttendanceSession, EmployeeId, SessionId, TeamId, WorkMode};
use chrono::{DateTime, NaiveDate, NaiveTime, Timelike, Utc};
use sqlx::postgres::{PgArguments, PgRow};
use sqlx::query::QueryAs;
use sqlx::{PgPool, Row};

use crate::sql::{self, Bind, Listing};
use crate::{Kind, PAGE, Span, Subject};

pub(crate) struct Bench {
    pub(crate) pool: PgPool,
    pub(crate) attendance: AttendanceService,
    pub(crate) trends: TrendService,
    pub(crate) summaries: SummaryService,
    /// The instant both sides count open sessions up to.
    pub(crate) now: DateTime<Utc>,
    pub(crate) s: Subject,
}

/// What a case answers, in a form both sides can be compared in.
pub(crate) type Answer = Vec<String>;

type SessionRow = (
    i64,
    i64,
    NaiveDate,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
    String,
);

type PeriodRow = (NaiveDate, i64, i64, i64, Option<i64>, i64, i64, i64, i64);

type DayRow = (
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    Option<Vec<String>>,
    Option<Vec<String>>,
    Option<Vec<String>>,
    Option<Vec<String>>,
);

type WeekRow = (
    i64,
    NaiveDate,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
);

fn session_line(
    id: i64,
    employee: i64,
    date: NaiveDate,
    i: DateTime<Utc>,
    o: Option<DateTime<Utc>>,
    mode: &str,
) -> String {
    format!("{id} {employee} {date} {i} {o:?} {mode}")
}

fn period_line(f: [i64; 8], avg: Option<i64>, period: NaiveDate) -> String {
    format!("{period} {f:?} {avg:?}")
}

fn day_line(d: &LedgerDay) -> String {
    format!(
        "{} {} {} {} {} {} {} {} {} {} {} {:?} {:?} {} {} {} {}",
        d.date,
        d.team_id.0,
        d.expected_minutes,
        d.worked_gross_minutes,
        d.break_deducted_minutes,
        d.worked_net_minutes,
        d.absence_credit_minutes,
        d.overtime_minutes,
        d.undertime_minutes,
        d.holiday_work_minutes,
        d.rest_day_work_minutes,
        d.holiday.map(|h| h.as_str()),
        d.absence.map(|a| (a.kind.as_str(), a.portion.as_str())),
        d.absent_without_leave,
        d.late,
        d.sessions,
        d.open
    )
}

/// A day line from the hand-written SQL's row (the columns of
/// `sql::LEDGER_DAYS`).
fn day_row_line(r: &PgRow) -> String {
    let n = |i: usize| r.get::<i64, _>(i);
    let kind: Option<String> = r.get(12);
    let portion: Option<String> = r.get(13);
    format!(
        "{} {} {} {} {} {} {} {} {} {} {} {:?} {:?} {} {} {} {}",
        r.get::<NaiveDate, _>(0),
        n(1),
        n(2),
        n(3),
        n(4),
        n(5),
        n(6),
        n(7),
        n(8),
        n(9),
        n(10),
        r.get::<Option<String>, _>(11).as_deref(),
        kind.as_deref().zip(portion.as_deref()),
        r.get::<bool, _>(14),
        r.get::<bool, _>(15),
        n(16),
        r.get::<bool, _>(17),
    )
}

fn totals_line(employee: i64, t: &LedgerTotals) -> String {
    format!(
        "{employee} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {}",
        t.expected_minutes,
        t.worked_gross_minutes,
        t.break_deducted_minutes,
        t.worked_net_minutes,
        t.absence_credit_minutes,
        t.overtime_minutes,
        t.undertime_minutes,
        t.holiday_work_minutes,
        t.rest_day_work_minutes,
        t.vacation_days,
        t.sick_days,
        t.other_absence_days,
        t.absent_without_leave_days,
        t.late_days,
        t.balance_minutes
    )
}

/// An employee's totals from the hand-written SQL's row (the columns of
/// `sql::LEDGER_TOTALS`).
fn totals_row(r: &PgRow) -> (i64, LedgerTotals) {
    let n = |i: usize| r.get::<i64, _>(i);
    let f = |i: usize| r.get::<f64, _>(i);
    (
        n(0),
        LedgerTotals {
            expected_minutes: n(1),
            worked_gross_minutes: n(2),
            break_deducted_minutes: n(3),
            worked_net_minutes: n(4),
            absence_credit_minutes: n(5),
            overtime_minutes: n(6),
            undertime_minutes: n(7),
            holiday_work_minutes: n(8),
            rest_day_work_minutes: n(9),
            vacation_days: f(10),
            sick_days: f(11),
            other_absence_days: f(12),
            absent_without_leave_days: n(13),
            late_days: n(14),
            balance_minutes: n(15),
        },
    )
}

/// What a summary says of the ledger: minutes expected, worked, credited
/// and over, days away by kind and absent without leave.
fn work_time_line(rows: &[(i64, LedgerTotals)]) -> String {
    let mut sum = LedgerTotals::default();
    rows.iter().for_each(|(_, t)| sum.merge(t));
    let people = |f: fn(&LedgerTotals) -> bool| rows.iter().filter(|(_, t)| f(t)).count();
    format!(
        "{} {} {} {} {} {} {} {} {} {} {}",
        sum.expected_minutes,
        sum.worked_net_minutes,
        sum.absence_credit_minutes,
        sum.overtime_minutes,
        sum.vacation_days,
        sum.sick_days,
        sum.other_absence_days,
        sum.absent_without_leave_days,
        people(|t| t.vacation_days > 0.0),
        people(|t| t.sick_days > 0.0),
        people(|t| t.absent_without_leave_days > 0),
    )
}

/// [`work_time_line`] of a summary's facts.
fn work_time_facts_line(w: &WorkTimeFacts) -> String {
    let days = |kind: AbsenceKind| {
        w.absences
            .iter()
            .find(|g| g.kind == kind)
            .map_or((0.0, 0), |g| (g.days, g.people.len()))
    };
    let (vacation, sick, other) = (
        days(AbsenceKind::Vacation),
        days(AbsenceKind::Sick),
        days(AbsenceKind::Other),
    );
    format!(
        "{} {} {} {} {} {} {} {} {} {} {}",
        w.expected_minutes,
        w.worked_minutes,
        w.absence_credit_minutes,
        w.overtime_minutes,
        vacation.0,
        sick.0,
        other.0,
        w.absent_without_leave_days,
        vacation.1,
        sick.1,
        w.absent_without_leave.len(),
    )
}

fn seconds(t: Option<NaiveTime>) -> Option<i64> {
    t.map(|t| i64::from(t.num_seconds_from_midnight()))
}

impl Bench {
    fn filter(&self, listing: &Listing) -> SessionFilter {
        let mut f = SessionFilter::default();
        for bind in listing.binds {
            match bind {
                Bind::Employee => f.employee_id = Some(EmployeeId(self.s.employee)),
                Bind::Team => f.team_id = Some(TeamId(self.s.team)),
                Bind::From => f.from = Some(self.s.month.0),
                Bind::To => f.to = Some(self.s.month.1),
                Bind::Mode => f.work_mode = Some(WorkMode::Wfh),
            }
        }
        f
    }

    fn bind_listing<'q>(
        &self,
        listing: &Listing,
        cursor: Option<Cursor>,
        limit: i64,
    ) -> QueryAs<'q, sqlx::Postgres, SessionRow, PgArguments> {
        // A first page binds a cursor its statement does not read.
        let sql = if cursor.is_some() {
            listing.sql.1
        } else {
            listing.sql.0
        };
        let (at, id) = cursor.map_or((DateTime::<Utc>::UNIX_EPOCH, 0), |c| (c.clock_in, c.id.0));
        let mut q = sqlx::query_as::<_, SessionRow>(sql)
            .bind(at)
            .bind(id)
            .bind(limit);
        for bind in listing.binds {
            q = match bind {
                Bind::Employee => q.bind(self.s.employee),
                Bind::Team => q.bind(self.s.team),
                Bind::From => q.bind(self.s.month.0),
                Bind::To => q.bind(self.s.month.1),
                Bind::Mode => q.bind("WFH"),
            };
        }
        q
    }

    /// The cursor after `pages` pages of `listing`, walked with the
    /// hand-written statement; `None` when the listing is shorter.
    pub(crate) async fn deep_cursor(&self, listing: &Listing, pages: u32) -> Option<Cursor> {
        let mut cursor = None;
        for _ in 0..pages {
            let rows = self
                .bind_listing(listing, cursor, i64::from(PAGE))
                .fetch_all(&self.pool)
                .await
                .unwrap();
            if rows.len() < PAGE as usize {
                return cursor;
            }
            let last = rows.last()?;
            cursor = Some(Cursor {
                clock_in: last.3,
                id: SessionId(last.0),
            });
        }
        cursor
    }

    fn query(&self, g: Granularity, span: Span) -> TrendQuery {
        let (from, to) = match span {
            Span::Week => (self.s.week.monday(), self.s.week.sunday()),
            Span::Month => self.s.month,
            Span::Year => self.s.year,
        };
        TrendQuery::new(from, to, g).unwrap()
    }

    pub(crate) async fn library(&self, kind: &Kind) -> (Duration, Answer) {
        let start = Instant::now();
        match kind {
            Kind::List { listing, cursor } => {
                let filter = self.filter(listing);
                let token = cursor.map(|c| c.encode());
                let page = self
                    .attendance
                    .sessions(&filter, Some(PAGE), token.as_deref())
                    .await
                    .unwrap();
                let took = start.elapsed();
                let answer = page
                    .items
                    .iter()
                    .map(|s: &AttendanceSession| {
                        session_line(
                            s.id.0,
                            s.employee_id.0,
                            s.work_date,
                            s.clock_in,
                            s.clock_out,
                            s.work_mode.as_str(),
                        )
                    })
                    .collect();
                (took, answer)
            }
            Kind::EmployeeTrend(g, span) => {
                let q = self.query(*g, *span);
                let trend = self
                    .trends
                    .employee_trend(EmployeeId(self.s.employee), &q)
                    .await
                    .unwrap();
                let took = start.elapsed();
                let answer = trend
                    .points
                    .iter()
                    .filter(|p| p.days_present > 0)
                    .map(|p| {
                        period_line(
                            [
                                p.days_present,
                                p.sessions,
                                p.worked_seconds,
                                p.wfh_days,
                                p.wfo_days,
                                p.late_arrivals,
                                p.open_sessions,
                                0,
                            ],
                            seconds(p.avg_clock_in),
                            g.period_start(p.start),
                        )
                    })
                    .collect();
                (took, answer)
            }
            Kind::TeamTrend(g, span) => {
                let q = self.query(*g, *span);
                let trend = self
                    .trends
                    .team_trend(TeamId(self.s.team), &q)
                    .await
                    .unwrap();
                let took = start.elapsed();
                let answer = trend
                    .points
                    .iter()
                    .map(|p| &p.figures)
                    .filter(|p| p.days_present > 0)
                    .map(|p| {
                        period_line(
                            [
                                p.days_present,
                                p.sessions,
                                p.worked_seconds,
                                p.wfh_days,
                                p.wfo_days,
                                p.late_arrivals,
                                p.open_sessions,
                                0,
                            ],
                            seconds(p.avg_clock_in),
                            g.period_start(p.start),
                        )
                    })
                    .collect();
                (took, answer)
            }
            Kind::Daily(team) => {
                let s = self
                    .summaries
                    .acting_as(&Principal::system())
                    .daily(self.s.day, *team)
                    .await
                    .unwrap();
                let took = start.elapsed();
                let f = &s.facts;
                let answer = vec![
                    format!(
                        "{} {} {} {} {} {} {} {} {}",
                        f.headcount,
                        f.present,
                        f.wfh,
                        f.wfo,
                        f.late_arrivals.len(),
                        f.hours_worked,
                        f.absent_names.len(),
                        f.still_clocked_in.len(),
                        f.forgotten_clock_outs.len()
                    ),
                    work_time_facts_line(&f.work_time),
                ];
                (took, answer)
            }
            Kind::Weekly(team) => {
                let s = self
                    .summaries
                    .acting_as(&Principal::system())
                    .weekly(self.s.week, *team)
                    .await
                    .unwrap();
                let took = start.elapsed();
                let f = &s.facts;
                let answer = vec![
                    format!(
                        "{} {} {} {} {} {} {}",
                        f.headcount,
                        f.this_week.days_present,
                        f.this_week.wfh_days,
                        f.this_week.wfo_days,
                        f.this_week.late_arrivals,
                        f.previous_week.days_present,
                        f.open_sessions
                    ),
                    work_time_facts_line(&f.work_time),
                ];
                (took, answer)
            }
            Kind::EmployeeLedger => {
                let ledger = self
                    .trends
                    .employee_ledger(EmployeeId(self.s.employee), &self.year(), 0)
                    .await
                    .unwrap();
                let took = start.elapsed();
                let answer = ledger.days.iter().map(|l| day_line(&l.day)).collect();
                (took, answer)
            }
            Kind::TeamLedger(team) => {
                let ledger = self.trends.team_ledger(*team, &self.month()).await.unwrap();
                let took = start.elapsed();
                let answer = ledger
                    .employees
                    .iter()
                    .map(|e| totals_line(e.employee_id.0, &e.totals))
                    .collect();
                (took, answer)
            }
        }
    }

    fn year(&self) -> LedgerPeriod {
        LedgerPeriod::new(self.s.year.0, self.s.year.1).unwrap()
    }

    fn month(&self) -> LedgerPeriod {
        LedgerPeriod::new(self.s.month.0, self.s.month.1).unwrap()
    }

    /// The hand-written ledger totals of `team`'s members (everyone's when
    /// `None`) from `from` to `to`.
    async fn hand_totals(
        &self,
        team: Option<TeamId>,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Vec<(i64, LedgerTotals)> {
        let q = match team {
            Some(_) => sqlx::query(sql::TEAM_LEDGER_TOTALS),
            None => sqlx::query(sql::COMPANY_LEDGER_TOTALS),
        }
        // Planned with its values each time: a generic plan of this
        // statement is several times slower.
        .persistent(false)
        .bind(from)
        .bind(to)
        .bind(self.now);
        match team {
            Some(t) => q.bind(t.0),
            None => q,
        }
        .fetch_all(&self.pool)
        .await
        .unwrap()
        .iter()
        .map(totals_row)
        .collect()
    }

    pub(crate) async fn hand_written(&self, kind: &Kind) -> (Duration, Answer) {
        let start = Instant::now();
        match kind {
            Kind::List { listing, cursor } => {
                let mut rows = self
                    .bind_listing(listing, *cursor, i64::from(PAGE) + 1)
                    .fetch_all(&self.pool)
                    .await
                    .unwrap();
                let took = start.elapsed();
                rows.truncate(PAGE as usize);
                let answer = rows
                    .iter()
                    .map(|r| session_line(r.0, r.1, r.2, r.3, r.4, &r.5))
                    .collect();
                (took, answer)
            }
            Kind::EmployeeTrend(g, span) | Kind::TeamTrend(g, span) => {
                let q = self.query(*g, *span);
                let (sql, id) = match kind {
                    Kind::EmployeeTrend(..) => (sql::EMPLOYEE_PERIODS, self.s.employee),
                    _ => (sql::TEAM_PERIODS, self.s.team),
                };
                let rows: Vec<PeriodRow> = sqlx::query_as(sql)
                    .bind(id)
                    .bind(q.from())
                    .bind(q.to())
                    .bind(g.as_str())
                    .fetch_all(&self.pool)
                    .await
                    .unwrap();
                let took = start.elapsed();
                let answer = rows
                    .iter()
                    .map(|r| period_line([r.1, r.2, r.3, r.5, r.6, r.7, r.8, 0], r.4, r.0))
                    .collect();
                (took, answer)
            }
            Kind::Daily(team) => {
                let rows: Vec<DayRow> = match team {
                    Some(t) => sqlx::query_as(sql::TEAM_DAY).bind(self.s.day).bind(t.0),
                    None => sqlx::query_as(sql::COMPANY_DAY).bind(self.s.day),
                }
                .fetch_all(&self.pool)
                .await
                .unwrap();
                let ledger = self.hand_totals(*team, self.s.day, self.s.day).await;
                let took = start.elapsed();
                let sum = |f: fn(&DayRow) -> i64| rows.iter().map(f).sum::<i64>();
                let len = |v: &Option<Vec<String>>| v.as_ref().map_or(0, Vec::len);
                let answer = vec![
                    format!(
                        "{} {} {} {} {} {} {} {} {}",
                        sum(|r| r.1),
                        sum(|r| r.2),
                        sum(|r| r.3),
                        sum(|r| r.4),
                        sum(|r| r.5),
                        display_hours(sum(|r| r.6) / 60),
                        rows.iter().map(|r| len(&r.7)).sum::<usize>(),
                        rows.iter().map(|r| len(&r.9)).sum::<usize>(),
                        rows.first().map_or(0, |r| len(&r.10)),
                    ),
                    work_time_line(&ledger),
                ];
                (took, answer)
            }
            Kind::Weekly(team) => {
                let (from, to) = (self.s.week.previous().monday(), self.s.week.sunday());
                let rows: Vec<WeekRow> = match team {
                    Some(t) => sqlx::query_as(sql::TEAM_WEEK).bind(from).bind(to).bind(t.0),
                    None => sqlx::query_as(sql::COMPANY_WEEK).bind(from).bind(to),
                }
                .fetch_all(&self.pool)
                .await
                .unwrap();
                let ledger = self
                    .hand_totals(*team, self.s.week.monday(), self.s.week.sunday())
                    .await;
                let took = start.elapsed();
                let monday = self.s.week.monday();
                let this = |f: fn(&WeekRow) -> i64| {
                    rows.iter().filter(|r| r.1 == monday).map(f).sum::<i64>()
                };
                let mut headcounts: Vec<(i64, i64)> = rows.iter().map(|r| (r.0, r.2)).collect();
                headcounts.dedup();
                let answer = vec![
                    format!(
                        "{} {} {} {} {} {} {}",
                        headcounts.iter().map(|h| h.1).sum::<i64>(),
                        this(|r| r.3),
                        this(|r| r.7),
                        this(|r| r.8),
                        this(|r| r.9),
                        rows.iter()
                            .filter(|r| r.1 != monday)
                            .map(|r| r.3)
                            .sum::<i64>(),
                        this(|r| r.10),
                    ),
                    work_time_line(&ledger),
                ];
                (took, answer)
            }
            Kind::EmployeeLedger => {
                let rows = sqlx::query(sql::EMPLOYEE_LEDGER_DAYS)
                    .persistent(false)
                    .bind(self.s.year.0)
                    .bind(self.s.year.1)
                    .bind(self.now)
                    .bind(self.s.employee)
                    .fetch_all(&self.pool)
                    .await
                    .unwrap();
                let took = start.elapsed();
                (took, rows.iter().map(day_row_line).collect())
            }
            Kind::TeamLedger(team) => {
                let rows = self
                    .hand_totals(*team, self.s.month.0, self.s.month.1)
                    .await;
                let took = start.elapsed();
                let answer = rows.iter().map(|(e, t)| totals_line(*e, t)).collect();
                (took, answer)
            }
        }
    }
}
