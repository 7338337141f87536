//! The built-in [`Authenticator`]: bearer API tokens
//! (`Authorization: Bearer att_…`, see [`attendance_core::tokens`]).
//!
//! Checking a token costs a hash and a map lookup: what a token resolves to
//! (its principal, with the teams a manager manages) is cached for
//! [`BearerAuthenticator::with_cache_ttl`] (default
//! [`DEFAULT_TOKEN_CACHE_TTL`]), so the store is asked once per token per
//! TTL, not once per request. The price is that a revoked token, an
//! appointment or an employee's removal takes effect within that TTL.
//! An expired token is refused at once: the expiry travels with the cache
//! entry.
//!
//! The cache is moka's, bounded to [`MAX_CACHED`] entries (least recently
//! used go first) with the TTL as its time to live, so memory stays bounded
//! by the tokens used lately. Each entry also carries the tokio instant it
//! was fetched at and is checked against it: the TTL a caller sees follows
//! tokio's clock, which tests pause and advance, while moka's own clock
//! only frees memory.

use std::time::Duration;

use async_trait::async_trait;
use attendance_core::Error;
use attendance_core::access::Principal;
use attendance_core::service::AttendanceService;
use attendance_core::tokens::{TokenHash, TokenService, is_well_formed};
use axum::http::header;
use axum::http::request::Parts;
use chrono::{DateTime, Utc};
use moka::sync::Cache;
use tokio::time::Instant;

use crate::auth::{AuthError, Authenticator};

/// Default of [`BearerAuthenticator::with_cache_ttl`]: 5 seconds.
pub const DEFAULT_TOKEN_CACHE_TTL: Duration = Duration::from_secs(5);

/// Most tokens cached at once; past it, the least recently used go first
/// (the next requests for them look their tokens up again).
const MAX_CACHED: u64 = 10_000;

/// Authenticates `Authorization: Bearer att_…` against a
/// [`TokenService`], resolving the token's identity to a principal with
/// [`AttendanceService::principal`]. Unknown, malformed, expired and
/// revoked tokens, and tokens of employees who no longer exist, are 401;
/// a store that cannot be reached is 503.
pub struct BearerAuthenticator {
    tokens: TokenService,
    attendance: AttendanceService,
    ttl: Duration,
    /// `None` when the TTL is zero: nothing is reused, so nothing is kept.
    cache: Option<Cache<TokenHash, Cached>>,
}

#[derive(Clone)]
struct Cached {
    principal: Principal,
    expires_at: Option<DateTime<Utc>>,
    fetched: Instant,
}

impl std::fmt::Debug for BearerAuthenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The cache is keyed by hashes of live secrets: not for logs.
        f.debug_struct("BearerAuthenticator")
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

impl BearerAuthenticator {
    /// Tokens from `tokens`, principals from `attendance`, cached for
    /// [`DEFAULT_TOKEN_CACHE_TTL`].
    pub fn new(tokens: TokenService, attendance: AttendanceService) -> Self {
        Self {
            tokens,
            attendance,
            ttl: DEFAULT_TOKEN_CACHE_TTL,
            cache: cache(DEFAULT_TOKEN_CACHE_TTL),
        }
    }

    /// How long what a token resolved to is reused before the store is
    /// asked again: the longest a revoked token keeps working.
    /// `Duration::ZERO` asks on every request.
    pub fn with_cache_ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self.cache = cache(ttl);
        self
    }

    fn cached(&self, hash: &TokenHash, now: DateTime<Utc>) -> Option<Result<Principal, AuthError>> {
        let entry = self.cache.as_ref()?.get(hash)?;
        if entry.fetched.elapsed() >= self.ttl {
            return None;
        }
        Some(if entry.expires_at.is_some_and(|at| now >= at) {
            Err(AuthError::invalid("the token has expired"))
        } else {
            Ok(entry.principal.clone())
        })
    }

    fn remember(&self, hash: TokenHash, entry: Cached) {
        if let Some(cache) = &self.cache {
            cache.insert(hash, entry);
        }
    }
}

/// A cache whose entries live `ttl`, or none for a zero TTL.
fn cache(ttl: Duration) -> Option<Cache<TokenHash, Cached>> {
    (!ttl.is_zero()).then(|| {
        Cache::builder()
            .max_capacity(MAX_CACHED)
            .time_to_live(ttl)
            .build()
    })
}

/// The token of an `Authorization: Bearer …` header.
fn bearer(parts: &Parts) -> Result<&str, AuthError> {
    let mut values = parts.headers.get_all(header::AUTHORIZATION).iter();
    let value = values.next().ok_or(AuthError::Missing)?;
    if values.next().is_some() {
        return Err(AuthError::invalid("more than one Authorization header"));
    }
    let value = value
        .to_str()
        .map_err(|_| AuthError::invalid("the Authorization header is not ASCII"))?;
    let (scheme, token) = value
        .split_once(' ')
        .ok_or(AuthError::invalid("the Authorization header has no scheme"))?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(AuthError::invalid("the Authorization scheme is not Bearer"));
    }
    Ok(token.trim())
}

impl BearerAuthenticator {
    /// The principal of the token `secret`, as for a request bearing it:
    /// the web app's sign-in and session cookie resolve their token here.
    pub(crate) async fn principal_of(&self, secret: &str) -> Result<Principal, AuthError> {
        if !is_well_formed(secret) {
            return Err(AuthError::invalid("not an attendance token"));
        }
        let hash = TokenHash::of(secret);
        let now = self.attendance.now();
        if let Some(cached) = self.cached(&hash, now) {
            return cached;
        }
        let fetched = Instant::now();
        let token = self
            .tokens
            .check(secret)
            .await
            .map_err(AuthError::unavailable)?
            .ok_or(AuthError::invalid("unknown, expired or revoked token"))?;
        let principal = match self.attendance.principal(&token.identity).await {
            // An admin is the token itself, whatever its display name.
            Ok(principal) => principal.with_token(token.id),
            Err(Error::NotFound { .. }) => {
                return Err(AuthError::invalid("the token's employee does not exist"));
            }
            Err(err) => return Err(AuthError::unavailable(err)),
        };
        self.remember(
            hash,
            Cached {
                principal: principal.clone(),
                expires_at: token.expires_at,
                fetched,
            },
        );
        Ok(principal)
    }
}

#[async_trait]
impl Authenticator for BearerAuthenticator {
    async fn authenticate(&self, request: &Parts) -> Result<Principal, AuthError> {
        self.principal_of(bearer(request)?).await
    }
}
