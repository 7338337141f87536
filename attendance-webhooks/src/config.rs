//! The worker's settings: a typed builder whose defaults read no
//! environment.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};

use crate::policy::AddressPolicy;

/// Settings of a [`Deliverer`](crate::Deliverer).
///
/// | setting | default |
/// |---|---|
/// | connect timeout | 10 s |
/// | request timeout (connecting until the response body is read) | 15 s |
/// | response body read, at most (the rest is dropped unread) | 64 KiB |
/// | retry horizon (a delivery is retried until this long after its first attempt) | 24 h |
/// | backoff base / cap (delay before attempt *n*+1: uniform in 0..=min(cap, base × 2^(n−1)), "full jitter") | 5 s / 1 h |
/// | poll interval (how often an idle worker asks the outbox) | 1 s |
/// | lease (how long a claimed delivery is the worker's; more than the request timeout) | 60 s |
/// | claim batch (deliveries in flight at once, one per endpoint) | 32 |
/// | address policy | [`AddressPolicy::default`]: public addresses only |
///
/// [`DeliveryConfig::default`] and [`DeliveryConfig::new`] read no
/// environment variable; a host decides what its operators may set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryConfig {
    connect_timeout: Duration,
    request_timeout: Duration,
    max_response_bytes: usize,
    retry_horizon: Duration,
    backoff_base: Duration,
    backoff_cap: Duration,
    poll_interval: Duration,
    lease: Duration,
    batch: u32,
    policy: AddressPolicy,
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(15),
            max_response_bytes: 64 * 1024,
            retry_horizon: Duration::from_secs(24 * 60 * 60),
            backoff_base: Duration::from_secs(5),
            backoff_cap: Duration::from_secs(60 * 60),
            poll_interval: Duration::from_secs(1),
            lease: Duration::from_secs(60),
            batch: 32,
            policy: AddressPolicy::default(),
        }
    }
}

impl DeliveryConfig {
    /// The defaults (see the table above).
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the TCP (and TLS) connect timeout.
    pub fn with_connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Sets the time one attempt may take, from connecting until the
    /// response body is read; an endpoint that takes longer has failed.
    pub fn with_request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// Sets how much of a response body is read (and, on failure, partly
    /// kept in the delivery log); the rest is dropped with the connection.
    pub fn with_max_response_bytes(mut self, bytes: usize) -> Self {
        self.max_response_bytes = bytes;
        self
    }

    /// Sets how long after its first attempt a failing delivery is still
    /// retried; the attempt after that gives it up and marks its endpoint
    /// failing.
    pub fn with_retry_horizon(mut self, horizon: Duration) -> Self {
        self.retry_horizon = horizon;
        self
    }

    /// Sets the backoff's base (the bound of the first retry's delay) and
    /// cap (the bound of every delay).
    pub fn with_backoff(mut self, base: Duration, cap: Duration) -> Self {
        self.backoff_base = base;
        self.backoff_cap = cap;
        self
    }

    /// Sets how often an idle worker asks the outbox for due deliveries.
    pub fn with_poll_interval(mut self, interval: Duration) -> Self {
        self.poll_interval = interval;
        self
    }

