//! Period locks: locking and reopening, the listing, and the lock a
//! trigger names when it refuses a statement.
//!
//! Locking must not race the writes it freezes: a clock-in in flight when
//! the lock commits would otherwise open a session in the locked range
//! after the check for open sessions had passed. So the lock's transaction
//! first takes `SHARE` on the tables the triggers guard, which waits for
//! the writers in flight to commit and holds new ones back until the lock
//! commits; a writer that waited then runs its trigger on a snapshot that
//! holds the lock, and is refused. Locking a month is rare; a clock-in
//! waiting a few milliseconds for it is the price. Lock creation is
//! serialized on `period_locks` itself so two overlapping locks cannot
//! both pass the overlap check.
//!
//! While the lock waits for its `SHARE`, new writers queue behind it, so
//! it waits a short while only ([`LOCK_WAIT`]): behind a long import it
//! gives up (unavailable, try again later) rather than hold every
//! clock-in back until the import ends.

use attendance_core::access::Actor;
use attendance_core::audit::Stamp;
use attendance_core::close::{
    LockFilter, MAX_LISTED_OPEN_SESSIONS, NewPeriodLock, PeriodLock, PeriodLockId,
};
use attendance_core::idempotency::Written;
use attendance_core::{Conflict, EmployeeId, Entity, Error, Result, TeamId};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;
use sqlx::{FromRow, PgConnection};

use super::Step;
use crate::PgStore;
use crate::audit::actor_of;
use crate::error::map;
use crate::store::{SessionRow, session};
use crate::writes::actor_columns;

/// A lock's row. Also the shape of the trigger's DETAIL (`to_jsonb` of the
/// row), so one conversion reads both.
#[derive(FromRow, Deserialize)]
pub(crate) struct LockRow {
    id: i64,
    team_id: Option<i64>,
    from_date: NaiveDate,
    to_date: NaiveDate,
    reason: Option<String>,
    locked_by_kind: String,
    locked_by_name: Option<String>,
    locked_by_employee_id: Option<i64>,
    locked_by_token_id: Option<i64>,
    locked_at: DateTime<Utc>,
}

/// The columns of a [`LockRow`].
macro_rules! lock_columns {
    () => {
        "id, team_id, from_date, to_date, reason, locked_by_kind, locked_by_name, \
         locked_by_employee_id, locked_by_token_id, locked_at"
    };
}

impl TryFrom<LockRow> for PeriodLock {
    type Error = Error;

    fn try_from(row: LockRow) -> Result<Self> {
        let locked_by: Actor = actor_of(
            &row.locked_by_kind,
            row.locked_by_name.as_deref(),
            row.locked_by_employee_id,
            row.locked_by_token_id,
        )
        .ok_or_else(|| Error::backend(format!("period lock {} has no readable locker", row.id)))?;
        Ok(PeriodLock {
            id: PeriodLockId(row.id),
            team_id: row.team_id.map(TeamId),
            from: row.from_date,
            to: row.to_date,
            reason: row.reason,
            locked_by,
            locked_at: row.locked_at,
        })
    }
}

/// The lock a trigger named in its DETAIL.
pub(crate) fn lock_from_detail(detail: &str) -> Result<PeriodLock> {
    serde_json::from_str::<LockRow>(detail)
        .map_err(|_| Error::backend("a period lock refused the write with an unreadable detail"))?
        .try_into()
}

/// The first lock (by id) over `employee`'s work date of a session
/// starting at `clock_in`, dated as a clock-in is. For explaining a write
/// the schema refused for an overlap: a lock is named first, as the
/// reference store does.
pub(crate) async fn lock_at(
    c: &mut PgConnection,
    employee: EmployeeId,
    clock_in: DateTime<Utc>,
) -> Step<Option<PeriodLock>> {
    let row: Option<LockRow> = sqlx::query_as(concat!(
        "SELECT l.* FROM employees e \
         JOIN teams t ON t.id = e.team_id \
         CROSS JOIN LATERAL (SELECT ($2::timestamptz AT TIME ZONE t.timezone)::date AS d) w \
         CROSS JOIN LATERAL ",
        covering_locks!("e.id", "w.d", "w.d"),
        " l WHERE e.id = $1 ORDER BY l.id LIMIT 1"
    ))
    .bind(employee.0)
    .bind(clock_in)
    .fetch_optional(c)
    .await?;
    Ok(row.map(PeriodLock::try_from).transpose())
}

/// The first lock (by id) over any of `employee`'s work dates
/// `from..=to`.
pub(crate) async fn lock_over(
    c: &mut PgConnection,
    employee: EmployeeId,
    from: NaiveDate,
    to: NaiveDate,
) -> Step<Option<PeriodLock>> {
    let row: Option<LockRow> = sqlx::query_as(concat!(
        "SELECT ",
        lock_columns!(),
        " FROM covering_locks($1, $2, $3) ORDER BY id LIMIT 1"
    ))
    .bind(employee.0)
    .bind(from)
    .bind(to)
    .fetch_optional(c)
    .await?;
    Ok(row.map(PeriodLock::try_from).transpose())
}

/// A refusal for `lock`.
pub(crate) fn locked(lock: PeriodLock) -> Error {
    Conflict::PeriodLocked {
        lock: Box::new(lock),
    }
    .into()
}

