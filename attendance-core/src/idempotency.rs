//! Writes that are safe to retry: a client that lost the answer to a write
//! sends it again with the same [`IdempotencyKey`] and gets the first
//! outcome back instead of a second employee or a 409 for its own clock-in.
//!
//! The rule, written once here and kept by every store:
//! - a key is scoped to its caller: the same key from two callers names two
//!   writes;
//! - the first write with a key is performed, and its outcome is stored with
//!   the key **atomically** (PostgreSQL: in the write's own transaction), so
//!   no crash can leave a write without its key or a key without its write;
//! - the same key with the same request within the window
//!   ([`DEFAULT_IDEMPOTENCY_WINDOW`], 24 hours) replays that outcome without
//!   doing the work again, [`Once::replayed`] saying so;
//! - the same key with a different request is refused (a validation error
//!   on the field [`KEY_FIELD`]): the client has a bug, and guessing which
//!   request it meant would hide it;
//! - a write that fails stores nothing, so its retry is performed afresh;
//! - past the window the key is free again.
//!
//! Requests are compared by a [`Fingerprint`] of what the caller asked for,
//! before defaults are filled in: a clock-in "now" retried a minute later is
//! the same request, and replays the instant of the first.
//!
//! ```
//! use std::sync::Arc;
//! use attendance_core::idempotency::IdempotencyKey;
//! use attendance_core::{memory::InMemoryStore, service::AttendanceService, NewTeam};
//!
//! # async fn demo() -> attendance_core::Result<()> {
//! let service = AttendanceService::new(Arc::new(InMemoryStore::new()));
//! let key = IdempotencyKey::new("caller-1", "7d9f3c1e-create-platform")?;
//! let team = NewTeam::new("Platform")?;
//! let first = service.idempotent(&key).create_team(&team).await?;
//! let retry = service.idempotent(&key).create_team(&team).await?;
//! assert!(!first.replayed && retry.replayed);
//! assert_eq!(first.value, retry.value);
//! # Ok(()) }
//! ```

use std::fmt;

use chrono::{DateTime, NaiveTime, TimeDelta, Utc};
use sha2::{Digest, Sha256};

use crate::domain::{
    AttendanceSession, Employee, EmployeeChanges, EmployeeId, NewEmployee, NewTeam, SessionId,
    Team, TeamId, WorkMode,
};
use crate::error::{Error, Result};
pub use crate::write::{SessionChanges, Write, Written};

/// How long a key keeps its outcome: 24 hours.
pub const DEFAULT_IDEMPOTENCY_WINDOW: TimeDelta = TimeDelta::hours(24);

/// The longest key accepted, in bytes.
pub const MAX_KEY_LEN: usize = 255;

/// The field that idempotency errors name: the HTTP header's name.
pub const KEY_FIELD: &str = "Idempotency-Key";

/// A caller's key for one write: printable ASCII, 1 to [`MAX_KEY_LEN`]
/// bytes (a UUID fits), within a scope that names the caller.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct IdempotencyKey {
    scope: String,
    key: String,
}

impl IdempotencyKey {
    /// The key `key` of the caller `scope` (a principal's id once callers
    /// are authenticated; any stable name of the caller until then). Both
    /// are printable ASCII without spaces, 1 to [`MAX_KEY_LEN`] bytes; the
    /// scope may be empty.
    pub fn new(scope: impl Into<String>, key: &str) -> Result<Self> {
        let scope = scope.into();
        let printable = |s: &str| s.bytes().all(|b| b.is_ascii_graphic());
        if key.is_empty() || key.len() > MAX_KEY_LEN || !printable(key) {
            return Err(Error::validation(
                KEY_FIELD,
                format!("must be 1 to {MAX_KEY_LEN} printable ASCII characters without spaces"),
            ));
        }
        if scope.len() > MAX_KEY_LEN || !printable(&scope) {
            return Err(Error::validation(
                KEY_FIELD,
                format!(
                    "the caller's scope must be at most {MAX_KEY_LEN} printable ASCII characters"
                ),
            ));
        }
        Ok(Self {
            scope,
            key: key.to_owned(),
        })
    }

