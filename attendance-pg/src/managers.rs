//! Manager appointments ([`ManagerStore`]).

use async_trait::async_trait;
use attendance_core::audit::Stamp;
use attendance_core::store::ManagerStore;
use attendance_core::{EmployeeId, Entity, Error, Result, TeamId};

use crate::PgStore;
use crate::error::{map, sqlstate, violates};
use crate::writes::actor_columns;

#[async_trait]
impl ManagerStore for PgStore {
    async fn managed_teams(&self, employee: EmployeeId) -> Result<Vec<TeamId>> {
        let teams: Vec<i64> = self
            .retry
            .read(|| {
                self.conns.run(async |c| {
                    sqlx::query_scalar(
                        "SELECT team_id FROM attendance.employees WHERE id = $1 AND is_manager \
                         UNION \
                         SELECT team_id FROM attendance.team_managers WHERE employee_id = $1 \
                         ORDER BY 1",
                    )
                    .bind(employee.0)
                    .fetch_all(c)
                    .await
                })
            })
            .await
            .map_err(map)?;
        Ok(teams.into_iter().map(TeamId).collect())
    }

    async fn appoint_manager(
        &self,
        stamp: &Stamp,
        team: TeamId,
        employee: EmployeeId,
    ) -> Result<()> {
        self.retry
            .write(|| {
                self.conns
                    .run(async |c| audited(APPOINT, stamp, team, employee).execute(c).await)
            })
            .await
            .map(drop)
            .map_err(|err| {
                let fk = sqlstate::FOREIGN_KEY_VIOLATION;
                if violates(&err, fk, "team_managers_team_id_fkey") {
                    Error::not_found(Entity::Team, team)
                } else if violates(&err, fk, "team_managers_employee_id_fkey") {
                    Error::not_found(Entity::Employee, employee)
                } else {
                    map(err)
                }
            })
    }

    async fn dismiss_manager(
        &self,
        stamp: &Stamp,
        team: TeamId,
        employee: EmployeeId,
    ) -> Result<bool> {
        let done = self
            .retry
            .write(|| {
                self.conns
                    .run(async |c| audited(DISMISS, stamp, team, employee).execute(c).await)
            })
            .await
            .map_err(map)?;
        Ok(done.rows_affected() > 0)
    }
}

/// The audit entry of the pair the CTE `m` changed, if it changed one.
macro_rules! with_entry {
    ($change:literal, $action:literal) => {
        concat!(
            "WITH m AS (",
            $change,
            " RETURNING team_id, employee_id) \
             INSERT INTO attendance.audit_log (at, actor_kind, actor_name, actor_employee_id, \
             actor_token_id, action, employee_id, team_id) \
             SELECT $1, $2, $3, $4, $5, '",
            $action,
            "', m.employee_id, m.team_id FROM m"
        )
    };
}

/// A new appointment and its entry: one statement, so the entry exists
/// exactly when the appointment is new.
const APPOINT: &str = with_entry!(
    "INSERT INTO attendance.team_managers (team_id, employee_id) VALUES ($6, $7) \
     ON CONFLICT DO NOTHING",
    "manager_appointed"
);

/// An appointment's end and its entry.
const DISMISS: &str = with_entry!(
    "DELETE FROM attendance.team_managers WHERE team_id = $6 AND employee_id = $7",
    "manager_dismissed"
);

/// `sql` (one of the above) with the stamp and the pair bound.
fn audited<'q>(
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
