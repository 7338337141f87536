//! The ledger computed in PostgreSQL: one statement per read, from the
//! sessions and the work-time settings in effect on each date
//! (`ledger.sql`), held to core's `worktime::ledger` by the conformance
//! kit.
//!
//! Shape of `ledger.sql`: the dates from the Monday of the first date's ISO
//! week (so weekly overtime sums from the week's start) crossed with the
//! employees. What depends on the team alone (its pattern's minutes that
//! weekday, holiday, break rule, today in its zone) is resolved once per
//! team and date, and joined on one number standing for (team, date), which
//! the planner hashes. Each employee's dated settings (memberships, own
//! pattern assignments, absences) are sorted arrays, and a date finds the
//! one in effect by `width_bucket`, not by a range join. The sessions are
//! aggregated per employee and work date in a lateral read through the
//! (employee_id, work_date) index; the gaps are the day's span less its
//! sessions; the break threshold is found by `width_bucket` on the day's
//! gross minutes. Weekly overtime needs the dates from the week's Monday
//! and a window sum over (employee, ISO week): both only for the employees
//! who work by a weekly threshold.
//! Totals aggregate the same lines, in integer sums.

use attendance_core::worktime::{DayAbsence, LedgerDay, LedgerPeriod, LedgerTotals};
use attendance_core::{EmployeeId, Error, Result, TeamId};
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::FromRow;

use crate::PgStore;
use crate::error::map;
use crate::worktime::{kind, portion};

/// The lines of `emp`, a CTE named before them: the one source of the
/// ledger's rules for every statement that reads lines (here and the
/// timesheet's).
macro_rules! ledger_of {
    ($emp:expr) => {
        concat!("WITH emp AS (", $emp, "),\n", include_str!("ledger.sql"))
    };
}
pub(crate) use ledger_of;

/// The selection of each line, by date.
macro_rules! lines {
    () => {
        "SELECT employee_id, date, team_id, expected_minutes, worked_gross_minutes, \
         break_deducted_minutes, worked_net_minutes, absence_credit_minutes, overtime_minutes, \
         undertime_minutes, holiday_work_minutes, rest_day_work_minutes, holiday, absence_kind, \
         absence_portion, absent_without_leave, late, sessions, open \
         FROM ledger ORDER BY date"
    };
}

/// The totals of each employee's lines; an employee without lines (a
/// period not yet begun) has totals of zero.
macro_rules! totals {
    () => {
        "SELECT emp.employee_id,
       coalesce(t.expected_minutes, 0) AS expected_minutes,
       coalesce(t.worked_gross_minutes, 0) AS worked_gross_minutes,
       coalesce(t.break_deducted_minutes, 0) AS break_deducted_minutes,
       coalesce(t.worked_net_minutes, 0) AS worked_net_minutes,
       coalesce(t.absence_credit_minutes, 0) AS absence_credit_minutes,
       coalesce(t.overtime_minutes, 0) AS overtime_minutes,
       coalesce(t.undertime_minutes, 0) AS undertime_minutes,
       coalesce(t.holiday_work_minutes, 0) AS holiday_work_minutes,
       coalesce(t.rest_day_work_minutes, 0) AS rest_day_work_minutes,
       coalesce(t.vacation_days, 0) AS vacation_days,
       coalesce(t.sick_days, 0) AS sick_days,
       coalesce(t.other_absence_days, 0) AS other_absence_days,
       coalesce(t.absent_without_leave_days, 0) AS absent_without_leave_days,
       coalesce(t.late_days, 0) AS late_days,
       coalesce(t.balance_minutes, 0) AS balance_minutes
FROM emp LEFT JOIN (
    SELECT l.employee_id,
           sum(l.expected_minutes::int) AS expected_minutes,
           sum(l.worked_gross_minutes::int) AS worked_gross_minutes,
           sum(l.break_deducted_minutes::int) AS break_deducted_minutes,
           sum(l.worked_net_minutes::int) AS worked_net_minutes,
           sum(l.absence_credit_minutes::int) AS absence_credit_minutes,
           sum(l.overtime_minutes::int) AS overtime_minutes,
           sum(l.undertime_minutes::int) AS undertime_minutes,
           sum(l.holiday_work_minutes::int) AS holiday_work_minutes,
           sum(l.rest_day_work_minutes::int) AS rest_day_work_minutes,
           sum(CASE l.absence_portion WHEN 'full' THEN 2 ELSE 1 END)
               FILTER (WHERE l.absence_kind = 'vacation')::float8 / 2 AS vacation_days,
           sum(CASE l.absence_portion WHEN 'full' THEN 2 ELSE 1 END)
               FILTER (WHERE l.absence_kind = 'sick')::float8 / 2 AS sick_days,
           sum(CASE l.absence_portion WHEN 'full' THEN 2 ELSE 1 END)
               FILTER (WHERE l.absence_kind = 'other')::float8 / 2 AS other_absence_days,
           count(*) FILTER (WHERE l.absent_without_leave) AS absent_without_leave_days,
           count(*) FILTER (WHERE l.late) AS late_days,
           sum((l.worked_net_minutes + l.absence_credit_minutes - l.expected_minutes)::int)
               AS balance_minutes
    FROM ledger l
    GROUP BY l.employee_id
) t ON t.employee_id = emp.employee_id
ORDER BY emp.employee_id"
    };
}

