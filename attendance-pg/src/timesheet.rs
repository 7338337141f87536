//! The timesheet streamed from PostgreSQL: the ledger's lines
//! (`ledger.sql`, the one source of its rules) of the employees a query
//! selects, with names and locks (`timesheet.sql`), in one statement whose
//! rows are read as the server sends them, so a month of the company never
//! sits in memory.

use attendance_core::access::Scope;
use attendance_core::export::{TimesheetQuery, TimesheetRow, TimesheetStream};
use attendance_core::worktime::LedgerDay;
use chrono::{DateTime, Utc};
use sqlx::FromRow;

use crate::PgStore;
use crate::error::map;
use crate::ledger::{LineRow, ledger_of};

/// `$4` a team (its current members), `$5` one employee, `$6` and `$7` the
/// scope's member and managed teams (NULL: every employee), as
/// `Scope::admits` reads it, on the employee's current team.
pub(crate) const TIMESHEET_SQL: &str = concat!(
    ledger_of!(
        "SELECT id AS employee_id, team_id AS current_team FROM attendance.employees \
         WHERE ($4::bigint IS NULL OR team_id = $4) \
           AND ($5::bigint IS NULL OR id = $5) \
           AND ($6::bigint IS NULL OR id = $6 OR team_id = ANY ($7::bigint[]))"
    ),
    include_str!("timesheet.sql")
);

#[derive(FromRow)]
struct SheetRow {
    #[sqlx(flatten)]
    line: LineRow,
    employee_name: String,
    team_name: String,
    locked: bool,
}

impl PgStore {
    /// [`AnalyticsStore::timesheet`](attendance_core::store::AnalyticsStore::timesheet).
    ///
    /// Not retried: rows already handed on cannot be taken back. The
    /// connection goes back to the stack only when every row was read; a
    /// stream dropped early (a client gone) closes it with its statement.
    pub(crate) fn timesheet_rows<'a>(
        &'a self,
        query: &'a TimesheetQuery,
        now: DateTime<Utc>,
    ) -> TimesheetStream<'a> {
        let (member, teams): (Option<i64>, Vec<i64>) = match &query.scope {
            Scope::All => (None, Vec::new()),
            Scope::Member { employee, teams } => {
                (Some(employee.0), teams.iter().map(|t| t.0).collect())
            }
        };
        Box::pin(async_stream::try_stream! {
            let mut held = self.conns.hold().await.map_err(map)?;
            {
                let mut rows = sqlx::query_as::<_, SheetRow>(TIMESHEET_SQL)
                    .bind(query.period.from())
                    .bind(query.period.to())
                    .bind(now)
                    .bind(query.team_id.map(|t| t.0))
                    .bind(query.employee_id.map(|e| e.0))
                    .bind(member)
                    .bind(teams)
                    .fetch(held.conn());
                while let Some(row) =
                    std::future::poll_fn(|cx| rows.as_mut().poll_next(cx)).await
                {
                    let row = row.map_err(map)?;
                    yield TimesheetRow {
                        employee_name: row.employee_name,
                        team_name: row.team_name,
                        day: LedgerDay::try_from(row.line)?,
                        locked: row.locked,
                    };
                }
            }
            held.finish(true);
        })
    }
}
