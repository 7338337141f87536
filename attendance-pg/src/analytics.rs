//! Trend figures computed in SQL.
//!
//! One statement per trend, one round trip: it finds the employee or team
//! (with its timezone, late-after time and members), aggregates the members'
//! sessions per (employee, work date), then per work date, then per period.
//! Plan, for a team of 200 over a month:
//!
//! ```text
//! Nested Loop Left Join
//!   -> CTE Scan on scope                  (the team, its members as an array)
//!   -> HashAggregate (period)             (at most one row per day in)
//!      -> HashAggregate (work_date)
//!         -> Nested Loop
//!            -> Index Only Scan using employees_team_id_idx on employees e
//!            -> GroupAggregate (work_date)        (one employee's days)
//!               -> Index Only Scan using sessions_employee_work_date_idx
//!                    Index Cond: employee_id = e.id
//!                                AND work_date >= $2 AND work_date <= $3
//! ```
//!
//! The per-employee lateral keeps that plan when PostgreSQL switches the
//! prepared statement to a generic plan (after five executions): a plain
//! join of employees and sessions then scans the whole range through the
//! work-date index instead (several times slower for a team month; the
//! figures are in `docs/PERFORMANCE.md`).
//!
//! What made it fast (`docs/PERFORMANCE.md` has the numbers):
//! - the existence check, the scope and the figures are one statement, not
//!   two round trips (an empty answer means "not found": a scope without data
//!   still yields one row, with NULL figures);
//! - `date_trunc`, weekdays and the per-weekday counts are applied to at
//!   most one row per day, not to every (employee, day) row: the seven
//!   `FILTER` counts per weekday became one `array_agg` over days;
//! - seconds are computed in `float8` (`date_part`) and summed as `bigint`,
//!   not in `numeric` (`extract`): exact for any session shorter than a
//!   century, and cheaper per row; the average clock-in is a floor division
//!   in Rust, the same as the in-memory store's;
//! - each day's local first clock-in is converted once, in the per-day
//!   aggregate, and compared with the late-after time there;
//! - the per-day and per-period steps are one macro (`days_to_periods!`)
//!   that the employee, team and all-teams statements share, so a figure
//!   is defined once; an employee's trend skips the per-weekday counts.
//!
//! The definitions of the figures are those of [`attendance_core::trends`],
//! and lateness is [`attendance_core::domain::is_late`] (`first_local >
//! late_after`, strictly after); the in-memory store computes the same
//! numbers in Rust and the conformance suite checks they agree.

use async_trait::async_trait;
use attendance_core::domain::is_late;
use attendance_core::store::{AnalyticsStore, DayRecord, Directory};
use attendance_core::trends::{PeriodFigures, TeamFigures, TrendQuery};
use attendance_core::worktime::{LedgerDay, LedgerPeriod, LedgerTotals};
use attendance_core::{AttendanceSession, Employee, EmployeeId, Entity, Error, Result, TeamId};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use sqlx::FromRow;

use crate::PgStore;
use crate::error::map;
use crate::store::SessionRow;

/// The days of one employee `e` in the range (`$from`, `$to`: the range's
/// parameters), as a lateral subquery `d`: per work date, the first
/// clock-in's local time in the zone `$tz` (an SQL expression), sessions,
/// seconds worked in closed sessions, whether any session was WFH or WFO,
/// and open sessions. Read per employee through the (employee_id,
/// work_date) index.
macro_rules! employee_days {
    ($tz:literal, $from:literal, $to:literal) => {
        concat!(
            "    CROSS JOIN LATERAL (
        SELECT s.work_date,
               (min(s.clock_in) AT TIME ZONE ",
            $tz,
            ")::time AS first_local,
               count(*) AS sessions,
               coalesce(sum(floor(date_part('epoch', s.clock_out - s.clock_in))), 0) AS worked,
               bool_or(s.work_mode = 'WFH') AS wfh,
               bool_or(s.work_mode = 'WFO') AS wfo,
               count(*) FILTER (WHERE s.clock_out IS NULL) AS open
        FROM sessions s
        WHERE s.employee_id = e.id AND s.work_date BETWEEN ",
            $from,
            " AND ",
            $to,
            "
        GROUP BY s.work_date
    ) d
"
        )
    };
}

