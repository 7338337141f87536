//! Changing an employee: lock the row, apply core's changes, update it,
//! record a move in the membership history, and append the entry with the
//! employee before and after, in one transaction (a savepoint when it runs
//! inside an idempotency key's).

use attendance_core::audit::{AuditRecord, Stamp};
use attendance_core::idempotency::{Write, Written};
use attendance_core::{Employee, EmployeeChanges, EmployeeId, Entity, Error, Result};
use sqlx::{Connection, PgConnection};

use crate::audit::insert_audit;
use crate::store::EmployeeRow;

/// Changes employee `id`. The outer error is the database's; the inner one
/// a refusal (an unknown employee or team), after which nothing was
/// written.
pub(crate) async fn update_employee(
    c: &mut PgConnection,
    stamp: &Stamp,
    id: EmployeeId,
    changes: &EmployeeChanges,
) -> std::result::Result<Result<Employee>, sqlx::Error> {
    let mut tx = c.begin().await?;
    let row = sqlx::query_as::<_, EmployeeRow>(
        "SELECT id, team_id, name, role, is_manager FROM employees \
         WHERE id = $1 FOR UPDATE",
    )
    .bind(id.0)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else {
        return Ok(Err(Error::not_found(Entity::Employee, id)));
    };
    let before = Employee::from(row);
    let wanted = changes.apply(&before);
    // Locked against a concurrent removal, so the reference stays good
    // until commit.
    let team: Option<i64> = sqlx::query_scalar("SELECT id FROM teams WHERE id = $1 FOR KEY SHARE")
        .bind(wanted.team_id.0)
        .fetch_optional(&mut *tx)
        .await?;
    if team.is_none() {
        return Ok(Err(Error::not_found(Entity::Team, wanted.team_id)));
    }
    let row = sqlx::query_as::<_, EmployeeRow>(
        "UPDATE employees SET name = $2, role = $3, team_id = $4, is_manager = $5 \
         WHERE id = $1 RETURNING id, team_id, name, role, is_manager",
    )
    .bind(id.0)
    .bind(&wanted.name)
    .bind(&wanted.role)
    .bind(wanted.team_id.0)
    .bind(wanted.is_manager)
    .fetch_one(&mut *tx)
    .await?;
    let after = Employee::from(row);
    if after.team_id != before.team_id {
        // From the local date of the move in the new team's timezone
        // (`worktime::moved_on`); a second move that date replaces the first.
        sqlx::query(
            "INSERT INTO team_memberships (employee_id, valid_from, team_id) \
             SELECT $1, ($2::timestamptz AT TIME ZONE t.timezone)::date, t.id \
             FROM teams t WHERE t.id = $3 \
             ON CONFLICT (employee_id, valid_from) DO UPDATE SET team_id = EXCLUDED.team_id",
        )
        .bind(id.0)
        .bind(stamp.at)
        .bind(after.team_id.0)
        .execute(&mut *tx)
        .await?;
    }
    let write = Write::UpdateEmployee {
        employee: id,
        changes: changes.clone(),
    };
    let before = Written::Employee(before);
    let written = Written::Employee(after.clone());
    // A change always records itself; only unchanged appointments do not.
    if let Some(record) = AuditRecord::of(&write, Some(&before), &written) {
        insert_audit(&mut tx, stamp, &record).await?;
    }
    tx.commit().await?;
    Ok(Ok(after))
}
