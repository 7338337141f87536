//! The lines both formats write: one column list, day lines and each
//! employee's total line, so CSV and XLSX cannot disagree on a figure.

use attendance_core::export::TimesheetRow;
use attendance_core::worktime::{DayPortion, LedgerTotals};
use attendance_core::{EmployeeId, TeamId};
use chrono::NaiveDate;

/// The header row, in the order [`Line::cells`] yields.
pub(crate) const COLUMNS: [&str; 24] = [
    "kind",
    "employee_id",
    "employee_name",
    "team_id",
    "team_name",
    "work_date",
    "expected_minutes",
    "worked_gross_minutes",
    "break_deducted_minutes",
    "worked_net_minutes",
    "absence_credit_minutes",
    "overtime_minutes",
    "undertime_minutes",
    "holiday_work_minutes",
    "rest_day_work_minutes",
    "balance_change_minutes",
    "holiday_days",
    "vacation_days",
    "sick_days",
    "other_absence_days",
    "absent_without_leave_days",
    "late_days",
    "sessions",
    "locked",
];

/// One cell, typed so XLSX can write numbers as numbers and CSV can
/// neutralise text alone.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Cell<'a> {
    /// Text from outside (names, which may be hostile) or our own words.
    Text(&'a str),
    /// A whole number.
    Int(i64),
    /// Days, in halves.
    Days(f64),
    /// A date.
    Date(NaiveDate),
    /// Nothing (a total's date).
    Empty,
    /// A flag.
    Bool(bool),
}

/// What the figures of a line are: one day's, or a sum of days. A day is
/// the sum of one day, so a total is, by construction, the sum of its
/// employee's day lines.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Figures {
    ledger: LedgerTotals,
    holiday_days: f64,
    sessions: i64,
}

impl Figures {
    fn add(&mut self, row: &TimesheetRow) {
        self.ledger.add(&row.day);
        self.holiday_days += match row.day.holiday {
            Some(DayPortion::Full) => 1.0,
            Some(DayPortion::Half) => 0.5,
            None => 0.0,
        };
        self.sessions += row.day.sessions;
    }

    fn of(row: &TimesheetRow) -> Self {
        let mut f = Self::default();
        f.add(row);
        f
    }
}

/// A day line or a total line, ready to be written.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Line<'a> {
    employee_id: EmployeeId,
    employee_name: &'a str,
    team_id: TeamId,
    team_name: &'a str,
    /// `None` on a total.
    date: Option<NaiveDate>,
    figures: Figures,
    locked: bool,
}

impl<'a> Line<'a> {
    /// The line of one day.
    pub(crate) fn day(row: &'a TimesheetRow) -> Self {
        Self {
            employee_id: row.day.employee_id,
            employee_name: &row.employee_name,
            team_id: row.day.team_id,
            team_name: &row.team_name,
            date: Some(row.day.date),
            figures: Figures::of(row),
            locked: row.locked,
        }
    }

    /// The cells in [`COLUMNS`] order.
    pub(crate) fn cells(&self) -> [Cell<'a>; COLUMNS.len()] {
        let l = &self.figures.ledger;
        [
            Cell::Text(if self.date.is_some() { "day" } else { "total" }),
            Cell::Int(self.employee_id.0),
            Cell::Text(self.employee_name),
            Cell::Int(self.team_id.0),
            Cell::Text(self.team_name),
            self.date.map_or(Cell::Empty, Cell::Date),
            Cell::Int(l.expected_minutes),
            Cell::Int(l.worked_gross_minutes),
            Cell::Int(l.break_deducted_minutes),
            Cell::Int(l.worked_net_minutes),
            Cell::Int(l.absence_credit_minutes),
            Cell::Int(l.overtime_minutes),
            Cell::Int(l.undertime_minutes),
            Cell::Int(l.holiday_work_minutes),
            Cell::Int(l.rest_day_work_minutes),
            Cell::Int(l.balance_minutes),
            Cell::Days(self.figures.holiday_days),
            Cell::Days(l.vacation_days),
            Cell::Days(l.sick_days),
            Cell::Days(l.other_absence_days),
            Cell::Int(l.absent_without_leave_days),
            Cell::Int(l.late_days),
            Cell::Int(self.figures.sessions),
            Cell::Bool(self.locked),
        ]
    }
}

/// One employee's total so far: the only state kept while rows stream.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Total {
    employee_id: EmployeeId,
    employee_name: String,
    team_id: TeamId,
    team_name: String,
    figures: Figures,
    locked: bool,
}

impl Total {
    /// The total line. Its team is the one of the employee's last date
    /// (where they are at the period's end); it is locked only when every
    /// one of its days is.
    pub(crate) fn line(&self) -> Line<'_> {
        Line {
            employee_id: self.employee_id,
            employee_name: &self.employee_name,
            team_id: self.team_id,
            team_name: &self.team_name,
            date: None,
            figures: self.figures.clone(),
            locked: self.locked,
        }
    }
}

/// Sums rows per employee; rows arrive by employee id, so one employee is
/// open at a time.
#[derive(Debug, Default)]
pub(crate) struct Totals {
    current: Option<Total>,
}

impl Totals {
    /// Adds `row`; when it starts a new employee, the previous one's total
    /// is complete and returned.
    pub(crate) fn push(&mut self, row: &TimesheetRow) -> Option<Total> {
        if let Some(t) = self.current.as_mut()
            && t.employee_id == row.day.employee_id
        {
            t.figures.add(row);
            t.locked &= row.locked;
            if t.team_id != row.day.team_id {
                t.team_id = row.day.team_id;
                t.team_name.clone_from(&row.team_name);
            }
            return None;
        }
        self.current.replace(Total {
            employee_id: row.day.employee_id,
            employee_name: row.employee_name.clone(),
            team_id: row.day.team_id,
            team_name: row.team_name.clone(),
            figures: Figures::of(row),
            locked: row.locked,
        })
    }

    /// The last employee's total, once the rows are through.
    pub(crate) fn finish(&mut self) -> Option<Total> {
        self.current.take()
    }
}
