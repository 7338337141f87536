//! An in-memory [`Store`](crate::store::Store): for examples, demos and the
//! unit tests of host applications. It keeps the same rules as the
//! PostgreSQL store (the conformance suite in `testkit` proves it) and
//! computes the same trend figures in Rust.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Mutex, MutexGuard, PoisonError};

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};

use crate::access::Scope;
use crate::audit::{AuditEntry, AuditFilter, Stamp};
use crate::close::{CorrectionRequest, LockFilter, PeriodLock, RequestFilter, RequestId};
use crate::export::{TimesheetQuery, TimesheetStream, stream_from};
use crate::webhooks::{
    AttemptOutcome, Delivery, DeliveryFilter, DeliveryId, DueDelivery, Endpoint, EndpointId,
    WebhookOutbox,
};

mod audit;
mod auto_close;
mod close;
mod figures;
mod managers;
mod worktime;
use crate::domain::{
    AttendanceSession, Employee, EmployeeId, NewEmployee, NewTeam, SessionId, Team, TeamId,
    WorkMode, check_clock_out, is_late, local_time, work_date,
};
use crate::error::{Conflict, Entity, Error, Result};
use crate::idempotency::{Claim, Claimed, Fingerprint, Write, Written};
use crate::import::{ImportBatch, ImportReport, StoredSpan, sweep_stored};
use crate::store::{
    AnalyticsStore, AttendanceStore, DayRecord, Directory, IdCursor, Page, PageRequest,
    SessionFilter,
};
use crate::trends::{PeriodFigures, TeamFigures, TrendQuery};
use crate::worktime::{
    Absence, AbsenceFilter, AbsenceId, BreakRule, Holiday, HolidayFilter, LedgerDay, LedgerPeriod,
    LedgerTotals, PatternAssignment, ScheduleTarget, WorkPattern,
};

/// A store that keeps everything in process memory behind one mutex.
#[derive(Debug, Default)]
pub struct InMemoryStore {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    teams: Vec<Team>,
    employees: Vec<Employee>,
    sessions: Vec<AttendanceSession>,
    /// Indexes into `sessions`, per employee.
    by_employee: HashMap<EmployeeId, Vec<usize>>,
    /// Idempotency keys (scope, key) with their request and outcome.
    keys: HashMap<(String, String), StoredKey>,
    /// Manager appointments beyond a manager's own team: (team, employee).
    appointments: BTreeSet<(TeamId, EmployeeId)>,
    /// The audit trail, oldest first; only ever pushed to.
    audit: Vec<AuditEntry>,
    /// Patterns, holidays, absences, break rules and team memberships.
    work_time: worktime::WorkTime,
    /// Requests, locks, webhook endpoints and deliveries.
    close: close::Close,
}

#[derive(Debug)]
struct StoredKey {
    fingerprint: Fingerprint,
    outcome: Written,
    created_at: DateTime<Utc>,
}

impl InMemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave the state half-written:
        // every mutation below is a single push or assignment.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn index(id: i64) -> Option<usize> {
    usize::try_from(id).ok()?.checked_sub(1)
}

fn next_id(len: usize) -> i64 {
    i64::try_from(len).unwrap_or(i64::MAX).saturating_add(1)
}

impl State {
    fn team(&self, id: TeamId) -> Result<&Team> {
        index(id.0)
            .and_then(|i| self.teams.get(i))
            .ok_or_else(|| Error::not_found(Entity::Team, id))
    }

    fn employee(&self, id: EmployeeId) -> Result<&Employee> {
        index(id.0)
            .and_then(|i| self.employees.get(i))
            .ok_or_else(|| Error::not_found(Entity::Employee, id))
    }

    fn sessions_of(&self, employee: EmployeeId) -> impl Iterator<Item = &AttendanceSession> {
        self.by_employee
            .get(&employee)
            .into_iter()
            .flatten()
            .filter_map(|&i| self.sessions.get(i))
    }

