//! The rate limit of the expensive routes (`POST /ask` and the two
//! summaries, which may each call a language model): one token bucket per
//! principal, shared by those routes. Past it, a 429 problem with
//! `Retry-After`.
//!
//! Memory stays bounded by the principals active lately: a bucket that has
//! filled up again is the same as no bucket, so buckets of principals idle
//! that long are dropped whenever the map has grown (see
//! [`Buckets::take`]).

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use attendance_core::access::{Actor, Principal};
use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use tokio::time::Instant;
use tower::{Layer, Service};

use crate::problem::Problem;

/// A token bucket's size and refill rate, per principal. Default: 10 a
/// minute, in bursts of up to 10.
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
}

/// Sweep idle buckets when the map reaches this many, or twice what the
/// last sweep left, whichever is more: amortised O(1) per request.
const SWEEP_AT: usize = 1024;

/// The buckets of every principal, shared by the limited routes.
#[derive(Debug)]
pub(crate) struct Buckets {
    limit: RateLimit,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    buckets: HashMap<Actor, Bucket>,
    sweep_at: usize,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl Buckets {
    pub(crate) fn new(limit: RateLimit) -> Self {
        Self {
            limit,
            state: Mutex::new(State {
                buckets: HashMap::new(),
                sweep_at: SWEEP_AT,
            }),
        }
    }

    fn per_second(&self) -> f64 {
        f64::from(self.limit.per_minute.max(1)) / 60.0
    }

    fn refilled(&self, bucket: Bucket, now: Instant) -> f64 {
        let burst = f64::from(self.limit.burst.max(1));
        let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
        (bucket.tokens + elapsed * self.per_second()).min(burst)
    }

    /// Takes one token of `who`'s bucket, or says how long until one is
    /// there.
    pub(crate) fn take(&self, who: &Actor) -> Result<(), Duration> {
        let now = Instant::now();
        let burst = f64::from(self.limit.burst.max(1));
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let bucket = match state.buckets.get(who) {
            Some(bucket) => Bucket {
                tokens: self.refilled(*bucket, now),
                at: now,
            },
            None => {
                if state.buckets.len() >= state.sweep_at {
                    state.buckets.retain(|_, b| self.refilled(*b, now) < burst);
                    state.sweep_at = (2 * state.buckets.len()).max(SWEEP_AT);
                }
                Bucket {
                    tokens: burst,
                    at: now,
                }
            }
        };
        let (result, tokens) = if bucket.tokens >= 1.0 {
            (Ok(()), bucket.tokens - 1.0)
        } else {
            let wait = (1.0 - bucket.tokens) / self.per_second();
            (Err(Duration::from_secs_f64(wait)), bucket.tokens)
        };
        state
            .buckets
            .insert(who.clone(), Bucket { tokens, at: now });
        result
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .buckets
            .len()
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
        // One second later every one of those buckets is full again.
        tokio::time::advance(Duration::from_secs(1)).await;
        assert!(buckets.take(&admin("new")).is_ok());
        assert_eq!(buckets.len(), 1, "the idle ones were swept");
    }
}