    /// The caller's scope.
    pub fn scope(&self) -> &str {
        &self.scope
    }

    /// The key within the scope.
    pub fn key(&self) -> &str {
        &self.key
    }
}

impl fmt::Debug for IdempotencyKey {
    // Keys are not secrets, but they are the client's; print their length
    // rather than echo them into logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IdempotencyKey")
            .field("scope", &self.scope)
            .field("key_len", &self.key.len())
            .finish()
    }
}

/// A SHA-256 digest of a request: what it does and every argument as the
/// caller gave it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fingerprint([u8; 32]);

impl Fingerprint {
    /// The digest's bytes, as stores keep them.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// A fingerprint read back from a store; `None` unless 32 bytes.
    pub fn from_slice(bytes: &[u8]) -> Option<Self> {
        bytes.try_into().ok().map(Self)
    }

    /// The fingerprint of operation `op` with the arguments `fields`, each
    /// length-prefixed so no two different requests share an encoding.
    fn of(op: &str, fields: &[&str]) -> Self {
        let mut hash = Sha256::new();
        for part in std::iter::once(op).chain(fields.iter().copied()) {
            hash.update((part.len() as u64).to_be_bytes());
            hash.update(part.as_bytes());
        }
        Self(hash.finalize().into())
    }
}

/// A key's claim on a write, as the service hands it to the store.
#[derive(Debug, Clone)]
pub struct Claim<'a> {
    /// The key.
    pub key: &'a IdempotencyKey,
    /// The request the key is used for.
    pub fingerprint: Fingerprint,
    /// The service's "now", stored as the key's creation time.
    pub now: DateTime<Utc>,
    /// A key stored at or before this instant has expired and may be
    /// claimed again.
    pub expired_at_or_before: DateTime<Utc>,
}

/// What a store found for a [`Claim`].
#[derive(Debug, Clone, PartialEq)]
pub enum Claimed {
    /// The key was free (or expired): the write was performed and stored
    /// with it.
    Performed(Written),
    /// The key holds an earlier write; nothing was done.
    Existing {
        /// The request it was used for.
        fingerprint: Fingerprint,
        /// That request's outcome.
        outcome: Written,
    },
}

/// A value and whether it was replayed from an earlier request with the
/// same key rather than produced now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Once<T> {
    /// The outcome.
    pub value: T,
    /// `true` when this is the stored outcome of an earlier request.
    pub replayed: bool,
}

impl Once<Written> {
    pub(crate) fn into_kind<T>(self, kind: fn(Written) -> Option<T>) -> Result<Once<T>> {
        let replayed = self.replayed;
        match kind(self.value) {
            Some(value) => Ok(Once { value, replayed }),
            // The fingerprint names the operation, so a key can only hold
            // an outcome of the kind its request produces.
            None => Err(Error::backend(
                "an idempotency key holds the outcome of another kind of write",
            )),
        }
    }
}

/// The service's side of the rule: the outcome of a [`Claimed`].
pub(crate) fn settle(claim: &Claim<'_>, claimed: Claimed) -> Result<Once<Written>> {
    match claimed {
        Claimed::Performed(value) => Ok(Once {
            value,
            replayed: false,
        }),
        Claimed::Existing {
            fingerprint,
            outcome,
        } if fingerprint == claim.fingerprint => Ok(Once {
            value: outcome,
            replayed: true,
        }),
        Claimed::Existing { .. } => Err(Error::validation(
            KEY_FIELD,
            "this key was already used for a different request; \
             send a new key for a new request",
        )),
    }
}

/// Requests as the caller made them, fingerprinted before defaults apply.
pub(crate) mod request {
    use super::*;

    fn instant(at: Option<DateTime<Utc>>) -> String {
        at.map(|at| at.to_rfc3339()).unwrap_or_default()
    }

    fn time(t: NaiveTime) -> String {
        t.format("%H:%M:%S%.f").to_string()
    }

