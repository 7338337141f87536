//! Bearer API tokens: random secrets bound to an [`Identity`], stored only
//! as their SHA-256.
//!
//! A token's secret is [`TOKEN_PREFIX`] followed by 64 hex digits (256
//! random bits from the operating system), so secret scanners can spot a
//! leaked one by its prefix and guessing one is hopeless. The store keeps
//! the [`TokenHash`] only: a copy of the table grants nothing, and no code
//! path can print a secret that was not just created ([`TokenSecret`]'s
//! `Debug` shows the prefix only).
//!
//! [`TokenService`] owns the rules (validation, expiry, revocation, how
//! often the last-used time is written); a [`TokenStore`] only keeps rows.
//! [`InMemoryTokens`] is the store for tests and embedded use;
//! `attendance_pg::PgTokenStore` the PostgreSQL one.
//!
//! ```
//! use std::sync::Arc;
//! use attendance_core::access::Identity;
//! use attendance_core::tokens::{InMemoryTokens, TokenService};
//!
//! # async fn demo() -> attendance_core::Result<()> {
//! let tokens = TokenService::new(Arc::new(InMemoryTokens::new()));
//! let admin = Identity::Admin { name: "ops".to_owned() };
//! let (info, secret) = tokens.create(&admin, None).await?;
//! let found = tokens.check(secret.expose()).await?;
//! assert_eq!(found.map(|t| t.id), Some(info.id));
//! tokens.revoke(info.id).await?;
//! assert!(tokens.check(secret.expose()).await?.is_none());
//! # Ok(()) }
//! ```

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::access::{Identity, SYSTEM_NAME};
use crate::clock::{Clock, SystemClock};
use crate::domain::validate_text;
use crate::error::{Error, Result};

/// What every secret starts with, so that secret scanners recognise one.
pub const TOKEN_PREFIX: &str = "att_";

/// Random bytes in a secret: 256 bits.
const SECRET_BYTES: usize = 32;

/// Longest name of an admin token's identity (the audit trail's name).
pub const MAX_ADMIN_NAME_CHARS: usize = 100;

/// Default of [`TokenService::with_touch_every`]: the last-used time is
/// written at most once a minute per token.
pub const DEFAULT_TOUCH_EVERY: TimeDelta = TimeDelta::minutes(1);

/// A token's id: what `token list` shows and `token revoke` takes. Not a
/// secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TokenId(pub i64);

impl fmt::Display for TokenId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A token's secret, as given to its holder once. `Debug` and `Display`
/// never show it; [`TokenSecret::expose`] does, for the one place that
/// prints it.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenSecret(String);

impl TokenSecret {
    /// A fresh secret: [`TOKEN_PREFIX`] and 256 random bits in hex.
    /// Fails only when the operating system has no randomness to give.
    pub fn generate() -> Result<Self> {
        let mut bytes = [0u8; SECRET_BYTES];
        getrandom::fill(&mut bytes).map_err(|err| Error::backend(RandomnessUnavailable(err)))?;
        let mut secret = String::with_capacity(TOKEN_PREFIX.len() + 2 * SECRET_BYTES);
        secret.push_str(TOKEN_PREFIX);
        for byte in bytes {
            secret.push(hex_digit(byte >> 4));
            secret.push(hex_digit(byte & 0x0f));
        }
        Ok(Self(secret))
    }

    /// The secret itself. Print it once, to whoever asked for the token.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Its hash, as stored.
    pub fn hash(&self) -> TokenHash {
        TokenHash::of(&self.0)
    }
}

impl fmt::Debug for TokenSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TokenSecret({TOKEN_PREFIX}…)")
    }
}

fn hex_digit(nibble: u8) -> char {
    char::from(if nibble < 10 {
        b'0' + nibble
    } else {
        b'a' + nibble - 10
    })
}

/// The operating system refused randomness.
#[derive(Debug, thiserror::Error)]
#[error("the operating system has no randomness to give: {0}")]
struct RandomnessUnavailable(getrandom::Error);

/// SHA-256 of a secret: the only form in which a store keeps it. A secret
/// has 256 random bits, so a plain hash is enough (no salt or slow hash:
/// nothing to brute-force), and it can be looked up by equality.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TokenHash(pub [u8; 32]);

impl TokenHash {
    /// The hash of `secret`, whatever its shape.
    pub fn of(secret: &str) -> Self {
        Self(Sha256::digest(secret.as_bytes()).into())
    }
}

impl fmt::Debug for TokenHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A hash is not a secret, but it is a lookup key: show a prefix.
        write!(f, "TokenHash({:02x}{:02x}…)", self.0[0], self.0[1])
    }
}