    /// Sets how long a claimed delivery stays the worker's: a worker that
    /// dies mid-delivery leaves it to another once the lease ends. Must be
    /// longer than the request timeout ([`Deliverer::new`](crate::Deliverer::new)
    /// checks).
    pub fn with_lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
    }

    /// Sets how many deliveries are claimed, and in flight, at once (at
    /// most one per endpoint, so also how many endpoints are served side
    /// by side). At least 1.
    pub fn with_batch(mut self, batch: u32) -> Self {
        self.batch = batch.max(1);
        self
    }

    /// Sets where deliveries may go.
    pub fn with_address_policy(mut self, policy: AddressPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// The connect timeout.
    pub fn connect_timeout(&self) -> Duration {
        self.connect_timeout
    }

    /// The request timeout.
    pub fn request_timeout(&self) -> Duration {
        self.request_timeout
    }

    /// The most response bytes read.
    pub fn max_response_bytes(&self) -> usize {
        self.max_response_bytes
    }

    /// The retry horizon.
    pub fn retry_horizon(&self) -> Duration {
        self.retry_horizon
    }

    /// The backoff's base.
    pub fn backoff_base(&self) -> Duration {
        self.backoff_base
    }

    /// The backoff's cap.
    pub fn backoff_cap(&self) -> Duration {
        self.backoff_cap
    }

    /// The poll interval.
    pub fn poll_interval(&self) -> Duration {
        self.poll_interval
    }

    /// The lease.
    pub fn lease(&self) -> Duration {
        self.lease
    }

    /// The claim batch.
    pub fn batch(&self) -> u32 {
        self.batch
    }

    /// The address policy.
    pub fn address_policy(&self) -> AddressPolicy {
        self.policy
    }

    /// The bound of the delay after failed attempt `attempt` (1 for the
    /// first): `base × 2^(attempt−1)`, at most the cap.
    pub fn backoff_bound(&self, attempt: u32) -> Duration {
        let doublings = attempt.saturating_sub(1).min(31);
        self.backoff_base
            .saturating_mul(1u32 << doublings)
            .min(self.backoff_cap)
    }

    /// When to try again after failed attempt `attempt`, finished at
    /// `now`, of a delivery first attempted at `first_attempt_at`: a delay
    /// drawn uniformly up to [`backoff_bound`](Self::backoff_bound) (full
    /// jitter, so that retries of many deliveries spread out), or `None`
    /// once the retry horizon has passed: give up.
    pub fn retry_at(
        &self,
        attempt: u32,
        first_attempt_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        let horizon = TimeDelta::from_std(self.retry_horizon).unwrap_or(TimeDelta::MAX);
        if now.signed_duration_since(first_attempt_at) >= horizon {
            return None;
        }
        let bound = u64::try_from(self.backoff_bound(attempt).as_millis()).unwrap_or(u64::MAX);
        let delay =
            TimeDelta::milliseconds(i64::try_from(fastrand::u64(0..=bound)).unwrap_or(i64::MAX));
        Some(now.checked_add_signed(delay).unwrap_or(now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_that_contradict_each_other_are_refused() {
        use crate::{Deliverer, Error};
        let outbox = std::sync::Arc::new(attendance_core::memory::InMemoryStore::new());
        let lease_too_short = DeliveryConfig::new()
            .with_request_timeout(Duration::from_secs(30))
            .with_lease(Duration::from_secs(30));
        let spinning = DeliveryConfig::new().with_poll_interval(Duration::ZERO);
        for config in [lease_too_short, spinning] {
            let err = Deliverer::new(outbox.clone(), config).unwrap_err();
            assert!(matches!(err, Error::Config(_)), "{err:?}");
        }
        assert!(Deliverer::new(outbox, DeliveryConfig::default()).is_ok());
    }

    #[test]
    fn the_bound_doubles_up_to_the_cap() {
        let config =
            DeliveryConfig::new().with_backoff(Duration::from_secs(5), Duration::from_secs(60));
        let bounds: Vec<u64> = (1..=6).map(|n| config.backoff_bound(n).as_secs()).collect();
        assert_eq!(bounds, [5, 10, 20, 40, 60, 60]);
        assert_eq!(config.backoff_bound(0).as_secs(), 5);
        assert_eq!(config.backoff_bound(u32::MAX).as_secs(), 60);
    }

    #[test]
    fn retries_are_jittered_within_the_bound_until_the_horizon() {
        let config = DeliveryConfig::new()
            .with_backoff(Duration::from_secs(5), Duration::from_secs(3600))
            .with_retry_horizon(Duration::from_secs(24 * 3600));
        let first = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let now = first + TimeDelta::minutes(10);
        let delays: Vec<TimeDelta> = (0..200)
            .map(|_| config.retry_at(3, first, now).unwrap() - now)
            .collect();
        assert!(
            delays
                .iter()
                .all(|d| *d >= TimeDelta::zero() && *d <= TimeDelta::seconds(20))
        );
        let distinct: std::collections::BTreeSet<_> = delays.iter().collect();
        assert!(distinct.len() > 100, "full jitter spreads the delays");

        let just_before = first + TimeDelta::hours(24) - TimeDelta::seconds(1);
        assert!(config.retry_at(40, first, just_before).is_some());
        assert_eq!(
            config.retry_at(41, first, first + TimeDelta::hours(24)),
            None
        );
    }
}
