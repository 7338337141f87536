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

/// The employees of a timesheet: `$4` a team (its current members), `$5`
/// one employee, `$6` and `$7` the scope's member and managed teams (NULL:
/// every employee), as `Scope::admits` reads it, on the current team.
macro_rules! selected {
    () => {
        "SELECT id AS employee_id, team_id AS current_team FROM employees \
         WHERE ($4::bigint IS NULL OR team_id = $4) \
           AND ($5::bigint IS NULL OR id = $5) \
           AND ($6::bigint IS NULL OR id = $6 OR team_id = ANY ($7::bigint[]))"
    };
}

/// The ledger's lines of the selected employees, then the rows.
const TIMESHEET_SQL: &str = concat!(ledger_of!(selected!()), include_str!("timesheet.sql"));

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
    pub(crate) fn timesheet_rows(
        &self,
        query: TimesheetQuery,
        now: DateTime<Utc>,
    ) -> TimesheetStream<'_> {
        let (member, teams): (Option<i64>, Vec<i64>) = match &query.scope {
            Scope::All => (None, Vec::new()),
            Scope::Member { employee, teams } => {
                (Some(employee.0), teams.iter().map(|t| t.0).collect())
            }
        };
        Box::pin(async_stream::try_stream! {
            let mut held = self.conns.hold().await.map_err(map)?;
            {
                // Planned with its values each time (an unnamed
                // statement): the generic plan PostgreSQL switches a
                // prepared statement to after five runs knows neither the
                // dates nor the selection, and took twice as long
                // (docs/PERFORMANCE.md, "Timesheet export").
                let mut rows = sqlx::query_as::<_, SheetRow>(TIMESHEET_SQL)
                    .persistent(false)
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

/// `benches/export.copy.sql`, the other side of `benches/export.sh`: the
/// store's own ledger lines (so the rules cannot drift), then a
/// hand-written SELECT that makes of them the rows and columns
/// `attendance-export` writes, for `COPY … TO STDOUT` through psql.
#[cfg(test)]
mod bench_file {
    use std::path::PathBuf;

    use crate::bench_sql::substitute;
    use crate::ledger::ledger_of;

    /// The company's timesheet: psql variables for the period and now, no
    /// team, employee or scope.
    const PARAMS: [&str; 7] = [":'from'", ":'to'", ":'now'", "NULL", "NULL", "NULL", "'{}'"];

    /// Day lines and each employee's total line, as the CSV writer makes
    /// them (names neutralised, days in halves, flags as words).
    const LINES: &str = r#"sheet AS (
    SELECT l.employee_id, l.date, l.team_id, e.name AS employee_name, t.name AS team_name,
           l.expected_minutes, l.worked_gross_minutes, l.break_deducted_minutes,
           l.worked_net_minutes, l.absence_credit_minutes, l.overtime_minutes,
           l.undertime_minutes, l.holiday_work_minutes, l.rest_day_work_minutes,
           l.worked_net_minutes + l.absence_credit_minutes - l.expected_minutes AS balance,
           CASE l.holiday WHEN 'full' THEN 1 WHEN 'half' THEN 0.5 ELSE 0 END::float8 AS hol,
           CASE WHEN l.absence_kind = 'vacation'
                THEN CASE l.absence_portion WHEN 'full' THEN 1 ELSE 0.5 END
                ELSE 0 END::float8 AS vac,
           CASE WHEN l.absence_kind = 'sick'
                THEN CASE l.absence_portion WHEN 'full' THEN 1 ELSE 0.5 END
                ELSE 0 END::float8 AS sick,
           CASE WHEN l.absence_kind = 'other'
                THEN CASE l.absence_portion WHEN 'full' THEN 1 ELSE 0.5 END
                ELSE 0 END::float8 AS other,
           l.absent_without_leave::int AS awol, l.late::int AS late, l.sessions,
           EXISTS (SELECT 1 FROM period_locks pl
                   WHERE (pl.team_id IS NULL OR pl.team_id = l.team_id)
                     AND l.date BETWEEN pl.from_date AND pl.to_date) AS locked
    FROM ledger l
    JOIN employees e ON e.id = l.employee_id
    JOIN teams t ON t.id = l.team_id
), lines AS (
    SELECT employee_id, 0 AS k, date, employee_name, team_id, team_name,
           expected_minutes, worked_gross_minutes, break_deducted_minutes, worked_net_minutes,
           absence_credit_minutes, overtime_minutes, undertime_minutes, holiday_work_minutes,
           rest_day_work_minutes, balance, hol, vac, sick, other, awol, late, sessions, locked
    FROM sheet
    UNION ALL
    SELECT employee_id, 1, NULL, min(employee_name),
           (array_agg(team_id ORDER BY date DESC))[1], (array_agg(team_name ORDER BY date DESC))[1],
           sum(expected_minutes), sum(worked_gross_minutes), sum(break_deducted_minutes),
           sum(worked_net_minutes), sum(absence_credit_minutes), sum(overtime_minutes),
           sum(undertime_minutes), sum(holiday_work_minutes), sum(rest_day_work_minutes),
           sum(balance), sum(hol), sum(vac), sum(sick), sum(other), sum(awol), sum(late),
           sum(sessions), bool_and(locked)
    FROM sheet GROUP BY employee_id
)
SELECT CASE k WHEN 0 THEN 'day' ELSE 'total' END AS kind, employee_id,
       CASE WHEN left(employee_name, 1) IN ('=', '+', '-', '@', E'\t', E'\r')
            THEN '''' || employee_name ELSE employee_name END AS employee_name,
       team_id,
       CASE WHEN left(team_name, 1) IN ('=', '+', '-', '@', E'\t', E'\r')
            THEN '''' || team_name ELSE team_name END AS team_name,
       date AS work_date, expected_minutes, worked_gross_minutes, break_deducted_minutes,
       worked_net_minutes, absence_credit_minutes, overtime_minutes, undertime_minutes,
       holiday_work_minutes, rest_day_work_minutes, balance AS balance_change_minutes,
       hol AS holiday_days, vac AS vacation_days, sick AS sick_days,
       other AS other_absence_days, awol AS absent_without_leave_days, late AS late_days,
       sessions, CASE WHEN locked THEN 'true' ELSE 'false' END AS locked
FROM lines
ORDER BY employee_id, k, date"#;

    /// The file psql runs, and what it holds.
    fn files() -> [(&'static str, String); 2] {
        [
            ("export.copy.sql", same_file()),
            ("export.rows.copy.sql", rows_only()),
        ]
    }

    fn rows_only() -> String {
        let statement = substitute(super::TIMESHEET_SQL, &PARAMS);
        format!(
            "-- The store's timesheet statement as it is (day rows, no totals, no\n\
             -- formatting), for `COPY ... TO STDOUT` through psql in benches/export.sh:\n\
             -- the floor of the database's part of an export. Rendered by\n\
             -- attendance-pg/src/timesheet.rs (a test holds the two equal): do not edit by hand.\n\
             COPY (\n{statement}\n) TO STDOUT WITH (FORMAT csv, HEADER);\n"
        )
    }

    fn same_file() -> String {
        let ledger = substitute(ledger_of!(selected!()), &PARAMS);
        format!(
            "-- The company's timesheet as attendance-export writes it, for\n\
             -- `COPY ... TO STDOUT` through psql (what `\\copy` does), in benches/export.sh:\n\
             --   psql -v from=2026-11-01 -v to=2026-11-30 -v now=2026-12-04T12:00:00Z \\\n\
             --       -f benches/export.copy.sql > timesheet.csv\n\
             -- The ledger's lines are the store's statement (ledger.sql); the rows and\n\
             -- columns from them are hand-written. Rendered by attendance-pg/src/timesheet.rs\n\
             -- (a test holds the two equal): do not edit by hand.\n\
             COPY (\n{ledger},\n{LINES}\n) TO STDOUT WITH (FORMAT csv, HEADER);\n"
        )
    }

    #[test]
    fn the_copy_files_are_the_stores_statements() {
        let benches = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../benches");
        for (name, expected) in files() {
            let path = benches.join(name);
            if std::env::var_os("ATTENDANCE_BLESS").is_some() {
                std::fs::write(&path, &expected).unwrap();
            }
            let found = std::fs::read_to_string(&path).unwrap_or_default();
            assert!(
                found == expected,
                "{} is not the store's statement; rerun with ATTENDANCE_BLESS=1 to render it",
                path.display()
            );
            // Every parameter has its stand-in.
            assert!(!expected.contains('$'), "{name}");
        }
    }
}
