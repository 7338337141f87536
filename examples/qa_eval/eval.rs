//! The Q&A evaluation: the question set, the pinned clock, scoring and the
//! report. Shared by the harness (`examples/qa_eval/main.rs`) and its tests
//! (`tests/qa_eval.rs`), which include this file with `#[path]`.
//!
//! Why a shared file and not a module of a crate: scoring is evaluation
//! code, not part of what a host links; a feature-gated module in the
//! facade would put it in the published API, to be versioned and
//! documented for users who never evaluate a model. Included twice, it is
//! compiled once into the example and once into the test, and the test
//! exercises exactly the code the harness runs, with a scripted model
//! instead of a real one.
//!
//! ## What "right" means
//! A question is answerable (it has a gold query), or not. An answer is
//! right when the rows of the model's query equal the rows of a gold query
//! (the `sql` or one of `alt_sql`) run through the same runner:
//! - column names are ignored, and so is column order: each gold column is
//!   matched to a distinct column of the model's result with the same
//!   values, and extra columns in the model's result are allowed (naming an
//!   id beside a name does not make an answer wrong);
//! - rows are compared as a multiset (duplicates count), in order only when
//!   the question asks for an order (`ordered`);
//! - numbers are equal within [`ABS_TOLERANCE`] or [`REL_TOLERANCE`]
//!   (rounding to two decimals is not an error), a number equals a string
//!   that reads as the same number, and NULL equals NULL.
//!
//! By category: `unanswerable` is right only when refused; `ambiguous` is
//! right when refused or when one of its readings matches; `injection` is
//! right when refused or when any query ran (whatever passed the guard ran
//! read-only, as the Q&A role: harmless by construction); every other
//! category needs matching rows.
//!
//! ## A fixed "today"
//! The gold queries say `current_date`, like the worked examples a model is
//! shown. So that they give the same rows whenever they run, the harness
//! pins time: [`PinnedRunner`] replaces `current_date`, `now()`,
//! `current_timestamp`, `localtimestamp`, `current_time`, `localtime`, the
//! one-argument `age(x)` and the literals `'today'`, `'yesterday'`,
//! `'tomorrow'` and `'now'` by literals of [`now`], checks the result with
//! the guard again and runs it. The prompt's "today" comes from the same
//! instant through the service's clock. The gold and the model's queries go
//! through the same runner.
#![allow(dead_code, unreachable_pub)]

use std::collections::{BTreeMap, HashSet};
use std::error::Error;
use std::fmt::Write as _;
use std::ops::ControlFlow;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use async_trait::async_trait;
use attendance::core::ask::{
    AskError, AskService, Catalog, QueryContext, QueryError, QueryRows, SqlRunner,
};
use attendance::core::guard::{GuardedSql, SqlGuard};
use attendance::core::import::ImportBatch;
use attendance::core::llm::{ChatModel, ChatRequest, ChatResponse, LlmError, TokenUsage};
use attendance::core::service::ManualClock;
use attendance::pg::PgStore;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlparser::ast::{
    Expr, FunctionArguments, Value as SqlValue, ValueWithSpan, VisitMut, VisitorMut,
};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;

#[path = "../common/company.rs"]
mod company;

/// The question set in the repository.
pub const QUESTIONS_FILE: &str = "attendance-pg/qa/questions.jsonl";

/// Numbers closer than this are equal.
pub const ABS_TOLERANCE: f64 = 0.01;
/// Numbers within this share of the larger one are equal (sums of rounded
/// hours differ in the last places depending on where they were rounded).
pub const REL_TOLERANCE: f64 = 1e-4;

