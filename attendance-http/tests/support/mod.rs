//! Shared helpers of the router tests: a fixed clock, a store that fails on
//! demand, and request/response helpers that check every problem body.
#![allow(dead_code, unreachable_pub)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod edges;
pub mod world;

use attendance_core::close::{CorrectionRequest, LockFilter, PeriodLock, RequestFilter, RequestId};
use attendance_core::export::{TimesheetQuery, TimesheetStream};
use attendance_core::webhooks::{
    AttemptOutcome, Delivery, DeliveryFilter, DeliveryId, DueDelivery, Endpoint, EndpointId,
    WebhookOutbox,
};
use attendance_core::worktime::{
    Absence, AbsenceFilter, AbsenceId, BreakRule, Holiday, HolidayFilter, LedgerDay, LedgerPeriod,
    LedgerTotals, PatternAssignment, ScheduleTarget, WorkPattern,
};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use attendance_core::access::{Principal, Scope};
use attendance_core::audit::{AuditEntry, AuditFilter, Stamp};
use attendance_core::idempotency::{Claim, Claimed, Write, Written};
use attendance_core::import::{ImportBatch, ImportReport};
use attendance_core::llm::ChatModel;
use attendance_core::memory::InMemoryStore;
use attendance_core::service::{AttendanceService, ManualClock, TrendService};
use attendance_core::store::{
    AnalyticsStore, AttendanceStore, DayRecord, Directory, IdCursor, Page, PageRequest,
    SessionFilter, Store,
};
use attendance_core::summary::SummaryService;
use attendance_core::trends::{PeriodFigures, TeamFigures, TrendQuery};
use attendance_core::{
    AttendanceSession, Employee, EmployeeId, Error, Result, SessionId, Team, TeamId,
};
use attendance_http::{AuthError, AuthOff, Authenticator, HttpConfig, Services};
use axum::Router;
use axum::body::Body;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use serde_json::Value;
use tower::ServiceExt;

/// Wednesday 4 March 2026, noon UTC: "now" in these tests.
pub fn now() -> DateTime<Utc> {
    "2026-03-04T12:00:00Z".parse().unwrap()
}

pub fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// What the store does on its next calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    None,
    /// Every call fails as if the database were unreachable.
    Unavailable,
    /// Every call fails with a database error whose text must not leak.
    Backend,
    /// Every call panics.
    Panic,
    /// Every call waits forever.
    Hang,
    /// Only timesheets fail, as a store does that finds the database gone
    /// when it starts reading rows: the stream's first item is the error.
    TimesheetStart,
    /// Only timesheets fail, after their rows: the stream ends with the
    /// error instead of ending.
    TimesheetEnd,
    /// Only timesheets stall after their rows: the stream never ends.
    TimesheetStall,
}

/// Text of the injected failures, which no response may contain.
pub const SECRET: &str = "relation \"attendance.secret_table\" does not exist";

/// An in-memory store that fails on demand.
pub struct FaultyStore {
    inner: InMemoryStore,
    fault: Mutex<Fault>,
    /// Held by each timesheet stream a fault made, while it lives.
    streams: Arc<()>,
}

impl FaultyStore {
    pub fn new() -> Self {
        Self {
            inner: InMemoryStore::new(),
            fault: Mutex::new(Fault::None),
            streams: Arc::new(()),
        }
    }

    /// How many timesheet streams of the `Timesheet*` faults are alive.
    pub fn live_streams(&self) -> usize {
        Arc::strong_count(&self.streams) - 1
    }

    pub fn set(&self, fault: Fault) {
        *self.fault.lock().unwrap() = fault;
    }

    async fn check(&self) -> Result<()> {
        let fault = *self.fault.lock().unwrap();
        if fault == Fault::Hang {
            std::future::pending::<()>().await;
        }
        fault_error(fault)
    }
}

