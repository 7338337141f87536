//! Pinning time: every reading of the clock in a query becomes a literal
//! of the pinned instant (see the parent module's docs).

use std::ops::ControlFlow;
use std::sync::Arc;

use async_trait::async_trait;
use attendance::core::ask::{Catalog, QueryContext, QueryError, QueryRows, SqlRunner};
use attendance::core::guard::{GuardedSql, SqlGuard};
use chrono::{DateTime, Utc};
use sqlparser::ast::{
    Expr, FunctionArguments, Value as SqlValue, ValueWithSpan, VisitMut, VisitorMut,
};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;

/// Runs every query at the pinned instant: see the module docs.
#[derive(Clone)]
pub struct PinnedRunner {
    inner: Arc<dyn SqlRunner>,
    guard: SqlGuard,
    now: DateTime<Utc>,
}

impl std::fmt::Debug for PinnedRunner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PinnedRunner")
            .field("now", &self.now)
            .finish_non_exhaustive()
    }
}

impl PinnedRunner {
    /// Pins `inner` at `now`; the rewritten query is checked by a guard
    /// built from `catalog`, as the service's is.
    pub fn new(inner: Arc<dyn SqlRunner>, catalog: &Catalog, now: DateTime<Utc>) -> Self {
        Self {
            inner,
            guard: SqlGuard::for_catalog(catalog),
            now,
        }
    }

    /// The guard the rewritten queries pass.
    pub fn guard(&self) -> &SqlGuard {
        &self.guard
    }

    /// Checks `sql` with the guard and runs it pinned (for gold queries).
    pub async fn run_text(
        &self,
        sql: &str,
        context: &QueryContext,
    ) -> Result<QueryRows, QueryError> {
        let guarded = self
            .guard
            .check(sql)
            .map_err(|refusal| QueryError::Rejected {
                message: format!("the guard refused a gold query: {refusal}"),
            })?;
        self.run(&guarded, context).await
    }
}

#[async_trait]
impl SqlRunner for PinnedRunner {
    async fn run(&self, sql: &GuardedSql, context: &QueryContext) -> Result<QueryRows, QueryError> {
        let pinned = pin_time(sql.as_str(), self.now, context)
            .map_err(|message| QueryError::Rejected { message })?;
        let guarded = self
            .guard
            .check(&pinned)
            .map_err(|refusal| QueryError::Rejected {
                message: format!("the pinned query was refused: {refusal}"),
            })?;
        self.inner.run(&guarded, context).await
    }
}

/// `sql` with every reading of the clock replaced by a literal of `now` in
/// the context's timezone.
pub fn pin_time(sql: &str, now: DateTime<Utc>, context: &QueryContext) -> Result<String, String> {
    let local = now.with_timezone(&context.timezone).naive_local();
    let date = local.date();
    let literals = Literals {
        date: format!("DATE '{date}'"),
        timestamptz: format!("TIMESTAMPTZ '{}'", now.format("%Y-%m-%d %H:%M:%S+00")),
        timestamp: format!("TIMESTAMP '{}'", local.format("%Y-%m-%d %H:%M:%S")),
        time: format!("TIME '{}'", local.format("%H:%M:%S")),
        midnight: format!("TIMESTAMP '{date} 00:00:00'"),
        words: [
            ("today", date.to_string()),
            ("yesterday", (date - chrono::Days::new(1)).to_string()),
            ("tomorrow", (date + chrono::Days::new(1)).to_string()),
            ("now", now.format("%Y-%m-%d %H:%M:%S+00").to_string()),
        ],
        error: None,
    };
    let dialect = PostgreSqlDialect {};
    let mut statements = Parser::parse_sql(&dialect, sql).map_err(|e| e.to_string())?;
    let mut visitor = literals;
    let _ = statements.visit(&mut visitor);
    if let Some(error) = visitor.error {
        return Err(error);
    }
    Ok(statements
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; "))
}

struct Literals {
    date: String,
    timestamptz: String,
    timestamp: String,
    time: String,
    midnight: String,
    words: [(&'static str, String); 4],
    error: Option<String>,
}

impl Literals {
    fn parse(&mut self, text: &str) -> Option<Expr> {
        let dialect = PostgreSqlDialect {};
        match Parser::new(&dialect)
            .try_with_sql(text)
            .and_then(|mut p| p.parse_expr())
        {
            Ok(expr) => Some(expr),
            Err(e) => {
                self.error = Some(format!("could not pin {text}: {e}"));
                None
            }
        }
    }
}

impl VisitorMut for Literals {
    type Break = ();

    fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        let Expr::Function(function) = expr else {
            return ControlFlow::Continue(());
        };
        let name = function.name.to_string().to_ascii_lowercase();
        let replacement = match name.as_str() {
            "current_date" => Some(self.date.clone()),
            "now" | "current_timestamp" => Some(self.timestamptz.clone()),
            "localtimestamp" => Some(self.timestamp.clone()),
            "current_time" | "localtime" => Some(self.time.clone()),
            "age" => match &function.args {
                FunctionArguments::List(list) if list.args.len() == 1 => {
                    Some(format!("age({}, {})", self.midnight, list.args[0]))
                }
                _ => None,
            },
            _ => None,
        };
        if let Some(text) = replacement
            && let Some(new) = self.parse(&text)
        {
            *expr = new;
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_value(&mut self, value: &mut ValueWithSpan) -> ControlFlow<()> {
        if let SqlValue::SingleQuotedString(text) = &mut value.value {
            let word = text.trim().to_ascii_lowercase();
            if let Some((_, literal)) = self.words.iter().find(|(w, _)| *w == word) {
                *text = literal.clone();
            }
        }
        ControlFlow::Continue(())
    }
}
