//! Webhooks: endpoints an admin registers, the events other systems hear
//! of, and the outbox a delivery worker drains (the worker itself, which
//! speaks HTTP, is the `attendance-webhooks` crate).
//!
//! The rules, kept by every store:
//! - an event is an audit entry of a kind other systems care about
//!   ([`EventType::of`]); it is written with its entry, atomically with the
//!   write (PostgreSQL: a trigger on the audit table, in the same
//!   transaction, no extra round trip), so an event exists if and only if
//!   its write committed;
//! - each event gets one [`Delivery`] per endpoint subscribed to its type
//!   at that moment; an endpoint hears of nothing written before it was
//!   registered;
//! - per endpoint, deliveries go out one at a time in event order: the
//!   oldest pending delivery of an endpoint blocks the later ones until it
//!   is delivered or given up;
//! - a claimed delivery is leased ([`WebhookOutbox::claim_due`]); a worker
//!   that dies mid-delivery leaves it to be claimed again when the lease
//!   ends, so delivery is at least once, never lost;
//! - a delivery that keeps failing past the retry horizon is given up and
//!   its endpoint marked [`EndpointState::Failing`], which stops its
//!   deliveries until an admin asks for a redelivery.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::audit::{AuditAction, AuditEntry};
use crate::error::{Error, Result};
use crate::store::{IdCursor, Page};
use crate::worktime::worktime_id;

worktime_id!(
    /// Identifies an [`Endpoint`].
    EndpointId
);
worktime_id!(
    /// Identifies an [`Event`].
    EventId
);
worktime_id!(
    /// Identifies a [`Delivery`].
    DeliveryId
);

/// The longest endpoint URL accepted, in bytes.
pub const MAX_URL_LEN: usize = 2048;

/// The prefix of a signing secret, as Standard Webhooks spells it.
pub const SECRET_PREFIX: &str = "whsec_";

/// Fewest and most bytes a signing secret's key may have.
pub const SECRET_BYTES: std::ops::RangeInclusive<usize> = 24..=64;

/// What happened, as other systems subscribe to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum EventType {
    /// A session was opened.
    #[serde(rename = "session.clocked_in")]
    ClockedIn,
    /// A session was closed.
    #[serde(rename = "session.clocked_out")]
    ClockedOut,
    /// A whole past session was recorded (a backfill, or an approved
    /// request for a missing session).
    #[serde(rename = "session.recorded")]
    SessionRecorded,
    /// A session was corrected (directly, or by an approved request).
    #[serde(rename = "session.corrected")]
    SessionCorrected,
    /// A forgotten session was closed by its team's policy.
    #[serde(rename = "session.auto_closed")]
    SessionAutoClosed,
    /// A correction request was made.
    #[serde(rename = "request.created")]
    RequestCreated,
    /// A correction request was approved and applied.
    #[serde(rename = "request.approved")]
    RequestApproved,
    /// A correction request was rejected.
    #[serde(rename = "request.rejected")]
    RequestRejected,
    /// A period was locked.
    #[serde(rename = "period.locked")]
    PeriodLocked,
    /// A locked period was reopened.
    #[serde(rename = "period.reopened")]
    PeriodReopened,
    /// An employee was created.
    #[serde(rename = "employee.created")]
    EmployeeCreated,
    /// A team was created.
    #[serde(rename = "team.created")]
    TeamCreated,
}

impl EventType {
    /// Every event type.
    pub const ALL: [Self; 12] = [
        Self::ClockedIn,
        Self::ClockedOut,
        Self::SessionRecorded,
        Self::SessionCorrected,
        Self::SessionAutoClosed,
        Self::RequestCreated,
        Self::RequestApproved,
        Self::RequestRejected,
        Self::PeriodLocked,
        Self::PeriodReopened,
        Self::EmployeeCreated,
        Self::TeamCreated,
    ];

