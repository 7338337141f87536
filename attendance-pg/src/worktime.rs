//! Work-time settings over PostgreSQL (migration 0013): the seven writes,
//! each in one transaction with its audit entry (a savepoint inside an
//! idempotency key's), and the reads of the settings. The ledger is in
//! `ledger.rs`.
//!
//! Each write checks what it refers to first (locking it against removal
//! until commit), so a refusal is the in-memory store's, field for field;
//! the schema's unique indexes and exclusion constraint still decide
//! races, and their violations are explained the same way.

use attendance_core::access::Scope;
use attendance_core::audit::{AuditRecord, Stamp};
use attendance_core::idempotency::{Write, Written};
use attendance_core::worktime::{
    Absence, AbsenceFilter, AbsenceId, AbsenceKind, BreakRule, BreakThreshold, DayPortion, Holiday,
    HolidayFilter, HolidayId, NewAbsence, NewHoliday, NewWorkPattern, PatternAssignment,
    ScheduleTarget, WorkPattern, WorkPatternId, assignment_taken, unknown_calendar,
};
use attendance_core::{Conflict, EmployeeId, Entity, Error, Result, TeamId};
use chrono::{NaiveDate, NaiveTime};
use sqlx::{Connection, FromRow, PgConnection};

use crate::PgStore;
use crate::audit::insert_audit;
use crate::error::{map, sqlstate, violates};
use crate::writes::vanished_conflict;

/// A database integer from a value core bounded far below `i32::MAX`;
/// anything larger is handed on as `i32::MAX` for the schema to refuse.
fn int(v: u32) -> i32 {
    i32::try_from(v).unwrap_or(i32::MAX)
}

#[derive(FromRow)]
struct PatternRow {
    id: i64,
    name: String,
    minutes_mon: i32,
    minutes_tue: i32,
    minutes_wed: i32,
    minutes_thu: i32,
    minutes_fri: i32,
    minutes_sat: i32,
    minutes_sun: i32,
    starts_at: Option<NaiveTime>,
    weekly_overtime_after: Option<i32>,
}

impl TryFrom<PatternRow> for WorkPattern {
    type Error = Error;

    fn try_from(row: PatternRow) -> Result<Self> {
        let corrupt = || Error::backend(format!("work pattern {} has bad minutes", row.id));
        let minute = |m: i32| u32::try_from(m).map_err(|_| corrupt());
        Ok(WorkPattern {
            id: WorkPatternId(row.id),
            minutes: [
                minute(row.minutes_mon)?,
                minute(row.minutes_tue)?,
                minute(row.minutes_wed)?,
                minute(row.minutes_thu)?,
                minute(row.minutes_fri)?,
                minute(row.minutes_sat)?,
                minute(row.minutes_sun)?,
            ],
            starts_at: row.starts_at,
            weekly_overtime_after: row.weekly_overtime_after.map(minute).transpose()?,
            name: row.name,
        })
    }
}

#[derive(FromRow)]
struct AssignmentRow {
    team_id: Option<i64>,
    employee_id: Option<i64>,
    pattern_id: Option<i64>,
    valid_from: NaiveDate,
}

impl TryFrom<AssignmentRow> for PatternAssignment {
    type Error = Error;

    fn try_from(row: AssignmentRow) -> Result<Self> {
        let target = match (row.team_id, row.employee_id) {
            (Some(team), None) => ScheduleTarget::Team(TeamId(team)),
            (None, Some(employee)) => ScheduleTarget::Employee(EmployeeId(employee)),
            _ => return Err(Error::backend("a pattern assignment has no single target")),
        };
        Ok(PatternAssignment {
            target,
            pattern: row.pattern_id.map(WorkPatternId),
            valid_from: row.valid_from,
        })
    }
}

#[derive(FromRow)]
struct HolidayRow {
    id: i64,
    team_id: Option<i64>,
    date: NaiveDate,
    name: String,
    portion: String,
}

impl TryFrom<HolidayRow> for Holiday {
    type Error = Error;

    fn try_from(row: HolidayRow) -> Result<Self> {
        Ok(Holiday {
            id: HolidayId(row.id),
            team_id: row.team_id.map(TeamId),
            date: row.date,
            portion: portion(&row.portion)?,
            name: row.name,
        })
    }
}

