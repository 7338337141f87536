//! Work patterns and who works by which from when.

use super::*;

/// Expected minutes per ISO weekday, Monday first.
pub type WeekMinutes = [u32; 7];

/// A work pattern: how many minutes each weekday owes, and optionally when
/// the day starts and a weekly overtime threshold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkPattern {
    /// The pattern's id.
    pub id: WorkPatternId,
    /// A name for people (`"Full time"`, `"4 × 6 h"`).
    pub name: String,
    /// Expected minutes, Monday first.
    pub minutes: WeekMinutes,
    /// When the day starts: a first clock-in after it is late. `None`: the
    /// team's `late_after`.
    pub starts_at: Option<NaiveTime>,
    /// Overtime counted per ISO week past this many minutes, instead of per
    /// day past the day's expected minutes.
    pub weekly_overtime_after: Option<u32>,
}

impl WorkPattern {
    /// The minutes this pattern expects on `date`'s weekday.
    pub fn minutes_on(&self, date: NaiveDate) -> u32 {
        weekday_minutes(&self.minutes, date.weekday())
    }
}

fn weekday_minutes(minutes: &WeekMinutes, day: Weekday) -> u32 {
    minutes
        .get(day.num_days_from_monday() as usize)
        .copied()
        .unwrap_or(0)
}

/// A validated request to create a [`WorkPattern`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewWorkPattern {
    name: String,
    minutes: WeekMinutes,
    starts_at: Option<NaiveTime>,
    weekly_overtime_after: Option<u32>,
}

impl NewWorkPattern {
    /// A pattern named `name` expecting `minutes` (Monday first, each at
    /// most [`MINUTES_PER_DAY`]).
    pub fn new(name: &str, minutes: WeekMinutes) -> Result<Self> {
        if let Some((i, m)) = minutes
            .iter()
            .enumerate()
            .find(|(_, m)| **m > MINUTES_PER_DAY)
        {
            return Err(Error::validation(
                "minutes",
                format!(
                    "{} has {m} minutes; a day has at most {MINUTES_PER_DAY}",
                    Weekday::try_from(u8::try_from(i).unwrap_or(0))
                        .map(|d| d.to_string())
                        .unwrap_or_default()
                ),
            ));
        }
        Ok(Self {
            name: validate_text("name", name, MAX_WORKTIME_NAME)?,
            minutes,
            starts_at: None,
            weekly_overtime_after: None,
        })
    }

    /// Sets the local time the day starts (for the late rule).
    pub fn starting_at(mut self, starts_at: NaiveTime) -> Self {
        self.starts_at = Some(starts_at);
        self
    }

    /// Counts overtime per ISO week past `minutes` (1 to 7 × 24 h).
    pub fn with_weekly_overtime_after(mut self, minutes: u32) -> Result<Self> {
        if !(1..=7 * MINUTES_PER_DAY).contains(&minutes) {
            return Err(Error::validation(
                "weekly_overtime_after",
                format!(
                    "must be between 1 and {} minutes, got {minutes}",
                    7 * MINUTES_PER_DAY
                ),
            ));
        }
        self.weekly_overtime_after = Some(minutes);
        Ok(self)
    }

    /// The pattern this request creates, once a store gives it `id`.
    pub fn with_id(&self, id: WorkPatternId) -> WorkPattern {
        WorkPattern {
            id,
            name: self.name.clone(),
            minutes: self.minutes,
            starts_at: self.starts_at,
            weekly_overtime_after: self.weekly_overtime_after,
        }
    }

    /// The trimmed name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Expected minutes, Monday first.
    pub fn minutes(&self) -> WeekMinutes {
        self.minutes
    }

    /// When the day starts, if set.
    pub fn starts_at(&self) -> Option<NaiveTime> {
        self.starts_at
    }

    /// The weekly overtime threshold, if set.
    pub fn weekly_overtime_after(&self) -> Option<u32> {
        self.weekly_overtime_after
    }
}

/// Whose pattern an assignment sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum ScheduleTarget {
    /// Every member of a team without their own assignment in effect.
    Team(TeamId),
    /// One employee, whatever their team's pattern.
    Employee(EmployeeId),
}

/// From `valid_from` on, `target` works by `pattern`, until its next
/// assignment. For an employee, `pattern: None` ends their own pattern:
/// their team's applies again; for a team it means no pattern (nothing
/// owed). A target has at most one assignment per date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatternAssignment {
    /// Whose.
    pub target: ScheduleTarget,
    /// Which pattern, or none.
    pub pattern: Option<WorkPatternId>,
    /// The first date it applies to.
    pub valid_from: NaiveDate,
}

impl PatternAssignment {
    /// An assignment, its date checked.
    pub fn new(
        target: ScheduleTarget,
        pattern: Option<WorkPatternId>,
        valid_from: NaiveDate,
    ) -> Result<Self> {
        Ok(Self {
            target,
            pattern,
            valid_from: check_supported_date("valid_from", valid_from)?,
        })
    }
}

/// The assignment in effect on `date` among `assignments` (any order): the
/// one with the latest `valid_from` on or before it.
pub fn in_effect<'a>(
    assignments: impl IntoIterator<Item = &'a PatternAssignment>,
    date: NaiveDate,
) -> Option<&'a PatternAssignment> {
    assignments
        .into_iter()
        .filter(|a| a.valid_from <= date)
        .max_by_key(|a| a.valid_from)
}

/// The refusal of a second assignment of one target starting on one date:
/// validity periods never overlap, each runs until the next.
pub fn assignment_taken(date: NaiveDate) -> Error {
    Error::validation(
        "valid_from",
        format!("an assignment of this target already starts on {date}; each runs until the next"),
    )
}
