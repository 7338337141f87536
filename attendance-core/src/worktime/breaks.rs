//! Break rules: how much break a day needs after how much work.

use super::*;

/// One step of a break rule: a day with more than `after_minutes` of work
/// needs at least `break_minutes` of break.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BreakThreshold {
    /// Work beyond this many minutes…
    pub after_minutes: u32,
    /// …needs this much break.
    pub break_minutes: u32,
}

/// A team's break rule: thresholds ascending in both work and break.
/// Empty: no rule, nothing deducted.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct BreakRule {
    thresholds: Vec<BreakThreshold>,
}

impl BreakRule {
    /// No rule: nothing is ever deducted.
    pub const fn none() -> Self {
        Self {
            thresholds: Vec::new(),
        }
    }

    /// The common statutory rule: more than 6 h of work needs 30 min of
    /// break, more than 9 h needs 45 min.
    pub fn statutory() -> Self {
        Self {
            thresholds: vec![
                BreakThreshold {
                    after_minutes: 6 * 60,
                    break_minutes: 30,
                },
                BreakThreshold {
                    after_minutes: 9 * 60,
                    break_minutes: 45,
                },
            ],
        }
    }

    /// A rule from `thresholds`: at most [`MAX_BREAK_THRESHOLDS`], work
    /// strictly ascending within a day, break ascending, each break shorter
    /// than its work.
    pub fn new(thresholds: Vec<BreakThreshold>) -> Result<Self> {
        if thresholds.len() > MAX_BREAK_THRESHOLDS {
            return Err(Error::validation(
                "thresholds",
                format!("at most {MAX_BREAK_THRESHOLDS} thresholds are accepted"),
            ));
        }
        for (i, t) in thresholds.iter().enumerate() {
            if t.after_minutes == 0 || t.after_minutes >= MINUTES_PER_DAY {
                return Err(Error::validation(
                    "thresholds",
                    format!(
                        "after_minutes must be between 1 and {MINUTES_PER_DAY}, got {}",
                        t.after_minutes
                    ),
                ));
            }
            if t.break_minutes == 0 || t.break_minutes >= t.after_minutes {
                return Err(Error::validation(
                    "thresholds",
                    format!(
                        "break_minutes must be at least 1 and less than after_minutes ({}), got {}",
                        t.after_minutes, t.break_minutes
                    ),
                ));
            }
            if let Some(prev) = i.checked_sub(1).and_then(|p| thresholds.get(p))
                && (t.after_minutes <= prev.after_minutes || t.break_minutes < prev.break_minutes)
            {
                return Err(Error::validation(
                    "thresholds",
                    "must be in ascending order of after_minutes, with break_minutes not decreasing",
                ));
            }
        }
        Ok(Self { thresholds })
    }

    /// The thresholds, ascending.
    pub fn thresholds(&self) -> &[BreakThreshold] {
        &self.thresholds
    }

    /// Whether the rule deducts nothing, ever.
    pub fn is_none(&self) -> bool {
        self.thresholds.is_empty()
    }

    /// The break a day with `worked` minutes needs: that of the highest
    /// threshold it exceeds, strictly (6 h 00 needs none under the
    /// statutory rule, 6 h 01 needs 30 min).
    pub fn required(&self, worked: i64) -> i64 {
        self.thresholds
            .iter()
            .rev()
            .find(|t| worked > i64::from(t.after_minutes))
            .map_or(0, |t| i64::from(t.break_minutes))
    }
}
