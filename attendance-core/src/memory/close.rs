//! The in-memory store's correction requests, period locks, webhook
//! endpoints and outbox, and timesheets, under the one lock.

use chrono::{DateTime, NaiveDate, Utc};

use super::{State, index, next_id};
use crate::access::Actor;
use crate::audit::{AuditEntry, AuditRecord, Stamp};
use crate::close::{
    CorrectionRequest, DecidedRequest, Decision, LockFilter, MAX_LISTED_OPEN_SESSIONS,
    NewCorrectionRequest, NewPeriodLock, PeriodLock, PeriodLockId, RequestFilter, RequestId,
    RequestState, RequestedChange, lock_on,
};
use crate::domain::{AttendanceSession, EmployeeId, work_date};
use crate::error::{Conflict, Entity, Error, Result};
use crate::export::{TimesheetQuery, TimesheetRow};
use crate::idempotency::{Write, Written};
use crate::store::{IdCursor, Page, PageRequest};
use crate::webhooks::{
    AttemptOutcome, Delivery, DeliveryFilter, DeliveryId, DeliveryState, DueDelivery, Endpoint,
    EndpointId, EndpointState, Event, EventId, EventType, MAX_DELIVERY_ERROR, NewEndpoint,
    WebhookSecret,
};
use crate::worktime::LedgerPeriod;

/// Requests, locks and webhooks, as the state keeps them.
#[derive(Debug, Default)]
pub(super) struct Close {
    /// By id (position + 1).
    requests: Vec<CorrectionRequest>,
    /// Standing locks; a reopened one is removed.
    locks: Vec<PeriodLock>,
    locks_made: i64,
    /// Registered endpoints with their secrets; a removed one is removed.
    endpoints: Vec<(Endpoint, WebhookSecret)>,
    endpoints_made: i64,
    /// Deliveries by id; those of a removed endpoint are removed.
    deliveries: Vec<Delivery>,
    deliveries_made: i64,
}