    fn open_index(&self, employee: EmployeeId) -> Option<usize> {
        self.by_employee
            .get(&employee)?
            .iter()
            .copied()
            .find(|&i| self.sessions.get(i).is_some_and(AttendanceSession::is_open))
    }

    /// Inserts `[clock_in, clock_out)` (open-ended when `clock_out` is
    /// `None`) unless it meets another session of the employee.
    fn insert(
        &mut self,
        employee: EmployeeId,
        mode: WorkMode,
        clock_in: DateTime<Utc>,
        clock_out: Option<DateTime<Utc>>,
    ) -> Result<AttendanceSession> {
        let team_id = self.employee(employee)?.team_id;
        let timezone = self.team(team_id)?.timezone;
        let date = work_date(timezone, clock_in);
        self.check_unlocked(employee, date, date)?;
        let overlapping = self
            .sessions_of(employee)
            .filter(|s| {
                s.clock_out.is_none_or(|out| out > clock_in)
                    && clock_out.is_none_or(|out| s.clock_in < out)
            })
            .min_by_key(|s| (s.clock_in, s.id));
        if let Some(existing) = overlapping {
            return Err(Conflict::Overlap {
                existing: Box::new(existing.clone()),
            }
            .into());
        }
        let session = AttendanceSession {
            id: SessionId(next_id(self.sessions.len())),
            employee_id: employee,
            work_date: date,
            clock_in,
            clock_out,
            work_mode: mode,
            auto_closed: false,
        };
        let position = self.sessions.len();
        self.sessions.push(session.clone());
        self.by_employee.entry(employee).or_default().push(position);
        Ok(session)
    }

    fn create_team(&mut self, team: &NewTeam) -> Result<Team> {
        let taken = self
            .teams
            .iter()
            .any(|t| t.name.to_lowercase() == team.name().to_lowercase());
        if taken {
            return Err(Conflict::DuplicateTeamName {
                name: team.name().to_owned(),
            }
            .into());
        }
        let created = Team {
            id: TeamId(next_id(self.teams.len())),
            name: team.name().to_owned(),
            timezone: team.timezone(),
            late_after: team.late_after(),
            auto_close_after_hours: team.auto_close_after_hours(),
        };
        self.teams.push(created.clone());
        Ok(created)
    }

    fn create_employee(&mut self, employee: &NewEmployee) -> Result<Employee> {
        self.team(employee.team_id())?;
        let created = Employee {
            id: EmployeeId(next_id(self.employees.len())),
            name: employee.name().to_owned(),
            role: employee.role().to_owned(),
            team_id: employee.team_id(),
            is_manager: employee.is_manager(),
        };
        self.employees.push(created.clone());
        self.join_first_team(created.id, created.team_id);
        Ok(created)
    }

    fn clock_in(
        &mut self,
        employee: EmployeeId,
        mode: WorkMode,
        at: DateTime<Utc>,
    ) -> Result<AttendanceSession> {
        if let Some(open) = self.open_index(employee).and_then(|i| self.sessions.get(i)) {
            return Err(Conflict::AlreadyClockedIn {
                open: Box::new(open.clone()),
            }
            .into());
        }
        self.insert(employee, mode, at, None)
    }

    fn clock_out(&mut self, employee: EmployeeId, at: DateTime<Utc>) -> Result<AttendanceSession> {
        self.employee(employee)?;
        let not_in = || Conflict::NotClockedIn {
            employee_id: employee,
        };
        let i = self.open_index(employee).ok_or_else(not_in)?;
        let date = self.sessions.get(i).ok_or_else(not_in)?.work_date;
        self.check_unlocked(employee, date, date)?;
        let session = self.sessions.get_mut(i).ok_or_else(not_in)?;
        check_clock_out("at", session.clock_in, at)?;
        session.clock_out = Some(at);
        Ok(session.clone())
    }

