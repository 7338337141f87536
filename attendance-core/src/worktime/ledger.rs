//! The ledger's lines and totals, and the one rounding of hours.

use super::*;

/// One line of the ledger: one employee's work date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerDay {
    /// Who.
    pub employee_id: EmployeeId,
    /// The work date.
    pub date: NaiveDate,
    /// The employee's team on that date.
    pub team_id: TeamId,
    /// Minutes owed: the pattern's, less holidays.
    pub expected_minutes: i64,
    /// Minutes between clock-ins and clock-outs (open sessions: until now).
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
    /// Minutes were owed and there was neither a session nor an absence.
    pub absent_without_leave: bool,
    /// The first clock-in was after the pattern's start (or the team's
    /// `late_after`).
    pub late: bool,
    /// Sessions on that work date.
    pub sessions: i64,
    /// One of them is still open and counted up to now.
    pub open: bool,
}

impl LedgerDay {
    /// What the day adds to the balance: net work plus absence credit
    /// minus expected.
    pub fn balance_change(&self) -> i64 {
        self.worked_net_minutes + self.absence_credit_minutes - self.expected_minutes
    }
}

/// Ledger totals over a period (one employee's, or summed over many), and
/// the balance at its end.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct LedgerTotals {
    /// Sum of [`LedgerDay::expected_minutes`].
    pub expected_minutes: i64,
    /// Sum of [`LedgerDay::worked_gross_minutes`].
    pub worked_gross_minutes: i64,
    /// Sum of [`LedgerDay::break_deducted_minutes`].
    pub break_deducted_minutes: i64,
    /// Sum of [`LedgerDay::worked_net_minutes`].
    pub worked_net_minutes: i64,
    /// Sum of [`LedgerDay::absence_credit_minutes`].
    pub absence_credit_minutes: i64,
    /// Sum of [`LedgerDay::overtime_minutes`].
    pub overtime_minutes: i64,
    /// Sum of [`LedgerDay::undertime_minutes`].
    pub undertime_minutes: i64,
    /// Sum of [`LedgerDay::holiday_work_minutes`].
    pub holiday_work_minutes: i64,
    /// Sum of [`LedgerDay::rest_day_work_minutes`].
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
    /// The opening balance plus every day's [`LedgerDay::balance_change`].
    pub balance_minutes: i64,
}

impl LedgerTotals {
    /// The totals of `days`, on top of `opening` minutes of balance.
    pub fn of(days: &[LedgerDay], opening: i64) -> Self {
        let mut t = Self {
            balance_minutes: opening,
            ..Self::default()
        };
        for d in days {
            t.add(d);
        }
        t
    }

    /// Adds one day.
    pub fn add(&mut self, d: &LedgerDay) {
        self.expected_minutes += d.expected_minutes;
        self.worked_gross_minutes += d.worked_gross_minutes;
        self.break_deducted_minutes += d.break_deducted_minutes;
        self.worked_net_minutes += d.worked_net_minutes;
        self.absence_credit_minutes += d.absence_credit_minutes;
        self.overtime_minutes += d.overtime_minutes;
        self.undertime_minutes += d.undertime_minutes;
        self.holiday_work_minutes += d.holiday_work_minutes;
        self.rest_day_work_minutes += d.rest_day_work_minutes;
        if let Some(DayAbsence { kind, portion }) = d.absence {
            let days = match portion {
                DayPortion::Full => 1.0,
                DayPortion::Half => 0.5,
            };
            match kind {
                AbsenceKind::Vacation => self.vacation_days += days,
                AbsenceKind::Sick => self.sick_days += days,
                AbsenceKind::Other => self.other_absence_days += days,
            }
        }
        self.absent_without_leave_days += i64::from(d.absent_without_leave);
        self.late_days += i64::from(d.late);
        self.balance_minutes += d.balance_change();
    }

    /// Adds another total (another employee's) to these.
    pub fn merge(&mut self, o: &Self) {
        self.expected_minutes += o.expected_minutes;
        self.worked_gross_minutes += o.worked_gross_minutes;
        self.break_deducted_minutes += o.break_deducted_minutes;
        self.worked_net_minutes += o.worked_net_minutes;
        self.absence_credit_minutes += o.absence_credit_minutes;
        self.overtime_minutes += o.overtime_minutes;
        self.undertime_minutes += o.undertime_minutes;
        self.holiday_work_minutes += o.holiday_work_minutes;
        self.rest_day_work_minutes += o.rest_day_work_minutes;
        self.vacation_days += o.vacation_days;
        self.sick_days += o.sick_days;
        self.other_absence_days += o.other_absence_days;
        self.absent_without_leave_days += o.absent_without_leave_days;
        self.late_days += o.late_days;
        self.balance_minutes += o.balance_minutes;
    }
}

/// An absence as it falls on one day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayAbsence {
    /// Why.
    pub kind: AbsenceKind,
    /// Whole day or half.
    pub portion: DayPortion,
}

/// Hours for people to read: `minutes` / 60, rounded half away from zero to
/// one decimal (`11_787` minutes is `196.5`). The one rounding of hours in
/// the library: summaries, tables and exports all call it, so a number
/// never reads two ways.
pub fn display_hours(minutes: i64) -> f64 {
    // Tenths of an hour are 6 minutes: round in integers, then divide once.
    let tenths = (minutes.abs() + 3) / 6 * minutes.signum();
    tenths as f64 / 10.0
}

/// The ISO-week Monday on or before `date`.
pub fn week_start(date: NaiveDate) -> NaiveDate {
    date - TimeDelta::days(i64::from(date.weekday().num_days_from_monday()))
}
