//! The store traits over PostgreSQL: [`Directory`] and [`AttendanceStore`]
//! (the analytics in `analytics.rs`).
//!
//! Every statement is a static string or built by `QueryBuilder` from fixed
//! fragments; caller input only ever travels as bind parameters.

// The reads of the directory and sessions, the plain writes' retries (their
// explanations in `store/conflicts.rs`), and the row types; the write statements and their
// dispatch are in `writes/`, keys in `idempotency.rs`, the listing
// statement in `listing.rs`, the audit trail, analytics, import and Q&A
// statements in their own modules.

use std::str::FromStr;

use async_trait::async_trait;
use attendance_core::access::Scope;
use attendance_core::audit::{AuditEntry, AuditFilter};
use attendance_core::close::{CorrectionRequest, LockFilter, PeriodLock, RequestFilter, RequestId};
use attendance_core::domain::check_clock_out;
use attendance_core::idempotency::{Claim, Claimed, Write, Written};
use attendance_core::import::{ImportBatch, ImportReport};
use attendance_core::store::{
    AttendanceStore, Directory, IdCursor, Page, PageRequest, SessionFilter,
};
use attendance_core::webhooks::{Delivery, DeliveryFilter, Endpoint, EndpointId};
use attendance_core::worktime::{
    Absence, AbsenceFilter, AbsenceId, BreakRule, Holiday, HolidayFilter, PatternAssignment,
    ScheduleTarget, WorkPattern,
};
use attendance_core::{
    AttendanceSession, Conflict, Employee, EmployeeId, Entity, Error, NewEmployee, NewTeam, Result,
    SessionId, Team, TeamId, WorkMode,
};
use chrono::{DateTime, NaiveDate, NaiveTime, TimeDelta, Utc};
use chrono_tz::Tz;
use sqlx::{Connection, FromRow};

use crate::PgStore;
use crate::error::{has_code, map, sqlstate, violates};
use crate::writes::{
    NewSession, TeamInsert, close_forgotten, close_session, employee_error, insert_employee,
    insert_session, insert_team, team_error, vanished_conflict,
};
use attendance_core::audit::Stamp;

pub(crate) const SESSION_COLUMNS: &str =
    "id, employee_id, work_date, clock_in, clock_out, work_mode, auto_closed";

#[derive(FromRow)]
pub(crate) struct TeamRow {
    id: i64,
    name: String,
    timezone: String,
    late_after: NaiveTime,
    auto_close_after_hours: Option<i32>,
}

impl TryFrom<TeamRow> for Team {
    type Error = Error;

    fn try_from(row: TeamRow) -> Result<Self> {
        let timezone = Tz::from_str(&row.timezone).map_err(|_| {
            Error::backend(format!(
                "team {} has an unknown timezone {:?} in the database",
                row.id, row.timezone
            ))
        })?;
        Ok(Team {
            id: TeamId(row.id),
            name: row.name,
            timezone,
            late_after: row.late_after,
            auto_close_after_hours: row
                .auto_close_after_hours
                .and_then(|h| u32::try_from(h).ok()),
        })
    }
}

#[derive(FromRow)]
pub(crate) struct EmployeeRow {
    id: i64,
    team_id: i64,
    name: String,
    role: String,
    is_manager: bool,
}

impl From<EmployeeRow> for Employee {
    fn from(row: EmployeeRow) -> Self {
        Employee {
            id: EmployeeId(row.id),
            name: row.name,
            role: row.role,
            team_id: TeamId(row.team_id),
            is_manager: row.is_manager,
        }
    }
}

#[derive(FromRow)]
pub(crate) struct SessionRow {
    id: i64,
    employee_id: i64,
    work_date: NaiveDate,
    clock_in: DateTime<Utc>,
    clock_out: Option<DateTime<Utc>>,
    work_mode: String,
    auto_closed: bool,
}

impl TryFrom<SessionRow> for AttendanceSession {
    type Error = Error;

    fn try_from(row: SessionRow) -> Result<Self> {
        Ok(AttendanceSession {
            id: SessionId(row.id),
            employee_id: EmployeeId(row.employee_id),
            work_date: row.work_date,
            clock_in: row.clock_in,
            clock_out: row.clock_out,
            work_mode: WorkMode::from_str(&row.work_mode).map_err(Error::backend)?,
            auto_closed: row.auto_closed,
        })
    }
}