    /// Performs `write` as `stamp` says, without its audit entry.
    fn apply(&mut self, stamp: &Stamp, write: &Write) -> Result<Written> {
        let at = stamp.at;
        Ok(match *write {
            Write::CreateTeam(ref team) => Written::Team(self.create_team(team)?),
            Write::CreateEmployee(ref employee) => {
                Written::Employee(self.create_employee(employee)?)
            }
            Write::ClockIn { employee, mode, at } => {
                Written::Session(self.clock_in(employee, mode, at)?)
            }
            Write::ClockOut { employee, at } => Written::Session(self.clock_out(employee, at)?),
            Write::RecordSession {
                employee,
                mode,
                clock_in,
                clock_out,
                ..
            } => Written::Session(self.insert(employee, mode, clock_in, Some(clock_out))?),
            Write::CorrectSession {
                session,
                ref changes,
                ..
            } => Written::Session(self.correct(session, changes)?),
            Write::AppointManager { team, employee } => Written::Appointment {
                changed: self.appoint(team, employee)?,
            },
            Write::DismissManager { team, employee } => Written::Appointment {
                changed: self.dismiss(team, employee),
            },
            Write::UpdateEmployee {
                employee,
                ref changes,
            } => Written::Employee(self.update_employee(employee, changes, at)?),
            Write::CreateWorkPattern(ref pattern) => {
                Written::WorkPattern(self.create_work_pattern(pattern))
            }
            Write::AssignWorkPattern(ref assignment) => {
                Written::PatternAssigned(self.assign_work_pattern(assignment)?)
            }
            Write::AddHoliday(ref holiday) => Written::Holiday(self.add_holiday(holiday)?),
            Write::RemoveHoliday(id) => Written::Holiday(self.remove_holiday(id)?),
            Write::RecordAbsence(ref absence) => Written::Absence(self.record_absence(absence)?),
            Write::RemoveAbsence(id) => Written::Absence(self.remove_absence(id)?),
            Write::SetBreakRule { team, ref rule } => Written::BreakRule {
                team,
                rule: self.set_break_rule(team, rule)?,
            },
            Write::RequestCorrection(_)
            | Write::DecideRequest { .. }
            | Write::LockPeriod(_)
            | Write::ReopenPeriod { .. }
            | Write::RegisterWebhook(_)
            | Write::RemoveWebhook(_)
            | Write::RedeliverWebhook { .. } => self.apply_close(stamp, write)?,
        })
    }
}

#[async_trait]
impl Directory for InMemoryStore {
    async fn team(&self, id: TeamId) -> Result<Team> {
        self.state().team(id).cloned()
    }

    async fn teams(&self) -> Result<Vec<Team>> {
        Ok(self.state().teams.clone())
    }

    async fn team_page(&self, page: &PageRequest<IdCursor>) -> Result<Page<Team>> {
        let rows = self
            .state()
            .teams
            .iter()
            .filter(|t| page.cursor.is_none_or(|c| t.id.0 > c.0))
            .take(page.limit as usize + 1)
            .cloned()
            .collect();
        Ok(Page::of_teams(rows, page.limit))
    }

    async fn employee(&self, id: EmployeeId) -> Result<Employee> {
        self.state().employee(id).cloned()
    }

    async fn employees(&self, team: Option<TeamId>) -> Result<Vec<Employee>> {
        Ok(self
            .state()
            .employees
            .iter()
            .filter(|e| team.is_none_or(|t| t == e.team_id))
            .cloned()
            .collect())
    }

    async fn employee_page(
        &self,
        team: Option<TeamId>,
        scope: &Scope,
        page: &PageRequest<IdCursor>,
    ) -> Result<Page<Employee>> {
        let rows = self
            .state()
            .employees
            .iter()
            .filter(|e| team.is_none_or(|t| t == e.team_id))
            .filter(|e| scope.admits(e.id, e.team_id))
            .filter(|e| page.cursor.is_none_or(|c| e.id.0 > c.0))
            .take(page.limit as usize + 1)
            .cloned()
            .collect();
        Ok(Page::of_employees(rows, page.limit))
    }

