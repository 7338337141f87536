//! Correction requests: filing, deciding, and the reads.
//!
//! A decision locks the request's row first, so of two decisions at once
//! the second waits and then finds it decided. An approval applies the
//! change with the very statements of a backfill (`writes::insert_session_row`)
//! or a correction (`audit::change_session`), refusals included; its two
//! entries, the decision's and then the session's, are appended by
//! `close::perform`.

use attendance_core::audit::{AuditRecord, Stamp};
use attendance_core::close::{
    CorrectionRequest, Decision, NewCorrectionRequest, RequestFilter, RequestId, RequestState,
    RequestedChange,
};
use attendance_core::idempotency::Written;
use attendance_core::store::{IdCursor, Page, PageRequest};
use attendance_core::{
    AttendanceSession, Conflict, EmployeeId, Entity, Error, Result, SessionId, access::Scope,
};
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{Connection, FromRow, PgConnection, Postgres, QueryBuilder};

use super::{Step, lock_at, locked};
use crate::PgStore;
use crate::audit::{actor_of, change_session};
use crate::error::{map, sqlstate, violates};
use crate::store::{SessionRow, session};
use crate::writes::{NewSession, actor_columns, insert_session_row, vanished_conflict};

/// A request's row.
#[derive(FromRow)]
struct RequestRow {
    id: i64,
    employee_id: i64,
    work_date: NaiveDate,
    change: String,
    reason: String,
    state: String,
    created_at: DateTime<Utc>,
    decided_by_kind: Option<String>,
    decided_by_name: Option<String>,
    decided_by_employee_id: Option<i64>,
    decided_by_token_id: Option<i64>,
    decided_at: Option<DateTime<Utc>>,
    decision_reason: Option<String>,
    session_id: Option<i64>,
}

/// The columns of a [`RequestRow`], of the table aliased `r`.
macro_rules! request_columns {
    () => {
        "r.id, r.employee_id, r.work_date, r.change::text AS change, r.reason, r.state, \
         r.created_at, r.decided_by_kind, r.decided_by_name, r.decided_by_employee_id, \
         r.decided_by_token_id, r.decided_at, r.decision_reason, r.session_id"
    };
}

impl TryFrom<RequestRow> for CorrectionRequest {
    type Error = Error;

    fn try_from(row: RequestRow) -> Result<Self> {
        let corrupt = |what: &str| {
            Error::backend(format!(
                "correction request {} has an unreadable {what}",
                row.id
            ))
        };
        let change: RequestedChange =
            serde_json::from_str(&row.change).map_err(|_| corrupt("change"))?;
        let state = RequestState::parse(&row.state).ok_or_else(|| corrupt("state"))?;
        let decided_by = match &row.decided_by_kind {
            None => None,
            Some(kind) => Some(
                actor_of(
                    kind,
                    row.decided_by_name.as_deref(),
                    row.decided_by_employee_id,
                    row.decided_by_token_id,
                )
                .ok_or_else(|| corrupt("decider"))?,
            ),
        };
        Ok(CorrectionRequest {
            id: RequestId(row.id),
            employee_id: EmployeeId(row.employee_id),
            work_date: row.work_date,
            change,
            reason: row.reason,
            state,
            created_at: row.created_at,
            decided_by,
            decided_at: row.decided_at,
            decision_reason: row.decision_reason,
            session_id: row.session_id.map(SessionId),
        })
    }
}

/// Files `new`. Its work date is a change's session's, or a missing
/// session's clock-in in the employee's team's timezone, computed in the
/// same statement as a clock-in's; the lock trigger checks it.
pub(super) async fn request(
    c: &mut PgConnection,
    stamp: &Stamp,
    new: &NewCorrectionRequest,
) -> Step<Written> {
    let change =
        serde_json::to_string(new.change_requested()).map_err(|e| sqlx::Error::Encode(e.into()))?;
    let (work_date, clock_in, session) = match new.change_requested() {
        RequestedChange::Missing { clock_in, .. } => (None, Some(*clock_in), None),
        RequestedChange::Change { seen, .. } => (Some(seen.work_date), None, Some(seen.id.0)),
    };
    // From a CTE, not a join: see `insert_session_row!` (Citus).
    let inserted = sqlx::query_as::<_, RequestRow>(concat!(
        "INSERT INTO correction_requests AS r \
         (employee_id, work_date, change, reason, created_at, session_id) \
         WITH e AS (SELECT e.id, t.timezone FROM employees e \
         JOIN teams t ON t.id = e.team_id WHERE e.id = $1) \
         SELECT e.id, coalesce($2::date, ($3::timestamptz AT TIME ZONE e.timezone)::date), \
         $4::jsonb, $5, $6, $7 \
         FROM e RETURNING ",
        request_columns!()
    ))
    .bind(new.employee_id().0)
    .bind(work_date)
    .bind(clock_in)
    .bind(change)
    .bind(new.reason())
    .bind(stamp.at)
    .bind(session)
    .fetch_optional(c)
    .await;
    Ok(match inserted {
        Ok(Some(row)) => CorrectionRequest::try_from(row).map(Written::Request),
        Ok(None) => Err(Error::not_found(Entity::Employee, new.employee_id())),
        Err(e)
            if violates(
                &e,
                sqlstate::FOREIGN_KEY_VIOLATION,
                "correction_requests_session_id_fkey",
            ) =>
        {
            let id = new.change_requested().session_id().map_or(0, |s| s.0);
            Err(Error::not_found(Entity::Session, id))
        }
        Err(e) => return Err(e),
    })
}

