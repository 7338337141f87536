//! The two sides of every case: the library's call (`PgStore` and the
//! services) and the hand-written SQL (`sql.rs`), each timed and each
//! answering in the same comparable form.

use std::time::{Duration, Instant};

use attendance::core::access::Principal;
use attendance::core::service::{AttendanceService, TrendService};
use attendance::core::store::{Cursor, SessionFilter};
use attendance::core::summary::SummaryService;
use attendance::core::trends::{Granularity, TrendQuery};
use attendance::core::worktime::display_hours;
use attendance::core::{AttendanceSession, EmployeeId, SessionId, TeamId, WorkMode};
use chrono::{DateTime, NaiveDate, NaiveTime, Timelike, Utc};
use sqlx::PgPool;
use sqlx::postgres::PgArguments;
use sqlx::query::QueryAs;

use crate::sql::{self, Bind, Listing};
use crate::{Kind, PAGE, Span, Subject};

pub(crate) struct Bench {
    pub(crate) pool: PgPool,
    pub(crate) attendance: AttendanceService,
    pub(crate) trends: TrendService,
    pub(crate) summaries: SummaryService,
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
                let answer = vec![format!(
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
                )];
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
                let answer = vec![format!(
                    "{} {} {} {} {} {} {}",
                    f.headcount,
                    f.this_week.days_present,
                    f.this_week.wfh_days,
                    f.this_week.wfo_days,
                    f.this_week.late_arrivals,
                    f.previous_week.days_present,
                    f.open_sessions
                )];
                (took, answer)
            }
        }
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
                let took = start.elapsed();
                let sum = |f: fn(&DayRow) -> i64| rows.iter().map(f).sum::<i64>();
                let len = |v: &Option<Vec<String>>| v.as_ref().map_or(0, Vec::len);
                let answer = vec![format!(
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
                )];
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
                let took = start.elapsed();
                let monday = self.s.week.monday();
                let this = |f: fn(&WeekRow) -> i64| {
                    rows.iter().filter(|r| r.1 == monday).map(f).sum::<i64>()
                };
                let mut headcounts: Vec<(i64, i64)> = rows.iter().map(|r| (r.0, r.2)).collect();
                headcounts.dedup();
                let answer = vec![format!(
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
                )];
                (took, answer)
            }
        }
    }
}
