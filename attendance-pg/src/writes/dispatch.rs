//! The one dispatch of every [`Write`]: plain (each statement with its
//! retries) and inside an idempotency key's transaction. Both match
//! `Write` without a wildcard arm, so a new kind of write this store does
//! not perform is a compile error here.

use attendance_core::audit::Stamp;
use attendance_core::idempotency::{Write, Written};
use attendance_core::{Employee, EmployeeId, Entity, Error, Result, TeamId};
use sqlx::PgConnection;

use super::{
    APPOINT, DISMISS, NewSession, TeamInsert, appointment, appointment_error, close_session,
    employee_error, insert_employee, insert_session, insert_team, team_error,
};
use crate::PgStore;
use crate::audit::correct_session;
use crate::employees::update_employee;
use crate::error::map;
use crate::store::session;

impl PgStore {
    /// Performs `write` as `stamp` says, its audit entry with it: one
    /// statement (a correction: one transaction), retried while it
    /// certainly did not take effect.
    pub(crate) async fn perform_write(&self, stamp: &Stamp, write: &Write) -> Result<Written> {
        Ok(match write {
            Write::CreateTeam(team) => Written::Team(self.insert_new_team(stamp, team).await?),
            Write::CreateEmployee(employee) => {
                Written::Employee(self.insert_employee(stamp, employee).await?)
            }
            Write::ClockIn { employee, mode, at } => {
                let new = NewSession {
                    employee: *employee,
                    mode: *mode,
                    clock_in: *at,
                    clock_out: None,
                    reason: None,
                };
                Written::Session(self.open_new(stamp, &new).await?)
            }
            Write::ClockOut { employee, at } => {
                Written::Session(self.close(stamp, *employee, *at).await?)
            }
            Write::RecordSession {
                employee,
                mode,
                clock_in,
                clock_out,
                reason,
            } => {
                let new = NewSession {
                    employee: *employee,
                    mode: *mode,
                    clock_in: *clock_in,
                    clock_out: Some(*clock_out),
                    reason: reason.as_deref(),
                };
                Written::Session(self.open_new(stamp, &new).await?)
            }
            Write::CorrectSession {
                session,
                changes,
                reason,
            } => {
                let corrected = self
                    .retry
                    .write(|| {
                        self.conns.run(async |c| {
                            correct_session(c, stamp, *session, changes, reason).await
                        })
                    })
                    .await
                    .map_err(map)??;
                Written::Session(corrected)
            }
            Write::UpdateEmployee { employee, changes } => {
                let updated = self
                    .retry
                    .write(|| {
                        self.conns
                            .run(async |c| update_employee(c, stamp, *employee, changes).await)
                    })
                    .await
                    .map_err(map)??;
                Written::Employee(updated)
            }
            Write::AppointManager { team, employee } => {
                self.appoint(APPOINT, stamp, *team, *employee).await?
            }
            Write::DismissManager { team, employee } => {
                self.appoint(DISMISS, stamp, *team, *employee).await?
            }
            // One transaction with its entry; refusals come back explained.
            Write::CreateWorkPattern(_)
            | Write::AssignWorkPattern(_)
            | Write::AddHoliday(_)
            | Write::RemoveHoliday(_)
            | Write::RecordAbsence(_)
            | Write::RemoveAbsence(_)
            | Write::SetBreakRule { .. } => self
                .retry
                .write(|| {
                    self.conns
                        .run(async |c| crate::worktime::perform(c, stamp, write).await)
                })
                .await
                .map_err(map)??,
            // One transaction with their entries; refusals come back
            // explained.
            Write::RequestCorrection(_)
            | Write::DecideRequest { .. }
            | Write::LockPeriod(_)
            | Write::ReopenPeriod { .. }
            | Write::RegisterWebhook(_)
            | Write::RemoveWebhook(_)
            | Write::RedeliverWebhook { .. } => self
                .retry
                .write(|| {
                    self.conns
                        .run(async |c| crate::close::perform(c, stamp, write).await)
                })
                .await
                .map_err(map)??,
        })
    }

    /// An appointment or a dismissal (`sql`), with its entry when it
    /// changed anything.
    async fn appoint(
        &self,
        sql: &'static str,
        stamp: &Stamp,
        team: TeamId,
        employee: EmployeeId,
    ) -> Result<Written> {
        let done = self
            .retry
            .write(|| {
                self.conns
                    .run(async |c| appointment(sql, stamp, team, employee).execute(c).await)
            })
            .await
            .map_err(|e| appointment_error(e, team, employee))?;
        Ok(Written::Appointment {
            changed: done.rows_affected() > 0,
        })
    }

