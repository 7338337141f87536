//! The ledger: hours owed and worked, computed from the sessions and the
//! work time settings at every read.

use attendance_core::worktime::LedgerPeriod;
use axum::Json;
use axum::extract::{Path, State};

use crate::auth::Caller;
use crate::dto::{
    EmployeeLedger, EmployeeLedgerQuery, LedgerQuery, MAX_OPENING_BALANCE_MINUTES, TeamLedger,
};
use crate::extract::{QueryParams, employee_path, excerpt, parse_date, required, team_path};
use crate::problem::Problem;
use crate::routes::Shared;

fn period(from: Option<&str>, to: Option<&str>) -> Result<LedgerPeriod, Problem> {
    let from = parse_date("from", required("from", from)?)?;
    let to = parse_date("to", required("to", to)?)?;
    Ok(LedgerPeriod::new(from, to)?)
}

fn opening_balance(value: Option<&str>) -> Result<i64, Problem> {
    let Some(value) = value else {
        return Ok(0);
    };
    let invalid = || {
        Problem::validation(
            "opening_balance_minutes",
            format!(
                "must be a whole number of minutes between -{MAX_OPENING_BALANCE_MINUTES} and \
                 {MAX_OPENING_BALANCE_MINUTES}, got \"{}\"",
                excerpt(value, 40)
            ),
        )
    };
    let minutes: i64 = value.trim().parse().map_err(|_| invalid())?;
    if !(-MAX_OPENING_BALANCE_MINUTES..=MAX_OPENING_BALANCE_MINUTES).contains(&minutes) {
        return Err(invalid());
    }
    Ok(minutes)
}

/// An employee's ledger: one line per date with the running balance, and
/// the period's totals. For the employee themself, their teams' managers
/// and admins.
#[utoipa::path(
    get,
    path = "/ledger/employees/{id}",
    tag = "work time",
    params(("id" = i64, Path, description = "The employee's id"), EmployeeLedgerQuery),
    responses(
        (status = 200, description = "Every date of the period and the totals, in minutes", body = EmployeeLedger),
        (status = 404, description = "No such employee, or one out of the caller's scope", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A parameter is invalid: `to` before `from`, or a range longer than a leap year", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn employee_ledger(
    State(app): Shared,
    Caller(principal): Caller,
    Path(id): Path<String>,
    QueryParams(query): QueryParams<EmployeeLedgerQuery>,
) -> Result<Json<EmployeeLedger>, Problem> {
    let id = employee_path(&id)?;
    let period = period(query.from.as_deref(), query.to.as_deref())?;
    let opening = opening_balance(query.opening_balance_minutes.as_deref())?;
    let ledger = app
        .services
        .trends
        .acting_as(&principal)
        .employee_ledger(id, &period, opening)
        .await?;
    Ok(Json(ledger.into()))
}

/// A team's ledger: the totals of each current member over the period,
/// and the team's. For the team's managers and admins.
#[utoipa::path(
    get,
    path = "/ledger/teams/{id}",
    tag = "work time",
    params(("id" = i64, Path, description = "The team's id"), LedgerQuery),
    responses(
        (status = 200, description = "Each member's totals and the team's, in minutes", body = TeamLedger),
        (status = 404, description = "No such team, or one the caller does not manage", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A parameter is invalid: `to` before `from`, or a range longer than a leap year", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn team_ledger(
    State(app): Shared,
    Caller(principal): Caller,
    Path(id): Path<String>,
    QueryParams(query): QueryParams<LedgerQuery>,
) -> Result<Json<TeamLedger>, Problem> {
    let team = team_path(&id)?;
    let period = period(query.from.as_deref(), query.to.as_deref())?;
    let ledger = app
        .services
        .trends
        .acting_as(&principal)
        .team_ledger(Some(team), &period)
        .await?;
    Ok(Json(ledger.into()))
}

/// The company's ledger: every employee's totals and the sum. Admins only.
#[utoipa::path(
    get,
    path = "/ledger/company",
    tag = "work time",
    params(LedgerQuery),
    responses(
        (status = 200, description = "Each employee's totals and the company's, in minutes", body = TeamLedger),
        (status = 403, description = "Only admins read the company's ledger", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A parameter is invalid: `to` before `from`, or a range longer than a leap year", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn company_ledger(
    State(app): Shared,
    Caller(principal): Caller,
    QueryParams(query): QueryParams<LedgerQuery>,
) -> Result<Json<TeamLedger>, Problem> {
    let period = period(query.from.as_deref(), query.to.as_deref())?;
    let ledger = app
        .services
        .trends
        .acting_as(&principal)
        .team_ledger(None, &period)
        .await?;
    Ok(Json(ledger.into()))
}