/// One employee's lines. `$4`: the employee; no row when there is none.
const EMPLOYEE_LEDGER_SQL: &str = concat!(
    ledger_of!("SELECT id AS employee_id, team_id AS current_team FROM employees WHERE id = $4"),
    lines!()
);

/// The totals of a team's current members. `$4`: the team.
const TEAM_TOTALS_SQL: &str = concat!(
    ledger_of!(
        "SELECT id AS employee_id, team_id AS current_team FROM employees \
         WHERE team_id = $4"
    ),
    totals!()
);

/// The totals of every employee.
const COMPANY_TOTALS_SQL: &str = concat!(
    ledger_of!("SELECT id AS employee_id, team_id AS current_team FROM employees"),
    totals!()
);

/// One line of `ledger` as its columns read.
#[derive(FromRow)]
pub(crate) struct LineRow {
    employee_id: i64,
    date: NaiveDate,
    team_id: i64,
    expected_minutes: i64,
    worked_gross_minutes: i64,
    break_deducted_minutes: i64,
    worked_net_minutes: i64,
    absence_credit_minutes: i64,
    overtime_minutes: i64,
    undertime_minutes: i64,
    holiday_work_minutes: i64,
    rest_day_work_minutes: i64,
    holiday: Option<String>,
    absence_kind: Option<String>,
    absence_portion: Option<String>,
    absent_without_leave: bool,
    late: bool,
    sessions: i64,
    open: bool,
}

impl TryFrom<LineRow> for LedgerDay {
    type Error = Error;

    fn try_from(row: LineRow) -> Result<Self> {
        let absence = match (row.absence_kind.as_deref(), row.absence_portion.as_deref()) {
            (Some(k), Some(p)) => Some(DayAbsence {
                kind: kind(k)?,
                portion: portion(p)?,
            }),
            _ => None,
        };
        Ok(LedgerDay {
            employee_id: EmployeeId(row.employee_id),
            date: row.date,
            team_id: TeamId(row.team_id),
            expected_minutes: row.expected_minutes,
            worked_gross_minutes: row.worked_gross_minutes,
            break_deducted_minutes: row.break_deducted_minutes,
            worked_net_minutes: row.worked_net_minutes,
            absence_credit_minutes: row.absence_credit_minutes,
            overtime_minutes: row.overtime_minutes,
            undertime_minutes: row.undertime_minutes,
            holiday_work_minutes: row.holiday_work_minutes,
            rest_day_work_minutes: row.rest_day_work_minutes,
            holiday: row.holiday.as_deref().map(portion).transpose()?,
            absence,
            absent_without_leave: row.absent_without_leave,
            late: row.late,
            sessions: row.sessions,
            open: row.open,
        })
    }
}

