//! The SQL guard for question answering: the first layer of the defence in
//! depth between SQL written by a language model and the database.
//!
//! [`SqlGuard::check`] parses the text with the PostgreSQL dialect of
//! `sqlparser` and accepts only a single read-only query over allow-listed
//! relations (the Q&A views of a [`Catalog`], in schema [`SCHEMA`]) that
//! calls only allow-listed functions. Anything else becomes a [`Refusal`]
//! whose message says, in plain words, what was wrong, so it can be shown to
//! a person or sent back to the model for a repair. The accepted statement
//! is re-rendered from the syntax tree, so comments and anything the parser
//! did not understand never reach the database.
//!
//! [`GuardedSql`] can only be made by [`SqlGuard::check`], and it is the only
//! thing a [`SqlRunner`](crate::ask::SqlRunner) accepts: unchecked text has
//! no way to the database. The guard is built from the same [`Catalog`] the
//! model is shown ([`SqlGuard::for_catalog`]), so the relations the model
//! is told about and the relations it may read are one list.
//!
//! The guard is one layer, not the only one: the runner still executes the
//! result in a `READ ONLY` transaction with a `statement_timeout`.
//!
//! The module is split by concern: this file is the API (the guard and the
//! typestate it hands out), `refusal.rs` the reasons, `checker.rs` the walk
//! over the syntax tree, `allow.rs` the lists by name, and `corpus.rs`
//! (feature `testkit`) the hostile and benign statements that its tests and
//! `benches/guard.rs` share.
//!
//! ```
//! use attendance_core::ask::{Catalog, RelationDoc};
//! use attendance_core::guard::{Refusal, SqlGuard};
//!
//! let catalog = Catalog {
//!     relations: vec![RelationDoc {
//!         name: "qa_sessions",
//!         description: "one row per session",
//!         columns: vec![],
//!     }],
//!     examples: vec![],
//! };
//! let guard = SqlGuard::for_catalog(&catalog);
//!
//! let sql = guard.check("select count(*) from qa_sessions; -- how many?")?;
//! assert_eq!(sql.as_str(), "SELECT count(*) FROM qa_sessions");
//!
//! let refused = guard.check("SELECT * FROM pg_catalog.pg_shadow");
//! assert!(matches!(refused, Err(Refusal::Relation { .. })));
//! # Ok::<(), Refusal>(())
//! ```

use std::collections::BTreeSet;
use std::fmt;

use sqlparser::ast::Statement;
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;

use crate::ask::Catalog;

mod allow;
mod checker;
#[cfg(any(test, feature = "testkit"))]
#[cfg_attr(docsrs, doc(cfg(feature = "testkit")))]
pub mod corpus;
mod refusal;
#[cfg(test)]
mod tests;

pub use allow::DEFAULT_FUNCTIONS;
pub use refusal::Refusal;

/// The schema the allow-listed relations live in; the only schema a query
/// may name.
pub const SCHEMA: &str = "attendance";

/// Default maximum length of a statement, in characters.
pub const DEFAULT_MAX_LEN: usize = 4000;

/// Upper bound for [`SqlGuard::with_max_len`]; larger values are lowered to
/// it. It keeps the syntax tree small enough to walk safely.
pub const MAX_LEN_CEILING: usize = 100_000;

/// Stack of the helper thread that parses and walks the statement. The
/// parser recurses (its `recursive-protection` feature is off here) and, in
/// a debug build, a few dozen levels of nesting overflow the 2 MiB stack of a
/// test or Tokio worker thread. The stack is reserved, not committed, so an
/// ordinary query touches little of it.
const WORKER_STACK_BYTES: usize = 32 * 1024 * 1024;

/// The [`Refusal::GuardFailure`] reason when the parser panicked: a bug in
/// `sqlparser`, caught so that one bad statement cannot take down the host.
/// The "never panics" property tests fail on exactly this reason.
const PARSER_PANICKED: &str = "the SQL parser panicked";

/// Checks SQL written by a language model before it runs.
///
/// Built from the Q&A [`Catalog`] with [`SqlGuard::for_catalog`], then tuned
/// with [`with_functions`](SqlGuard::with_functions),
/// [`allow_functions`](SqlGuard::allow_functions) and
/// [`with_max_len`](SqlGuard::with_max_len). Defaults: the functions in
/// [`DEFAULT_FUNCTIONS`] and a length limit of [`DEFAULT_MAX_LEN`]
/// characters.
///
/// There is deliberately no constructor from bare relation names: the
/// relations a query may read are the ones the model is shown, so a second
/// list could not drift from the first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlGuard {
    relations: BTreeSet<String>,
    functions: BTreeSet<String>,
    max_len: usize,
}

impl SqlGuard {
    /// A guard that allows reading the relations of `catalog` (in schema
    /// [`SCHEMA`]) and nothing else.
    ///
    /// Names are matched as PostgreSQL matches them (unquoted names fold
    /// ASCII letters to lower case, nothing else), written in a query either bare
    /// (`qa_sessions`) or qualified (`attendance.qa_sessions`). A catalog name
    /// written `attendance.<name>` counts as `<name>`.
    pub fn for_catalog(catalog: &Catalog) -> Self {
        Self::new(catalog.relations.iter().map(|relation| relation.name))
    }

