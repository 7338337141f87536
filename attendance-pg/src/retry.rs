//! Retrying transient database failures with exponential backoff and jitter.

use std::future::Future;
use std::time::Duration;

use backon::{ExponentialBuilder, Retryable};

use crate::error::{is_retryable_read, is_retryable_write};

/// How often and how patiently to retry.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Policy {
    backoff: ExponentialBuilder,
}

impl Policy {
    pub(crate) fn new(max_retries: usize) -> Self {
        Self {
            backoff: ExponentialBuilder::new()
                .with_min_delay(Duration::from_millis(20))
                .with_max_delay(Duration::from_secs(1))
                .with_max_times(max_retries)
                .with_jitter(),
        }
    }

    /// Runs a read, retrying on any transient failure.
    pub(crate) async fn read<T, F, Fut>(&self, op: F) -> Result<T, sqlx::Error>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, sqlx::Error>>,
    {
        op.retry(self.backoff)
            .when(is_retryable_read)
            .notify(|err, delay| tracing::warn!(%err, ?delay, "retrying a read"))
            .await
    }

    /// Runs a write, retrying only when it certainly did not take effect.
    pub(crate) async fn write<T, F, Fut>(&self, op: F) -> Result<T, sqlx::Error>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, sqlx::Error>>,
    {
        op.retry(self.backoff)
            .when(is_retryable_write)
            .notify(|err, delay| tracing::warn!(%err, ?delay, "retrying a write"))
            .await
    }
}
