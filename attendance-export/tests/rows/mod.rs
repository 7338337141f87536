//! Timesheet rows for the file tests.
#![allow(dead_code)]

use std::pin::Pin;
use std::task::{Context, Poll};

use attendance_core::export::{TimesheetRow, TimesheetStream};
use attendance_core::worktime::LedgerDay;
use attendance_core::{EmployeeId, Entity, Error, Result, TeamId};
use chrono::NaiveDate;

/// Employee `id`'s 2026-03-`date`: owes 480 minutes, worked `worked`.
pub(crate) fn day(
    id: i64,
    name: &str,
    team: i64,
    team_name: &str,
    date: u32,
    worked: i64,
) -> TimesheetRow {
    TimesheetRow {
        employee_name: name.to_owned(),
        team_name: team_name.to_owned(),
        day: LedgerDay {
            employee_id: EmployeeId(id),
            date: NaiveDate::from_ymd_opt(2026, 3, date).unwrap(),
            team_id: TeamId(team),
            expected_minutes: 480,
            worked_gross_minutes: worked,
            break_deducted_minutes: 0,
            worked_net_minutes: worked,
            absence_credit_minutes: 0,
            overtime_minutes: (worked - 480).max(0),
            undertime_minutes: (480 - worked).max(0),
            holiday_work_minutes: 0,
            rest_day_work_minutes: 0,
            holiday: None,
            absence: None,
            absent_without_leave: worked == 0,
            late: false,
            sessions: i64::from(worked > 0),
            open: false,
        },
        locked: false,
    }
}

/// `employees` employees with `days` days each, in order.
pub(crate) fn many(employees: i64, days: u32) -> Vec<TimesheetRow> {
    (1..=employees)
        .flat_map(|e| {
            (1..=days).map(move |d| {
                day(
                    e,
                    &format!("Employee {e}"),
                    e % 7,
                    "Team",
                    d,
                    400 + i64::from(d),
                )
            })
        })
        .collect()
}

/// `n` rows, then an error.
pub(crate) fn failing_after(n: u32) -> TimesheetStream<'static> {
    let mut items: Vec<Result<TimesheetRow>> =
        (1..=n).map(|d| Ok(day(1, "A", 1, "T", d, 480))).collect();
    items.push(Err(Error::not_found(Entity::Team, 7)));
    Box::pin(Items(items.into_iter()))
}

struct Items<I>(I);

impl<I: Iterator<Item = Result<TimesheetRow>> + Unpin> futures_core::Stream for Items<I> {
    type Item = Result<TimesheetRow>;

    fn poll_next(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Poll::Ready(self.0.next())
    }
}
