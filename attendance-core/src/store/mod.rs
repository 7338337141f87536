//! The store traits every backend implements, and the listing types.
//!
//! A backend implements three traits, each for a reason:
//! - [`Directory`]: teams, employees, who manages which team, and which
//!   periods are locked. Every
//!   service reads it (access checks need a principal's team), so it is the
//!   one trait the other two build on.
//! - [`AttendanceStore`]: everything the attendance service writes and
//!   reads back. Writes come in through one door, [`AttendanceStore::write`]
//!   (and its keyed twin [`AttendanceStore::write_once`]), as [`Write`]
//!   values the backend matches exhaustively, so a new kind of write that a
//!   backend forgets does not compile. The audit trail and the idempotency
//!   keys live here because each write appends its entry and stores its key
//!   atomically with itself.
//! - [`AnalyticsStore`]: aggregates, computed where the data lives; a host
//!   may serve them from elsewhere (a replica) than the writes.
//!
//! [`Store`] joins them for a host that holds one `Arc<dyn Store>`. Tokens
//! are a separate trait ([`crate::tokens::TokenStore`]): authentication may
//! live in another place than attendance.
//!
//! Stores enforce the invariants that must hold under concurrency (one open
//! session per employee, no overlapping sessions, unique team names)
//! atomically; the services check everything that needs no shared state.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::access::Scope;
use crate::audit::{AuditEntry, AuditFilter, Stamp};
use crate::close::{CorrectionRequest, LockFilter, PeriodLock, RequestFilter, RequestId};
use crate::domain::{
    AttendanceSession, Employee, EmployeeId, SessionId, Team, TeamId, WorkMode,
    check_supported_instant,
};
use crate::error::{Error, Result};
use crate::export::{TimesheetQuery, TimesheetStream};
use crate::idempotency::{Claim, Claimed, Write, Written};
use crate::import::{ImportBatch, ImportReport};
use crate::trends::{PeriodFigures, TeamFigures, TrendQuery};
use crate::webhooks::{Delivery, DeliveryFilter, Endpoint, EndpointId, WebhookOutbox};
use crate::worktime::{
    Absence, AbsenceFilter, AbsenceId, BreakRule, Holiday, HolidayFilter, LedgerDay, LedgerPeriod,
    LedgerTotals, PatternAssignment, ScheduleTarget, WorkPattern,
};
use chrono::NaiveTime;

/// Teams, employees, and who manages which team.
#[async_trait]
pub trait Directory: Send + Sync {
    /// One team, or [`Error::NotFound`].
    async fn team(&self, id: TeamId) -> Result<Team>;
    /// All teams, by id: for summaries that cover every team. Listings for
    /// a client use [`Directory::team_page`].
    async fn teams(&self) -> Result<Vec<Team>>;
    /// Teams by id, one page at a time.
    async fn team_page(&self, page: &PageRequest<IdCursor>) -> Result<Page<Team>>;
    /// One employee, or [`Error::NotFound`].
    async fn employee(&self, id: EmployeeId) -> Result<Employee>;
    /// Employees by id, all or those of one team (unknown team: empty list).
    /// Listings for a client use [`Directory::employee_page`].
    async fn employees(&self, team: Option<TeamId>) -> Result<Vec<Employee>>;
    /// Employees by id, all or those of one team (unknown team: empty
    /// page), within `scope`, one page at a time.
    async fn employee_page(
        &self,
        team: Option<TeamId>,
        scope: &Scope,
        page: &PageRequest<IdCursor>,
    ) -> Result<Page<Employee>>;
    /// The teams `employee` manages, ascending: their own team if they were
    /// created as a manager (`is_manager`), and the teams they were
    /// appointed to ([`Write::AppointManager`]). Unknown employee: empty.
    async fn managed_teams(&self, employee: EmployeeId) -> Result<Vec<TeamId>>;
    /// Standing period locks matching `filter`, by start date then id
    /// (see [`crate::close`]): here because writes and timesheets both
    /// ask which dates are final.
    async fn period_locks(&self, filter: &LockFilter) -> Result<Vec<PeriodLock>>;
}

/// What [`AttendanceService`](crate::service::AttendanceService) writes and
/// reads: the write door, sessions, the audit trail and idempotency keys.
#[async_trait]
pub trait AttendanceStore: Directory {
    /// Performs `write` as `stamp` says who and when, appending its
    /// [`AuditEntry`] atomically with it (see [`crate::audit`]): the one
    /// door every write goes through. What each write may fail with is
    /// documented on its [`Write`] variant.
    async fn write(&self, stamp: &Stamp, write: &Write) -> Result<Written>;