#[derive(FromRow)]
struct AbsenceRow {
    id: i64,
    employee_id: i64,
    kind: String,
    from_date: NaiveDate,
    to_date: NaiveDate,
    portion: String,
    note: Option<String>,
}

impl TryFrom<AbsenceRow> for Absence {
    type Error = Error;

    fn try_from(row: AbsenceRow) -> Result<Self> {
        Ok(Absence {
            id: AbsenceId(row.id),
            employee_id: EmployeeId(row.employee_id),
            kind: kind(&row.kind)?,
            from: row.from_date,
            to: row.to_date,
            portion: portion(&row.portion)?,
            note: row.note,
        })
    }
}

/// A stored portion read back.
pub(crate) fn portion(s: &str) -> Result<DayPortion> {
    DayPortion::parse(s).ok_or_else(|| Error::backend(format!("unknown day portion {s:?}")))
}

/// A stored absence kind read back.
pub(crate) fn kind(s: &str) -> Result<AbsenceKind> {
    AbsenceKind::parse(s).ok_or_else(|| Error::backend(format!("unknown absence kind {s:?}")))
}

/// Performs a work-time `write` on `c` in one transaction with its audit
/// entry. The outer error is the database's; the inner one a refusal, after
/// which nothing was written.
pub(crate) async fn perform(
    c: &mut PgConnection,
    stamp: &Stamp,
    write: &Write,
) -> std::result::Result<Result<Written>, sqlx::Error> {
    let mut tx = c.begin().await?;
    let written = match write {
        Write::CreateWorkPattern(pattern) => create_pattern(&mut tx, pattern).await?,
        Write::AssignWorkPattern(assignment) => assign_pattern(&mut tx, assignment).await?,
        Write::AddHoliday(holiday) => add_holiday(&mut tx, holiday).await?,
        Write::RemoveHoliday(id) => remove_holiday(&mut tx, *id).await?,
        Write::RecordAbsence(absence) => {
            let inserted = record_absence(&mut tx, absence).await?;
            if let Err(Refused::Overlap) = inserted {
                // The exclusion constraint aborted the transaction: explain
                // it from outside.
                tx.rollback().await?;
                return Ok(Err(match first_overlapping(c, absence).await? {
                    Some(existing) => overlap(existing),
                    None => vanished_conflict(),
                }));
            }
            inserted.map_err(Refused::into_error)
        }
        Write::RemoveAbsence(id) => remove_absence(&mut tx, *id).await?,
        Write::SetBreakRule { team, rule } => set_break_rule(&mut tx, *team, rule).await?,
        Write::CreateTeam(_)
        | Write::CreateEmployee(_)
        | Write::ClockIn { .. }
        | Write::ClockOut { .. }
        | Write::RecordSession { .. }
        | Write::CorrectSession { .. }
        | Write::UpdateEmployee { .. }
        | Write::AppointManager { .. }
        | Write::DismissManager { .. }
        | Write::RequestCorrection(_)
        | Write::DecideRequest { .. }
        | Write::LockPeriod(_)
        | Write::ReopenPeriod { .. }
        | Write::RegisterWebhook(_)
        | Write::RemoveWebhook(_)
        | Write::RedeliverWebhook { .. } => Err(Error::backend("not a work-time write")),
    };
    let written = match written {
        Ok(written) => written,
        Err(refused) => {
            tx.rollback().await?;
            return Ok(Err(refused));
        }
    };
    if let Some(record) = AuditRecord::of(write, None, &written) {
        insert_audit(&mut tx, stamp, &record).await?;
    }
    tx.commit().await?;
    Ok(Ok(written))
}

type Step<T> = std::result::Result<Result<T>, sqlx::Error>;

/// Locks `sql`'s row (`$1` the id) against removal until commit; whether
/// it exists.
async fn exists(
    c: &mut PgConnection,
    sql: &'static str,
    id: i64,
) -> std::result::Result<bool, sqlx::Error> {
    let found: Option<i32> = sqlx::query_scalar(sql).bind(id).fetch_optional(c).await?;
    Ok(found.is_some())
}