#[async_trait]
impl Directory for FaultyStore {
    async fn team(&self, id: TeamId) -> Result<Team> {
        self.check().await?;
        self.inner.team(id).await
    }
    async fn teams(&self) -> Result<Vec<Team>> {
        self.check().await?;
        self.inner.teams().await
    }
    async fn team_page(&self, page: &PageRequest<IdCursor>) -> Result<Page<Team>> {
        self.check().await?;
        self.inner.team_page(page).await
    }
    async fn employee(&self, id: EmployeeId) -> Result<Employee> {
        self.check().await?;
        self.inner.employee(id).await
    }
    async fn employees(&self, team: Option<TeamId>) -> Result<Vec<Employee>> {
        self.check().await?;
        self.inner.employees(team).await
    }
    async fn employee_page(
        &self,
        team: Option<TeamId>,
        scope: &Scope,
        page: &PageRequest<IdCursor>,
    ) -> Result<Page<Employee>> {
        self.check().await?;
        self.inner.employee_page(team, scope, page).await
    }
    async fn managed_teams(&self, employee: EmployeeId) -> Result<Vec<TeamId>> {
        self.check().await?;
        self.inner.managed_teams(employee).await
    }
    async fn period_locks(&self, filter: &LockFilter) -> Result<Vec<PeriodLock>> {
        self.check().await?;
        self.inner.period_locks(filter).await
    }
}

#[async_trait]
impl AttendanceStore for FaultyStore {
    async fn write(&self, stamp: &Stamp, write: &Write) -> Result<Written> {
        self.check().await?;
        self.inner.write(stamp, write).await
    }
    async fn write_once(&self, claim: &Claim<'_>, stamp: &Stamp, write: &Write) -> Result<Claimed> {
        self.check().await?;
        self.inner.write_once(claim, stamp, write).await
    }
    async fn forget_keys(&self, before: DateTime<Utc>) -> Result<u64> {
        self.check().await?;
        self.inner.forget_keys(before).await
    }
    async fn close_forgotten_sessions(
        &self,
        stamp: &Stamp,
        now: DateTime<Utc>,
    ) -> Result<Vec<AttendanceSession>> {
        self.check().await?;
        self.inner.close_forgotten_sessions(stamp, now).await
    }
    async fn import_sessions(
        &self,
        batch: ImportBatch,
        now: DateTime<Utc>,
        future_tolerance: TimeDelta,
    ) -> Result<ImportReport> {
        self.check().await?;
        self.inner
            .import_sessions(batch, now, future_tolerance)
            .await
    }
    async fn open_session(&self, employee: EmployeeId) -> Result<Option<AttendanceSession>> {
        self.check().await?;
        self.inner.open_session(employee).await
    }
    async fn session(&self, id: SessionId) -> Result<AttendanceSession> {
        self.check().await?;
        self.inner.session(id).await
    }
    async fn sessions(
        &self,
        filter: &SessionFilter,
        page: &PageRequest,
    ) -> Result<Page<AttendanceSession>> {
        self.check().await?;
        self.inner.sessions(filter, page).await
    }
    async fn audit_entries(
        &self,
        filter: &AuditFilter,
        page: &PageRequest<IdCursor>,
    ) -> Result<Page<AuditEntry>> {
        self.check().await?;
        self.inner.audit_entries(filter, page).await
    }
    async fn ping(&self) -> Result<()> {
        self.check().await?;
        self.inner.ping().await
    }
    async fn work_patterns(&self) -> Result<Vec<WorkPattern>> {
        self.check().await?;
        self.inner.work_patterns().await
    }
    async fn pattern_assignments(
        &self,
        target: Option<ScheduleTarget>,
    ) -> Result<Vec<PatternAssignment>> {
        self.check().await?;
        self.inner.pattern_assignments(target).await
    }
    async fn holidays(&self, filter: &HolidayFilter) -> Result<Vec<Holiday>> {
        self.check().await?;
        self.inner.holidays(filter).await
    }
    async fn absences(&self, filter: &AbsenceFilter) -> Result<Vec<Absence>> {
        self.check().await?;
        self.inner.absences(filter).await
    }
    async fn absence(&self, id: AbsenceId) -> Result<Absence> {
        self.check().await?;
        self.inner.absence(id).await
    }
    async fn break_rule(&self, team: TeamId) -> Result<BreakRule> {
        self.check().await?;
        self.inner.break_rule(team).await
    }
    async fn correction_request(&self, id: RequestId) -> Result<CorrectionRequest> {
        self.check().await?;
        self.inner.correction_request(id).await
    }
    async fn correction_requests(
        &self,
        filter: &RequestFilter,
        page: &PageRequest<IdCursor>,
    ) -> Result<Page<CorrectionRequest>> {
        self.check().await?;
        self.inner.correction_requests(filter, page).await
    }
    async fn webhook_endpoints(&self) -> Result<Vec<Endpoint>> {
        self.check().await?;
        self.inner.webhook_endpoints().await
    }
    async fn webhook_endpoint(&self, id: EndpointId) -> Result<Endpoint> {
        self.check().await?;
        self.inner.webhook_endpoint(id).await
    }
    async fn webhook_deliveries(
        &self,
        endpoint: EndpointId,
        filter: &DeliveryFilter,
        page: &PageRequest<IdCursor>,
    ) -> Result<Page<Delivery>> {
        self.check().await?;
        self.inner.webhook_deliveries(endpoint, filter, page).await
    }
}