/// Whether `secret` has the shape of a secret this module makes: checked
/// before any lookup, so a malformed credential costs no store call.
pub fn is_well_formed(secret: &str) -> bool {
    secret.len() == TOKEN_PREFIX.len() + 2 * SECRET_BYTES
        && secret.starts_with(TOKEN_PREFIX)
        && secret[TOKEN_PREFIX.len()..]
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// A token as stored, without its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenInfo {
    /// Its id.
    pub id: TokenId,
    /// Whom it names.
    pub identity: Identity,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When it stops working, if ever.
    pub expires_at: Option<DateTime<Utc>>,
    /// When it was last accepted, to within [`TokenService::with_touch_every`].
    pub last_used_at: Option<DateTime<Utc>>,
    /// When it was revoked, if it was.
    pub revoked_at: Option<DateTime<Utc>>,
}

impl TokenInfo {
    /// Whether it is accepted at `now`: not revoked and not expired.
    pub fn is_valid_at(&self, now: DateTime<Utc>) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|expires| now < expires)
    }
}

/// A token to store: its hash, whom it names, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewToken {
    /// The secret's hash.
    pub hash: TokenHash,
    /// Whom it names.
    pub identity: Identity,
    /// When it is made.
    pub created_at: DateTime<Utc>,
    /// When it stops working, if ever (after `created_at`).
    pub expires_at: Option<DateTime<Utc>>,
}

/// Where tokens are kept. Rules live in [`TokenService`]; a store keeps
/// rows and answers by hash. A store that keeps an audit trail appends
/// each creation and each revocation that takes effect to it, as the
/// host's own (`Actor::System`) and atomically with the change: the
/// PostgreSQL store does; [`InMemoryTokens`], for tests and development,
/// keeps no trail.
#[async_trait]
pub trait TokenStore: Send + Sync {
    /// Stores `token`. An employee identity naming no employee is
    /// [`Error::NotFound`] where the store can tell.
    async fn create_token(&self, token: &NewToken) -> Result<TokenInfo>;

    /// The token whose secret hashes to `hash`, revoked and expired ones
    /// included.
    async fn token_by_hash(&self, hash: &TokenHash) -> Result<Option<TokenInfo>>;

    /// Every token, by id.
    async fn tokens(&self) -> Result<Vec<TokenInfo>>;

    /// Marks token `id` revoked at `at` (once: a second revocation keeps the
    /// first instant) and returns it; `None` when there is no such token.
    async fn revoke_token(&self, id: TokenId, at: DateTime<Utc>) -> Result<Option<TokenInfo>>;

    /// Records that token `id` was accepted at `at`.
    async fn touch_token(&self, id: TokenId, at: DateTime<Utc>) -> Result<()>;
}

#[async_trait]
impl<T: TokenStore + ?Sized> TokenStore for Arc<T> {
    async fn create_token(&self, token: &NewToken) -> Result<TokenInfo> {
        (**self).create_token(token).await
    }
    async fn token_by_hash(&self, hash: &TokenHash) -> Result<Option<TokenInfo>> {
        (**self).token_by_hash(hash).await
    }
    async fn tokens(&self) -> Result<Vec<TokenInfo>> {
        (**self).tokens().await
    }
    async fn revoke_token(&self, id: TokenId, at: DateTime<Utc>) -> Result<Option<TokenInfo>> {
        (**self).revoke_token(id, at).await
    }
    async fn touch_token(&self, id: TokenId, at: DateTime<Utc>) -> Result<()> {
        (**self).touch_token(id, at).await
    }
}

/// The token rules over a [`TokenStore`]. Cheap to clone.
#[derive(Clone)]
pub struct TokenService {
    store: Arc<dyn TokenStore>,
    clock: Arc<dyn Clock>,
    touch_every: TimeDelta,
}

impl fmt::Debug for TokenService {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenService")
            .field("clock", &self.clock)
            .field("touch_every", &self.touch_every)
            .finish_non_exhaustive()
    }
}

impl TokenService {
    /// Tokens in `store`, on the system clock.
    pub fn new(store: Arc<dyn TokenStore>) -> Self {
        Self {
            store,
            clock: Arc::new(SystemClock),
            touch_every: DEFAULT_TOUCH_EVERY,
        }
    }

    /// Replaces the clock.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Writes a token's last-used time at most once per `every` (default
    /// [`DEFAULT_TOUCH_EVERY`]), so that accepting a token costs no write
    /// on almost every request.
    pub fn with_touch_every(mut self, every: TimeDelta) -> Self {
        self.touch_every = every;
        self
    }