impl State {
    /// The lock (lowest id) that covers `employee`'s work dates
    /// `from..=to`, judged by their team on each date.
    pub(super) fn lock_over(
        &self,
        employee: EmployeeId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Option<&PeriodLock>> {
        let e = self.employee(employee)?;
        let mut found: Option<&PeriodLock> = None;
        for lock in &self.close.locks {
            let start = from.max(lock.from);
            let end = to.min(lock.to);
            let covers = start <= end
                && start
                    .iter_days()
                    .take_while(|d| *d <= end)
                    .any(|d| lock_on([lock], self.team_on(e, d), d, d).is_some());
            if covers && found.is_none_or(|f| lock.id < f.id) {
                found = Some(lock);
            }
        }
        Ok(found)
    }

    /// Refuses with [`Conflict::PeriodLocked`] when a lock covers any of
    /// `employee`'s work dates `from..=to`.
    pub(super) fn check_unlocked(
        &self,
        employee: EmployeeId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<()> {
        match self.lock_over(employee, from, to)? {
            Some(lock) => Err(Conflict::PeriodLocked {
                lock: Box::new(lock.clone()),
            }
            .into()),
            None => Ok(()),
        }
    }

    /// Appends an audit entry and, if it is an event, one delivery per
    /// endpoint subscribed to its type.
    pub(super) fn append_audit(&mut self, at: DateTime<Utc>, actor: Actor, record: AuditRecord) {
        let entry = AuditEntry {
            id: next_id(self.audit.len()),
            at,
            actor,
            record,
        };
        if let Some(event_type) = EventType::of(entry.record.action) {
            let subscribed: Vec<EndpointId> = self
                .close
                .endpoints
                .iter()
                .filter(|(e, _)| e.event_types.contains(&event_type))
                .map(|(e, _)| e.id)
                .collect();
            for endpoint_id in subscribed {
                self.close.deliveries_made += 1;
                self.close.deliveries.push(Delivery {
                    id: DeliveryId(self.close.deliveries_made),
                    endpoint_id,
                    event_id: EventId(entry.id),
                    event_type,
                    state: DeliveryState::Pending,
                    attempts: 0,
                    next_attempt_at: Some(entry.at),
                    first_attempt_at: None,
                    last_attempt_at: None,
                    last_status: None,
                    last_error: None,
                    delivered_at: None,
                });
            }
        }
        self.audit.push(entry);
    }

    pub(super) fn request(&self, id: RequestId) -> Result<&CorrectionRequest> {
        index(id.0)
            .and_then(|i| self.close.requests.get(i))
            .ok_or_else(|| Error::not_found(Entity::Request, id))
    }

    pub(super) fn file_request(
        &mut self,
        new: &NewCorrectionRequest,
        at: DateTime<Utc>,
    ) -> Result<CorrectionRequest> {
        let employee = self.employee(new.employee_id())?;
        let timezone = self.team(employee.team_id)?.timezone;
        let date = match new.change_requested() {
            RequestedChange::Missing { clock_in, .. } => work_date(timezone, *clock_in),
            RequestedChange::Change { seen, .. } => seen.work_date,
        };
        self.check_unlocked(new.employee_id(), date, date)?;
        let id = RequestId(next_id(self.close.requests.len()));
        let request = new.with_id(id, date, at);
        self.close.requests.push(request.clone());
        Ok(request)
    }

    /// Decides a request as `stamp` says; an approval applies it.
    pub(super) fn decide(
        &mut self,
        id: RequestId,
        decision: &Decision,
        stamp: &Stamp,
    ) -> Result<DecidedRequest> {
        let request = self.request(id)?.clone();
        if request.state != RequestState::Open {
            return Err(Conflict::RequestDecided {
                request: Box::new(request),
            }
            .into());
        }
        let (state, reason, session) = match decision {
            Decision::Reject { reason } => (RequestState::Rejected, Some(reason.clone()), None),
            Decision::Approve => {
                let session = match &request.change {
                    RequestedChange::Missing {
                        clock_in,
                        clock_out,
                        work_mode,
                    } => {
                        self.insert(request.employee_id, *work_mode, *clock_in, Some(*clock_out))?
                    }
                    RequestedChange::Change { changes, seen } => {
                        let current = self.session(seen.id)?;
                        if current != seen {
                            return Err(Conflict::RequestStale {
                                current: Box::new(current.clone()),
                            }
                            .into());
                        }
                        self.correct(seen.id, changes)?
                    }
                };
                (RequestState::Approved, None, Some(session))
            }
        };
        let decided = CorrectionRequest {
            state,
            decided_by: Some(stamp.actor.clone()),
            decided_at: Some(stamp.at),
            decision_reason: reason,
            session_id: session.as_ref().map(|s| s.id).or(request.session_id),
            ..request
        };
        let slot = index(id.0)
            .and_then(|i| self.close.requests.get_mut(i))
            .ok_or_else(|| Error::not_found(Entity::Request, id))?;
        *slot = decided.clone();
        Ok(DecidedRequest {
            request: decided,
            session,
        })
    }

    /// The second audit entry of an approval, if `written` is one.
    pub(super) fn applied_record(written: &Written) -> Option<AuditRecord> {
        let Written::Decided {
            request,
            session: Some(session),
        } = written
        else {
            return None;
        };
        let before: Option<&AttendanceSession> = match &request.change {
            RequestedChange::Missing { .. } => None,
            RequestedChange::Change { seen, .. } => Some(seen),
        };
        Some(AuditRecord::applied(request, before, session))
    }

    pub(super) fn requests_page(
        &self,
        filter: &RequestFilter,
        page: &PageRequest<IdCursor>,
    ) -> Page<CorrectionRequest> {
        let rows = self
            .close
            .requests
            .iter()
            .rev()
            .filter(|r| page.cursor.is_none_or(|c| r.id.0 < c.0))
            .filter(|r| {
                self.employee(r.employee_id)
                    .is_ok_and(|e| filter.matches(r, e.team_id))
            })
            .take(page.limit as usize + 1)
            .cloned()
            .collect();
        Page::of_requests(rows, page.limit)
    }

    pub(super) fn lock_period(&mut self, new: &NewPeriodLock, stamp: &Stamp) -> Result<PeriodLock> {
        if let Some(team) = new.team_id() {
            self.team(team)
                .map_err(|_| crate::worktime::unknown_calendar(team))?;
        }
        if let Some(existing) = self
            .close
            .locks
            .iter()
            .filter(|l| l.overlaps(new.team_id(), new.from(), new.to()))
            .min_by_key(|l| l.id)
        {
            return Err(Conflict::LockOverlap {
                existing: Box::new(existing.clone()),
            }
            .into());
        }
        let mut open: Vec<AttendanceSession> = self
            .sessions
            .iter()
            .filter(|s| s.is_open() && s.work_date >= new.from() && s.work_date <= new.to())
            .filter(|s| {
                new.team_id().is_none_or(|t| {
                    self.employee(s.employee_id)
                        .is_ok_and(|e| self.team_on(e, s.work_date) == t)
                })
            })
            .cloned()
            .collect();
        if !open.is_empty() {
            open.sort_by_key(|s| (s.clock_in, s.id));
            open.truncate(MAX_LISTED_OPEN_SESSIONS);
            return Err(Conflict::OpenSessions { sessions: open }.into());
        }
        self.close.locks_made += 1;
        let lock = new.with_id(
            PeriodLockId(self.close.locks_made),
            stamp.actor.clone(),
            stamp.at,
        );
        self.close.locks.push(lock.clone());
        Ok(lock)
    }

    pub(super) fn reopen_period(&mut self, id: PeriodLockId) -> Result<PeriodLock> {
        let i = self
            .close
            .locks
            .iter()
            .position(|l| l.id == id)
            .ok_or_else(|| Error::not_found(Entity::PeriodLock, id))?;
        Ok(self.close.locks.remove(i))
    }

    pub(super) fn period_locks(&self, filter: &LockFilter) -> Vec<PeriodLock> {
        let mut locks: Vec<PeriodLock> = self
            .close
            .locks
            .iter()
            .filter(|l| filter.matches(l))
            .cloned()
            .collect();
        locks.sort_by_key(|l| (l.from, l.id));
        locks
    }

    pub(super) fn register_webhook(
        &mut self,
        new: &NewEndpoint,
        at: DateTime<Utc>,
    ) -> (Endpoint, WebhookSecret) {
        self.close.endpoints_made += 1;
        let endpoint = new.with_id(EndpointId(self.close.endpoints_made), at);
        self.close
            .endpoints
            .push((endpoint.clone(), new.secret().clone()));
        (endpoint, new.secret().clone())
    }

    pub(super) fn webhook_endpoint(&self, id: EndpointId) -> Result<&Endpoint> {
        self.close
            .endpoints
            .iter()
            .map(|(e, _)| e)
            .find(|e| e.id == id)
            .ok_or_else(|| Error::not_found(Entity::Webhook, id))
    }

    pub(super) fn webhook_endpoints(&self) -> Vec<Endpoint> {
        self.close
            .endpoints
            .iter()
            .map(|(e, _)| e.clone())
            .collect()
    }

    pub(super) fn remove_webhook(&mut self, id: EndpointId) -> Result<Endpoint> {
        let i = self
            .close
            .endpoints
            .iter()
            .position(|(e, _)| e.id == id)
            .ok_or_else(|| Error::not_found(Entity::Webhook, id))?;
        let (endpoint, _) = self.close.endpoints.remove(i);
        self.close.deliveries.retain(|d| d.endpoint_id != id);
        Ok(endpoint)
    }

    pub(super) fn redeliver(
        &mut self,
        id: EndpointId,
        delivery: Option<DeliveryId>,
        at: DateTime<Utc>,
    ) -> Result<Endpoint> {
        self.webhook_endpoint(id)?;
        if let Some(d) = delivery
            && !self
                .close
                .deliveries
                .iter()
                .any(|x| x.id == d && x.endpoint_id == id)
        {
            return Err(Error::not_found(Entity::Delivery, d));
        }
        for d in self.close.deliveries.iter_mut().filter(|d| {
            d.endpoint_id == id
                && match delivery {
                    Some(one) => d.id == one,
                    None => d.state == DeliveryState::Failed,
                }
        }) {
            d.state = DeliveryState::Pending;
            d.attempts = 0;
            d.next_attempt_at = Some(at);
            d.first_attempt_at = None;
            d.delivered_at = None;
        }
        let (endpoint, _) = self
            .close
            .endpoints
            .iter_mut()
            .find(|(e, _)| e.id == id)
            .ok_or_else(|| Error::not_found(Entity::Webhook, id))?;
        endpoint.state = EndpointState::Active;
        endpoint.failing_since = None;
        Ok(endpoint.clone())
    }

    pub(super) fn deliveries_page(
        &self,
        endpoint: EndpointId,
        filter: &DeliveryFilter,
        page: &PageRequest<IdCursor>,
    ) -> Result<Page<Delivery>> {
        self.webhook_endpoint(endpoint)?;
        let rows = self
            .close
            .deliveries
            .iter()
            .rev()
            .filter(|d| d.endpoint_id == endpoint)
            .filter(|d| filter.state.is_none_or(|s| s == d.state))
            .filter(|d| page.cursor.is_none_or(|c| d.id.0 < c.0))
            .take(page.limit as usize + 1)
            .cloned()
            .collect();
        Ok(Page::of_deliveries(rows, page.limit))
    }

    pub(super) fn claim_due(
        &mut self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> Vec<DueDelivery> {
        let active: Vec<(EndpointId, Endpoint, WebhookSecret)> = self
            .close
            .endpoints
            .iter()
            .filter(|(e, _)| e.state == EndpointState::Active)
            .map(|(e, s)| (e.id, e.clone(), s.clone()))
            .collect();
        let mut claimed = Vec::new();
        for (id, endpoint, secret) in active {
            if claimed.len() >= limit as usize {
                break;
            }
            let head = self
                .close
                .deliveries
                .iter_mut()
                .filter(|d| d.endpoint_id == id && d.state == DeliveryState::Pending)
                .min_by_key(|d| d.event_id);
            let Some(head) = head else { continue };
            if head.next_attempt_at.is_some_and(|due| due > now) {
                continue;
            }
            head.next_attempt_at = Some(lease_until);
            head.attempts += 1;
            head.last_attempt_at = Some(now);
            let first = *head.first_attempt_at.get_or_insert(now);
            let (delivery, attempt, event_id) = (head.id, head.attempts, head.event_id);
            let entry = index(event_id.0).and_then(|i| self.audit.get(i));
            let Some(event) = entry.and_then(|e| Event::of(event_id, e)) else {
                continue;
            };
            claimed.push(DueDelivery {
                id: delivery,
                endpoint_id: id,
                url: endpoint.url.clone(),
                secret,
                event,
                attempt,
                first_attempt_at: first,
            });
        }
        claimed
    }

    pub(super) fn record_attempt(
        &mut self,
        id: DeliveryId,
        outcome: &AttemptOutcome,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let d = self
            .close
            .deliveries
            .iter_mut()
            .find(|d| d.id == id)
            .ok_or_else(|| Error::not_found(Entity::Delivery, id))?;
        let mut give_up = None;
        match outcome {
            AttemptOutcome::Delivered { status } => {
                d.state = DeliveryState::Delivered;
                d.delivered_at = Some(at);
                d.last_status = Some(*status);
                d.last_error = None;
                d.next_attempt_at = None;
            }
            AttemptOutcome::Failed {
                status,
                error,
                retry_at,
            } => {
                d.last_status = *status;
                d.last_error = Some(error.chars().take(MAX_DELIVERY_ERROR).collect());
                d.next_attempt_at = *retry_at;
                if retry_at.is_none() {
                    d.state = DeliveryState::Failed;
                    give_up = Some(d.endpoint_id);
                }
            }
        }
        if let Some(endpoint) = give_up
            && let Some((e, _)) = self
                .close
                .endpoints
                .iter_mut()
                .find(|(e, _)| e.id == endpoint)
        {
            e.state = EndpointState::Failing;
            e.failing_since = Some(at);
        }
        Ok(())
    }

    pub(super) fn timesheet(
        &self,
        query: &TimesheetQuery,
        now: DateTime<Utc>,
    ) -> Result<Vec<TimesheetRow>> {
        let period: &LedgerPeriod = &query.period;
        let mut rows = Vec::new();
        for e in self.employees.iter().filter(|e| {
            query.employee_id.is_none_or(|id| id == e.id)
                && query.team_id.is_none_or(|t| t == e.team_id)
                && query.scope.admits(e.id, e.team_id)
        }) {
            for day in self.ledger(e, period, now)? {
                let locked = self
                    .close
                    .locks
                    .iter()
                    .any(|l| l.covers(day.team_id, day.date));
                rows.push(TimesheetRow {
                    employee_name: e.name.clone(),
                    team_name: self.team(day.team_id)?.name.clone(),
                    day,
                    locked,
                });
            }
        }
        Ok(rows)
    }

    /// Performs a close-the-period or webhook write.
    pub(super) fn apply_close(&mut self, stamp: &Stamp, write: &Write) -> Result<Written> {
        Ok(match write {
            Write::RequestCorrection(new) => Written::Request(self.file_request(new, stamp.at)?),
            Write::DecideRequest { request, decision } => {
                let DecidedRequest { request, session } = self.decide(*request, decision, stamp)?;
                Written::Decided { request, session }
            }
            Write::LockPeriod(new) => Written::PeriodLock(self.lock_period(new, stamp)?),
            Write::ReopenPeriod { lock, .. } => Written::PeriodLock(self.reopen_period(*lock)?),
            Write::RegisterWebhook(new) => {
                let (endpoint, secret) = self.register_webhook(new, stamp.at);
                Written::WebhookRegistered { endpoint, secret }
            }
            Write::RemoveWebhook(id) => Written::Webhook(self.remove_webhook(*id)?),
            Write::RedeliverWebhook { endpoint, delivery } => {
                Written::Webhook(self.redeliver(*endpoint, *delivery, stamp.at)?)
            }
            _ => return Err(Error::backend("not a close-the-period write")),
        })
    }
}
