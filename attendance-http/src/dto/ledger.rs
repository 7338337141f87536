//! The ledger: hours owed and worked per employee and work date, the
//! totals of a period, and the queries of the ledger routes.

use attendance_core::worktime::{self as core, display_hours};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::calendar::{AbsenceKind, DayPortion};

pub use attendance_core::worktime::MAX_OPENING_BALANCE_MINUTES;

/// An absence as it falls on one day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DayAbsence {
    /// Why.
    pub kind: AbsenceKind,
    /// Whole day or half.
    pub portion: DayPortion,
}

/// One employee's work date, with the running balance after it. Every
/// figure is a whole number of minutes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LedgerDay {
    /// The work date.
    pub date: NaiveDate,
    /// The employee's team on that date.
    pub team_id: i64,
    /// Minutes owed: the pattern's, less holidays.
    pub expected_minutes: i64,
    /// Minutes between clock-ins and clock-outs (an open session: until now).
    pub worked_gross_minutes: i64,
    /// Minutes deducted for break not taken.
    pub break_deducted_minutes: i64,
    /// Gross less the deduction.
    pub worked_net_minutes: i64,
    /// Minutes an absence credits as worked.
    pub absence_credit_minutes: i64,
    /// Minutes beyond what was owed, on days that owe minutes.
    pub overtime_minutes: i64,
    /// Minutes owed and neither worked nor credited.
    pub undertime_minutes: i64,
    /// Net minutes worked on a full holiday.
    pub holiday_work_minutes: i64,
    /// Net minutes worked on a day the pattern owes nothing (a weekend).
    pub rest_day_work_minutes: i64,
    /// The day's holiday, if any.
    pub holiday: Option<DayPortion>,
    /// The day's absence, if any.
    pub absence: Option<DayAbsence>,
    /// Minutes were owed and there was neither a session, an absence nor
    /// a full holiday.
    pub absent_without_leave: bool,
    /// The first clock-in was after the pattern's start (or the team's
    /// `late_after`).
    pub late: bool,
    /// Sessions on that work date.
    pub sessions: i64,
    /// One of them is still open and counted up to now.
    pub open: bool,
    /// The opening balance plus every day's net work and absence credit
    /// less expected, up to this day.
    pub balance_minutes: i64,
}

impl From<core::LedgerLine> for LedgerDay {
    fn from(line: core::LedgerLine) -> Self {
        let d = line.day;
        Self {
            date: d.date,
            team_id: d.team_id.0,
            expected_minutes: d.expected_minutes,
            worked_gross_minutes: d.worked_gross_minutes,
            break_deducted_minutes: d.break_deducted_minutes,
            worked_net_minutes: d.worked_net_minutes,
            absence_credit_minutes: d.absence_credit_minutes,
            overtime_minutes: d.overtime_minutes,
            undertime_minutes: d.undertime_minutes,
            holiday_work_minutes: d.holiday_work_minutes,
            rest_day_work_minutes: d.rest_day_work_minutes,
            holiday: d.holiday.map(Into::into),
            absence: d.absence.map(|a| DayAbsence {
                kind: a.kind.into(),
                portion: a.portion.into(),
            }),
            absent_without_leave: d.absent_without_leave,
            late: d.late,
            sessions: d.sessions,
            open: d.open,
            balance_minutes: line.balance_minutes,
        }
    }
}

/// The totals of a period, in minutes, with the main figures also in
/// hours for display (rounded once, to one decimal).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct LedgerTotals {
    /// Minutes owed.
    pub expected_minutes: i64,
    /// Minutes worked before break deductions.
    pub worked_gross_minutes: i64,
    /// Minutes deducted for breaks not taken.
    pub break_deducted_minutes: i64,
    /// Minutes worked after break deductions.
    pub worked_net_minutes: i64,
    /// Minutes absences credit as worked.
    pub absence_credit_minutes: i64,
    /// Overtime minutes.
    pub overtime_minutes: i64,
    /// Undertime minutes.
    pub undertime_minutes: i64,
    /// Net minutes worked on full holidays.
    pub holiday_work_minutes: i64,
    /// Net minutes worked on days that owe nothing.
    pub rest_day_work_minutes: i64,
    /// Days of vacation (a half day counts 0.5).
    pub vacation_days: f64,
    /// Days of sick leave (a half day counts 0.5).
    pub sick_days: f64,
    /// Days of other absence (a half day counts 0.5).
    pub other_absence_days: f64,
    /// Days absent without leave.
    pub absent_without_leave_days: i64,
    /// Days with a late first clock-in.
    pub late_days: i64,
    /// The balance at the end of the period, in minutes.
    pub balance_minutes: i64,
    /// `expected_minutes` in hours, for display.
    #[schema(example = 160.0)]
    pub expected_hours: f64,
    /// `worked_net_minutes` in hours, for display.
    #[schema(example = 164.5)]
    pub worked_net_hours: f64,
    /// `overtime_minutes` in hours, for display.
    #[schema(example = 4.5)]
    pub overtime_hours: f64,
    /// `balance_minutes` in hours, for display.
    #[schema(example = 4.5)]
    pub balance_hours: f64,
}

