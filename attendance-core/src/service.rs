//! Services: the business rules, written once over any [`Store`](crate::store::Store).

use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};

use crate::access::{Actor, DEFAULT_SELF_SERVICE_WINDOW, Scope};
use crate::audit::Stamp;
pub use crate::clock::{Clock, ManualClock, SystemClock};
use crate::domain::{
    AttendanceSession, DEFAULT_FUTURE_TOLERANCE, Employee, EmployeeId, NewEmployee, NewTeam, Team,
    TeamId, WorkMode, check_clock_out, check_not_future, check_supported_date,
    check_supported_instant,
};
use crate::error::{Error, Result};
use crate::idempotency::{
    Claim, DEFAULT_IDEMPOTENCY_WINDOW, Fingerprint, IdempotencyKey, Once, Write, Written, request,
    settle,
};
use crate::import::{ImportBatch, ImportReport};
use crate::store::{AnalyticsStore, AttendanceStore, Page, PageRequest, SessionFilter};
use crate::trends::{self, EmployeeTrend, TeamTrend, TrendQuery, WorkingDays};

/// Tunables of [`AttendanceService`]; the defaults are documented per field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServiceConfig {
    /// How far in the future a clock-in or clock-out may be, to absorb clock
    /// skew between devices. Default: [`DEFAULT_FUTURE_TOLERANCE`] (5 minutes).
    pub future_tolerance: TimeDelta,
    /// How long an idempotency key replays its write's outcome (see
    /// [`crate::idempotency`]). Default: [`DEFAULT_IDEMPOTENCY_WINDOW`]
    /// (24 hours).
    pub idempotency_window: TimeDelta,
    /// How far back a member may clock themself in or out without their
    /// manager (see [`crate::access`]). Default:
    /// [`DEFAULT_SELF_SERVICE_WINDOW`] (48 hours).
    pub self_service_window: TimeDelta,
}

impl Default for ServiceConfig {
    fn default() -> Self {
        Self {
            future_tolerance: DEFAULT_FUTURE_TOLERANCE,
            idempotency_window: DEFAULT_IDEMPOTENCY_WINDOW,
            self_service_window: DEFAULT_SELF_SERVICE_WINDOW,
        }
    }
}

/// Teams, employees, clock-in/out and listing, with the rules that need no
/// shared state checked here and the rest enforced atomically by the store.
#[derive(Clone)]
pub struct AttendanceService {
    pub(crate) store: Arc<dyn AttendanceStore>,
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

    /// The config in force.
    pub fn config(&self) -> &ServiceConfig {
        &self.config
    }

    /// Succeeds when the store answers; [`Error::Unavailable`] otherwise:
    /// for health endpoints.
    pub async fn ping(&self) -> Result<()> {
        self.store.ping().await
    }

    /// Creates a team.
    pub async fn create_team(&self, team: &NewTeam) -> Result<Team> {
        Ok(self.with_key(None).create_team(team).await?.value)
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
        Ok(self.with_key(None).create_employee(employee).await?.value)
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
        self.employees_in(team, &Scope::All, limit, cursor).await
    }

    /// [`AttendanceService::employees`] limited to `scope`.
    pub(crate) async fn employees_in(
        &self,
        team: Option<TeamId>,
        scope: &Scope,
        limit: Option<u32>,
        cursor: Option<&str>,
    ) -> Result<Page<Employee>> {
        let page = PageRequest::new(limit, cursor)?;
        if let Some(team) = team {
            self.store.team(team).await?;
        }
        self.store.employee_page(team, scope, &page).await
    }

    /// Clocks `employee` in now, or at `at` for a late sync or a backfill.
    pub async fn clock_in(
        &self,
        employee: EmployeeId,
        mode: WorkMode,
        at: Option<DateTime<Utc>>,
    ) -> Result<AttendanceSession> {
        Ok(self
            .with_key(None)
            .clock_in(employee, mode, at)
            .await?
            .value)
    }

