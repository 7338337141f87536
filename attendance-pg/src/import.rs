//! Bulk import of attendance sessions through `COPY … FROM STDIN`.
//!
//! An [`Importer`] takes rows (typed [`ImportRow`]s or CSV text), checks every
//! one of them, writes the good ones in one transaction and returns an
//! [`ImportReport`] that lists each refused row with its line and the
//! reason. A bad row never fails the batch, and the batch never stops half
//! way: either every accepted row is committed or, when the database itself
//! fails, none is and the call returns the error.
//!
//! ```no_run
//! use attendance_core::{EmployeeId, WorkMode};
//! use attendance_pg::import::ImportRow;
//! # async fn demo(store: attendance_pg::PgStore) -> Result<(), Box<dyn std::error::Error>> {
//! let rows = vec![ImportRow::new(
//!     EmployeeId(1),
//!     WorkMode::Wfo,
//!     "2026-03-02T07:55:00Z".parse()?,
//!     Some("2026-03-02T16:05:00Z".parse()?),
//! )];
//! let report = store.importer().import_rows(rows).await?;
//! for rejected in &report.rejected {
//!     eprintln!("line {}: {}", rejected.line, rejected.reason);
//! }
//! # Ok(()) }
//! ```
//!
//! # What is checked, and where
//! In Rust, before anything is sent: the employee exists; the work mode is
//! `WFH` or `WFO` (CSV); `clock_out` is after `clock_in`; no instant lies more
//! than [`Importer::future_tolerance`] ahead; the work date is *computed*
//! from the clock-in and the team's timezone, and a work date given in the
//! input must equal it. Then, per employee and in order of clock-in, no two
//! rows of the batch overlap (an open session reaches to the end of time, so
//! this also keeps one open session per employee); of two overlapping rows
//! the one that starts first is kept.
//!
//! Last, the rows kept so far are checked against the sessions already
//! stored. The order is deliberate and the same for both strategies: a row
//! refused for meeting a stored session still keeps out the later rows of
//! the batch that overlap it, so the report does not depend on the strategy.
//! That last check is done by the chosen [`Strategy`]:
//! - [`Strategy::Direct`] (the default) reads the stored sessions of the
//!   batch's employees over the batch's time span in one query, checks the
//!   rows against them in memory, and `COPY`s the accepted rows straight into
//!   `attendance.sessions`.
//! - [`Strategy::Staged`] `COPY`s the rows into a temporary table and moves
//!   them with one `INSERT … SELECT … ON CONFLICT DO NOTHING`, letting the
//!   exclusion constraint and the partial unique index pick the refused
//!   rows, then explains those in the same statement.
//!
//! Direct is the faster: `COPY` into the table uses PostgreSQL's batched
//! heap inserts and writes each row once, while Staged writes every row twice
//! (temporary table, then table) and `ON CONFLICT` inserts row by row with a
//! speculative-insertion pre-check on every arbiter index, the GiST
//! exclusion index included. Measured on 500,000 seeded rows with every
//! index in place, in one run: Direct 14-16 s, Staged 18-21 s, `psql \copy`
//! of the same rows 13-16 s. Staged is immune to races, though: if a
//! clock-in commits between Direct's check and its `COPY` and makes the
//! `COPY` fail on a constraint, the transaction is rolled back and the batch
//! is imported again with Staged, so the caller still gets a per-row report
//! ([`ImportReport::strategy`] says which ran).
//!
//! # Where the time goes, and what helps
//! On this schema the import is bound by index maintenance on the server,
//! above all the GiST index behind the no-overlap exclusion constraint:
//! 500,000 rows took 2.9 s into the bare table, 10.9 s with only that
//! index, and 13.6 s with all of them. The client's share (checks, sorting,
//! encoding) is about 0.2 s per 500,000 rows. So:
//! - rows go out ordered by work date, then employee, then clock-in: on
//!   200,000 rows with every index, that order imported in 4.9 s, against
//!   5.6 s shuffled, 5.8 s by clock-in and 6.4 s by employee (GiST inserts
//!   are cheapest when consecutive rows are near in time and alike in
//!   employee);
//! - rows travel in PostgreSQL's *binary* `COPY` format: the server does not
//!   parse timestamps and dates from text, and the client does not format
//!   them;
//! - data goes out in chunks of about 1 MiB while the server is still
//!   inserting the previous ones; one `COPY`, one transaction, one commit;
//! - `statement_timeout` is lifted for the import's transaction only, since a
//!   large `COPY` is one long statement.
//!
//! Two `COPY` streams over disjoint employees ran about 1.5 times as fast
//! as one on two cores, but would commit separately; this importer keeps
//! the batch in one transaction instead.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use attendance_core::{EmployeeId, Error, Result, SessionId, WorkMode};
use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Utc};
use chrono_tz::Tz;
use sqlx::postgres::PgConnection;
use sqlx::{Connection, FromRow};

