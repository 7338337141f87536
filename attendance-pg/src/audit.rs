//! The audit trail over PostgreSQL (`attendance.audit_log`, migration
//! 0008): corrections, and reading the trail.
//!
//! Most writes append their entry in their own statement (`writes.rs`); a
//! correction locks the session, checks it in Rust (the rules are core's),
//! updates it and appends the entry with the values before and after, in
//! one transaction (a savepoint when it runs inside an idempotency key's).

use attendance_core::access::{Actor, Scope};
use attendance_core::audit::{
    AuditAction, AuditEntry, AuditFilter, AuditRecord, SessionChanges, Stamp,
};
use attendance_core::idempotency::Written;
use attendance_core::store::{IdCursor, Page, PageRequest};
use attendance_core::tokens::TokenId;
use attendance_core::{
    AttendanceSession, Conflict, EmployeeId, Entity, Error, Result, SessionId, TeamId,
};
use chrono::{DateTime, Utc};
use sqlx::{Connection, FromRow, PgConnection, Postgres, QueryBuilder};

use crate::PgStore;
use crate::error::{map, sqlstate, violates};
use crate::store::{SessionRow, session};
use crate::writes::{actor_columns, vanished_conflict};

/// Corrects session `id` and appends the entry, in one transaction (a
/// savepoint inside another). The outer error is the database's; the
/// inner one a refusal, after which nothing was written.
pub(crate) async fn correct_session(
    c: &mut PgConnection,
    stamp: &Stamp,
    id: SessionId,
    changes: &SessionChanges,
    reason: &str,
) -> std::result::Result<Result<AttendanceSession>, sqlx::Error> {
    let mut tx = c.begin().await?;
    let (before, after) = match change_session(&mut tx, id, changes).await? {
        Ok(pair) => pair,
        Err(refused) => return Ok(Err(refused)),
    };
    let record = AuditRecord {
        action: AuditAction::Correction,
        employee_id: Some(after.employee_id),
        session_id: Some(after.id),
        team_id: None,
        before: Some(Written::Session(before)),
        after: Some(Written::Session(after.clone())),
        reason: Some(reason.to_owned()),
        token_id: None,
    };
    insert_audit(&mut tx, stamp, &record).await?;
    tx.commit().await?;
    Ok(Ok(after))
}

/// Changes session `id` without an entry: lock it, apply the changes
/// (core's rules), update it (the work date follows the clock-in); the
/// session before and after. In a savepoint of its own, so that a refusal
/// leaves the caller's transaction usable: an approval appends the
/// entries itself, in its own order.
pub(crate) async fn change_session(
    c: &mut PgConnection,
    id: SessionId,
    changes: &SessionChanges,
) -> std::result::Result<Result<(AttendanceSession, AttendanceSession)>, sqlx::Error> {
    let mut tx = c.begin().await?;
    let row = sqlx::query_as::<_, SessionRow>(
        "SELECT id, employee_id, work_date, clock_in, clock_out, work_mode, auto_closed \
         FROM sessions WHERE id = $1 FOR UPDATE",
    )
    .bind(id.0)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else {
        return Ok(Err(Error::not_found(Entity::Session, id)));
    };
    let (before, wanted) = match session(row).and_then(|s| changes.apply(&s).map(|w| (s, w))) {
        Ok(pair) => pair,
        Err(refused) => return Ok(Err(refused)),
    };
    let updated = sqlx::query_as::<_, SessionRow>(
        "UPDATE sessions s SET clock_in = $2, clock_out = $3, work_mode = $4, \
         work_date = ($2::timestamptz AT TIME ZONE t.timezone)::date \
         FROM employees e JOIN teams t ON t.id = e.team_id \
         WHERE s.id = $1 AND e.id = s.employee_id \
         RETURNING s.id, s.employee_id, s.work_date, s.clock_in, s.clock_out, s.work_mode, s.auto_closed",
    )
    .bind(id.0)
    .bind(wanted.clock_in)
    .bind(wanted.clock_out)
    .bind(wanted.work_mode.as_str())
    .fetch_one(&mut *tx)
    .await;
    let after = match updated {
        Ok(row) => match session(row) {
            Ok(after) => after,
            Err(unreadable) => return Ok(Err(unreadable)),
        },
        Err(e)
            if violates(&e, sqlstate::EXCLUSION_VIOLATION, "sessions_no_overlap")
                || violates(
                    &e,
                    sqlstate::UNIQUE_VIOLATION,
                    "sessions_one_open_per_employee",
                ) =>
        {
            tx.rollback().await?;
            // The rules name a lock over the old date, or the new one, first.
            let employee = before.employee_id;
            let day = before.work_date;
            let lock = match crate::close::lock_over(c, employee, day, day).await? {
                Ok(None) => crate::close::lock_at(c, employee, wanted.clock_in).await?,
                found => found,
            };
            match lock {
                Ok(None) => {}
                Ok(Some(lock)) => return Ok(Err(crate::close::locked(lock))),
                Err(unreadable) => return Ok(Err(unreadable)),
            }
            let existing = first_overlapping_except(c, before.employee_id, &wanted, id).await?;
            return Ok(Err(match existing {
                Some(existing) => Conflict::Overlap {
                    existing: Box::new(existing),
                }
                .into(),
                None => vanished_conflict(),
            }));
        }
        Err(e) => return Err(e),
    };
    tx.commit().await?;
    Ok(Ok((before, after)))
}