#[async_trait]
impl WebhookOutbox for FaultyStore {
    async fn claim_due(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<DueDelivery>> {
        self.check().await?;
        self.inner.claim_due(now, lease_until, limit).await
    }
    async fn record_attempt(
        &self,
        delivery: DeliveryId,
        outcome: &AttemptOutcome,
        at: DateTime<Utc>,
    ) -> Result<()> {
        self.check().await?;
        self.inner.record_attempt(delivery, outcome, at).await
    }
}

#[async_trait]
impl AnalyticsStore for FaultyStore {
    async fn employee_figures(
        &self,
        employee: EmployeeId,
        query: &TrendQuery,
    ) -> Result<Vec<PeriodFigures>> {
        self.check().await?;
        self.inner.employee_figures(employee, query).await
    }
    async fn team_figures(&self, team: TeamId, query: &TrendQuery) -> Result<TeamFigures> {
        self.check().await?;
        self.inner.team_figures(team, query).await
    }
    async fn all_team_figures(&self, query: &TrendQuery) -> Result<Vec<(TeamId, TeamFigures)>> {
        self.check().await?;
        self.inner.all_team_figures(query).await
    }
    async fn day_records(
        &self,
        date: NaiveDate,
        teams: Option<&[TeamId]>,
    ) -> Result<Vec<DayRecord>> {
        self.check().await?;
        self.inner.day_records(date, teams).await
    }
    async fn open_sessions_before(
        &self,
        date: NaiveDate,
        teams: Option<&[TeamId]>,
    ) -> Result<Vec<AttendanceSession>> {
        self.check().await?;
        self.inner.open_sessions_before(date, teams).await
    }
    async fn ledger_days(
        &self,
        employee: EmployeeId,
        period: &LedgerPeriod,
        now: DateTime<Utc>,
    ) -> Result<Vec<LedgerDay>> {
        self.check().await?;
        self.inner.ledger_days(employee, period, now).await
    }
    async fn ledger_totals(
        &self,
        team: Option<TeamId>,
        period: &LedgerPeriod,
        now: DateTime<Utc>,
    ) -> Result<Vec<(EmployeeId, LedgerTotals)>> {
        self.check().await?;
        self.inner.ledger_totals(team, period, now).await
    }
    fn timesheet(&self, query: TimesheetQuery, now: DateTime<Utc>) -> TimesheetStream<'_> {
        // Not async: a hang cannot be played here, the other faults can.
        let fault = *self.fault.lock().unwrap();
        let backend = || Error::backend(std::io::Error::other(SECRET));
        match fault {
            Fault::TimesheetStart => return attendance_core::export::failed(backend()),
            Fault::TimesheetEnd => {
                return Box::pin(ThenFail {
                    rows: self.inner.timesheet(query, now),
                    error: Some(backend()),
                    stall: false,
                    _live: self.streams.clone(),
                });
            }
            Fault::TimesheetStall => {
                return Box::pin(ThenFail {
                    rows: self.inner.timesheet(query, now),
                    error: None,
                    stall: true,
                    _live: self.streams.clone(),
                });
            }
            _ => {}
        }
        match fault_error(fault) {
            Err(e) => attendance_core::export::failed(e),
            Ok(()) => self.inner.timesheet(query, now),
        }
    }
}

