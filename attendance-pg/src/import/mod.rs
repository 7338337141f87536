//! Bulk import into PostgreSQL through `COPY … FROM STDIN`.
//!
//! The rows, their checks and the report live in
//! [`attendance_core::import`], shared with every store; this module looks
//! up what only the database knows (each employee's team timezone, the
//! stored sessions the batch may meet) and writes the accepted rows.
//! [`PgStore`] implements [`AttendanceStore::import_sessions`](attendance_core::store::AttendanceStore::import_sessions) with the default [`Importer`];
//! [`PgStore::importer`] chooses a [`Strategy`].
//!
//! ```no_run
//! use attendance_core::import::{ImportBatch, ImportRow};
//! use attendance_core::service::AttendanceService;
//! use attendance_core::{EmployeeId, WorkMode};
//! # async fn demo(store: attendance_pg::PgStore) -> Result<(), Box<dyn std::error::Error>> {
//! let rows = vec![ImportRow::new(
//!     EmployeeId(1),
//!     WorkMode::Wfo,
//!     "2026-03-02T07:55:00Z".parse()?,
//!     Some("2026-03-02T16:05:00Z".parse()?),
//! )];
//! let service = AttendanceService::new(std::sync::Arc::new(store));
//! let report = service.import(ImportBatch::from_rows(rows)).await?;
//! for rejected in &report.rejected {
//!     eprintln!("line {}: {}", rejected.line, rejected.reason);
//! }
//! # Ok(()) }
//! ```
//!
//! # Strategies
//! The last check, against the stored sessions, is done by the chosen
//! [`Strategy`]:
//! - [`Strategy::Direct`] (the default) reads the stored sessions of the
//!   batch's employees over the batch's time span in one query, checks the
//!   rows against them with [`sweep_stored`], and `COPY`s the accepted rows
//!   straight into `attendance.sessions`.
//! - [`Strategy::Staged`] `COPY`s the rows into a temporary table and moves
//!   them with one `INSERT … SELECT … ON CONFLICT DO NOTHING`, letting the
//!   exclusion constraint and the partial unique index pick the refused
//!   rows, then explains those in the same statement.
//!
//! Direct writes each row once and lets `COPY` batch the heap inserts;
//! Staged writes every row twice and `ON CONFLICT` inserts row by row. Staged
//! is immune to races, though: if a clock-in commits between Direct's check
//! and its `COPY` and makes the `COPY` fail on a constraint, the transaction
//! is rolled back and the batch is imported again with Staged, so the caller
//! still gets a per-row report ([`Imported::strategy`] says which ran).
//!
//! # Speed
//! The import is bound by index maintenance on the server, above all the
//! GiST index behind the no-overlap exclusion constraint. So rows go out
//! ordered by work date, then employee, then clock-in (GiST inserts are
//! cheapest when consecutive rows are near in time and alike in employee),
//! in PostgreSQL's *binary* `COPY` format (no timestamp parsing on either
//! side), in chunks of about 1 MiB while the server is still inserting the
//! previous ones: one `COPY`, one transaction, one commit, with
//! `statement_timeout` lifted for that transaction only. The measurements
//! behind each choice are in `docs/PERFORMANCE.md`.

mod binary;

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use attendance_core::import::{
    Candidate, CheckedBatch, ImportBatch, ImportReport, RejectReason, RejectedRow, StoredSpan,
    sweep_stored,
};
use attendance_core::{EmployeeId, Error, Result, SessionId};
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use chrono_tz::Tz;
use sqlx::postgres::PgConnection;
use sqlx::{Connection, FromRow};

use crate::PgStore;
use crate::error::{map, sqlstate};

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

/// What an import did, and which strategy did it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Imported {
    /// Rows read, inserted and refused.
    pub report: ImportReport,
    /// The strategy that wrote the rows: [`Strategy::Staged`] also when a
    /// [`Strategy::Direct`] import met a concurrent write and fell back.
    pub strategy: Strategy,
}

/// Imports sessions in bulk with a chosen [`Strategy`]; made by
/// [`PgStore::importer`].
#[derive(Clone)]
pub struct Importer {
    store: PgStore,
    strategy: Strategy,
    chunk_bytes: usize,
}

impl fmt::Debug for Importer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Importer")
            .field("strategy", &self.strategy)
            .field("chunk_bytes", &self.chunk_bytes)
            .finish_non_exhaustive()
    }
}

