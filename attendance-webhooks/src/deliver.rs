//! The worker: claims due deliveries from the outbox, sends them, records
//! how each went.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use attendance_core::clock::{Clock, SystemClock};
use attendance_core::webhooks::{AttemptOutcome, DueDelivery, WebhookOutbox};
use chrono::TimeDelta;
use tokio::task::{JoinError, JoinSet};
use tracing::Instrument as _;

use crate::attempt::{self, Failure};
use crate::config::DeliveryConfig;
use crate::error::Error;
use crate::policy::GuardedResolver;

/// How often, and how far apart, recording an attempt is tried: a record
/// that never lands leaves the delivery to be sent again after its lease.
const RECORD_RETRIES: [Duration; 2] = [Duration::from_millis(100), Duration::from_millis(500)];

/// The longest wait between claims while the outbox keeps failing.
const MAX_ERROR_WAIT: Duration = Duration::from_secs(30);

/// The delivery worker over a [`WebhookOutbox`].
///
/// Cloning is cheap; clones share the HTTP connection pool.
#[derive(Clone)]
pub struct Deliverer {
    outbox: Arc<dyn WebhookOutbox>,
    config: Arc<DeliveryConfig>,
    http: reqwest::Client,
    clock: Arc<dyn Clock>,
}

impl fmt::Debug for Deliverer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Deliverer")
            .field("config", &self.config)
            .field("clock", &self.clock)
            .finish_non_exhaustive()
    }
}