    pub(crate) fn create_team(team: &NewTeam) -> Fingerprint {
        Fingerprint::of(
            "create_team",
            &[
                team.name(),
                team.timezone().name(),
                &time(team.late_after()),
            ],
        )
    }

    pub(crate) fn create_employee(employee: &NewEmployee) -> Fingerprint {
        Fingerprint::of(
            "create_employee",
            &[
                employee.name(),
                employee.role(),
                &employee.team_id().0.to_string(),
                if employee.is_manager() { "1" } else { "0" },
            ],
        )
    }

    pub(crate) fn clock_in(
        employee: EmployeeId,
        mode: WorkMode,
        at: Option<DateTime<Utc>>,
    ) -> Fingerprint {
        Fingerprint::of(
            "clock_in",
            &[&employee.0.to_string(), mode.as_str(), &instant(at)],
        )
    }

    pub(crate) fn clock_out(employee: EmployeeId, at: Option<DateTime<Utc>>) -> Fingerprint {
        Fingerprint::of("clock_out", &[&employee.0.to_string(), &instant(at)])
    }

    pub(crate) fn record_session(
        employee: EmployeeId,
        mode: WorkMode,
        clock_in: DateTime<Utc>,
        clock_out: DateTime<Utc>,
        reason: Option<&str>,
    ) -> Fingerprint {
        Fingerprint::of(
            "record_session",
            &[
                &employee.0.to_string(),
                mode.as_str(),
                &instant(Some(clock_in)),
                &instant(Some(clock_out)),
                reason.unwrap_or_default(),
            ],
        )
    }

    pub(crate) fn appoint_manager(team: TeamId, employee: EmployeeId) -> Fingerprint {
        Fingerprint::of(
            "appoint_manager",
            &[&team.0.to_string(), &employee.0.to_string()],
        )
    }

    pub(crate) fn dismiss_manager(team: TeamId, employee: EmployeeId) -> Fingerprint {
        Fingerprint::of(
            "dismiss_manager",
            &[&team.0.to_string(), &employee.0.to_string()],
        )
    }

    pub(crate) fn update_employee(employee: EmployeeId, changes: &EmployeeChanges) -> Fingerprint {
        let flag = |b: Option<bool>| match b {
            None => "",
            Some(true) => "1",
            Some(false) => "0",
        };
        Fingerprint::of(
            "update_employee",
            &[
                &employee.0.to_string(),
                // Absent and given are told apart, so that no name is taken
                // for "leave the name".
                if changes.name().is_some() { "+" } else { "-" },
                changes.name().unwrap_or_default(),
                if changes.role().is_some() { "+" } else { "-" },
                changes.role().unwrap_or_default(),
                &changes
                    .team_id()
                    .map(|t| t.0.to_string())
                    .unwrap_or_default(),
                flag(changes.is_manager()),
            ],
        )
    }

    /// A work-time setting's request (a pattern, an assignment, a holiday,
    /// an absence, a break rule, or an id to remove): its JSON, which
    /// names every field.
    pub(crate) fn work_time(op: &str, value: &impl serde::Serialize) -> Fingerprint {
        let json = serde_json::to_string(value).unwrap_or_default();
        Fingerprint::of(op, &[&json])
    }

    pub(crate) fn correct_session(
        session: SessionId,
        changes: &SessionChanges,
        reason: &str,
    ) -> Fingerprint {
        Fingerprint::of(
            "correct_session",
            &[
                &session.0.to_string(),
                &instant(changes.clock_in),
                &instant(changes.clock_out),
                changes.work_mode.map(WorkMode::as_str).unwrap_or_default(),
                reason,
            ],
        )
    }
}

impl Written {
    /// The team created, if this is one.
    pub fn team(self) -> Option<Team> {
        match self {
            Self::Team(team) => Some(team),
            _ => None,
        }
    }

    /// The employee created, if this is one.
    pub fn employee(self) -> Option<Employee> {
        match self {
            Self::Employee(employee) => Some(employee),
            _ => None,
        }
    }

