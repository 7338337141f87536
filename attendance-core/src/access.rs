//! Who may see and change what: principals, their scope, and the
//! permission matrix, written once for every store and adapter.
//!
//! A request acts as a [`Principal`]: an admin, or a [`Member`] (an
//! employee, who may manage teams). Services take the principal through
//! [`AttendanceService::acting_as`](crate::service::AttendanceService::acting_as)
//! and its siblings, and ask this module before they read or write:
//!
//! | action | employee | manager | admin |
//! |---|---|---|---|
//! | clock in/out themself, `at` within the self-service window | yes | yes | n/a |
//! | clock in/out someone else, or `at` older than the window | no | their teams' other members | anyone |
//! | read sessions, trends | own | own + their teams | all |
//! | daily/weekly summaries | no | their teams only | all |
//! | ask questions | over own rows | over their teams' rows | all rows |
//! | record/correct sessions | no | their teams' other members | anyone |
//! | ask for a correction ([`crate::close`]) | own sessions | own sessions | no (corrects directly) |
//! | read correction requests | own | own + their teams' members' | all |
//! | approve/reject a request | no | their teams' members', never their own | all |
//! | lock and reopen periods; register webhooks | no | no | yes |
//! | export timesheets | own | own + their teams | all, and the company's |
//! | create teams and employees, change employees (`PATCH`), appoint and dismiss managers | no | no | yes |
//! | read the audit trail | entries about themself | entries about their teams' members that name no other team | all |
//! | read work patterns and holiday calendars | yes | yes | yes |
//! | read a team's pattern assignments and break rule | own team | own + their teams | all |
//! | read ledgers ([`crate::worktime`]) | own | own + their teams and members | all, and the company's |
//! | read absences | own | own + their teams' members | all |
//! | record/remove absences | no | their teams' other members | anyone |
//! | create and assign work patterns, holidays, break rules | no | no | yes |
//!
//! Nobody approves their own work: a manager is an employee of their own
//! team, and for their own records (sessions, absences, requests) they are
//! one like any other: they clock themself within the window and ask for
//! the rest. Admins are not employees and stay unrestricted.
//!
//! Out-of-scope reads answer [`Error::NotFound`] exactly as a missing id
//! would, so a caller cannot learn what exists outside its scope;
//! out-of-scope writes answer [`Error::Forbidden`] whether or not the
//! target exists, for the same reason: the same status and words, and the
//! same kind of work (no store lookup that only an existing id costs).
//!
//! An admin is identified by the token it authenticated with
//! ([`Principal::with_token`]), whatever the token's display name: its
//! idempotency keys, rate limit and audit entries are that token's own,
//! so two admin tokens named alike never share them.

use std::fmt;

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{Employee, EmployeeId, TeamId};
use crate::error::{Entity, Error, Result};
use crate::tokens::TokenId;

/// How far back a member may clock themself in or out without a manager:
/// 48 hours (see [`ServiceConfig::self_service_window`](crate::service::ServiceConfig::self_service_window)).
pub const DEFAULT_SELF_SERVICE_WINDOW: TimeDelta = TimeDelta::hours(48);

/// The admin name of the host itself ([`Principal::system`]), which the
/// audit trail records as [`Actor::System`]; tokens may not take it.
pub const SYSTEM_NAME: &str = "system";

/// Who a credential names, before the store says what they may do: what an
/// authenticator finds (a token is bound to one) and
/// [`AttendanceService::principal`](crate::service::AttendanceService::principal)
/// resolves into a [`Principal`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Identity {
    /// An administrator, named for the audit trail (for example
    /// `"token 7"`); not an employee.
    Admin {
        /// How the audit trail names this admin.
        name: String,
    },
    /// An employee; what they manage is read from the store.
    Employee {
        /// The employee.
        id: EmployeeId,
    },
}

/// Who did something, as the audit trail records it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Actor {
    /// The host application itself: scheduled jobs (closing forgotten
    /// sessions), imports, and calls made without a principal.
    System,
    /// An administrator, by name and, when a token authenticated them,
    /// that token (which tells apart admins named alike).
    Admin {
        /// How the admin is named (for example `"ops"`).
        name: String,
        /// The token they authenticated with, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        token: Option<TokenId>,
    },
    /// An employee (a manager included).
    Employee {
        /// The employee.
        id: EmployeeId,
    },
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::System => f.write_str("system"),
            Self::Admin { name, token: None } => write!(f, "admin {name}"),
            Self::Admin {
                name,
                token: Some(token),
            } => write!(f, "admin {name} (token {token})"),
            Self::Employee { id } => write!(f, "employee {id}"),
        }
    }
}

