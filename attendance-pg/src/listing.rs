//! The session listing statement: built from the filters in use, with the
//! principal's scope and the redundant bounds that steer the planner.

use attendance_core::access::Scope;
use attendance_core::domain::check_supported_instant;
use attendance_core::store::{PageRequest, SessionFilter};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use sqlx::{Postgres, QueryBuilder};

use crate::store::SESSION_COLUMNS;

/// The longest date range, in days, over which a team's listing reads its
/// members' sessions rather than walking the company's in order.
const TEAM_SHORT_RANGE_DAYS: i64 = 92;

/// The listing statement: only the filters in use become predicates, so
/// each combination gets its own prepared statement and a plan that fits it.
pub(crate) fn listing_query(filter: &SessionFilter, page: &PageRequest) -> QueryBuilder<Postgres> {
    let mut q = QueryBuilder::new("SELECT s.");
    q.push(SESSION_COLUMNS.replace(", ", ", s."));
    q.push(" FROM sessions s");
    // A team over a short date range: its members' sessions through the
    // (employee_id, work_date) index, a few thousand rows to sort at most.
    // Otherwise the join walks the `clock_in` index in the listing's order
    // and checks each row's team, which stops after about (teams × page)
    // rows when the range is open or long, but reads the whole range when
    // it is short (docs/PERFORMANCE.md, "Read paths").
    let short_range = matches!(
        (filter.from, filter.to),
        (Some(from), Some(to)) if (to - from).num_days() <= TEAM_SHORT_RANGE_DAYS
    );
    let join_team = filter.team_id.is_some() && !short_range;
    if join_team {
        q.push(" JOIN employees e ON e.id = s.employee_id");
    }
    q.push(" WHERE true");
    if let Some(employee) = filter.employee_id {
        q.push(" AND s.employee_id = ").push_bind(employee.0);
    }
    if let Some(team) = filter.team_id {
        if join_team {
            q.push(" AND e.team_id = ").push_bind(team.0);
        } else {
            q.push(
                " AND s.employee_id = ANY (ARRAY(SELECT id FROM employees \
                 WHERE team_id = ",
            )
            .push_bind(team.0)
            .push("))");
        }
    }
    // The principal's scope: their own sessions, and their teams' members'
    // through the same array as a team filter.
    if let Scope::Member { employee, teams } = &filter.scope {
        q.push(" AND (s.employee_id = ").push_bind(employee.0);
        if !teams.is_empty() {
            q.push(
                " OR s.employee_id = ANY (ARRAY(SELECT id FROM employees \
                 WHERE team_id = ANY (",
            )
            .push_bind(teams.iter().map(|t| t.0).collect::<Vec<_>>())
            .push(")))");
        }
        q.push(")");
    }
    // Each work-date bound comes with the `clock_in` bound it implies, so
    // that the planner starts the `clock_in` index (the listing's order) at
    // the range instead of walking down from the newest row and filtering
    // every later one (docs/PERFORMANCE.md, "Read paths"). The check
    // `sessions_work_date_near_clock_in` (migrations/0001_schema.sql) keeps
    // every work date within a day of the UTC date of its clock-in, so a
    // session with `work_date >= from` clocked in on or after UTC midnight
    // of `from - 1`, and one with `work_date <= to` before UTC midnight of
    // `to + 2`: the extra predicate removes no row the filter keeps.
    if let Some(from) = filter.from {
        q.push(" AND s.work_date >= ").push_bind(from);
        if let Some(earliest) = utc_midnight(from, -1) {
            q.push(" AND s.clock_in >= ").push_bind(earliest);
        }
    }
    if let Some(to) = filter.to {
        q.push(" AND s.work_date <= ").push_bind(to);
        if let Some(after) = utc_midnight(to, 2) {
            q.push(" AND s.clock_in < ").push_bind(after);
        }
    }
    if let Some(mode) = filter.work_mode {
        q.push(" AND s.work_mode = ").push_bind(mode.as_str());
    }
    if let Some(cursor) = page.cursor {
        q.push(" AND (s.clock_in, s.id) < (")
            .push_bind(cursor.clock_in)
            .push(", ")
            .push_bind(cursor.id.0)
            .push(")");
    }
    q.push(" ORDER BY s.clock_in DESC, s.id DESC LIMIT ")
        .push_bind(i64::from(page.limit) + 1);
    q
}

/// UTC midnight `days` days from `date`; `None` near the ends of the
/// calendar, where the caller then leaves its redundant bound out.
fn utc_midnight(date: NaiveDate, days: i64) -> Option<DateTime<Utc>> {
    date.checked_add_signed(chrono::TimeDelta::try_days(days)?)
        .map(|d| d.and_time(NaiveTime::MIN).and_utc())
        .filter(|at| check_supported_instant("clock_in", *at).is_ok())
}