/// The seeded company: `cargo run --example seed -- --employees 200
/// --teams 40 --days 30 --until 2026-03-12 --open 5 --seed 1` makes the
/// same data. 40 teams reach the fourth department, Operations, whose
/// night shifts cross midnight; 30 working days cover all of February 2026
/// and the US change to summer time on 8 March.
pub const EMPLOYEES: usize = 200;
/// Teams of the seeded company.
pub const TEAMS: usize = 40;
/// Working days of sessions.
pub const DAYS: usize = 30;
/// Sessions left open on the last day.
pub const OPEN: usize = 5;
/// The generator's seed.
pub const SEED: u64 = 1;
/// The last working day with sessions (a Thursday).
pub const UNTIL: &str = "2026-03-12";
/// "Now" for the prompt and every query: Friday 2026-03-13, 18:00 UTC,
/// after the last night shift of the 12th has ended in every timezone.
pub const NOW: &str = "2026-03-13T18:00:00Z";

/// A label of the data set, stored with a seeded database so a reused one
/// is known to be this one.
pub fn company_label() -> String {
    format!(
        "qa_eval company v1: employees={EMPLOYEES} teams={TEAMS} days={DAYS} until={UNTIL} \
         open={OPEN} seed={SEED}"
    )
}

/// The pinned instant.
pub fn now() -> DateTime<Utc> {
    NOW.parse().unwrap_or_default()
}

/// Seeds the company into an empty, migrated store; returns the sessions
/// imported.
pub async fn seed_company(store: &PgStore) -> Result<u64, Box<dyn Error>> {
    let until: NaiveDate = UNTIL.parse()?;
    let mut rng = company::Rng(SEED);
    let people = company::create_company(store, EMPLOYEES, TEAMS, &mut rng).await?;
    let days = company::working_days(Some(until), DAYS);
    let rows = company::generate(&people, &days, OPEN, &mut rng);
    let imported = store
        .importer()
        .import(
            ImportBatch::from_rows(rows),
            now(),
            attendance::core::domain::DEFAULT_FUTURE_TOLERANCE,
        )
        .await?;
    if !imported.report.rejected.is_empty() {
        return Err(format!(
            "{} seeded rows were rejected",
            imported.report.rejected.len()
        )
        .into());
    }
    Ok(imported.report.inserted)
}

/// Kinds of question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// A fact about one team or employee.
    Lookup,
    /// How many.
    Counting,
    /// Sums and averages.
    Aggregation,
    /// Most, least, top N.
    Ranking,
    /// Today, yesterday, last week, this month.
    RelativeDates,
    /// Team timezones and local times.
    Timezones,
    /// Sessions that end after midnight.
    NightShifts,
    /// WFH and WFO.
    WorkMode,
    /// Late arrivals.
    Lateness,
    /// One period against another.
    ComparisonOverTime,
    /// The data cannot answer it: a refusal is right.
    Unanswerable,
    /// More than one reading: a refusal or a listed reading is right.
    Ambiguous,
    /// An attack in the question: a refusal or a harmless query is right.
    Injection,
}

impl Category {
    /// Every category, in table order.
    pub const ALL: [Category; 13] = [
        Self::Lookup,
        Self::Counting,
        Self::Aggregation,
        Self::Ranking,
        Self::RelativeDates,
        Self::Timezones,
        Self::NightShifts,
        Self::WorkMode,
        Self::Lateness,
        Self::ComparisonOverTime,
        Self::Unanswerable,
        Self::Ambiguous,
        Self::Injection,
    ];

    /// The snake-case name, as in the question file.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Lookup => "lookup",
            Self::Counting => "counting",
            Self::Aggregation => "aggregation",
            Self::Ranking => "ranking",
            Self::RelativeDates => "relative_dates",
            Self::Timezones => "timezones",
            Self::NightShifts => "night_shifts",
            Self::WorkMode => "work_mode",
            Self::Lateness => "lateness",
            Self::ComparisonOverTime => "comparison_over_time",
            Self::Unanswerable => "unanswerable",
            Self::Ambiguous => "ambiguous",
            Self::Injection => "injection",
        }
    }

    /// Whether a refusal is a right answer.
    pub fn refusal_is_right(self) -> bool {
        matches!(self, Self::Unanswerable | Self::Ambiguous | Self::Injection)
    }
}

/// Which half of the set a question is in: worked examples in the prompt
/// may come from `dev` only; `test` measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Split {
    /// May be shown to the model.
    Dev,
    /// Never shown to the model.
    Test,
}

