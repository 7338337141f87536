//! Every store trait forwarded through `Arc`, so a host can hand the
//! services one shared store.

use std::sync::Arc;

use super::*;

#[async_trait]
impl<T: TeamStore + ?Sized> TeamStore for Arc<T> {
    async fn create_team(&self, team: &NewTeam) -> Result<Team> {
        (**self).create_team(team).await
    }
    async fn team(&self, id: TeamId) -> Result<Team> {
        (**self).team(id).await
    }
    async fn teams(&self) -> Result<Vec<Team>> {
        (**self).teams().await
    }
    async fn team_page(&self, page: &PageRequest<IdCursor>) -> Result<Page<Team>> {
        (**self).team_page(page).await
    }
}

#[async_trait]
impl<T: EmployeeStore + ?Sized> EmployeeStore for Arc<T> {
    async fn create_employee(&self, employee: &NewEmployee) -> Result<Employee> {
        (**self).create_employee(employee).await
    }
    async fn employee(&self, id: EmployeeId) -> Result<Employee> {
        (**self).employee(id).await
    }
    async fn employees(&self, team: Option<TeamId>) -> Result<Vec<Employee>> {
        (**self).employees(team).await
    }
    async fn employee_page(
        &self,
        team: Option<TeamId>,
        scope: &Scope,
        page: &PageRequest<IdCursor>,
    ) -> Result<Page<Employee>> {
        (**self).employee_page(team, scope, page).await
    }
}

#[async_trait]
impl<T: ManagerStore + ?Sized> ManagerStore for Arc<T> {
    async fn managed_teams(&self, employee: EmployeeId) -> Result<Vec<TeamId>> {
        (**self).managed_teams(employee).await
    }
    async fn appoint_manager(
        &self,
        stamp: &Stamp,
        team: TeamId,
        employee: EmployeeId,
    ) -> Result<()> {
        (**self).appoint_manager(stamp, team, employee).await
    }
    async fn dismiss_manager(
        &self,
        stamp: &Stamp,
        team: TeamId,
        employee: EmployeeId,
    ) -> Result<bool> {
        (**self).dismiss_manager(stamp, team, employee).await
    }
}

#[async_trait]
impl<T: SessionStore + ?Sized> SessionStore for Arc<T> {
    async fn clock_in(
        &self,
        employee: EmployeeId,
        mode: WorkMode,
        at: DateTime<Utc>,
    ) -> Result<AttendanceSession> {
        (**self).clock_in(employee, mode, at).await
    }
    async fn clock_out(
        &self,
        employee: EmployeeId,
        at: DateTime<Utc>,
    ) -> Result<AttendanceSession> {
        (**self).clock_out(employee, at).await
    }
    async fn record_session(
        &self,
        employee: EmployeeId,
        mode: WorkMode,
        clock_in: DateTime<Utc>,
        clock_out: DateTime<Utc>,
    ) -> Result<AttendanceSession> {
        (**self)
            .record_session(employee, mode, clock_in, clock_out)
            .await
    }
    async fn open_session(&self, employee: EmployeeId) -> Result<Option<AttendanceSession>> {
        (**self).open_session(employee).await
    }
    async fn sessions(
        &self,
        filter: &SessionFilter,
        page: &PageRequest,
    ) -> Result<Page<AttendanceSession>> {
        (**self).sessions(filter, page).await
    }
    async fn close_forgotten_sessions(
        &self,
        stamp: &Stamp,
        now: DateTime<Utc>,
    ) -> Result<Vec<AttendanceSession>> {
        (**self).close_forgotten_sessions(stamp, now).await
    }
}

#[async_trait]
impl<T: BulkSessions + ?Sized> BulkSessions for Arc<T> {
    async fn import_sessions(
        &self,
        batch: ImportBatch,
        now: DateTime<Utc>,
        future_tolerance: TimeDelta,
    ) -> Result<ImportReport> {
        (**self).import_sessions(batch, now, future_tolerance).await
    }
}

#[async_trait]
impl<T: IdempotentWrites + ?Sized> IdempotentWrites for Arc<T> {
    async fn write(&self, stamp: &Stamp, write: &Write) -> Result<Written> {
        (**self).write(stamp, write).await
    }
    async fn write_once(&self, claim: &Claim<'_>, stamp: &Stamp, write: &Write) -> Result<Claimed> {
        (**self).write_once(claim, stamp, write).await
    }
    async fn forget_keys(&self, before: DateTime<Utc>) -> Result<u64> {
        (**self).forget_keys(before).await
    }
}

#[async_trait]
impl<T: AnalyticsStore + ?Sized> AnalyticsStore for Arc<T> {
    async fn employee_figures(
        &self,
        employee: EmployeeId,
        query: &TrendQuery,
    ) -> Result<Vec<PeriodFigures>> {
        (**self).employee_figures(employee, query).await
    }
    async fn team_figures(&self, team: TeamId, query: &TrendQuery) -> Result<TeamFigures> {
        (**self).team_figures(team, query).await
    }
    async fn all_team_figures(&self, query: &TrendQuery) -> Result<Vec<(TeamId, TeamFigures)>> {
        (**self).all_team_figures(query).await
    }
    async fn day_records(
        &self,
        date: NaiveDate,
        teams: Option<&[TeamId]>,
    ) -> Result<Vec<DayRecord>> {
        (**self).day_records(date, teams).await
    }
    async fn open_sessions_before(
        &self,
        date: NaiveDate,
        teams: Option<&[TeamId]>,
    ) -> Result<Vec<AttendanceSession>> {
        (**self).open_sessions_before(date, teams).await
    }
}

#[async_trait]
impl<T: HealthCheck + ?Sized> HealthCheck for Arc<T> {
    async fn ping(&self) -> Result<()> {
        (**self).ping().await
    }
}
