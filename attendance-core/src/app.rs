//! One way in: [`App::builder`] takes a store (and optionally a chat model
//! and a SQL runner) and gives every service over it, sharing one clock
//! and one config, plus the one maintenance loop a host runs beside them.
//!
//! ```
//! use std::sync::Arc;
//! use attendance_core::{App, NewTeam, memory::InMemoryStore};
//!
//! # async fn demo() -> attendance_core::Result<()> {
//! let app = App::builder(Arc::new(InMemoryStore::new())).build();
//! let team = app.attendance.create_team(&NewTeam::new("Platform")?).await?;
//! assert_eq!(team.name, "Platform");
//! assert!(app.ask.is_none(), "no chat model, no questions");
//! // A host runs `app.maintenance(tokio::time::sleep)` on its runtime.
//! # Ok(()) }
//! ```

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use crate::ask::{AskConfig, AskService, Catalog, PlanExample, SqlRunner};
use crate::clock::{Clock, SystemClock};
use crate::llm::ChatModel;
use crate::service::{AttendanceService, ServiceConfig, TrendService};
use crate::store::Store;
use crate::summary::SummaryService;
use crate::trends::WorkingDays;

/// How often [`App::maintenance`] closes forgotten sessions: a session
/// left open past its team's maximum is closed within this of it.
pub const FORGOTTEN_SESSION_SWEEP: Duration = Duration::from_secs(60);

/// How often [`App::maintenance`] drops expired idempotency keys, so
/// their table holds about one window of keyed writes.
pub const EXPIRED_KEY_SWEEP: Duration = Duration::from_secs(3600);

/// Every service of the library over one store; made by
/// [`App::builder`]. Cheap to clone: each service holds `Arc`s.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct App {
    /// Teams, employees, clock-in/out, corrections, the audit trail.
    pub attendance: AttendanceService,
    /// Trends by employee and team.
    pub trends: TrendService,
    /// Daily and weekly summaries (phrased by the chat model if there is
    /// one, else by template).
    pub summaries: SummaryService,
    /// Questions in plain language: only with both a chat model and a SQL
    /// runner.
    pub ask: Option<AskService>,
}

impl App {
    /// A builder over `store`, with the system clock, default configs,
    /// no chat model and no SQL runner.
    pub fn builder(store: Arc<dyn Store>) -> AppBuilder {
        AppBuilder {
            store,
            model: None,
            runner: None,
            clock: Arc::new(SystemClock),
            config: ServiceConfig::default(),
            working_days: WorkingDays::default(),
            ask_config: AskConfig::default(),
            plan_examples: Vec::new(),
        }
    }

    /// The library's periodic work, forever: every
    /// [`FORGOTTEN_SESSION_SWEEP`] the teams' forgotten clock-out
    /// policies ([`AttendanceService::close_forgotten_sessions`]), every
    /// [`EXPIRED_KEY_SWEEP`] the expired idempotency keys
    /// ([`AttendanceService::forget_expired_keys`]); both at once when it
    /// starts. Failures are logged and tried again at the next turn.
    ///
    /// `sleep` is the runtime's timer (`tokio::time::sleep`), so core
    /// depends on no runtime. A host spawns the future, or drops it to stop.
    pub fn maintenance<S, F>(&self, sleep: S) -> impl Future<Output = ()> + Send + 'static
    where
        S: Fn(Duration) -> F + Send + 'static,
        F: Future<Output = ()> + Send,
    {
        let attendance = self.attendance.clone();
        let every = EXPIRED_KEY_SWEEP.as_secs() / FORGOTTEN_SESSION_SWEEP.as_secs().max(1);
        async move {
            let mut turn: u64 = 0;
            loop {
                match attendance.close_forgotten_sessions().await {
                    Ok(closed) if closed.is_empty() => {}
                    Ok(closed) => {
                        tracing::info!(sessions = closed.len(), "closed forgotten sessions");
                    }
                    Err(err) => tracing::warn!(%err, "could not close forgotten sessions"),
                }
                if turn.is_multiple_of(every.max(1)) {
                    match attendance.forget_expired_keys().await {
                        Ok(0) => {}
                        Ok(n) => tracing::info!(keys = n, "forgot expired idempotency keys"),
                        Err(err) => {
                            tracing::warn!(%err, "could not forget expired idempotency keys");
                        }
                    }
                }
                turn = turn.wrapping_add(1);
                sleep(FORGOTTEN_SESSION_SWEEP).await;
            }
        }
    }
}

/// Builds an [`App`]; made by [`App::builder`]. Each setting has a
/// documented default.
#[must_use]
pub struct AppBuilder {
    store: Arc<dyn Store>,
    model: Option<Arc<dyn ChatModel>>,
    runner: Option<(Arc<dyn SqlRunner>, Catalog)>,
    clock: Arc<dyn Clock>,
    config: ServiceConfig,
    working_days: WorkingDays,
    ask_config: AskConfig,
    plan_examples: Vec<PlanExample>,
}

