//! Holiday calendars and absences. Holidays are written by admins,
//! absences also by the employee's managers; the core checks who may, as
//! for every route.

use attendance_core::worktime::{
    self as core, AbsenceFilter, HolidayFilter, NewAbsence, NewHoliday,
};
use attendance_core::{EmployeeId, Entity, TeamId};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use crate::auth::Caller;
use crate::dto::{
    Absence, AbsenceList, AbsencesQuery, CreateHoliday, Holiday, HolidayList, HolidaysQuery,
    RecordAbsence,
};
use crate::extract::{IdempotencyHeader, JsonBody, QueryParams, excerpt, parse_date, path_id};
use crate::problem::Problem;
use crate::routes::{Shared, written};
use crate::routes_worktime::optional_id;

/// `full` or `half`; absent: `full`.
fn parse_portion(value: Option<&str>) -> Result<core::DayPortion, Problem> {
    let Some(value) = value else {
        return Ok(core::DayPortion::Full);
    };
    core::DayPortion::parse(value.trim()).ok_or_else(|| {
        Problem::validation(
            "portion",
            format!(
                "must be \"full\" or \"half\", got \"{}\"",
                excerpt(value, 40)
            ),
        )
    })
}

fn optional_date(
    field: &'static str,
    value: Option<&str>,
) -> Result<Option<chrono::NaiveDate>, Problem> {
    value.map(|v| parse_date(field, v)).transpose()
}

