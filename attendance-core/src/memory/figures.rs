//! The in-memory store's trend figures, computed in Rust from the sessions
//! under the one lock.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate, Timelike};

use super::State;
use crate::domain::{AttendanceSession, Employee, Team, WorkMode, is_late, local_time};
use crate::trends::{PeriodFigures, TeamFigures, TrendQuery};

impl State {
    /// One team's figures and headcount.
    pub(super) fn team_figures(&self, team: &Team, query: &TrendQuery) -> TeamFigures {
        let members: Vec<&Employee> = self
            .employees
            .iter()
            .filter(|e| e.team_id == team.id)
            .collect();
        TeamFigures {
            headcount: members.len() as i64,
            periods: self.figures(members.into_iter().map(|e| (e, team)), query),
        }
    }

    /// Per-period figures over the sessions of `employees` (each with its
    /// team) whose work date is in the query range.
    pub(super) fn figures<'a>(
        &self,
        employees: impl Iterator<Item = (&'a Employee, &'a Team)>,
        query: &TrendQuery,
    ) -> Vec<PeriodFigures> {
        let mut periods: BTreeMap<NaiveDate, PeriodFigures> = BTreeMap::new();
        let mut clock_in_sums: BTreeMap<NaiveDate, i64> = BTreeMap::new();
        for (employee, team) in employees {
            let mut days: BTreeMap<NaiveDate, Vec<&AttendanceSession>> = BTreeMap::new();
            for s in self.sessions_of(employee.id) {
                if s.work_date >= query.from() && s.work_date <= query.to() {
                    days.entry(s.work_date).or_default().push(s);
                }
            }
            for (date, sessions) in days {
                let period = query.granularity().period_start(date);
                let f = periods.entry(period).or_insert_with(|| PeriodFigures {
                    period,
                    ..PeriodFigures::default()
                });
                let Some(first) = sessions.iter().map(|s| s.clock_in).min() else {
                    continue;
                };
                let first_local = local_time(team.timezone, first);
                f.days_present += 1;
                f.sessions += sessions.len() as i64;
                f.worked_seconds += sessions
                    .iter()
                    .filter_map(|s| s.duration())
                    .map(|d| d.num_seconds())
                    .sum::<i64>();
                *clock_in_sums.entry(period).or_default() +=
                    i64::from(first_local.num_seconds_from_midnight());
                f.wfh_days += i64::from(sessions.iter().any(|s| s.work_mode == WorkMode::Wfh));
                f.wfo_days += i64::from(sessions.iter().any(|s| s.work_mode == WorkMode::Wfo));
                f.late_arrivals += i64::from(is_late(first_local, team.late_after));
                f.open_sessions += sessions.iter().filter(|s| s.is_open()).count() as i64;
                f.days_present_by_weekday[date.weekday().num_days_from_monday() as usize] += 1;
            }
        }
        periods
            .into_values()
            .map(|mut f| {
                let sum = clock_in_sums.get(&f.period).copied().unwrap_or(0);
                f.avg_clock_in_seconds =
                    (f.days_present > 0).then(|| sum.div_euclid(f.days_present));
                f
            })
            .collect()
    }
}
