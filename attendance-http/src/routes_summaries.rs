//! The daily and weekly summaries, and the daily facts alone (what the
//! web app's Today view reads: no model call, so no rate limit).

use attendance_core::TeamId;
use axum::Json;
use axum::extract::State;

use crate::auth::Caller;
use crate::dto::{DailyFacts, DailySummary, DailySummaryQuery, WeeklySummary, WeeklySummaryQuery};
use crate::extract::{QueryParams, parse_date, parse_i64, parse_week, required};
use crate::problem::Problem;
use crate::routes::Shared;

/// The summary of one day, for one team or, without `team_id`, over every
/// team the caller may read: the company for an admin, their teams for a
/// manager. Employees who manage no team may not read summaries.
///
/// The facts are computed from the data; a language model, when the server
/// has one, phrases them and a grounding check rejects any number the facts
/// lack. Otherwise a template writes the text; `generated_by` says which.
#[utoipa::path(
    get,
    path = "/summaries/daily",
    tag = "summaries",
    params(DailySummaryQuery),
    responses(
        (status = 200, description = "The facts and the text", body = DailySummary),
        (status = 403, description = "The caller manages no team (`forbidden`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such team, or one the caller does not manage", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A parameter is invalid", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn daily_summary(
    State(app): Shared,
    caller: Caller,
    QueryParams(query): QueryParams<DailySummaryQuery>,
) -> Result<Json<DailySummary>, Problem> {
    let date = parse_date("date", required("date", query.date.as_deref())?)?;
    let team = team_filter(query.team_id.as_deref())?;
    let summary = app
        .services
        .summaries
        .acting_as(&caller.0)
        .daily(date, team)
        .await?;
    Ok(Json(summary.into()))
}

/// The summary of one ISO week, for one team or every team the caller may
/// read (as the daily summary), with the change from the week before.
#[utoipa::path(
    get,
    path = "/summaries/weekly",
    tag = "summaries",
    params(WeeklySummaryQuery),
    responses(
        (status = 200, description = "The facts and the text", body = WeeklySummary),
        (status = 403, description = "The caller manages no team (`forbidden`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such team, or one the caller does not manage", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A parameter is invalid", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn weekly_summary(
    State(app): Shared,
    caller: Caller,
    QueryParams(query): QueryParams<WeeklySummaryQuery>,
) -> Result<Json<WeeklySummary>, Problem> {
    let week = parse_week("week", required("week", query.week.as_deref())?)?;
    let team = team_filter(query.team_id.as_deref())?;
    let summary = app
        .services
        .summaries
        .acting_as(&caller.0)
        .weekly(week, team)
        .await?;
    Ok(Json(summary.into()))
}

/// The facts of one day's summary without its text: who was present,
/// absent or late, the WFH/WFO split, who is still clocked in and which
/// sessions were left open, for one team or every team the caller may read
/// (as the daily summary). Computed from the data alone; no language model
/// is asked, so it is not rate limited.
#[utoipa::path(
    get,
    path = "/summaries/daily/facts",
    tag = "summaries",
    params(DailySummaryQuery),
    responses(
        (status = 200, description = "The facts", body = DailyFacts),
        (status = 403, description = "The caller manages no team (`forbidden`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such team, or one the caller does not manage", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A parameter is invalid", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn daily_facts(
    State(app): Shared,
    caller: Caller,
    QueryParams(query): QueryParams<DailySummaryQuery>,
) -> Result<Json<DailyFacts>, Problem> {
    let date = parse_date("date", required("date", query.date.as_deref())?)?;
    let team = team_filter(query.team_id.as_deref())?;
    let facts = app
        .services
        .summaries
        .acting_as(&caller.0)
        .daily_facts(date, team)
        .await?;
    Ok(Json(facts.into()))
}

fn team_filter(team_id: Option<&str>) -> Result<Option<TeamId>, Problem> {
    team_id
        .map(|t| parse_i64("team_id", t).map(TeamId))
        .transpose()
}