/// The first session of `employee` other than `except` that `wanted`'s
/// span meets.
async fn first_overlapping_except(
    c: &mut PgConnection,
    employee: EmployeeId,
    wanted: &AttendanceSession,
    except: SessionId,
) -> std::result::Result<Option<AttendanceSession>, sqlx::Error> {
    let row = sqlx::query_as::<_, SessionRow>(
        "SELECT id, employee_id, work_date, clock_in, clock_out, work_mode, auto_closed \
         FROM sessions \
         WHERE employee_id = $1 AND id <> $4 \
           AND tstzrange(clock_in, clock_out, '[)') && tstzrange($2, $3, '[)') \
         ORDER BY clock_in, id LIMIT 1",
    )
    .bind(employee.0)
    .bind(wanted.clock_in)
    .bind(wanted.clock_out)
    .bind(except.0)
    .fetch_optional(c)
    .await?;
    Ok(row.and_then(|row| session(row).ok()))
}

/// Appends an entry whose values were computed in Rust.
pub(crate) async fn insert_audit(
    c: &mut PgConnection,
    stamp: &Stamp,
    record: &AuditRecord,
) -> std::result::Result<(), sqlx::Error> {
    let json = |w: &Option<Written>| {
        w.as_ref()
            .map(serde_json::to_string)
            .transpose()
            .map_err(|e| sqlx::Error::Encode(e.into()))
    };
    let actor = actor_columns(&stamp.actor);
    sqlx::query(
        "INSERT INTO audit_log (at, actor_kind, actor_name, actor_employee_id, \
         action, employee_id, session_id, team_id, before, after, reason, token_id, \
         actor_token_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10::jsonb, $11, $12, $13)",
    )
    .bind(stamp.at)
    .bind(actor.kind)
    .bind(actor.name)
    .bind(actor.employee)
    .bind(record.action.as_str())
    .bind(record.employee_id.map(|e| e.0))
    .bind(record.session_id.map(|s| s.0))
    .bind(record.team_id.map(|t| t.0))
    .bind(json(&record.before)?)
    .bind(json(&record.after)?)
    .bind(record.reason.as_deref())
    .bind(record.token_id.map(|t| t.0))
    .bind(actor.token)
    .execute(c)
    .await
    .map(drop)
}

/// An actor read back from its columns (`*_kind`, `*_name`,
/// `*_employee_id`, `*_token_id`, as `actor_columns` wrote them); `None`
/// when they do not make one.
pub(crate) fn actor_of(
    kind: &str,
    name: Option<&str>,
    employee: Option<i64>,
    token: Option<i64>,
) -> Option<Actor> {
    Some(match (kind, name, employee) {
        ("system", _, _) => Actor::System,
        ("admin", Some(name), _) => Actor::Admin {
            name: name.to_owned(),
            token: token.map(TokenId),
        },
        ("employee", _, Some(id)) => Actor::Employee { id: EmployeeId(id) },
        _ => return None,
    })
}

/// The columns of an audit entry as [`AuditRow`] reads them, of the table
/// aliased `a`.
macro_rules! audit_columns {
    () => {
        "a.id, a.at, a.actor_kind, a.actor_name, a.actor_employee_id, a.actor_token_id, \
         a.action, a.employee_id, a.session_id, a.team_id, a.before::text AS before, \
         a.after::text AS after, a.reason, a.token_id"
    };
}

pub(crate) use audit_columns;

/// An audit entry's row.
#[derive(FromRow)]
pub(crate) struct AuditRow {
    id: i64,
    at: DateTime<Utc>,
    actor_kind: String,
    actor_name: Option<String>,
    actor_employee_id: Option<i64>,
    actor_token_id: Option<i64>,
    action: String,
    employee_id: Option<i64>,
    session_id: Option<i64>,
    team_id: Option<i64>,
    before: Option<String>,
    after: Option<String>,
    reason: Option<String>,
    token_id: Option<i64>,
}