    /// A new token naming `identity`, valid until `expires_at` (which must
    /// be in the future) or until revoked. Returns it and its secret, which
    /// exists nowhere else: the store keeps only its hash.
    pub async fn create(
        &self,
        identity: &Identity,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<(TokenInfo, TokenSecret)> {
        let identity = match identity {
            Identity::Admin { name } => {
                let name = validate_text("name", name, MAX_ADMIN_NAME_CHARS)?;
                // The audit trail names the host itself "system"
                // (`Principal::actor`); no token may pass for it.
                if name.eq_ignore_ascii_case(SYSTEM_NAME) {
                    return Err(Error::validation(
                        "name",
                        "\"system\" names the host itself in the audit trail; choose another",
                    ));
                }
                Identity::Admin { name }
            }
            Identity::Employee { id } => Identity::Employee { id: *id },
        };
        let now = self.clock.now();
        if expires_at.is_some_and(|at| at <= now) {
            return Err(Error::validation("expires_at", "must be in the future"));
        }
        let secret = TokenSecret::generate()?;
        let info = self
            .store
            .create_token(&NewToken {
                hash: secret.hash(),
                identity,
                created_at: now,
                expires_at,
            })
            .await?;
        Ok((info, secret))
    }

    /// Every token, by id (secrets are not kept, so none is shown).
    pub async fn list(&self) -> Result<Vec<TokenInfo>> {
        self.store.tokens().await
    }

    /// Revokes token `id`: it is refused from now on (by an authenticator
    /// that caches, within its cache's lifetime). Revoking twice is fine.
    pub async fn revoke(&self, id: TokenId) -> Result<TokenInfo> {
        let revoked =
            self.store
                .revoke_token(id, self.clock.now())
                .await?
                .ok_or(Error::NotFound {
                    entity: crate::Entity::Token,
                    id: id.0,
                })?;
        Ok(revoked)
    }

    /// The token `secret` names, if it is one that is accepted now (known,
    /// not revoked, not expired). Records its use when the last record is
    /// older than [`TokenService::with_touch_every`]; a failure to record it
    /// is logged, not returned: it must not lock anyone out.
    pub async fn check(&self, secret: &str) -> Result<Option<TokenInfo>> {
        if !is_well_formed(secret) {
            return Ok(None);
        }
        let Some(mut token) = self.store.token_by_hash(&TokenHash::of(secret)).await? else {
            return Ok(None);
        };
        let now = self.clock.now();
        if !token.is_valid_at(now) {
            return Ok(None);
        }
        if token
            .last_used_at
            .is_none_or(|last| now - last >= self.touch_every)
        {
            match self.store.touch_token(token.id, now).await {
                Ok(()) => token.last_used_at = Some(now),
                Err(err) => tracing::warn!(token = %token.id, error = %err,
                    "could not record a token's use"),
            }
        }
        Ok(Some(token))
    }
}

/// Tokens in memory: for tests and for hosts without a database. It does
/// not check that an employee identity names an employee (it knows none);
/// such a token is refused when it is used, as for a deleted employee.
#[derive(Debug, Default)]
pub struct InMemoryTokens {
    rows: Mutex<Rows>,
}

#[derive(Debug, Default)]
struct Rows {
    next_id: i64,
    by_hash: HashMap<TokenHash, TokenInfo>,
}

impl InMemoryTokens {
    /// No tokens yet.
    pub fn new() -> Self {
        Self::default()
    }

    fn rows(&self) -> std::sync::MutexGuard<'_, Rows> {
        self.rows.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[async_trait]
impl TokenStore for InMemoryTokens {
    async fn create_token(&self, token: &NewToken) -> Result<TokenInfo> {
        let mut rows = self.rows();
        if rows.by_hash.contains_key(&token.hash) {
            return Err(Error::backend(std::io::Error::other(
                "a token with this hash exists",
            )));
        }
        rows.next_id += 1;
        let info = TokenInfo {
            id: TokenId(rows.next_id),
            identity: token.identity.clone(),
            created_at: token.created_at,
            expires_at: token.expires_at,
            last_used_at: None,
            revoked_at: None,
        };
        rows.by_hash.insert(token.hash, info.clone());
        Ok(info)
    }

    async fn token_by_hash(&self, hash: &TokenHash) -> Result<Option<TokenInfo>> {
        Ok(self.rows().by_hash.get(hash).cloned())
    }

    async fn tokens(&self) -> Result<Vec<TokenInfo>> {
        let mut all: Vec<TokenInfo> = self.rows().by_hash.values().cloned().collect();
        all.sort_by_key(|t| t.id);
        Ok(all)
    }

    async fn revoke_token(&self, id: TokenId, at: DateTime<Utc>) -> Result<Option<TokenInfo>> {
        let mut rows = self.rows();
        Ok(rows.by_hash.values_mut().find(|t| t.id == id).map(|t| {
            t.revoked_at.get_or_insert(at);
            t.clone()
        }))
    }

