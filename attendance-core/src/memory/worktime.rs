//! The in-memory store's work-time settings and its ledger, computed with
//! [`crate::worktime::ledger`] from the state under the one lock.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};

use super::{State, index, next_id};
use crate::domain::{Employee, EmployeeId, TeamId};
use crate::error::{Conflict, Entity, Error, Result};
use crate::worktime::{
    Absence, AbsenceFilter, AbsenceId, BreakRule, DayAbsence, DayInput, DayPortion, Holiday,
    HolidayFilter, HolidayId, LedgerDay, LedgerPeriod, LedgerTotals, NewAbsence, NewHoliday,
    NewWorkPattern, PatternAssignment, SINCE_ALWAYS, ScheduleTarget, SessionSpan, WorkPattern,
    assignment_taken, in_effect, ledger, moved_on, unknown_calendar, week_start,
};

/// Work-time settings, as the state keeps them.
#[derive(Debug, Default)]
pub(super) struct WorkTime {
    patterns: Vec<WorkPattern>,
    assignments: Vec<PatternAssignment>,
    /// By id; a removed holiday leaves `None` so ids stay positions.
    holidays: Vec<Option<Holiday>>,
    /// By id; a removed absence leaves `None`.
    absences: Vec<Option<Absence>>,
    break_rules: BTreeMap<TeamId, BreakRule>,
    /// (employee, first date, team): the team an employee is in from a date.
    memberships: Vec<(EmployeeId, NaiveDate, TeamId)>,
}

static NO_BREAK_RULE: BreakRule = BreakRule::none();

impl State {
    /// Records that `employee` is in `team` from its creation on.
    pub(super) fn join_first_team(&mut self, employee: EmployeeId, team: TeamId) {
        self.work_time
            .memberships
            .push((employee, SINCE_ALWAYS, team));
    }

    /// Records a move of `employee` to `team` at `at`: from the local date
    /// of the move there. A second move on one date replaces the first.
    pub(super) fn record_move(
        &mut self,
        employee: EmployeeId,
        team: TeamId,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let from = moved_on(self.team(team)?.timezone, at);
        let memberships = &mut self.work_time.memberships;
        memberships.retain(|(e, d, _)| !(*e == employee && *d == from));
        memberships.push((employee, from, team));
        Ok(())
    }

    pub(super) fn team_on(&self, employee: &Employee, date: NaiveDate) -> TeamId {
        self.work_time
            .memberships
            .iter()
            .filter(|(e, from, _)| *e == employee.id && *from <= date)
            .max_by_key(|(_, from, _)| *from)
            .map_or(employee.team_id, |(_, _, team)| *team)
    }

    pub(super) fn create_work_pattern(&mut self, pattern: &NewWorkPattern) -> WorkPattern {
        let created = pattern.with_id(crate::worktime::WorkPatternId(next_id(
            self.work_time.patterns.len(),
        )));
        self.work_time.patterns.push(created.clone());
        created
    }

    fn pattern(&self, id: crate::worktime::WorkPatternId) -> Option<&WorkPattern> {
        index(id.0).and_then(|i| self.work_time.patterns.get(i))
    }

    pub(super) fn assign_work_pattern(
        &mut self,
        assignment: &PatternAssignment,
    ) -> Result<PatternAssignment> {
        match assignment.target {
            ScheduleTarget::Team(team) => {
                self.team(team)?;
            }
            ScheduleTarget::Employee(employee) => {
                self.employee(employee)?;
            }
        }
        if let Some(pattern) = assignment.pattern {
            self.pattern(pattern)
                .ok_or_else(|| Error::not_found(Entity::WorkPattern, pattern))?;
        }
        let taken = self
            .work_time
            .assignments
            .iter()
            .any(|a| a.target == assignment.target && a.valid_from == assignment.valid_from);
        if taken {
            return Err(assignment_taken(assignment.valid_from));
        }
        self.work_time.assignments.push(*assignment);
        Ok(*assignment)
    }