/// Decides request `id` as the stamp's actor: what it wrote, and the
/// request before (for the decision's entry).
pub(super) async fn decide(
    c: &mut PgConnection,
    stamp: &Stamp,
    id: RequestId,
    decision: &Decision,
) -> Step<(Written, Written)> {
    let row: Option<RequestRow> = sqlx::query_as(concat!(
        "SELECT ",
        request_columns!(),
        " FROM correction_requests r WHERE r.id = $1 FOR UPDATE"
    ))
    .bind(id.0)
    .fetch_optional(&mut *c)
    .await?;
    let Some(row) = row else {
        return Ok(Err(Error::not_found(Entity::Request, id)));
    };
    let request = match CorrectionRequest::try_from(row) {
        Ok(request) => request,
        Err(unreadable) => return Ok(Err(unreadable)),
    };
    if request.state != RequestState::Open {
        return Ok(Err(Conflict::RequestDecided {
            request: Box::new(request),
        }
        .into()));
    }
    let (state, reason, session) = match decision {
        Decision::Reject { reason } => (RequestState::Rejected, Some(reason.as_str()), None),
        Decision::Approve => match apply(c, &request).await? {
            Ok(session) => (RequestState::Approved, None, Some(session)),
            Err(refused) => return Ok(Err(refused)),
        },
    };
    let actor = actor_columns(&stamp.actor);
    let row: RequestRow = sqlx::query_as(concat!(
        "UPDATE correction_requests r SET state = $2, decided_by_kind = $3, \
         decided_by_name = $4, decided_by_employee_id = $5, decided_by_token_id = $6, \
         decided_at = $7, decision_reason = $8, session_id = coalesce($9, r.session_id) \
         WHERE r.id = $1 RETURNING ",
        request_columns!()
    ))
    .bind(id.0)
    .bind(state.as_str())
    .bind(actor.kind)
    .bind(actor.name)
    .bind(actor.employee)
    .bind(actor.token)
    .bind(stamp.at)
    .bind(reason)
    .bind(session.as_ref().map(|s| s.id.0))
    .fetch_one(&mut *c)
    .await?;
    Ok(CorrectionRequest::try_from(row).map(|decided| {
        (
            Written::Decided {
                request: decided,
                session,
            },
            Written::Request(request),
        )
    }))
}

/// The second entry of an approval: the session it recorded or
/// corrected, as the request saw it before.
pub(super) fn applied(written: &Written) -> Option<AuditRecord> {
    let Written::Decided {
        request,
        session: Some(session),
    } = written
    else {
        return None;
    };
    let before = match &request.change {
        RequestedChange::Missing { .. } => None,
        RequestedChange::Change { seen, .. } => Some(seen),
    };
    Some(AuditRecord::applied(request, before, session))
}

/// Applies an approved request as a backfill or a correction would, with
/// their statements and refusals but without their entries (the approval
/// appends both of its own); a refusal leaves the transaction usable.
async fn apply(c: &mut PgConnection, request: &CorrectionRequest) -> Step<AttendanceSession> {
    match &request.change {
        RequestedChange::Missing {
            clock_in,
            clock_out,
            work_mode,
        } => {
            let new = NewSession {
                employee: request.employee_id,
                mode: *work_mode,
                clock_in: *clock_in,
                clock_out: Some(*clock_out),
                reason: Some(&request.reason),
            };
            // A savepoint, so an overlap can be explained in the same
            // transaction.
            let mut sp = c.begin().await?;
            match insert_session_row(&mut sp, &new).await {
                Ok(Some(row)) => {
                    sp.commit().await?;
                    Ok(session(row))
                }
                Ok(None) => Ok(Err(Error::not_found(Entity::Employee, request.employee_id))),
                Err(e) if violates(&e, sqlstate::EXCLUSION_VIOLATION, "sessions_no_overlap") => {
                    sp.rollback().await?;
                    // The rules name a lock over its date first.
                    match lock_at(c, new.employee, new.clock_in).await? {
                        Ok(None) => {}
                        Ok(Some(lock)) => return Ok(Err(locked(lock))),
                        Err(unreadable) => return Ok(Err(unreadable)),
                    }
                    let existing = first_overlapping(c, &new).await?;
                    Ok(Err(match existing.map(session).transpose() {
                        Ok(Some(existing)) => Conflict::Overlap {
                            existing: Box::new(existing),
                        }
                        .into(),
                        Ok(None) => vanished_conflict(),
                        Err(unreadable) => unreadable,
                    }))
                }
                Err(e) => Err(e),
            }
        }
        RequestedChange::Change { changes, seen } => {
            // Compared under the row's lock, which the correction then
            // holds until commit: nothing changes it in between.
            let current: Option<SessionRow> = sqlx::query_as(
                "SELECT id, employee_id, work_date, clock_in, clock_out, work_mode, auto_closed \
                 FROM sessions WHERE id = $1 FOR UPDATE",
            )
            .bind(seen.id.0)
            .fetch_optional(&mut *c)
            .await?;
            let current = match current.map(session).transpose() {
                Ok(Some(current)) => current,
                Ok(None) => return Ok(Err(Error::not_found(Entity::Session, seen.id))),
                Err(unreadable) => return Ok(Err(unreadable)),
            };
            if current != *seen {
                return Ok(Err(Conflict::RequestStale {
                    current: Box::new(current),
                }
                .into()));
            }
            Ok(change_session(c, seen.id, changes)
                .await?
                .map(|(_, after)| after))
        }
    }
}