    async fn touch_token(&self, id: TokenId, at: DateTime<Utc>) -> Result<()> {
        if let Some(t) = self.rows().by_hash.values_mut().find(|t| t.id == id) {
            t.last_used_at = Some(at);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::EmployeeId;
    use crate::clock::ManualClock;

    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap_or_default()
    }

    fn service() -> (TokenService, Arc<ManualClock>, Arc<InMemoryTokens>) {
        let clock = Arc::new(ManualClock::new(now()));
        let store = Arc::new(InMemoryTokens::new());
        let tokens = TokenService::new(store.clone()).with_clock(clock.clone());
        (tokens, clock, store)
    }

    #[test]
    fn secrets_are_prefixed_random_and_never_printed() {
        let a = TokenSecret::generate().unwrap();
        let b = TokenSecret::generate().unwrap();
        assert_ne!(a, b);
        assert!(is_well_formed(a.expose()), "{}", a.expose());
        assert_eq!(a.expose().len(), 4 + 64);
        assert!(!format!("{a:?}").contains(&a.expose()[4..]));
        assert_eq!(a.hash(), TokenHash::of(a.expose()));
        assert!(!is_well_formed("att_short"));
        assert!(!is_well_formed(&a.expose().to_uppercase()));
    }

    #[tokio::test]
    async fn only_the_hash_is_stored() {
        let (tokens, _, store) = service();
        let (_, secret) = tokens
            .create(&Identity::Employee { id: EmployeeId(7) }, None)
            .await
            .unwrap();
        let rows = store.rows();
        assert_eq!(rows.by_hash.len(), 1);
        assert!(rows.by_hash.contains_key(&secret.hash()));
        assert!(!format!("{:?}", *rows).contains(&secret.expose()[4..]));
    }

    #[tokio::test]
    async fn expired_and_revoked_tokens_are_refused() {
        let (tokens, clock, _) = service();
        let admin = Identity::Admin {
            name: "ops".to_owned(),
        };
        let (info, secret) = tokens
            .create(&admin, Some(now() + TimeDelta::days(1)))
            .await
            .unwrap();
        assert_eq!(
            tokens.check(secret.expose()).await.unwrap().map(|t| t.id),
            Some(info.id)
        );
        clock.set(now() + TimeDelta::days(1));
        assert!(tokens.check(secret.expose()).await.unwrap().is_none());

        clock.set(now());
        let (other, secret) = tokens.create(&admin, None).await.unwrap();
        tokens.revoke(other.id).await.unwrap();
        assert!(tokens.check(secret.expose()).await.unwrap().is_none());
        assert!(tokens.check("att_nonsense").await.unwrap().is_none());
        let missing = tokens.revoke(TokenId(99)).await;
        assert!(
            matches!(missing, Err(Error::NotFound { .. })),
            "{missing:?}"
        );
    }

    #[tokio::test]
    async fn creation_is_validated() {
        let (tokens, _, _) = service();
        let blank = Identity::Admin {
            name: "  ".to_owned(),
        };
        assert!(matches!(
            tokens.create(&blank, None).await,
            Err(Error::Validation { field: "name", .. })
        ));
        let impostor = Identity::Admin {
            name: " System ".to_owned(),
        };
        assert!(matches!(
            tokens.create(&impostor, None).await,
            Err(Error::Validation { field: "name", .. })
        ));
        let admin = Identity::Admin {
            name: "ops".to_owned(),
        };
        assert!(matches!(
            tokens.create(&admin, Some(now())).await,
            Err(Error::Validation {
                field: "expires_at",
                ..
            })
        ));
    }

    #[tokio::test]
    async fn last_use_is_written_at_most_once_per_interval() {
        let (tokens, clock, store) = service();
        let admin = Identity::Admin {
            name: "ops".to_owned(),
        };
        let (info, secret) = tokens.create(&admin, None).await.unwrap();
        let last_used = || async {
            store
                .tokens()
                .await
                .unwrap()
                .into_iter()
                .find(|t| t.id == info.id)
                .and_then(|t| t.last_used_at)
        };
        tokens.check(secret.expose()).await.unwrap();
        assert_eq!(last_used().await, Some(now()));
        clock.set(now() + TimeDelta::seconds(30));
        tokens.check(secret.expose()).await.unwrap();
        assert_eq!(
            last_used().await,
            Some(now()),
            "not rewritten within a minute"
        );
        clock.set(now() + TimeDelta::seconds(61));
        tokens.check(secret.expose()).await.unwrap();
        assert_eq!(last_used().await, Some(now() + TimeDelta::seconds(61)));
    }
}
