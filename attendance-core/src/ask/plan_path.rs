//! Plan mode: the model fills a [`QueryPlan`], the library validates it,
//! resolves its names in scope, compiles it, guards it and runs it.

use chrono::NaiveDate;
use serde_json::Value;

use super::plan::{
    Period, PlanError, PlanReply, QueryPlan, ValidPlan, ground_in_words, names_a_time, period_in,
};
use super::resolve::{
    Candidate, LookupError, Mentioned, NameKind, Resolution, mentioned, resolve, written_in,
};
use super::{
    Answer, AnswerKind, AskError, AskService, PhrasedBy, QueryContext, QueryError, RefusalCategory,
    plan_prompt,
};
use crate::access::Principal;
use crate::llm::{ChatMessage, TokenUsage, extract_json_object};

impl AskService {
    /// Answers `question` (validated) from a plan; when the model says no
    /// plan fits, hands over to free SQL if `free_sql` allows it.
    pub(super) async fn ask_plan(
        &self,
        principal: &Principal,
        question: &str,
        free_sql: bool,
    ) -> Result<Answer, AskError> {
        let now = self.clock.now().with_timezone(&self.config.timezone);
        let today = now.date_naive();
        let offered =
            plan_prompt::offered(&self.plan_examples, question, self.model.runs_locally());
        let mut messages = plan_prompt::plan_messages(&self.plan_examples, now, question, &offered);
        let mut usage = TokenUsage::default();
        let max_attempts = 1 + self.config.max_repairs;
        let mut last_error = None;
        // What the question says itself, read once, when the first plan
        // arrives.
        let mut read = None;
        for attempt in 1..=max_attempts {
            let response = self
                .model
                .chat(plan_prompt::plan_request(&messages, &offered))
                .await?;
            usage += response.usage;
            messages.push(ChatMessage::assistant(response.text.clone()));
            let reply = extract_json_object(&response.text)
                .map_err(|_| PlanError::Malformed {
                    reason: "the answer held no JSON object".to_owned(),
                })
                .and_then(PlanReply::from_json);
            let error = match reply {
                Ok(PlanReply {
                    plan: Some(plan), ..
                }) => match self
                    .accept(principal, question, today, plan, &mut read)
                    .await?
                {
                    Ok(valid) => {
                        return self
                            .answer_plan(principal, question, valid, attempt, usage)
                            .await;
                    }
                    Err(error) => error,
                },
                Ok(PlanReply { plan: None, .. }) if free_sql => {
                    tracing::info!("no plan fits the question; asking for free SQL");
                    return self.ask_sql(principal, question, usage).await;
                }
                Ok(PlanReply { plan: None, .. }) => {
                    return Err(AskError::Refused {
                        category: RefusalCategory::OutOfScope,
                    });
                }
                Err(error) => error,
            };
            tracing::info!(%error, attempt, "the model's plan was not accepted");
            messages.push(ChatMessage::user(plan_prompt::repair_plan(
                &error.to_string(),
            )));
            last_error = Some(error);
        }
        Err(AskError::Refused {
            category: last_error.map_or(RefusalCategory::InvalidPlan, |e| e.category()),
        })
    }

    /// The model's `plan` made into a valid one: tidied, refused if its
    /// names break a bound (before anything reads them), grounded in what
    /// the question says ([`Read`], read into `read` the first time), then
    /// validated: the bounds hold for the plan that would run.
    async fn accept(
        &self,
        principal: &Principal,
        question: &str,
        today: NaiveDate,
        plan: QueryPlan,
        read: &mut Option<Read>,
    ) -> Result<Result<ValidPlan, PlanError>, AskError> {
        let plan = plan.tidy();
        if let Err(error) = plan.check_names() {
            return Ok(Err(error));
        }
        let said = match read.take() {
            Some(said) => said,
            None => self.read(principal, question, today).await?,
        };
        let grounded = said.ground(question, plan).validate(today);
        *read = Some(said);
        Ok(grounded)
    }

    /// Resolves, compiles, guards and runs a valid plan.
    async fn answer_plan(
        &self,
        principal: &Principal,
        question: &str,
        valid: ValidPlan,
        attempts: u32,
        usage: TokenUsage,
    ) -> Result<Answer, AskError> {
        let context = QueryContext::new(self.config.timezone).with_scope(principal.scope());
        let shown = |mut answer: Answer| {
            answer.plan = Some(valid.plan().clone());
            answer.plan_sentence = Some(valid.sentence());
            answer
        };
        let names = match resolve(self.runner.as_ref(), &self.guard, &context, &valid).await {
            Ok(Resolution::Resolved(names)) => names,
            Ok(Resolution::Ambiguous {
                kind,
                written,
                candidates,
            }) => {
                return Ok(shown(clarification(
                    kind,
                    &written,
                    &candidates,
                    attempts,
                    usage,
                )));
            }
            Ok(Resolution::NotFound { kind, written }) => {
                return Ok(shown(not_found(kind, &written, attempts, usage)));
            }
            Err(error) => return Err(lookup_failed(error, attempts)),
        };
        let sql = valid.compile(&names);
        let guarded = self.guard.check(&sql).map_err(|refusal| {
            // The compiler writes only what the guard allows; a refusal
            // here is a bug in it, not the model's doing.
            tracing::error!(%refusal, %sql, "the guard refused a compiled plan");
            AskError::Refused {
                category: RefusalCategory::UnsafeQuery,
            }
        })?;
        let rows = self
            .runner
            .run(&guarded, &context)
            .await
            .map_err(|error| failed(error, attempts))?;
        Ok(shown(
            self.phrase(question, guarded, rows, attempts, usage).await,
        ))
    }
}