    async fn managed_teams(&self, employee: EmployeeId) -> Result<Vec<TeamId>> {
        Ok(self.state().managed_teams(employee))
    }
    async fn period_locks(&self, filter: &LockFilter) -> Result<Vec<PeriodLock>> {
        Ok(self.state().period_locks(filter))
    }
}

#[async_trait]
impl AttendanceStore for InMemoryStore {
    async fn write(&self, stamp: &Stamp, write: &Write) -> Result<Written> {
        self.state().perform(stamp, write)
    }

    async fn write_once(&self, claim: &Claim<'_>, stamp: &Stamp, write: &Write) -> Result<Claimed> {
        let mut state = self.state();
        let id = (claim.key.scope().to_owned(), claim.key.key().to_owned());
        if let Some(stored) = state.keys.get(&id)
            && stored.created_at > claim.expired_at_or_before
        {
            return Ok(Claimed::Existing {
                fingerprint: stored.fingerprint,
                outcome: stored.outcome.clone(),
            });
        }
        // The write and its key under one lock: atomic as the database's
        // transaction is.
        let outcome = state.perform(stamp, write)?;
        let stored = StoredKey {
            fingerprint: claim.fingerprint,
            outcome: outcome.clone(),
            created_at: claim.now,
        };
        state.keys.insert(id, stored);
        Ok(Claimed::Performed(outcome))
    }

    async fn forget_keys(&self, before: DateTime<Utc>) -> Result<u64> {
        let mut state = self.state();
        let count = state.keys.len();
        state.keys.retain(|_, stored| stored.created_at > before);
        Ok((count - state.keys.len()) as u64)
    }

    async fn close_forgotten_sessions(
        &self,
        stamp: &Stamp,
        now: DateTime<Utc>,
    ) -> Result<Vec<AttendanceSession>> {
        Ok(self.state().close_forgotten(stamp, now))
    }

    async fn open_session(&self, employee: EmployeeId) -> Result<Option<AttendanceSession>> {
        let state = self.state();
        Ok(state
            .open_index(employee)
            .and_then(|i| state.sessions.get(i))
            .cloned())
    }

    async fn sessions(
        &self,
        filter: &SessionFilter,
        page: &PageRequest,
    ) -> Result<Page<AttendanceSession>> {
        let state = self.state();
        let team_of: HashMap<EmployeeId, TeamId> =
            state.employees.iter().map(|e| (e.id, e.team_id)).collect();
        let mut rows: Vec<AttendanceSession> = state
            .sessions
            .iter()
            .filter(|s| {
                team_of
                    .get(&s.employee_id)
                    .is_some_and(|&team| filter.matches(s, team))
            })
            .filter(|s| page.cursor.is_none_or(|c| c.precedes(s)))
            .cloned()
            .collect();
        rows.sort_unstable_by_key(|s| std::cmp::Reverse((s.clock_in, s.id)));
        rows.truncate(page.limit as usize + 1);
        Ok(Page::from_overfetch(rows, page.limit))
    }

