//! Trend figures computed in SQL.
//!
//! One statement serves employees and teams: it aggregates the sessions of
//! `employee_id = ANY($1)` per (employee, work date) first, then per period.
//! The plan is an index-only scan of `sessions_employee_work_date_idx` per
//! employee, a hash aggregate per day and a sort per period:
//!
//! ```text
//! GroupAggregate
//!   -> Sort (period)
//!      -> Subquery Scan on days
//!         -> HashAggregate (employee_id, work_date)
//!            -> Index Only Scan using sessions_employee_work_date_idx
//!                 Index Cond: employee_id = ANY ($1) AND work_date >= $2 AND work_date <= $3
//! ```
//! The definitions of the figures are those of [`attendance_core::trends`];
//! the in-memory store computes the same numbers in Rust and the conformance
//! suite checks they agree.

use async_trait::async_trait;
use attendance_core::store::{AnalyticsStore, DayRecord, HealthCheck, TeamStore};
use attendance_core::trends::{PeriodFigures, TeamFigures, TrendQuery};
use attendance_core::{AttendanceSession, Employee, EmployeeId, Entity, Error, Result, TeamId};
use chrono::{NaiveDate, NaiveTime};
use sqlx::FromRow;

use crate::PgStore;
use crate::error::map;
use crate::store::SessionRow;

const FIGURES_SQL: &str = "
WITH days AS (
    SELECT s.employee_id,
           s.work_date,
           min(s.clock_in) AS first_in,
           count(*) AS sessions,
           coalesce(sum(floor(extract(epoch FROM s.clock_out - s.clock_in))), 0) AS worked,
           bool_or(s.work_mode = 'WFH') AS wfh,
           bool_or(s.work_mode = 'WFO') AS wfo,
           count(*) FILTER (WHERE s.clock_out IS NULL) AS open
    FROM attendance.sessions s
    WHERE s.employee_id = ANY($1) AND s.work_date BETWEEN $2 AND $3
    GROUP BY s.employee_id, s.work_date
), local AS (
    SELECT d.*,
           (d.first_in AT TIME ZONE $4)::time AS first_local,
           extract(isodow FROM d.work_date)::int AS dow
    FROM days d
)
SELECT date_trunc($5, work_date::timestamp)::date AS period,
       count(*) AS days_present,
       sum(sessions)::bigint AS sessions,
       sum(worked)::bigint AS worked_seconds,
       floor(avg(floor(extract(epoch FROM first_local))))::bigint AS avg_clock_in_seconds,
       count(*) FILTER (WHERE wfh) AS wfh_days,
       count(*) FILTER (WHERE wfo) AS wfo_days,
       count(*) FILTER (WHERE first_local > $6::time) AS late_arrivals,
       sum(open)::bigint AS open_sessions,
       ARRAY[count(*) FILTER (WHERE dow = 1), count(*) FILTER (WHERE dow = 2),
             count(*) FILTER (WHERE dow = 3), count(*) FILTER (WHERE dow = 4),
             count(*) FILTER (WHERE dow = 5), count(*) FILTER (WHERE dow = 6),
             count(*) FILTER (WHERE dow = 7)] AS by_weekday
FROM local
GROUP BY 1
ORDER BY 1";

#[derive(FromRow)]
struct FiguresRow {
    period: NaiveDate,
    days_present: i64,
    sessions: i64,
    worked_seconds: i64,
    avg_clock_in_seconds: Option<i64>,
    wfh_days: i64,
    wfo_days: i64,
    late_arrivals: i64,
    open_sessions: i64,
    by_weekday: Vec<i64>,
}

impl From<FiguresRow> for PeriodFigures {
    fn from(row: FiguresRow) -> Self {
        let mut by_weekday = [0; 7];
        for (slot, n) in by_weekday.iter_mut().zip(row.by_weekday) {
            *slot = n;
        }
        PeriodFigures {
            period: row.period,
            days_present: row.days_present,
            sessions: row.sessions,
            worked_seconds: row.worked_seconds,
            avg_clock_in_seconds: row.avg_clock_in_seconds,
            wfh_days: row.wfh_days,
            wfo_days: row.wfo_days,
            late_arrivals: row.late_arrivals,
            open_sessions: row.open_sessions,
            days_present_by_weekday: by_weekday,
        }
    }
}

const DAY_RECORDS_SQL: &str = "
SELECT e.id, e.team_id, e.name, e.role, e.is_manager, t.name AS team_name,
       (d.first_in AT TIME ZONE t.timezone)::time AS first_clock_in,
       coalesce(d.sessions, 0) AS sessions,
       coalesce(d.worked, 0)::bigint AS worked_seconds,
       coalesce(d.wfh, false) AS wfh,
       coalesce(d.wfo, false) AS wfo,
       coalesce((d.first_in AT TIME ZONE t.timezone)::time > t.late_after, false) AS late,
       coalesce(d.open, false) AS open