impl TryFrom<AuditRow> for AuditEntry {
    type Error = Error;

    fn try_from(row: AuditRow) -> Result<Self> {
        let corrupt =
            |what: &str| Error::backend(format!("audit entry {} has an unreadable {what}", row.id));
        let actor = actor_of(
            &row.actor_kind,
            row.actor_name.as_deref(),
            row.actor_employee_id,
            row.actor_token_id,
        )
        .ok_or_else(|| corrupt("actor"))?;
        let action = AuditAction::parse(&row.action).ok_or_else(|| corrupt("action"))?;
        let value = |json: &Option<String>, what| {
            json.as_deref()
                .map(serde_json::from_str::<Written>)
                .transpose()
                .map_err(|_| corrupt(what))
        };
        Ok(AuditEntry {
            id: row.id,
            at: row.at,
            actor,
            record: AuditRecord {
                action,
                employee_id: row.employee_id.map(EmployeeId),
                session_id: row.session_id.map(SessionId),
                team_id: row.team_id.map(TeamId),
                before: value(&row.before, "before")?,
                after: value(&row.after, "after")?,
                reason: row.reason,
                token_id: row.token_id.map(TokenId),
            },
        })
    }
}

impl PgStore {
    /// [`AttendanceStore::audit_entries`](attendance_core::store::AttendanceStore::audit_entries).
    pub(crate) async fn audit_page(
        &self,
        filter: &AuditFilter,
        page: &PageRequest<IdCursor>,
    ) -> Result<Page<AuditEntry>> {
        let rows = self
            .retry
            .read(|| {
                self.conns.run(async |c| {
                    audit_query(filter, page)
                        .build_query_as::<AuditRow>()
                        .fetch_all(c)
                        .await
                })
            })
            .await
            .map_err(map)?;
        let items = rows
            .into_iter()
            .map(AuditEntry::try_from)
            .collect::<Result<Vec<_>>>()?;
        Ok(Page::of_audit(items, page.limit))
    }

    /// [`AttendanceStore::session`](attendance_core::store::AttendanceStore::session).
    pub(crate) async fn session_by_id(&self, id: SessionId) -> Result<AttendanceSession> {
        self.retry
            .read(|| {
                self.conns.run(async |c| {
                    sqlx::query_as::<_, SessionRow>(
                        "SELECT id, employee_id, work_date, clock_in, clock_out, work_mode, auto_closed \
                         FROM sessions WHERE id = $1",
                    )
                    .bind(id.0)
                    .fetch_optional(c)
                    .await
                })
            })
            .await
            .map_err(map)?
            .map(session)
            .transpose()?
            .ok_or_else(|| Error::not_found(Entity::Session, id))
    }
}

/// The listing statement, newest first: only the filters in use become
/// predicates.
fn audit_query(filter: &AuditFilter, page: &PageRequest<IdCursor>) -> QueryBuilder<Postgres> {
    let mut q = QueryBuilder::new(concat!(
        "SELECT ",
        audit_columns!(),
        " FROM audit_log a WHERE true"
    ));
    if let Some(employee) = filter.employee_id {
        q.push(" AND employee_id = ").push_bind(employee.0);
    }
    if let Some(session) = filter.session_id {
        q.push(" AND session_id = ").push_bind(session.0);
    }
    if let Some(from) = filter.from {
        q.push(" AND at >= ").push_bind(from);
    }
    if let Some(to) = filter.to {
        q.push(" AND at < ").push_bind(to);
    }
    // A member's scope (`AuditFilter::matches`): entries about themself,
    // and those about their teams' current members (as the session listing
    // reads it) that name no team or one of theirs; entries about no
    // employee are outside it.
    if let Scope::Member { employee, teams } = &filter.scope {
        q.push(" AND (employee_id = ").push_bind(employee.0);
        if !teams.is_empty() {
            let teams: Vec<i64> = teams.iter().map(|t| t.0).collect();
            q.push(
                " OR (employee_id = ANY (ARRAY(SELECT id FROM employees \
                 WHERE team_id = ANY (",
            )
            .push_bind(teams.clone())
            .push("))) AND (team_id IS NULL OR team_id = ANY (")
            .push_bind(teams)
            .push(")))");
        }
        q.push(")");
    }
    if let Some(cursor) = page.cursor {
        q.push(" AND id < ").push_bind(cursor.0);
    }
    q.push(" ORDER BY id DESC LIMIT ")
        .push_bind(i64::from(page.limit) + 1);
    q
}
