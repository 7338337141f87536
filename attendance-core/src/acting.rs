//! The services as one principal: every operation checks the permission
//! matrix of [`crate::access`] first, then does what the plain service
//! does. Adapters serving people (the HTTP router) go through here; the
//! plain [`AttendanceService`] methods are the host's own authority (jobs,
//! imports, tools), as [`Principal::system`].
//!
//! Checks cost no store call where the principal alone decides: an admin,
//! and an employee clocking themself in within the self-service window
//! (the benchmarked path), are let through at once; a manager acting on
//! someone else costs one employee lookup.

use chrono::{DateTime, Utc};

use crate::access::{Identity, Member, Principal, clock_refusal};
use crate::domain::{
    AttendanceSession, Employee, EmployeeId, NewEmployee, NewTeam, Team, TeamId, WorkMode,
};
use crate::error::{Error, Result};
use crate::idempotency::{IdempotencyKey, Once, Write, request};
use crate::service::{AttendanceService, TrendService};
use crate::store::{IdCursor, Page, PageRequest, SessionFilter};
use crate::trends::{EmployeeTrend, TeamTrend, TrendQuery};

/// [`AttendanceService`] acting as one [`Principal`]; made by
/// [`AttendanceService::acting_as`]. Cheap: it borrows.
#[derive(Debug, Clone, Copy)]
pub struct Acting<'a> {
    pub(crate) service: &'a AttendanceService,
    pub(crate) principal: &'a Principal,
    /// The idempotency key its writes are performed once under, if any.
    pub(crate) key: Option<&'a IdempotencyKey>,
}

impl AttendanceService {
    /// What `identity` may do now: an admin, or the employee with the
    /// teams they manage (their own if they were created as a manager, and
    /// those an admin appointed them to). An unknown employee is
    /// [`Error::NotFound`].
    pub async fn principal(&self, identity: &Identity) -> Result<Principal> {
        match identity {
            Identity::Admin { name } => Ok(Principal::admin(name.clone())),
            Identity::Employee { id } => {
                let employee = self.store.employee(*id).await?;
                let manages = self.store.managed_teams(employee.id).await?;
                Ok(Principal::Member(Member::new(
                    employee.id,
                    employee.team_id,
                    manages,
                )))
            }
        }
    }

    /// This service acting as `principal`: the same operations, each
    /// refused ([`Error::Forbidden`]) or hidden ([`Error::NotFound`])
    /// outside its scope.
    pub fn acting_as<'a>(&'a self, principal: &'a Principal) -> Acting<'a> {
        Acting {
            service: self,
            principal,
            key: None,
        }
    }
}

