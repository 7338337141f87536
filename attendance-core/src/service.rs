//! Services: the business rules, written once over any [`Store`](crate::store::Store).

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, TimeDelta, Utc};

use crate::domain::{
    AttendanceSession, DEFAULT_FUTURE_TOLERANCE, Employee, EmployeeId, NewEmployee, NewTeam, Team,
    TeamId, WorkMode, check_clock_out, check_not_future,
};
use crate::error::{Error, Result};
use crate::import::{ImportBatch, ImportReport};
use crate::store::{
    AnalyticsStore, AttendanceStore, Page, PageRequest, SessionFilter, check_supported_date,
    check_supported_instant,
};
use crate::trends::{self, EmployeeTrend, TeamTrend, TrendQuery, WorkingDays};

/// The source of "now", replaceable in tests.
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current instant.
    fn now(&self) -> DateTime<Utc>;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that stands still until moved; for tests and simulations.
#[derive(Debug)]
pub struct ManualClock(Mutex<DateTime<Utc>>);

impl ManualClock {
    /// A clock showing `now`.
    pub fn new(now: DateTime<Utc>) -> Self {
        Self(Mutex::new(now))
    }

    /// Moves the clock to `now`.
    pub fn set(&self, now: DateTime<Utc>) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = now;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Tunables of [`AttendanceService`]; the defaults are documented per field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServiceConfig {
    /// How far in the future a clock-in or clock-out may be, to absorb clock
    /// skew between devices. Default: [`DEFAULT_FUTURE_TOLERANCE`] (5 minutes).
    pub future_tolerance: TimeDelta,
}

impl Default for ServiceConfig {
    fn default() -> Self {
        Self {
            future_tolerance: DEFAULT_FUTURE_TOLERANCE,
        }
    }
}

/// Teams, employees, clock-in/out and listing, with the rules that need no
/// shared state checked here and the rest enforced atomically by the store.
#[derive(Clone)]
pub struct AttendanceService {
    store: Arc<dyn AttendanceStore>,
    clock: Arc<dyn Clock>,
    config: ServiceConfig,
}

impl fmt::Debug for AttendanceService {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AttendanceService")
            .field("clock", &self.clock)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl AttendanceService {
    /// A service over `store` with the system clock and default config.
    pub fn new(store: Arc<dyn AttendanceStore>) -> Self {
        Self {
            store,
            clock: Arc::new(SystemClock),
            config: ServiceConfig::default(),
        }
    }

    /// Replaces the clock.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Replaces the config.
    pub fn with_config(mut self, config: ServiceConfig) -> Self {
        self.config = config;
        self
    }

    /// The current instant according to the service's clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Creates a team.
    pub async fn create_team(&self, team: &NewTeam) -> Result<Team> {
        self.store.create_team(team).await
    }

    /// One team.
    pub async fn team(&self, id: TeamId) -> Result<Team> {
        self.store.team(id).await
    }

    /// Teams by id, one page at a time: `limit` and `cursor` as for
    /// [`AttendanceService::sessions`].
    pub async fn teams(&self, limit: Option<u32>, cursor: Option<&str>) -> Result<Page<Team>> {
        let page = PageRequest::new(limit, cursor)?;
        self.store.team_page(&page).await
    }

    /// Creates an employee in an existing team.
    pub async fn create_employee(&self, employee: &NewEmployee) -> Result<Employee> {
        self.store.create_employee(employee).await
    }

    /// One employee.
    pub async fn employee(&self, id: EmployeeId) -> Result<Employee> {
        self.store.employee(id).await
    }

    /// Employees by id, all or of one team, one page at a time (`limit` and
    /// `cursor` as for [`AttendanceService::sessions`]); an unknown team is
    /// a not-found error.
    pub async fn employees(
        &self,
        team: Option<TeamId>,
        limit: Option<u32>,
        cursor: Option<&str>,
    ) -> Result<Page<Employee>> {
        let page = PageRequest::new(limit, cursor)?;
        if let Some(team) = team {
            self.store.team(team).await?;
        }
        self.store.employee_page(team, &page).await
    }

    /// Clocks `employee` in now, or at `at` for a late sync or a backfill.
    pub async fn clock_in(
        &self,
        employee: EmployeeId,
        mode: WorkMode,
        at: Option<DateTime<Utc>>,
    ) -> Result<AttendanceSession> {
        let at = self.instant(at)?;
        self.store.clock_in(employee, mode, at).await
    }

    /// Clocks `employee` out now, or at `at`.
    pub async fn clock_out(
        &self,
        employee: EmployeeId,
        at: Option<DateTime<Utc>>,
    ) -> Result<AttendanceSession> {
        let at = self.instant(at)?;
        self.store.clock_out(employee, at).await
    }

    /// Records a complete past session in one step: the way to backfill a
    /// session between two existing ones, which a clock-in (open until the
    /// clock-out) cannot do without overlapping the later one.
    pub async fn record_session(
        &self,
        employee: EmployeeId,
        mode: WorkMode,
        clock_in: DateTime<Utc>,
        clock_out: DateTime<Utc>,
    ) -> Result<AttendanceSession> {
        let now = self.clock.now();
        let tolerance = self.config.future_tolerance;
        check_supported_instant("clock_in", clock_in)?;
        let clock_in = check_not_future("clock_in", clock_in, now, tolerance)?;
        let clock_out = check_not_future("clock_out", clock_out, now, tolerance)?;
        check_clock_out("clock_out", clock_in, clock_out)?;
        self.store
            .record_session(employee, mode, clock_in, clock_out)
            .await
    }

    /// Imports a batch of sessions in bulk (see [`crate::import`]), its
    /// instants bounded by this service's clock and future tolerance.
    pub async fn import(&self, batch: ImportBatch) -> Result<ImportReport> {
        self.store
            .import_sessions(batch, self.clock.now(), self.config.future_tolerance)
            .await
    }

    /// The employee's open session, if any.
    pub async fn open_session(&self, employee: EmployeeId) -> Result<Option<AttendanceSession>> {
        self.store.open_session(employee).await
    }

    /// One page of sessions, newest first. `limit` defaults to
    /// [`DEFAULT_PAGE_SIZE`](crate::store::DEFAULT_PAGE_SIZE) and is at most
    /// [`MAX_PAGE_SIZE`](crate::store::MAX_PAGE_SIZE); `cursor` is a token
    /// from a previous page.
    pub async fn sessions(
        &self,
        filter: &SessionFilter,
        limit: Option<u32>,
        cursor: Option<&str>,
    ) -> Result<Page<AttendanceSession>> {
        let page = PageRequest::new(limit, cursor)?;
        if let Some(from) = filter.from {
            check_supported_date("from", from)?;
        }
        if let Some(to) = filter.to {
            check_supported_date("to", to)?;
        }
        if let (Some(from), Some(to)) = (filter.from, filter.to)
            && from > to
        {
            return Err(Error::validation(
                "from",
                format!("the range starts ({from}) after it ends ({to})"),
            ));
        }
        self.store.sessions(filter, &page).await
    }

    /// `at` (or now), checked against the future tolerance and truncated to
    /// the precision every store keeps.
    fn instant(&self, at: Option<DateTime<Utc>>) -> Result<DateTime<Utc>> {
        let now = self.clock.now();
        let at = check_supported_instant("at", at.unwrap_or(now))?;
        check_not_future("at", at, now, self.config.future_tolerance)
    }
}

/// Trends by employee and by team.
#[derive(Clone)]
pub struct TrendService {
    store: Arc<dyn AnalyticsStore>,
    working_days: WorkingDays,
}

impl fmt::Debug for TrendService {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TrendService")
            .field("working_days", &self.working_days)
            .finish_non_exhaustive()
    }
}

impl TrendService {
    /// Trends over `store`, Monday to Friday being working days.
    pub fn new(store: Arc<dyn AnalyticsStore>) -> Self {
        Self {
            store,
            working_days: WorkingDays::default(),
        }
    }

