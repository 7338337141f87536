//! Manager appointments ([`ManagerStore`]).

use async_trait::async_trait;
use attendance_core::store::ManagerStore;
use attendance_core::{EmployeeId, Entity, Error, Result, TeamId};

use crate::PgStore;
use crate::error::{map, sqlstate, violates};

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

    async fn appoint_manager(&self, team: TeamId, employee: EmployeeId) -> Result<()> {
        self.retry
            .write(|| {
                self.conns.run(async |c| {
                    sqlx::query(
                        "INSERT INTO attendance.team_managers (team_id, employee_id) \
                         VALUES ($1, $2) ON CONFLICT DO NOTHING",
                    )
                    .bind(team.0)
                    .bind(employee.0)
                    .execute(c)
                    .await
                })
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

    async fn dismiss_manager(&self, team: TeamId, employee: EmployeeId) -> Result<bool> {
        let done = self
            .retry
            .write(|| {
                self.conns.run(async |c| {
                    sqlx::query(
                        "DELETE FROM attendance.team_managers \
                         WHERE team_id = $1 AND employee_id = $2",
                    )
                    .bind(team.0)
                    .bind(employee.0)
                    .execute(c)
                    .await
                })
            })
            .await
            .map_err(map)?;
        Ok(done.rows_affected() > 0)
    }
}