/// An employee acting for themself, and the teams they manage.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Member {
    /// The employee.
    pub employee: EmployeeId,
    /// Their own team.
    pub team: TeamId,
    /// The teams they manage, ascending and without repeats: their own team
    /// if they were created as a manager, and any team an admin appointed
    /// them to. Empty for an employee who manages nobody.
    pub manages: Vec<TeamId>,
}

impl Member {
    /// A member managing `manages` (sorted and deduplicated here).
    pub fn new(employee: EmployeeId, team: TeamId, mut manages: Vec<TeamId>) -> Self {
        manages.sort_unstable();
        manages.dedup();
        Self {
            employee,
            team,
            manages,
        }
    }

    /// Whether they manage `team`.
    pub fn manages(&self, team: TeamId) -> bool {
        self.manages.binary_search(&team).is_ok()
    }

    /// Whether they manage any team.
    pub fn is_manager(&self) -> bool {
        !self.manages.is_empty()
    }
}

/// Who a request acts as.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Principal {
    /// Sees and changes everything.
    Admin {
        /// How the audit trail names them.
        name: String,
        /// The token they authenticated with, if any: part of who they
        /// are (see [`Principal::with_token`]).
        token: Option<TokenId>,
    },
    /// An employee, possibly a manager.
    Member(Member),
}

impl Principal {
    /// The host itself: an admin named `"system"`, for jobs and tools that
    /// act on no one's behalf.
    pub fn system() -> Self {
        Self::admin(SYSTEM_NAME)
    }

    /// An admin named `name`, authenticated by no token (a host's own
    /// tool, or development without authentication).
    pub fn admin(name: impl Into<String>) -> Self {
        Self::Admin {
            name: name.into(),
            token: None,
        }
    }

    /// The same principal, authenticated by `token`: an admin's identity
    /// then includes the token, so its idempotency scope, rate limit and
    /// audit entries are the token's own whatever its display name. A
    /// member is who they are whatever token they use.
    pub fn with_token(self, token: TokenId) -> Self {
        match self {
            Self::Admin { name, .. } => Self::Admin {
                name,
                token: Some(token),
            },
            member @ Self::Member(_) => member,
        }
    }

    /// How the audit trail names this principal.
    pub fn actor(&self) -> Actor {
        match self {
            Self::Admin { name, token: None } if name == SYSTEM_NAME => Actor::System,
            Self::Admin { name, token } => Actor::Admin {
                name: name.clone(),
                token: *token,
            },
            Self::Member(member) => Actor::Employee {
                id: member.employee,
            },
        }
    }

    /// The rows this principal may read.
    pub fn scope(&self) -> Scope {
        match self {
            Self::Admin { .. } => Scope::All,
            Self::Member(member) => Scope::Member {
                employee: member.employee,
                teams: member.manages.clone(),
            },
        }
    }

    /// The member, if this is one.
    pub fn member(&self) -> Option<&Member> {
        match self {
            Self::Admin { .. } => None,
            Self::Member(member) => Some(member),
        }
    }

    /// Whether this is an admin.
    pub fn is_admin(&self) -> bool {
        matches!(self, Self::Admin { .. })
    }

    /// Whether `employee`'s records are in scope: an admin's always, a
    /// member's own, and a manager's teams' members'.
    pub fn sees(&self, employee: &Employee) -> bool {
        self.scope().admits(employee.id, employee.team_id)
    }

    /// Whether `team` (its record, trends and members) is in scope: an
    /// admin's always, a manager's own teams, and a member's own team's
    /// record (not its trends: see [`Principal::sees_team_figures`]).
    pub fn sees_team(&self, team: TeamId) -> bool {
        match self {
            Self::Admin { .. } => true,
            Self::Member(member) => member.team == team || member.manages(team),
        }
    }

    /// Whether `team`'s trends and summaries are in scope: an admin's and
    /// its managers'.
    pub fn sees_team_figures(&self, team: TeamId) -> bool {
        match self {
            Self::Admin { .. } => true,
            Self::Member(member) => member.manages(team),
        }
    }

