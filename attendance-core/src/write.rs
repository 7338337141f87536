//! What a store is asked to write ([`Write`]), who asks and when
//! ([`Stamp`]), and what it wrote ([`Written`]): the vocabulary of the one
//! write door, [`AttendanceStore::write`](crate::store::AttendanceStore::write),
//! shared by the services, the audit trail and idempotency keys.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::access::Actor;
use crate::close::{
    CorrectionRequest, Decision, NewCorrectionRequest, NewPeriodLock, PeriodLock, PeriodLockId,
    RequestId,
};
use crate::domain::{
    AttendanceSession, Employee, EmployeeChanges, EmployeeId, NewEmployee, NewTeam, SessionId,
    Team, TeamId, WorkMode, check_clock_out,
};
use crate::error::Result;
use crate::webhooks::{DeliveryId, Endpoint, EndpointId, NewEndpoint, WebhookSecret};
use crate::worktime::{
    Absence, AbsenceId, BreakRule, Holiday, HolidayId, NewAbsence, NewHoliday, NewWorkPattern,
    PatternAssignment, WorkPattern,
};

/// Who performs a write and when, as its audit entry records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp {
    /// Who.
    pub actor: Actor,
    /// When: the service's clock at the write.
    pub at: DateTime<Utc>,
}

impl Stamp {
    /// `actor` at `now`, truncated to the precision every store keeps: the
    /// one place a stamp is made.
    pub fn new(actor: Actor, now: DateTime<Utc>) -> Self {
        Self {
            actor,
            at: crate::domain::stored_precision(now),
        }
    }

    /// The host itself, now by the system clock: for a host (or a test)
    /// that writes to a store directly, having no service clock to ask.
    pub fn system_now() -> Self {
        Self::new(Actor::System, Utc::now())
    }
}