    pub(super) fn add_holiday(&mut self, holiday: &NewHoliday) -> Result<Holiday> {
        if let Some(team) = holiday.team_id() {
            self.team(team).map_err(|_| unknown_calendar(team))?;
        }
        let existing = self
            .work_time
            .holidays
            .iter()
            .flatten()
            .find(|h| h.team_id == holiday.team_id() && h.date == holiday.date());
        if let Some(existing) = existing {
            return Err(Conflict::HolidayExists {
                existing: Box::new(existing.clone()),
            }
            .into());
        }
        let created = holiday.with_id(HolidayId(next_id(self.work_time.holidays.len())));
        self.work_time.holidays.push(Some(created.clone()));
        Ok(created)
    }

    pub(super) fn remove_holiday(&mut self, id: HolidayId) -> Result<Holiday> {
        index(id.0)
            .and_then(|i| self.work_time.holidays.get_mut(i))
            .and_then(Option::take)
            .ok_or_else(|| Error::not_found(Entity::Holiday, id))
    }

    pub(super) fn record_absence(&mut self, absence: &NewAbsence) -> Result<Absence> {
        self.employee(absence.employee_id())?;
        self.check_unlocked(absence.employee_id(), absence.from(), absence.to())?;
        let overlapping = self
            .work_time
            .absences
            .iter()
            .flatten()
            .filter(|a| a.employee_id == absence.employee_id())
            .filter(|a| a.from <= absence.to() && absence.from() <= a.to)
            .min_by_key(|a| (a.from, a.id));
        if let Some(existing) = overlapping {
            return Err(Conflict::AbsenceOverlap {
                existing: Box::new(existing.clone()),
            }
            .into());
        }
        let created = absence.with_id(AbsenceId(next_id(self.work_time.absences.len())));
        self.work_time.absences.push(Some(created.clone()));
        Ok(created)
    }

    pub(super) fn remove_absence(&mut self, id: AbsenceId) -> Result<Absence> {
        if let Ok(stored) = self.absence(id) {
            self.check_unlocked(stored.employee_id, stored.from, stored.to)?;
        }
        index(id.0)
            .and_then(|i| self.work_time.absences.get_mut(i))
            .and_then(Option::take)
            .ok_or_else(|| Error::not_found(Entity::Absence, id))
    }

    /// The stored absence `id`, for the audit entry of its removal.
    pub(super) fn absence(&self, id: AbsenceId) -> Result<&Absence> {
        index(id.0)
            .and_then(|i| self.work_time.absences.get(i))
            .and_then(Option::as_ref)
            .ok_or_else(|| Error::not_found(Entity::Absence, id))
    }

    pub(super) fn set_break_rule(&mut self, team: TeamId, rule: &BreakRule) -> Result<BreakRule> {
        self.team(team)?;
        if rule.is_none() {
            self.work_time.break_rules.remove(&team);
        } else {
            self.work_time.break_rules.insert(team, rule.clone());
        }
        Ok(rule.clone())
    }

    pub(super) fn work_patterns(&self) -> Vec<WorkPattern> {
        self.work_time.patterns.clone()
    }

    pub(super) fn pattern_assignments(
        &self,
        target: Option<ScheduleTarget>,
    ) -> Vec<PatternAssignment> {
        let mut found: Vec<PatternAssignment> = self
            .work_time
            .assignments
            .iter()
            .filter(|a| target.is_none_or(|t| t == a.target))
            .copied()
            .collect();
        found.sort_by_key(|a| (target_order(a.target), a.valid_from));
        found
    }

    pub(super) fn holidays(&self, filter: &HolidayFilter) -> Vec<Holiday> {
        let mut found: Vec<Holiday> = self
            .work_time
            .holidays
            .iter()
            .flatten()
            .filter(|h| filter.matches(h))
            .cloned()
            .collect();
        found.sort_by_key(|h| (h.date, h.id));
        found
    }

