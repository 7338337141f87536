//! Teams: the team and the body that creates one.

use attendance_core::Team as CoreTeam;
use attendance_core::domain::{DEFAULT_LATE_AFTER, MAX_TEAM_NAME};
use serde::{Deserialize, Serialize};
use utoipa::openapi::schema::ObjectBuilder;
use utoipa::{IntoParams, ToSchema};

use super::shared::{PageSize, described_string, format_time};

/// A team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Team {
    /// The team's id.
    pub id: i64,
    /// Unique name (case-insensitively).
    #[schema(example = "Platform")]
    pub name: String,
    /// IANA timezone in which work dates and local times are read.
    #[schema(example = "Europe/Berlin")]
    pub timezone: String,
    /// A first clock-in after this local time (`HH:MM`) counts as late.
    #[schema(example = "09:30")]
    pub late_after: String,
    /// The forgotten clock-out policy: a session left open this many hours
    /// is closed at its clock-in plus this many hours and marked
    /// `auto_closed`; `null` when off.
    #[schema(example = 12, minimum = 1, maximum = 72)]
    pub auto_close_after_hours: Option<u32>,
}

impl From<CoreTeam> for Team {
    fn from(team: CoreTeam) -> Self {
        Self {
            id: team.id.0,
            name: team.name,
            timezone: team.timezone.name().to_owned(),
            late_after: format_time(team.late_after),
            auto_close_after_hours: team.auto_close_after_hours,
        }
    }
}

/// Body of `POST /teams`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTeam {
    /// Name, 1 to [`MAX_TEAM_NAME`] characters after trimming, unique
    /// case-insensitively.
    #[schema(schema_with = team_name_schema)]
    pub name: String,
    /// IANA timezone; default `UTC`.
    #[schema(example = "Europe/Berlin")]
    pub timezone: Option<String>,
    /// Local time after which a first clock-in is late, `HH:MM`; default
    /// [`DEFAULT_LATE_AFTER`].
    #[schema(schema_with = late_after_schema)]
    pub late_after: Option<String>,
    /// Turns the forgotten clock-out policy on: sessions left open this
    /// many hours (1 to 72) are closed at clock-in plus this many hours.
    /// Default: off.
    #[schema(example = 12, minimum = 1, maximum = 72)]
    pub auto_close_after_hours: Option<i64>,
}

fn team_name_schema() -> ObjectBuilder {
    described_string(
        format!("Name, 1–{MAX_TEAM_NAME} characters after trimming, unique case-insensitively."),
        "Platform",
        false,
    )
}

fn late_after_schema() -> ObjectBuilder {
    described_string(
        format!(
            "Local time after which a first clock-in is late, `HH:MM`; default `{}`.",
            format_time(DEFAULT_LATE_AFTER)
        ),
        "09:30",
        true,
    )
    .pattern(Some(r"^\d{2}:\d{2}(:\d{2})?$"))
}

/// One page of teams, by id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TeamPage {
    /// The teams of this page.
    pub items: Vec<Team>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// Query of `GET /teams`.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct TeamsQuery {
    /// Page size; its bounds and default are in the schema.
    #[param(value_type = Option<PageSize>, inline)]
    pub(crate) limit: Option<String>,
    /// `next_cursor` of the previous page.
    pub(crate) cursor: Option<String>,
}