    /// Clocks `employee` out now, or at `at`.
    pub async fn clock_out(
        &self,
        employee: EmployeeId,
        at: Option<DateTime<Utc>>,
    ) -> Result<AttendanceSession> {
        Ok(self.with_key(None).clock_out(employee, at).await?.value)
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
        let backfill = self.with_key(None);
        let once = backfill
            .record_session(employee, mode, clock_in, clock_out)
            .await?;
        Ok(once.value)
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

    /// The same writes, each performed at most once for `key`: a retry
    /// with the same key and request replays the first outcome (see
    /// [`crate::idempotency`]).
    pub fn idempotent<'a>(&'a self, key: &'a IdempotencyKey) -> Idempotent<'a> {
        self.with_key(Some(key))
    }

    /// The writes under `key` if there is one, else the plain writes, both
    /// answering [`Once`]: for adapters whose callers may or may not send
    /// a key.
    pub fn with_key<'a>(&'a self, key: Option<&'a IdempotencyKey>) -> Idempotent<'a> {
        Idempotent {
            service: self,
            key,
            actor: Actor::System,
        }
    }

    /// Applies every team's forgotten clock-out policy at the service's
    /// clock: closes each session left open longer than its team's maximum
    /// at clock-in plus the maximum, marked `auto_closed`, with an
    /// `auto_close` audit entry by [`Actor::System`]. Teams without a
    /// policy are left alone. A host schedules it (the server example runs
    /// it every minute); running it again closes nothing new. Returns the
    /// sessions closed.
    pub async fn close_forgotten_sessions(&self) -> Result<Vec<AttendanceSession>> {
        let stamp = Stamp::new(Actor::System, self.clock.now());
        self.store.close_forgotten_sessions(&stamp, stamp.at).await
    }

    /// Drops the idempotency keys older than the configured window; a host
    /// calls it now and then (the server example does, hourly). Returns how
    /// many were dropped.
    pub async fn forget_expired_keys(&self) -> Result<u64> {
        let before = self.clock.now() - self.config.idempotency_window;
        self.store.forget_keys(before).await
    }

    /// Checks a backfill's instants; returns them as stored.
    pub(crate) fn session_span(
        &self,
        clock_in: DateTime<Utc>,
        clock_out: DateTime<Utc>,
    ) -> Result<(DateTime<Utc>, DateTime<Utc>)> {
        let now = self.clock.now();
        let tolerance = self.config.future_tolerance;
        check_supported_instant("clock_in", clock_in)?;
        let clock_in = check_not_future("clock_in", clock_in, now, tolerance)?;
        let clock_out = check_not_future("clock_out", clock_out, now, tolerance)?;
        check_clock_out("clock_out", clock_in, clock_out)?;
        Ok((clock_in, clock_out))
    }

    /// `at` (or now), checked against the future tolerance and truncated to
    /// the precision every store keeps.
    fn instant(&self, at: Option<DateTime<Utc>>) -> Result<DateTime<Utc>> {
        let now = self.clock.now();
        let at = check_supported_instant("at", at.unwrap_or(now))?;
        check_not_future("at", at, now, self.config.future_tolerance)
    }
}

/// The writes of an [`AttendanceService`] under one idempotency key; made
/// by [`AttendanceService::idempotent`] (or [`AttendanceService::with_key`],
/// where the key is optional). Each checks its input exactly as the plain
/// method does, then lets the store perform it once.
#[derive(Debug, Clone)]
pub struct Idempotent<'a> {
    pub(crate) service: &'a AttendanceService,
    key: Option<&'a IdempotencyKey>,
    /// Who the audit trail names as the writer.
    actor: Actor,
}

impl Idempotent<'_> {
    /// The same writes, recorded in the audit trail as `actor`'s.
    // A builder step that consumes the handle like `with_key`.
    #[allow(clippy::wrong_self_convention)]
    pub(crate) fn as_actor(self, actor: Actor) -> Self {
        Self { actor, ..self }
    }

    /// [`AttendanceService::create_team`], once.
    pub async fn create_team(&self, team: &NewTeam) -> Result<Once<Team>> {
        self.write(request::create_team(team), Write::CreateTeam(team.clone()))
            .await?
            .team()
    }

    /// [`AttendanceService::create_employee`], once.
    pub async fn create_employee(&self, employee: &NewEmployee) -> Result<Once<Employee>> {
        let write = Write::CreateEmployee(employee.clone());
        self.write(request::create_employee(employee), write)
            .await?
            .employee()
    }

    /// [`AttendanceService::clock_in`], once; a retry of a clock-in "now"
    /// replays the first instant.
    pub async fn clock_in(
        &self,
        employee: EmployeeId,
        mode: WorkMode,
        at: Option<DateTime<Utc>>,
    ) -> Result<Once<AttendanceSession>> {
        let fingerprint = request::clock_in(employee, mode, at);
        let at = self.service.instant(at)?;
        let write = Write::ClockIn { employee, mode, at };
        self.write(fingerprint, write).await?.session()
    }

    /// [`AttendanceService::clock_out`], once.
    pub async fn clock_out(
        &self,
        employee: EmployeeId,
        at: Option<DateTime<Utc>>,
    ) -> Result<Once<AttendanceSession>> {
        let fingerprint = request::clock_out(employee, at);
        let at = self.service.instant(at)?;
        let write = Write::ClockOut { employee, at };
        self.write(fingerprint, write).await?.session()
    }

    /// [`AttendanceService::record_session`], once.
    pub async fn record_session(
        &self,
        employee: EmployeeId,
        mode: WorkMode,
        clock_in: DateTime<Utc>,
        clock_out: DateTime<Utc>,
    ) -> Result<Once<AttendanceSession>> {
        let fingerprint = request::record_session(employee, mode, clock_in, clock_out, None);
        let (clock_in, clock_out) = self.service.session_span(clock_in, clock_out)?;
        let write = Write::RecordSession {
            employee,
            mode,
            clock_in,
            clock_out,
            reason: None,
        };
        self.write(fingerprint, write).await?.session()
    }

    /// The one dispatch of every write: performed by the store as this
    /// handle's actor at the service's "now", under the key if there is one.
    pub(crate) async fn write(
        &self,
        fingerprint: Fingerprint,
        write: Write,
    ) -> Result<Once<Written>> {
        let store = &self.service.store;
        let now = self.service.clock.now();
        let stamp = Stamp::new(self.actor.clone(), now);
        let Some(key) = self.key else {
            let value = store.write(&stamp, &write).await?;
            return Ok(Once {
                value,
                replayed: false,
            });
        };
        let claim = Claim {
            key,
            fingerprint,
            now,
            expired_at_or_before: now - self.service.config.idempotency_window,
        };
        let claimed = store.write_once(&claim, &stamp, &write).await?;
        settle(&claim, claimed)
    }
}

/// Trends by employee and by team.
#[derive(Clone)]
pub struct TrendService {
    pub(crate) store: Arc<dyn AnalyticsStore>,
    working_days: WorkingDays,
    /// "Now" for open sessions in a ledger.
    clock: Arc<dyn Clock>,
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
            clock: Arc::new(SystemClock),
        }
    }

    /// Replaces the clock that says until when an open session counts in a
    /// ledger.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The clock's "now".
    pub(crate) fn now(&self) -> DateTime<Utc> {
        self.clock.now()
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