/// The per-day and per-period steps of every figures statement, written
/// once: from a CTE `days` (one row per (employee, work date), each with
/// its team's `late_after`, as [`employee_days!`] gives them) to a CTE
/// `periods`, one row per period (`$granularity`: day, week or month) of
/// each group `$key` (an SQL column list ending in a comma, or nothing for
/// one scope). `$weekdays` says what goes into the two weekday columns.
macro_rules! days_to_periods {
    ($key:literal, $granularity:literal, $($weekdays:tt)+) => {
        concat!(
            "
, per_day AS (
    SELECT ",
            $key,
            " work_date,
           count(*) AS days_present,
           sum(sessions) AS sessions,
           sum(worked) AS worked_seconds,
           sum(floor(date_part('epoch', first_local))) AS clock_in_seconds,
           count(*) FILTER (WHERE wfh) AS wfh_days,
           count(*) FILTER (WHERE wfo) AS wfo_days,
           count(*) FILTER (WHERE first_local > late_after) AS late_arrivals,
           sum(open) AS open_sessions
    FROM days
    GROUP BY ",
            $key,
            " work_date
), periods AS (
    SELECT ",
            $key,
            " date_trunc(",
            $granularity,
            ", work_date::timestamp)::date AS period,
           sum(days_present)::bigint AS days_present,
           sum(sessions)::bigint AS sessions,
           sum(worked_seconds)::bigint AS worked_seconds,
           sum(clock_in_seconds)::bigint AS clock_in_seconds,
           sum(wfh_days)::bigint AS wfh_days,
           sum(wfo_days)::bigint AS wfo_days,
           sum(late_arrivals)::bigint AS late_arrivals,
           sum(open_sessions)::bigint AS open_sessions,
           ",
            $($weekdays)+,
            "
    FROM per_day
    GROUP BY ",
            $key,
            " period
)"
        )
    };
}

/// What goes into the weekday columns of a team's periods: the ISO weekday
/// of each day with data, and the days present on it.
macro_rules! weekday_columns {
    () => {
        "array_agg(extract(isodow FROM work_date)::int) AS weekdays,
           array_agg(days_present) AS weekday_days"
    };
}

/// The end of the one-scope statements: the one-row `scope` joined to its
/// periods, so that a scope without data still yields one row, with NULL
/// figures, and an empty answer means "no such employee or team". In
/// period order: a grouping happens to sort on PostgreSQL alone, not
/// through a Citus coordinator.
macro_rules! scope_periods {
    () => {
        "
SELECT cardinality(scope.members)::bigint AS headcount, p.*
FROM scope LEFT JOIN periods p ON true
ORDER BY p.period"
    };
}

/// One employee's figures per period; no row when the employee does not
/// exist. Employee trends need no per-weekday counts.
const EMPLOYEE_FIGURES_SQL: &str = concat!(
    "WITH scope AS (
    SELECT t.timezone, t.late_after, ARRAY[e.id] AS members
    FROM employees e JOIN teams t ON t.id = e.team_id
    WHERE e.id = $1
), days AS (
    SELECT scope.late_after, d.*
    FROM scope
    JOIN employees e ON e.id = $1
",
    employee_days!("scope.timezone", "$2", "$3"),
    ")",
    days_to_periods!(
        "",
        "$4",
        "NULL::int[] AS weekdays, NULL::bigint[] AS weekday_days"
    ),
    scope_periods!()
);

/// One team's figures per period; no row when the team does not exist.
const TEAM_FIGURES_SQL: &str = concat!(
    "WITH scope AS (
    SELECT t.timezone, t.late_after,
           ARRAY(SELECT e.id FROM employees e WHERE e.team_id = t.id) AS members
    FROM teams t
    WHERE t.id = $1
), days AS (
    SELECT scope.late_after, d.*
    FROM scope
    JOIN employees e ON e.team_id = $1
",
    employee_days!("scope.timezone", "$2", "$3"),
    ")",
    days_to_periods!("", "$4", weekday_columns!()),
    scope_periods!()
);