const TEAM_EXISTS: &str = "SELECT 1 FROM teams WHERE id = $1 FOR KEY SHARE";
const EMPLOYEE_EXISTS: &str = "SELECT 1 FROM employees WHERE id = $1 FOR KEY SHARE";
const PATTERN_EXISTS: &str = "SELECT 1 FROM work_patterns WHERE id = $1 FOR KEY SHARE";

async fn create_pattern(c: &mut PgConnection, pattern: &NewWorkPattern) -> Step<Written> {
    let [mon, tue, wed, thu, fri, sat, sun] = pattern.minutes().map(int);
    let row: PatternRow = sqlx::query_as(
        "INSERT INTO work_patterns (name, minutes_mon, minutes_tue, minutes_wed, \
         minutes_thu, minutes_fri, minutes_sat, minutes_sun, starts_at, weekly_overtime_after) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
         RETURNING id, name, minutes_mon, minutes_tue, minutes_wed, minutes_thu, \
         minutes_fri, minutes_sat, minutes_sun, starts_at, weekly_overtime_after",
    )
    .bind(pattern.name())
    .bind(mon)
    .bind(tue)
    .bind(wed)
    .bind(thu)
    .bind(fri)
    .bind(sat)
    .bind(sun)
    .bind(pattern.starts_at())
    .bind(pattern.weekly_overtime_after().map(int))
    .fetch_one(c)
    .await?;
    Ok(WorkPattern::try_from(row).map(Written::WorkPattern))
}

async fn assign_pattern(c: &mut PgConnection, a: &PatternAssignment) -> Step<Written> {
    let (team, employee) = match a.target {
        ScheduleTarget::Team(team) => {
            if !exists(c, TEAM_EXISTS, team.0).await? {
                return Ok(Err(Error::not_found(Entity::Team, team)));
            }
            (Some(team.0), None)
        }
        ScheduleTarget::Employee(employee) => {
            if !exists(c, EMPLOYEE_EXISTS, employee.0).await? {
                return Ok(Err(Error::not_found(Entity::Employee, employee)));
            }
            (None, Some(employee.0))
        }
    };
    if let Some(pattern) = a.pattern
        && !exists(c, PATTERN_EXISTS, pattern.0).await?
    {
        return Ok(Err(Error::not_found(Entity::WorkPattern, pattern)));
    }
    let inserted = sqlx::query(
        "INSERT INTO pattern_assignments (team_id, employee_id, pattern_id, valid_from) \
         VALUES ($1, $2, $3, $4)",
    )
    .bind(team)
    .bind(employee)
    .bind(a.pattern.map(|p| p.0))
    .bind(a.valid_from)
    .execute(c)
    .await;
    match inserted {
        Ok(_) => Ok(Ok(Written::PatternAssigned(*a))),
        Err(e)
            if violates(
                &e,
                sqlstate::UNIQUE_VIOLATION,
                "pattern_assignments_team_date_unique",
            ) || violates(
                &e,
                sqlstate::UNIQUE_VIOLATION,
                "pattern_assignments_employee_date_unique",
            ) =>
        {
            Ok(Err(assignment_taken(a.valid_from)))
        }
        Err(e) => Err(e),
    }
}

async fn add_holiday(c: &mut PgConnection, new: &NewHoliday) -> Step<Written> {
    if let Some(team) = new.team_id()
        && !exists(c, TEAM_EXISTS, team.0).await?
    {
        return Ok(Err(unknown_calendar(team)));
    }
    let holiday = new.with_id(HolidayId(0));
    // A concurrent insert of the same calendar and date makes this wait for
    // it and then insert nothing; the row read next is the one in place.
    let id: Option<i64> = sqlx::query_scalar(
        "INSERT INTO holidays (team_id, date, name, portion) \
         VALUES ($1, $2, $3, $4) \
         ON CONFLICT ((coalesce(team_id, 0)), date) DO NOTHING RETURNING id",
    )
    .bind(holiday.team_id.map(|t| t.0))
    .bind(holiday.date)
    .bind(&holiday.name)
    .bind(holiday.portion.as_str())
    .fetch_optional(&mut *c)
    .await?;
    if let Some(id) = id {
        return Ok(Ok(Written::Holiday(new.with_id(HolidayId(id)))));
    }
    let existing: Option<HolidayRow> = sqlx::query_as(
        "SELECT id, team_id, date, name, portion FROM holidays \
         WHERE coalesce(team_id, 0) = coalesce($1, 0) AND date = $2",
    )
    .bind(holiday.team_id.map(|t| t.0))
    .bind(holiday.date)
    .fetch_optional(c)
    .await?;
    Ok(Err(match existing.map(Holiday::try_from).transpose() {
        Ok(Some(existing)) => Conflict::HolidayExists {
            existing: Box::new(existing),
        }
        .into(),
        Ok(None) => vanished_conflict(),
        Err(unreadable) => unreadable,
    }))
}

