//! Work time through the services: settings written and read through
//! [`Acting`], ledgers read through [`TrendService`] and [`ActingTrends`],
//! each under the permission matrix of [`crate::access`].

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{
    Absence, AbsenceFilter, AbsenceId, BreakRule, Holiday, HolidayFilter, HolidayId, LedgerDay,
    LedgerPeriod, LedgerTotals, MAX_OPENING_BALANCE_MINUTES, NewAbsence, NewHoliday,
    NewWorkPattern, PatternAssignment, ScheduleTarget, WorkPattern,
};
use crate::access::manage_refusal;
use crate::acting::{Acting, ActingTrends};
use crate::domain::{EmployeeId, TeamId};
use crate::error::{Entity, Error, Result};
use crate::idempotency::{Once, Write, Written, request};
use crate::service::TrendService;

/// One line of an employee's ledger with the running balance after it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerLine {
    /// The day.
    #[serde(flatten)]
    pub day: LedgerDay,
    /// The opening balance plus every day's change up to this one.
    pub balance_minutes: i64,
}

/// An employee's ledger over a period: each day, and the totals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmployeeLedger {
    /// Who.
    pub employee_id: EmployeeId,
    /// First date.
    pub from: NaiveDate,
    /// Last date.
    pub to: NaiveDate,
    /// The balance carried in, in minutes.
    pub opening_balance_minutes: i64,
    /// Every date, ascending.
    pub days: Vec<LedgerLine>,
    /// The period's totals; the balance is the closing one.
    pub totals: LedgerTotals,
}

/// One employee's totals in a team's or the company's ledger.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmployeeTotals {
    /// Who.
    pub employee_id: EmployeeId,
    /// Their totals; the balance starts from 0 at the period's start.
    #[serde(flatten)]
    pub totals: LedgerTotals,
}

/// The ledger totals of a team's members (or the company's employees).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TeamLedger {
    /// Which team; `None` for the whole company.
    pub team_id: Option<TeamId>,
    /// First date.
    pub from: NaiveDate,
    /// Last date.
    pub to: NaiveDate,
    /// Each current member's totals, by employee id.
    pub employees: Vec<EmployeeTotals>,
    /// The sum over them.
    pub totals: LedgerTotals,
}

impl TrendService {
    /// `employee`'s ledger over `period`, the balance running from
    /// `opening_minutes` (at most [`MAX_OPENING_BALANCE_MINUTES`] either
    /// way); [`Error::NotFound`] for an unknown employee.
    pub async fn employee_ledger(
        &self,
        employee: EmployeeId,
        period: &LedgerPeriod,
        opening_minutes: i64,
    ) -> Result<EmployeeLedger> {
        if !(-MAX_OPENING_BALANCE_MINUTES..=MAX_OPENING_BALANCE_MINUTES).contains(&opening_minutes)
        {
            return Err(Error::validation(
                "opening_balance_minutes",
                format!(
                    "must be between -{MAX_OPENING_BALANCE_MINUTES} and {MAX_OPENING_BALANCE_MINUTES} minutes"
                ),
            ));
        }
        let days = self.store.ledger_days(employee, period, self.now()).await?;
        let totals = LedgerTotals::of(&days, opening_minutes);
        let mut balance = opening_minutes;
        let days = days
            .into_iter()
            .map(|day| {
                balance += day.balance_change();
                LedgerLine {
                    day,
                    balance_minutes: balance,
                }
            })
            .collect();
        Ok(EmployeeLedger {
            employee_id: employee,
            from: period.from(),
            to: period.to(),
            opening_balance_minutes: opening_minutes,
            days,
            totals,
        })
    }