pub(crate) fn session(row: SessionRow) -> Result<AttendanceSession> {
    AttendanceSession::try_from(row)
}

#[async_trait]
impl Directory for PgStore {
    async fn team(&self, id: TeamId) -> Result<Team> {
        self.retry
            .read(|| {
                self.conns.run(async |c| {
                    sqlx::query_as::<_, TeamRow>(
                        "SELECT id, name, timezone, late_after, auto_close_after_hours FROM teams WHERE id = $1",
                    )
                    .bind(id.0)
                    .fetch_optional(c)
                    .await
                })
            })
            .await
            .map_err(map)?
            .ok_or_else(|| Error::not_found(Entity::Team, id))?
            .try_into()
    }

    async fn teams(&self) -> Result<Vec<Team>> {
        self.retry
            .read(|| {
                self.conns.run(async |c| {
                    sqlx::query_as::<_, TeamRow>(
                        "SELECT id, name, timezone, late_after, auto_close_after_hours FROM teams ORDER BY id",
                    )
                    .fetch_all(c)
                    .await
                })
            })
            .await
            .map_err(map)?
            .into_iter()
            .map(Team::try_from)
            .collect()
    }

    async fn team_page(&self, page: &PageRequest<IdCursor>) -> Result<Page<Team>> {
        let rows = self
            .retry
            .read(|| {
                self.conns.run(async |c| {
                    sqlx::query_as::<_, TeamRow>(
                        "SELECT id, name, timezone, late_after, auto_close_after_hours FROM teams \
                         WHERE $1::bigint IS NULL OR id > $1 ORDER BY id LIMIT $2",
                    )
                    .bind(page.cursor.map(|c| c.0))
                    .bind(i64::from(page.limit) + 1)
                    .fetch_all(c)
                    .await
                })
            })
            .await
            .map_err(map)?
            .into_iter()
            .map(Team::try_from)
            .collect::<Result<Vec<_>>>()?;
        Ok(Page::of_teams(rows, page.limit))
    }

    async fn employee(&self, id: EmployeeId) -> Result<Employee> {
        self.retry
            .read(|| {
                self.conns.run(async |c| {
                    sqlx::query_as::<_, EmployeeRow>(
                        "SELECT id, team_id, name, role, is_manager FROM employees \
                         WHERE id = $1",
                    )
                    .bind(id.0)
                    .fetch_optional(c)
                    .await
                })
            })
            .await
            .map_err(map)?
            .map(Employee::from)
            .ok_or_else(|| Error::not_found(Entity::Employee, id))
    }

    async fn employee_page(
        &self,
        team: Option<TeamId>,
        scope: &Scope,
        page: &PageRequest<IdCursor>,
    ) -> Result<Page<Employee>> {
        // Scope::All binds no member ($4 NULL): every row passes.
        let (member, teams) = match scope {
            Scope::All => (None, Vec::new()),
            Scope::Member { employee, teams } => {
                (Some(employee.0), teams.iter().map(|t| t.0).collect())
            }
        };
        let rows = self
            .retry
            .read(|| {
                self.conns.run(async |c| {
                    sqlx::query_as::<_, EmployeeRow>(
                        "SELECT id, team_id, name, role, is_manager FROM employees \
                         WHERE ($1::bigint IS NULL OR team_id = $1) \
                         AND ($2::bigint IS NULL OR id > $2) \
                         AND ($4::bigint IS NULL OR id = $4 OR team_id = ANY ($5::bigint[])) \
                         ORDER BY id LIMIT $3",
                    )
                    .bind(team.map(|t| t.0))
                    .bind(page.cursor.map(|c| c.0))
                    .bind(i64::from(page.limit) + 1)
                    .bind(member)
                    .bind(&teams)
                    .fetch_all(c)
                    .await
                })
            })
            .await
            .map_err(map)?;
        let rows = rows.into_iter().map(Employee::from).collect();
        Ok(Page::of_employees(rows, page.limit))
    }

    async fn employees(&self, team: Option<TeamId>) -> Result<Vec<Employee>> {
        let rows = self
            .retry
            .read(|| {
                self.conns.run(async |c| {
                    sqlx::query_as::<_, EmployeeRow>(
                        "SELECT id, team_id, name, role, is_manager FROM employees \
                         WHERE $1::bigint IS NULL OR team_id = $1 ORDER BY id",
                    )
                    .bind(team.map(|t| t.0))
                    .fetch_all(c)
                    .await
                })
            })
            .await
            .map_err(map)?;
        Ok(rows.into_iter().map(Employee::from).collect())
    }

