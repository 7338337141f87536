//! Work time settings: work patterns and their assignments, and break
//! rules; their bodies, queries and lists. Holidays and absences are in
//! `calendar.rs`.

use attendance_core::worktime::{
    self as core, MAX_BREAK_THRESHOLDS, MAX_WORKTIME_NAME, MINUTES_PER_DAY, ScheduleTarget,
};
use chrono::NaiveDate;
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::openapi::schema::ObjectBuilder;
use utoipa::{IntoParams, ToSchema};

use super::shared::{described_string, format_time};

/// Expected minutes for each ISO weekday.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(description = week_minutes_description())]
pub struct WeekMinutes {
    /// Monday.
    pub mon: i64,
    /// Tuesday.
    pub tue: i64,
    /// Wednesday.
    pub wed: i64,
    /// Thursday.
    pub thu: i64,
    /// Friday.
    pub fri: i64,
    /// Saturday.
    pub sat: i64,
    /// Sunday.
    pub sun: i64,
}

fn week_minutes_description() -> String {
    format!("Expected minutes for each ISO weekday, each 0–{MINUTES_PER_DAY}.")
}

impl WeekMinutes {
    /// Monday first, as core counts them. A value outside `u32` is passed
    /// on saturated so that core's check words the error with its bound.
    pub(crate) fn to_core(self) -> Result<core::WeekMinutes, attendance_core::Error> {
        let days = [
            self.mon, self.tue, self.wed, self.thu, self.fri, self.sat, self.sun,
        ];
        let mut out = [0u32; 7];
        for (slot, minutes) in out.iter_mut().zip(days) {
            if minutes < 0 {
                return Err(attendance_core::Error::validation(
                    "minutes",
                    format!("must not be negative, got {minutes}"),
                ));
            }
            *slot = u32::try_from(minutes).unwrap_or(u32::MAX);
        }
        Ok(out)
    }
}

impl From<core::WeekMinutes> for WeekMinutes {
    fn from(m: core::WeekMinutes) -> Self {
        let [mon, tue, wed, thu, fri, sat, sun] = m.map(i64::from);
        Self {
            mon,
            tue,
            wed,
            thu,
            fri,
            sat,
            sun,
        }
    }
}

/// A work pattern: the minutes each weekday owes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct WorkPattern {
    /// The pattern's id.
    pub id: i64,
    /// A name for people.
    #[schema(example = "Full time")]
    pub name: String,
    /// Expected minutes per weekday.
    pub minutes: WeekMinutes,
    /// Local time (`HH:MM`) after which a first clock-in is late; `null`:
    /// the team's `late_after`.
    #[schema(example = "09:00")]
    pub starts_at: Option<String>,
    /// Overtime counted per ISO week past this many minutes instead of
    /// per day; `null`: per day.
    #[schema(example = 2400)]
    pub weekly_overtime_after: Option<u32>,
}

impl From<core::WorkPattern> for WorkPattern {
    fn from(p: core::WorkPattern) -> Self {
        Self {
            id: p.id.0,
            name: p.name,
            minutes: p.minutes.into(),
            starts_at: p.starts_at.map(format_time),
            weekly_overtime_after: p.weekly_overtime_after,
        }
    }
}

/// Body of `POST /work-patterns`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateWorkPattern {
    /// A name for people.
    #[schema(schema_with = worktime_name_schema)]
    pub name: String,
    /// Expected minutes per weekday; all seven are required.
    pub minutes: WeekMinutes,
    /// Local time (`HH:MM`) after which a first clock-in is late; default:
    /// the team's `late_after`.
    #[schema(example = "09:00")]
    pub starts_at: Option<String>,
    /// Counts overtime per ISO week past this many minutes (1 to 7 × 1440)
    /// instead of per day.
    #[schema(example = 2400)]
    pub weekly_overtime_after: Option<i64>,
}

fn worktime_name_schema() -> ObjectBuilder {
    described_string(
        format!("Name, 1–{MAX_WORKTIME_NAME} characters after trimming."),
        "Full time",
        false,
    )
}

/// Every work pattern.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct WorkPatternList {
    /// The patterns, by id.
    pub items: Vec<WorkPattern>,
}