/// Adds a holiday to the company's calendar or a team's.
#[utoipa::path(
    post,
    path = "/holidays",
    tag = "work time",
    request_body = CreateHoliday,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes the write safe to retry, as for the other POSTs.")),
    responses(
        (status = 201, description = "The holiday", body = Holiday,
            headers(("Idempotent-Replayed" = bool, description = "`true` when this is the stored answer to an earlier request with the same Idempotency-Key"))),
        (status = 400, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only admins add holidays", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The calendar has a holiday on that date (`holiday_exists`, with `existing_holiday`)", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not declared as JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid, `team_id` names no team, or the Idempotency-Key is invalid or was used for another request", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn add_holiday(
    State(app): Shared,
    Caller(principal): Caller,
    IdempotencyHeader(key): IdempotencyHeader,
    JsonBody(body): JsonBody<CreateHoliday>,
) -> Result<Response, Problem> {
    let date = parse_date("date", &body.date)?;
    let portion = parse_portion(body.portion.as_deref())?;
    let holiday = NewHoliday::new(body.team_id.map(TeamId), date, &body.name, portion)?;
    let once = app
        .services
        .attendance
        .acting_as(&principal)
        .with_key(key.as_ref())
        .add_holiday(&holiday)
        .await?;
    Ok(written(
        StatusCode::CREATED,
        Holiday::from(once.value),
        once.replayed,
    ))
}

/// Holidays by date: the company's and, with `team_id`, that team's only;
/// without it, every calendar. Anyone signed in may read them.
#[utoipa::path(
    get,
    path = "/holidays",
    tag = "work time",
    params(HolidaysQuery),
    responses(
        (status = 200, description = "The holidays", body = HolidayList),
        (status = 422, description = "A parameter is invalid, or `to` is before `from`", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn list_holidays(
    State(app): Shared,
    Caller(principal): Caller,
    QueryParams(query): QueryParams<HolidaysQuery>,
) -> Result<Json<HolidayList>, Problem> {
    let filter = HolidayFilter {
        team_id: optional_id("team_id", query.team_id.as_deref())?.map(TeamId),
        from: optional_date("from", query.from.as_deref())?,
        to: optional_date("to", query.to.as_deref())?,
    };
    let items = app
        .services
        .attendance
        .acting_as(&principal)
        .holidays(&filter)
        .await?;
    Ok(Json(HolidayList {
        items: items.into_iter().map(Into::into).collect(),
    }))
}

/// Removes a holiday; the days it covered owe their minutes again.
#[utoipa::path(
    delete,
    path = "/holidays/{id}",
    tag = "work time",
    params(("id" = i64, Path, description = "The holiday's id")),
    responses(
        (status = 200, description = "The holiday removed", body = Holiday),
        (status = 403, description = "Only admins remove holidays", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such holiday", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn remove_holiday(
    State(app): Shared,
    Caller(principal): Caller,
    Path(id): Path<String>,
) -> Result<Json<Holiday>, Problem> {
    let id = core::HolidayId(path_id(Entity::Holiday, &id)?);
    let removed = app
        .services
        .attendance
        .acting_as(&principal)
        .remove_holiday(id)
        .await?;
    Ok(Json(removed.into()))
}

/// Records an employee's absence over a range of dates.
#[utoipa::path(
    post,
    path = "/absences",
    tag = "work time",
    request_body = RecordAbsence,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes the write safe to retry, as for the other POSTs.")),
    responses(
        (status = 201, description = "The absence", body = Absence,
            headers(("Idempotent-Replayed" = bool, description = "`true` when this is the stored answer to an earlier request with the same Idempotency-Key"))),
        (status = 400, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only the employee's managers and admins record absences; also for an unknown employee, which a non-admin cannot tell from one out of scope", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such employee", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "It overlaps another absence of the employee (`absence_overlap`, with `existing_absence`)", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not declared as JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid (`to` before `from`, or a range longer than a leap year), or the Idempotency-Key is invalid or was used for another request", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn record_absence(
    State(app): Shared,
    Caller(principal): Caller,
    IdempotencyHeader(key): IdempotencyHeader,
    JsonBody(body): JsonBody<RecordAbsence>,
) -> Result<Response, Problem> {
    let kind = core::AbsenceKind::parse(body.kind.trim()).ok_or_else(|| {
        Problem::validation(
            "kind",
            format!(
                "must be \"vacation\", \"sick\" or \"other\", got \"{}\"",
                excerpt(&body.kind, 40)
            ),
        )
    })?;
    let from = parse_date("from", &body.from)?;
    let to = parse_date("to", &body.to)?;
    let mut absence = NewAbsence::new(EmployeeId(body.employee_id), kind, from, to)?
        .with_portion(parse_portion(body.portion.as_deref())?);
    if let Some(note) = &body.note {
        absence = absence.with_note(note)?;
    }
    let once = app
        .services
        .attendance
        .acting_as(&principal)
        .with_key(key.as_ref())
        .record_absence(&absence)
        .await?;
    Ok(written(
        StatusCode::CREATED,
        Absence::from(once.value),
        once.replayed,
    ))
}

/// The absences in the caller's scope (an employee's own, a manager's
/// teams', every one for an admin), by first day; a filter on someone
/// out of scope finds nothing.
#[utoipa::path(
    get,
    path = "/absences",
    tag = "work time",
    params(AbsencesQuery),
    responses(
        (status = 200, description = "The absences", body = AbsenceList),
        (status = 404, description = "No such team, or one out of the caller's scope", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A parameter is invalid", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn list_absences(
    State(app): Shared,
    Caller(principal): Caller,
    QueryParams(query): QueryParams<AbsencesQuery>,
) -> Result<Json<AbsenceList>, Problem> {
    let filter = AbsenceFilter {
        employee_id: optional_id("employee_id", query.employee_id.as_deref())?.map(EmployeeId),
        team_id: optional_id("team_id", query.team_id.as_deref())?.map(TeamId),
        from: optional_date("from", query.from.as_deref())?,
        to: optional_date("to", query.to.as_deref())?,
        ..AbsenceFilter::default()
    };
    let items = app
        .services
        .attendance
        .acting_as(&principal)
        .absences(&filter)
        .await?;
    Ok(Json(AbsenceList {
        items: items.into_iter().map(Into::into).collect(),
    }))
}

/// Removes an absence; the days it covered owe their minutes again.
#[utoipa::path(
    delete,
    path = "/absences/{id}",
    tag = "work time",
    params(("id" = i64, Path, description = "The absence's id")),
    responses(
        (status = 200, description = "The absence removed", body = Absence),
        (status = 403, description = "Only the employee's managers and admins remove absences; also for an unknown id, which a non-admin cannot tell from one out of scope", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such absence", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn remove_absence(
    State(app): Shared,
    Caller(principal): Caller,
    Path(id): Path<String>,
) -> Result<Json<Absence>, Problem> {
    let id = core::AbsenceId(path_id(Entity::Absence, &id)?);
    let removed = app
        .services
        .attendance
        .acting_as(&principal)
        .remove_absence(id)
        .await?;
    Ok(Json(removed.into()))
}