/// How long locking waits for the writers in flight: `lock_timeout` for
/// its transaction.
const LOCK_WAIT: &str = "SET LOCAL lock_timeout = '2s'";

/// Locks `new`'s period: see the module docs for the order of the locks.
pub(super) async fn lock(
    c: &mut PgConnection,
    stamp: &Stamp,
    new: &NewPeriodLock,
) -> Step<Written> {
    sqlx::query(LOCK_WAIT).execute(&mut *c).await?;
    sqlx::query("LOCK TABLE period_locks IN SHARE ROW EXCLUSIVE MODE")
        .execute(&mut *c)
        .await?;
    sqlx::query(
        "LOCK TABLE sessions, absences, correction_requests \
         IN SHARE MODE",
    )
    .execute(&mut *c)
    .await?;
    let team = new.team_id().map(|t| t.0);
    if let Some(team) = new.team_id() {
        let found: Option<i32> =
            sqlx::query_scalar("SELECT 1 FROM teams WHERE id = $1 FOR KEY SHARE")
                .bind(team.0)
                .fetch_optional(&mut *c)
                .await?;
        if found.is_none() {
            return Ok(Err(Error::validation(
                "team_id",
                format!("there is no team {team}"),
            )));
        }
    }
    let existing: Option<LockRow> = sqlx::query_as(concat!(
        "SELECT ",
        lock_columns!(),
        " FROM period_locks \
         WHERE from_date <= $3 AND $2 <= to_date \
           AND ($1::bigint IS NULL OR team_id IS NULL OR team_id = $1) \
         ORDER BY id LIMIT 1"
    ))
    .bind(team)
    .bind(new.from())
    .bind(new.to())
    .fetch_optional(&mut *c)
    .await?;
    if let Some(existing) = existing {
        return Ok(PeriodLock::try_from(existing).and_then(|existing| {
            Err(Conflict::LockOverlap {
                existing: Box::new(existing),
            }
            .into())
        }));
    }
    let actor = actor_columns(&stamp.actor);
    let row: LockRow = sqlx::query_as(concat!(
        "INSERT INTO period_locks (team_id, from_date, to_date, reason, \
         locked_by_kind, locked_by_name, locked_by_employee_id, locked_by_token_id, locked_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING ",
        lock_columns!()
    ))
    .bind(team)
    .bind(new.from())
    .bind(new.to())
    .bind(new.reason())
    .bind(actor.kind)
    .bind(actor.name)
    .bind(actor.employee)
    .bind(actor.token)
    .bind(stamp.at)
    .fetch_one(&mut *c)
    .await?;
    // The sessions the new lock covers by the triggers' own rule; the
    // open ones among them come from the partial index of open sessions.
    let open: Vec<SessionRow> = sqlx::query_as(concat!(
        "SELECT s.id, s.employee_id, s.work_date, s.clock_in, s.clock_out, s.work_mode, \
         s.auto_closed FROM sessions s \
         WHERE s.clock_out IS NULL \
           AND EXISTS (SELECT FROM ",
        covering_locks!("s.employee_id", "s.work_date", "s.work_date"),
        " l WHERE l.id = $1) \
         ORDER BY s.clock_in, s.id LIMIT $2"
    ))
    .bind(row.id)
    .bind(i64::try_from(MAX_LISTED_OPEN_SESSIONS).unwrap_or(i64::MAX))
    .fetch_all(&mut *c)
    .await?;
    if !open.is_empty() {
        return Ok(open
            .into_iter()
            .map(session)
            .collect::<Result<Vec<_>>>()
            .and_then(|sessions| Err(Conflict::OpenSessions { sessions }.into())));
    }
    Ok(PeriodLock::try_from(row).map(Written::PeriodLock))
}

/// Removes lock `id`.
pub(super) async fn reopen(c: &mut PgConnection, id: PeriodLockId) -> Step<Written> {
    let row: Option<LockRow> = sqlx::query_as(concat!(
        "DELETE FROM period_locks WHERE id = $1 RETURNING ",
        lock_columns!()
    ))
    .bind(id.0)
    .fetch_optional(c)
    .await?;
    Ok(match row {
        Some(row) => PeriodLock::try_from(row).map(Written::PeriodLock),
        None => Err(Error::not_found(Entity::PeriodLock, id)),
    })
}

impl PgStore {
    /// [`Directory::period_locks`](attendance_core::store::Directory::period_locks).
    pub(crate) async fn read_period_locks(&self, filter: &LockFilter) -> Result<Vec<PeriodLock>> {
        const SQL: &str = concat!(
            "SELECT ",
            lock_columns!(),
            " FROM period_locks \
             WHERE ($1::bigint IS NULL OR team_id IS NULL OR team_id = $1) \
               AND ($2::date IS NULL OR to_date >= $2) \
               AND ($3::date IS NULL OR from_date <= $3) \
             ORDER BY from_date, id"
        );
        let rows: Vec<LockRow> = self
            .retry
            .read(|| {
                self.conns.run(async |c| {
                    sqlx::query_as(SQL)
                        .bind(filter.team_id.map(|t| t.0))
                        .bind(filter.from)
                        .bind(filter.to)
                        .fetch_all(c)
                        .await
                })
            })
            .await
            .map_err(map)?;
        rows.into_iter().map(PeriodLock::try_from).collect()
    }
}