impl fmt::Debug for AppBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppBuilder")
            .field("model", &self.model.as_ref().map(|m| m.describe()))
            .field("runner", &self.runner.is_some())
            .field("clock", &self.clock)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl AppBuilder {
    /// Phrases summaries with `model`, and answers questions with it once
    /// there is a SQL runner too. Default: none (template summaries, no
    /// questions).
    pub fn chat_model(mut self, model: Arc<dyn ChatModel>) -> Self {
        self.model = Some(model);
        self
    }

    /// [`AppBuilder::chat_model`] when there is one.
    pub fn chat_model_opt(mut self, model: Option<Arc<dyn ChatModel>>) -> Self {
        self.model = model;
        self
    }

    /// Runs the model's queries with `runner` over the relations of
    /// `catalog` (the only ones the guard allows). Default: none (no
    /// questions).
    pub fn sql_runner(mut self, runner: Arc<dyn SqlRunner>, catalog: Catalog) -> Self {
        self.runner = Some((runner, catalog));
        self
    }

    /// The clock of every service. Default: [`SystemClock`].
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The attendance service's tunables. Default: [`ServiceConfig::default`].
    pub fn config(mut self, config: ServiceConfig) -> Self {
        self.config = config;
        self
    }

    /// How questions are answered (plan or free SQL, repairs, timezone).
    /// Default: [`AskConfig::default`].
    pub fn ask_config(mut self, config: AskConfig) -> Self {
        self.ask_config = config;
        self
    }

    /// The worked plans the plan prompt picks its examples from
    /// ([`AskService::with_plan_examples`]). Default: none.
    pub fn plan_examples(mut self, examples: Vec<PlanExample>) -> Self {
        self.plan_examples = examples;
        self
    }

    /// Which weekdays count as working days in trends and summaries.
    /// Default: Monday to Friday.
    pub fn working_days(mut self, working_days: WorkingDays) -> Self {
        self.working_days = working_days;
        self
    }

    /// Every service over the one store.
    pub fn build(self) -> App {
        let attendance = AttendanceService::new(self.store.clone())
            .with_clock(self.clock.clone())
            .with_config(self.config);
        let trends = TrendService::new(self.store.clone())
            .with_working_days(self.working_days)
            .with_clock(self.clock.clone());
        let summaries = SummaryService::new(self.store, self.model.clone())
            .with_working_days(self.working_days)
            .with_clock(self.clock.clone());
        let ask = match (self.model, self.runner) {
            (Some(model), Some((runner, catalog))) => Some(
                AskService::new(model, runner, catalog)
                    .with_clock(self.clock)
                    .with_config(self.ask_config)
                    .with_plan_examples(self.plan_examples),
            ),
            _ => None,
        };
        App {
            attendance,
            trends,
            summaries,
            ask,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use chrono::TimeDelta;

    use super::*;
    use crate::clock::ManualClock;
    use crate::domain::{NewEmployee, NewTeam, WorkMode};
    use crate::memory::InMemoryStore;

    #[tokio::test]
    async fn the_services_share_the_clock_and_the_store() {
        let start = "2026-03-02T08:00:00Z".parse().unwrap();
        let clock = Arc::new(ManualClock::new(start));
        let app = App::builder(Arc::new(InMemoryStore::new()))
            .clock(clock.clone())
            .build();
        let team = app
            .attendance
            .create_team(
                &NewTeam::new("Ops")
                    .unwrap()
                    .with_auto_close_after_hours(12)
                    .unwrap(),
            )
            .await
            .unwrap();
        let ada = app
            .attendance
            .create_employee(&NewEmployee::new("Ada", "Engineer", team.id).unwrap())
            .await
            .unwrap();
        let session = app
            .attendance
            .clock_in(ada.id, WorkMode::Wfo, None)
            .await
            .unwrap();
        assert_eq!(session.clock_in, clock.now());
        assert!(app.ask.is_none());

        // One turn of maintenance closes the session its team forgot.
        clock.set(clock.now() + TimeDelta::hours(13));
        let asleep = Arc::new(tokio::sync::Notify::new());
        let turns = Arc::new(AtomicUsize::new(0));
        let (signal, counted) = (asleep.clone(), turns.clone());
        let maintenance = app.maintenance(move |_| {
            counted.fetch_add(1, Ordering::SeqCst);
            signal.notify_one();
            // This sleep never ends: one turn only.
            std::future::pending::<()>()
        });
        tokio::select! {
            () = maintenance => unreachable!("maintenance runs until dropped"),
            () = asleep.notified() => {}
        }
        assert_eq!(turns.load(Ordering::SeqCst), 1);
        let open = app.attendance.open_session(ada.id).await.unwrap();
        assert_eq!(open, None, "closed by the sweep");
    }
}
