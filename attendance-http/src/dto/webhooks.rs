//! Webhooks: endpoints, their deliveries, the bodies that register and
//! redeliver, and the deliveries' query.

use attendance_core::webhooks::{self as core, MAX_URL_LEN, SECRET_BYTES, SECRET_PREFIX};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::openapi::schema::ObjectBuilder;
use utoipa::{IntoParams, ToSchema};

use super::shared::{PageSize, described_string};

/// What happened, as other systems subscribe to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
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

impl From<core::EventType> for EventType {
    fn from(t: core::EventType) -> Self {
        match t {
            core::EventType::ClockedIn => Self::ClockedIn,
            core::EventType::ClockedOut => Self::ClockedOut,
            core::EventType::SessionRecorded => Self::SessionRecorded,
            core::EventType::SessionCorrected => Self::SessionCorrected,
            core::EventType::SessionAutoClosed => Self::SessionAutoClosed,
            core::EventType::RequestCreated => Self::RequestCreated,
            core::EventType::RequestApproved => Self::RequestApproved,
            core::EventType::RequestRejected => Self::RequestRejected,
            core::EventType::PeriodLocked => Self::PeriodLocked,
            core::EventType::PeriodReopened => Self::PeriodReopened,
            core::EventType::EmployeeCreated => Self::EmployeeCreated,
            core::EventType::TeamCreated => Self::TeamCreated,
        }
    }
}

/// Whether an endpoint receives deliveries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EndpointState {
    /// Deliveries go out.
    Active,
    /// A delivery was given up; nothing goes out until a redelivery.
    Failing,
}

impl From<core::EndpointState> for EndpointState {
    fn from(s: core::EndpointState) -> Self {
        match s {
            core::EndpointState::Active => Self::Active,
            core::EndpointState::Failing => Self::Failing,
        }
    }
}

/// A registered webhook endpoint. Its signing secret is not part of it:
/// it is shown once, when the endpoint is registered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct WebhookEndpoint {
    /// The endpoint's id.
    pub id: i64,
    /// Where deliveries go.
    #[schema(example = "https://hooks.example.com/attendance")]
    pub url: String,
    /// What it hears of, sorted.
    pub event_types: Vec<EventType>,
    /// Whether deliveries go out.
    pub state: EndpointState,
    /// When it was registered (RFC 3339).
    pub created_at: DateTime<Utc>,
    /// Since when it is failing; `null` while active.
    pub failing_since: Option<DateTime<Utc>>,
}

impl From<core::Endpoint> for WebhookEndpoint {
    fn from(e: core::Endpoint) -> Self {
        let core::Endpoint {
            id,
            url,
            event_types,
            state,
            created_at,
            failing_since,
        } = e;
        Self {
            id: id.0,
            url: url.as_str().to_owned(),
            event_types: event_types.into_iter().map(Into::into).collect(),
            state: state.into(),
            created_at,
            failing_since,
        }
    }
}

/// A new endpoint and its signing secret: the only answer that shows the
/// secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RegisteredWebhook {
    /// The endpoint.
    pub endpoint: WebhookEndpoint,
    /// Its signing secret (`whsec_…`, Standard Webhooks), for the
    /// receiver's configuration. Not shown again.
    #[schema(example = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]
    pub secret: String,
}

impl From<core::RegisteredEndpoint> for RegisteredWebhook {
    fn from(r: core::RegisteredEndpoint) -> Self {
        Self {
            endpoint: r.endpoint.into(),
            secret: r.secret.expose().to_owned(),
        }
    }
}

/// Every endpoint, by id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct WebhookList {
    /// The endpoints.
    pub items: Vec<WebhookEndpoint>,
}

/// Body of `POST /webhooks`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterWebhook {
    /// Where to send events: `https://` or `http://`, a host, no
    /// credentials.
    #[schema(schema_with = url_schema)]
    pub url: String,
    /// The events it hears of: at least one.
    #[schema(value_type = Vec<EventType>)]
    pub event_types: Vec<String>,
    /// The signing secret; absent: one is generated.
    #[schema(schema_with = secret_schema)]
    pub secret: Option<String>,
}

fn url_schema() -> ObjectBuilder {
    described_string(
        format!(
            "Where to send events: `https://` or `http://`, a host, no credentials, at most \
             {MAX_URL_LEN} characters."
        ),
        "https://hooks.example.com/attendance",
        false,
    )
}

fn secret_schema() -> ObjectBuilder {
    described_string(
        format!(
            "The signing secret: `{SECRET_PREFIX}` and the base64 of {} to {} bytes; absent: \
             the server generates one of 32 random bytes.",
            SECRET_BYTES.start(),
            SECRET_BYTES.end()
        ),
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        true,
    )
}

/// Body of `POST /webhooks/{id}/redeliver`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Redeliver {
    /// The delivery to send again (as new); absent: every failed one.
    pub delivery_id: Option<i64>,
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// Not delivered yet; retried when due.
    Pending,
    /// The endpoint answered 2xx.
    Delivered,
    /// Given up after the retry horizon.
    Failed,
}

impl From<core::DeliveryState> for DeliveryState {
    fn from(s: core::DeliveryState) -> Self {
        match s {
            core::DeliveryState::Pending => Self::Pending,
            core::DeliveryState::Delivered => Self::Delivered,
            core::DeliveryState::Failed => Self::Failed,
        }
    }
}

/// One event's delivery to one endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Delivery {
    /// The delivery's id.
    pub id: i64,
    /// To where.
    pub endpoint_id: i64,
    /// Which event (receivers see `evt_{event_id}` as `webhook-id`).
    pub event_id: i64,
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

impl From<core::Delivery> for Delivery {
    fn from(d: core::Delivery) -> Self {
        let core::Delivery {
            id,
            endpoint_id,
            event_id,
            event_type,
            state,
            attempts,
            next_attempt_at,
            first_attempt_at,
            last_attempt_at,
            last_status,
            last_error,
            delivered_at,
        } = d;
        Self {
            id: id.0,
            endpoint_id: endpoint_id.0,
            event_id: event_id.0,
            event_type: event_type.into(),
            state: state.into(),
            attempts,
            next_attempt_at,
            first_attempt_at,
            last_attempt_at,
            last_status,
            last_error,
            delivered_at,
        }
    }
}

/// One page of an endpoint's deliveries, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DeliveryPage {
    /// The deliveries of this page.
    pub items: Vec<Delivery>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// Query of `GET /webhooks/{id}/deliveries`.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct DeliveriesQuery {
    /// Only deliveries in this state.
    #[param(value_type = Option<DeliveryState>)]
    pub(crate) state: Option<String>,
    /// Page size; its bounds and default are in the schema.
    #[param(value_type = Option<PageSize>, inline)]
    pub(crate) limit: Option<String>,
    /// `next_cursor` of the previous page.
    pub(crate) cursor: Option<String>,
}
