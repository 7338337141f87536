//! Attendance: sessions, the page of a listing, clock-in and clock-out
//! bodies, and the listing's query.

use attendance_core::AttendanceSession;
use attendance_core::domain::DEFAULT_FUTURE_TOLERANCE;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat};
use utoipa::{IntoParams, ToSchema};

use super::shared::{PageSize, WorkMode, described_string};

/// One stretch of work between a clock-in and an optional clock-out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Session {
    /// The session's id.
    pub id: i64,
    /// Who worked.
    pub employee_id: i64,
    /// Local date of the clock-in in the team's timezone (`YYYY-MM-DD`).
    pub work_date: NaiveDate,
    /// When the session started (RFC 3339).
    pub clock_in: DateTime<Utc>,
    /// When it ended (RFC 3339); `null` while it is open.
    pub clock_out: Option<DateTime<Utc>>,
    /// Where the work was done.
    pub work_mode: WorkMode,
    /// Whether the clock-out was set by the team's forgotten clock-out
    /// policy (closed at clock-in plus the team's maximum) rather than by
    /// anyone clocking out.
    pub auto_closed: bool,
}

impl From<AttendanceSession> for Session {
    fn from(s: AttendanceSession) -> Self {
        Self {
            id: s.id.0,
            employee_id: s.employee_id.0,
            work_date: s.work_date,
            clock_in: s.clock_in,
            clock_out: s.clock_out,
            work_mode: s.work_mode.into(),
            auto_closed: s.auto_closed,
        }
    }
}

/// One page of sessions, newest clock-in first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SessionPage {
    /// The sessions of this page.
    pub items: Vec<Session>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// Body of `POST /attendance/clock-in`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClockIn {
    /// Who clocks in.
    pub employee_id: i64,
    /// `WFH` or `WFO`.
    #[schema(value_type = WorkMode)]
    pub work_mode: String,
    /// When (RFC 3339); default now. At most the service's future tolerance
    /// ahead of now ([`DEFAULT_FUTURE_TOLERANCE`] unless configured).
    #[schema(schema_with = clock_in_at_schema)]
    pub at: Option<String>,
}

fn clock_in_at_schema() -> ObjectBuilder {
    described_string(
        format!(
            "When (RFC 3339); default now. At most {} minutes in the future \
             (the server's default tolerance for clock skew).",
            DEFAULT_FUTURE_TOLERANCE.num_minutes()
        ),
        "2026-03-02T08:55:00Z",
        true,
    )
    .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
}

/// Body of `POST /attendance/clock-out`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClockOut {
    /// Who clocks out.
    pub employee_id: i64,
    /// When (RFC 3339); default now. Must be after the clock-in.
    #[schema(value_type = Option<DateTime<Utc>>, example = "2026-03-02T17:05:00Z")]
    pub at: Option<String>,
}

/// Query of `GET /attendance`.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct AttendanceQuery {
    /// Only this employee's sessions.
    #[param(value_type = Option<i64>)]
    pub(crate) employee_id: Option<String>,
    /// Only sessions of this team's employees.
    #[param(value_type = Option<i64>)]
    pub(crate) team_id: Option<String>,
    /// Only work dates on or after this day (`YYYY-MM-DD`).
    #[param(value_type = Option<NaiveDate>)]
    pub(crate) from: Option<String>,
    /// Only work dates on or before this day (`YYYY-MM-DD`).
    #[param(value_type = Option<NaiveDate>)]
    pub(crate) to: Option<String>,
    /// Only this work mode.
    #[param(value_type = Option<WorkMode>)]
    pub(crate) work_mode: Option<String>,
    /// Page size; its bounds and default are in the schema.
    #[param(value_type = Option<PageSize>, inline)]
    pub(crate) limit: Option<String>,
    /// `next_cursor` of the previous page.
    pub(crate) cursor: Option<String>,
}
