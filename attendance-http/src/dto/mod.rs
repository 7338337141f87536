//! The wire types of the HTTP contract, one module per resource.
//!
//! They are separate from the core's domain types on purpose: the HTTP
//! contract is owned here, documented in the OpenAPI spec from these
//! very types, and cannot change by accident when a domain type does.
//!
//! Where a description quotes a bound or a default that core checks (name
//! lengths, page sizes, the future tolerance, the longest trend range), the
//! schema is built in code from core's constant, so the document says what
//! the check does.

mod ask;
mod attendance;
mod audit;
mod calendar;
mod close;
mod employees;
mod ledger;
mod shared;
mod summaries;
mod teams;
mod trends;
mod webhooks;
mod worktime;

pub use ask::{Answer, AnswerKind, AskRequest, PhrasedBy};
pub(crate) use attendance::AttendanceQuery;
pub use attendance::{ClockIn, ClockOut, Session, SessionPage};
pub use audit::{
    Actor, AuditAction, AuditEntry, AuditPage, AuditValue, CorrectSession, RecordSession,
};
pub(crate) use audit::{AuditQuery, day_or_instant};
pub use calendar::{
    Absence, AbsenceKind, AbsenceList, CreateHoliday, DayPortion, Holiday, HolidayList,
    RecordAbsence,
};
pub(crate) use calendar::{AbsencesQuery, HolidaysQuery};
pub use close::{
    ApproveRequest, CorrectionRequest, CreateRequest, DecidedRequest, LockPeriod, PeriodLock,
    PeriodLockList, RejectRequest, ReopenPeriod, RequestKind, RequestPage, RequestState,
    RequestedChange, TimesheetFormat,
};
pub(crate) use close::{PageQuery, PeriodsQuery, RequestsQuery, TimesheetQuery};
pub(crate) use employees::EmployeesQuery;
pub use employees::{CreateEmployee, Employee, EmployeePage, Me, PrincipalKind, UpdateEmployee};
pub use ledger::{
    DayAbsence, EmployeeLedger, EmployeeTotals, LedgerDay, LedgerTotals,
    MAX_OPENING_BALANCE_MINUTES, TeamLedger,
};
pub(crate) use ledger::{EmployeeLedgerQuery, LedgerQuery};
pub use shared::{Health, PageSize, WorkMode};
pub use summaries::{
    AbsenceGroup, DailyFacts, DailySummary, FallbackReason, ForgottenClockOut, GeneratedBy,
    LateArrival, PersonDays, TeamDay, TeamWeek, WeekChange, WeekTotals, WeeklyFacts, WeeklySummary,
    WorkTimeFacts,
};
pub(crate) use summaries::{DailySummaryQuery, WeeklySummaryQuery};
pub(crate) use teams::TeamsQuery;
pub use teams::{CreateTeam, Team, TeamPage};
pub(crate) use trends::TrendParams;
pub use trends::{EmployeeTrend, Granularity, TeamTrend, TeamTrendPoint, TrendPoint};
pub(crate) use webhooks::DeliveriesQuery;
pub use webhooks::{
    Delivery, DeliveryPage, DeliveryState, EndpointState, EventType, Redeliver, RegisterWebhook,
    RegisteredWebhook, WebhookEndpoint, WebhookList,
};
pub(crate) use worktime::AssignmentsQuery;
pub use worktime::{
    AssignWorkPattern, BreakRule, BreakThreshold, CreateWorkPattern, PatternAssignment,
    PatternAssignmentList, SetBreakRule, WeekMinutes, WorkPattern, WorkPatternList,
};