use crate::PgStore;
use crate::error::{map, sqlstate};

/// One session to import.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ImportRow {
    /// Whose session it is.
    pub employee_id: EmployeeId,
    /// Where the work was done.
    pub work_mode: WorkMode,
    /// When the session started.
    pub clock_in: DateTime<Utc>,
    /// When it ended; `None` for a session still open.
    pub clock_out: Option<DateTime<Utc>>,
    /// The work date the source states, if it states one. It is checked, not
    /// trusted: the stored work date is always computed from the clock-in
    /// and the team's timezone.
    pub work_date: Option<NaiveDate>,
}

impl ImportRow {
    /// A row without a stated work date.
    pub fn new(
        employee_id: EmployeeId,
        work_mode: WorkMode,
        clock_in: DateTime<Utc>,
        clock_out: Option<DateTime<Utc>>,
    ) -> Self {
        Self {
            employee_id,
            work_mode,
            clock_in,
            clock_out,
            work_date: None,
        }
    }

    /// States the work date the source claims, to be checked.
    pub fn with_work_date(mut self, work_date: NaiveDate) -> Self {
        self.work_date = Some(work_date);
        self
    }

    /// Parses one CSV record `employee_id,clock_in,clock_out,work_mode[,work_date]`
    /// (see [`Importer::import_csv`]).
    pub fn parse_csv(record: &str) -> std::result::Result<Self, RejectReason> {
        let malformed = |detail: String| RejectReason::Malformed { detail };
        let fields: Vec<&str> = record.split(',').map(str::trim).collect();
        if !(4..=5).contains(&fields.len()) {
            return Err(malformed(format!(
                "expected 4 or 5 comma-separated fields \
                 (employee_id,clock_in,clock_out,work_mode[,work_date]), found {}",
                fields.len()
            )));
        }
        let employee_id = fields[0]
            .parse::<i64>()
            .map_err(|_| malformed(format!("employee_id {:?} is not an integer", fields[0])))?;
        let instant = |name: &str, value: &str| {
            DateTime::parse_from_rfc3339(value)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|e| malformed(format!("{name} {value:?} is not an RFC 3339 instant: {e}")))
        };
        let clock_in = instant("clock_in", fields[1])?;
        let clock_out = match fields[2] {
            "" => None,
            value => Some(instant("clock_out", value)?),
        };
        let work_mode = WorkMode::from_str(fields[3]).map_err(|_| RejectReason::WorkMode {
            value: fields[3].to_owned(),
        })?;
        let work_date = match fields.get(4).copied().unwrap_or("") {
            "" => None,
            value => Some(NaiveDate::from_str(value).map_err(|_| {
                malformed(format!("work_date {value:?} is not a date (YYYY-MM-DD)"))
            })?),
        };
        Ok(Self {
            employee_id: EmployeeId(employee_id),
            work_mode,
            clock_in,
            clock_out,
            work_date,
        })
    }
}

/// How rows that meet stored sessions are found (see the [module docs](self)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Strategy {
    /// Check against the stored sessions in memory, then `COPY` into the
    /// table. The default, and the faster.
    #[default]
    Direct,
    /// `COPY` into a temporary table, then `INSERT … ON CONFLICT DO NOTHING`.
    Staged,
}

/// Why a row was not imported.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RejectReason {
    /// The CSV record could not be read.
    Malformed {
        /// What was wrong with it.
        detail: String,
    },
    /// The work mode is neither `WFH` nor `WFO`.
    WorkMode {
        /// The value found.
        value: String,
    },
    /// No employee has this id.
    UnknownEmployee {
        /// The id in the row.
        employee_id: EmployeeId,
    },
    /// `clock_out` is not after `clock_in`.
    ClockOutNotAfterClockIn {
        /// The row's clock-in.
        clock_in: DateTime<Utc>,
        /// The row's clock-out.
        clock_out: DateTime<Utc>,
    },
    /// An instant lies further in the future than the importer tolerates.
    InFuture {
        /// The instant.
        at: DateTime<Utc>,
    },
    /// An instant lies before the year 1, outside what is plausible (and
    /// near the edge of what PostgreSQL stores).
    OutOfRange {
        /// The instant.
        at: DateTime<Utc>,
    },
    /// The stated work date is not the local date of the clock-in in the
    /// team's timezone.
    WorkDateMismatch {
        /// The date in the row.
        given: NaiveDate,
        /// The date computed from the clock-in and the team's timezone.
        expected: NaiveDate,
    },
    /// The row overlaps another row of the batch that starts earlier (or at
    /// the same instant on an earlier line).
    OverlapsRow {
        /// The line of the row that was kept.
        line: u64,
        /// Whether that row is an open session.
        open: bool,
    },
    /// The row overlaps a session already stored.
    OverlapsSession {
        /// The stored session.
        session_id: SessionId,
        /// Whether that session is open.
        open: bool,
    },
    /// The row conflicted with a session written concurrently that was gone
    /// again by the time the import looked for it.
    Conflict,
}