async fn remove_holiday(c: &mut PgConnection, id: HolidayId) -> Step<Written> {
    let row: Option<HolidayRow> = sqlx::query_as(
        "DELETE FROM holidays WHERE id = $1 \
         RETURNING id, team_id, date, name, portion",
    )
    .bind(id.0)
    .fetch_optional(c)
    .await?;
    Ok(match row {
        Some(row) => Holiday::try_from(row).map(Written::Holiday),
        None => Err(Error::not_found(Entity::Holiday, id)),
    })
}

/// Why an absence was not recorded.
enum Refused {
    /// The exclusion constraint fired: the transaction is aborted.
    Overlap,
    /// Anything else, explained already.
    Other(Error),
}

impl Refused {
    fn into_error(self) -> Error {
        match self {
            Self::Overlap => vanished_conflict(),
            Self::Other(e) => e,
        }
    }
}

fn overlap(existing: Absence) -> Error {
    Conflict::AbsenceOverlap {
        existing: Box::new(existing),
    }
    .into()
}

async fn record_absence(
    c: &mut PgConnection,
    new: &NewAbsence,
) -> std::result::Result<std::result::Result<Written, Refused>, sqlx::Error> {
    let employee = new.employee_id();
    if !exists(c, EMPLOYEE_EXISTS, employee.0).await? {
        return Ok(Err(Refused::Other(Error::not_found(
            Entity::Employee,
            employee,
        ))));
    }
    // The lock trigger refuses the insert anyway; asked first, so that a
    // locked range is named before an overlap, as the rules order them.
    match crate::close::lock_over(c, employee, new.from(), new.to()).await? {
        Ok(None) => {}
        Ok(Some(lock)) => return Ok(Err(Refused::Other(crate::close::locked(lock)))),
        Err(unreadable) => return Ok(Err(Refused::Other(unreadable))),
    }
    if let Some(existing) = first_overlapping(c, new).await? {
        return Ok(Err(Refused::Other(overlap(existing))));
    }
    let absence = new.with_id(AbsenceId(0));
    let id = sqlx::query_scalar::<_, i64>(
        "INSERT INTO absences (employee_id, kind, from_date, to_date, portion, note) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(employee.0)
    .bind(absence.kind.as_str())
    .bind(absence.from)
    .bind(absence.to)
    .bind(absence.portion.as_str())
    .bind(absence.note.as_deref())
    .fetch_one(c)
    .await;
    match id {
        Ok(id) => Ok(Ok(Written::Absence(new.with_id(AbsenceId(id))))),
        Err(e) if violates(&e, sqlstate::EXCLUSION_VIOLATION, "absences_no_overlap") => {
            Ok(Err(Refused::Overlap))
        }
        Err(e) => Err(e),
    }
}

/// The earliest (by start, then id) absence of the employee that `new`
/// would share a day with.
async fn first_overlapping(
    c: &mut PgConnection,
    new: &NewAbsence,
) -> std::result::Result<Option<Absence>, sqlx::Error> {
    let row: Option<AbsenceRow> = sqlx::query_as(
        "SELECT id, employee_id, kind, from_date, to_date, portion, note \
         FROM absences \
         WHERE employee_id = $1 AND daterange(from_date, to_date, '[]') && daterange($2, $3, '[]') \
         ORDER BY from_date, id LIMIT 1",
    )
    .bind(new.employee_id().0)
    .bind(new.from())
    .bind(new.to())
    .fetch_optional(c)
    .await?;
    Ok(row.and_then(|row| Absence::try_from(row).ok()))
}

async fn remove_absence(c: &mut PgConnection, id: AbsenceId) -> Step<Written> {
    let row: Option<AbsenceRow> = sqlx::query_as(
        "DELETE FROM absences WHERE id = $1 \
         RETURNING id, employee_id, kind, from_date, to_date, portion, note",
    )
    .bind(id.0)
    .fetch_optional(c)
    .await?;
    Ok(match row {
        Some(row) => Absence::try_from(row).map(Written::Absence),
        None => Err(Error::not_found(Entity::Absence, id)),
    })
}

async fn set_break_rule(c: &mut PgConnection, team: TeamId, rule: &BreakRule) -> Step<Written> {
    // The team row's lock serializes two settings of one rule (each deletes
    // then inserts); it does not block the team's sessions or members.
    let found: Option<i32> =
        sqlx::query_scalar("SELECT 1 FROM teams WHERE id = $1 FOR NO KEY UPDATE")
            .bind(team.0)
            .fetch_optional(&mut *c)
            .await?;
    if found.is_none() {
        return Ok(Err(Error::not_found(Entity::Team, team)));
    }
    sqlx::query("DELETE FROM break_thresholds WHERE team_id = $1")
        .bind(team.0)
        .execute(&mut *c)
        .await?;
    let after: Vec<i32> = rule
        .thresholds()
        .iter()
        .map(|t| int(t.after_minutes))
        .collect();
    let breaks: Vec<i32> = rule
        .thresholds()
        .iter()
        .map(|t| int(t.break_minutes))
        .collect();
    sqlx::query(
        "INSERT INTO break_thresholds (team_id, after_minutes, break_minutes) \
         SELECT $1, a, b FROM unnest($2::int[], $3::int[]) AS r(a, b)",
    )
    .bind(team.0)
    .bind(after)
    .bind(breaks)
    .execute(c)
    .await?;
    Ok(Ok(Written::BreakRule {
        team,
        rule: rule.clone(),
    }))
}

impl PgStore {
    async fn read_all<R>(
        &self,
        sql: &'static str,
        bind: impl Fn(
            sqlx::query::QueryAs<'_, sqlx::Postgres, R, sqlx::postgres::PgArguments>,
        )
            -> sqlx::query::QueryAs<'_, sqlx::Postgres, R, sqlx::postgres::PgArguments>,
    ) -> Result<Vec<R>>
    where
        R: for<'r> FromRow<'r, sqlx::postgres::PgRow> + Send + Unpin,
    {
        self.retry
            .read(|| {
                self.conns
                    .run(async |c| bind(sqlx::query_as::<_, R>(sql)).fetch_all(c).await)
            })
            .await
            .map_err(map)
    }

    /// [`AttendanceStore::work_patterns`](attendance_core::store::AttendanceStore::work_patterns).
    pub(crate) async fn read_work_patterns(&self) -> Result<Vec<WorkPattern>> {
        const SQL: &str = "SELECT id, name, minutes_mon, minutes_tue, minutes_wed, \
             minutes_thu, minutes_fri, minutes_sat, minutes_sun, starts_at, weekly_overtime_after \
             FROM work_patterns ORDER BY id";
        self.read_all::<PatternRow>(SQL, |q| q)
            .await?
            .into_iter()
            .map(WorkPattern::try_from)
            .collect()
    }

    /// [`AttendanceStore::pattern_assignments`](attendance_core::store::AttendanceStore::pattern_assignments).
    pub(crate) async fn read_pattern_assignments(
        &self,
        target: Option<ScheduleTarget>,
    ) -> Result<Vec<PatternAssignment>> {
        let (team, employee, all) = match target {
            None => (None, None, true),
            Some(ScheduleTarget::Team(t)) => (Some(t.0), None, false),
            Some(ScheduleTarget::Employee(e)) => (None, Some(e.0), false),
        };
        self.read_all::<AssignmentRow>(
            "SELECT team_id, employee_id, pattern_id, valid_from \
             FROM pattern_assignments \
             WHERE $3 OR team_id = $1 OR employee_id = $2 \
             ORDER BY team_id IS NULL, coalesce(team_id, employee_id), valid_from",
            |q| q.bind(team).bind(employee).bind(all),
        )
        .await?
        .into_iter()
        .map(PatternAssignment::try_from)
        .collect()
    }

    /// [`AttendanceStore::holidays`](attendance_core::store::AttendanceStore::holidays).
    pub(crate) async fn read_holidays(&self, filter: &HolidayFilter) -> Result<Vec<Holiday>> {
        const SQL: &str = "SELECT id, team_id, date, name, portion FROM holidays \
             WHERE ($1::bigint IS NULL OR team_id IS NULL OR team_id = $1) \
               AND ($2::date IS NULL OR date >= $2) AND ($3::date IS NULL OR date <= $3) \
             ORDER BY date, id";
        let team = filter.team_id.map(|t| t.0);
        self.read_all::<HolidayRow>(SQL, |q| q.bind(team).bind(filter.from).bind(filter.to))
            .await?
            .into_iter()
            .map(Holiday::try_from)
            .collect()
    }

    /// [`AttendanceStore::absences`](attendance_core::store::AttendanceStore::absences):
    /// a member's scope is their own absences and those of their teams'
    /// current members, as `Scope::admits` reads it.
    pub(crate) async fn read_absences(&self, filter: &AbsenceFilter) -> Result<Vec<Absence>> {
        const SQL: &str = "SELECT a.id, a.employee_id, a.kind, a.from_date, a.to_date, \
             a.portion, a.note \
             FROM absences a JOIN employees e ON e.id = a.employee_id \
             WHERE ($1::bigint IS NULL OR a.employee_id = $1) \
               AND ($2::bigint IS NULL OR e.team_id = $2) \
               AND ($3::date IS NULL OR a.to_date >= $3) \
               AND ($4::date IS NULL OR a.from_date <= $4) \
               AND ($5::bigint IS NULL OR a.employee_id = $5 OR e.team_id = ANY ($6)) \
             ORDER BY a.from_date, a.id";
        let (member, teams): (Option<i64>, Vec<i64>) = match &filter.scope {
            Scope::All => (None, Vec::new()),
            Scope::Member { employee, teams } => {
                (Some(employee.0), teams.iter().map(|t| t.0).collect())
            }
        };
        let employee = filter.employee_id.map(|e| e.0);
        let team = filter.team_id.map(|t| t.0);
        self.read_all::<AbsenceRow>(SQL, |q| {
            q.bind(employee)
                .bind(team)
                .bind(filter.from)
                .bind(filter.to)
                .bind(member)
                .bind(teams.clone())
        })
        .await?
        .into_iter()
        .map(Absence::try_from)
        .collect()
    }

    /// [`AttendanceStore::absence`](attendance_core::store::AttendanceStore::absence).
    pub(crate) async fn read_absence(&self, id: AbsenceId) -> Result<Absence> {
        const SQL: &str = "SELECT id, employee_id, kind, from_date, to_date, portion, note \
             FROM absences WHERE id = $1";
        self.read_all::<AbsenceRow>(SQL, |q| q.bind(id.0))
            .await?
            .into_iter()
            .next()
            .map(Absence::try_from)
            .transpose()?
            .ok_or_else(|| Error::not_found(Entity::Absence, id))
    }

    /// [`AttendanceStore::break_rule`](attendance_core::store::AttendanceStore::break_rule):
    /// one row for a team without a rule (NULL thresholds), none for no team.
    pub(crate) async fn read_break_rule(&self, team: TeamId) -> Result<BreakRule> {
        let rows = self
            .read_all::<(Option<i32>, Option<i32>)>(
                "SELECT b.after_minutes, b.break_minutes \
                 FROM teams t \
                 LEFT JOIN break_thresholds b ON b.team_id = t.id \
                 WHERE t.id = $1 ORDER BY b.after_minutes",
                |q| q.bind(team.0),
            )
            .await?;
        if rows.is_empty() {
            return Err(Error::not_found(Entity::Team, team));
        }
        let thresholds = rows
            .into_iter()
            .filter_map(|(after, brk)| Some((after?, brk?)))
            .map(|(after, brk)| {
                Ok(BreakThreshold {
                    after_minutes: u32::try_from(after).map_err(Error::backend)?,
                    break_minutes: u32::try_from(brk).map_err(Error::backend)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        BreakRule::new(thresholds).map_err(|_| {
            Error::backend(format!("team {team} has a stored break rule out of order"))
        })
    }
}