    /// Sets which weekdays count as working days for attendance rates.
    pub fn with_working_days(mut self, working_days: WorkingDays) -> Self {
        self.working_days = working_days;
        self
    }

    /// An employee's trend, one point per period including empty ones.
    pub async fn employee_trend(
        &self,
        employee: EmployeeId,
        query: &TrendQuery,
    ) -> Result<EmployeeTrend> {
        supported_range(query)?;
        let figures = self.store.employee_figures(employee, query).await?;
        Ok(EmployeeTrend {
            employee_id: employee,
            from: query.from(),
            to: query.to(),
            granularity: query.granularity(),
            points: trends::employee_points(query, &figures),
        })
    }

    /// A team's trend, with headcount and attendance rate.
    pub async fn team_trend(&self, team: TeamId, query: &TrendQuery) -> Result<TeamTrend> {
        supported_range(query)?;
        let figures = self.store.team_figures(team, query).await?;
        Ok(TeamTrend {
            team_id: team,
            from: query.from(),
            to: query.to(),
            granularity: query.granularity(),
            headcount: figures.headcount,
            points: trends::team_points(query, &figures, self.working_days),
        })
    }

    /// Every team's trend, by team id, from one store call
    /// ([`AnalyticsStore::all_team_figures`]): what company-wide summaries
    /// read instead of one [`TrendService::team_trend`] per team.
    pub async fn all_team_trends(&self, query: &TrendQuery) -> Result<Vec<TeamTrend>> {
        supported_range(query)?;
        let all = self.store.all_team_figures(query).await?;
        Ok(all
            .into_iter()
            .map(|(team, figures)| TeamTrend {
                team_id: team,
                from: query.from(),
                to: query.to(),
                granularity: query.granularity(),
                headcount: figures.headcount,
                points: trends::team_points(query, &figures, self.working_days),
            })
            .collect())
    }
}

/// A trend's range within the supported years (periods are computed around
/// its ends, and a store must be able to hold them).
fn supported_range(query: &TrendQuery) -> Result<()> {
    check_supported_date("from", query.from())?;
    check_supported_date("to", query.to())?;
    Ok(())
}