/// From `valid_from` on, a team or an employee works by a pattern (or
/// none) until their next assignment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PatternAssignment {
    /// The team, for a team's assignment.
    pub team_id: Option<i64>,
    /// The employee, for an employee's own assignment.
    pub employee_id: Option<i64>,
    /// The pattern; `null`: for an employee, back to the team's pattern,
    /// for a team, no pattern (nothing owed).
    pub pattern_id: Option<i64>,
    /// The first date it applies to.
    pub valid_from: NaiveDate,
}

impl From<core::PatternAssignment> for PatternAssignment {
    fn from(a: core::PatternAssignment) -> Self {
        let (team_id, employee_id) = match a.target {
            ScheduleTarget::Team(t) => (Some(t.0), None),
            ScheduleTarget::Employee(e) => (None, Some(e.0)),
        };
        Self {
            team_id,
            employee_id,
            pattern_id: a.pattern.map(|p| p.0),
            valid_from: a.valid_from,
        }
    }
}

/// Body of `POST /work-patterns/assignments`: exactly one of `team_id`
/// and `employee_id`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignWorkPattern {
    /// The team whose pattern this sets.
    pub team_id: Option<i64>,
    /// The employee whose own pattern this sets.
    pub employee_id: Option<i64>,
    /// The pattern, required: `null` means none (an employee falls back to
    /// their team's pattern; a team owes nothing).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>, required = true)]
    pub pattern_id: Option<Option<i64>>,
    /// The first date it applies to (`YYYY-MM-DD`); a target has at most
    /// one assignment per date.
    #[schema(value_type = NaiveDate, example = "2026-07-01")]
    pub valid_from: String,
}

/// A member that must be present but may be `null`: absent stays `None`,
/// `null` becomes `Some(None)`.
fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// Every assignment of one target, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PatternAssignmentList {
    /// The assignments.
    pub items: Vec<PatternAssignment>,
}

/// Query of `GET /work-patterns/assignments`: at most one target.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct AssignmentsQuery {
    /// Only this team's assignments.
    #[param(value_type = Option<i64>)]
    pub(crate) team_id: Option<String>,
    /// Only this employee's own assignments.
    #[param(value_type = Option<i64>)]
    pub(crate) employee_id: Option<String>,
}

/// One step of a break rule: a day with more than `after_minutes` of work
/// needs at least `break_minutes` of break.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BreakThreshold {
    /// Work beyond this many minutes…
    #[schema(example = 360)]
    pub after_minutes: i64,
    /// …needs this much break.
    #[schema(example = 30)]
    pub break_minutes: i64,
}

/// Body of `PUT /teams/{id}/break-rule`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(description = set_break_rule_description())]
pub struct SetBreakRule {
    /// The thresholds, ascending; absent: the statutory rule; `[]`: no
    /// rule.
    pub thresholds: Option<Vec<BreakThreshold>>,
}

fn set_break_rule_description() -> String {
    format!(
        "A team's break rule: up to {MAX_BREAK_THRESHOLDS} thresholds, `after_minutes` strictly \
         ascending and `break_minutes` not decreasing. Without `thresholds`, the common \
         statutory rule (more than 360 minutes of work: 30 of break; more than 540: 45); with \
         `[]`, no rule (nothing deducted)."
    )
}

impl SetBreakRule {
    /// The rule this body asks for; a value outside `u32` is passed on
    /// saturated so that core's check words the error with its bounds.
    pub(crate) fn to_core(&self) -> Result<core::BreakRule, attendance_core::Error> {
        let Some(thresholds) = &self.thresholds else {
            return Ok(core::BreakRule::statutory());
        };
        let clamp = |m: i64| u32::try_from(m.max(0)).unwrap_or(u32::MAX);
        core::BreakRule::new(
            thresholds
                .iter()
                .map(|t| core::BreakThreshold {
                    after_minutes: clamp(t.after_minutes),
                    break_minutes: clamp(t.break_minutes),
                })
                .collect(),
        )
    }
}

/// A team's break rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BreakRule {
    /// The team.
    pub team_id: i64,
    /// The thresholds, ascending; empty: no rule, nothing deducted.
    pub thresholds: Vec<BreakThreshold>,
}

impl BreakRule {
    pub(crate) fn of(team: attendance_core::TeamId, rule: &core::BreakRule) -> Self {
        Self {
            team_id: team.0,
            thresholds: rule
                .thresholds()
                .iter()
                .map(|t| BreakThreshold {
                    after_minutes: t.after_minutes.into(),
                    break_minutes: t.break_minutes.into(),
                })
                .collect(),
        }
    }
}
