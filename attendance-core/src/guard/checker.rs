//! The walk over a parsed query's syntax tree that enforces the guard's
//! rules: no writes or locks anywhere, only allow-listed relations and
//! functions, `WITH` names scoped as PostgreSQL scopes them, and bounded
//! nesting.

use std::ops::ControlFlow;

use sqlparser::ast::{
    BinaryOperator, Expr, Function, Ident, InTarget, ObjectName, ObjectNamePart, Query, Select,
    SetExpr, Statement, TableFactor, TypedString, Visit, Visitor,
};

use super::allow::{KEYWORD_FUNCTIONS, is_refused_type};
use super::{Refusal, SCHEMA, SqlGuard};

/// Deepest nesting of expressions inside one another that the guard walks.
/// Left-deep chains (`a + b + c …`, `x AND y AND …`) are built by the parser
/// without recursion, so its own limit does not bound them.
const MAX_EXPR_DEPTH: usize = 100;

/// Deepest nesting of UNION / INTERSECT / EXCEPT, for the same reason.
const MAX_SET_OPERATION_DEPTH: usize = 64;

/// Checks every rule on `query`, the one statement of the text, and names
/// the first it breaks.
pub(super) fn check_query(guard: &SqlGuard, query: &Query) -> Result<(), Refusal> {
    match query.visit(&mut Checker::new(guard)) {
        ControlFlow::Continue(()) => Ok(()),
        ControlFlow::Break(refusal) => Err(*refusal),
    }
}

fn refuse(refusal: Refusal) -> ControlFlow<Box<Refusal>> {
    ControlFlow::Break(Box::new(refusal))
}

/// How PostgreSQL compares an identifier: unquoted ones fold to lower case,
/// quoted ones are exact. PostgreSQL folds ASCII letters only (`downcase_identifier`
/// in a UTF-8 database): Unicode rules would fold the Kelvin sign to `k` and let
/// a `WITH` name shadow a catalog for the guard but not for the server.
pub(super) fn ident_key(ident: &Ident) -> String {
    match ident.quote_style {
        None => ident.value.to_ascii_lowercase(),
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

impl Checker<'_> {
    /// A bare `current_user`, `session_user`… is a function call to
    /// PostgreSQL, not a column: it must be on the function allow-list.
    fn check_keyword_function(&self, ident: &Ident) -> ControlFlow<Box<Refusal>> {
        let key = ident_key(ident);
        if ident.quote_style.is_none()
            && KEYWORD_FUNCTIONS.contains(&key.as_str())
            && !self.guard.functions.contains(&key)
        {
            refuse(Refusal::Function {
                name: ident.value.clone(),
            })
        } else {
            ControlFlow::Continue(())
        }
    }
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
                if is_refused_type(data_type) {
                    construct("a cast to a system or catalog type (regclass, aclitem, oid, pg_…)")
                } else {
                    ControlFlow::Continue(())
                }
            }
            Expr::Identifier(ident) => self.check_keyword_function(ident),
            Expr::CompoundIdentifier(_)
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
