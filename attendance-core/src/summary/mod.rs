//! Daily and weekly summaries: facts first, words second.
//!
//! The facts ([`DailyFacts`], [`WeeklyFacts`]) are computed by the analytics
//! of the store and its ledger of hours ([`crate::worktime`]); every hour
//! in them is whole minutes through [`crate::worktime::display_hours`], as
//! in the trends, so one number reads one way everywhere. A chat model, when one is configured, only phrases them and
//! is told to use no other numbers; [`ungrounded_numbers`] rejects a text
//! that states a number the facts do not contain, and [`ungrounded_names`]
//! one that names a person or team they do not contain. Names are data
//! entered by users, so the facts reach the model as one JSON block the
//! system prompt declares to be data, never instructions, and no name can
//! close that block. When there is no model,
//! when it fails, or when its text is rejected, a deterministic template
//! writes the summary. A text must also state the headline facts (the date
//! or week, present of headcount or the rate, the WFH/WFO split): one that
//! says nothing about them is rejected too. The result says who wrote the
//! text ([`GeneratedBy`]), why the template did when a model was asked
//! ([`FallbackReason`]), and always carries the facts.
//!
//! What the model is sent is bounded: its copy of the facts caps every list
//! as the template does (five names and the exact count), so a company's
//! day or week costs the same few hundred tokens whatever the headcount;
//! the answer carries the whole facts.
//!
//! One file per step: `facts.rs` (what a summary may say, and how it is
//! added up from the store's records), `template.rs` (the deterministic
//! text), `bounded.rs` (the model's copy of the facts), `grounding.rs`
//! (the check on a model's text) and `service.rs` ([`SummaryService`],
//! which fetches, phrases and falls back).

use serde::{Deserialize, Serialize};

mod bounded;
mod facts;
mod grounding;
mod headlines;
mod service;
mod template;

pub use facts::{
    AbsenceGroup, DailyFacts, ForgottenClockOut, LateArrival, PersonDays, TeamDay, TeamWeek,
    WeekChange, WeekTotals, WeeklyFacts, WorkTimeFacts,
};
pub use grounding::{ungrounded_names, ungrounded_numbers};
pub use service::{ActingSummaries, SummaryService, YOUR_TEAMS};
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

/// Why the template wrote a summary although a model is configured: a
/// fixed category, fit to show to a client (no model or database text).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FallbackReason {
    /// The model could not be asked or did not answer (unreachable, timed
    /// out, rate limited, refused the request…).
    LlmUnavailable,
    /// The model answered with no text.
    EmptyText,
    /// The text stated a number, date or time that is not in the facts.
    UngroundedNumber,
    /// The text named a person or team that is not in the facts.
    UnknownName,
    /// The text left out a headline fact (the date or week, present of
    /// headcount or the attendance rate, the WFH/WFO split).
    MissingHeadline,
    /// The facts could not be handed to the model (a bug; it is logged).
    Internal,
}

impl FallbackReason {
    /// The category as a stable snake-case word (`llm_unavailable`,
    /// `ungrounded_number`…).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::LlmUnavailable => "llm_unavailable",
            Self::EmptyText => "empty_text",
            Self::UngroundedNumber => "ungrounded_number",
            Self::UnknownName => "unknown_name",
            Self::MissingHeadline => "missing_headline",
            Self::Internal => "internal",
        }
    }

    /// A fixed sentence for a person.
    pub fn message(self) -> &'static str {
        match self {
            Self::LlmUnavailable => "the language model did not answer",
            Self::EmptyText => "the language model answered with no text",
            Self::UngroundedNumber => {
                "the language model's text stated a number that is not in the facts"
            }
            Self::UnknownName => "the language model's text named someone who is not in the facts",
            Self::MissingHeadline => "the language model's text left out a headline fact",
            Self::Internal => "the facts could not be handed to the language model",
        }
    }
}

impl std::fmt::Display for FallbackReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
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
    /// Why the template was used although a model is configured; `None`
    /// when the model wrote the text, or when there is no model.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fallback_reason: Option<FallbackReason>,
    /// What exactly went wrong, for logs: the model client's error, the
    /// numbers or names the check rejected, the headlines left out. It may
    /// quote the model provider or the model's text, so it is never
    /// serialised.
    #[serde(skip)]
    pub fallback_detail: Option<String>,
}
