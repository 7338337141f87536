//! The rate limit of the expensive routes (`POST /ask` and the two
//! summaries, which may each call a language model): one limit per
//! principal, shared by those routes, kept by governor's keyed GCRA limiter
//! (a token bucket by another name). Past it, a 429 problem with
//! `Retry-After`.
//!
//! Memory stays bounded by the principals active lately: governor keeps a
//! state per key and never drops one by itself, but a state whose bucket
//! has filled up again is the same as no state, so
//! [`RateLimiter::retain_recent`] drops those (one refill period after they
//! filled up) whenever the map has grown past twice what the last sweep
//! left (see [`Buckets::take`]).
//!
//! The limiter reads tokio's clock ([`TokioClock`]), as the rest of the
//! server does, so a test that pauses and advances time sees the limit
//! refill.

use std::convert::Infallible;
use std::future::Future;
use std::num::NonZeroU32;
use std::ops::Add;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use attendance_core::access::{Actor, Principal};
use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, Reference};
use governor::middleware::NoOpMiddleware;
use governor::nanos::Nanos;
use governor::state::keyed::HashMapStateStore;
use governor::{Quota, RateLimiter};
use tower::{Layer, Service};

use crate::problem::Problem;

/// A principal's burst and refill rate. Default: 10 a minute, in bursts of
/// up to 10.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RateLimit {
    /// Requests a principal may make per minute, on average (at least 1).
    pub per_minute: u32,
    /// Requests a principal may make at once after being idle (at least 1).
    pub burst: u32,
}

impl Default for RateLimit {
    fn default() -> Self {
        Self {
            per_minute: 10,
            burst: 10,
        }
    }
}

impl RateLimit {
    /// `per_minute` requests a minute, in bursts of up to `burst` (each at
    /// least 1).
    pub fn new(per_minute: u32, burst: u32) -> Self {
        Self {
            per_minute: per_minute.max(1),
            burst: burst.max(1),
        }
    }

    fn quota(self) -> Quota {
        let at_least_one = |n: u32| NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN);
        Quota::per_minute(at_least_one(self.per_minute)).allow_burst(at_least_one(self.burst))
    }
}

/// An instant of tokio's clock, as governor reads time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct TokioInstant(tokio::time::Instant);

impl Add<Nanos> for TokioInstant {
    type Output = Self;

    fn add(self, other: Nanos) -> Self {
        Self(self.0 + Duration::from(other))
    }
}

impl Reference for TokioInstant {
    fn duration_since(&self, earlier: Self) -> Nanos {
        Nanos::from(self.0.saturating_duration_since(earlier.0))
    }

    fn saturating_sub(&self, duration: Nanos) -> Self {
        Self(self.0.checked_sub(duration.into()).unwrap_or(self.0))
    }
}

/// tokio's clock for governor: paused and advanced with it in tests.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct TokioClock;

impl Clock for TokioClock {
    type Instant = TokioInstant;

    fn now(&self) -> TokioInstant {
        TokioInstant(tokio::time::Instant::now())
    }
}

type Limiter =
    RateLimiter<Actor, HashMapStateStore<Actor>, TokioClock, NoOpMiddleware<TokioInstant>>;

/// Sweep refilled states when the map reaches this many, or twice what the
/// last sweep left, whichever is more: amortised O(1) per request.
const SWEEP_AT: usize = 1024;

/// The limits of every principal, shared by the limited routes.
#[derive(Debug)]
pub(crate) struct Buckets {
    limiter: Limiter,
    sweep_at: AtomicUsize,
}

impl Buckets {
    pub(crate) fn new(limit: RateLimit) -> Self {
        Self {
            limiter: RateLimiter::new(limit.quota(), HashMapStateStore::default(), TokioClock),
            sweep_at: AtomicUsize::new(SWEEP_AT),
        }
    }

    /// Takes one request of `who`'s allowance, or says how long until one
    /// is there.
    pub(crate) fn take(&self, who: &Actor) -> Result<(), Duration> {
        if self.limiter.len() >= self.sweep_at.load(Ordering::Relaxed) {
            self.limiter.retain_recent();
            let left = self.limiter.len();
            self.sweep_at
                .store((2 * left).max(SWEEP_AT), Ordering::Relaxed);
        }
        self.limiter
            .check_key(who)
            .map_err(|not_until| not_until.wait_time_from(TokioClock.now()))
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.limiter.len()
    }
}

/// The layer on each limited route, inside authentication (it reads the
/// principal that authentication found).
#[derive(Debug, Clone)]
pub(crate) struct LimitLayer {
    buckets: Option<Arc<Buckets>>,
}

impl LimitLayer {
    /// No limit when `limit` is `None`.
    pub(crate) fn new(limit: Option<RateLimit>) -> Self {
        Self {
            buckets: limit.map(|limit| Arc::new(Buckets::new(limit))),
        }
    }
}

impl<S> Layer<S> for LimitLayer {
    type Service = Limit<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Limit {
            inner,
            buckets: self.buckets.clone(),
        }
    }
}

/// The service [`LimitLayer`] makes.
#[derive(Debug, Clone)]
pub(crate) struct Limit<S> {
    inner: S,
    buckets: Option<Arc<Buckets>>,
}

impl<S> Service<Request> for Limit<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        // Authentication ran first; without a principal there is nothing
        // to count, and the handler's `Caller` refuses the request anyway.
        let principal = request.extensions().get::<Principal>();
        if let (Some(buckets), Some(principal)) = (&self.buckets, principal)
            && let Err(wait) = buckets.take(&principal.actor())
        {
            // Whole seconds, rounded up: a client that waits that long is served.
            let seconds = (wait.as_secs_f64().ceil() as u32).max(1);
            let refusal = Problem::rate_limited(seconds).into_response();
            return Box::pin(std::future::ready(Ok(refusal)));
        }
        Box::pin(self.inner.call(request))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn admin(name: &str) -> Actor {
        Actor::Admin {
            name: name.to_owned(),
            token: None,
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_bucket_refills_at_its_rate() {
        let buckets = Buckets::new(RateLimit::new(6, 2));
        let ada = admin("ada");
        assert!(buckets.take(&ada).is_ok());
        assert!(buckets.take(&ada).is_ok());
        let wait = buckets.take(&ada).unwrap_err();
        assert_eq!(
            wait.as_secs_f64().round() as u64,
            10,
            "6 a minute: one per 10 s"
        );
        assert!(
            buckets.take(&admin("bob")).is_ok(),
            "buckets are per principal"
        );
        tokio::time::advance(Duration::from_secs(10)).await;
        assert!(buckets.take(&ada).is_ok());
        assert!(buckets.take(&ada).is_err());
    }

    #[tokio::test(start_paused = true)]
    async fn idle_principals_buckets_are_dropped() {
        let buckets = Buckets::new(RateLimit::new(60, 1));
        for i in 0..SWEEP_AT {
            assert!(buckets.take(&admin(&i.to_string())).is_ok());
        }
        assert_eq!(buckets.len(), SWEEP_AT);
        // One second later every one of those buckets is full again, and
        // governor drops a state one refill period after that.
        tokio::time::advance(Duration::from_secs(2)).await;
        assert!(buckets.take(&admin("new")).is_ok());
        assert_eq!(buckets.len(), 1, "the idle ones were swept");
    }
}