    /// An [`Error::NotFound`] for `id` unless `employee` is in scope: reads
    /// reveal nothing outside it.
    pub fn check_sees(&self, employee: &Employee) -> Result<()> {
        if self.sees(employee) {
            Ok(())
        } else {
            Err(Error::not_found(Entity::Employee, employee.id))
        }
    }

    /// May this principal clock `target` in or out at `at` (now being
    /// `now`)? Themself within `window`, their teams' members and anyone
    /// for an admin; else [`Error::Forbidden`].
    pub fn check_clock(
        &self,
        target: &Employee,
        at: DateTime<Utc>,
        now: DateTime<Utc>,
        window: TimeDelta,
    ) -> Result<()> {
        let Self::Member(member) = self else {
            return Ok(());
        };
        if member.manages(target.team_id) && member.employee != target.id {
            return Ok(());
        }
        if member.employee != target.id {
            return Err(clock_refusal());
        }
        if at < now - window {
            return Err(Error::forbidden(
                "clock in or out",
                format!(
                    "an instant more than {} hours back needs a manager or an admin",
                    window.num_hours()
                ),
            ));
        }
        Ok(())
    }

    /// May this principal record or correct `target`'s sessions and
    /// absences? Their teams' managers (for the other members) and admins
    /// may; nobody may for themself.
    pub fn check_manages(&self, target: &Employee, action: &'static str) -> Result<()> {
        match self {
            Self::Admin { .. } => Ok(()),
            Self::Member(member) if member.employee == target.id => Err(own_refusal(action)),
            Self::Member(member) if member.manages(target.team_id) => Ok(()),
            Self::Member(_) => Err(manage_refusal(action)),
        }
    }

    /// May this principal create teams and employees and appoint managers?
    /// Admins only.
    pub fn check_admin(&self, action: &'static str) -> Result<()> {
        if self.is_admin() {
            Ok(())
        } else {
            Err(Error::forbidden(action, "only an admin may"))
        }
    }

    /// The teams a summary may cover: `Ok(None)` for every team (an
    /// admin's company summary), else the listed ones. A summary of one
    /// team out of scope is not found; employees who manage nobody may not
    /// read summaries at all.
    pub fn summary_teams(&self, team: Option<TeamId>) -> Result<Option<Vec<TeamId>>> {
        match (self, team) {
            (Self::Admin { .. }, None) => Ok(None),
            (Self::Admin { .. }, Some(team)) => Ok(Some(vec![team])),
            (Self::Member(member), _) if !member.is_manager() => Err(Error::forbidden(
                "read summaries",
                "only managers and admins may",
            )),
            (Self::Member(member), Some(team)) if member.manages(team) => Ok(Some(vec![team])),
            (Self::Member(_), Some(team)) => Err(Error::not_found(Entity::Team, team)),
            (Self::Member(member), None) => Ok(Some(member.manages.clone())),
        }
    }
}

/// The refusal of a clock-in or clock-out for someone else: the same
/// whether that someone exists or not.
pub(crate) fn clock_refusal() -> Error {
    Error::forbidden(
        "clock in or out",
        "only the employee themself, their team's manager or an admin may",
    )
}

/// The refusal of `action` on one's own records: nobody approves their own
/// work.
pub(crate) fn own_refusal(action: &'static str) -> Error {
    Error::forbidden(
        action,
        "nobody may for themself: ask for a correction, which another manager or an admin decides",
    )
}

/// The refusal of `action` on someone's records: the same whether they
/// exist or not.
pub(crate) fn manage_refusal(action: &'static str) -> Error {
    Error::forbidden(action, "only the employee's manager or an admin may")
}

/// The rows a principal may read: every row, or a member's own and those
/// of the teams they manage. Stores apply it to listings and the Q&A
/// runner has PostgreSQL apply it to the model's query.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub enum Scope {
    /// Every row.
    #[default]
    All,
    /// `employee`'s own rows and those of the members of `teams`.
    Member {
        /// The member.
        employee: EmployeeId,
        /// The teams they manage, ascending.
        teams: Vec<TeamId>,
    },
}

