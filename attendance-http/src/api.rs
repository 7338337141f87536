//! The API, declared once. Each entry below routes a handler and documents
//! it, both from the handler's `#[utoipa::path]` (method, path, parameters,
//! responses), so no route exists without its spec and no spec without its
//! route. [`Declaration`] only accepts what `routes!` makes, so there is no
//! way to add an undocumented route here.
//!
//! The kind of an entry also decides its protection, in the router and in
//! the document alike: `open` routes need no credentials; `standard`,
//! `export` and `ai` ones run authentication (and say so: the `bearer`
//! security requirement and a 401 response); `ai` ones are rate limited per
//! principal (a 429 response). `export` ones get the export's own, longer
//! time budget.

use std::convert::Infallible;
use std::sync::Arc;

use utoipa::OpenApi;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::Operation;
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{Content, Ref};
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

use crate::HttpConfig;
use crate::auth::{AuthLayer, Authenticator};
use crate::limit::LimitLayer;
use crate::middleware::DeadlineLayer;
use crate::problem::PROBLEM_JSON;
use crate::routes::{self, AppState};
use crate::routes_audit;
use crate::routes_calendar;
use crate::routes_employees;
use crate::routes_export;
use crate::routes_ledger;
use crate::routes_managers;
use crate::routes_periods;
use crate::routes_requests;
use crate::routes_summaries;
use crate::routes_webhooks;
use crate::routes_worktime;

/// The name of the security scheme in the document.
pub(crate) const BEARER: &str = "bearer";

/// Every operation of the router: one `routes!` per path, in the time budget
/// of its kind (routes that call a language model get the longer one).
pub(crate) fn declare(
    config: &HttpConfig,
    authenticator: Option<Arc<dyn Authenticator>>,
) -> OpenApiRouter<Arc<AppState>> {
    Declaration::new(config, authenticator)
        .open(routes!(routes::health))
        .standard(routes!(routes::create_team, routes::list_teams))
        .standard(routes!(routes::get_team))
        .standard(routes!(
            routes_managers::appoint_manager,
            routes_managers::dismiss_manager
        ))
        .standard(routes!(routes::create_employee, routes::list_employees))
        .standard(routes!(routes_employees::me))
        .standard(routes!(
            routes::get_employee,
            routes_employees::update_employee
        ))
        .standard(routes!(routes::clock_in))
        .standard(routes!(routes::clock_out))
        .standard(routes!(routes::list_attendance))
        .standard(routes!(routes_audit::record_session))
        .standard(routes!(routes_audit::correct_session))
        .standard(routes!(routes_audit::list_audit))
        .standard(routes!(routes::employee_trend))
        .standard(routes!(routes::team_trend))
        .standard(routes!(
            routes_worktime::create_work_pattern,
            routes_worktime::list_work_patterns
        ))
        .standard(routes!(
            routes_worktime::assign_work_pattern,
            routes_worktime::list_assignments
        ))
        .standard(routes!(
            routes_calendar::add_holiday,
            routes_calendar::list_holidays
        ))
        .standard(routes!(routes_calendar::remove_holiday))
        .standard(routes!(
            routes_calendar::record_absence,
            routes_calendar::list_absences
        ))
        .standard(routes!(routes_calendar::remove_absence))
        .standard(routes!(
            routes_worktime::set_break_rule,
            routes_worktime::get_break_rule
        ))
        .standard(routes!(routes_ledger::employee_ledger))
        .standard(routes!(routes_ledger::team_ledger))
        .standard(routes!(routes_ledger::company_ledger))
        .standard(routes!(
            routes_requests::create_request,
            routes_requests::list_requests
        ))
        .standard(routes!(routes_requests::request_inbox))
        .standard(routes!(routes_requests::get_request))
        .standard(routes!(routes_requests::approve_request))
        .standard(routes!(routes_requests::reject_request))
        .standard(routes!(
            routes_periods::lock_period,
            routes_periods::list_periods
        ))
        .standard(routes!(routes_periods::reopen_period))
        .export(routes!(routes_export::export_timesheet))
        .standard(routes!(
            routes_webhooks::register_webhook,
            routes_webhooks::list_webhooks
        ))
        .standard(routes!(
            routes_webhooks::get_webhook,
            routes_webhooks::remove_webhook
        ))
        .standard(routes!(routes_webhooks::list_deliveries))
        .standard(routes!(routes_webhooks::redeliver))
        .standard(routes!(routes_summaries::daily_facts))
        .ai(routes!(routes_summaries::daily_summary))
        .ai(routes!(routes_summaries::weekly_summary))
        .ai(routes!(routes::ask))
        .open(routes!(routes::openapi_json))
        .finish()
}