    async fn import_sessions(
        &self,
        batch: ImportBatch,
        now: DateTime<Utc>,
        future_tolerance: TimeDelta,
    ) -> Result<ImportReport> {
        let mut state = self.state();
        let state = &mut *state;
        let checked = batch.check(
            |id| {
                let employee = state.employee(id).ok()?;
                Some(state.team(employee.team_id).ok()?.timezone)
            },
            now,
            future_tolerance,
        );
        let mut stored: Vec<StoredSpan> = Vec::new();
        let mut employees: Vec<EmployeeId> =
            checked.candidates().iter().map(|c| c.employee_id).collect();
        employees.dedup();
        for employee in employees {
            let first = stored.len();
            stored.extend(state.sessions_of(employee).map(|s| StoredSpan {
                employee_id: s.employee_id,
                session_id: s.id,
                clock_in: s.clock_in,
                clock_out: s.clock_out,
            }));
            if let Some(mine) = stored.get_mut(first..) {
                mine.sort_unstable_by_key(|s| s.clock_in);
            }
        }
        let (accepted, refused) = sweep_stored(checked.candidates(), &stored);
        let total = accepted.len() as u64;
        // A locked date refuses the whole import, as PostgreSQL's trigger
        // does: checked before the first insert, so nothing is written.
        for c in &accepted {
            let team = state.employee(c.employee_id)?.team_id;
            let date = work_date(state.team(team)?.timezone, c.clock_in);
            state.check_unlocked(c.employee_id, date, date)?;
        }
        for c in &accepted {
            // Cannot fail: the employee exists and nothing overlaps (both
            // checked above under the same lock).
            state.insert(c.employee_id, c.work_mode, c.clock_in, c.clock_out)?;
        }
        checked.report_progress(total, total);
        Ok(checked.finish(total, refused))
    }

    async fn session(&self, id: SessionId) -> Result<AttendanceSession> {
        self.state().session(id).cloned()
    }

    async fn audit_entries(
        &self,
        filter: &AuditFilter,
        page: &PageRequest<IdCursor>,
    ) -> Result<Page<AuditEntry>> {
        Ok(self.state().audit_page(filter, page))
    }

    async fn ping(&self) -> Result<()> {
        Ok(())
    }

    async fn work_patterns(&self) -> Result<Vec<WorkPattern>> {
        Ok(self.state().work_patterns())
    }

    async fn pattern_assignments(
        &self,
        target: Option<ScheduleTarget>,
    ) -> Result<Vec<PatternAssignment>> {
        Ok(self.state().pattern_assignments(target))
    }

    async fn holidays(&self, filter: &HolidayFilter) -> Result<Vec<Holiday>> {
        Ok(self.state().holidays(filter))
    }

    async fn absences(&self, filter: &AbsenceFilter) -> Result<Vec<Absence>> {
        Ok(self.state().absences(filter))
    }

    async fn absence(&self, id: AbsenceId) -> Result<Absence> {
        self.state().absence(id).cloned()
    }

    async fn break_rule(&self, team: TeamId) -> Result<BreakRule> {
        self.state().break_rule(team)
    }

    async fn correction_request(&self, id: RequestId) -> Result<CorrectionRequest> {
        self.state().request(id).cloned()
    }

    async fn correction_requests(
        &self,
        filter: &RequestFilter,
        page: &PageRequest<IdCursor>,
    ) -> Result<Page<CorrectionRequest>> {
        Ok(self.state().requests_page(filter, page))
    }

    async fn webhook_endpoints(&self) -> Result<Vec<Endpoint>> {
        Ok(self.state().webhook_endpoints())
    }

    async fn webhook_endpoint(&self, id: EndpointId) -> Result<Endpoint> {
        self.state().webhook_endpoint(id).cloned()
    }

    async fn webhook_deliveries(
        &self,
        endpoint: EndpointId,
        filter: &DeliveryFilter,
        page: &PageRequest<IdCursor>,
    ) -> Result<Page<Delivery>> {
        self.state().deliveries_page(endpoint, filter, page)
    }
}

#[async_trait]
impl WebhookOutbox for InMemoryStore {
    async fn claim_due(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<DueDelivery>> {
        Ok(self.state().claim_due(now, lease_until, limit))
    }

    async fn record_attempt(
        &self,
        delivery: DeliveryId,
        outcome: &AttemptOutcome,
        at: DateTime<Utc>,
    ) -> Result<()> {
        self.state().record_attempt(delivery, outcome, at)
    }
}

#[async_trait]
impl AnalyticsStore for InMemoryStore {
    async fn employee_figures(
        &self,
        employee: EmployeeId,
        query: &TrendQuery,
    ) -> Result<Vec<PeriodFigures>> {
        let state = self.state();
        let e = state.employee(employee)?;
        let team = state.team(e.team_id)?;
        Ok(state.figures(std::iter::once((e, team)), query))
    }