impl fmt::Display for RejectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Malformed { detail } => write!(f, "malformed record: {detail}"),
            Self::WorkMode { value } => {
                write!(f, "work_mode {value:?} is not one of \"WFH\", \"WFO\"")
            }
            Self::UnknownEmployee { employee_id } => {
                write!(f, "employee {employee_id} does not exist")
            }
            Self::ClockOutNotAfterClockIn {
                clock_in,
                clock_out,
            } => write!(
                f,
                "clock_out ({}) is not after clock_in ({})",
                clock_out.to_rfc3339(),
                clock_in.to_rfc3339()
            ),
            Self::InFuture { at } => write!(f, "{} is in the future", at.to_rfc3339()),
            Self::OutOfRange { at } => write!(f, "{} is out of range", at.to_rfc3339()),
            Self::WorkDateMismatch { given, expected } => write!(
                f,
                "work_date {given} is not the local date of the clock-in in the team's \
                 timezone ({expected})"
            ),
            Self::OverlapsRow { line, open: true } => {
                write!(
                    f,
                    "starts while the open session on line {line} is still open"
                )
            }
            Self::OverlapsRow { line, open: false } => {
                write!(f, "overlaps the session on line {line}")
            }
            Self::OverlapsSession {
                session_id,
                open: true,
            } => write!(
                f,
                "the employee has an open session ({session_id}) that starts earlier"
            ),
            Self::OverlapsSession {
                session_id,
                open: false,
            } => write!(f, "overlaps stored session {session_id}"),
            Self::Conflict => f.write_str("conflicted with a session written concurrently"),
        }
    }
}

/// A row that was not imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectedRow {
    /// Its line: the 1-based position for [`Importer::import_rows`], the
    /// line in the text for [`Importer::import_csv`].
    pub line: u64,
    /// Why.
    pub reason: RejectReason,
}

/// The outcome of an import.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ImportReport {
    /// Rows read (rejected ones included).
    pub rows: u64,
    /// Rows inserted.
    pub inserted: u64,
    /// Rows refused, by line.
    pub rejected: Vec<RejectedRow>,
    /// The strategy that wrote the rows: [`Strategy::Staged`] also when a
    /// [`Strategy::Direct`] import met a concurrent write and fell back.
    pub strategy: Strategy,
}

/// How far an import has got, for progress bars.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ImportProgress {
    /// Accepted rows handed to the server so far.
    pub sent: u64,
    /// Accepted rows to send in all.
    pub total: u64,
}

type ProgressFn = Arc<dyn Fn(ImportProgress) + Send + Sync>;

/// Imports sessions in bulk; made by [`PgStore::importer`].
#[derive(Clone)]
pub struct Importer {
    store: PgStore,
    strategy: Strategy,
    future_tolerance: TimeDelta,
    chunk_bytes: usize,
    progress: Option<ProgressFn>,
}

impl fmt::Debug for Importer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Importer")
            .field("strategy", &self.strategy)
            .field("future_tolerance", &self.future_tolerance)
            .field("chunk_bytes", &self.chunk_bytes)
            .finish_non_exhaustive()
    }
}

impl PgStore {
    /// A bulk importer writing into this store's database.
    pub fn importer(&self) -> Importer {
        Importer {
            store: self.clone(),
            strategy: Strategy::default(),
            future_tolerance: TimeDelta::minutes(5),
            chunk_bytes: 1 << 20,
            progress: None,
        }
    }
}

/// A row that passed the checks that need no other row.
struct Candidate {
    line: u64,
    employee: i64,
    mode: WorkMode,
    clock_in: DateTime<Utc>,
    clock_out: Option<DateTime<Utc>>,
    work_date: NaiveDate,
}

#[derive(FromRow)]
struct Existing {
    employee_id: i64,
    id: i64,
    clock_in: DateTime<Utc>,
    clock_out: Option<DateTime<Utc>>,
}

#[derive(FromRow)]
struct Refused {
    line: i64,
    session_id: Option<i64>,
    open: Option<bool>,
}

impl Importer {
    /// Chooses how overlaps with stored sessions are found. Default:
    /// [`Strategy::Direct`].
    pub fn strategy(mut self, strategy: Strategy) -> Self {
        self.strategy = strategy;
        self
    }

    /// How far in the future an instant may lie. Default: 5 minutes, as for
    /// a clock-in through the service.
    pub fn future_tolerance(mut self, tolerance: TimeDelta) -> Self {
        self.future_tolerance = tolerance;
        self
    }