#[derive(FromRow)]
struct TotalsRow {
    employee_id: i64,
    expected_minutes: i64,
    worked_gross_minutes: i64,
    break_deducted_minutes: i64,
    worked_net_minutes: i64,
    absence_credit_minutes: i64,
    overtime_minutes: i64,
    undertime_minutes: i64,
    holiday_work_minutes: i64,
    rest_day_work_minutes: i64,
    vacation_days: f64,
    sick_days: f64,
    other_absence_days: f64,
    absent_without_leave_days: i64,
    late_days: i64,
    balance_minutes: i64,
}

impl From<TotalsRow> for (EmployeeId, LedgerTotals) {
    fn from(row: TotalsRow) -> Self {
        (
            EmployeeId(row.employee_id),
            LedgerTotals {
                expected_minutes: row.expected_minutes,
                worked_gross_minutes: row.worked_gross_minutes,
                break_deducted_minutes: row.break_deducted_minutes,
                worked_net_minutes: row.worked_net_minutes,
                absence_credit_minutes: row.absence_credit_minutes,
                overtime_minutes: row.overtime_minutes,
                undertime_minutes: row.undertime_minutes,
                holiday_work_minutes: row.holiday_work_minutes,
                rest_day_work_minutes: row.rest_day_work_minutes,
                vacation_days: row.vacation_days,
                sick_days: row.sick_days,
                other_absence_days: row.other_absence_days,
                absent_without_leave_days: row.absent_without_leave_days,
                late_days: row.late_days,
                balance_minutes: row.balance_minutes,
            },
        )
    }
}

impl PgStore {
    /// [`AnalyticsStore::ledger_days`](attendance_core::store::AnalyticsStore::ledger_days).
    pub(crate) async fn employee_ledger(
        &self,
        employee: EmployeeId,
        period: &LedgerPeriod,
        now: DateTime<Utc>,
    ) -> Result<Vec<LedgerDay>> {
        let rows = self
            .retry
            .read(|| {
                self.conns.run(async |c| {
                    sqlx::query_as::<_, LineRow>(EMPLOYEE_LEDGER_SQL)
                        .bind(period.from())
                        .bind(period.to())
                        .bind(now)
                        .bind(employee.0)
                        .fetch_all(c)
                        .await
                })
            })
            .await
            .map_err(map)?;
        // No line: a period not yet begun, or no such employee.
        if rows.is_empty() {
            attendance_core::store::Directory::employee(self, employee).await?;
        }
        rows.into_iter().map(LedgerDay::try_from).collect()
    }

    /// [`AnalyticsStore::ledger_totals`](attendance_core::store::AnalyticsStore::ledger_totals).
    pub(crate) async fn totals(
        &self,
        team: Option<TeamId>,
        period: &LedgerPeriod,
        now: DateTime<Utc>,
    ) -> Result<Vec<(EmployeeId, LedgerTotals)>> {
        let rows = self
            .retry
            .read(|| {
                self.conns.run(async |c| {
                    let q = match team {
                        Some(team) => sqlx::query_as::<_, TotalsRow>(TEAM_TOTALS_SQL)
                            .bind(period.from())
                            .bind(period.to())
                            .bind(now)
                            .bind(team.0),
                        None => sqlx::query_as::<_, TotalsRow>(COMPANY_TOTALS_SQL)
                            .bind(period.from())
                            .bind(period.to())
                            .bind(now),
                    };
                    q.fetch_all(c).await
                })
            })
            .await
            .map_err(map)?;
        // No row: a team without members, or no such team.
        if let (Some(team), true) = (team, rows.is_empty()) {
            attendance_core::store::Directory::team(self, team).await?;
        }
        Ok(rows.into_iter().map(Into::into).collect())
    }
}