    async fn team_figures(&self, team: TeamId, query: &TrendQuery) -> Result<TeamFigures> {
        let state = self.state();
        let t = state.team(team)?;
        Ok(state.team_figures(t, query))
    }

    async fn all_team_figures(&self, query: &TrendQuery) -> Result<Vec<(TeamId, TeamFigures)>> {
        let state = self.state();
        Ok(state
            .teams
            .iter()
            .map(|t| (t.id, state.team_figures(t, query)))
            .collect())
    }

    async fn day_records(
        &self,
        date: NaiveDate,
        teams: Option<&[TeamId]>,
    ) -> Result<Vec<DayRecord>> {
        let state = self.state();
        for team in teams.unwrap_or_default() {
            state.team(*team)?;
        }
        let mut records = Vec::new();
        for employee in state
            .employees
            .iter()
            .filter(|e| teams.is_none_or(|t| t.contains(&e.team_id)))
        {
            let t = state.team(employee.team_id)?;
            let sessions: Vec<&AttendanceSession> = state
                .sessions_of(employee.id)
                .filter(|s| s.work_date == date)
                .collect();
            let first = sessions
                .iter()
                .map(|s| s.clock_in)
                .min()
                .map(|at| local_time(t.timezone, at));
            records.push(DayRecord {
                employee: employee.clone(),
                team_name: t.name.clone(),
                first_clock_in: first,
                sessions: sessions.len() as i64,
                worked_seconds: sessions
                    .iter()
                    .filter_map(|s| s.duration())
                    .map(|d| d.num_seconds())
                    .sum(),
                wfh: sessions.iter().any(|s| s.work_mode == WorkMode::Wfh),
                wfo: sessions.iter().any(|s| s.work_mode == WorkMode::Wfo),
                late: first.is_some_and(|f| is_late(f, t.late_after)),
                open: sessions.iter().any(|s| s.is_open()),
                auto_closed: sessions.iter().filter(|s| s.auto_closed).count() as i64,
            });
        }
        records.sort_by_key(|r| (r.employee.team_id, r.employee.id));
        Ok(records)
    }

    async fn open_sessions_before(
        &self,
        date: NaiveDate,
        teams: Option<&[TeamId]>,
    ) -> Result<Vec<AttendanceSession>> {
        let state = self.state();
        for team in teams.unwrap_or_default() {
            state.team(*team)?;
        }
        let mut open: Vec<AttendanceSession> = state
            .sessions
            .iter()
            .filter(|s| s.is_open() && s.work_date < date)
            .filter(|s| {
                teams.is_none_or(|t| {
                    state
                        .employee(s.employee_id)
                        .is_ok_and(|e| t.contains(&e.team_id))
                })
            })
            .cloned()
            .collect();
        open.sort_by_key(|s| (s.clock_in, s.id));
        Ok(open)
    }

    async fn ledger_days(
        &self,
        employee: EmployeeId,
        period: &LedgerPeriod,
        now: DateTime<Utc>,
    ) -> Result<Vec<LedgerDay>> {
        let state = self.state();
        let e = state.employee(employee)?;
        state.ledger(e, period, now)
    }

    async fn ledger_totals(
        &self,
        team: Option<TeamId>,
        period: &LedgerPeriod,
        now: DateTime<Utc>,
    ) -> Result<Vec<(EmployeeId, LedgerTotals)>> {
        self.state().ledger_totals(team, period, now)
    }

    fn timesheet(&self, query: TimesheetQuery, now: DateTime<Utc>) -> TimesheetStream<'_> {
        match self.state().timesheet(&query, now) {
            Ok(rows) => stream_from(rows),
            Err(e) => crate::export::failed(e),
        }
    }
}