    pub(super) fn absences(&self, filter: &AbsenceFilter) -> Vec<Absence> {
        let mut found: Vec<Absence> = self
            .work_time
            .absences
            .iter()
            .flatten()
            .filter(|a| {
                self.employee(a.employee_id)
                    .is_ok_and(|e| filter.matches(a, e.team_id))
            })
            .cloned()
            .collect();
        found.sort_by_key(|a| (a.from, a.id));
        found
    }

    pub(super) fn break_rule(&self, team: TeamId) -> Result<BreakRule> {
        self.team(team)?;
        Ok(self
            .work_time
            .break_rules
            .get(&team)
            .cloned()
            .unwrap_or_default())
    }

    /// `employee`'s ledger over `period`: each date resolved from the
    /// settings in effect on it, then computed by [`ledger`].
    pub(super) fn ledger(
        &self,
        employee: &Employee,
        period: &LedgerPeriod,
        now: DateTime<Utc>,
    ) -> Result<Vec<LedgerDay>> {
        // Weekly overtime sums from Monday: resolve from the week's start.
        let start = week_start(period.from());
        let mut spans: BTreeMap<NaiveDate, Vec<SessionSpan>> = BTreeMap::new();
        for s in self.sessions_of(employee.id) {
            if s.work_date >= start && s.work_date <= period.to() {
                spans.entry(s.work_date).or_default().push(SessionSpan {
                    clock_in: s.clock_in,
                    clock_out: s.clock_out,
                });
            }
        }
        let own: Vec<&PatternAssignment> = self
            .work_time
            .assignments
            .iter()
            .filter(|a| a.target == ScheduleTarget::Employee(employee.id))
            .collect();
        let absences: Vec<&Absence> = self
            .work_time
            .absences
            .iter()
            .flatten()
            .filter(|a| a.employee_id == employee.id)
            .collect();
        let mut inputs = Vec::new();
        for date in start.iter_days().take_while(|d| *d <= period.to()) {
            let team_id = self.team_on(employee, date);
            let team = self.team(team_id)?;
            let pattern = in_effect(own.iter().copied(), date)
                .and_then(|a| a.pattern)
                .or_else(|| {
                    let team_assignments = self
                        .work_time
                        .assignments
                        .iter()
                        .filter(|a| a.target == ScheduleTarget::Team(team_id));
                    in_effect(team_assignments, date).and_then(|a| a.pattern)
                })
                .and_then(|id| self.pattern(id));
            let holiday = self
                .work_time
                .holidays
                .iter()
                .flatten()
                .filter(|h| h.date == date && h.team_id.is_none_or(|t| t == team_id))
                .map(|h| h.portion)
                .min_by_key(|p| matches!(p, DayPortion::Half));
            let absence = absences
                .iter()
                .find(|a| a.covers(date))
                .map(|a| DayAbsence {
                    kind: a.kind,
                    portion: a.portion,
                });
            inputs.push(DayInput {
                date,
                team_id,
                timezone: team.timezone,
                late_after: team.late_after,
                pattern,
                holiday,
                absence,
                break_rule: self
                    .work_time
                    .break_rules
                    .get(&team_id)
                    .unwrap_or(&NO_BREAK_RULE),
                sessions: spans.remove(&date).unwrap_or_default(),
            });
        }
        let mut lines = ledger(employee.id, &inputs, now);
        lines.retain(|l| l.date >= period.from());
        Ok(lines)
    }

    pub(super) fn ledger_totals(
        &self,
        team: Option<TeamId>,
        period: &LedgerPeriod,
        now: DateTime<Utc>,
    ) -> Result<Vec<(EmployeeId, LedgerTotals)>> {
        if let Some(team) = team {
            self.team(team)?;
        }
        self.employees
            .iter()
            .filter(|e| team.is_none_or(|t| t == e.team_id))
            .map(|e| Ok((e.id, LedgerTotals::of(&self.ledger(e, period, now)?, 0))))
            .collect()
    }
}

/// Teams before employees, each by id.
fn target_order(target: ScheduleTarget) -> (u8, i64) {
    match target {
        ScheduleTarget::Team(t) => (0, t.0),
        ScheduleTarget::Employee(e) => (1, e.0),
    }
}