    /// Claims `claim.key` and performs `write` (as [`AttendanceStore::write`]
    /// does), storing its outcome with the key atomically, unless the key
    /// holds an earlier, unexpired write: then nothing is done and that
    /// write is returned. A failed write leaves the key free. Two claims of
    /// one key at once: one performs, the other waits for it and finds its
    /// outcome. See [`crate::idempotency`].
    async fn write_once(&self, claim: &Claim<'_>, stamp: &Stamp, write: &Write) -> Result<Claimed>;

    /// Drops the idempotency keys stored at or before `before`; returns how
    /// many.
    async fn forget_keys(&self, before: DateTime<Utc>) -> Result<u64>;

    /// The forgotten clock-out policy: closes every open session of a team
    /// with a policy whose clock-in plus the team's maximum is at or before
    /// `now`, at that instant, marked `auto_closed`, each with an
    /// [`AuditAction::AutoClose`](crate::audit::AuditAction::AutoClose)
    /// entry as `stamp` says. A session clocked out concurrently keeps its
    /// clock-out. Returns the sessions closed, by id. A sweep rather than a
    /// [`Write`]: it writes as many sessions as are due, none named by a
    /// caller.
    async fn close_forgotten_sessions(
        &self,
        stamp: &Stamp,
        now: DateTime<Utc>,
    ) -> Result<Vec<AttendanceSession>>;

    /// Bulk import of sessions (see [`crate::import`] for the checks and
    /// their order): checks `batch` with [`ImportBatch::check`] (instants
    /// at most `future_tolerance` after `now`), then against the stored
    /// sessions with [`sweep_stored`](crate::import::sweep_stored), and
    /// writes the accepted rows in one transaction. A refused row is
    /// reported, never an error; an error means nothing was written.
    async fn import_sessions(
        &self,
        batch: ImportBatch,
        now: DateTime<Utc>,
        future_tolerance: TimeDelta,
    ) -> Result<ImportReport>;

    /// The employee's open session, if any (unknown employee: `None`).
    async fn open_session(&self, employee: EmployeeId) -> Result<Option<AttendanceSession>>;

    /// One session, or [`Error::NotFound`] with [`crate::Entity::Session`].
    async fn session(&self, id: SessionId) -> Result<AttendanceSession>;

    /// Sessions matching `filter`, newest clock-in first, one page at a time.
    async fn sessions(
        &self,
        filter: &SessionFilter,
        page: &PageRequest,
    ) -> Result<Page<AttendanceSession>>;

    /// Audit entries matching `filter`, newest first, one page at a time.
    async fn audit_entries(
        &self,
        filter: &AuditFilter,
        page: &PageRequest<IdCursor>,
    ) -> Result<Page<AuditEntry>>;

    /// Succeeds when the backend answers; [`Error::Unavailable`] otherwise.
    /// For health endpoints.
    async fn ping(&self) -> Result<()>;

    /// Every work pattern, by id.
    async fn work_patterns(&self) -> Result<Vec<WorkPattern>>;

    /// The pattern assignments of `target` (or of every target), by
    /// target (teams first, then employees, each by id) then date.
    async fn pattern_assignments(
        &self,
        target: Option<ScheduleTarget>,
    ) -> Result<Vec<PatternAssignment>>;

    /// Holidays matching `filter`, by date then id.
    async fn holidays(&self, filter: &HolidayFilter) -> Result<Vec<Holiday>>;

    /// Absences matching `filter`, by start date then id.
    async fn absences(&self, filter: &AbsenceFilter) -> Result<Vec<Absence>>;

    /// One absence, or [`Error::NotFound`] with [`crate::Entity::Absence`].
    async fn absence(&self, id: AbsenceId) -> Result<Absence>;

    /// A team's break rule (empty when it has none); [`Error::NotFound`]
    /// for an unknown team.
    async fn break_rule(&self, team: TeamId) -> Result<BreakRule>;

    /// One correction request, or [`Error::NotFound`] with
    /// [`crate::Entity::Request`].
    async fn correction_request(&self, id: RequestId) -> Result<CorrectionRequest>;

    /// Correction requests matching `filter`, newest first, one page at a
    /// time.
    async fn correction_requests(
        &self,
        filter: &RequestFilter,
        page: &PageRequest<IdCursor>,
    ) -> Result<Page<CorrectionRequest>>;

    /// Every webhook endpoint, by id.
    async fn webhook_endpoints(&self) -> Result<Vec<Endpoint>>;

    /// One endpoint, or [`Error::NotFound`] with [`crate::Entity::Webhook`].
    async fn webhook_endpoint(&self, id: EndpointId) -> Result<Endpoint>;

    /// An endpoint's deliveries matching `filter`, newest first, one page
    /// at a time; [`Error::NotFound`] for an unknown endpoint.
    async fn webhook_deliveries(
        &self,
        endpoint: EndpointId,
        filter: &DeliveryFilter,
        page: &PageRequest<IdCursor>,
    ) -> Result<Page<Delivery>>;
}

/// Aggregates over sessions, computed where the data lives. The directory
/// is part of it: whose figures a principal may read depends on their team.
#[async_trait]
pub trait AnalyticsStore: Directory {
    /// Figures per period with data for one employee; [`Error::NotFound`]
    /// for an unknown employee.
    async fn employee_figures(
        &self,
        employee: EmployeeId,
        query: &TrendQuery,
    ) -> Result<Vec<PeriodFigures>>;
    /// Figures per period with data for one team, and its headcount;
    /// [`Error::NotFound`] for an unknown team.
    async fn team_figures(&self, team: TeamId, query: &TrendQuery) -> Result<TeamFigures>;
    /// [`AnalyticsStore::team_figures`] of every team at once, by team id;
    /// teams without members or data included. Company-wide summaries read
    /// this, so that their cost does not grow with the number of teams.
    async fn all_team_figures(&self, query: &TrendQuery) -> Result<Vec<(TeamId, TeamFigures)>>;
    /// One record per employee (of `teams`, or of every team when `None`),
    /// present on `date` or not, ordered by team then employee id;
    /// [`Error::NotFound`] for an unknown team in `teams`.
    async fn day_records(
        &self,
        date: NaiveDate,
        teams: Option<&[TeamId]>,
    ) -> Result<Vec<DayRecord>>;
    /// Sessions still open whose work date is before `date` (of the members
    /// of `teams`, or of everyone when `None`): forgotten clock-outs,
    /// oldest first; [`Error::NotFound`] for an unknown team in `teams`.
    async fn open_sessions_before(
        &self,
        date: NaiveDate,
        teams: Option<&[TeamId]>,
    ) -> Result<Vec<AttendanceSession>>;

