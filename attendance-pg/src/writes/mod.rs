//! The write statements, each over a connection, and what their failures
//! mean; `dispatch.rs` maps each [`Write`](attendance_core::idempotency::Write)
//! to them. The plain writes (one statement with retries) and the keyed
//! ones (inside the key's transaction, `idempotency.rs`) run the same
//! statements.
//!
//! Each statement appends its audit entry itself, in a data-modifying CTE
//! that reads the written row's `RETURNING`: the write and its entry are
//! one statement (a clock-in stays one round trip), and a write that fails
//! or returns no row appends nothing. The entry's JSON is built in SQL in
//! the shape of `attendance_core::idempotency::Written`; the conformance
//! kit's audit scenarios prove it reads back as the in-memory store's.

use attendance_core::access::Actor;
use attendance_core::audit::{AuditAction, Stamp};
use attendance_core::worktime::SINCE_ALWAYS;
use attendance_core::{
    Conflict, EmployeeId, Entity, Error, NewEmployee, NewTeam, TeamId, WorkMode,
};
use chrono::{DateTime, NaiveTime, Utc};
use sqlx::PgConnection;
use sqlx::postgres::PgArguments;
use sqlx::query::QueryAs;

use crate::error::{has_code, map, sqlstate, violates};
use crate::store::{EmployeeRow, SessionRow, TeamRow};

mod dispatch;

pub(crate) use dispatch::perform_in;

/// A session conflict that vanished twice while being explained.
pub(crate) fn vanished_conflict() -> Error {
    Error::unavailable("the session conflicted with a concurrent change; try again")
}

/// The columns of a team to insert: a [`NewTeam`]'s, or (in tests) a
/// timezone name chrono-tz would not have accepted.
pub(crate) struct TeamInsert<'a> {
    pub(crate) name: &'a str,
    pub(crate) timezone: &'a str,
    pub(crate) late_after: NaiveTime,
    pub(crate) auto_close_after_hours: Option<u32>,
}

impl<'a> TeamInsert<'a> {
    pub(crate) fn of(team: &'a NewTeam) -> Self {
        Self {
            name: team.name(),
            timezone: team.timezone().name(),
            late_after: team.late_after(),
            auto_close_after_hours: team.auto_close_after_hours(),
        }
    }
}

/// Inserts a team whose zone the server must know: the statement evaluates
/// `AT TIME ZONE` once, which fails with SQLSTATE 22023 for a zone the
/// server lacks (see [`team_error`]).
pub(crate) async fn insert_team(
    c: &mut PgConnection,
    stamp: &Stamp,
    team: &TeamInsert<'_>,
) -> std::result::Result<TeamRow, sqlx::Error> {
    // Out of i32's range is out of the column's check too: NULL would turn
    // the policy off silently, so hand the check a value it refuses.
    let hours = team
        .auto_close_after_hours
        .map(|h| i32::try_from(h).unwrap_or(i32::MAX));
    let q = sqlx::query_as::<_, TeamRow>(concat!(
        "WITH t AS (INSERT INTO teams \
         (name, timezone, late_after, auto_close_after_hours) \
         SELECT $1, $2, $3, $9 WHERE (now() AT TIME ZONE $2::text) IS NOT NULL \
         RETURNING id, name, timezone, late_after, auto_close_after_hours), \
         a AS (INSERT INTO audit_log ",
        "(at, actor_kind, actor_name, actor_employee_id, actor_token_id, action, team_id, after) \
         SELECT $4, $5, $6, $7, $8, 'team_created', t.id, \
         jsonb_build_object('kind', 'team', 'value', jsonb_build_object(\
         'id', t.id, 'name', t.name, 'timezone', t.timezone, 'late_after', t.late_after, \
         'auto_close_after_hours', t.auto_close_after_hours)) \
         FROM t) \
         SELECT id, name, timezone, late_after, auto_close_after_hours FROM t",
    ))
    .bind(team.name)
    .bind(team.timezone)
    .bind(team.late_after);
    bind_stamp(q, stamp).bind(hours).fetch_one(c).await
}

/// Binds who and when (the next five parameters): `at`, the actor's kind,
/// name, employee id and token id.
pub(crate) fn bind_stamp<'q, O>(
    q: QueryAs<'q, sqlx::Postgres, O, PgArguments>,
    stamp: &Stamp,
) -> QueryAs<'q, sqlx::Postgres, O, PgArguments> {
    let ActorColumns {
        kind,
        name,
        employee,
        token,
    } = actor_columns(&stamp.actor);
    q.bind(stamp.at)
        .bind(kind)
        .bind(name)
        .bind(employee)
        .bind(token)
}