impl Deliverer {
    /// A worker over `outbox` with its own HTTP client: TLS on ring with
    /// the platform's verifier, the configured timeouts, no proxy, no
    /// redirects, and a resolver that keeps only the addresses the
    /// [`AddressPolicy`](crate::AddressPolicy) allows.
    ///
    /// # Errors
    /// [`Error::Config`] when the lease is not longer than the request
    /// timeout (a delivery still in flight could be claimed again) or the
    /// poll interval is zero (an idle worker would spin);
    /// [`Error::Tls`] or [`Error::HttpClient`] when the client cannot be
    /// built.
    pub fn new(outbox: Arc<dyn WebhookOutbox>, config: DeliveryConfig) -> Result<Self, Error> {
        if config.lease() <= config.request_timeout() {
            return Err(Error::Config(
                "the lease must be longer than the request timeout",
            ));
        }
        if config.poll_interval().is_zero() {
            return Err(Error::Config("the poll interval must be longer than zero"));
        }
        if TimeDelta::from_std(config.lease()).is_err() {
            return Err(Error::Config("the lease is too long"));
        }
        let http = client_builder()?
            .connect_timeout(config.connect_timeout())
            .timeout(config.request_timeout())
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .dns_resolver(GuardedResolver {
                policy: config.address_policy(),
            })
            .user_agent(concat!("attendance-webhooks/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|source| Error::HttpClient { source })?;
        Ok(Self {
            outbox,
            config: Arc::new(config),
            http,
            clock: Arc::new(SystemClock),
        })
    }

    /// Reads "now" from `clock` instead of the system clock: for tests
    /// and simulations (the outbox is asked with the same instants).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The settings.
    pub fn config(&self) -> &DeliveryConfig {
        &self.config
    }

    /// One pass: claims up to the batch of due deliveries (at most one
    /// per endpoint), sends them side by side, records each outcome, and
    /// returns how many were attempted.
    ///
    /// # Errors
    /// [`Error::Store`] when the claim fails, or when recording an outcome
    /// still fails after retries (the first such error, once every
    /// delivery of the pass is done; its delivery goes out again when its
    /// lease ends).
    pub async fn run_once(&self) -> Result<usize, Error> {
        let claimed = self.claim(self.config.batch()).await?;
        let attempted = claimed.len();
        let mut in_flight = JoinSet::new();
        for due in claimed {
            in_flight.spawn(self.clone().deliver(due));
        }
        let mut first_error = None;
        while let Some(done) = in_flight.join_next().await {
            if let Err(err) = joined(done) {
                first_error.get_or_insert(err);
            }
        }
        first_error.map_or(Ok(attempted), Err)
    }

    /// Runs until `shutdown` completes, then waits for the deliveries in
    /// flight (at most the request timeout) and returns.
    ///
    /// Up to the batch of deliveries are in flight at once; whenever one
    /// finishes, the outbox is asked again at once (that endpoint's next
    /// delivery may now be due), otherwise every poll interval. An outbox
    /// error is logged and the claim retried, after waits growing from the
    /// poll interval to 30 s while it lasts; nothing here panics or
    /// returns early.
    pub async fn run(self, shutdown: impl Future<Output = ()>) {
        let mut shutdown = std::pin::pin!(shutdown);
        let mut in_flight: JoinSet<Result<(), Error>> = JoinSet::new();
        let batch = usize::try_from(self.config.batch()).unwrap_or(usize::MAX);
        let mut failures = 0u32;
        tracing::info!(config = ?self.config, "webhook delivery started");
        loop {
            let mut wait = self.config.poll_interval();
            let free = batch.saturating_sub(in_flight.len());
            if free > 0 {
                let limit = u32::try_from(free).unwrap_or(u32::MAX);
                match self.claim(limit).await {
                    Ok(claimed) => {
                        failures = 0;
                        for due in claimed {
                            in_flight.spawn(self.clone().deliver(due));
                        }
                    }
                    Err(err) => {
                        failures = failures.saturating_add(1);
                        wait = wait
                            .saturating_mul(1 << failures.min(16))
                            .min(MAX_ERROR_WAIT.max(self.config.poll_interval()));
                        tracing::warn!(
                            error = %chain(&err),
                            retry_in_ms = wait.as_millis(),
                            "webhook outbox: the claim failed"
                        );
                    }
                }
            }
            tokio::select! {
                biased;
                () = &mut shutdown => break,
                Some(done) = in_flight.join_next(), if !in_flight.is_empty() => {
                    // Logged where it happened.
                    let _ = joined(done);
                }
                () = tokio::time::sleep(wait) => {}
            }
        }
        tracing::info!(
            in_flight = in_flight.len(),
            "webhook delivery stopping; finishing the deliveries in flight"
        );
        while let Some(done) = in_flight.join_next().await {
            let _ = joined(done);
        }
        tracing::info!("webhook delivery stopped");
    }

    async fn claim(&self, limit: u32) -> Result<Vec<DueDelivery>, Error> {
        let now = self.clock.now();
        // `new` checked that the lease fits a TimeDelta.
        let lease = TimeDelta::from_std(self.config.lease()).unwrap_or(TimeDelta::MAX);
        let lease_until = now.checked_add_signed(lease).unwrap_or(now);
        Ok(self.outbox.claim_due(now, lease_until, limit).await?)
    }

    /// Sends one claimed delivery and records how it went.
    async fn deliver(self, due: DueDelivery) -> Result<(), Error> {
        let span = tracing::info_span!(
            "webhook_delivery",
            delivery = %due.id,
            endpoint = %due.endpoint_id,
            event = %due.event.id,
            event_type = %due.event.event_type,
            attempt = due.attempt,
        );
        async move {
            let started = self.clock.now();
            let sent = attempt::send(&self.http, &self.config, &due, started).await;
            let finished = self.clock.now();
            let outcome = match sent {
                Ok(status) => {
                    tracing::debug!(status, "delivered");
                    AttemptOutcome::Delivered { status }
                }
                Err(Failure { status, error }) => {
                    let retry_at =
                        self.config
                            .retry_at(due.attempt, due.first_attempt_at, finished);
                    match retry_at {
                        Some(at) => tracing::warn!(?status, %error, retry_at = %at, "delivery failed"),
                        None => tracing::error!(
                            ?status,
                            %error,
                            "delivery failed past the retry horizon: given up, endpoint marked failing"
                        ),
                    }
                    AttemptOutcome::Failed {
                        status,
                        error,
                        retry_at,
                    }
                }
            };
            self.record(&due, &outcome, finished).await
        }
        .instrument(span)
        .await
    }

    async fn record(
        &self,
        due: &DueDelivery,
        outcome: &AttemptOutcome,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), Error> {
        let mut waits = RECORD_RETRIES.iter();
        loop {
            match self.outbox.record_attempt(due.id, outcome, at).await {
                Ok(()) => return Ok(()),
                Err(attendance_core::Error::NotFound { .. }) => {
                    tracing::debug!("the delivery is gone: its endpoint was removed meanwhile");
                    return Ok(());
                }
                Err(err) => match waits.next() {
                    Some(wait) => tokio::time::sleep(*wait).await,
                    None => {
                        tracing::error!(
                            error = %chain(&err),
                            "could not record the attempt; the delivery goes out again when its lease ends"
                        );
                        return Err(err.into());
                    }
                },
            }
        }
    }
}

/// An error and its causes, for a log line an operator can act on.
fn chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut cause = err.source();
    while let Some(e) = cause {
        text.push_str(": ");
        text.push_str(&e.to_string());
        cause = e.source();
    }
    text
}

/// A finished delivery task's result; a task that panicked (none should)
/// is logged and otherwise ignored.
fn joined(done: Result<Result<(), Error>, JoinError>) -> Result<(), Error> {
    match done {
        Ok(result) => result,
        Err(err) => {
            tracing::error!(error = %err, "a delivery task did not finish");
            Ok(())
        }
    }
}

/// A reqwest builder with TLS on ring and the platform's certificate
/// verifier, as the model client builds its own (reqwest comes without a
/// crypto provider of its own in this workspace).
fn client_builder() -> Result<reqwest::ClientBuilder, Error> {
    use rustls_platform_verifier::BuilderVerifierExt as _;

    let tls = |source| Error::Tls { source };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut tls_config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(tls)?
        .with_platform_verifier()
        .map_err(tls)?
        .with_no_client_auth();
    tls_config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(reqwest::Client::builder().tls_backend_preconfigured(tls_config))
}