/// [`TEAM_FIGURES_SQL`] for every team in one statement (`$1`, `$2`: the
/// range, `$3`: the granularity), one row per (team, period with data) and
/// one row with NULL figures for a team without data, ordered by team.
/// Company-wide weekly summaries read it: one statement per team cost a
/// round trip and a plan each. Each employee's days come through the
/// (employee_id, work_date) index as in the team statement, for the same
/// reason (a generic plan keeps that shape).
const ALL_TEAM_FIGURES_SQL: &str = concat!(
    "
WITH days AS (
    SELECT e.team_id, t.late_after, d.*
    FROM teams t
    JOIN employees e ON e.team_id = t.id
",
    employee_days!("t.timezone", "$1", "$2"),
    ")",
    days_to_periods!("team_id,", "$3", weekday_columns!()),
    "
SELECT t.id AS team_id,
       (SELECT count(*) FROM employees e WHERE e.team_id = t.id) AS headcount,
       p.period, p.days_present, p.sessions, p.worked_seconds, p.clock_in_seconds,
       p.wfh_days, p.wfo_days, p.late_arrivals, p.open_sessions, p.weekdays, p.weekday_days
FROM teams t
LEFT JOIN periods p ON p.team_id = t.id
ORDER BY t.id, p.period"
);

/// A row of [`ALL_TEAM_FIGURES_SQL`].
#[derive(FromRow)]
struct TeamPeriodRow {
    team_id: i64,
    #[sqlx(flatten)]
    row: PeriodRow,
}

/// A row of [`EMPLOYEE_FIGURES_SQL`] or [`TEAM_FIGURES_SQL`]: the figure
/// columns are NULL on the one row of a scope without data.
#[derive(FromRow)]
struct PeriodRow {
    headcount: i64,
    period: Option<NaiveDate>,
    days_present: Option<i64>,
    sessions: Option<i64>,
    worked_seconds: Option<i64>,
    clock_in_seconds: Option<i64>,
    wfh_days: Option<i64>,
    wfo_days: Option<i64>,
    late_arrivals: Option<i64>,
    open_sessions: Option<i64>,
    /// ISO weekday (1 = Monday) of each day of the period with data …
    weekdays: Option<Vec<i32>>,
    /// … and the days present on it.
    weekday_days: Option<Vec<i64>>,
}

impl PeriodRow {
    fn figures(self) -> Option<PeriodFigures> {
        let days_present = self.days_present.unwrap_or_default();
        let mut by_weekday = [0; 7];
        for (weekday, days) in self
            .weekdays
            .unwrap_or_default()
            .into_iter()
            .zip(self.weekday_days.unwrap_or_default())
        {
            let slot = usize::try_from(weekday - 1).ok();
            if let Some(slot) = slot.and_then(|i| by_weekday.get_mut(i)) {
                *slot += days;
            }
        }
        Some(PeriodFigures {
            period: self.period?,
            days_present,
            sessions: self.sessions.unwrap_or_default(),
            worked_seconds: self.worked_seconds.unwrap_or_default(),
            // Floor division, as the in-memory store's `div_euclid`.
            avg_clock_in_seconds: (days_present > 0).then(|| {
                self.clock_in_seconds
                    .unwrap_or_default()
                    .div_euclid(days_present)
            }),
            wfh_days: self.wfh_days.unwrap_or_default(),
            wfo_days: self.wfo_days.unwrap_or_default(),
            late_arrivals: self.late_arrivals.unwrap_or_default(),
            open_sessions: self.open_sessions.unwrap_or_default(),
            days_present_by_weekday: by_weekday,
        })
    }
}

/// The columns and aggregates shared by the two day-record statements.
macro_rules! day_records_select {
    () => {
        "SELECT e.id, e.team_id, e.name, e.role, e.is_manager, t.name AS team_name, t.late_after,
       (d.first_in AT TIME ZONE t.timezone)::time AS first_clock_in,
       d.sessions, d.worked_seconds, d.wfh, d.wfo, d.open, d.auto_closed
FROM employees e
JOIN teams t ON t.id = e.team_id
"
    };
}

macro_rules! day_aggregates {
    () => {
        "min(s.clock_in) AS first_in,
           count(*) AS sessions,
           sum(floor(date_part('epoch', s.clock_out - s.clock_in)))::bigint AS worked_seconds,
           bool_or(s.work_mode = 'WFH') AS wfh,
           bool_or(s.work_mode = 'WFO') AS wfo,
           bool_or(s.clock_out IS NULL) AS open,
           count(*) FILTER (WHERE s.auto_closed) AS auto_closed"
    };
}

/// Every employee's day: the day's sessions aggregated per employee in one
/// pass over `sessions_work_date_idx`, hash-joined to all employees. Not
/// sorted here: sorting 10,000 records in Rust costs a fraction of what the
/// server's sort did.
const COMPANY_DAY_RECORDS_SQL: &str = concat!(
    day_records_select!(),
    "LEFT JOIN (
    SELECT s.employee_id, ",
    day_aggregates!(),
    "
    FROM sessions s
    WHERE s.work_date = $1
    GROUP BY s.employee_id
) d ON d.employee_id = e.id"
);