impl From<core::LedgerTotals> for LedgerTotals {
    fn from(t: core::LedgerTotals) -> Self {
        Self {
            expected_hours: display_hours(t.expected_minutes),
            worked_net_hours: display_hours(t.worked_net_minutes),
            overtime_hours: display_hours(t.overtime_minutes),
            balance_hours: display_hours(t.balance_minutes),
            expected_minutes: t.expected_minutes,
            worked_gross_minutes: t.worked_gross_minutes,
            break_deducted_minutes: t.break_deducted_minutes,
            worked_net_minutes: t.worked_net_minutes,
            absence_credit_minutes: t.absence_credit_minutes,
            overtime_minutes: t.overtime_minutes,
            undertime_minutes: t.undertime_minutes,
            holiday_work_minutes: t.holiday_work_minutes,
            rest_day_work_minutes: t.rest_day_work_minutes,
            vacation_days: t.vacation_days,
            sick_days: t.sick_days,
            other_absence_days: t.other_absence_days,
            absent_without_leave_days: t.absent_without_leave_days,
            late_days: t.late_days,
            balance_minutes: t.balance_minutes,
        }
    }
}

/// An employee's ledger over a period: every date, and the totals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct EmployeeLedger {
    /// Who.
    pub employee_id: i64,
    /// First date.
    pub from: NaiveDate,
    /// Last date.
    pub to: NaiveDate,
    /// The balance carried in, in minutes.
    pub opening_balance_minutes: i64,
    /// Every date of the period, ascending.
    pub days: Vec<LedgerDay>,
    /// The period's totals; the balance is the closing one.
    pub totals: LedgerTotals,
}

impl From<core::EmployeeLedger> for EmployeeLedger {
    fn from(l: core::EmployeeLedger) -> Self {
        Self {
            employee_id: l.employee_id.0,
            from: l.from,
            to: l.to,
            opening_balance_minutes: l.opening_balance_minutes,
            days: l.days.into_iter().map(Into::into).collect(),
            totals: l.totals.into(),
        }
    }
}

/// One employee's totals in a team's or the company's ledger.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct EmployeeTotals {
    /// Who.
    pub employee_id: i64,
    /// Their totals; the balance starts from 0 at the period's start.
    pub totals: LedgerTotals,
}

/// The ledger totals of a team's current members, or of every employee.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TeamLedger {
    /// The team; `null` for the whole company.
    pub team_id: Option<i64>,
    /// First date.
    pub from: NaiveDate,
    /// Last date.
    pub to: NaiveDate,
    /// Each employee's totals, by employee id.
    pub employees: Vec<EmployeeTotals>,
    /// The sum over them.
    pub totals: LedgerTotals,
}

impl From<core::TeamLedger> for TeamLedger {
    fn from(l: core::TeamLedger) -> Self {
        Self {
            team_id: l.team_id.map(|t| t.0),
            from: l.from,
            to: l.to,
            employees: l
                .employees
                .into_iter()
                .map(|e| EmployeeTotals {
                    employee_id: e.employee_id.0,
                    totals: e.totals.into(),
                })
                .collect(),
            totals: l.totals.into(),
        }
    }
}

/// Query of `GET /ledger/employees/{id}`.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct EmployeeLedgerQuery {
    /// First day (`YYYY-MM-DD`), inclusive.
    #[param(value_type = NaiveDate, required = true)]
    pub(crate) from: Option<String>,
    /// Last day (`YYYY-MM-DD`), inclusive; the range covers at most a
    /// leap year of days.
    #[param(value_type = NaiveDate, required = true)]
    pub(crate) to: Option<String>,
    /// The balance carried into the period, in minutes (may be negative);
    /// default 0.
    #[param(value_type = Option<i64>)]
    pub(crate) opening_balance_minutes: Option<String>,
}

/// Query of `GET /ledger/teams/{id}` and `GET /ledger/company`.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct LedgerQuery {
    /// First day (`YYYY-MM-DD`), inclusive.
    #[param(value_type = NaiveDate, required = true)]
    pub(crate) from: Option<String>,
    /// Last day (`YYYY-MM-DD`), inclusive; the range covers at most a
    /// leap year of days.
    #[param(value_type = NaiveDate, required = true)]
    pub(crate) to: Option<String>,
}