impl Scope {
    /// Whether a row of `employee`, a member of `team`, is in scope.
    pub fn admits(&self, employee: EmployeeId, team: TeamId) -> bool {
        match self {
            Self::All => true,
            Self::Member {
                employee: own,
                teams,
            } => *own == employee || teams.binary_search(&team).is_ok(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn employee(id: i64, team: i64) -> Employee {
        Employee {
            id: EmployeeId(id),
            name: format!("E{id}"),
            role: "Engineer".to_owned(),
            team_id: TeamId(team),
            is_manager: false,
        }
    }

    fn member(id: i64, team: i64, manages: &[i64]) -> Principal {
        Principal::Member(Member::new(
            EmployeeId(id),
            TeamId(team),
            manages.iter().copied().map(TeamId).collect(),
        ))
    }

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap_or_default()
    }

    #[test]
    fn an_employee_clocks_only_themself_within_the_window() {
        let me = member(1, 10, &[]);
        let window = DEFAULT_SELF_SERVICE_WINDOW;
        assert!(
            me.check_clock(&employee(1, 10), now(), now(), window)
                .is_ok()
        );
        let recent = now() - TimeDelta::hours(47);
        assert!(
            me.check_clock(&employee(1, 10), recent, now(), window)
                .is_ok()
        );
        let old = now() - TimeDelta::hours(49);
        let err = me.check_clock(&employee(1, 10), old, now(), window);
        assert!(matches!(err, Err(Error::Forbidden { .. })), "{err:?}");
        let other = me.check_clock(&employee(2, 10), now(), now(), window);
        assert!(matches!(other, Err(Error::Forbidden { .. })), "{other:?}");
    }

    #[test]
    fn a_manager_clocks_their_teams_members_at_any_instant() {
        let boss = member(1, 10, &[10, 20]);
        let old = now() - TimeDelta::days(30);
        let window = DEFAULT_SELF_SERVICE_WINDOW;
        assert!(
            boss.check_clock(&employee(2, 20), old, now(), window)
                .is_ok()
        );
        let own = boss.check_clock(&employee(1, 10), old, now(), window);
        assert!(
            matches!(own, Err(Error::Forbidden { .. })),
            "a manager clocks themself within the window only: {own:?}"
        );
        assert!(
            boss.check_clock(&employee(1, 10), now(), now(), window)
                .is_ok()
        );
        let outside = boss.check_clock(&employee(3, 30), now(), now(), window);
        assert!(matches!(outside, Err(Error::Forbidden { .. })));
        assert!(
            Principal::system()
                .check_clock(&employee(3, 30), old, now(), window)
                .is_ok()
        );
    }

    #[test]
    fn scope_admits_own_rows_and_managed_teams() {
        let boss = member(1, 10, &[20]);
        assert!(boss.sees(&employee(1, 10)));
        assert!(boss.sees(&employee(2, 20)));
        assert!(!boss.sees(&employee(3, 10)), "own team is not managed");
        assert!(boss.sees_team(TeamId(10)), "own team's record");
        assert!(!boss.sees_team_figures(TeamId(10)));
        assert!(boss.sees_team_figures(TeamId(20)));
        assert!(matches!(
            boss.check_sees(&employee(3, 30)),
            Err(Error::NotFound { .. })
        ));
    }

    #[test]
    fn summaries_are_for_managers_and_admins() {
        let plain = member(1, 10, &[]);
        assert!(matches!(
            plain.summary_teams(Some(TeamId(10))),
            Err(Error::Forbidden { .. })
        ));
        let boss = member(1, 10, &[10, 20]);
        assert_eq!(
            boss.summary_teams(None).ok(),
            Some(Some(vec![TeamId(10), TeamId(20)]))
        );
        assert!(matches!(
            boss.summary_teams(Some(TeamId(30))),
            Err(Error::NotFound { .. })
        ));
        assert_eq!(Principal::system().summary_teams(None).ok(), Some(None));
    }

    #[test]
    fn nobody_records_or_corrects_their_own_sessions() {
        let boss = member(1, 10, &[10]);
        let own = boss.check_manages(&employee(1, 10), "correct a session");
        assert!(matches!(own, Err(Error::Forbidden { .. })), "{own:?}");
        assert!(
            boss.check_manages(&employee(2, 10), "correct a session")
                .is_ok()
        );
        assert!(
            Principal::system()
                .check_manages(&employee(1, 10), "correct a session")
                .is_ok()
        );
    }

    #[test]
    fn only_admins_administer() {
        assert!(Principal::system().check_admin("create a team").is_ok());
        let boss = member(1, 10, &[10]);
        assert!(matches!(
            boss.check_admin("create a team"),
            Err(Error::Forbidden { .. })
        ));
        assert_eq!(Principal::system().actor(), Actor::System);
        assert_eq!(boss.actor(), Actor::Employee { id: EmployeeId(1) });
    }
}
