//! Correction requests, locks and webhooks as a principal ([`Acting`]),
//! and timesheets ([`ActingTrends`]): the permission matrix of
//! [`crate::access`] applied, then one [`Write`] each.

use chrono::{DateTime, NaiveDate, Utc};

use super::{
    CorrectionRequest, DecidedRequest, Decision, LockFilter, NewCorrectionRequest, NewPeriodLock,
    PeriodLock, PeriodLockId, RequestFilter, RequestId, RequestState,
};
use crate::access::{Principal, Scope};
use crate::audit::{SessionChanges, validate_reason};
use crate::domain::{EmployeeId, SessionId, TeamId, WorkMode};
use crate::error::{Entity, Error, Result};
use crate::export::{Timesheet, TimesheetQuery, coverage, file_stem};
use crate::idempotency::{Once, Write, Written, request};
use crate::store::{IdCursor, Page, PageRequest};
use crate::webhooks::{
    Delivery, DeliveryFilter, DeliveryId, Endpoint, EndpointId, EventType, NewEndpoint,
    RegisteredEndpoint, WebhookSecret, WebhookUrl,
};
use crate::worktime::LedgerPeriod;
use crate::{Acting, ActingTrends};

/// The refusal of a request by someone who is not an employee.
fn members_only() -> Error {
    Error::forbidden(
        "ask for a correction",
        "only an employee asks, for their own sessions; an admin corrects directly",
    )
}