/// The OpenAPI 3.1 document of the router, as served at `GET /openapi.json`.
///
/// Its paths are relative to wherever the host mounts the router; a host
/// that nests it under a prefix can add a server entry with that prefix.
pub fn openapi() -> utoipa::openapi::OpenApi {
    // No authenticator: this router only lends its document.
    declare(&HttpConfig::default(), None).into_openapi()
}

/// What the document says besides its operations.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "attendance",
        description = "Clock-in and clock-out, attendance listings, trends, summaries, \
            questions in plain language, work time, correction requests, period locks, \
            timesheet exports and webhooks. Errors are application/problem+json (RFC 9457) \
            with a stable `type`. Besides the responses listed per operation, any \
            operation may answer 405 (method not allowed, with Allow), 413 (body over \
            the limit), 500 (an internal failure, detail withheld) and 503 with \
            Retry-After (database unreachable, or the request ran out of time). Every \
            operation except the health check and this document needs \
            `Authorization: Bearer att_…` (a token from the server's command line: \
            `server token create --admin`), and answers 401 with \
            `WWW-Authenticate: Bearer` without a valid one."
    ),
    tags(
        (name = "teams", description = "Teams and their timezones"),
        (name = "employees", description = "Employees, each in one team"),
        (name = "attendance", description = "Clock-in, clock-out and the sessions they make"),
        (name = "trends", description = "Figures per day, ISO week or month"),
        (name = "work time", description = "Work patterns, holidays, absences, break rules, and the ledger of hours owed and worked"),
        (name = "closing", description = "Closing a period: correction requests that someone other than the requester decides, period locks that freeze work dates, and timesheet exports"),
        (name = "webhooks", description = "Endpoints that hear of writes (Standard Webhooks signatures), and their delivery logs; admins only"),
        (name = "summaries", description = "Daily and weekly summaries: facts, and text written from them"),
        (name = "questions", description = "Questions in plain language, answered from the data"),
        (name = "operations", description = "Health and this document"),
    )
)]
struct ApiDoc;

/// The router under construction; it takes only what `routes!` makes.
struct Declaration {
    router: OpenApiRouter<Arc<AppState>>,
    standard: DeadlineLayer,
    export: DeadlineLayer,
    ai: DeadlineLayer,
    auth: AuthLayer,
    limit: LimitLayer,
}

/// What protects an entry; see the module documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Open,
    Standard,
    Export,
    Ai,
}

impl Declaration {
    fn new(config: &HttpConfig, authenticator: Option<Arc<dyn Authenticator>>) -> Self {
        let mut document = ApiDoc::openapi();
        document
            .components
            .get_or_insert_with(Default::default)
            .add_security_scheme(
                BEARER,
                SecurityScheme::Http(
                    HttpBuilder::new()
                        .scheme(HttpAuthScheme::Bearer)
                        .bearer_format("att_ followed by 64 hex digits")
                        .description(Some(
                            "An API token from the server's command line \
                             (`server token create --admin | --employee ID`).",
                        ))
                        .build(),
                ),
            );
        Self {
            router: OpenApiRouter::with_openapi(document),
            standard: DeadlineLayer::new(config.request_timeout),
            export: DeadlineLayer::new(config.export_timeout),
            ai: DeadlineLayer::new(config.ai_request_timeout),
            auth: AuthLayer::new(authenticator),
            limit: LimitLayer::new(config.rate_limit),
        }
    }