/// A write, every instant resolved: what the services hand a store's one
/// door, [`AttendanceStore::write`](crate::store::AttendanceStore::write)
/// (or, once per key, [`write_once`](crate::store::AttendanceStore::write_once)).
///
/// Not `#[non_exhaustive]` on purpose: every store matches it without a
/// wildcard arm, so a new kind of write that a store forgets is a compile
/// error rather than a refusal at run time.
#[derive(Debug, Clone, PartialEq)]
pub enum Write {
    /// Creates a team ([`Written::Team`]). Fails with
    /// [`crate::Conflict::DuplicateTeamName`] when the name is taken
    /// (case-insensitively).
    CreateTeam(NewTeam),
    /// Creates an employee ([`Written::Employee`]); [`Error::NotFound`](crate::Error::NotFound)
    /// when the team does not exist.
    CreateEmployee(NewEmployee),
    /// Opens a session at `at`, dated in the team's timezone
    /// ([`Written::Session`]). Fails with
    /// [`crate::Conflict::AlreadyClockedIn`] when one is open,
    /// [`crate::Conflict::Overlap`] when `[at, ∞)` meets an existing
    /// session, [`Error::NotFound`](crate::Error::NotFound) for an unknown employee.
    ClockIn {
        /// Who.
        employee: EmployeeId,
        /// Where.
        mode: WorkMode,
        /// When.
        at: DateTime<Utc>,
    },
    /// Closes the open session at `at` ([`Written::Session`]). Fails with
    /// [`crate::Conflict::NotClockedIn`] when none is open, with a
    /// validation error on `at` when it is not after the clock-in, and with
    /// [`Error::NotFound`](crate::Error::NotFound) for an unknown employee.
    ClockOut {
        /// Who.
        employee: EmployeeId,
        /// When.
        at: DateTime<Utc>,
    },
    /// Records a complete past session `[clock_in, clock_out)` in one step,
    /// for backfilling between existing sessions ([`Written::Session`]).
    /// The service guarantees `clock_in < clock_out`. Fails with
    /// [`crate::Conflict::Overlap`] when it meets an existing session (an
    /// open one counts as reaching to the end of time) and
    /// [`Error::NotFound`](crate::Error::NotFound) for an unknown employee.
    RecordSession {
        /// Who.
        employee: EmployeeId,
        /// Where.
        mode: WorkMode,
        /// From.
        clock_in: DateTime<Utc>,
        /// Until.
        clock_out: DateTime<Utc>,
        /// Why, for the audit trail (a backfill through
        /// [`Acting::record_session`](crate::Acting::record_session) must
        /// give one).
        reason: Option<String>,
    },
    /// A change to an employee's name, role, team or manager flag
    /// ([`Written::Employee`]). A move to another team dates the sessions
    /// opened from then on in the new team's timezone; the work dates of
    /// existing ones stay. [`Error::NotFound`](crate::Error::NotFound) for
    /// an unknown employee or team.
    UpdateEmployee {
        /// Whom.
        employee: EmployeeId,
        /// What changes.
        changes: EmployeeChanges,
    },
    /// A correction of a stored session (see [`crate::audit`];
    /// [`Written::Session`]).
    CorrectSession {
        /// Which.
        session: SessionId,
        /// What changes.
        changes: SessionChanges,
        /// Why, for the audit trail.
        reason: String,
    },
    /// Makes `employee` a manager of `team` ([`Written::Appointment`]);
    /// again is no change and no audit entry. [`Error::NotFound`](crate::Error::NotFound) for an
    /// unknown team or employee.
    AppointManager {
        /// Which team.
        team: TeamId,
        /// Who.
        employee: EmployeeId,
    },
    /// Ends `employee`'s appointment to `team` ([`Written::Appointment`],
    /// unchanged when there was none; no audit entry then). The team a
    /// manager was created in is not an appointment and stays theirs.
    DismissManager {
        /// Which team.
        team: TeamId,
        /// Who.
        employee: EmployeeId,
    },
    /// Creates a work pattern ([`Written::WorkPattern`]).
    CreateWorkPattern(NewWorkPattern),
    /// Assigns a pattern to a team or an employee from a date
    /// ([`Written::PatternAssigned`]). Fails with a validation error on
    /// `valid_from` when the target already has an assignment starting that
    /// date (validity periods never overlap: each runs until the next), and
    /// [`Error::NotFound`](crate::Error::NotFound) for an unknown team,
    /// employee or pattern.
    AssignWorkPattern(PatternAssignment),
    /// Adds a holiday to the company's calendar or a team's
    /// ([`Written::Holiday`]). Fails with
    /// [`crate::Conflict::HolidayExists`] when that calendar has one on the
    /// date, and with a validation error on `team_id` for an unknown team.
    AddHoliday(NewHoliday),
    /// Removes a holiday ([`Written::Holiday`], as it was);
    /// [`Error::NotFound`](crate::Error::NotFound) when there is none.
    RemoveHoliday(HolidayId),
    /// Records an absence ([`Written::Absence`]). Fails with
    /// [`crate::Conflict::AbsenceOverlap`] when it meets another absence of
    /// the employee, [`Error::NotFound`](crate::Error::NotFound) for an
    /// unknown employee.
    RecordAbsence(NewAbsence),
    /// Removes an absence ([`Written::Absence`], as it was);
    /// [`Error::NotFound`](crate::Error::NotFound) when there is none.
    RemoveAbsence(AbsenceId),
    /// Sets a team's break rule ([`Written::BreakRule`]); an empty rule
    /// removes it. [`Error::NotFound`](crate::Error::NotFound) for an
    /// unknown team.
    SetBreakRule {
        /// Which team.
        team: TeamId,
        /// The rule.
        rule: BreakRule,
    },
    /// Files a correction request ([`Written::Request`]); see
    /// [`crate::close`]. Fails with [`crate::Conflict::PeriodLocked`] when
    /// its work date is locked, [`Error::NotFound`](crate::Error::NotFound)
    /// for an unknown employee.
    RequestCorrection(NewCorrectionRequest),
    /// Decides an open request as the stamp's actor ([`Written::Decided`]):
    /// approving applies it (as [`Write::RecordSession`] or
    /// [`Write::CorrectSession`] would, with their failures) atomically
    /// with the request's new state, each with its audit entry. Fails with
    /// [`crate::Conflict::RequestDecided`] when it is no longer open,
    /// [`crate::Conflict::RequestStale`] when the session it changes is no
    /// longer as the requester saw it, [`crate::Conflict::PeriodLocked`],
    /// and [`Error::NotFound`](crate::Error::NotFound) for an unknown
    /// request. Who may decide is the service's check.
    DecideRequest {
        /// Which request.
        request: RequestId,
        /// Approve or reject.
        decision: Decision,
    },
    /// Locks a period ([`Written::PeriodLock`]). Fails with
    /// [`crate::Conflict::LockOverlap`], [`crate::Conflict::OpenSessions`],
    /// and a validation error on `team_id` for an unknown team.
    LockPeriod(NewPeriodLock),
    /// Removes a lock ([`Written::PeriodLock`], as it was), with a reason;
    /// [`Error::NotFound`](crate::Error::NotFound) when there is none.
    ReopenPeriod {
        /// Which lock.
        lock: PeriodLockId,
        /// Why (validated).
        reason: String,
    },
    /// Registers a webhook endpoint ([`Written::WebhookRegistered`]).
    RegisterWebhook(NewEndpoint),
    /// Removes an endpoint and its deliveries ([`Written::Webhook`], as it
    /// was); [`Error::NotFound`](crate::Error::NotFound) when there is none.
    RemoveWebhook(EndpointId),
    /// Sends again: one delivery of the endpoint (as new: pending, due now,
    /// no attempts), or every failed one when `delivery` is `None`; the
    /// endpoint becomes active ([`Written::Webhook`]).
    /// [`Error::NotFound`](crate::Error::NotFound) for an unknown endpoint
    /// or a delivery not of it.
    RedeliverWebhook {
        /// Which endpoint.
        endpoint: EndpointId,
        /// Which delivery; `None`: every failed one.
        delivery: Option<DeliveryId>,
    },
}