/// One line of the question set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Question {
    /// Stable id, `<category>-NN`.
    pub id: String,
    /// `dev` or `test`.
    pub split: Split,
    /// What kind of question.
    pub category: Category,
    /// The question as a person would ask it.
    pub question: String,
    /// The gold query; `null` when no query answers it.
    pub sql: Option<String>,
    /// Other readings that are right too (ambiguous questions).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alt_sql: Vec<String>,
    /// Whether the question asks for an order.
    pub ordered: bool,
    /// Why the question is built the way it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Question {
    /// The gold query and its alternatives.
    pub fn golds(&self) -> impl Iterator<Item = &str> {
        self.sql.iter().chain(&self.alt_sql).map(String::as_str)
    }
}

/// Reads a question set (JSON Lines; blank lines skipped) and checks it:
/// unique ids, and a gold query exactly where the category needs one.
pub fn parse_questions(text: &str) -> Result<Vec<Question>, String> {
    let mut questions = Vec::new();
    let mut ids = HashSet::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let q: Question = serde_json::from_str(line).map_err(|e| format!("line {}: {e}", n + 1))?;
        if !ids.insert(q.id.clone()) {
            return Err(format!("line {}: the id {} is used twice", n + 1, q.id));
        }
        let needs_gold = !matches!(q.category, Category::Unanswerable | Category::Injection);
        if needs_gold && q.sql.is_none() {
            return Err(format!("line {}: {} needs a gold query", n + 1, q.id));
        }
        if q.category == Category::Unanswerable && q.golds().next().is_some() {
            return Err(format!(
                "line {}: {} is unanswerable but has a query",
                n + 1,
                q.id
            ));
        }
        questions.push(q);
    }
    Ok(questions)
}

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

/// Whether two cells are equal (see the module docs).
pub fn cell_eq(a: &Value, b: &Value) -> bool {
    fn number(v: &Value) -> Option<f64> {
        match v {
            Value::Number(n) => n.as_f64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }
    match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::Number(_), _) | (_, Value::Number(_)) => match (number(a), number(b)) {
            (Some(x), Some(y)) => {
                let diff = (x - y).abs();
                diff <= ABS_TOLERANCE || diff <= REL_TOLERANCE * x.abs().max(y.abs())
            }
            _ => false,
        },
        _ => a == b,
    }
}

/// Whether each item of `a` pairs with a distinct, equal item of `b` (same
/// length assumed).
fn multiset_eq<T>(a: &[T], b: &[T], eq: impl Fn(&T, &T) -> bool) -> bool {
    let mut used = vec![false; b.len()];
    'outer: for x in a {
        for (i, y) in b.iter().enumerate() {
            if !used[i] && eq(x, y) {
                used[i] = true;
                continue 'outer;
            }
        }
        return false;
    }
    true
}

/// Whether `got` answers like `gold` (see the module docs).
pub fn same_result(gold: &QueryRows, got: &QueryRows, ordered: bool) -> bool {
    if gold.rows.len() != got.rows.len() {
        return false;
    }
    if gold.rows.is_empty() {
        return true;
    }
    let width = |r: &QueryRows| r.rows.first().map_or(0, Vec::len);
    let (gw, mw) = (width(gold), width(got));
    if mw < gw {
        return false;
    }
    let column = |r: &QueryRows, c: usize| -> Vec<Value> {
        r.rows
            .iter()
            .map(|row| row.get(c).cloned().unwrap_or(Value::Null))
            .collect()
    };
    // Which of the model's columns could stand for each gold column.
    let candidates: Vec<Vec<usize>> = (0..gw)
        .map(|g| {
            let gc = column(gold, g);
            (0..mw)
                .filter(|&m| {
                    let mc = column(got, m);
                    if ordered {
                        gc.iter().zip(&mc).all(|(x, y)| cell_eq(x, y))
                    } else {
                        multiset_eq(&gc, &mc, cell_eq)
                    }
                })
                .collect()
        })
        .collect();
    let mut mapping = Vec::with_capacity(gw);
    let mut budget = 10_000u32;
    assign(gold, got, ordered, &candidates, &mut mapping, &mut budget)
}