    /// The spelling on the wire and in stores (`"session.clocked_in"`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::ClockedIn => "session.clocked_in",
            Self::ClockedOut => "session.clocked_out",
            Self::SessionRecorded => "session.recorded",
            Self::SessionCorrected => "session.corrected",
            Self::SessionAutoClosed => "session.auto_closed",
            Self::RequestCreated => "request.created",
            Self::RequestApproved => "request.approved",
            Self::RequestRejected => "request.rejected",
            Self::PeriodLocked => "period.locked",
            Self::PeriodReopened => "period.reopened",
            Self::EmployeeCreated => "employee.created",
            Self::TeamCreated => "team.created",
        }
    }

    /// Reads [`EventType::as_str`]'s spelling back.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// The event an audit action is, if other systems hear of it: the one
    /// mapping every store applies (PostgreSQL in its trigger, checked
    /// against this by the conformance kit).
    pub const fn of(action: AuditAction) -> Option<Self> {
        Some(match action {
            AuditAction::ClockIn => Self::ClockedIn,
            AuditAction::ClockOut => Self::ClockedOut,
            AuditAction::Backfill => Self::SessionRecorded,
            AuditAction::Correction => Self::SessionCorrected,
            AuditAction::AutoClose => Self::SessionAutoClosed,
            AuditAction::RequestCreated => Self::RequestCreated,
            AuditAction::RequestApproved => Self::RequestApproved,
            AuditAction::RequestRejected => Self::RequestRejected,
            AuditAction::PeriodLocked => Self::PeriodLocked,
            AuditAction::PeriodReopened => Self::PeriodReopened,
            AuditAction::EmployeeCreated => Self::EmployeeCreated,
            AuditAction::TeamCreated => Self::TeamCreated,
            _ => return None,
        })
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An endpoint's URL: `http` or `https`, a host, no credentials, at most
/// [`MAX_URL_LEN`] bytes, printable ASCII. Where it may point (not into
/// private networks, unless the host allows it) is the delivery worker's
/// check, made on the address it connects to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct WebhookUrl(String);

impl WebhookUrl {
    /// Checks `url`'s shape.
    pub fn new(url: &str) -> Result<Self> {
        let invalid = |why: &str| Error::validation("url", why.to_owned());
        let url = url.trim();
        if url.is_empty() || url.len() > MAX_URL_LEN {
            return Err(invalid("must be 1 to 2048 characters"));
        }
        if !url.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(invalid(
                "must be printable ASCII without spaces (percent-encode the rest)",
            ));
        }
        let lower = url.to_ascii_lowercase();
        let rest = lower
            .strip_prefix("https://")
            .or_else(|| lower.strip_prefix("http://"))
            .ok_or_else(|| invalid("must start with https:// or http://"))?;
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        if authority.contains('@') {
            return Err(invalid("must not carry credentials"));
        }
        let host = authority
            .rsplit_once(':')
            .filter(|(_, port)| !port.contains(']'))
            .map_or(authority, |(host, _)| host);
        if host.is_empty() || host == "[]" {
            return Err(invalid("must name a host"));
        }
        Ok(Self(url.to_owned()))
    }

    /// The URL.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A signing secret: `whsec_` and the base64 of 24 to 64 random bytes, as
/// Standard Webhooks spells it. `Debug` does not print it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct WebhookSecret(String);

impl WebhookSecret {
    /// Checks a secret a caller chose.
    pub fn new(secret: &str) -> Result<Self> {
        let secret = Self(secret.trim().to_owned());
        if secret.key().is_none() {
            return Err(Error::validation(
                "secret",
                format!(
                    "must be {SECRET_PREFIX} followed by the base64 of {} to {} bytes",
                    SECRET_BYTES.start(),
                    SECRET_BYTES.end()
                ),
            ));
        }
        Ok(secret)
    }

    /// A fresh secret of 32 random bytes from the operating system.
    pub fn generate() -> Result<Self> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| Error::backend(std::io::Error::other(e)))?;
        Ok(Self(format!("{SECRET_PREFIX}{}", BASE64.encode(bytes))))
    }

    /// The secret as the receiver configures it (`whsec_…`).
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The HMAC key: the bytes after the prefix (`None` for a secret that
    /// [`WebhookSecret::new`] would refuse, which no store holds).
    pub fn key(&self) -> Option<Vec<u8>> {
        let encoded = self.0.strip_prefix(SECRET_PREFIX)?;
        let bytes = BASE64.decode(encoded).ok()?;
        SECRET_BYTES.contains(&bytes.len()).then_some(bytes)
    }
}

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebhookSecret(..)")
    }
}

/// The most event types an endpoint may list: every one.
pub const MAX_EVENT_TYPES: usize = EventType::ALL.len();

/// A validated request to register an endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewEndpoint {
    url: WebhookUrl,
    event_types: Vec<EventType>,
    secret: WebhookSecret,
}

impl NewEndpoint {
    /// An endpoint at `url` hearing of `event_types` (at least one; sorted
    /// and deduplicated here), signed with `secret`.
    pub fn new(url: WebhookUrl, event_types: &[EventType], secret: WebhookSecret) -> Result<Self> {
        let mut event_types = event_types.to_vec();
        event_types.sort_unstable();
        event_types.dedup();
        if event_types.is_empty() {
            return Err(Error::validation(
                "event_types",
                "must name at least one event type",
            ));
        }
        Ok(Self {
            url,
            event_types,
            secret,
        })
    }

