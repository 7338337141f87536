//! Closing a period over PostgreSQL (migrations 0015 and 0016): correction
//! requests, period locks and webhook endpoints, each write in one
//! transaction with its audit entry (a savepoint inside an idempotency
//! key's), their reads, and the webhook outbox a delivery worker drains.
//!
//! The lock rule itself is not here: triggers on `sessions`, `absences`
//! and `correction_requests` refuse any statement that touches a locked
//! work date with SQLSTATE `AL001`, naming the lock in DETAIL, which
//! [`crate::error::map`] turns into `Conflict::PeriodLocked` for every
//! path alike. What is here is the one write that must not race them
//! ([`locks`], which takes the tables' locks before it checks).

/// The rule of the SQL function `covering_locks(employee, from, to)`
/// (migration 0017) written inline: a subquery over `period_locks` giving
/// the locks that cover any of `employee`'s work dates `from..=to`, with
/// each argument an SQL expression (a column of the outer query, say).
/// For a query that needs the rule per row of tenant tables: Citus runs a
/// function that reads tenant tables only at the top level of a statement,
/// so there the rule must be part of the query itself. A unit test holds
/// it to the function's body.
macro_rules! covering_locks {
    ($employee:literal, $from:literal, $to:literal) => {
        concat!(
            "(SELECT l.* FROM period_locks l \
             WHERE l.from_date <= ",
            $to,
            " AND ",
            $from,
            " <= l.to_date \
               AND (l.team_id IS NULL \
                    OR (SELECT m.team_id FROM team_memberships m \
                        WHERE m.employee_id = ",
            $employee,
            " AND m.valid_from <= greatest(",
            $from,
            ", l.from_date) \
                        ORDER BY m.valid_from DESC LIMIT 1) = l.team_id \
                    OR EXISTS ( \
                        SELECT FROM team_memberships m \
                        WHERE m.employee_id = ",
            $employee,
            " AND m.valid_from > greatest(",
            $from,
            ", l.from_date) \
                          AND m.valid_from <= least(",
            $to,
            ", l.to_date) \
                          AND m.team_id = l.team_id)))"
        )
    };
}

mod locks;
mod outbox;
mod requests;
mod webhooks;

pub(crate) use locks::{lock_at, lock_from_detail, lock_over, locked};

use attendance_core::audit::{AuditRecord, Stamp};
use attendance_core::idempotency::{Write, Written};
use attendance_core::{Error, Result};
use sqlx::{Connection, PgConnection};

use crate::audit::insert_audit;

/// The outer error is the database's; the inner one a refusal, after which
/// nothing was written.
pub(crate) type Step<T> = std::result::Result<Result<T>, sqlx::Error>;

/// Performs a close-the-period or webhook `write` on `c` in one
/// transaction with its audit entry (an approval: with its two).
pub(crate) async fn perform(c: &mut PgConnection, stamp: &Stamp, write: &Write) -> Step<Written> {
    let mut tx = c.begin().await?;
    let none = |written: Result<Written>| written.map(|w| (w, None));
    let written = match write {
        Write::RequestCorrection(new) => none(requests::request(&mut tx, stamp, new).await?),
        Write::DecideRequest { request, decision } => {
            requests::decide(&mut tx, stamp, *request, decision)
                .await?
                .map(|(written, before)| (written, Some(before)))
        }
        Write::LockPeriod(new) => none(locks::lock(&mut tx, stamp, new).await?),
        Write::ReopenPeriod { lock, .. } => none(locks::reopen(&mut tx, *lock).await?),
        Write::RegisterWebhook(new) => none(webhooks::register(&mut tx, stamp, new).await?),
        Write::RemoveWebhook(id) => none(webhooks::remove(&mut tx, *id).await?),
        Write::RedeliverWebhook { endpoint, delivery } => {
            none(webhooks::redeliver(&mut tx, stamp, *endpoint, *delivery).await?)
        }
        Write::CreateTeam(_)
        | Write::CreateEmployee(_)
        | Write::ClockIn { .. }
        | Write::ClockOut { .. }
        | Write::RecordSession { .. }
        | Write::CorrectSession { .. }
        | Write::UpdateEmployee { .. }
        | Write::AppointManager { .. }
        | Write::DismissManager { .. }
        | Write::CreateWorkPattern(_)
        | Write::AssignWorkPattern(_)
        | Write::AddHoliday(_)
        | Write::RemoveHoliday(_)
        | Write::RecordAbsence(_)
        | Write::RemoveAbsence(_)
        | Write::SetBreakRule { .. } => Err(Error::backend("not a write of closing a period")),
    };
    let (written, before) = match written {
        Ok(done) => done,
        Err(refused) => {
            tx.rollback().await?;
            return Ok(Err(refused));
        }
    };
    // An approval's entries: the decision's, then the session's.
    let records = AuditRecord::of(write, before.as_ref(), &written)
        .into_iter()
        .chain(requests::applied(&written));
    for record in records {
        insert_audit(&mut tx, stamp, &record).await?;
    }
    tx.commit().await?;
    Ok(Ok(written))
}

#[cfg(test)]
mod tests {
    /// The inline rule is the function's body, word for word: the schema's
    /// name aside, and the function's parameters in place of the
    /// expressions.
    #[test]
    fn the_inline_rule_is_the_function_s_body() {
        let sql = crate::MIGRATIONS
            .iter()
            .find(|m| m.version == 17)
            .unwrap()
            .sql
            .as_str();
        let start = sql.find("RETURN QUERY").unwrap() + "RETURN QUERY".len();
        let end = start + sql[start..].find(";\nEND").unwrap();
        let words = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
        let body = words(&sql[start..end].replace("attendance.", ""));
        let inline = words(covering_locks!("p_employee", "p_from", "p_to"));
        assert_eq!(inline, format!("({body})"));
    }
}