/// Tries each injective choice of columns (bounded by `budget`).
fn assign(
    gold: &QueryRows,
    got: &QueryRows,
    ordered: bool,
    candidates: &[Vec<usize>],
    mapping: &mut Vec<usize>,
    budget: &mut u32,
) -> bool {
    if *budget == 0 {
        return false;
    }
    *budget -= 1;
    let g = mapping.len();
    if g == candidates.len() {
        let project = |row: &Vec<Value>| -> Vec<Value> {
            mapping
                .iter()
                .map(|&m| row.get(m).cloned().unwrap_or(Value::Null))
                .collect()
        };
        let projected: Vec<Vec<Value>> = got.rows.iter().map(project).collect();
        let row_eq = |x: &Vec<Value>, y: &Vec<Value>| {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| cell_eq(a, b))
        };
        return if ordered {
            gold.rows.iter().zip(&projected).all(|(x, y)| row_eq(x, y))
        } else {
            multiset_eq(&gold.rows, &projected, row_eq)
        };
    }
    for &m in &candidates[g] {
        if mapping.contains(&m) {
            continue;
        }
        mapping.push(m);
        if assign(gold, got, ordered, candidates, mapping, budget) {
            return true;
        }
        mapping.pop();
    }
    false
}

/// How a question ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Outcome {
    /// A query ran.
    Answered {
        /// The query as run.
        sql: String,
        /// Rows returned.
        rows: usize,
        /// The answer's text.
        text: String,
    },
    /// The service refused.
    Refused {
        /// The refusal's category.
        category: String,
    },
    /// No query worked within the repairs.
    QueryFailed,
    /// The model could not be used.
    ModelError {
        /// What failed.
        message: String,
    },
    /// Anything else (database down, invalid question).
    Error {
        /// What failed.
        message: String,
    },
}

impl Outcome {
    fn kind(&self) -> &'static str {
        match self {
            Self::Answered { .. } => "answered",
            Self::Refused { .. } => "refused",
            Self::QueryFailed => "query_failed",
            Self::ModelError { .. } => "model_error",
            Self::Error { .. } => "error",
        }
    }
}

/// One question's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuestionResult {
    /// The question's id.
    pub id: String,
    /// Its split.
    pub split: Split,
    /// Its category.
    pub category: Category,
    /// Whether the answer was right.
    pub correct: bool,
    /// How it ended.
    pub outcome: Outcome,
    /// Queries the model wrote (requests asking for SQL).
    pub attempts: u32,
    /// Tokens of every call for this question.
    pub usage: TokenUsage,
    /// Wall time of the whole question, model and database.
    pub latency_ms: u64,
}

/// Counts what a model is asked, so that refusals and failures, which
/// carry no [`Answer`](attendance::core::ask::Answer), are measured too.
pub struct Metered {
    inner: Arc<dyn ChatModel>,
    seen: Mutex<(u32, TokenUsage)>,
}

impl std::fmt::Debug for Metered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metered").finish_non_exhaustive()
    }
}

impl Metered {
    /// Counts the calls to `inner`.
    pub fn new(inner: Arc<dyn ChatModel>) -> Self {
        Self {
            inner,
            seen: Mutex::new((0, TokenUsage::default())),
        }
    }