    /// Where.
    pub fn url(&self) -> &WebhookUrl {
        &self.url
    }

    /// Which events, sorted.
    pub fn event_types(&self) -> &[EventType] {
        &self.event_types
    }

    /// The signing secret.
    pub fn secret(&self) -> &WebhookSecret {
        &self.secret
    }

    /// The endpoint this registers, once a store gives it `id`, at
    /// `created_at`.
    pub fn with_id(&self, id: EndpointId, created_at: DateTime<Utc>) -> Endpoint {
        Endpoint {
            id,
            url: self.url.clone(),
            event_types: self.event_types.clone(),
            state: EndpointState::Active,
            created_at,
            failing_since: None,
        }
    }
}

/// A new endpoint and its signing secret: the one time the secret is
/// shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisteredEndpoint {
    /// The endpoint.
    pub endpoint: Endpoint,
    /// Its signing secret, for the receiver's configuration.
    pub secret: WebhookSecret,
}

/// Whether an endpoint receives deliveries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EndpointState {
    /// Deliveries go out.
    Active,
    /// A delivery was given up; nothing goes out until a redelivery.
    Failing,
}

impl EndpointState {
    /// The spelling stores and the wire use.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Failing => "failing",
        }
    }

    /// Reads [`EndpointState::as_str`]'s spelling back.
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Active, Self::Failing]
            .into_iter()
            .find(|state| state.as_str() == s)
    }
}

/// A registered endpoint (its secret is not part of it: it is shown once,
/// at registration).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Endpoint {
    /// Its id.
    pub id: EndpointId,
    /// Where deliveries go.
    pub url: WebhookUrl,
    /// What it hears of, sorted.
    pub event_types: Vec<EventType>,
    /// Whether deliveries go out.
    pub state: EndpointState,
    /// When it was registered.
    pub created_at: DateTime<Utc>,
    /// Since when it is failing.
    pub failing_since: Option<DateTime<Utc>>,
}

/// One event: what happened, when, and the audit entry that says so.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// Its id, in the order events were written.
    pub id: EventId,
    /// Its type.
    #[serde(rename = "type")]
    pub event_type: EventType,
    /// When the write happened (the audit entry's `at`).
    pub timestamp: DateTime<Utc>,
    /// The audit entry.
    pub data: AuditEntry,
}

impl Event {
    /// The event an audit entry is, if it is one.
    pub fn of(id: EventId, entry: &AuditEntry) -> Option<Self> {
        Some(Self {
            id,
            event_type: EventType::of(entry.record.action)?,
            timestamp: entry.at,
            data: entry.clone(),
        })
    }

    /// The message id receivers deduplicate on (`webhook-id`): the same
    /// for every attempt of this event.
    pub fn message_id(&self) -> String {
        format!("evt_{}", self.id)
    }

    /// The JSON body a receiver gets: `{"type", "timestamp", "data"}`.
    pub fn body(&self) -> Result<Vec<u8>> {
        serde_json::to_vec(self).map_err(Error::backend)
    }
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// Not delivered yet; retried when due.
    Pending,
    /// The endpoint answered 2xx.
    Delivered,
    /// Given up after the retry horizon.
    Failed,
}

impl DeliveryState {
    /// The spelling stores and the wire use.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
        }
    }

    /// Reads [`DeliveryState::as_str`]'s spelling back.
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Pending, Self::Delivered, Self::Failed]
            .into_iter()
            .find(|state| state.as_str() == s)
    }
}

/// One event's delivery to one endpoint: the delivery log's line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    /// Its id.
    pub id: DeliveryId,
    /// To where.
    pub endpoint_id: EndpointId,
    /// Which event.
    pub event_id: EventId,
    /// The event's type.
    pub event_type: EventType,
    /// Where it stands.
    pub state: DeliveryState,
    /// Attempts made so far.
    pub attempts: u32,
    /// When the next attempt is due (pending only).
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// When the first attempt was made.
    pub first_attempt_at: Option<DateTime<Utc>>,
    /// When the last attempt was made.
    pub last_attempt_at: Option<DateTime<Utc>>,
    /// The HTTP status of the last attempt, if the endpoint answered.
    pub last_status: Option<u16>,
    /// What went wrong in the last attempt, if it failed.
    pub last_error: Option<String>,
    /// When it was delivered.
    pub delivered_at: Option<DateTime<Utc>>,
}

/// Which deliveries of one endpoint to list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryFilter {
    /// Only deliveries in this state.
    pub state: Option<DeliveryState>,
}