    /// A guard over the given relation names; see [`for_catalog`](Self::for_catalog).
    fn new<'a>(relations: impl IntoIterator<Item = &'a str>) -> Self {
        let relations = relations
            .into_iter()
            .map(|name| {
                let name = name.trim().to_ascii_lowercase();
                match name.split_once('.') {
                    Some((schema, bare)) if schema == SCHEMA => bare.to_owned(),
                    _ => name,
                }
            })
            .collect();
        Self {
            relations,
            functions: DEFAULT_FUNCTIONS.iter().map(|&f| f.to_owned()).collect(),
            max_len: DEFAULT_MAX_LEN,
        }
    }

    /// Replaces the function allow-list (names are matched as PostgreSQL
    /// folds unquoted names, ASCII letters only, and must be unqualified in
    /// a query).
    #[must_use]
    pub fn with_functions(
        mut self,
        functions: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        self.functions = functions
            .into_iter()
            .map(|f| f.into().trim().to_ascii_lowercase())
            .collect();
        self
    }

    /// Adds functions to the allow-list.
    #[must_use]
    pub fn allow_functions(
        mut self,
        functions: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        self.functions.extend(
            functions
                .into_iter()
                .map(|f| f.into().trim().to_ascii_lowercase()),
        );
        self
    }

    /// Sets the maximum length of a statement in characters (at most
    /// [`MAX_LEN_CEILING`]).
    #[must_use]
    pub fn with_max_len(mut self, max_len: usize) -> Self {
        self.max_len = max_len.min(MAX_LEN_CEILING);
        self
    }

    /// The allow-listed relations, lower case, sorted.
    pub fn relations(&self) -> impl Iterator<Item = &str> {
        self.relations.iter().map(String::as_str)
    }

    /// The allow-listed functions, lower case, sorted.
    pub fn functions(&self) -> impl Iterator<Item = &str> {
        self.functions.iter().map(String::as_str)
    }

    /// The maximum length of a statement in characters.
    pub fn max_len(&self) -> usize {
        self.max_len
    }

    /// Accepts `sql` if it is a single read-only query over the allow-listed
    /// relations that calls only allow-listed functions, and returns the
    /// statement to execute; otherwise says why not.
    ///
    /// The work is CPU-bound and blocking but short (a thread start and one
    /// parse): it runs on a short-lived helper thread with a large stack so
    /// that deeply nested input is refused instead of overflowing the
    /// caller's stack, which may be a small Tokio worker stack.
    ///
    /// # Errors
    /// A [`Refusal`] naming the first rule the statement breaks.
    pub fn check(&self, sql: &str) -> Result<GuardedSql, Refusal> {
        let len = sql.chars().count();
        if len > self.max_len {
            return Err(Refusal::TooLong {
                max: self.max_len,
                len,
            });
        }
        if sql.trim().is_empty() {
            return Err(Refusal::Empty);
        }
        std::thread::scope(|scope| {
            let worker = std::thread::Builder::new()
                .name("sql-guard".to_owned())
                .stack_size(WORKER_STACK_BYTES)
                .spawn_scoped(scope, || self.check_here(sql));
            match worker {
                Ok(handle) => handle.join().unwrap_or(Err(Refusal::GuardFailure {
                    reason: PARSER_PANICKED,
                })),
                Err(_) => Err(Refusal::GuardFailure {
                    reason: "its worker thread could not be started",
                }),
            }
        })
    }

    /// [`check`](Self::check) without the helper thread.
    fn check_here(&self, sql: &str) -> Result<GuardedSql, Refusal> {
        let dialect = PostgreSqlDialect {};
        let statements = Parser::new(&dialect)
            .try_with_sql(sql)
            .and_then(|mut parser| parser.parse_statements())
            .map_err(Refusal::from_parser)?;
        let statement = match statements.as_slice() {
            [] => return Err(Refusal::Empty),
            [one] => one,
            many => {
                return Err(Refusal::MultipleStatements { count: many.len() });
            }
        };
        let Statement::Query(query) = statement else {
            return Err(Refusal::NotSelect {
                kind: refusal::leading_keyword(sql),
            });
        };
        checker::check_query(self, query)?;
        let rendered = statement.to_string();
        // What runs is the rendering, so it must mean exactly what was
        // checked; a rendering bug in sqlparser must not open a hole.
        match Parser::parse_sql(&dialect, &rendered) {
            Ok(again) if again.as_slice() == std::slice::from_ref(statement) => {
                Ok(GuardedSql { sql: rendered })
            }
            _ => Err(Refusal::GuardFailure {
                reason: "the statement did not survive re-rendering unchanged",
            }),
        }
    }
}

/// A statement accepted by [`SqlGuard::check`]: one query, re-rendered from
/// its syntax tree, without comments or a trailing semicolon.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct GuardedSql {
    sql: String,
}

impl GuardedSql {
    /// The text to execute.
    pub fn as_str(&self) -> &str {
        &self.sql
    }

    /// The text to execute, owned.
    pub fn into_string(self) -> String {
        self.sql
    }
}

impl fmt::Display for GuardedSql {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.sql)
    }
}

impl AsRef<str> for GuardedSql {
    fn as_ref(&self) -> &str {
        &self.sql
    }
}

impl From<GuardedSql> for String {
    fn from(sql: GuardedSql) -> Self {
        sql.sql
    }
}