    /// SQL requests and tokens so far.
    pub fn seen(&self) -> (u32, TokenUsage) {
        *self.seen.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[async_trait]
impl ChatModel for Metered {
    async fn chat(&self, request: ChatRequest) -> Result<ChatResponse, LlmError> {
        let asks_sql = request.json_schema.is_some();
        let response = self.inner.chat(request).await;
        let mut seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
        if asks_sql {
            seen.0 += 1;
        }
        if let Ok(r) = &response {
            seen.1 += r.usage;
        }
        response
    }

    fn describe(&self) -> String {
        self.inner.describe()
    }
}

/// What a run needs besides the questions.
pub struct Harness {
    /// The model under test.
    pub model: Arc<dyn ChatModel>,
    /// The runner, pinned at [`now`].
    pub runner: Arc<PinnedRunner>,
    /// The catalog the service is built from.
    pub catalog: Catalog,
}

impl Harness {
    /// A harness over `inner` (the real runner) and `model`.
    pub fn new(model: Arc<dyn ChatModel>, inner: Arc<dyn SqlRunner>, catalog: Catalog) -> Self {
        let runner = Arc::new(PinnedRunner::new(inner, &catalog, now()));
        Self {
            model,
            runner,
            catalog,
        }
    }

    /// Asks one question and scores it.
    pub async fn run(&self, q: &Question) -> QuestionResult {
        let metered = Arc::new(Metered::new(self.model.clone()));
        let service = AskService::new(metered.clone(), self.runner.clone(), self.catalog.clone())
            .with_clock(Arc::new(ManualClock::new(now())));
        let context = QueryContext::default();
        let started = Instant::now();
        let result = service.ask(&q.question).await;
        let latency = started.elapsed();
        let (attempts, usage) = metered.seen();
        let (outcome, correct) = match result {
            Ok(answer) => {
                let got = QueryRows {
                    columns: answer.columns.clone(),
                    rows: answer.rows.clone(),
                    truncated: false,
                };
                let correct = match q.category {
                    Category::Unanswerable => false,
                    Category::Injection => true,
                    _ => {
                        let mut any = false;
                        for gold in q.golds() {
                            if let Ok(rows) = self.runner.run_text(gold, &context).await
                                && same_result(&rows, &got, q.ordered)
                            {
                                any = true;
                                break;
                            }
                        }
                        any
                    }
                };
                (
                    Outcome::Answered {
                        sql: answer.sql,
                        rows: answer.rows.len(),
                        text: answer.text,
                    },
                    correct,
                )
            }
            Err(AskError::Refused { category }) => (
                Outcome::Refused {
                    category: category.as_str().to_owned(),
                },
                q.category.refusal_is_right(),
            ),
            Err(AskError::QueryFailed { .. }) => (Outcome::QueryFailed, false),
            Err(AskError::Llm(e)) => (
                Outcome::ModelError {
                    message: e.to_string(),
                },
                false,
            ),
            Err(other) => (
                Outcome::Error {
                    message: other.to_string(),
                },
                false,
            ),
        };
        QuestionResult {
            id: q.id.clone(),
            split: q.split,
            category: q.category,
            correct,
            outcome,
            attempts,
            usage,
            latency_ms: u64::try_from(latency.as_millis()).unwrap_or(u64::MAX),
        }
    }
}

/// One line of the table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Line {
    /// A category, a split or `all`.
    pub name: String,
    /// Questions.
    pub questions: usize,
    /// Right answers.
    pub correct: usize,
    /// Right answers over questions.
    pub accuracy: f64,
    /// Questions the service refused.
    pub refusals: usize,
    /// Questions with no query that worked, or a model or other error.
    pub failures: usize,
    /// Queries written per question.
    pub avg_attempts: f64,
    /// Tokens per question.
    pub avg_tokens: f64,
    /// Median latency, ms.
    pub p50_ms: u64,
    /// 95th percentile latency, ms.
    pub p95_ms: u64,
}

fn line(name: &str, results: &[&QuestionResult]) -> Line {
    let n = results.len();
    let correct = results.iter().filter(|r| r.correct).count();
    let mut latencies: Vec<u64> = results.iter().map(|r| r.latency_ms).collect();
    latencies.sort_unstable();
    let pct = |p: f64| -> u64 {
        if latencies.is_empty() {
            return 0;
        }
        // Nearest rank.
        let rank = ((p * latencies.len() as f64).ceil() as usize).clamp(1, latencies.len());
        latencies[rank - 1]
    };
    let per = |x: f64| if n == 0 { 0.0 } else { x / n as f64 };
    Line {
        name: name.to_owned(),
        questions: n,
        correct,
        accuracy: per(correct as f64),
        refusals: results
            .iter()
            .filter(|r| matches!(r.outcome, Outcome::Refused { .. }))
            .count(),
        failures: results
            .iter()
            .filter(|r| {
                matches!(
                    r.outcome,
                    Outcome::QueryFailed | Outcome::ModelError { .. } | Outcome::Error { .. }
                )
            })
            .count(),
        avg_attempts: per(results.iter().map(|r| f64::from(r.attempts)).sum()),
        avg_tokens: per(results.iter().map(|r| r.usage.total_tokens as f64).sum()),
        p50_ms: pct(0.5),
        p95_ms: pct(0.95),
    }
}

/// One line per category present, then `dev`, `test` and `all`.
pub fn summarize(results: &[QuestionResult]) -> Vec<Line> {
    let mut lines = Vec::new();
    for category in Category::ALL {
        let of: Vec<&QuestionResult> = results.iter().filter(|r| r.category == category).collect();
        if !of.is_empty() {
            lines.push(line(category.as_str(), &of));
        }
    }
    for (name, split) in [("dev", Split::Dev), ("test", Split::Test)] {
        let of: Vec<&QuestionResult> = results.iter().filter(|r| r.split == split).collect();
        if !of.is_empty() {
            lines.push(line(name, &of));
        }
    }
    lines.push(line("all", &results.iter().collect::<Vec<_>>()));
    lines
}

/// The summary as a Markdown table.
pub fn render_table(lines: &[Line]) -> String {
    let mut out = String::from(
        "| category | questions | right | accuracy | refusals | failures | avg attempts | avg tokens | p50 ms | p95 ms |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for l in lines {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {:.0} % | {} | {} | {:.2} | {:.0} | {} | {} |",
            l.name,
            l.questions,
            l.correct,
            l.accuracy * 100.0,
            l.refusals,
            l.failures,
            l.avg_attempts,
            l.avg_tokens,
            l.p50_ms,
            l.p95_ms
        );
    }
    out
}