    /// One employee's ledger lines for every date of `period`, ascending,
    /// open sessions counted up to `now` (see [`crate::worktime`] for how
    /// each figure is counted); [`Error::NotFound`] for an unknown employee.
    async fn ledger_days(
        &self,
        employee: EmployeeId,
        period: &LedgerPeriod,
        now: DateTime<Utc>,
    ) -> Result<Vec<LedgerDay>>;

    /// Ledger totals over `period` of each current member of `team` (or of
    /// every employee when `None`), by employee id, their balance starting
    /// from 0; [`Error::NotFound`] for an unknown team.
    async fn ledger_totals(
        &self,
        team: Option<TeamId>,
        period: &LedgerPeriod,
        now: DateTime<Utc>,
    ) -> Result<Vec<(EmployeeId, LedgerTotals)>>;

    /// The timesheet rows of `query` (see [`crate::export`]): every date of
    /// the period for each employee the query selects (current members of
    /// its team, or its one employee, or everyone) within its scope, by
    /// employee id then date, as [`AnalyticsStore::ledger_days`] computes
    /// them, each marked locked when a lock covers it. Streamed: a backend
    /// holds a bounded number of rows at a time. An unknown team or
    /// employee is an empty stream.
    fn timesheet(&self, query: TimesheetQuery, now: DateTime<Utc>) -> TimesheetStream<'_>;
}

/// One employee's attendance on one day, the raw material of summaries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayRecord {
    /// The employee.
    pub employee: Employee,
    /// The employee's team's name.
    pub team_name: String,
    /// Local time (team timezone) of the first clock-in; `None` if absent.
    pub first_clock_in: Option<NaiveTime>,
    /// Sessions on that work date.
    pub sessions: i64,
    /// Whole seconds worked in closed sessions.
    pub worked_seconds: i64,
    /// At least one WFH session.
    pub wfh: bool,
    /// At least one WFO session.
    pub wfo: bool,
    /// The first clock-in was after the team's late-after time.
    pub late: bool,
    /// A session of that day is still open.
    pub open: bool,
    /// Sessions of that day closed by the team's forgotten clock-out policy.
    pub auto_closed: i64,
}

impl DayRecord {
    /// Whether the employee clocked in that day.
    pub fn present(&self) -> bool {
        self.sessions > 0
    }
}

/// Everything a complete backend provides, for a host that holds one
/// `Arc<dyn Store>` (it upcasts to each trait a service takes, and to the
/// [`WebhookOutbox`] a delivery worker drains).
pub trait Store: AttendanceStore + AnalyticsStore + WebhookOutbox {}