impl Page<Delivery> {
    /// A page of deliveries, newest first, from up to `limit + 1` rows.
    pub fn of_deliveries(rows: Vec<Delivery>, limit: u32) -> Self {
        Self::from_overfetch_by(rows, limit, |d| IdCursor(d.id.0))
    }
}

/// A delivery a worker has claimed, with what it needs to send it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueDelivery {
    /// The delivery.
    pub id: DeliveryId,
    /// The endpoint.
    pub endpoint_id: EndpointId,
    /// Where to send it.
    pub url: WebhookUrl,
    /// What to sign it with.
    pub secret: WebhookSecret,
    /// What to send.
    pub event: Event,
    /// Which attempt this is (1 for the first).
    pub attempt: u32,
    /// When the first attempt was made (now, for the first).
    pub first_attempt_at: DateTime<Utc>,
}

/// How an attempt went, as the worker reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttemptOutcome {
    /// The endpoint answered 2xx.
    Delivered {
        /// Its status.
        status: u16,
    },
    /// It did not; try again at `retry_at`, or give up (`None`: the
    /// delivery fails and its endpoint is marked failing).
    Failed {
        /// The status, if the endpoint answered.
        status: Option<u16>,
        /// What went wrong, for the delivery log (no secrets).
        error: String,
        /// When to try again.
        retry_at: Option<DateTime<Utc>>,
    },
}

/// The longest error kept in the delivery log, in characters.
pub const MAX_DELIVERY_ERROR: usize = 500;

/// What a delivery worker needs from a store.
#[async_trait::async_trait]
pub trait WebhookOutbox: Send + Sync {
    /// Claims up to `limit` due deliveries, at most one per endpoint (each
    /// active endpoint's oldest pending delivery, if its next attempt is
    /// at or before `now`), leasing each until `lease_until`: no other
    /// claim returns it before then. Each claim counts as an attempt.
    async fn claim_due(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<DueDelivery>>;

    /// Records how the attempt of a claimed delivery went at `at`:
    /// delivered; failed, due again at `retry_at`; or failed for good,
    /// which marks its endpoint failing. The error is cut to
    /// [`MAX_DELIVERY_ERROR`] characters.
    async fn record_attempt(
        &self,
        delivery: DeliveryId,
        outcome: &AttemptOutcome,
        at: DateTime<Utc>,
    ) -> Result<()>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_event_type_round_trips_and_some_actions_are_events() {
        for t in EventType::ALL {
            assert_eq!(EventType::parse(t.as_str()), Some(t));
            assert_eq!(serde_json::to_value(t).unwrap(), t.as_str());
        }
        assert_eq!(
            EventType::of(AuditAction::ClockIn),
            Some(EventType::ClockedIn)
        );
        assert_eq!(EventType::of(AuditAction::TokenCreated), None);
        let mapped = AuditAction::ALL
            .into_iter()
            .filter_map(EventType::of)
            .count();
        assert_eq!(mapped, EventType::ALL.len(), "each type has one action");
    }

    #[test]
    fn urls_need_a_scheme_and_a_host_and_no_credentials() {
        assert!(WebhookUrl::new("https://hooks.example.com/attendance").is_ok());
        assert!(WebhookUrl::new("http://127.0.0.1:9000/x").is_ok());
        assert!(WebhookUrl::new("http://[::1]:9000/x").is_ok());
        for bad in [
            "",
            "ftp://x",
            "https://",
            "https://:80/",
            "https://user:pw@example.com/",
            "https://exa mple.com",
            "javascript:alert(1)",
        ] {
            let err = WebhookUrl::new(bad).unwrap_err();
            assert!(
                matches!(err, Error::Validation { field: "url", .. }),
                "{bad}: {err:?}"
            );
        }
        assert!(
            WebhookUrl::new(&format!("https://a.example/{}", "x".repeat(MAX_URL_LEN))).is_err()
        );
    }

    #[test]
    fn secrets_are_whsec_base64_and_never_printed() {
        let secret = WebhookSecret::generate().unwrap();
        assert!(secret.expose().starts_with(SECRET_PREFIX));
        assert_eq!(secret.key().unwrap().len(), 32);
        assert_eq!(WebhookSecret::new(secret.expose()).unwrap(), secret);
        assert_eq!(format!("{secret:?}"), "WebhookSecret(..)");
        for bad in [
            "",
            "whsec_",
            "whsec_!!!!",
            "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "whsec_c2hvcnQ=",
        ] {
            assert!(WebhookSecret::new(bad).is_err(), "{bad}");
        }
        // The Standard Webhooks specification's example secret.
        assert!(WebhookSecret::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").is_ok());
    }
}
