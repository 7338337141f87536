//! A store with a team, employees and a receiver; endpoints registered
//! through the store's write door; events made by the real service.

use std::sync::Arc;
use std::time::Duration;

use attendance_core::audit::Stamp;
use attendance_core::idempotency::{Write, Written};
use attendance_core::service::AttendanceService;
use attendance_core::store::{PageRequest, Store};
use attendance_core::webhooks::{
    Delivery, DeliveryFilter, Endpoint, EndpointId, EventType, NewEndpoint, WebhookSecret,
    WebhookUrl,
};
use attendance_core::{EmployeeId, NewEmployee, NewTeam, WorkMode};
use attendance_webhooks::{AddressPolicy, DeliveryConfig};
use chrono::{DateTime, DurationRound as _, TimeDelta, Utc};

use crate::receiver::{Arrival, Receiver};

pub(crate) struct World {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) service: AttendanceService,
    pub(crate) people: Vec<EmployeeId>,
    pub(crate) receiver: Receiver,
    /// Clock cycles made so far (each makes two events).
    cycles: std::sync::atomic::AtomicI64,
    base: DateTime<Utc>,
}

impl World {
    /// A team of `people` employees (made before any endpoint exists, so
    /// no endpoint hears of them) and a receiver.
    pub(crate) async fn new(store: Arc<dyn Store>, people: usize) -> Self {
        let service = AttendanceService::new(store.clone());
        let team = service
            .create_team(&NewTeam::new("Hooked").unwrap())
            .await
            .unwrap();
        let mut ids = Vec::new();
        for i in 0..people {
            let e = service
                .create_employee(&NewEmployee::new(&format!("E{i}"), "Engineer", team.id).unwrap())
                .await
                .unwrap();
            ids.push(e.id);
        }
        let base = (Utc::now() - TimeDelta::days(20))
            .duration_trunc(TimeDelta::days(1))
            .unwrap();
        Self {
            store,
            service,
            people: ids,
            receiver: Receiver::start().await,
            cycles: std::sync::atomic::AtomicI64::new(0),
            base,
        }
    }

    /// Registers the receiver's endpoint `name` for clock-ins and
    /// clock-outs, and tells the receiver its secret.
    pub(crate) async fn register(&self, name: &str) -> EndpointId {
        let (id, secret) = self.register_url(&self.receiver.url(name)).await;
        self.receiver.expect(name, secret);
        id
    }

    /// Registers an endpoint at `url` for clock-ins and clock-outs.
    pub(crate) async fn register_url(&self, url: &str) -> (EndpointId, WebhookSecret) {
        let new = NewEndpoint::new(
            WebhookUrl::new(url).unwrap(),
            &[EventType::ClockedIn, EventType::ClockedOut],
            WebhookSecret::generate().unwrap(),
        )
        .unwrap();
        let written = self
            .store
            .write(&Stamp::system_now(), &Write::RegisterWebhook(new))
            .await
            .unwrap();
        let Written::WebhookRegistered { endpoint, secret } = written else {
            panic!("registering gave {written:?}");
        };
        (endpoint.id, secret)
    }

    /// `n` clock-in + clock-out cycles through the service, round robin
    /// over the employees, at past instants that never overlap: `2 n`
    /// events.
    pub(crate) async fn clock_cycles(&self, n: usize) {
        for _ in 0..n {
            let i = self
                .cycles
                .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let who = self.people[usize::try_from(i).unwrap() % self.people.len()];
            let at = self.base + TimeDelta::hours(2 * i);
            self.service
                .clock_in(who, WorkMode::Wfo, Some(at))
                .await
                .unwrap();
            self.service
                .clock_out(who, Some(at + TimeDelta::hours(1)))
                .await
                .unwrap();
        }
    }

    /// An endpoint's deliveries, oldest event first.
    pub(crate) async fn deliveries(&self, endpoint: EndpointId) -> Vec<Delivery> {
        let page = PageRequest::new(Some(500), None).unwrap();
        let mut items = self
            .store
            .webhook_deliveries(endpoint, &DeliveryFilter::default(), &page)
            .await
            .unwrap()
            .items;
        items.sort_by_key(|d| d.event_id);
        items
    }

    /// An endpoint as the store has it.
    pub(crate) async fn endpoint(&self, id: EndpointId) -> Endpoint {
        self.store.webhook_endpoint(id).await.unwrap()
    }
}

/// Quick settings for a receiver on this machine.
pub(crate) fn loopback_config() -> DeliveryConfig {
    DeliveryConfig::new()
        .with_address_policy(AddressPolicy::public_only().allow_loopback(true))
        .with_connect_timeout(Duration::from_secs(1))
        .with_request_timeout(Duration::from_secs(2))
        .with_lease(Duration::from_secs(3))
        .with_backoff(Duration::from_millis(20), Duration::from_millis(200))
        .with_poll_interval(Duration::from_millis(50))
        .with_retry_horizon(Duration::from_secs(3600))
}

/// What every delivery run must show at one endpoint: the events arrived
/// in order (a retry repeats the event it retries, never an earlier one),
/// each was answered 2xx, every signature checks out, and the outbox
/// counted exactly as many attempts per event as the receiver saw.
pub(crate) fn assert_delivered_in_order(arrivals: &[Arrival], log: &[Delivery], events: usize) {
    assert_eq!(log.len(), events, "one delivery per event");
    assert!(arrivals.iter().all(|a| a.verified), "{arrivals:#?}");
    let ids: Vec<i64> = arrivals.iter().map(|a| a.event_id).collect();
    assert!(
        ids.windows(2).all(|w| w[0] <= w[1]),
        "in order, retries included: {ids:?}"
    );
    let mut distinct = ids.clone();
    distinct.dedup();
    let logged: Vec<i64> = log.iter().map(|d| d.event_id.0).collect();
    assert_eq!(distinct, logged, "every event arrived, none skipped");
    for delivery in log {
        let arrived: Vec<&Arrival> = arrivals
            .iter()
            .filter(|a| a.event_id == delivery.event_id.0)
            .collect();
        assert_eq!(
            usize::try_from(delivery.attempts).unwrap(),
            arrived.len(),
            "the outbox counts every attempt the receiver saw: {delivery:?}"
        );
        assert!(
            arrived.last().unwrap().answer.is_success(),
            "the last attempt was answered 2xx"
        );
        assert!(
            arrived
                .iter()
                .all(|a| a.msg_id == format!("evt_{}", delivery.event_id)),
            "one message id for every attempt"
        );
        assert_eq!(
            delivery.state,
            attendance_core::webhooks::DeliveryState::Delivered
        );
    }
    let types: Vec<&str> = log.iter().map(|d| d.event_type.as_str()).collect();
    assert!(
        types
            .chunks(2)
            .all(|pair| pair == ["session.clocked_in", "session.clocked_out"]),
        "{types:?}"
    );
}
