//! The write statements of the directory and session stores, each over a
//! connection, and what their failures mean. The plain writes
//! (`store.rs`, one statement with retries) and the idempotent ones
//! (`idempotency.rs`, inside the key's transaction) run the same ones.

use attendance_core::{Conflict, EmployeeId, Entity, Error, NewEmployee, WorkMode};
use chrono::{DateTime, NaiveTime, Utc};
use sqlx::PgConnection;

use crate::error::{has_code, map, sqlstate, violates};
use crate::store::{EmployeeRow, SessionRow, TeamRow};

/// A session conflict that vanished twice while being explained.
pub(crate) fn vanished_conflict() -> Error {
    Error::unavailable("the session conflicted with a concurrent change; try again")
}

/// Inserts a team whose zone the server must know: the statement evaluates
/// `AT TIME ZONE` once, which fails with SQLSTATE 22023 for a zone the
/// server lacks (see [`team_error`]).
pub(crate) async fn insert_team(
    c: &mut PgConnection,
    name: &str,
    timezone: &str,
    late_after: NaiveTime,
) -> std::result::Result<TeamRow, sqlx::Error> {
    sqlx::query_as::<_, TeamRow>(
        "INSERT INTO attendance.teams (name, timezone, late_after) \
         SELECT $1, $2, $3 WHERE (now() AT TIME ZONE $2::text) IS NOT NULL \
         RETURNING id, name, timezone, late_after",
    )
    .bind(name)
    .bind(timezone)
    .bind(late_after)
    .fetch_one(c)
    .await
}

/// What a failed [`insert_team`] means. Nothing else in the statement can
/// raise 22023, so it maps to a bad "timezone".
pub(crate) fn team_error(e: sqlx::Error, name: &str, timezone: &str) -> Error {
    if violates(&e, sqlstate::UNIQUE_VIOLATION, "teams_name_unique") {
        return Conflict::DuplicateTeamName {
            name: name.to_owned(),
        }
        .into();
    }
    if has_code(&e, sqlstate::INVALID_PARAMETER_VALUE) {
        return Error::validation(
            "timezone",
            format!(
                "{timezone:?} is not a timezone this PostgreSQL server knows; \
                 choose another name for the same zone, or update the server's tz data"
            ),
        );
    }
    map(e)
}

pub(crate) async fn insert_employee(
    c: &mut PgConnection,
    employee: &NewEmployee,
) -> std::result::Result<EmployeeRow, sqlx::Error> {
    sqlx::query_as::<_, EmployeeRow>(
        "INSERT INTO attendance.employees (team_id, name, role, is_manager) \
         VALUES ($1, $2, $3, $4) RETURNING id, team_id, name, role, is_manager",
    )
    .bind(employee.team_id().0)
    .bind(employee.name())
    .bind(employee.role())
    .bind(employee.is_manager())
    .fetch_one(c)
    .await
}

pub(crate) fn employee_error(e: sqlx::Error, employee: &NewEmployee) -> Error {
    if violates(
        &e,
        sqlstate::FOREIGN_KEY_VIOLATION,
        "employees_team_id_fkey",
    ) {
        return Error::not_found(Entity::Team, employee.team_id());
    }
    map(e)
}

/// Inserts `[clock_in, clock_out)`, dating it in the team's timezone in the
/// same statement; `None` for an unknown employee. Constraint violations are
/// returned raw so the caller can explain them
/// ([`PgStore::session_error`]).
pub(crate) async fn insert_session(
    c: &mut PgConnection,
    employee: EmployeeId,
    mode: WorkMode,
    clock_in: DateTime<Utc>,
    clock_out: Option<DateTime<Utc>>,
) -> std::result::Result<Option<SessionRow>, sqlx::Error> {
    // The work date is `domain::work_date`, computed here in the same
    // statement; the conformance kit's night-shift and DST scenarios prove
    // the two agree.
    sqlx::query_as::<_, SessionRow>(
        "INSERT INTO attendance.sessions \
         (employee_id, work_date, clock_in, clock_out, work_mode) \
         SELECT e.id, ($2::timestamptz AT TIME ZONE t.timezone)::date, $2, $3, $4 \
         FROM attendance.employees e \
         JOIN attendance.teams t ON t.id = e.team_id \
         WHERE e.id = $1 \
         RETURNING id, employee_id, work_date, clock_in, clock_out, work_mode",
    )
    .bind(employee.0)
    .bind(clock_in)
    .bind(clock_out)
    .bind(mode.as_str())
    .fetch_optional(c)
    .await
}

/// Closes the employee's open session at `at`; `None` when nothing was
/// closed ([`PgStore::nothing_closed`] says why).
pub(crate) async fn close_session(
    c: &mut PgConnection,
    employee: EmployeeId,
    at: DateTime<Utc>,
) -> std::result::Result<Option<SessionRow>, sqlx::Error> {
    sqlx::query_as::<_, SessionRow>(
        "UPDATE attendance.sessions SET clock_out = $2 \
         WHERE employee_id = $1 AND clock_out IS NULL AND clock_in < $2 \
         RETURNING id, employee_id, work_date, clock_in, clock_out, work_mode",
    )
    .bind(employee.0)
    .bind(at)
    .fetch_optional(c)
    .await
}