/// The audit columns of an actor.
pub(crate) struct ActorColumns {
    /// `actor_kind`.
    pub(crate) kind: &'static str,
    /// `actor_name`: an admin's.
    pub(crate) name: Option<String>,
    /// `actor_employee_id`: an employee's.
    pub(crate) employee: Option<i64>,
    /// `actor_token_id`: the token an admin authenticated with.
    pub(crate) token: Option<i64>,
}

/// The audit columns of `actor`.
pub(crate) fn actor_columns(actor: &Actor) -> ActorColumns {
    let (kind, name, employee, token) = match actor {
        Actor::System => ("system", None, None, None),
        Actor::Admin { name, token } => ("admin", Some(name.clone()), None, token.map(|t| t.0)),
        Actor::Employee { id } => ("employee", None, Some(id.0), None),
    };
    ActorColumns {
        kind,
        name,
        employee,
        token,
    }
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
    stamp: &Stamp,
    employee: &NewEmployee,
) -> std::result::Result<EmployeeRow, sqlx::Error> {
    let q = sqlx::query_as::<_, EmployeeRow>(concat!(
        "WITH e AS (INSERT INTO employees (team_id, name, role, is_manager) \
         VALUES ($1, $2, $3, $4) RETURNING id, team_id, name, role, is_manager), \
         a AS (INSERT INTO audit_log ",
        "(at, actor_kind, actor_name, actor_employee_id, actor_token_id, action, employee_id, \
         team_id, after) \
         SELECT $5, $6, $7, $8, $9, 'employee_created', e.id, e.team_id, \
         jsonb_build_object('kind', 'employee', 'value', jsonb_build_object(\
         'id', e.id, 'name', e.name, 'role', e.role, 'team_id', e.team_id, \
         'is_manager', e.is_manager)) \
         FROM e), \
         m AS (INSERT INTO team_memberships (employee_id, valid_from, team_id) \
         SELECT e.id, $10, e.team_id FROM e) \
         SELECT id, team_id, name, role, is_manager FROM e",
    ))
    .bind(employee.team_id().0)
    .bind(employee.name())
    .bind(employee.role())
    .bind(employee.is_manager());
    bind_stamp(q, stamp).bind(SINCE_ALWAYS).fetch_one(c).await
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

/// The JSON of the session row `s` as `Written::Session`.
macro_rules! session_json {
    () => {
        "jsonb_build_object('kind', 'session', 'value', jsonb_build_object(\
         'id', s.id, 'employee_id', s.employee_id, 'work_date', s.work_date, \
         'clock_in', s.clock_in, 'clock_out', s.clock_out, 'work_mode', s.work_mode, \
         'auto_closed', s.auto_closed))"
    };
}

/// A new session: a clock-in when open (`clock_out` is `None`), else a
/// backfill, with its reason if it has one.
pub(crate) struct NewSession<'a> {
    pub(crate) employee: EmployeeId,
    pub(crate) mode: WorkMode,
    pub(crate) clock_in: DateTime<Utc>,
    pub(crate) clock_out: Option<DateTime<Utc>>,
    pub(crate) reason: Option<&'a str>,
}

/// The session insert alone, without its audit entry. The work date is
/// `domain::work_date`, computed here in the same statement; the
/// conformance kit's night-shift and DST scenarios prove the two agree.
/// The employee and team are read in a CTE of the insert's own: Citus
/// cannot insert into a table with an identity column from a join of its
/// tables, but can from a CTE's result; PostgreSQL inlines the CTE, so
/// its plan is the join's.
macro_rules! insert_session_row {
    () => {
        "INSERT INTO sessions \
         (employee_id, work_date, clock_in, clock_out, work_mode) \
         WITH e AS (SELECT e.id, t.timezone FROM employees e \
         JOIN teams t ON t.id = e.team_id \
         WHERE e.id = $1) \
         SELECT e.id, ($2::timestamptz AT TIME ZONE e.timezone)::date, $2, $3, $4 \
         FROM e \
         RETURNING id, employee_id, work_date, clock_in, clock_out, work_mode, auto_closed"
    };
}

/// The clock-out's update alone, without its audit entry.
macro_rules! close_session_row {
    () => {
        "UPDATE sessions SET clock_out = $2 \
         WHERE employee_id = $1 AND clock_out IS NULL AND clock_in < $2 \
         RETURNING id, employee_id, work_date, clock_in, clock_out, work_mode, auto_closed"
    };
}

/// [`insert_session`]'s statement without the audit entry: what an
/// approval runs (it appends its entries itself, in its own order), and
/// what the benchmark runs to show what the entry costs. Parameters as
/// [`INSERT_SESSION_SQL`]'s first four.
pub(crate) const INSERT_SESSION_ROW_SQL: &str = insert_session_row!();