/// What the question says itself, read without the model.
struct Read {
    /// The period its words name, by rules ([`period_in`]).
    period: Option<Period>,
    /// Whether it names a time at all ([`names_a_time`]).
    timed: bool,
    /// The employees and teams in scope it names whole.
    mentioned: Mentioned,
}

impl Read {
    /// The model's `plan` with what the question says exactly: the period
    /// read by rules wherever they find one, no period where the question
    /// names no time (unless the metric needs one), the names the question
    /// holds whole, else of the model's own names only those the question
    /// refers to give or take a typo, and the modifiers the question's
    /// words ask for ([`ground_in_words`]). A small model copies these
    /// from the worked plans it is shown, or fills them because the schema
    /// makes it write every field; what it decides is the metric, and the
    /// grouping and period where the words do not.
    fn ground(&self, question: &str, mut plan: QueryPlan) -> QueryPlan {
        match self.period {
            Some(period) => plan.period = Some(period),
            None if !self.timed && !plan.metric.needs_period() => plan.period = None,
            None => {}
        }
        let names = |found: &[String], written: Option<Vec<String>>| {
            if !found.is_empty() {
                return Some(found.to_vec());
            }
            let kept: Vec<String> = written
                .unwrap_or_default()
                .into_iter()
                .filter(|name| written_in(question, name))
                .collect();
            (!kept.is_empty()).then_some(kept)
        };
        plan.teams = names(&self.mentioned.teams, plan.teams.take());
        plan.employees = names(&self.mentioned.employees, plan.employees.take());
        ground_in_words(question, plan)
    }
}

impl AskService {
    /// Reads `question` for [`Read`], the names in `principal`'s scope.
    async fn read(
        &self,
        principal: &Principal,
        question: &str,
        today: NaiveDate,
    ) -> Result<Read, AskError> {
        let context = QueryContext::new(self.config.timezone).with_scope(principal.scope());
        let mentioned = mentioned(self.runner.as_ref(), &self.guard, &context, question)
            .await
            .map_err(|error| lookup_failed(error, 0))?;
        Ok(Read {
            period: period_in(question, today),
            timed: names_a_time(question),
            mentioned,
        })
    }
}

/// A name lookup that did not run.
fn lookup_failed(error: LookupError, attempts: u32) -> AskError {
    match error {
        LookupError::Query(error) => failed(error, attempts),
        LookupError::Refused(refusal) => {
            tracing::error!(%refusal, "the guard refused a name lookup; is qa_employees or qa_teams missing from the catalog?");
            AskError::Refused {
                category: RefusalCategory::UnsafeQuery,
            }
        }
    }
}

/// A runner error on a compiled query: there is no model turn to repair
/// it, so it is final.
fn failed(error: QueryError, attempts: u32) -> AskError {
    match error {
        QueryError::Unavailable { source } => AskError::Unavailable { source },
        QueryError::TooLarge { .. } => AskError::Refused {
            category: RefusalCategory::ResultTooLarge,
        },
        QueryError::Rejected { message } => {
            tracing::error!(error = %message, "the database rejected a compiled plan");
            AskError::QueryFailed { attempts }
        }
        QueryError::Timeout => AskError::QueryFailed { attempts },
    }
}

fn clarification(
    kind: NameKind,
    written: &str,
    candidates: &[Candidate],
    attempts: u32,
    usage: TokenUsage,
) -> Answer {
    let listed: Vec<String> = candidates
        .iter()
        .map(|c| match &c.team {
            Some(team) => format!("{} ({team}, id {})", c.name, c.id),
            None => format!("{} (id {})", c.name, c.id),
        })
        .collect();
    let (columns, rows) = match kind {
        NameKind::Employee => (
            vec!["employee_id", "employee_name", "team_name"],
            candidates
                .iter()
                .map(|c| {
                    vec![
                        Value::from(c.id),
                        Value::from(c.name.clone()),
                        c.team.clone().map_or(Value::Null, Value::from),
                    ]
                })
                .collect(),
        ),
        NameKind::Team => (
            vec!["team_id", "team_name"],
            candidates
                .iter()
                .map(|c| vec![Value::from(c.id), Value::from(c.name.clone())])
                .collect(),
        ),
    };
    Answer {
        text: format!(
            "Which {} do you mean by \"{written}\": {}? Ask again with the full name.",
            kind.as_str(),
            listed.join(", or ")
        ),
        phrased_by: PhrasedBy::Template,
        sql: String::new(),
        columns: columns.into_iter().map(str::to_owned).collect(),
        rows,
        attempts,
        usage,
        kind: AnswerKind::Clarification,
        plan: None,
        plan_sentence: None,
    }
}

fn not_found(kind: NameKind, written: &str, attempts: u32, usage: TokenUsage) -> Answer {
    Answer {
        text: format!(
            "No {} called \"{written}\" is among those you can see.",
            kind.as_str()
        ),
        phrased_by: PhrasedBy::Template,
        sql: String::new(),
        columns: Vec::new(),
        rows: Vec::new(),
        attempts,
        usage,
        kind: AnswerKind::NotFound,
        plan: None,
        plan_sentence: None,
    }
}