impl Acting<'_> {
    /// Asks for a session that was never recorded: the employee themself
    /// (a manager too, for themself).
    pub async fn request_missing_session(
        &self,
        employee: EmployeeId,
        mode: WorkMode,
        clock_in: DateTime<Utc>,
        clock_out: DateTime<Utc>,
        reason: &str,
    ) -> Result<Once<CorrectionRequest>> {
        let member = self.principal.member().ok_or_else(members_only)?;
        if member.employee != employee {
            return Err(Error::forbidden(
                "ask for a correction",
                "only the employee themself may ask for their sessions",
            ));
        }
        let fingerprint = request::work_time(
            "request_missing_session",
            &(employee, mode, clock_in, clock_out, reason),
        );
        let (clock_in, clock_out) = self.service.session_span(clock_in, clock_out)?;
        let new = NewCorrectionRequest::missing(employee, clock_in, clock_out, mode, reason)?;
        self.file(fingerprint, new).await
    }

    /// Asks for a change to one of one's own sessions; the session as it
    /// is now is what approval will expect. Someone else's session is
    /// forbidden if the principal sees it, not found otherwise.
    pub async fn request_session_change(
        &self,
        session: SessionId,
        changes: &SessionChanges,
        reason: &str,
    ) -> Result<Once<CorrectionRequest>> {
        let member = self.principal.member().ok_or_else(members_only)?;
        let fingerprint = request::work_time("request_session_change", &(session, changes, reason));
        let changes = self.service.check_changes(changes)?;
        let seen = self.service.session(session).await?;
        if seen.employee_id != member.employee {
            let owner = self.service.employee(seen.employee_id).await?;
            return Err(if self.principal.sees(&owner) {
                Error::forbidden(
                    "ask for a correction",
                    "a request is for one's own sessions; their manager corrects directly",
                )
            } else {
                Error::not_found(Entity::Session, session)
            });
        }
        let new = NewCorrectionRequest::change(seen, changes, reason)?;
        self.file(fingerprint, new).await
    }

    async fn file(
        &self,
        fingerprint: crate::idempotency::Fingerprint,
        new: NewCorrectionRequest,
    ) -> Result<Once<CorrectionRequest>> {
        self.writes()
            .write(fingerprint, Write::RequestCorrection(new))
            .await?
            .into_kind(|w| match w {
                Written::Request(r) => Some(r),
                _ => None,
            })
    }

    /// One request: the requester's own, their managers', an admin's.
    pub async fn correction_request(&self, id: RequestId) -> Result<CorrectionRequest> {
        let request = self.service.store.correction_request(id).await?;
        if let Principal::Member(member) = self.principal
            && member.employee != request.employee_id
        {
            let owner = self.service.employee(request.employee_id).await?;
            if !self.principal.sees(&owner) {
                return Err(Error::not_found(Entity::Request, id));
            }
        }
        Ok(request)
    }

    /// Requests in scope matching `filter`, newest first, one page at a
    /// time (`limit` and `cursor` as for
    /// [`AttendanceService::sessions`](crate::service::AttendanceService::sessions)).
    pub async fn correction_requests(
        &self,
        filter: &RequestFilter,
        limit: Option<u32>,
        cursor: Option<&str>,
    ) -> Result<Page<CorrectionRequest>> {
        let page: PageRequest<IdCursor> = PageRequest::new(limit, cursor)?;
        check_dates(filter.from, filter.to)?;
        let filter = RequestFilter {
            scope: self.principal.scope(),
            not_by: None,
            ..filter.clone()
        };
        self.service.store.correction_requests(&filter, &page).await
    }

    /// The open requests this principal may decide, newest first: a
    /// manager's teams' members' other than their own, every open one for
    /// an admin; empty for an employee who manages nobody.
    pub async fn request_inbox(
        &self,
        limit: Option<u32>,
        cursor: Option<&str>,
    ) -> Result<Page<CorrectionRequest>> {
        let page: PageRequest<IdCursor> = PageRequest::new(limit, cursor)?;
        let filter = match self.principal {
            Principal::Admin { .. } => RequestFilter {
                state: Some(RequestState::Open),
                ..RequestFilter::default()
            },
            Principal::Member(member) if !member.is_manager() => {
                return Ok(Page {
                    items: Vec::new(),
                    next_cursor: None,
                });
            }
            Principal::Member(member) => RequestFilter {
                state: Some(RequestState::Open),
                scope: Scope::Member {
                    employee: member.employee,
                    teams: member.manages.clone(),
                },
                not_by: Some(member.employee),
                ..RequestFilter::default()
            },
        };
        self.service.store.correction_requests(&filter, &page).await
    }

    /// Approves or rejects a request: the requester's managers other than
    /// the requester, and admins. One's own request is forbidden; one out
    /// of scope is not found.
    pub async fn decide_request(
        &self,
        id: RequestId,
        decision: &Decision,
    ) -> Result<Once<DecidedRequest>> {
        let decision = match decision {
            Decision::Approve => Decision::Approve,
            Decision::Reject { reason } => Decision::reject(reason)?,
        };
        if let Principal::Member(member) = self.principal {
            let hidden = || Error::not_found(Entity::Request, id);
            if !member.is_manager() {
                // Nothing to decide: refused as an unknown id is, without
                // a lookup.
                return Err(hidden());
            }
            let request = match self.service.store.correction_request(id).await {
                Err(Error::NotFound { .. }) => return Err(hidden()),
                other => other?,
            };
            if request.employee_id == member.employee {
                return Err(Error::forbidden(
                    "decide a request",
                    "nobody decides their own request",
                ));
            }
            let owner = self.service.employee(request.employee_id).await?;
            if !member.manages(owner.team_id) {
                return Err(hidden());
            }
        }
        let fingerprint = request::work_time("decide_request", &(id, &decision));
        let write = Write::DecideRequest {
            request: id,
            decision,
        };
        self.writes()
            .write(fingerprint, write)
            .await?
            .into_kind(|w| match w {
                Written::Decided { request, session } => Some(DecidedRequest { request, session }),
                _ => None,
            })
    }

    /// Locks a period: admins only.
    pub async fn lock_period(&self, lock: &NewPeriodLock) -> Result<Once<PeriodLock>> {
        self.principal.check_admin("lock a period")?;
        let fingerprint = request::work_time("lock_period", lock);
        self.writes()
            .write(fingerprint, Write::LockPeriod(lock.clone()))
            .await?
            .into_kind(period_lock_of)
    }

    /// Reopens a locked period, with a reason: admins only. Returns the
    /// lock as it was.
    pub async fn reopen_period(
        &self,
        lock: PeriodLockId,
        reason: &str,
    ) -> Result<Once<PeriodLock>> {
        self.principal.check_admin("reopen a period")?;
        let fingerprint = request::work_time("reopen_period", &(lock, reason));
        let reason = validate_reason(reason)?;
        self.writes()
            .write(fingerprint, Write::ReopenPeriod { lock, reason })
            .await?
            .into_kind(period_lock_of)
    }

    /// Standing locks matching `filter`: every lock for an admin; for a
    /// member, the company's and those of the teams they see (their own
    /// and the ones they manage).
    pub async fn period_locks(&self, filter: &LockFilter) -> Result<Vec<PeriodLock>> {
        check_dates(filter.from, filter.to)?;
        let locks = self.service.store.period_locks(filter).await?;
        Ok(locks
            .into_iter()
            .filter(|l| l.team_id.is_none_or(|t| self.principal.sees_team(t)))
            .collect())
    }

    /// Registers a webhook endpoint: admins only. Without a `secret`, one
    /// is generated; the outcome is the only place it is shown (a retry
    /// with the same key shows the same one).
    pub async fn register_webhook(
        &self,
        url: &str,
        event_types: &[EventType],
        secret: Option<&str>,
    ) -> Result<Once<RegisteredEndpoint>> {
        self.principal.check_admin("register a webhook")?;
        let fingerprint = request::work_time("register_webhook", &(url, event_types, secret));
        let url = WebhookUrl::new(url)?;
        let secret = match secret {
            Some(secret) => WebhookSecret::new(secret)?,
            None => WebhookSecret::generate()?,
        };
        let endpoint = NewEndpoint::new(url, event_types, secret)?;
        self.writes()
            .write(fingerprint, Write::RegisterWebhook(endpoint))
            .await?
            .into_kind(|w| match w {
                Written::WebhookRegistered { endpoint, secret } => {
                    Some(RegisteredEndpoint { endpoint, secret })
                }
                _ => None,
            })
    }

    /// Removes an endpoint and its delivery log: admins only.
    pub async fn remove_webhook(&self, id: EndpointId) -> Result<Once<Endpoint>> {
        self.principal.check_admin("remove a webhook")?;
        let fingerprint = request::work_time("remove_webhook", &id);
        self.writes()
            .write(fingerprint, Write::RemoveWebhook(id))
            .await?
            .into_kind(endpoint_of)
    }

    /// Sends one delivery again, or every failed one, and reactivates the
    /// endpoint: admins only.
    pub async fn redeliver_webhook(
        &self,
        endpoint: EndpointId,
        delivery: Option<DeliveryId>,
    ) -> Result<Once<Endpoint>> {
        self.principal.check_admin("redeliver a webhook")?;
        let fingerprint = request::work_time("redeliver_webhook", &(endpoint, delivery));
        self.writes()
            .write(fingerprint, Write::RedeliverWebhook { endpoint, delivery })
            .await?
            .into_kind(endpoint_of)
    }

    /// Every endpoint: admins only.
    pub async fn webhooks(&self) -> Result<Vec<Endpoint>> {
        self.principal.check_admin("read webhooks")?;
        self.service.store.webhook_endpoints().await
    }

    /// One endpoint: admins only.
    pub async fn webhook(&self, id: EndpointId) -> Result<Endpoint> {
        self.principal.check_admin("read webhooks")?;
        self.service.store.webhook_endpoint(id).await
    }

    /// An endpoint's delivery log, newest first: admins only.
    pub async fn webhook_deliveries(
        &self,
        id: EndpointId,
        filter: &DeliveryFilter,
        limit: Option<u32>,
        cursor: Option<&str>,
    ) -> Result<Page<Delivery>> {
        self.principal.check_admin("read webhooks")?;
        let page: PageRequest<IdCursor> = PageRequest::new(limit, cursor)?;
        self.service
            .store
            .webhook_deliveries(id, filter, &page)
            .await
    }
}