/// Some teams' day (one team's, a manager's few): their members' sessions,
/// each through the (employee_id, work_date) index, so the rest of the
/// company's day is not aggregated for nothing.
const TEAM_DAY_RECORDS_SQL: &str = concat!(
    day_records_select!(),
    "LEFT JOIN LATERAL (
    SELECT ",
    day_aggregates!(),
    "
    FROM sessions s
    WHERE s.employee_id = e.id AND s.work_date = $1
    HAVING count(*) > 0
) d ON true
WHERE e.team_id = ANY($2)"
);

#[derive(FromRow)]
struct DayRecordRow {
    id: i64,
    team_id: i64,
    name: String,
    role: String,
    is_manager: bool,
    team_name: String,
    late_after: NaiveTime,
    first_clock_in: Option<NaiveTime>,
    sessions: Option<i64>,
    worked_seconds: Option<i64>,
    wfh: Option<bool>,
    wfo: Option<bool>,
    open: Option<bool>,
    auto_closed: Option<i64>,
}

impl From<DayRecordRow> for DayRecord {
    fn from(row: DayRecordRow) -> Self {
        DayRecord {
            employee: Employee {
                id: EmployeeId(row.id),
                name: row.name,
                role: row.role,
                team_id: TeamId(row.team_id),
                is_manager: row.is_manager,
            },
            team_name: row.team_name,
            late: row
                .first_clock_in
                .is_some_and(|t| is_late(t, row.late_after)),
            first_clock_in: row.first_clock_in,
            sessions: row.sessions.unwrap_or_default(),
            worked_seconds: row.worked_seconds.unwrap_or_default(),
            wfh: row.wfh.unwrap_or_default(),
            wfo: row.wfo.unwrap_or_default(),
            open: row.open.unwrap_or_default(),
            auto_closed: row.auto_closed.unwrap_or_default(),
        }
    }
}

impl PgStore {
    /// Runs one of the figures statements for `id`; `None` when the employee
    /// or team does not exist, else the headcount and the periods with data.
    async fn figures(
        &self,
        sql: &'static str,
        id: i64,
        query: &TrendQuery,
    ) -> Result<Option<(i64, Vec<PeriodFigures>)>> {
        let rows = self
            .retry
            .read(|| {
                self.conns.run(async |c| {
                    sqlx::query_as::<_, PeriodRow>(sql)
                        .bind(id)
                        .bind(query.from())
                        .bind(query.to())
                        .bind(query.granularity().as_str())
                        .fetch_all(c)
                        .await
                })
            })
            .await
            .map_err(map)?;
        let Some(headcount) = rows.first().map(|r| r.headcount) else {
            return Ok(None);
        };
        Ok(Some((
            headcount,
            rows.into_iter().filter_map(PeriodRow::figures).collect(),
        )))
    }
}

#[async_trait]
impl AnalyticsStore for PgStore {
    async fn ledger_days(
        &self,
        employee: EmployeeId,
        period: &LedgerPeriod,
        now: DateTime<Utc>,
    ) -> Result<Vec<LedgerDay>> {
        self.employee_ledger(employee, period, now).await
    }

    async fn ledger_totals(
        &self,
        team: Option<TeamId>,
        period: &LedgerPeriod,
        now: DateTime<Utc>,
    ) -> Result<Vec<(EmployeeId, LedgerTotals)>> {
        self.totals(team, period, now).await
    }