impl PgStore {
    /// A bulk importer writing into this store's database, with the store's
    /// import strategy.
    pub fn importer(&self) -> Importer {
        Importer {
            store: self.clone(),
            strategy: self.import_strategy,
            chunk_bytes: 1 << 20,
        }
    }

    /// The strategy of this store's [`AttendanceStore::import_sessions`](attendance_core::store::AttendanceStore::import_sessions) implementation (and of
    /// its [`PgStore::importer`]). Default: [`Strategy::Direct`].
    pub fn with_import_strategy(mut self, strategy: Strategy) -> Self {
        self.import_strategy = strategy;
        self
    }
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

    /// Imports `batch` as [`AttendanceStore::import_sessions`](attendance_core::store::AttendanceStore::import_sessions) does, with this
    /// importer's strategy. Prefer
    /// [`AttendanceService::import`](attendance_core::service::AttendanceService::import),
    /// which takes `now` from the service's clock, unless the strategy
    /// matters.
    pub async fn import(
        &self,
        batch: ImportBatch,
        now: DateTime<Utc>,
        future_tolerance: TimeDelta,
    ) -> Result<Imported> {
        // On one of the store's own connections, within its bound.
        let mut held = self.store.conns.hold().await.map_err(map)?;
        let result = self
            .import_on(held.conn(), batch, now, future_tolerance)
            .await;
        held.finish(result.is_ok());
        result
    }

    async fn import_on(
        &self,
        conn: &mut PgConnection,
        batch: ImportBatch,
        now: DateTime<Utc>,
        future_tolerance: TimeDelta,
    ) -> Result<Imported> {
        let zones = self.timezones(conn, &batch.employee_ids()).await?;
        let checked = batch.check(|id| zones.get(&id).copied(), now, future_tolerance);
        let (inserted, refused, strategy) = match self.strategy {
            Strategy::Staged => {
                let (inserted, refused) = self.staged(conn, &checked).await?;
                (inserted, refused, Strategy::Staged)
            }
            Strategy::Direct => match self.direct(conn, &checked).await {
                Ok((inserted, refused)) => (inserted, refused, Strategy::Direct),
                Err(e) if raced(&e) => {
                    tracing::info!(
                        "a concurrent write met the import; importing again with a staging table"
                    );
                    let (inserted, refused) = self.staged(conn, &checked).await?;
                    (inserted, refused, Strategy::Staged)
                }
                Err(e) => return Err(map(e)),
            },
        };
        Ok(Imported {
            report: checked.finish(inserted, refused),
            strategy,
        })
    }