    async fn managed_teams(&self, employee: EmployeeId) -> Result<Vec<TeamId>> {
        let teams: Vec<i64> = self
            .retry
            .read(|| {
                self.conns.run(async |c| {
                    sqlx::query_scalar(
                        "SELECT team_id FROM employees WHERE id = $1 AND is_manager \
                         UNION \
                         SELECT team_id FROM team_managers WHERE employee_id = $1 \
                         ORDER BY 1",
                    )
                    .bind(employee.0)
                    .fetch_all(c)
                    .await
                })
            })
            .await
            .map_err(map)?;
        Ok(teams.into_iter().map(TeamId).collect())
    }

    async fn period_locks(&self, filter: &LockFilter) -> Result<Vec<PeriodLock>> {
        self.read_period_locks(filter).await
    }
}

impl PgStore {
    /// Closes `employee`'s open session at `at`, with its audit entry.
    pub(crate) async fn close(
        &self,
        stamp: &Stamp,
        employee: EmployeeId,
        at: DateTime<Utc>,
    ) -> Result<AttendanceSession> {
        let closed = self
            .retry
            .write(|| {
                self.conns
                    .run(async |c| close_session(c, stamp, employee, at).await)
            })
            .await
            .map_err(map)?;
        match closed {
            Some(row) => session(row),
            None => Err(self.nothing_closed(employee, at).await),
        }
    }

    /// Inserts a team whose timezone chrono-tz has accepted (`NewTeam`
    /// holds a `Tz`), and that PostgreSQL must know too: its own tz data
    /// dates every clock-in of the team, and may be older or newer than
    /// chrono-tz's. The statement evaluates `AT TIME ZONE` once, which fails
    /// with SQLSTATE 22023 for a zone the server lacks; nothing else in it
    /// can raise that code, so it maps to a bad "timezone".
    pub(crate) async fn insert_team(
        &self,
        stamp: &Stamp,
        name: &str,
        timezone: &str,
        late_after: NaiveTime,
        auto_close_after_hours: Option<u32>,
    ) -> Result<Team> {
        let team = TeamInsert {
            name,
            timezone,
            late_after,
            auto_close_after_hours,
        };
        self.retry
            .write(|| self.conns.run(async |c| insert_team(c, stamp, &team).await))
            .await
            .map_err(|e| team_error(e, name, timezone))?
            .try_into()
    }

    /// [`PgStore::insert_team`] of a validated team.
    pub(crate) async fn insert_new_team(&self, stamp: &Stamp, team: &NewTeam) -> Result<Team> {
        self.insert_team(
            stamp,
            team.name(),
            team.timezone().name(),
            team.late_after(),
            team.auto_close_after_hours(),
        )
        .await
    }

    pub(crate) async fn insert_employee(
        &self,
        stamp: &Stamp,
        employee: &NewEmployee,
    ) -> Result<Employee> {
        self.retry
            .write(|| {
                self.conns
                    .run(async |c| insert_employee(c, stamp, employee).await)
            })
            .await
            .map(Employee::from)
            .map_err(|e| employee_error(e, employee))
    }

    /// [`insert_session`] with retries.
    async fn insert_session_retried(
        &self,
        stamp: &Stamp,
        new: &NewSession<'_>,
    ) -> std::result::Result<Option<SessionRow>, sqlx::Error> {
        self.retry
            .write(|| {
                self.conns
                    .run(async |c| insert_session(c, stamp, new).await)
            })
            .await
    }
}

#[async_trait]
impl AttendanceStore for PgStore {
    async fn write(&self, stamp: &Stamp, write: &Write) -> Result<Written> {
        self.perform_write(stamp, write).await
    }

    async fn write_once(&self, claim: &Claim<'_>, stamp: &Stamp, write: &Write) -> Result<Claimed> {
        self.perform_once(claim, stamp, write).await
    }

    async fn forget_keys(&self, before: DateTime<Utc>) -> Result<u64> {
        self.forget_keys_before(before).await
    }

    async fn import_sessions(
        &self,
        batch: ImportBatch,
        now: DateTime<Utc>,
        future_tolerance: TimeDelta,
    ) -> Result<ImportReport> {
        let imported = self.importer().import(batch, now, future_tolerance).await?;
        Ok(imported.report)
    }

