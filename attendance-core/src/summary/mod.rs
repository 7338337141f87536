//! Daily and weekly summaries: facts first, words second.
//!
//! The facts ([`DailyFacts`], [`WeeklyFacts`]) are computed by the analytics
//! of the store. A chat model, when one is configured, only phrases them and
//! is told to use no other numbers; [`ungrounded_numbers`] rejects a text
//! that states a number the facts do not contain, and [`ungrounded_names`]
//! one that names a person or team they do not contain. Names are data
//! entered by users, so the facts reach the model as one JSON block the
//! system prompt declares to be data, never instructions, and no name can
//! close that block. When there is no model,
//! when it fails, or when its text is rejected, a deterministic template
//! writes the summary. The result says which ([`GeneratedBy`]) and always
//! carries the facts.
//!
//! One file per step: `facts.rs` (what a summary may say, and how it is
//! added up from the store's records), `template.rs` (the deterministic
//! text), `grounding.rs` (the check on a model's text) and `service.rs`
//! ([`SummaryService`], which fetches, phrases and falls back).

use serde::{Deserialize, Serialize};

mod facts;
mod grounding;
mod service;
mod template;

pub use facts::{
    DailyFacts, ForgottenClockOut, LateArrival, TeamDay, TeamWeek, WeekChange, WeekTotals,
    WeeklyFacts,
};
pub use grounding::{ungrounded_names, ungrounded_numbers};
pub use service::SummaryService;
pub use template::{daily_template, weekly_template};

/// Who wrote a summary's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GeneratedBy {
    /// The chat model, and the grounding check accepted it.
    Llm,
    /// The deterministic template.
    Template,
}

/// A summary: the facts, the text, and who wrote the text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary<F> {
    /// The numbers the text is about.
    pub facts: F,
    /// The summary in plain language.
    pub text: String,
    /// Whether the model or the template wrote `text`.
    pub generated_by: GeneratedBy,
    /// Why the template was used although a model is configured.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fallback_reason: Option<String>,
}