/// The error a fault injects (none for a hang, which `check` plays).
fn fault_error(fault: Fault) -> Result<()> {
    match fault {
        Fault::Unavailable => Err(Error::unavailable(std::io::Error::other(format!(
            "connection to 10.1.2.3:5432 refused; {SECRET}"
        )))),
        Fault::Backend => Err(Error::backend(std::io::Error::other(format!(
            "SELECT * FROM attendance.secret_table: {SECRET}"
        )))),
        Fault::Panic => panic!("handler blew up: {SECRET}"),
        Fault::None
        | Fault::Hang
        | Fault::TimesheetStart
        | Fault::TimesheetEnd
        | Fault::TimesheetStall => Ok(()),
    }
}

/// Rows, then an error where the stream would have ended, or (`stall`)
/// nothing ever again.
struct ThenFail<'a> {
    rows: TimesheetStream<'a>,
    error: Option<Error>,
    stall: bool,
    _live: Arc<()>,
}

impl futures_core::Stream for ThenFail<'_> {
    type Item = Result<attendance_core::export::TimesheetRow>;

    fn poll_next(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        let this = self.get_mut();
        match this.rows.as_mut().poll_next(cx) {
            std::task::Poll::Ready(None) if this.stall => std::task::Poll::Pending,
            std::task::Poll::Ready(None) => std::task::Poll::Ready(this.error.take().map(Err)),
            other => other,
        }
    }
}

/// A router over a [`FaultyStore`] with the clock stopped at [`now`].
pub struct Harness {
    pub app: Router,
    pub store: Arc<FaultyStore>,
    pub clock: Arc<ManualClock>,
}

impl Harness {
    /// The default config without the rate limit, chosen here: these
    /// tests send many summaries and questions; `tests/auth.rs` tests the
    /// limit.
    pub fn new() -> Self {
        Self::with_config(&HttpConfig::default().with_rate_limit(None))
    }

    pub fn with_config(config: &HttpConfig) -> Self {
        Self::custom(config, |store, clock| services(store, clock))
    }

    /// A harness whose services `make` builds over the store and clock.
    pub fn custom(
        config: &HttpConfig,
        make: impl FnOnce(Arc<FaultyStore>, Arc<ManualClock>) -> Services,
    ) -> Self {
        let store = Arc::new(FaultyStore::new());
        let clock = Arc::new(ManualClock::new(now()));
        let services = make(store.clone(), clock.clone());
        Self {
            // Who requests act as is the services' choice: `services()`
            // picks `AuthOff` explicitly, scope tests `FromExtension`.
            app: attendance_http::router_with(services, config),
            store,
            clock,
        }
    }

    pub async fn send(&self, request: Request<Body>) -> Reply {
        send(&self.app, request).await
    }

    pub async fn get(&self, uri: &str) -> Reply {
        self.send(get(uri)).await
    }

    pub async fn post(&self, uri: &str, body: Value) -> Reply {
        self.send(post_json(uri, &body)).await
    }

    /// Creates a team and returns its id.
    pub async fn team(&self, name: &str) -> i64 {
        let reply = self
            .post("/teams", serde_json::json!({ "name": name }))
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{reply:?}");
        reply.body["id"].as_i64().unwrap()
    }