    /// The ledger totals of `team`'s current members (of everyone when
    /// `None`) over `period`; [`Error::NotFound`] for an unknown team.
    pub async fn team_ledger(
        &self,
        team: Option<TeamId>,
        period: &LedgerPeriod,
    ) -> Result<TeamLedger> {
        let rows = self.store.ledger_totals(team, period, self.now()).await?;
        let mut totals = LedgerTotals::default();
        let employees = rows
            .into_iter()
            .map(|(employee_id, t)| {
                totals.merge(&t);
                EmployeeTotals {
                    employee_id,
                    totals: t,
                }
            })
            .collect();
        Ok(TeamLedger {
            team_id: team,
            from: period.from(),
            to: period.to(),
            employees,
            totals,
        })
    }
}

impl ActingTrends<'_> {
    /// [`TrendService::employee_ledger`], for the employee themself, their
    /// teams' managers and admins; not found for anyone else.
    pub async fn employee_ledger(
        &self,
        employee: EmployeeId,
        period: &LedgerPeriod,
        opening_minutes: i64,
    ) -> Result<EmployeeLedger> {
        self.check_employee(employee).await?;
        self.trends
            .employee_ledger(employee, period, opening_minutes)
            .await
    }

    /// [`TrendService::team_ledger`] of one team, for its managers and
    /// admins; of the company (`None`), for admins.
    pub async fn team_ledger(
        &self,
        team: Option<TeamId>,
        period: &LedgerPeriod,
    ) -> Result<TeamLedger> {
        match team {
            Some(team) if !self.principal.sees_team_figures(team) => {
                return Err(Error::not_found(Entity::Team, team));
            }
            None => self.principal.check_admin("read the company's ledger")?,
            Some(_) => {}
        }
        self.trends.team_ledger(team, period).await
    }
}