impl<'a> Acting<'a> {
    /// Who this acts as.
    pub fn principal(&self) -> &'a Principal {
        self.principal
    }

    /// The same, its writes performed at most once under `key` (when there
    /// is one; see [`crate::idempotency`]).
    pub fn with_key(self, key: Option<&'a IdempotencyKey>) -> Self {
        Self { key, ..self }
    }

    /// Creates a team: admins only.
    pub async fn create_team(&self, team: &NewTeam) -> Result<Once<Team>> {
        self.principal.check_admin("create a team")?;
        self.writes().create_team(team).await
    }

    /// Creates an employee: admins only.
    pub async fn create_employee(&self, employee: &NewEmployee) -> Result<Once<Employee>> {
        self.principal.check_admin("create an employee")?;
        self.writes().create_employee(employee).await
    }

    /// One team: any team for an admin, a member's own team and the teams
    /// they manage.
    pub async fn team(&self, id: TeamId) -> Result<Team> {
        if !self.principal.sees_team(id) {
            return Err(Error::not_found(crate::Entity::Team, id));
        }
        self.service.team(id).await
    }

    /// The teams in scope, one page at a time (as
    /// [`AttendanceService::teams`]).
    pub async fn teams(&self, limit: Option<u32>, cursor: Option<&str>) -> Result<Page<Team>> {
        let Principal::Member(member) = self.principal else {
            return self.service.teams(limit, cursor).await;
        };
        // A member sees a handful of teams: read them one by one.
        let page: PageRequest<IdCursor> = PageRequest::new(limit, cursor)?;
        let mut ids = member.manages.clone();
        ids.push(member.team);
        ids.sort_unstable();
        ids.dedup();
        let mut rows = Vec::new();
        for id in ids
            .into_iter()
            .filter(|id| page.cursor.is_none_or(|c| id.0 > c.0))
            .take(page.limit as usize + 1)
        {
            rows.push(self.service.team(id).await?);
        }
        Ok(Page::of_teams(rows, page.limit))
    }

    /// One employee, if in scope (else not found).
    pub async fn employee(&self, id: EmployeeId) -> Result<Employee> {
        let employee = self.service.employee(id).await?;
        self.principal.check_sees(&employee)?;
        Ok(employee)
    }

    /// The employees in scope, all or of one team, one page at a time (as
    /// [`AttendanceService::employees`]); a team out of scope is not found.
    pub async fn employees(
        &self,
        team: Option<TeamId>,
        limit: Option<u32>,
        cursor: Option<&str>,
    ) -> Result<Page<Employee>> {
        if let Some(team) = team
            && !self.principal.sees_team(team)
        {
            return Err(Error::not_found(crate::Entity::Team, team));
        }
        self.service
            .employees_in(team, &self.principal.scope(), limit, cursor)
            .await
    }

    /// Clocks `employee` in: themself within the self-service window, or
    /// as their manager or an admin.
    pub async fn clock_in(
        &self,
        employee: EmployeeId,
        mode: WorkMode,
        at: Option<DateTime<Utc>>,
    ) -> Result<Once<AttendanceSession>> {
        self.check_clock(employee, at).await?;
        self.writes().clock_in(employee, mode, at).await
    }

    /// Clocks `employee` out, under the same rule as
    /// [`Acting::clock_in`].
    pub async fn clock_out(
        &self,
        employee: EmployeeId,
        at: Option<DateTime<Utc>>,
    ) -> Result<Once<AttendanceSession>> {
        self.check_clock(employee, at).await?;
        self.writes().clock_out(employee, at).await
    }

    /// One page of the sessions in scope (as
    /// [`AttendanceService::sessions`]); sessions out of scope are not
    /// there, so a filter on someone out of scope finds nothing.
    pub async fn sessions(
        &self,
        filter: &SessionFilter,
        limit: Option<u32>,
        cursor: Option<&str>,
    ) -> Result<Page<AttendanceSession>> {
        let filter = SessionFilter {
            scope: self.principal.scope(),
            ..filter.clone()
        };
        self.service.sessions(&filter, limit, cursor).await
    }

    /// The employee a write targets, when the principal alone does not
    /// settle the question. For anyone but an admin, an unknown employee is
    /// refused with `refusal`, the very refusal an existing one out of
    /// scope gets: a write reveals nothing.
    pub(crate) async fn target(
        &self,
        id: EmployeeId,
        refusal: impl FnOnce() -> Error,
    ) -> Result<Employee> {
        match self.service.employee(id).await {
            Err(Error::NotFound { .. }) if !self.principal.is_admin() => Err(refusal()),
            other => other,
        }
    }

    /// The writes, as this principal, under this key.
    pub(crate) fn writes(&self) -> crate::service::Idempotent<'a> {
        self.service
            .with_key(self.key)
            .as_actor(self.principal.actor())
    }

    async fn check_clock(&self, employee: EmployeeId, at: Option<DateTime<Utc>>) -> Result<()> {
        let now = self.service.now();
        let window = self.service.config().self_service_window;
        let at = at.unwrap_or(now);
        match self.principal {
            Principal::Admin { .. } => Ok(()),
            // Themself within the window: no lookup on the hot path.
            Principal::Member(member) if member.employee == employee && at >= now - window => {
                Ok(())
            }
            // Someone else, and no team to manage: refused without a
            // lookup, so an unknown id and a colleague's cost the same.
            Principal::Member(member) if member.employee != employee && !member.is_manager() => {
                Err(clock_refusal())
            }
            Principal::Member(_) => {
                let target = self.target(employee, clock_refusal).await?;
                self.principal.check_clock(&target, at, now, window)
            }
        }
    }

    /// Appoints `employee` a manager of `team`: admins only.
    pub async fn appoint_manager(&self, team: TeamId, employee: EmployeeId) -> Result<()> {
        self.principal.check_admin("appoint a manager")?;
        let write = Write::AppointManager { team, employee };
        let fingerprint = request::appoint_manager(team, employee);
        self.writes()
            .write(fingerprint, write)
            .await?
            .appointment()?;
        Ok(())
    }

    /// Ends `employee`'s appointment to `team` (`false`: there was none);
    /// the caller has checked the principal is an admin.
    pub(crate) async fn dismiss_appointment(
        &self,
        team: TeamId,
        employee: EmployeeId,
    ) -> Result<bool> {
        let write = Write::DismissManager { team, employee };
        let fingerprint = request::dismiss_manager(team, employee);
        let once = self
            .writes()
            .write(fingerprint, write)
            .await?
            .appointment()?;
        Ok(once.value)
    }
}

/// [`TrendService`] acting as one [`Principal`]; made by
/// [`TrendService::acting_as`].
#[derive(Debug, Clone, Copy)]
pub struct ActingTrends<'a> {
    pub(crate) trends: &'a TrendService,
    pub(crate) principal: &'a Principal,
}

impl TrendService {
    /// These trends as `principal` reads them: an employee's own, a
    /// manager's teams' and their members', an admin's all; the rest is not
    /// found.
    pub fn acting_as<'a>(&'a self, principal: &'a Principal) -> ActingTrends<'a> {
        ActingTrends {
            trends: self,
            principal,
        }
    }
}

impl ActingTrends<'_> {
    /// [`TrendService::employee_trend`], in scope only.
    pub async fn employee_trend(
        &self,
        employee: EmployeeId,
        query: &TrendQuery,
    ) -> Result<EmployeeTrend> {
        self.check_employee(employee).await?;
        self.trends.employee_trend(employee, query).await
    }

    /// Not found unless `employee`'s figures are in scope: their own, their
    /// teams' managers' and admins'.
    pub(crate) async fn check_employee(&self, employee: EmployeeId) -> Result<()> {
        let own = self
            .principal
            .member()
            .is_some_and(|m| m.employee == employee);
        match self.principal.member() {
            // Someone else's, and no team to manage: hidden without a
            // lookup, as an unknown id is.
            Some(member) if !own && !member.is_manager() => {
                Err(Error::not_found(crate::Entity::Employee, employee))
            }
            Some(_) if !own => {
                let target = self.trends.store.employee(employee).await?;
                self.principal.check_sees(&target)
            }
            _ => Ok(()),
        }
    }

    /// [`TrendService::team_trend`], for an admin or the team's managers.
    pub async fn team_trend(&self, team: TeamId, query: &TrendQuery) -> Result<TeamTrend> {
        if !self.principal.sees_team_figures(team) {
            return Err(Error::not_found(crate::Entity::Team, team));
        }
        self.trends.team_trend(team, query).await
    }
}