    /// Calls `report` after each chunk of rows is handed to the server.
    pub fn on_progress(mut self, report: impl Fn(ImportProgress) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(report));
        self
    }

    /// Imports `rows`, numbering them from line 1.
    pub async fn import_rows(
        &self,
        rows: impl IntoIterator<Item = ImportRow>,
    ) -> Result<ImportReport> {
        let rows: Vec<(u64, ImportRow)> = (1..).zip(rows).collect();
        self.import(rows, Vec::new()).await
    }

    /// Imports CSV text, one session per line:
    /// `employee_id,clock_in,clock_out,work_mode[,work_date]`, instants in
    /// RFC 3339 (`2026-03-02T07:55:00Z`), an empty `clock_out` for an open
    /// session, `work_date` as `YYYY-MM-DD` or empty. Fields are not quoted.
    /// A first line starting with a letter is a header and skipped; blank
    /// lines are skipped. Lines in the report count from 1, header included.
    pub async fn import_csv(&self, csv: &str) -> Result<ImportReport> {
        let mut rows = Vec::new();
        let mut rejected = Vec::new();
        let csv = csv.strip_prefix('\u{feff}').unwrap_or(csv);
        for (line, record) in (1..).zip(csv.lines()) {
            let record = record.trim();
            if record.is_empty()
                || (line == 1 && record.starts_with(|c: char| c.is_ascii_alphabetic()))
            {
                continue;
            }
            match ImportRow::parse_csv(record) {
                Ok(row) => rows.push((line, row)),
                Err(reason) => rejected.push(RejectedRow { line, reason }),
            }
        }
        self.import(rows, rejected).await
    }

    async fn import(
        &self,
        rows: Vec<(u64, ImportRow)>,
        mut rejected: Vec<RejectedRow>,
    ) -> Result<ImportReport> {
        let total_rows = u64::try_from(rows.len() + rejected.len()).unwrap_or(u64::MAX);
        let zones = self.timezones(&rows).await?;
        let mut candidates = self.check_rows(rows, &zones, &mut rejected);
        // The overlap sweeps walk each employee's rows in order of clock-in.
        candidates.sort_unstable_by_key(|c| (c.employee, c.clock_in, c.line));
        let candidates = sweep_batch(candidates, &mut rejected);

        let mut conn = self.store.pool().acquire().await.map_err(map)?;
        let (inserted, strategy) = match self.strategy {
            Strategy::Staged => (
                self.staged(&mut conn, &candidates, &mut rejected).await?,
                Strategy::Staged,
            ),
            Strategy::Direct => match self.direct(&mut conn, &candidates, &mut rejected).await {
                Ok(inserted) => (inserted, Strategy::Direct),
                Err(e) if raced(&e) => {
                    tracing::info!(
                        "a concurrent write met the import; importing again with a staging table"
                    );
                    (
                        self.staged(&mut conn, &candidates, &mut rejected).await?,
                        Strategy::Staged,
                    )
                }
                Err(e) => return Err(map(e)),
            },
        };
        rejected.sort_by_key(|r| r.line);
        Ok(ImportReport {
            rows: total_rows,
            inserted,
            rejected,
            strategy,
        })
    }

    /// The timezone of every employee named in `rows` that exists.
    async fn timezones(&self, rows: &[(u64, ImportRow)]) -> Result<HashMap<i64, Tz>> {
        let mut ids: Vec<i64> = rows.iter().map(|(_, r)| r.employee_id.0).collect();
        ids.sort_unstable();
        ids.dedup();
        let found: Vec<(i64, String)> = sqlx::query_as(
            "SELECT e.id, t.timezone FROM attendance.employees e \
             JOIN attendance.teams t ON t.id = e.team_id WHERE e.id = ANY($1)",
        )
        .bind(&ids)
        .fetch_all(self.store.pool())
        .await
        .map_err(map)?;
        let mut parsed: HashMap<String, Tz> = HashMap::new();
        let mut zones = HashMap::with_capacity(found.len());
        for (id, name) in found {
            let tz = match parsed.get(&name) {
                Some(tz) => *tz,
                None => {
                    let tz = Tz::from_str(&name).map_err(|_| {
                        Error::backend(format!("a team has an unknown timezone {name:?}"))
                    })?;
                    parsed.insert(name, tz);
                    tz
                }
            };
            zones.insert(id, tz);
        }
        Ok(zones)
    }

    /// The checks each row passes on its own.
    fn check_rows(
        &self,
        rows: Vec<(u64, ImportRow)>,
        zones: &HashMap<i64, Tz>,
        rejected: &mut Vec<RejectedRow>,
    ) -> Vec<Candidate> {
        let latest = Utc::now() + self.future_tolerance;
        let mut candidates = Vec::with_capacity(rows.len());
        for (line, row) in rows {
            match check_row(&row, zones, latest) {
                Ok(work_date) => candidates.push(Candidate {
                    line,
                    employee: row.employee_id.0,
                    mode: row.work_mode,
                    clock_in: row.clock_in,
                    clock_out: row.clock_out,
                    work_date,
                }),
                Err(reason) => rejected.push(RejectedRow { line, reason }),
            }
        }
        candidates
    }

    /// Checks against stored sessions in memory, then `COPY`s into the
    /// table. A constraint error here means a concurrent write (see
    /// [`raced`]); the transaction is rolled back before it is returned.
    async fn direct(
        &self,
        conn: &mut PgConnection,
        candidates: &[Candidate],
        rejected: &mut Vec<RejectedRow>,
    ) -> std::result::Result<u64, sqlx::Error> {
        let mut tx = conn.begin().await?;
        sqlx::query("SET LOCAL statement_timeout = 0")
            .execute(&mut *tx)
            .await?;
        let existing = stored_sessions(&mut tx, candidates).await?;
        let mut refused = Vec::new();
        let mut accepted: Vec<&Candidate> = sweep_stored(candidates, &existing, &mut refused);
        accepted.sort_unstable_by_key(|c| send_order(c));
        let sent = self
            .copy(
                &mut tx,
                "COPY attendance.sessions (employee_id, work_date, clock_in, clock_out, work_mode) \
                 FROM STDIN (FORMAT binary)",
                &accepted,
                false,
            )
            .await;
        match sent {
            Ok(inserted) => {
                tx.commit().await?;
                rejected.append(&mut refused);
                Ok(inserted)
            }
            Err(e) => {
                tx.rollback().await.ok();
                Err(e)
            }
        }
    }

    /// `COPY` into a temporary table, then one `INSERT … ON CONFLICT DO
    /// NOTHING` that also explains the rows it skipped.
    async fn staged(
        &self,
        conn: &mut PgConnection,
        candidates: &[Candidate],
        rejected: &mut Vec<RejectedRow>,
    ) -> Result<u64> {
        let mut tx = conn.begin().await.map_err(map)?;
        sqlx::query("SET LOCAL statement_timeout = 0")
            .execute(&mut *tx)
            .await
            .map_err(map)?;
        sqlx::query(
            "CREATE TEMPORARY TABLE attendance_import_staging ( \
                 line bigint NOT NULL, employee_id bigint NOT NULL, work_date date NOT NULL, \
                 clock_in timestamptz NOT NULL, clock_out timestamptz, work_mode text NOT NULL \
             ) ON COMMIT DROP",
        )
        .execute(&mut *tx)
        .await
        .map_err(map)?;
        let mut rows: Vec<&Candidate> = candidates.iter().collect();
        rows.sort_unstable_by_key(|c| send_order(c));
        let staged = self
            .copy(
                &mut tx,
                "COPY attendance_import_staging \
                 (line, employee_id, work_date, clock_in, clock_out, work_mode) \
                 FROM STDIN (FORMAT binary)",
                &rows,
                true,
            )
            .await
            .map_err(map)?;
        // The rows of the batch do not overlap each other (`sweep_batch`), so
        // (employee_id, clock_in) identifies a staged row among those
        // inserted. The lateral join sees the snapshot from before the
        // insert: the stored session each skipped row ran into.
        let refused: Vec<Refused> = sqlx::query_as(
            "WITH inserted AS ( \
                 INSERT INTO attendance.sessions \
                     (employee_id, work_date, clock_in, clock_out, work_mode) \
                 SELECT employee_id, work_date, clock_in, clock_out, work_mode \
                 FROM attendance_import_staging ORDER BY work_date, employee_id, clock_in \
                 ON CONFLICT DO NOTHING \
                 RETURNING employee_id, clock_in \
             ) \
             SELECT st.line, blocking.id AS session_id, blocking.clock_out IS NULL AS open \
             FROM attendance_import_staging st \
             LEFT JOIN LATERAL ( \
                 SELECT s.id, s.clock_out FROM attendance.sessions s \
                 WHERE s.employee_id = st.employee_id \
                   AND tstzrange(s.clock_in, s.clock_out, '[)') \
                       && tstzrange(st.clock_in, st.clock_out, '[)') \
                 ORDER BY s.clock_in LIMIT 1 \
             ) blocking ON true \
             WHERE NOT EXISTS ( \
                 SELECT 1 FROM inserted i \
                 WHERE i.employee_id = st.employee_id AND i.clock_in = st.clock_in \
             )",
        )
        .fetch_all(&mut *tx)
        .await
        .map_err(map)?;
        tx.commit().await.map_err(map)?;
        for r in &refused {
            rejected.push(RejectedRow {
                line: u64::try_from(r.line).unwrap_or_default(),
                reason: match r.session_id {
                    Some(id) => RejectReason::OverlapsSession {
                        session_id: SessionId(id),
                        open: r.open.unwrap_or(false),
                    },
                    None => RejectReason::Conflict,
                },
            });
        }
        Ok(staged.saturating_sub(u64::try_from(refused.len()).unwrap_or(u64::MAX)))
    }

    /// Streams `rows` through `statement` (a binary `COPY … FROM STDIN`), with
    /// the line number as the first column when `with_line`.
    async fn copy(
        &self,
        conn: &mut PgConnection,
        statement: &str,
        rows: &[&Candidate],
        with_line: bool,
    ) -> std::result::Result<u64, sqlx::Error> {
        let total = u64::try_from(rows.len()).unwrap_or(u64::MAX);
        if rows.is_empty() {
            return Ok(0);
        }
        let mut copy = conn.copy_in_raw(statement).await?;
        let mut buf = Vec::with_capacity(self.chunk_bytes + 256);
        buf.extend_from_slice(binary::HEADER);
        let mut sent = 0u64;
        for row in rows {
            binary::put_row(&mut buf, row, with_line);
            sent += 1;
            if buf.len() >= self.chunk_bytes {
                if let Err(e) = copy.send(buf.as_slice()).await {
                    copy.abort("the import failed while sending").await.ok();
                    return Err(e);
                }
                buf.clear();
                self.report(sent, total);
            }
        }
        buf.extend_from_slice(&binary::TRAILER);
        if let Err(e) = copy.send(buf.as_slice()).await {
            copy.abort("the import failed while sending").await.ok();
            return Err(e);
        }
        let copied = copy.finish().await?;
        self.report(sent, total);
        Ok(copied)
    }

    fn report(&self, sent: u64, total: u64) {
        if let Some(progress) = &self.progress {
            progress(ImportProgress { sent, total });
        }
    }
}