    fn timesheet(
        &self,
        query: attendance_core::export::TimesheetQuery,
        now: DateTime<Utc>,
    ) -> attendance_core::export::TimesheetStream<'_> {
        self.timesheet_rows(query, now)
    }

    async fn employee_figures(
        &self,
        employee: EmployeeId,
        query: &TrendQuery,
    ) -> Result<Vec<PeriodFigures>> {
        self.figures(EMPLOYEE_FIGURES_SQL, employee.0, query)
            .await?
            .map(|(_, periods)| periods)
            .ok_or_else(|| Error::not_found(Entity::Employee, employee))
    }

    async fn team_figures(&self, team: TeamId, query: &TrendQuery) -> Result<TeamFigures> {
        self.figures(TEAM_FIGURES_SQL, team.0, query)
            .await?
            .map(|(headcount, periods)| TeamFigures { headcount, periods })
            .ok_or_else(|| Error::not_found(Entity::Team, team))
    }

    async fn all_team_figures(&self, query: &TrendQuery) -> Result<Vec<(TeamId, TeamFigures)>> {
        let rows = self
            .retry
            .read(|| {
                self.conns.run(async |c| {
                    sqlx::query_as::<_, TeamPeriodRow>(ALL_TEAM_FIGURES_SQL)
                        .bind(query.from())
                        .bind(query.to())
                        .bind(query.granularity().as_str())
                        .fetch_all(c)
                        .await
                })
            })
            .await
            .map_err(map)?;
        let mut all: Vec<(TeamId, TeamFigures)> = Vec::new();
        for TeamPeriodRow { team_id, row } in rows {
            let team = TeamId(team_id);
            if all.last().is_none_or(|(last, _)| *last != team) {
                all.push((
                    team,
                    TeamFigures {
                        headcount: row.headcount,
                        periods: Vec::new(),
                    },
                ));
            }
            if let (Some((_, figures)), Some(period)) = (all.last_mut(), row.figures()) {
                figures.periods.push(period);
            }
        }
        Ok(all)
    }

    async fn day_records(
        &self,
        date: NaiveDate,
        teams: Option<&[TeamId]>,
    ) -> Result<Vec<DayRecord>> {
        let ids = teams.map(team_ids);
        let rows = self
            .retry
            .read(|| {
                self.conns.run(async |c| match &ids {
                    Some(ids) => {
                        sqlx::query_as::<_, DayRecordRow>(TEAM_DAY_RECORDS_SQL)
                            .bind(date)
                            .bind(ids)
                            .fetch_all(c)
                            .await
                    }
                    None => {
                        sqlx::query_as::<_, DayRecordRow>(COMPANY_DAY_RECORDS_SQL)
                            .bind(date)
                            .fetch_all(c)
                            .await
                    }
                })
            })
            .await
            .map_err(map)?;
        self.check_teams(teams, rows.iter().map(|r| r.team_id))
            .await?;
        let mut records: Vec<DayRecord> = rows.into_iter().map(DayRecord::from).collect();
        records.sort_unstable_by_key(|r| (r.employee.team_id, r.employee.id));
        Ok(records)
    }

    async fn open_sessions_before(
        &self,
        date: NaiveDate,
        teams: Option<&[TeamId]>,
    ) -> Result<Vec<AttendanceSession>> {
        let ids = teams.map(team_ids);
        // The predicate matches the partial index of open sessions.
        let rows = self
            .retry
            .read(|| {
                self.conns.run(async |c| {
                    sqlx::query_as::<_, OpenSessionRow>(
                        "SELECT s.id, s.employee_id, s.work_date, s.clock_in, s.clock_out, \
                                s.work_mode, s.auto_closed, e.team_id \
                         FROM sessions s \
                         JOIN employees e ON e.id = s.employee_id \
                         WHERE s.clock_out IS NULL AND s.work_date < $1 \
                           AND ($2::bigint[] IS NULL OR e.team_id = ANY($2)) \
                         ORDER BY s.clock_in, s.id",
                    )
                    .bind(date)
                    .bind(&ids)
                    .fetch_all(c)
                    .await
                })
            })
            .await
            .map_err(map)?;
        self.check_teams(teams, rows.iter().map(|r| r.team_id))
            .await?;
        rows.into_iter()
            .map(|r| AttendanceSession::try_from(r.session))
            .collect()
    }
}

/// An open session and its employee's team.
#[derive(FromRow)]
struct OpenSessionRow {
    #[sqlx(flatten)]
    session: SessionRow,
    team_id: i64,
}

fn team_ids(teams: &[TeamId]) -> Vec<i64> {
    teams.iter().map(|t| t.0).collect()
}

impl PgStore {
    /// [`Error::NotFound`] for an unknown team of `teams`. A team some row
    /// (of `seen`, their team ids) belongs to exists, so only the others
    /// are looked up: none on the usual path, where every team has members.
    async fn check_teams(
        &self,
        teams: Option<&[TeamId]>,
        seen: impl Iterator<Item = i64>,
    ) -> Result<()> {
        let Some(teams) = teams else {
            return Ok(());
        };
        let seen: std::collections::HashSet<i64> = seen.collect();
        for team in teams.iter().filter(|t| !seen.contains(&t.0)) {
            self.team(*team).await?;
        }
        Ok(())
    }
}