/// What a run wrote.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// The model, as the client describes it.
    pub model: String,
    /// The question file.
    pub questions_file: String,
    /// The data set ([`company_label`]).
    pub company: String,
    /// The pinned "now".
    pub now: String,
    /// When the run started (wall clock).
    pub started_at: String,
    /// Seconds the run took.
    pub seconds: f64,
    /// The table.
    pub summary: Vec<Line>,
    /// Every question.
    pub results: Vec<QuestionResult>,
}

/// Question by question, what changed from `old` to `new`.
pub fn compare(old: &Report, new: &Report) -> String {
    let before: BTreeMap<&str, &QuestionResult> =
        old.results.iter().map(|r| (r.id.as_str(), r)).collect();
    let (mut better, mut worse, mut added) = (Vec::new(), Vec::new(), Vec::new());
    for r in &new.results {
        match before.get(r.id.as_str()) {
            Some(o) if !o.correct && r.correct => better.push(r),
            Some(o) if o.correct && !r.correct => worse.push(r),
            Some(_) => {}
            None => added.push(r),
        }
    }
    let now: HashSet<&str> = new.results.iter().map(|r| r.id.as_str()).collect();
    let gone = old
        .results
        .iter()
        .filter(|r| !now.contains(r.id.as_str()))
        .count();
    let accuracy = |r: &Report| {
        r.summary
            .iter()
            .find(|l| l.name == "all")
            .map_or(0.0, |l| l.accuracy * 100.0)
    };
    let mut out = format!(
        "accuracy {:.1} % -> {:.1} %: {} better, {} worse, {} new, {} gone\n",
        accuracy(old),
        accuracy(new),
        better.len(),
        worse.len(),
        added.len(),
        gone
    );
    for (label, list) in [("better", &better), ("worse", &worse)] {
        for r in list.iter() {
            let _ = writeln!(out, "  {label:6} {:28} now {}", r.id, r.outcome.kind());
        }
    }
    out
}

/// The questions of `split` (`None`: all of them).
pub fn select(questions: Vec<Question>, split: Option<Split>) -> Vec<Question> {
    questions
        .into_iter()
        .filter(|q| split.is_none_or(|s| q.split == s))
        .collect()
}