/// The order rows go to the server in: by work date, then employee (see
/// the module docs, "Where the time goes").
fn send_order(c: &Candidate) -> (NaiveDate, i64, DateTime<Utc>) {
    (c.work_date, c.employee, c.clock_in)
}

/// The checks one row passes on its own; the work date on success.
fn check_row(
    row: &ImportRow,
    zones: &HashMap<i64, Tz>,
    latest: DateTime<Utc>,
) -> std::result::Result<NaiveDate, RejectReason> {
    let Some(tz) = zones.get(&row.employee_id.0) else {
        return Err(RejectReason::UnknownEmployee {
            employee_id: row.employee_id,
        });
    };
    for at in std::iter::once(row.clock_in).chain(row.clock_out) {
        if at.year() < 1 {
            return Err(RejectReason::OutOfRange { at });
        }
        if at > latest {
            return Err(RejectReason::InFuture { at });
        }
    }
    if let Some(clock_out) = row.clock_out
        && clock_out <= row.clock_in
    {
        return Err(RejectReason::ClockOutNotAfterClockIn {
            clock_in: row.clock_in,
            clock_out,
        });
    }
    let work_date = row.clock_in.with_timezone(tz).date_naive();
    match row.work_date {
        Some(given) if given != work_date => Err(RejectReason::WorkDateMismatch {
            given,
            expected: work_date,
        }),
        _ => Ok(work_date),
    }
}