    /// The team timezone of every employee in `ids` that exists.
    async fn timezones(
        &self,
        conn: &mut PgConnection,
        ids: &[EmployeeId],
    ) -> Result<HashMap<EmployeeId, Tz>> {
        let ids: Vec<i64> = ids.iter().map(|id| id.0).collect();
        let found: Vec<(i64, String)> = sqlx::query_as(
            "SELECT e.id, t.timezone FROM employees e \
             JOIN teams t ON t.id = e.team_id WHERE e.id = ANY($1)",
        )
        .bind(&ids)
        .fetch_all(&mut *conn)
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
            zones.insert(EmployeeId(id), tz);
        }
        Ok(zones)
    }

    /// Checks against stored sessions in memory, then `COPY`s into the
    /// table. A constraint error here means a concurrent write (see
    /// [`raced`]); the transaction is rolled back before it is returned.
    async fn direct(
        &self,
        conn: &mut PgConnection,
        checked: &CheckedBatch,
    ) -> std::result::Result<(u64, Vec<RejectedRow>), sqlx::Error> {
        let mut tx = conn.begin().await?;
        sqlx::query("SET LOCAL statement_timeout = 0")
            .execute(&mut *tx)
            .await?;
        let stored = stored_sessions(&mut tx, checked).await?;
        let (mut accepted, refused) = sweep_stored(checked.candidates(), &stored);
        accepted.sort_unstable_by_key(|c| send_order(c));
        let sent = self
            .copy(
                &mut tx,
                "COPY sessions (employee_id, work_date, clock_in, clock_out, work_mode) \
                 FROM STDIN (FORMAT binary)",
                &accepted,
                false,
                checked,
            )
            .await;
        match sent {
            Ok(inserted) => {
                tx.commit().await?;
                Ok((inserted, refused))
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
        checked: &CheckedBatch,
    ) -> Result<(u64, Vec<RejectedRow>)> {
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
        let mut rows: Vec<&Candidate> = checked.candidates().iter().collect();
        rows.sort_unstable_by_key(|c| send_order(c));
        let staged = self
            .copy(
                &mut tx,
                "COPY attendance_import_staging \
                 (line, employee_id, work_date, clock_in, clock_out, work_mode) \
                 FROM STDIN (FORMAT binary)",
                &rows,
                true,
                checked,
            )
            .await
            .map_err(map)?;
        // The rows of the batch do not overlap each other (`sweep_batch`), so
        // (employee_id, clock_in) identifies a staged row among those
        // inserted. The lateral join sees the snapshot from before the
        // insert: the stored session each skipped row ran into.
        let refused: Vec<Refused> = sqlx::query_as(
            "WITH inserted AS ( \
                 INSERT INTO sessions \
                     (employee_id, work_date, clock_in, clock_out, work_mode) \
                 SELECT employee_id, work_date, clock_in, clock_out, work_mode \
                 FROM attendance_import_staging ORDER BY work_date, employee_id, clock_in \
                 ON CONFLICT DO NOTHING \
                 RETURNING employee_id, clock_in \
             ) \
             SELECT st.line, blocking.id AS session_id, blocking.clock_out IS NULL AS open \
             FROM attendance_import_staging st \
             LEFT JOIN LATERAL ( \
                 SELECT s.id, s.clock_out FROM sessions s \
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
        let rejected = refused
            .iter()
            .map(|r| RejectedRow {
                line: u64::try_from(r.line).unwrap_or_default(),
                reason: match r.session_id {
                    Some(id) => RejectReason::OverlapsSession {
                        session_id: SessionId(id),
                        open: r.open.unwrap_or(false),
                    },
                    None => RejectReason::Conflict,
                },
            })
            .collect();
        let inserted = staged.saturating_sub(u64::try_from(refused.len()).unwrap_or(u64::MAX));
        Ok((inserted, rejected))
    }

    /// Streams `rows` through `statement` (a binary `COPY … FROM STDIN`), with
    /// the line number as the first column when `with_line`.
    async fn copy(
        &self,
        conn: &mut PgConnection,
        statement: &str,
        rows: &[&Candidate],
        with_line: bool,
        progress: &CheckedBatch,
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
                progress.report_progress(sent, total);
            }
        }
        buf.extend_from_slice(&binary::TRAILER);
        if let Err(e) = copy.send(buf.as_slice()).await {
            copy.abort("the import failed while sending").await.ok();
            return Err(e);
        }
        let copied = copy.finish().await?;
        progress.report_progress(sent, total);
        Ok(copied)
    }
}

/// The order rows go to the server in: by work date, then employee (see
/// the module docs, "Where the time goes").
fn send_order(c: &Candidate) -> (NaiveDate, EmployeeId, DateTime<Utc>) {
    (c.work_date, c.employee_id, c.clock_in)
}

/// The stored sessions of the candidates' employees that reach into the
/// candidates' time span, sorted by employee and clock-in.
async fn stored_sessions(
    conn: &mut PgConnection,
    checked: &CheckedBatch,
) -> std::result::Result<Vec<StoredSpan>, sqlx::Error> {
    let Some((from, to)) = checked.span() else {
        return Ok(Vec::new());
    };
    let mut employees: Vec<i64> = checked
        .candidates()
        .iter()
        .map(|c| c.employee_id.0)
        .collect();
    employees.dedup();
    let rows: Vec<Existing> = sqlx::query_as(
        "SELECT employee_id, id, clock_in, clock_out FROM sessions \
         WHERE employee_id = ANY($1) \
           AND ($3::timestamptz IS NULL OR clock_in < $3) \
           AND (clock_out IS NULL OR clock_out > $2) \
         ORDER BY employee_id, clock_in",
    )
    .bind(&employees)
    .bind(from)
    .bind(to)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|e| StoredSpan {
            employee_id: EmployeeId(e.employee_id),
            session_id: SessionId(e.id),
            clock_in: e.clock_in,
            clock_out: e.clock_out,
        })
        .collect())
}

/// Whether a failed direct import ran into a session that a concurrent
/// transaction committed after the check.
fn raced(err: &sqlx::Error) -> bool {
    matches!(crate::error::db_code(err), Some((code, _))
        if code == sqlstate::EXCLUSION_VIOLATION || code == sqlstate::UNIQUE_VIOLATION)
}
