//! The API, declared once. Each entry below routes a handler and documents
//! it, both from the handler's `#[utoipa::path]` (method, path, parameters,
//! responses), so no route exists without its spec and no spec without its
//! route. [`Declaration`] only accepts what `routes!` makes, so there is no
//! way to add an undocumented route here.

use std::sync::Arc;

use utoipa::OpenApi;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

use crate::HttpConfig;
use crate::middleware::DeadlineLayer;
use crate::routes::{self, AppState};
use crate::routes_audit;
use crate::routes_managers;

/// Every operation of the router: one `routes!` per path, in the time budget
/// of its kind (routes that call a language model get the longer one).
pub(crate) fn declare(config: &HttpConfig) -> OpenApiRouter<Arc<AppState>> {
    Declaration::new(config)
        .standard(routes!(routes::health))
        .standard(routes!(routes::create_team, routes::list_teams))
        .standard(routes!(routes::get_team))
        .standard(routes!(
            routes_managers::appoint_manager,
            routes_managers::dismiss_manager
        ))
        .standard(routes!(routes::create_employee, routes::list_employees))
        .standard(routes!(routes::get_employee))
        .standard(routes!(routes::clock_in))
        .standard(routes!(routes::clock_out))
        .standard(routes!(routes::list_attendance))
        .standard(routes!(routes_audit::record_session))
        .standard(routes!(routes_audit::correct_session))
        .standard(routes!(routes_audit::list_audit))
        .standard(routes!(routes::employee_trend))
        .standard(routes!(routes::team_trend))
        .ai(routes!(routes::daily_summary))
        .ai(routes!(routes::weekly_summary))
        .ai(routes!(routes::ask))
        .standard(routes!(routes::openapi_json))
        .finish()
}

/// The OpenAPI 3.1 document of the router, as served at `GET /openapi.json`.
///
/// Its paths are relative to wherever the host mounts the router; a host
/// that nests it under a prefix can add a server entry with that prefix.
pub fn openapi() -> utoipa::openapi::OpenApi {
    declare(&HttpConfig::default()).into_openapi()
}

/// What the document says besides its operations.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "attendance",
        description = "Clock-in and clock-out, attendance listings, trends, summaries and \
            questions in plain language. Errors are application/problem+json (RFC 9457) \
            with a stable `type`. Besides the responses listed per operation, any \
            operation may answer 405 (method not allowed, with Allow), 413 (body over \
            the limit), 500 (an internal failure, detail withheld) and 503 with \
            Retry-After (database unreachable, or the request ran out of time)."
    ),
    tags(
        (name = "teams", description = "Teams and their timezones"),
        (name = "employees", description = "Employees, each in one team"),
        (name = "attendance", description = "Clock-in, clock-out and the sessions they make"),
        (name = "trends", description = "Figures per day, ISO week or month"),
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
    ai: DeadlineLayer,
}

impl Declaration {
    fn new(config: &HttpConfig) -> Self {
        Self {
            router: OpenApiRouter::with_openapi(ApiDoc::openapi()),
            standard: DeadlineLayer::new(config.request_timeout),
            ai: DeadlineLayer::new(config.ai_request_timeout),
        }
    }

    /// The operations of one path, within the standard time budget.
    fn standard(self, operations: UtoipaMethodRouter<Arc<AppState>>) -> Self {
        let deadline = self.standard;
        self.add(operations, deadline)
    }

    /// The operations of one path, within the budget of routes that call a
    /// language model.
    fn ai(self, operations: UtoipaMethodRouter<Arc<AppState>>) -> Self {
        let deadline = self.ai;
        self.add(operations, deadline)
    }

    fn add(
        mut self,
        operations: UtoipaMethodRouter<Arc<AppState>>,
        deadline: DeadlineLayer,
    ) -> Self {
        // `routes!` puts every handler it names on every path they name, so
        // handlers of two paths in one `routes!` would answer on both.
        debug_assert_eq!(operations.1.paths.len(), 1, "one path per `routes!`");
        self.router = self.router.routes(operations.layer(deadline));
        self
    }

    fn finish(self) -> OpenApiRouter<Arc<AppState>> {
        self.router
    }
}