    /// Creates an employee and returns its id.
    pub async fn employee(&self, team: i64, name: &str) -> i64 {
        let reply = self
            .post(
                "/employees",
                serde_json::json!({ "name": name, "role": "Engineer", "team_id": team }),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{reply:?}");
        reply.body["id"].as_i64().unwrap()
    }
}

/// Every service over `store`, the attendance rules on `clock`, summaries
/// phrased by `model` when given.
///
/// Every request acts as an admin: [`AuthOff`], chosen here explicitly.
/// These tests are about the routes; authentication has its own
/// (`tests/auth.rs`), and a store made to fail here must fail the route,
/// not the credential check.
/// A host's authenticator that trusts what its outer layer found: here,
/// the `Principal` each test request carries (none: 401).
pub struct FromExtension;

#[async_trait]
impl Authenticator for FromExtension {
    async fn authenticate(&self, request: &Parts) -> Result<Principal, AuthError> {
        request
            .extensions
            .get::<Principal>()
            .cloned()
            .ok_or(AuthError::Missing)
    }
}

pub fn services_with_model(
    store: Arc<dyn Store>,
    clock: Arc<ManualClock>,
    model: Option<Arc<dyn ChatModel>>,
) -> Services {
    let analytics: Arc<dyn AnalyticsStore> = store.clone();
    Services::new(
        AttendanceService::new(store.clone()).with_clock(clock),
        TrendService::new(analytics),
        SummaryService::new(store, model),
    )
    .with_authenticator(Arc::new(AuthOff))
}

pub fn services(store: Arc<dyn Store>, clock: Arc<ManualClock>) -> Services {
    services_with_model(store, clock, None)
}

/// A response, its body parsed as JSON (`Value::Null` when empty).
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Reply {
    pub fn content_type(&self) -> &str {
        self.headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// Asserts this is a problem+json of `status` and `type` ending in
    /// `/problems/{kind}`, that the body's fields agree, and that it shows no
    /// internals. Returns the body.
    pub fn problem(&self, status: StatusCode, kind: &str) -> &Value {
        assert_eq!(self.status, status, "{self:?}");
        assert_eq!(self.content_type(), "application/problem+json", "{self:?}");
        assert_eq!(
            self.body["type"],
            format!("https://attendance.dev/problems/{kind}"),
            "{self:?}"
        );
        assert_eq!(self.body["status"], status.as_u16(), "{self:?}");
        assert!(
            self.body["title"].as_str().is_some_and(|t| !t.is_empty()),
            "{self:?}"
        );
        assert!(
            self.body["detail"].as_str().is_some_and(|t| !t.is_empty()),
            "{self:?}"
        );
        assert_no_internals(&self.text);
        &self.body
    }

    /// The single offending field of a validation problem.
    pub fn invalid_field(&self) -> String {
        let body = self.problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
        let errors = body["errors"].as_array().expect("errors");
        assert_eq!(errors.len(), 1, "{self:?}");
        assert!(
            errors[0]["detail"].as_str().is_some_and(|d| !d.is_empty()),
            "{self:?}"
        );
        errors[0]["field"].as_str().unwrap().to_owned()
    }
}

/// No database text, SQL, Rust paths or type names, panic messages.
pub fn assert_no_internals(text: &str) {
    for needle in [
        SECRET,
        "secret_table",
        "SELECT",
        "10.1.2.3",
        "blew up",
        "panicked",
        "::",
        "sqlx",
        "i64",
        "u32",
        "struct ",
        "Option<",
        "src/",
    ] {
        assert!(!text.contains(needle), "{needle:?} leaked in {text}");
    }
}

pub async fn send(app: &Router, request: Request<Body>) -> Reply {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    // Lossy: a body may be a file (an XLSX export), not text.
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::Null)
    };
    Reply {
        status,
        headers,
        body,
        text,
    }
}

pub fn get(uri: &str) -> Request<Body> {
    Request::builder().uri(uri).body(Body::empty()).unwrap()
}

pub fn post_json(uri: &str, body: &Value) -> Request<Body> {
    Request::builder()
        .method(Method::POST)
        .uri(uri)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(serde_json::to_vec(body).unwrap()))
        .unwrap()
}

pub fn post_raw(uri: &str, content_type: Option<&str>, body: impl Into<Body>) -> Request<Body> {
    let mut builder = Request::builder().method(Method::POST).uri(uri);
    if let Some(content_type) = content_type {
        builder = builder.header(header::CONTENT_TYPE, content_type);
    }
    builder.body(body.into()).unwrap()
}
