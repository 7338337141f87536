//! Why a statement was refused, in words for a person or for the model's
//! repair turn.

use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::ParserError;
use sqlparser::tokenizer::{Token, Tokenizer};

/// Why [`SqlGuard::check`](super::SqlGuard::check) refused a statement. The message is meant for a
/// person (or for the model, to repair its query).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Refusal {
    /// Nothing but whitespace, comments or semicolons.
    #[error("the statement is empty")]
    Empty,
    /// Longer than the configured limit.
    #[error("the statement is longer than {max} characters (it has {len})")]
    TooLong {
        /// The limit, in characters.
        max: usize,
        /// The statement's length, in characters.
        len: usize,
    },
    /// Nested deeper than the parser or the guard will follow.
    #[error("the statement is nested too deeply")]
    TooDeep,
    /// Not valid SQL for the PostgreSQL dialect.
    #[error("the statement could not be parsed: {reason}")]
    Unparsable {
        /// The parser's explanation.
        reason: String,
    },
    /// More than one statement.
    #[error("only one statement is allowed, found {count}")]
    MultipleStatements {
        /// How many statements were found.
        count: usize,
    },
    /// A statement other than a query (`INSERT`, `COPY`, `SET`, DDL…).
    #[error("statements other than SELECT are not allowed (found {kind})")]
    NotSelect {
        /// The statement's leading keyword, e.g. `DELETE`.
        kind: String,
    },
    /// `INSERT`, `UPDATE`, `DELETE` or `MERGE` inside `WITH`.
    #[error("data-modifying statements in WITH are not allowed")]
    DataModifyingCte,
    /// `SELECT … INTO`, which creates a table.
    #[error("SELECT … INTO is not allowed")]
    SelectInto,
    /// `FOR UPDATE`, `FOR SHARE` and the like, at any level.
    #[error("locking clauses (FOR UPDATE/SHARE) are not allowed")]
    Locking,
    /// A table or view outside the allow-list.
    #[error("relation {name} is not allowed; allowed: {}", .allowed.join(", "))]
    Relation {
        /// The relation as written.
        name: String,
        /// The allow-listed relations.
        allowed: Vec<String>,
    },
    /// A `WITH` query whose name is already taken by an allow-listed relation,
    /// an enclosing `WITH` query or a sibling.
    #[error(
        "the WITH query name {name} is already the name of a relation or of another WITH query; choose another name"
    )]
    WithNameTaken {
        /// The name as written.
        name: String,
    },
    /// A function outside the allow-list, or a schema-qualified one.
    #[error("function {name} is not allowed")]
    Function {
        /// The function as written.
        name: String,
    },
    /// A function used as a table in `FROM` (`generate_series`, `unnest`,
    /// `dblink`…).
    #[error("table functions in FROM are not allowed (found {name})")]
    TableFunction {
        /// The function as written.
        name: String,
    },
    /// Syntax the guard does not accept (other dialects' extensions,
    /// `OPERATOR(…)`…).
    #[error("{what} is not allowed")]
    Construct {
        /// What was found.
        what: &'static str,
    },
    /// The guard itself failed; the statement was not checked.
    #[error("the SQL guard could not check the statement: {reason}")]
    GuardFailure {
        /// What went wrong.
        reason: &'static str,
    },
}

impl Refusal {
    /// The refusal for text the parser could not read.
    pub(super) fn from_parser(error: ParserError) -> Self {
        match error {
            ParserError::RecursionLimitExceeded => Self::TooDeep,
            ParserError::ParserError(reason) | ParserError::TokenizerError(reason) => {
                Self::Unparsable { reason }
            }
        }
    }
}

/// The first keyword of `sql`, upper case, to name a refused statement.
pub(super) fn leading_keyword(sql: &str) -> String {
    let dialect = PostgreSqlDialect {};
    Tokenizer::new(&dialect, sql)
        .tokenize()
        .ok()
        .and_then(|tokens| {
            tokens.into_iter().find_map(|token| match token {
                Token::Word(word) => Some(word.value.to_uppercase()),
                _ => None,
            })
        })
        .unwrap_or_else(|| "an unknown statement".to_owned())
}