/// Refuses every row that overlaps an earlier-starting row of the batch.
/// `candidates` must be sorted by (employee, clock-in, line); the result
/// keeps that order.
fn sweep_batch(candidates: Vec<Candidate>, rejected: &mut Vec<RejectedRow>) -> Vec<Candidate> {
    let mut kept: Vec<Candidate> = Vec::with_capacity(candidates.len());
    for c in candidates {
        // Kept rows of one employee do not overlap and are sorted by start,
        // so the last one kept reaches furthest.
        if let Some(last) = kept.last()
            && last.employee == c.employee
            && last.clock_out.is_none_or(|end| end > c.clock_in)
        {
            rejected.push(RejectedRow {
                line: c.line,
                reason: RejectReason::OverlapsRow {
                    line: last.line,
                    open: last.clock_out.is_none(),
                },
            });
            continue;
        }
        kept.push(c);
    }
    kept
}

/// The stored sessions of the candidates' employees that reach into the
/// candidates' time span, sorted by employee and clock-in.
async fn stored_sessions(
    conn: &mut PgConnection,
    candidates: &[Candidate],
) -> std::result::Result<Vec<Existing>, sqlx::Error> {
    let Some(from) = candidates.iter().map(|c| c.clock_in).min() else {
        return Ok(Vec::new());
    };
    // `None`: some row is open, so it reaches to the end of time.
    let to = candidates
        .iter()
        .map(|c| c.clock_out)
        .try_fold(from, |max, end| end.map(|e| max.max(e)));
    let mut employees: Vec<i64> = candidates.iter().map(|c| c.employee).collect();
    employees.dedup();
    sqlx::query_as(
        "SELECT employee_id, id, clock_in, clock_out FROM attendance.sessions \
         WHERE employee_id = ANY($1) \
           AND ($3::timestamptz IS NULL OR clock_in < $3) \
           AND (clock_out IS NULL OR clock_out > $2) \
         ORDER BY employee_id, clock_in",
    )
    .bind(&employees)
    .bind(from)
    .bind(to)
    .fetch_all(conn)
    .await
}