/// [`close_session`]'s statement without the audit entry.
#[cfg(test)]
pub(crate) const CLOSE_SESSION_ROW_SQL: &str = close_session_row!();

/// [`insert_session`]'s statement. Parameters: `$1` employee, `$2`
/// clock-in, `$3` clock-out, `$4` work mode, `$5` audit action, `$6`
/// reason, `$7`–`$11` the stamp ([`bind_stamp`]).
/// `benches/clock_cycle.pgbench.sql` is rendered from it (a test holds
/// the two equal).
pub(crate) const INSERT_SESSION_SQL: &str = concat!(
    "WITH s AS (",
    insert_session_row!(),
    "), \
     a AS (INSERT INTO audit_log \
     (at, actor_kind, actor_name, actor_employee_id, actor_token_id, action, employee_id, \
     session_id, after, reason) \
     SELECT $7, $8, $9, $10, $11, $5, s.employee_id, s.id, ",
    session_json!(),
    ", $6 FROM s) \
     SELECT id, employee_id, work_date, clock_in, clock_out, work_mode, auto_closed FROM s",
);

/// [`close_session`]'s statement. Parameters: `$1` employee, `$2` the
/// clock-out, `$3`–`$7` the stamp ([`bind_stamp`]). Before the update
/// the session was the same, open.
pub(crate) const CLOSE_SESSION_SQL: &str = concat!(
    "WITH s AS (",
    close_session_row!(),
    "), \
     a AS (INSERT INTO audit_log \
     (at, actor_kind, actor_name, actor_employee_id, actor_token_id, action, employee_id, \
     session_id, before, after) \
     SELECT $3, $4, $5, $6, $7, 'clock_out', s.employee_id, s.id, \
     jsonb_set(",
    session_json!(),
    ", '{value,clock_out}', 'null'::jsonb), ",
    session_json!(),
    " FROM s) \
     SELECT id, employee_id, work_date, clock_in, clock_out, work_mode, auto_closed FROM s",
);

/// Inserts `[clock_in, clock_out)`, dating it in the team's timezone in the
/// same statement; `None` for an unknown employee. Constraint violations are
/// returned raw so the caller can explain them
/// ([`PgStore::session_error`]).
pub(crate) async fn insert_session(
    c: &mut PgConnection,
    stamp: &Stamp,
    new: &NewSession<'_>,
) -> std::result::Result<Option<SessionRow>, sqlx::Error> {
    let action = match new.clock_out {
        None => AuditAction::ClockIn,
        Some(_) => AuditAction::Backfill,
    };
    let q = sqlx::query_as::<_, SessionRow>(INSERT_SESSION_SQL)
        .bind(new.employee.0)
        .bind(new.clock_in)
        .bind(new.clock_out)
        .bind(new.mode.as_str())
        .bind(action.as_str())
        .bind(new.reason);
    bind_stamp(q, stamp).fetch_optional(c).await
}

/// [`insert_session`] without its audit entry.
pub(crate) async fn insert_session_row(
    c: &mut PgConnection,
    new: &NewSession<'_>,
) -> std::result::Result<Option<SessionRow>, sqlx::Error> {
    sqlx::query_as::<_, SessionRow>(INSERT_SESSION_ROW_SQL)
        .bind(new.employee.0)
        .bind(new.clock_in)
        .bind(new.clock_out)
        .bind(new.mode.as_str())
        .fetch_optional(c)
        .await
}

/// Closes the employee's open session at `at`; `None` when nothing was
/// closed ([`PgStore::nothing_closed`] says why).
pub(crate) async fn close_session(
    c: &mut PgConnection,
    stamp: &Stamp,
    employee: EmployeeId,
    at: DateTime<Utc>,
) -> std::result::Result<Option<SessionRow>, sqlx::Error> {
    let q = sqlx::query_as::<_, SessionRow>(CLOSE_SESSION_SQL)
        .bind(employee.0)
        .bind(at);
    bind_stamp(q, stamp).fetch_optional(c).await
}