    async fn session(&self, id: SessionId) -> Result<AttendanceSession> {
        self.session_by_id(id).await
    }

    async fn audit_entries(
        &self,
        filter: &AuditFilter,
        page: &PageRequest<IdCursor>,
    ) -> Result<Page<AuditEntry>> {
        self.audit_page(filter, page).await
    }

    async fn ping(&self) -> Result<()> {
        self.conns
            .run(async |c| c.ping().await)
            .await
            .map_err(Error::unavailable)
    }

    async fn work_patterns(&self) -> Result<Vec<WorkPattern>> {
        self.read_work_patterns().await
    }

    async fn pattern_assignments(
        &self,
        target: Option<ScheduleTarget>,
    ) -> Result<Vec<PatternAssignment>> {
        self.read_pattern_assignments(target).await
    }

    async fn holidays(&self, filter: &HolidayFilter) -> Result<Vec<Holiday>> {
        self.read_holidays(filter).await
    }

    async fn absences(&self, filter: &AbsenceFilter) -> Result<Vec<Absence>> {
        self.read_absences(filter).await
    }

    async fn absence(&self, id: AbsenceId) -> Result<Absence> {
        self.read_absence(id).await
    }

    async fn break_rule(&self, team: TeamId) -> Result<BreakRule> {
        self.read_break_rule(team).await
    }

    async fn correction_request(&self, id: RequestId) -> Result<CorrectionRequest> {
        self.read_request(id).await
    }

    async fn correction_requests(
        &self,
        filter: &RequestFilter,
        page: &PageRequest<IdCursor>,
    ) -> Result<Page<CorrectionRequest>> {
        self.read_requests(filter, page).await
    }

    async fn webhook_endpoints(&self) -> Result<Vec<Endpoint>> {
        self.read_endpoints().await
    }

    async fn webhook_endpoint(&self, id: EndpointId) -> Result<Endpoint> {
        self.read_endpoint(id).await
    }

    async fn webhook_deliveries(
        &self,
        endpoint: EndpointId,
        filter: &DeliveryFilter,
        page: &PageRequest<IdCursor>,
    ) -> Result<Page<Delivery>> {
        self.read_deliveries(endpoint, filter, page).await
    }

    async fn close_forgotten_sessions(
        &self,
        stamp: &Stamp,
        now: DateTime<Utc>,
    ) -> Result<Vec<AttendanceSession>> {
        self.retry
            .write(|| {
                self.conns
                    .run(async |c| close_forgotten(c, stamp, now).await)
            })
            .await
            .map_err(map)?
            .into_iter()
            .map(session)
            .collect()
    }

    async fn open_session(&self, employee: EmployeeId) -> Result<Option<AttendanceSession>> {
        self.retry
            .read(|| {
                self.conns.run(async |c| {
                    sqlx::query_as::<_, SessionRow>(
                        "SELECT id, employee_id, work_date, clock_in, clock_out, work_mode, auto_closed \
                         FROM sessions WHERE employee_id = $1 AND clock_out IS NULL",
                    )
                    .bind(employee.0)
                    .fetch_optional(c)
                    .await
                })
            })
            .await
            .map_err(map)?
            .map(session)
            .transpose()
    }

    async fn sessions(
        &self,
        filter: &SessionFilter,
        page: &PageRequest,
    ) -> Result<Page<AttendanceSession>> {
        // A date range is planned with its values each time (an unnamed
        // statement): the generic plan PostgreSQL switches a prepared
        // statement to after five runs assumes any range is narrow, and
        // sorts a month read through the work-date index instead of
        // walking the clock_in index (docs/PERFORMANCE.md, "Read paths").
        let planned_each_time = filter.from.is_some() || filter.to.is_some();
        let rows = self
            .retry
            .read(|| {
                self.conns.run(async |c| {
                    crate::listing::listing_query(filter, page)
                        .build_query_as::<SessionRow>()
                        .persistent(!planned_each_time)
                        .fetch_all(c)
                        .await
                })
            })
            .await
            .map_err(map)?;
        let items = rows.into_iter().map(session).collect::<Result<Vec<_>>>()?;
        Ok(Page::from_overfetch(items, page.limit))
    }
}

mod conflicts;
#[cfg(test)]
mod tests;