/// The first session of `new`'s employee that its span meets.
async fn first_overlapping(
    c: &mut PgConnection,
    new: &NewSession<'_>,
) -> std::result::Result<Option<SessionRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, employee_id, work_date, clock_in, clock_out, work_mode, auto_closed \
         FROM sessions \
         WHERE employee_id = $1 \
           AND tstzrange(clock_in, clock_out, '[)') && tstzrange($2, $3, '[)') \
         ORDER BY clock_in, id LIMIT 1",
    )
    .bind(new.employee.0)
    .bind(new.clock_in)
    .bind(new.clock_out)
    .fetch_optional(c)
    .await
}

/// The listing statement, newest first: only the filters in use become
/// predicates, so the open requests' partial index serves an inbox.
fn requests_query(filter: &RequestFilter, page: &PageRequest<IdCursor>) -> QueryBuilder<Postgres> {
    let mut q = QueryBuilder::new(concat!(
        "SELECT ",
        request_columns!(),
        " FROM correction_requests r \
         JOIN employees e ON e.id = r.employee_id WHERE true"
    ));
    if let Some(state) = filter.state {
        q.push(" AND r.state = ").push_bind(state.as_str());
    }
    if let Some(employee) = filter.employee_id {
        q.push(" AND r.employee_id = ").push_bind(employee.0);
    }
    if let Some(team) = filter.team_id {
        q.push(" AND e.team_id = ").push_bind(team.0);
    }
    if let Some(from) = filter.from {
        q.push(" AND r.work_date >= ").push_bind(from);
    }
    if let Some(to) = filter.to {
        q.push(" AND r.work_date <= ").push_bind(to);
    }
    // `Scope::admits`: their own, and those of their teams' members.
    if let Scope::Member { employee, teams } = &filter.scope {
        let teams: Vec<i64> = teams.iter().map(|t| t.0).collect();
        q.push(" AND (r.employee_id = ")
            .push_bind(employee.0)
            .push(" OR e.team_id = ANY (")
            .push_bind(teams)
            .push("))");
    }
    if let Some(not_by) = filter.not_by {
        q.push(" AND r.employee_id <> ").push_bind(not_by.0);
    }
    if let Some(cursor) = page.cursor {
        q.push(" AND r.id < ").push_bind(cursor.0);
    }
    q.push(" ORDER BY r.id DESC LIMIT ")
        .push_bind(i64::from(page.limit) + 1);
    q
}

impl PgStore {
    /// [`AttendanceStore::correction_request`](attendance_core::store::AttendanceStore::correction_request).
    pub(crate) async fn read_request(&self, id: RequestId) -> Result<CorrectionRequest> {
        self.retry
            .read(|| {
                self.conns.run(async |c| {
                    sqlx::query_as::<_, RequestRow>(concat!(
                        "SELECT ",
                        request_columns!(),
                        " FROM correction_requests r WHERE r.id = $1"
                    ))
                    .bind(id.0)
                    .fetch_optional(c)
                    .await
                })
            })
            .await
            .map_err(map)?
            .map(CorrectionRequest::try_from)
            .transpose()?
            .ok_or_else(|| Error::not_found(Entity::Request, id))
    }

    /// [`AttendanceStore::correction_requests`](attendance_core::store::AttendanceStore::correction_requests).
    pub(crate) async fn read_requests(
        &self,
        filter: &RequestFilter,
        page: &PageRequest<IdCursor>,
    ) -> Result<Page<CorrectionRequest>> {
        let rows = self
            .retry
            .read(|| {
                self.conns.run(async |c| {
                    requests_query(filter, page)
                        .build_query_as::<RequestRow>()
                        .fetch_all(c)
                        .await
                })
            })
            .await
            .map_err(map)?;
        let items = rows
            .into_iter()
            .map(CorrectionRequest::try_from)
            .collect::<Result<Vec<_>>>()?;
        Ok(Page::of_requests(items, page.limit))
    }
}