    /// The operations of one path, open to anyone, within the standard
    /// time budget.
    fn open(self, operations: UtoipaMethodRouter<Arc<AppState>>) -> Self {
        self.add(operations, Kind::Open)
    }

    /// The operations of one path, for authenticated callers, within the
    /// standard time budget.
    fn standard(self, operations: UtoipaMethodRouter<Arc<AppState>>) -> Self {
        self.add(operations, Kind::Standard)
    }

    /// The operations of one path that write a file for authenticated
    /// callers, within the export's budget (which its task also keeps for
    /// the streamed body: this layer only sees the headers go).
    fn export(self, operations: UtoipaMethodRouter<Arc<AppState>>) -> Self {
        self.add(operations, Kind::Export)
    }

    /// The operations of one path that call a language model: for
    /// authenticated callers, rate limited, within the longer budget.
    fn ai(self, operations: UtoipaMethodRouter<Arc<AppState>>) -> Self {
        self.add(operations, Kind::Ai)
    }

    fn add(mut self, mut operations: UtoipaMethodRouter<Arc<AppState>>, kind: Kind) -> Self {
        // `routes!` puts every handler it names on every path they name, so
        // handlers of two paths in one `routes!` would answer on both.
        debug_assert_eq!(operations.1.paths.len(), 1, "one path per `routes!`");
        for item in operations.1.paths.values_mut() {
            for operation in [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ]
            .into_iter()
            .flatten()
            {
                document(operation, kind);
            }
        }
        let operations = match kind {
            Kind::Open => operations.layer::<_, Infallible>(self.standard),
            Kind::Standard => operations
                .layer::<_, Infallible>(self.auth.clone())
                .layer::<_, Infallible>(self.standard),
            Kind::Export => operations
                .layer::<_, Infallible>(self.auth.clone())
                .layer::<_, Infallible>(self.export),
            Kind::Ai => operations
                .layer::<_, Infallible>(self.limit.clone())
                .layer::<_, Infallible>(self.auth.clone())
                .layer::<_, Infallible>(self.ai),
        };
        self.router = self.router.routes(operations);
        self
    }

    fn finish(self) -> OpenApiRouter<Arc<AppState>> {
        self.router
    }
}

/// Writes an entry's protection into its operation's documentation.
fn document(operation: &mut Operation, kind: Kind) {
    if kind == Kind::Open {
        // An empty list overrides any document-wide requirement.
        operation.security = Some(Vec::new());
        return;
    }
    operation.security = Some(vec![SecurityRequirement::new(BEARER, Vec::<String>::new())]);
    let problem = || Content::new(Some(Ref::from_schema_name("Problem")));
    operation.responses.responses.insert(
        "401".to_owned(),
        ResponseBuilder::new()
            .description(
                "No credentials, or credentials that are not valid (unknown, expired or revoked)",
            )
            .content(PROBLEM_JSON, problem())
            .header(
                "WWW-Authenticate",
                HeaderBuilder::new()
                    .description(Some("`Bearer realm=\"attendance\"`"))
                    .build(),
            )
            .build()
            .into(),
    );
    if kind == Kind::Ai {
        operation.responses.responses.insert(
            "429".to_owned(),
            ResponseBuilder::new()
                .description(
                    "The caller's limit of questions and summaries is spent (a token \
                     bucket per principal, shared by these routes)",
                )
                .content(PROBLEM_JSON, problem())
                .header(
                    "Retry-After",
                    HeaderBuilder::new()
                        .description(Some("Seconds until a request is accepted again"))
                        .build(),
                )
                .build()
                .into(),
        );
    }
}