    /// The session opened, closed, recorded or corrected, if this is one.
    pub fn session(self) -> Option<AttendanceSession> {
        match self {
            Self::Session(session) => Some(session),
            _ => None,
        }
    }

    /// Whether an appointment or dismissal changed anything, if this is one.
    pub fn appointment(self) -> Option<bool> {
        match self {
            Self::Appointment { changed } => Some(changed),
            _ => None,
        }
    }
}

impl Once<Written> {
    pub(crate) fn team(self) -> Result<Once<Team>> {
        self.into_kind(Written::team)
    }

    pub(crate) fn employee(self) -> Result<Once<Employee>> {
        self.into_kind(Written::employee)
    }

    pub(crate) fn session(self) -> Result<Once<AttendanceSession>> {
        self.into_kind(Written::session)
    }

    pub(crate) fn appointment(self) -> Result<Once<bool>> {
        self.into_kind(Written::appointment)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::TeamId;

    #[test]
    fn keys_are_printable_ascii_of_bounded_length() {
        assert!(IdempotencyKey::new("", "a").is_ok());
        assert!(IdempotencyKey::new("u1", &"k".repeat(MAX_KEY_LEN)).is_ok());
        for bad in [
            "",
            " ",
            "a b",
            "ключ",
            "\u{0}",
            &"k".repeat(MAX_KEY_LEN + 1),
        ] {
            let err = IdempotencyKey::new("", bad).unwrap_err();
            assert!(
                matches!(
                    err,
                    Error::Validation {
                        field: KEY_FIELD,
                        ..
                    }
                ),
                "{bad:?}: {err:?}"
            );
        }
        assert!(IdempotencyKey::new("a b", "k").is_err());
    }

    #[test]
    fn debug_does_not_echo_the_key() {
        let key = IdempotencyKey::new("u1", "secret-looking-key").unwrap();
        let shown = format!("{key:?}");
        assert!(!shown.contains("secret-looking-key"), "{shown}");
        assert!(shown.contains("u1"));
    }

    #[test]
    fn fingerprints_tell_requests_apart() {
        let ada = NewEmployee::new("Ada", "Engineer", TeamId(1)).unwrap();
        let same = NewEmployee::new("  Ada ", "Engineer", TeamId(1)).unwrap();
        assert_eq!(
            request::create_employee(&ada),
            request::create_employee(&same)
        );
        let others = [
            NewEmployee::new("Ada", "Engineer", TeamId(2)).unwrap(),
            NewEmployee::new("Ada", "Engineer", TeamId(1))
                .unwrap()
                .manager(true),
            NewEmployee::new("Ada", "Engineers", TeamId(1)).unwrap(),
            // Length prefixes: moving a byte between fields changes the digest.
            NewEmployee::new("AdaE", "ngineer", TeamId(1)).unwrap(),
        ];
        for other in &others {
            assert_ne!(
                request::create_employee(&ada),
                request::create_employee(other)
            );
        }
        let e = EmployeeId(7);
        assert_ne!(
            request::clock_in(e, WorkMode::Wfh, None),
            request::clock_in(e, WorkMode::Wfo, None)
        );
        assert_ne!(
            request::clock_in(e, WorkMode::Wfh, None),
            request::clock_in(e, WorkMode::Wfh, Some(Utc::now()))
        );
        assert_ne!(
            request::clock_out(e, None),
            request::clock_in(e, WorkMode::Wfh, None)
        );
    }

    #[test]
    fn outcomes_round_trip_through_json() {
        let team = Team {
            id: TeamId(3),
            name: "Ops".into(),
            timezone: chrono_tz::Tz::Europe__Berlin,
            late_after: NaiveTime::from_hms_opt(9, 30, 0).unwrap(),
            auto_close_after_hours: None,
        };
        let written = Written::Team(team);
        let json = serde_json::to_value(&written).unwrap();
        assert_eq!(json["kind"], "team");
        assert_eq!(serde_json::from_value::<Written>(json).unwrap(), written);
    }
}