impl Acting<'_> {
    /// Creates a work pattern: admins only.
    pub async fn create_work_pattern(&self, pattern: &NewWorkPattern) -> Result<Once<WorkPattern>> {
        self.principal.check_admin("create a work pattern")?;
        let fingerprint = request::work_time("create_work_pattern", pattern);
        self.writes()
            .write(fingerprint, Write::CreateWorkPattern(pattern.clone()))
            .await?
            .into_kind(|w| match w {
                Written::WorkPattern(p) => Some(p),
                _ => None,
            })
    }

    /// Assigns a pattern to a team or an employee from a date: admins only.
    pub async fn assign_work_pattern(
        &self,
        assignment: &PatternAssignment,
    ) -> Result<Once<PatternAssignment>> {
        self.principal.check_admin("assign a work pattern")?;
        let fingerprint = request::work_time("assign_work_pattern", assignment);
        self.writes()
            .write(fingerprint, Write::AssignWorkPattern(*assignment))
            .await?
            .into_kind(|w| match w {
                Written::PatternAssigned(a) => Some(a),
                _ => None,
            })
    }

    /// Adds a holiday to the company's or a team's calendar: admins only.
    pub async fn add_holiday(&self, holiday: &NewHoliday) -> Result<Once<Holiday>> {
        self.principal.check_admin("add a holiday")?;
        let fingerprint = request::work_time("add_holiday", holiday);
        self.writes()
            .write(fingerprint, Write::AddHoliday(holiday.clone()))
            .await?
            .into_kind(holiday_of)
    }

    /// Removes a holiday: admins only. Returns it as it was.
    pub async fn remove_holiday(&self, id: HolidayId) -> Result<Holiday> {
        self.principal.check_admin("remove a holiday")?;
        let fingerprint = request::work_time("remove_holiday", &id);
        let once = self
            .writes()
            .write(fingerprint, Write::RemoveHoliday(id))
            .await?
            .into_kind(holiday_of)?;
        Ok(once.value)
    }

    /// Sets a team's break rule (an empty one removes it): admins only.
    pub async fn set_break_rule(&self, team: TeamId, rule: &BreakRule) -> Result<BreakRule> {
        self.principal.check_admin("set a break rule")?;
        let fingerprint = request::work_time("set_break_rule", &(team, rule));
        let write = Write::SetBreakRule {
            team,
            rule: rule.clone(),
        };
        let once = self
            .writes()
            .write(fingerprint, write)
            .await?
            .into_kind(|w| match w {
                Written::BreakRule { rule, .. } => Some(rule),
                _ => None,
            })?;
        Ok(once.value)
    }

    /// Records an absence: the employee's managers and admins.
    pub async fn record_absence(&self, absence: &NewAbsence) -> Result<Once<Absence>> {
        self.check_absence_writer(absence.employee_id(), "record an absence")
            .await?;
        let fingerprint = request::work_time("record_absence", absence);
        self.writes()
            .write(fingerprint, Write::RecordAbsence(absence.clone()))
            .await?
            .into_kind(absence_of)
    }

    /// Removes an absence: the employee's managers and admins. Returns it
    /// as it was.
    pub async fn remove_absence(&self, id: AbsenceId) -> Result<Absence> {
        let stored = self.service.store.absence(id).await;
        match stored {
            Ok(absence) => {
                self.check_absence_writer(absence.employee_id, "remove an absence")
                    .await?;
            }
            // An unknown id is refused as one out of scope is: a write
            // reveals nothing.
            Err(Error::NotFound { .. }) if !self.principal.is_admin() => {
                return Err(manage_refusal("remove an absence"));
            }
            Err(e) => return Err(e),
        }
        let fingerprint = request::work_time("remove_absence", &id);
        let once = self
            .writes()
            .write(fingerprint, Write::RemoveAbsence(id))
            .await?
            .into_kind(absence_of)?;
        Ok(once.value)
    }

    async fn check_absence_writer(&self, employee: EmployeeId, action: &'static str) -> Result<()> {
        if self.principal.is_admin() {
            return Ok(());
        }
        let target = self.target(employee, || manage_refusal(action)).await?;
        self.principal.check_manages(&target, action)
    }

    /// Every work pattern: anyone signed in may read them.
    pub async fn work_patterns(&self) -> Result<Vec<WorkPattern>> {
        self.service.store.work_patterns().await
    }

    /// The pattern assignments of a team (its members and admins may read
    /// them) or an employee (whoever may read the employee); of every
    /// target for admins only.
    pub async fn pattern_assignments(
        &self,
        target: Option<ScheduleTarget>,
    ) -> Result<Vec<PatternAssignment>> {
        match target {
            None => self
                .principal
                .check_admin("list every pattern assignment")?,
            Some(ScheduleTarget::Team(team)) if !self.principal.sees_team(team) => {
                return Err(Error::not_found(Entity::Team, team));
            }
            Some(ScheduleTarget::Employee(employee)) => {
                self.employee(employee).await?;
            }
            Some(ScheduleTarget::Team(_)) => {}
        }
        self.service.store.pattern_assignments(target).await
    }

    /// Holidays: anyone signed in may read the calendars.
    pub async fn holidays(&self, filter: &HolidayFilter) -> Result<Vec<Holiday>> {
        if let (Some(from), Some(to)) = (filter.from, filter.to)
            && to < from
        {
            return Err(Error::validation("to", format!("{to} is before {from}")));
        }
        self.service.store.holidays(filter).await
    }

    /// The absences in scope; a team out of scope is not found.
    pub async fn absences(&self, filter: &AbsenceFilter) -> Result<Vec<Absence>> {
        if let Some(team) = filter.team_id
            && !self.principal.sees_team(team)
        {
            return Err(Error::not_found(Entity::Team, team));
        }
        let filter = AbsenceFilter {
            scope: self.principal.scope(),
            ..filter.clone()
        };
        self.service.store.absences(&filter).await
    }

    /// A team's break rule, for whoever may read the team.
    pub async fn break_rule(&self, team: TeamId) -> Result<BreakRule> {
        if !self.principal.sees_team(team) {
            return Err(Error::not_found(Entity::Team, team));
        }
        self.service.store.break_rule(team).await
    }
}

fn holiday_of(w: Written) -> Option<Holiday> {
    match w {
        Written::Holiday(h) => Some(h),
        _ => None,
    }
}

fn absence_of(w: Written) -> Option<Absence> {
    match w {
        Written::Absence(a) => Some(a),
        _ => None,
    }
}