impl<T: AttendanceStore + AnalyticsStore + WebhookOutbox + ?Sized> Store for T {}

/// Which sessions to list. Every field narrows the result; none set lists all.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionFilter {
    /// Only this employee's sessions.
    pub employee_id: Option<EmployeeId>,
    /// Only sessions of this team's employees.
    pub team_id: Option<TeamId>,
    /// Only work dates on or after this day.
    pub from: Option<NaiveDate>,
    /// Only work dates on or before this day.
    pub to: Option<NaiveDate>,
    /// Only this work mode.
    pub work_mode: Option<WorkMode>,
    /// Only sessions the principal may read: set by
    /// [`Acting::sessions`](crate::Acting::sessions), not by the caller's
    /// query (so it is not part of the serialized filter).
    #[serde(skip)]
    pub scope: Scope,
}

impl SessionFilter {
    /// Whether `session`, of an employee in `team`, matches.
    pub fn matches(&self, session: &AttendanceSession, team: TeamId) -> bool {
        self.scope.admits(session.employee_id, team)
            && self.employee_id.is_none_or(|e| e == session.employee_id)
            && self.team_id.is_none_or(|t| t == team)
            && self.from.is_none_or(|f| session.work_date >= f)
            && self.to.is_none_or(|t| session.work_date <= t)
            && self.work_mode.is_none_or(|m| m == session.work_mode)
    }
}

/// A position in the newest-first listing: the last item of a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    /// Clock-in of the last item returned.
    pub clock_in: DateTime<Utc>,
    /// Id of the last item returned (breaks ties between equal clock-ins).
    pub id: SessionId,
}

impl Cursor {
    /// The cursor after `session`.
    pub fn after(session: &AttendanceSession) -> Self {
        Self {
            clock_in: session.clock_in,
            id: session.id,
        }
    }

    /// Whether `session` comes after this cursor in newest-first order.
    pub fn precedes(&self, session: &AttendanceSession) -> bool {
        (session.clock_in, session.id) < (self.clock_in, self.id)
    }

    /// An opaque token (hex) a client hands back unchanged.
    pub fn encode(&self) -> String {
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&self.clock_in.timestamp_micros().to_be_bytes());
        bytes[8..].copy_from_slice(&self.id.0.to_be_bytes());
        to_hex(&bytes)
    }

    /// Reads a token made by [`Cursor::encode`].
    pub fn decode(token: &str) -> Result<Self> {
        let bytes: [u8; 16] = from_hex(token)?;
        let mut micros = [0u8; 8];
        micros.copy_from_slice(&bytes[..8]);
        let mut id = [0u8; 8];
        id.copy_from_slice(&bytes[8..]);
        // A forged cursor must not carry an instant a store cannot compare.
        let clock_in = DateTime::from_timestamp_micros(i64::from_be_bytes(micros))
            .filter(|at| check_supported_instant("cursor", *at).is_ok())
            .ok_or_else(invalid_cursor)?;
        Ok(Self {
            clock_in,
            id: SessionId(i64::from_be_bytes(id)),
        })
    }
}

/// A position in a listing, as an opaque token a client hands back.
pub trait PageCursor: Sized {
    /// The token (hex).
    fn encode(&self) -> String;
    /// Reads a token made by [`PageCursor::encode`]; a validation error on
    /// `cursor` otherwise.
    fn decode(token: &str) -> Result<Self>;
}

impl PageCursor for Cursor {
    fn encode(&self) -> String {
        Cursor::encode(self)
    }
    fn decode(token: &str) -> Result<Self> {
        Cursor::decode(token)
    }
}

/// A position in a listing by id (teams, employees): the id of the last
/// item returned; the next page starts after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdCursor(pub i64);

impl PageCursor for IdCursor {
    fn encode(&self) -> String {
        to_hex(&self.0.to_be_bytes())
    }

    fn decode(token: &str) -> Result<Self> {
        from_hex(token).map(|bytes| Self(i64::from_be_bytes(bytes)))
    }
}

/// The error of every token that is not a cursor.
fn invalid_cursor() -> Error {
    Error::validation("cursor", "is not a cursor returned by this API")
}

/// A cursor's bytes as the token a client sees: lowercase hex.
fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The `N` bytes of a token made by [`to_hex`] (surrounding whitespace
/// ignored); a validation error on `cursor` for anything else.
fn from_hex<const N: usize>(token: &str) -> Result<[u8; N]> {
    let token = token.trim();
    if token.len() != 2 * N || !token.is_ascii() {
        return Err(invalid_cursor());
    }
    let mut bytes = [0u8; N];
    for (i, byte) in bytes.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&token[2 * i..2 * i + 2], 16).map_err(|_| invalid_cursor())?;
    }
    Ok(bytes)
}