/// The candidates that meet no stored session; the others go to `refused`.
/// Both lists are sorted by (employee, clock-in).
fn sweep_stored<'a>(
    candidates: &'a [Candidate],
    existing: &[Existing],
    refused: &mut Vec<RejectedRow>,
) -> Vec<&'a Candidate> {
    let mut accepted = Vec::with_capacity(candidates.len());
    let mut rest = existing;
    for c in candidates {
        // Skip the stored sessions of employees before this one.
        let skip = rest.partition_point(|e| e.employee_id < c.employee);
        rest = rest.get(skip..).unwrap_or_default();
        let end = rest.partition_point(|e| e.employee_id == c.employee);
        let mine = rest.get(..end).unwrap_or_default();
        // Stored sessions of one employee do not overlap, so their ends grow
        // with their starts: the first one ending after this row's start is
        // the only one that can overlap it first.
        let first = mine.partition_point(|e| e.clock_out.is_some_and(|out| out <= c.clock_in));
        match mine.get(first) {
            Some(e) if c.clock_out.is_none_or(|out| e.clock_in < out) => {
                refused.push(RejectedRow {
                    line: c.line,
                    reason: RejectReason::OverlapsSession {
                        session_id: SessionId(e.id),
                        open: e.clock_out.is_none(),
                    },
                });
            }
            _ => accepted.push(c),
        }
    }
    accepted
}

/// Whether a failed direct import ran into a session that a concurrent
/// transaction committed after the check.
fn raced(err: &sqlx::Error) -> bool {
    matches!(crate::error::db_code(err), Some((code, _))
        if code == sqlstate::EXCLUSION_VIOLATION || code == sqlstate::UNIQUE_VIOLATION)
}

/// PostgreSQL's binary `COPY` format: a header, then per row a field count
/// and each field as a length (-1 for NULL) and its bytes, all big-endian;
/// a trailer of -1.
mod binary {
    use chrono::{DateTime, Datelike, NaiveDate, Utc};

    use super::Candidate;

    pub(super) const HEADER: &[u8] = b"PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0";
    pub(super) const TRAILER: [u8; 2] = (-1i16).to_be_bytes();

    /// Microseconds from the Unix epoch to PostgreSQL's, 2000-01-01.
    const PG_EPOCH_MICROS: i64 = 946_684_800_000_000;
    /// Days from 0001-01-01 (chrono's day 1) to 2000-01-01.
    const PG_EPOCH_DAYS_FROM_CE: i32 = 730_120;

    fn put_i64(buf: &mut Vec<u8>, v: i64) {
        buf.extend_from_slice(&8i32.to_be_bytes());
        buf.extend_from_slice(&v.to_be_bytes());
    }

    fn put_instant(buf: &mut Vec<u8>, at: DateTime<Utc>) {
        put_i64(buf, at.timestamp_micros() - PG_EPOCH_MICROS);
    }

    fn put_date(buf: &mut Vec<u8>, date: NaiveDate) {
        buf.extend_from_slice(&4i32.to_be_bytes());
        buf.extend_from_slice(&(date.num_days_from_ce() - PG_EPOCH_DAYS_FROM_CE).to_be_bytes());
    }

