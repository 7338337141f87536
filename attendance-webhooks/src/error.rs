//! The crate's error: a worker that cannot be built, or an outbox that
//! fails. A failed delivery is not an error: it is an
//! [`AttemptOutcome`](attendance_core::webhooks::AttemptOutcome) recorded
//! in the outbox.

/// Why a [`Deliverer`](crate::Deliverer) could not be built or a pass
/// could not finish.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The settings contradict each other.
    #[error("invalid delivery settings: {0}")]
    Config(&'static str),
    /// TLS could not be set up (the platform's certificate verifier
    /// refused to start).
    #[error("could not set up TLS for the webhook client")]
    Tls {
        /// The TLS library's error.
        #[source]
        source: rustls::Error,
    },
    /// The HTTP client could not be built.
    #[error("could not build the webhook client")]
    HttpClient {
        /// The builder's error.
        #[source]
        source: reqwest::Error,
    },
    /// The outbox failed (claiming or recording).
    #[error(transparent)]
    Store(#[from] attendance_core::Error),
}