FROM attendance.employees e
JOIN attendance.teams t ON t.id = e.team_id
LEFT JOIN (
    SELECT s.employee_id,
           min(s.clock_in) AS first_in,
           count(*) AS sessions,
           sum(floor(extract(epoch FROM s.clock_out - s.clock_in))) AS worked,
           bool_or(s.work_mode = 'WFH') AS wfh,
           bool_or(s.work_mode = 'WFO') AS wfo,
           bool_or(s.clock_out IS NULL) AS open
    FROM attendance.sessions s
    WHERE s.work_date = $1
    GROUP BY s.employee_id
) d ON d.employee_id = e.id
WHERE $2::bigint IS NULL OR e.team_id = $2
ORDER BY e.team_id, e.id";

#[derive(FromRow)]
struct DayRecordRow {
    id: i64,
    team_id: i64,
    name: String,
    role: String,
    is_manager: bool,
    team_name: String,
    first_clock_in: Option<NaiveTime>,
    sessions: i64,
    worked_seconds: i64,
    wfh: bool,
    wfo: bool,
    late: bool,
    open: bool,
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
            first_clock_in: row.first_clock_in,
            sessions: row.sessions,
            worked_seconds: row.worked_seconds,
            wfh: row.wfh,
            wfo: row.wfo,
            late: row.late,
            open: row.open,
        }
    }
}

#[derive(FromRow)]
struct Scope {
    timezone: String,
    late_after: NaiveTime,
    members: Vec<i64>,
}

impl PgStore {
    async fn figures(&self, scope: &Scope, query: &TrendQuery) -> Result<Vec<PeriodFigures>> {
        let rows = self
            .retry
            .read(|| {
                sqlx::query_as::<_, FiguresRow>(FIGURES_SQL)
                    .bind(&scope.members)
                    .bind(query.from())
                    .bind(query.to())
                    .bind(&scope.timezone)
                    .bind(query.granularity().as_str())
                    .bind(scope.late_after)
                    .fetch_all(&self.pool)
            })
            .await
            .map_err(map)?;
        Ok(rows.into_iter().map(PeriodFigures::from).collect())
    }
}

#[async_trait]
impl AnalyticsStore for PgStore {
    async fn employee_figures(
        &self,
        employee: EmployeeId,
        query: &TrendQuery,
    ) -> Result<Vec<PeriodFigures>> {
        let scope = self
            .retry
            .read(|| {
                sqlx::query_as::<_, Scope>(
                    "SELECT t.timezone, t.late_after, ARRAY[e.id] AS members \
                     FROM attendance.employees e JOIN attendance.teams t ON t.id = e.team_id \
                     WHERE e.id = $1",
                )
                .bind(employee.0)
                .fetch_optional(&self.pool)
            })
            .await
            .map_err(map)?
            .ok_or_else(|| Error::not_found(Entity::Employee, employee))?;
        self.figures(&scope, query).await
    }

    async fn team_figures(&self, team: TeamId, query: &TrendQuery) -> Result<TeamFigures> {
        let scope = self
            .retry
            .read(|| {
                sqlx::query_as::<_, Scope>(
                    "SELECT t.timezone, t.late_after, \
                            coalesce(array_agg(e.id ORDER BY e.id) FILTER (WHERE e.id IS NOT NULL), \
                                     '{}') AS members \
                     FROM attendance.teams t \
                     LEFT JOIN attendance.employees e ON e.team_id = t.id \
                     WHERE t.id = $1 \
                     GROUP BY t.id",
                )
                .bind(team.0)
                .fetch_optional(&self.pool)
            })
            .await
            .map_err(map)?
            .ok_or_else(|| Error::not_found(Entity::Team, team))?;
        let headcount = i64::try_from(scope.members.len()).unwrap_or(i64::MAX);
        Ok(TeamFigures {
            headcount,
            periods: self.figures(&scope, query).await?,
        })
    }

    async fn day_records(&self, date: NaiveDate, team: Option<TeamId>) -> Result<Vec<DayRecord>> {
        if let Some(team) = team {
            self.team(team).await?;
        }
        let rows = self
            .retry
            .read(|| {
                sqlx::query_as::<_, DayRecordRow>(DAY_RECORDS_SQL)
                    .bind(date)
                    .bind(team.map(|t| t.0))
                    .fetch_all(&self.pool)
            })
            .await
            .map_err(map)?;
        Ok(rows.into_iter().map(DayRecord::from).collect())
    }

    async fn open_sessions_before(
        &self,
        date: NaiveDate,
        team: Option<TeamId>,
    ) -> Result<Vec<AttendanceSession>> {
        if let Some(team) = team {
            self.team(team).await?;
        }
        // The predicate matches the partial index of open sessions.
        let rows = self
            .retry
            .read(|| {
                sqlx::query_as::<_, SessionRow>(
                    "SELECT s.id, s.employee_id, s.work_date, s.clock_in, s.clock_out, s.work_mode \
                     FROM attendance.sessions s \
                     JOIN attendance.employees e ON e.id = s.employee_id \
                     WHERE s.clock_out IS NULL AND s.work_date < $1 \
                       AND ($2::bigint IS NULL OR e.team_id = $2) \
                     ORDER BY s.clock_in, s.id",
                )
                .bind(date)
                .bind(team.map(|t| t.0))
                .fetch_all(&self.pool)
            })
            .await
            .map_err(map)?;
        rows.into_iter().map(AttendanceSession::try_from).collect()
    }
}

#[async_trait]
impl HealthCheck for PgStore {
    async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map(|_| ())
            .map_err(Error::unavailable)
    }
}
