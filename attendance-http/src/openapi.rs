//! The OpenAPI 3.1 document, generated from the handlers' annotations and
//! the wire types.

use utoipa::OpenApi;

use crate::dto;
use crate::problem::{Extensions, FieldError, Problem};
use crate::routes;

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
    paths(
        routes::health,
        routes::create_team,
        routes::list_teams,
        routes::get_team,
        routes::create_employee,
        routes::list_employees,
        routes::get_employee,
        routes::clock_in,
        routes::clock_out,
        routes::list_attendance,
        routes::employee_trend,
        routes::team_trend,
        routes::daily_summary,
        routes::weekly_summary,
        routes::ask,
        routes::openapi_json,
    ),
    components(schemas(
        Problem,
        Extensions,
        FieldError,
        dto::WorkMode,
        dto::Granularity,
        dto::Team,
        dto::Employee,
        dto::Session,
        dto::SessionPage,
        dto::Health,
        dto::CreateTeam,
        dto::CreateEmployee,
        dto::ClockIn,
        dto::ClockOut,
        dto::TrendPoint,
        dto::TeamTrendPoint,
        dto::EmployeeTrend,
        dto::TeamTrend,
        dto::GeneratedBy,
        dto::LateArrival,
        dto::ForgottenClockOut,
        dto::TeamDay,
        dto::DailyFacts,
        dto::WeekTotals,
        dto::WeekChange,
        dto::TeamWeek,
        dto::WeeklyFacts,
        dto::DailySummary,
        dto::WeeklySummary,
        dto::AskRequest,
        dto::Answer,
    )),
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

/// The OpenAPI 3.1 document of the router, as served at `GET /openapi.json`.
///
/// Its paths are relative to wherever the host mounts the router; a host
/// that nests it under a prefix can add a server entry with that prefix.
pub fn openapi() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}