/// Page size of a listing when the caller gives none.
pub const DEFAULT_PAGE_SIZE: u32 = 50;
/// Largest page size a caller may ask for. The HTTP adapter's OpenAPI
/// bounds and error messages use this constant too.
pub const MAX_PAGE_SIZE: u32 = 500;

/// A page request: at most `limit` items after `cursor` (a [`Cursor`] for
/// sessions, an [`IdCursor`] for listings by id).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest<C = Cursor> {
    /// Maximum items to return, 1 to [`MAX_PAGE_SIZE`].
    pub limit: u32,
    /// Where the previous page ended.
    pub cursor: Option<C>,
}

impl<C: PageCursor> PageRequest<C> {
    /// Checks a caller's page size (default [`DEFAULT_PAGE_SIZE`], at most
    /// [`MAX_PAGE_SIZE`]) and decodes its cursor token.
    pub fn new(limit: Option<u32>, cursor: Option<&str>) -> Result<Self> {
        let limit = limit.unwrap_or(DEFAULT_PAGE_SIZE);
        if !(1..=MAX_PAGE_SIZE).contains(&limit) {
            return Err(Error::validation(
                "limit",
                format!("must be between 1 and {MAX_PAGE_SIZE}"),
            ));
        }
        Ok(Self {
            limit,
            cursor: cursor.map(C::decode).transpose()?,
        })
    }
}

/// One page of a listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page<T> {
    /// The items, in listing order.
    pub items: Vec<T>,
    /// Token for the next page; `None` on the last page.
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// Builds a page from up to `limit + 1` rows: the extra row only tells
    /// that another page exists; `cursor` names the position after a row.
    pub fn from_overfetch_by<C: PageCursor>(
        mut rows: Vec<T>,
        limit: u32,
        cursor: impl Fn(&T) -> C,
    ) -> Self {
        let limit = limit as usize;
        let next_cursor = if rows.len() > limit {
            rows.truncate(limit);
            rows.last().map(|row| cursor(row).encode())
        } else {
            None
        };
        Self {
            items: rows,
            next_cursor,
        }
    }
}

impl Page<AttendanceSession> {
    /// Builds a page from up to `limit + 1` rows: the extra row only tells
    /// that another page exists.
    pub fn from_overfetch(rows: Vec<AttendanceSession>, limit: u32) -> Self {
        Self::from_overfetch_by(rows, limit, Cursor::after)
    }
}

impl Page<Team> {
    /// A page of teams from up to `limit + 1` rows by id.
    pub fn of_teams(rows: Vec<Team>, limit: u32) -> Self {
        Self::from_overfetch_by(rows, limit, |t| IdCursor(t.id.0))
    }
}

impl Page<Employee> {
    /// A page of employees from up to `limit + 1` rows by id.
    pub fn of_employees(rows: Vec<Employee>, limit: u32) -> Self {
        Self::from_overfetch_by(rows, limit, |e| IdCursor(e.id.0))
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn cursors_round_trip(micros in -2_208_988_800_000_000i64..253_402_300_799_000_000i64, id in any::<i64>()) {
            let clock_in = DateTime::from_timestamp_micros(micros).unwrap();
            let cursor = Cursor { clock_in, id: SessionId(id) };
            prop_assert_eq!(Cursor::decode(&cursor.encode()).unwrap(), cursor);
        }

        #[test]
        fn a_cursor_outside_the_supported_years_is_invalid(micros in prop_oneof![i64::MIN..-2_208_988_800_000_000i64, 253_402_300_800_000_000i64..i64::MAX], id in any::<i64>()) {
            let mut bytes = [0u8; 16];
            bytes[..8].copy_from_slice(&micros.to_be_bytes());
            bytes[8..].copy_from_slice(&id.to_be_bytes());
            let token: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
            let decoded = Cursor::decode(&token);
            prop_assert!(
                matches!(decoded, Err(Error::Validation { field: "cursor", .. })),
                "{:?}",
                decoded
            );
        }

        #[test]
        fn id_cursors_round_trip(id in any::<i64>()) {
            prop_assert_eq!(IdCursor::decode(&IdCursor(id).encode()).unwrap(), IdCursor(id));
        }

        #[test]
        fn garbage_is_not_a_cursor(s in "\\PC{0,40}") {
            if let Err(e) = Cursor::decode(&s) {
                prop_assert!(matches!(e, Error::Validation { field: "cursor", .. }), "{:?}", e);
            }
        }
    }
}