impl<'a> ActingTrends<'a> {
    /// A timesheet of `from..=to` (at most a year): of one employee, of a
    /// team's current members, or of everyone in scope. Employees export
    /// their own; managers their own and their teams'; admins anyone's and
    /// the company's. Out of scope is not found.
    pub async fn timesheet(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        team: Option<TeamId>,
        employee: Option<EmployeeId>,
    ) -> Result<Timesheet<'a>> {
        let period = LedgerPeriod::new(from, to)?;
        let store = &self.trends.store;
        if let Some(team) = team {
            let in_scope = match self.principal {
                Principal::Admin { .. } => true,
                Principal::Member(member) => member.manages(team),
            };
            if !in_scope {
                return Err(Error::not_found(Entity::Team, team));
            }
            store.team(team).await?;
        }
        let mut lock_team = team;
        if let Some(employee) = employee {
            self.check_employee(employee).await?;
            let found = store.employee(employee).await?;
            lock_team = lock_team.or(Some(found.team_id));
        }
        // An employee who manages nobody exports their own rows only: the
        // locks of their team are the ones that say whether it is final.
        if let (Principal::Member(member), None, None) = (self.principal, team, employee)
            && !member.is_manager()
        {
            lock_team = Some(member.team);
        }
        let locks = store
            .period_locks(&LockFilter {
                team_id: None,
                from: Some(from),
                to: Some(to),
            })
            .await?;
        let query = TimesheetQuery {
            period,
            team_id: team,
            employee_id: employee,
            scope: self.principal.scope(),
        };
        Ok(Timesheet {
            rows: self.trends.store.timesheet(query, self.trends.now()),
            coverage: coverage(&locks, lock_team, from, to),
            file_stem: file_stem(from, to, team),
        })
    }
}

fn period_lock_of(written: Written) -> Option<PeriodLock> {
    match written {
        Written::PeriodLock(lock) => Some(lock),
        _ => None,
    }
}

fn endpoint_of(written: Written) -> Option<Endpoint> {
    match written {
        Written::Webhook(endpoint) => Some(endpoint),
        _ => None,
    }
}

/// A listing's dates: supported, and `from` not after `to`.
fn check_dates(from: Option<NaiveDate>, to: Option<NaiveDate>) -> Result<()> {
    if let Some(from) = from {
        crate::domain::check_supported_date("from", from)?;
    }
    if let Some(to) = to {
        crate::domain::check_supported_date("to", to)?;
    }
    if let (Some(from), Some(to)) = (from, to)
        && from > to
    {
        return Err(Error::validation(
            "from",
            format!("the range starts ({from}) after it ends ({to})"),
        ));
    }
    Ok(())
}