    /// What a failed keyed write's error means, as the plain path says it;
    /// `None` when a session conflict vanished and a retry may succeed.
    pub(crate) async fn write_error(&self, e: sqlx::Error, write: &Write) -> Result<Option<Error>> {
        Ok(Some(match write {
            Write::CreateTeam(team) => team_error(e, team.name(), team.timezone().name()),
            Write::CreateEmployee(employee) => employee_error(e, employee),
            Write::ClockIn { employee, at, .. } => {
                return self.session_error(e, *employee, *at, None).await;
            }
            Write::RecordSession {
                employee,
                clock_in,
                clock_out,
                ..
            } => {
                return self
                    .session_error(e, *employee, *clock_in, Some(*clock_out))
                    .await;
            }
            Write::AppointManager { team, employee } | Write::DismissManager { team, employee } => {
                appointment_error(e, *team, *employee)
            }
            // A clock-out's UPDATE violates nothing a caller could cause:
            // it only ever closes the open session after its clock-in; a
            // correction and an employee change explain their own errors
            // inside their transactions.
            Write::ClockOut { .. }
            | Write::CorrectSession { .. }
            | Write::UpdateEmployee { .. } => map(e),
            // Work-time writes explain their refusals inside their
            // transactions too.
            Write::CreateWorkPattern(_)
            | Write::AssignWorkPattern(_)
            | Write::AddHoliday(_)
            | Write::RemoveHoliday(_)
            | Write::RecordAbsence(_)
            | Write::RemoveAbsence(_)
            | Write::SetBreakRule { .. }
            | Write::RequestCorrection(_)
            | Write::DecideRequest { .. }
            | Write::LockPeriod(_)
            | Write::ReopenPeriod { .. }
            | Write::RegisterWebhook(_)
            | Write::RemoveWebhook(_)
            | Write::RedeliverWebhook { .. } => map(e),
        }))
    }

    /// Why a keyed write's statement returned no row.
    pub(crate) async fn no_row(&self, write: &Write) -> Error {
        match write {
            Write::ClockOut { employee, at } => self.nothing_closed(*employee, *at).await,
            Write::ClockIn { employee, .. } | Write::RecordSession { employee, .. } => {
                Error::not_found(Entity::Employee, *employee)
            }
            Write::CreateTeam(_)
            | Write::CreateEmployee(_)
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
            | Write::SetBreakRule { .. }
            | Write::RequestCorrection(_)
            | Write::DecideRequest { .. }
            | Write::LockPeriod(_)
            | Write::ReopenPeriod { .. }
            | Write::RegisterWebhook(_)
            | Write::RemoveWebhook(_)
            | Write::RedeliverWebhook { .. } => Error::backend("an insert returned no row"),
        }
    }
}

/// Runs `write`'s statement on `c` (inside a key's transaction): `None`
/// when it returned no row, `Some(Err)` when the row could not be read or
/// the write was refused (nothing was written either way).
pub(crate) async fn perform_in(
    c: &mut PgConnection,
    stamp: &Stamp,
    write: &Write,
) -> std::result::Result<Option<Result<Written>>, sqlx::Error> {
    Ok(match *write {
        Write::CreateTeam(ref team) => {
            let row = insert_team(c, stamp, &TeamInsert::of(team)).await?;
            Some(row.try_into().map(Written::Team))
        }
        Write::CreateEmployee(ref employee) => {
            let row = insert_employee(c, stamp, employee).await?;
            Some(Ok(Written::Employee(Employee::from(row))))
        }
        Write::ClockIn { employee, mode, at } => {
            let new = NewSession {
                employee,
                mode,
                clock_in: at,
                clock_out: None,
                reason: None,
            };
            insert_session(c, stamp, &new)
                .await?
                .map(|row| session(row).map(Written::Session))
        }
        Write::ClockOut { employee, at } => close_session(c, stamp, employee, at)
            .await?
            .map(|row| session(row).map(Written::Session)),
        Write::RecordSession {
            employee,
            mode,
            clock_in,
            clock_out,
            ref reason,
        } => {
            let new = NewSession {
                employee,
                mode,
                clock_in,
                clock_out: Some(clock_out),
                reason: reason.as_deref(),
            };
            insert_session(c, stamp, &new)
                .await?
                .map(|row| session(row).map(Written::Session))
        }
        Write::CorrectSession {
            session: id,
            ref changes,
            ref reason,
        } => Some(
            correct_session(c, stamp, id, changes, reason)
                .await?
                .map(Written::Session),
        ),
        Write::UpdateEmployee {
            employee,
            ref changes,
        } => Some(
            update_employee(c, stamp, employee, changes)
                .await?
                .map(Written::Employee),
        ),
        Write::AppointManager { team, employee } => {
            let done = appointment(APPOINT, stamp, team, employee)
                .execute(c)
                .await?;
            Some(Ok(Written::Appointment {
                changed: done.rows_affected() > 0,
            }))
        }
        Write::DismissManager { team, employee } => {
            let done = appointment(DISMISS, stamp, team, employee)
                .execute(c)
                .await?;
            Some(Ok(Written::Appointment {
                changed: done.rows_affected() > 0,
            }))
        }
        Write::CreateWorkPattern(_)
        | Write::AssignWorkPattern(_)
        | Write::AddHoliday(_)
        | Write::RemoveHoliday(_)
        | Write::RecordAbsence(_)
        | Write::RemoveAbsence(_)
        | Write::SetBreakRule { .. } => Some(crate::worktime::perform(c, stamp, write).await?),
        Write::RequestCorrection(_)
        | Write::DecideRequest { .. }
        | Write::LockPeriod(_)
        | Write::ReopenPeriod { .. }
        | Write::RegisterWebhook(_)
        | Write::RemoveWebhook(_)
        | Write::RedeliverWebhook { .. } => Some(crate::close::perform(c, stamp, write).await?),
    })
}
