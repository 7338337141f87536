//! The Q&A evaluation: the question set, the pinned clock, scoring and the
//! report. Shared by the harness (`tools/src/bin/qa_eval/main.rs`) and its tests
//! (`tools/tests/qa_eval.rs`), which include this file with `#[path]`.
//!
//! Why a shared file and not a module of a crate: scoring is evaluation
//! code, not part of what a host links; a feature-gated module in the
//! facade would put it in the published API, to be versioned and
//! documented for users who never evaluate a model. Included twice, it is
//! compiled once into the binary and once into the test, and the test
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

#[path = "fixture.rs"]
mod fixture;
#[path = "harness.rs"]
mod harness;
#[path = "pin.rs"]
mod pin;
#[path = "plans.rs"]
mod plans;
#[path = "questions.rs"]
mod questions;
#[path = "report.rs"]
mod report;
#[path = "score.rs"]
mod score;

// The submodules are one idea each; the items keep their old paths
// (`eval::same_result`, ...) for the harness and the tests. Globs, since
// each includer uses a different part and a named re-export unused by one
// of them would be an unused import there.
pub use fixture::*;
pub use harness::*;
pub use pin::*;
pub use plans::*;
pub use questions::*;
pub use report::*;
pub use score::*;