/// The outcome of a [`Write`], as a store keeps it for replays.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Written {
    /// A team was created.
    Team(Team),
    /// An employee was created.
    Employee(Employee),
    /// A session was opened, closed or recorded.
    Session(AttendanceSession),
    /// A manager was appointed or dismissed: whether that changed anything.
    Appointment {
        /// `false` when the appointment already was (or was not) in place.
        changed: bool,
    },
    /// A work pattern was created.
    WorkPattern(WorkPattern),
    /// A pattern was assigned.
    PatternAssigned(PatternAssignment),
    /// A holiday was added or removed.
    Holiday(Holiday),
    /// An absence was recorded or removed.
    Absence(Absence),
    /// A team's break rule was set.
    BreakRule {
        /// Which team.
        team: TeamId,
        /// The rule now.
        rule: BreakRule,
    },
    /// A correction request was filed.
    Request(CorrectionRequest),
    /// A request was decided.
    Decided {
        /// The request as decided.
        request: CorrectionRequest,
        /// The session an approval recorded or corrected.
        session: Option<AttendanceSession>,
    },
    /// A period was locked or reopened.
    PeriodLock(PeriodLock),
    /// A webhook endpoint was registered: the endpoint and its secret,
    /// which only this outcome carries (the audit entry does not).
    WebhookRegistered {
        /// The endpoint.
        endpoint: Endpoint,
        /// Its signing secret.
        secret: WebhookSecret,
    },
    /// A webhook endpoint was removed or sent to again.
    Webhook(Endpoint),
}

/// What a correction changes; `None` leaves a value as it is. A session's
/// clock-out can be set (closing an open session) or moved, never removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionChanges {
    /// The new clock-in.
    pub clock_in: Option<DateTime<Utc>>,
    /// The new clock-out.
    pub clock_out: Option<DateTime<Utc>>,
    /// The new work mode.
    pub work_mode: Option<WorkMode>,
}

impl SessionChanges {
    /// Whether nothing would change.
    pub fn is_empty(&self) -> bool {
        self.clock_in.is_none() && self.clock_out.is_none() && self.work_mode.is_none()
    }

    /// `session` with these changes applied, its rules checked: the
    /// clock-out after the clock-in. The work date is not recomputed here
    /// (it needs the team's timezone): the store does that.
    pub fn apply(&self, session: &AttendanceSession) -> Result<AttendanceSession> {
        let clock_in = self.clock_in.unwrap_or(session.clock_in);
        let clock_out = self.clock_out.or(session.clock_out);
        if let Some(out) = clock_out {
            check_clock_out("clock_out", clock_in, out)?;
        }
        Ok(AttendanceSession {
            clock_in,
            clock_out,
            work_mode: self.work_mode.unwrap_or(session.work_mode),
            ..session.clone()
        })
    }
}
