//! Why a write was refused, found after the fact: the open session, the
//! lock over a date, the overlapping session, or an unknown employee.

use super::*;

impl PgStore {
    /// The first session of `employee` meeting `[from, to)` (`to = None`:
    /// open-ended).
    pub(super) async fn first_overlapping(
        &self,
        employee: EmployeeId,
        from: DateTime<Utc>,
        to: Option<DateTime<Utc>>,
    ) -> Result<Option<AttendanceSession>> {
        self.retry
            .read(|| {
                self.conns.run(async |c| {
                    sqlx::query_as::<_, SessionRow>(
                        "SELECT id, employee_id, work_date, clock_in, clock_out, work_mode, auto_closed \
                         FROM sessions \
                         WHERE employee_id = $1 \
                           AND tstzrange(clock_in, clock_out, '[)') && tstzrange($2, $3, '[)') \
                         ORDER BY clock_in, id LIMIT 1",
                    )
                    .bind(employee.0)
                    .bind(from)
                    .bind(to)
                    .fetch_optional(c)
                    .await
                })
            })
            .await
            .map_err(map)?
            .map(session)
            .transpose()
    }

    pub(super) async fn employee_exists(&self, employee: EmployeeId) -> Result<bool> {
        self.retry
            .read(|| {
                self.conns.run(async |c| {
                    sqlx::query_scalar::<_, bool>(
                        "SELECT EXISTS (SELECT 1 FROM employees WHERE id = $1)",
                    )
                    .bind(employee.0)
                    .fetch_one(c)
                    .await
                })
            })
            .await
            .map_err(map)
    }

    /// Explains a refused insert: the open session (for a clock-in), else
    /// the lock over its date (the schema checks overlaps before the lock
    /// trigger runs; the rules name the lock first), else the overlapping
    /// session. `None` when the conflicting session is gone by now (closed
    /// or removed concurrently), so the insert may be tried again.
    pub(super) async fn explain_conflict(
        &self,
        employee: EmployeeId,
        clock_in: DateTime<Utc>,
        clock_out: Option<DateTime<Utc>>,
    ) -> Result<Option<Error>> {
        if clock_out.is_none()
            && let Some(open) = self.open_session(employee).await?
        {
            return Ok(Some(
                Conflict::AlreadyClockedIn {
                    open: Box::new(open),
                }
                .into(),
            ));
        }
        let lock = self
            .retry
            .read(|| {
                self.conns
                    .run(async |c| crate::close::lock_at(c, employee, clock_in).await)
            })
            .await
            .map_err(map)??;
        if let Some(lock) = lock {
            return Ok(Some(crate::close::locked(lock)));
        }
        Ok(self
            .first_overlapping(employee, clock_in, clock_out)
            .await?
            .map(|existing| {
                Conflict::Overlap {
                    existing: Box::new(existing),
                }
                .into()
            }))
    }

    pub(crate) async fn open_new(
        &self,
        stamp: &Stamp,
        new: &NewSession<'_>,
    ) -> Result<AttendanceSession> {
        let NewSession {
            employee,
            clock_in,
            clock_out,
            ..
        } = *new;
        // A conflict whose cause vanished before we could read it is retried
        // once; a second one is reported as a transient failure.
        for _ in 0..2 {
            let inserted = self.insert_session_retried(stamp, new).await;
            match inserted {
                Ok(Some(row)) => return session(row),
                Ok(None) => return Err(Error::not_found(Entity::Employee, employee)),
                Err(e) => {
                    if let Some(err) = self.session_error(e, employee, clock_in, clock_out).await? {
                        return Err(err);
                    }
                }
            }
        }
        Err(vanished_conflict())
    }

    /// Explains a refused session insert; `None` when the conflicting
    /// session is gone by now and the insert may be tried again.
    pub(crate) async fn session_error(
        &self,
        e: sqlx::Error,
        employee: EmployeeId,
        clock_in: DateTime<Utc>,
        clock_out: Option<DateTime<Utc>>,
    ) -> Result<Option<Error>> {
        if violates(
            &e,
            sqlstate::UNIQUE_VIOLATION,
            "sessions_one_open_per_employee",
        ) || violates(&e, sqlstate::EXCLUSION_VIOLATION, "sessions_no_overlap")
        {
            return self.explain_conflict(employee, clock_in, clock_out).await;
        }
        // The only `AT TIME ZONE` of the insert reads the team's zone: a
        // team stored before `create_team` checked it against the server's
        // tz data (or by another client).
        if has_code(&e, sqlstate::INVALID_PARAMETER_VALUE) {
            return Ok(Some(Error::validation(
                "timezone",
                "the employee's team has a timezone this PostgreSQL server does not \
                 know, so no work date can be computed; give the team a zone the server \
                 lists in pg_timezone_names",
            )));
        }
        Ok(Some(map(e)))
    }

    /// Explains a clock-out that closed nothing.
    pub(crate) async fn nothing_closed(&self, employee: EmployeeId, at: DateTime<Utc>) -> Error {
        match self.open_session(employee).await {
            Err(e) => e,
            // The update skips only a session that `at` does not follow (or
            // one closed and reopened meanwhile: then retrying is right).
            Ok(Some(open)) => match check_clock_out("at", open.clock_in, at) {
                Err(e) => e,
                Ok(_) => Error::unavailable(std::io::Error::other(
                    "the open session changed during the clock-out",
                )),
            },
            Ok(None) => match self.employee_exists(employee).await {
                Err(e) => e,
                Ok(true) => Conflict::NotClockedIn {
                    employee_id: employee,
                }
                .into(),
                Ok(false) => Error::not_found(Entity::Employee, employee),
            },
        }
    }
}