/// Closes every open session past its team's forgotten clock-out policy at
/// clock-in plus the maximum, marked `auto_closed`, one `auto_close` entry
/// each, in one statement.
///
/// A session whose work date a period lock covers is left open, so that
/// the lock trigger never refuses the sweep (and with it every other
/// team's sessions). Locking refuses a period with open sessions and,
/// while the lock stands, nothing can open one in it, so the only such
/// session is one whose employee moved into a locked team after clocking
/// in: it stays open for the lock's owners to see, until the period is
/// reopened.
///
/// Safe under concurrency: the rows are locked `SKIP LOCKED` (a session
/// being clocked out right now is left to that clock-out, or to the next
/// sweep), and the update re-checks `clock_out IS NULL` on the row it
/// writes, so a clock-out committed meanwhile is never overwritten and two
/// sweeps never close a session twice.
pub(crate) async fn close_forgotten(
    c: &mut PgConnection,
    stamp: &Stamp,
    now: DateTime<Utc>,
) -> std::result::Result<Vec<SessionRow>, sqlx::Error> {
    // `make_interval(hours => …)` is an absolute duration, so a policy of
    // 12 hours is 12 hours across a DST change, as in core's
    // `Team::auto_close_at`. The open sessions come from the partial index
    // `sessions_one_open_per_employee`.
    let q = sqlx::query_as::<_, SessionRow>(concat!(
        "WITH due AS (SELECT s.id, \
         s.clock_in + make_interval(hours => t.auto_close_after_hours) AS close_at \
         FROM sessions s \
         JOIN employees e ON e.id = s.employee_id \
         JOIN teams t ON t.id = e.team_id \
         WHERE s.clock_out IS NULL AND t.auto_close_after_hours IS NOT NULL \
           AND s.clock_in + make_interval(hours => t.auto_close_after_hours) <= $1 \
           AND NOT EXISTS (SELECT FROM ",
        covering_locks!("s.employee_id", "s.work_date", "s.work_date"),
        " l) \
         FOR UPDATE OF s SKIP LOCKED), \
         s AS (UPDATE sessions s SET clock_out = due.close_at, auto_closed = true \
         FROM due WHERE s.id = due.id AND s.clock_out IS NULL \
         RETURNING s.id, s.employee_id, s.work_date, s.clock_in, s.clock_out, s.work_mode, \
         s.auto_closed), \
         a AS (INSERT INTO audit_log \
         (at, actor_kind, actor_name, actor_employee_id, actor_token_id, action, employee_id, \
         session_id, before, after) \
         SELECT $2, $3, $4, $5, $6, 'auto_close', s.employee_id, s.id, \
         jsonb_set(jsonb_set(",
        session_json!(),
        ", '{value,clock_out}', 'null'::jsonb), '{value,auto_closed}', 'false'::jsonb), ",
        session_json!(),
        " FROM s ORDER BY s.id) \
         SELECT id, employee_id, work_date, clock_in, clock_out, work_mode, auto_closed \
         FROM s ORDER BY id",
    ))
    .bind(now);
    bind_stamp(q, stamp).fetch_all(c).await
}

/// The audit entry of the pair the CTE `m` changed, if it changed one.
macro_rules! with_entry {
    ($change:literal, $action:literal) => {
        concat!(
            "WITH m AS (",
            $change,
            " RETURNING team_id, employee_id) \
             INSERT INTO audit_log (at, actor_kind, actor_name, actor_employee_id, \
             actor_token_id, action, employee_id, team_id) \
             SELECT $1, $2, $3, $4, $5, '",
            $action,
            "', m.employee_id, m.team_id FROM m"
        )
    };
}

/// A new appointment and its entry: one statement, so the entry exists
/// exactly when the appointment is new.
pub(crate) const APPOINT: &str = with_entry!(
    "INSERT INTO team_managers (team_id, employee_id) VALUES ($6, $7) \
     ON CONFLICT DO NOTHING",
    "manager_appointed"
);

/// An appointment's end and its entry.
pub(crate) const DISMISS: &str = with_entry!(
    "DELETE FROM team_managers WHERE team_id = $6 AND employee_id = $7",
    "manager_dismissed"
);

/// `sql` (one of the above) with the stamp and the pair bound.
pub(crate) fn appointment<'q>(
    sql: &'static str,
    stamp: &Stamp,
    team: TeamId,
    employee: EmployeeId,
) -> sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments> {
    let actor = actor_columns(&stamp.actor);
    sqlx::query(sql)
        .bind(stamp.at)
        .bind(actor.kind)
        .bind(actor.name)
        .bind(actor.employee)
        .bind(actor.token)
        .bind(team.0)
        .bind(employee.0)
}

/// What a failed appointment means: an unknown team or employee.
pub(crate) fn appointment_error(e: sqlx::Error, team: TeamId, employee: EmployeeId) -> Error {
    let fk = sqlstate::FOREIGN_KEY_VIOLATION;
    if violates(&e, fk, "team_managers_team_id_fkey") {
        Error::not_found(Entity::Team, team)
    } else if violates(&e, fk, "team_managers_employee_id_fkey") {
        Error::not_found(Entity::Employee, employee)
    } else {
        map(e)
    }
}