    /// (line,) employee_id, work_date, clock_in, clock_out, work_mode.
    pub(super) fn put_row(buf: &mut Vec<u8>, row: &Candidate, with_line: bool) {
        let fields: i16 = if with_line { 6 } else { 5 };
        buf.extend_from_slice(&fields.to_be_bytes());
        if with_line {
            put_i64(buf, i64::try_from(row.line).unwrap_or(i64::MAX));
        }
        put_i64(buf, row.employee);
        put_date(buf, row.work_date);
        put_instant(buf, row.clock_in);
        match row.clock_out {
            Some(out) => put_instant(buf, out),
            None => buf.extend_from_slice(&(-1i32).to_be_bytes()),
        }
        let mode = row.mode.as_str().as_bytes();
        buf.extend_from_slice(&(mode.len() as i32).to_be_bytes());
        buf.extend_from_slice(mode);
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn epochs_are_postgres_epochs() {
            let epoch = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap();
            assert_eq!(epoch.num_days_from_ce(), PG_EPOCH_DAYS_FROM_CE);
            let midnight = epoch.and_hms_opt(0, 0, 0).unwrap().and_utc();
            assert_eq!(midnight.timestamp_micros(), PG_EPOCH_MICROS);
            assert_eq!(HEADER.len(), 19);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn csv_records_parse_or_say_why_not() {
        let row = ImportRow::parse_csv(
            "7, 2026-03-02T07:55:00Z,2026-03-02T16:05:00+00:00,wfo,2026-03-02",
        )
        .unwrap();
        assert_eq!(row.employee_id, EmployeeId(7));
        assert_eq!(row.work_mode, WorkMode::Wfo);
        assert_eq!(row.clock_out, Some(at("2026-03-02T16:05:00Z")));
        assert_eq!(row.work_date, "2026-03-02".parse().ok());
        let open = ImportRow::parse_csv("7,2026-03-02T07:55:00Z,,WFH").unwrap();
        assert_eq!(open.clock_out, None);
        for (record, expected) in [
            ("7,2026-03-02T07:55:00Z,,WFH,x", "work_date"),
            ("x,2026-03-02T07:55:00Z,,WFH", "employee_id"),
            ("7,yesterday,,WFH", "clock_in"),
            ("7,2026-03-02T07:55:00Z", "4 or 5"),
        ] {
            let reason = ImportRow::parse_csv(record).unwrap_err();
            assert!(reason.to_string().contains(expected), "{record}: {reason}");
        }
        assert_eq!(
            ImportRow::parse_csv("7,2026-03-02T07:55:00Z,,home").unwrap_err(),
            RejectReason::WorkMode {
                value: "home".into()
            }
        );
    }

    fn candidate(line: u64, employee: i64, from: &str, to: Option<&str>) -> Candidate {
        let clock_in = at(from);
        Candidate {
            line,
            employee,
            mode: WorkMode::Wfo,
            clock_in,
            clock_out: to.map(at),
            work_date: clock_in.date_naive(),
        }
    }

    #[test]
    fn the_earlier_of_two_overlapping_rows_is_kept() {
        let mut rows = vec![
            candidate(1, 1, "2026-03-02T09:00:00Z", Some("2026-03-02T12:00:00Z")),
            candidate(2, 1, "2026-03-02T08:00:00Z", Some("2026-03-02T10:00:00Z")),
            candidate(3, 1, "2026-03-02T12:00:00Z", None),
            candidate(4, 1, "2026-03-03T08:00:00Z", Some("2026-03-03T10:00:00Z")),
            candidate(5, 2, "2026-03-02T08:00:00Z", Some("2026-03-02T10:00:00Z")),
        ];
        rows.sort_unstable_by_key(|c| (c.employee, c.clock_in, c.line));
        let mut rejected = Vec::new();
        let kept: Vec<u64> = sweep_batch(rows, &mut rejected)
            .iter()
            .map(|c| c.line)
            .collect();
        assert_eq!(kept, [2, 3, 5]);
        assert_eq!(
            rejected,
            [
                RejectedRow {
                    line: 1,
                    reason: RejectReason::OverlapsRow {
                        line: 2,
                        open: false
                    }
                },
                RejectedRow {
                    line: 4,
                    reason: RejectReason::OverlapsRow {
                        line: 3,
                        open: true
                    }
                },
            ]
        );
    }

    #[test]
    fn stored_sessions_block_the_rows_they_meet() {
        let rows = vec![
            candidate(1, 1, "2026-03-02T06:00:00Z", Some("2026-03-02T08:00:00Z")),
            candidate(2, 1, "2026-03-02T07:00:00Z", Some("2026-03-02T08:30:00Z")),
            candidate(3, 1, "2026-03-02T12:00:00Z", Some("2026-03-02T13:00:00Z")),
            candidate(4, 2, "2026-03-02T08:00:00Z", Some("2026-03-02T10:00:00Z")),
            candidate(5, 3, "2026-03-02T08:00:00Z", None),
        ];
        let existing = vec![
            Existing {
                employee_id: 1,
                id: 10,
                clock_in: at("2026-03-02T08:00:00Z"),
                clock_out: Some(at("2026-03-02T11:00:00Z")),
            },
            Existing {
                employee_id: 3,
                id: 11,
                clock_in: at("2026-03-02T09:00:00Z"),
                clock_out: None,
            },
        ];
        let mut refused = Vec::new();
        let accepted: Vec<u64> = sweep_stored(&rows, &existing, &mut refused)
            .iter()
            .map(|c| c.line)
            .collect();
        assert_eq!(accepted, [1, 3, 4]);
        let lines: Vec<(u64, i64)> = refused
            .iter()
            .map(|r| match r.reason {
                RejectReason::OverlapsSession { session_id, .. } => (r.line, session_id.0),
                _ => (r.line, 0),
            })
            .collect();
        assert_eq!(lines, [(2, 10), (5, 11)]);
    }
}
