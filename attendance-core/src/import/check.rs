//! The checks of an import, in the order the [module docs](super) give.

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use chrono_tz::Tz;

use super::{ImportBatch, ImportProgress, ImportReport, ImportRow, ProgressFn};
use super::{RejectReason, RejectedRow};
use crate::domain::{
    EmployeeId, SessionId, WorkMode, check_clock_out, check_not_future, check_supported_instant,
    stored_precision, work_date,
};

/// A row that passed every check that needs no stored session.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Candidate {
    /// Its line in the batch.
    pub line: u64,
    /// Whose session it is.
    pub employee_id: EmployeeId,
    /// Where the work was done.
    pub work_mode: WorkMode,
    /// Start, at the stored precision.
    pub clock_in: DateTime<Utc>,
    /// End, at the stored precision; `None` for an open session.
    pub clock_out: Option<DateTime<Utc>>,
    /// The computed work date.
    pub work_date: NaiveDate,
}

/// A stored session, as far as the overlap check needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoredSpan {
    /// Whose session it is.
    pub employee_id: EmployeeId,
    /// The stored session.
    pub session_id: SessionId,
    /// Its start.
    pub clock_in: DateTime<Utc>,
    /// Its end; `None` while open.
    pub clock_out: Option<DateTime<Utc>>,
}

/// A batch after the checks of steps 1 and 2 (see the [module docs](super)):
/// the candidates sorted by employee then clock-in, and the rows refused so
/// far.
pub struct CheckedBatch {
    rows: u64,
    candidates: Vec<Candidate>,
    rejected: Vec<RejectedRow>,
    progress: Option<ProgressFn>,
}

impl std::fmt::Debug for CheckedBatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CheckedBatch")
            .field("rows", &self.rows)
            .field("candidates", &self.candidates.len())
            .field("rejected", &self.rejected.len())
            .finish_non_exhaustive()
    }
}

impl ImportBatch {
    /// Steps 1 and 2: each row on its own, then against the earlier rows of
    /// the batch. `timezone` gives the team timezone of an existing
    /// employee (`None`: no such employee); `now` and `future_tolerance`
    /// bound the instants, as for a clock-in.
    pub fn check(
        self,
        timezone: impl Fn(EmployeeId) -> Option<Tz>,
        now: DateTime<Utc>,
        future_tolerance: TimeDelta,
    ) -> CheckedBatch {
        let rows = u64::try_from(self.len()).unwrap_or(u64::MAX);
        let mut rejected = self.unreadable;
        let mut candidates = Vec::with_capacity(self.rows.len());
        for (line, row) in self.rows {
            match check_row(line, row, &timezone, now, future_tolerance) {
                Ok(candidate) => candidates.push(candidate),
                Err(reason) => rejected.push(RejectedRow { line, reason }),
            }
        }
        candidates.sort_unstable_by_key(|c| (c.employee_id, c.clock_in, c.line));
        let candidates = sweep_batch(candidates, &mut rejected);
        CheckedBatch {
            rows,
            candidates,
            rejected,
            progress: self.progress,
        }
    }
}

impl CheckedBatch {
    /// The rows still in the running, sorted by employee then clock-in;
    /// none overlaps another.
    pub fn candidates(&self) -> &[Candidate] {
        &self.candidates
    }

    /// The time span the candidates cover, to fetch the stored sessions
    /// that may meet them: from the earliest clock-in to the latest
    /// clock-out (`None` when a candidate is open, so reaches the end of
    /// time). `None` for an empty batch.
    pub fn span(&self) -> Option<(DateTime<Utc>, Option<DateTime<Utc>>)> {
        let from = self.candidates.iter().map(|c| c.clock_in).min()?;
        let to = self
            .candidates
            .iter()
            .map(|c| c.clock_out)
            .try_fold(from, |max, end| end.map(|e| max.max(e)));
        Some((from, to))
    }

    /// Tells the batch's progress callback, if any, how far writing has got.
    pub fn report_progress(&self, sent: u64, total: u64) {
        if let Some(progress) = &self.progress {
            progress(ImportProgress { sent, total });
        }
    }

    /// The report, once `inserted` rows are written and `refused` were
    /// refused by the store (step 3).
    pub fn finish(self, inserted: u64, refused: Vec<RejectedRow>) -> ImportReport {
        let mut rejected = self.rejected;
        rejected.extend(refused);
        rejected.sort_by_key(|r| r.line);
        ImportReport {
            rows: self.rows,
            inserted,
            rejected,
        }
    }
}

/// Step 1 for one row; the candidate on success.
fn check_row(
    line: u64,
    row: ImportRow,
    timezone: &impl Fn(EmployeeId) -> Option<Tz>,
    now: DateTime<Utc>,
    future_tolerance: TimeDelta,
) -> Result<Candidate, RejectReason> {
    let Some(tz) = timezone(row.employee_id) else {
        return Err(RejectReason::UnknownEmployee {
            employee_id: row.employee_id,
        });
    };
    let clock_in = stored_precision(row.clock_in);
    let clock_out = row.clock_out.map(stored_precision);
    for at in std::iter::once(clock_in).chain(clock_out) {
        if check_supported_instant("clock_in", at).is_err() {
            return Err(RejectReason::OutOfRange { at });
        }
        check_not_future("clock_in", at, now, future_tolerance)
            .map_err(|_| RejectReason::InFuture { at })?;
    }
    if let Some(out) = clock_out {
        check_clock_out("clock_out", clock_in, out).map_err(|_| {
            RejectReason::ClockOutNotAfterClockIn {
                clock_in,
                clock_out: out,
            }
        })?;
    }
    let computed = work_date(tz, clock_in);
    match row.work_date {
        Some(given) if given != computed => Err(RejectReason::WorkDateMismatch {
            given,
            expected: computed,
        }),
        _ => Ok(Candidate {
            line,
            employee_id: row.employee_id,
            work_mode: row.work_mode,
            clock_in,
            clock_out,
            work_date: computed,
        }),
    }
}

/// Step 2: refuses every row that overlaps an earlier-starting row of the
/// batch. `candidates` must be sorted by (employee, clock-in, line); the
/// result keeps that order.
fn sweep_batch(candidates: Vec<Candidate>, rejected: &mut Vec<RejectedRow>) -> Vec<Candidate> {
    let mut kept: Vec<Candidate> = Vec::with_capacity(candidates.len());
    for c in candidates {
        // Kept rows of one employee do not overlap and are sorted by start,
        // so the last one kept reaches furthest.
        if let Some(last) = kept.last()
            && last.employee_id == c.employee_id
            && last.clock_out.is_none_or(|end| end > c.clock_in)
        {
            rejected.push(RejectedRow {
                line: c.line,
                reason: RejectReason::OverlapsRow {
                    line: last.line,
                    open: last.clock_out.is_none(),
                },
            });
            continue;
        }
        kept.push(c);
    }
    kept
}

/// Step 3: the candidates that meet no stored session, and a refusal for
/// each of the others. `candidates` (from [`CheckedBatch::candidates`]) and
/// `stored` must both be sorted by (employee, clock-in), and the stored
/// sessions of one employee must not overlap, as every store keeps them.
pub fn sweep_stored<'a>(
    candidates: &'a [Candidate],
    stored: &[StoredSpan],
) -> (Vec<&'a Candidate>, Vec<RejectedRow>) {
    let mut accepted = Vec::with_capacity(candidates.len());
    let mut refused = Vec::new();
    let mut rest = stored;
    for c in candidates {
        // Skip the stored sessions of employees before this one.
        let skip = rest.partition_point(|e| e.employee_id < c.employee_id);
        rest = rest.get(skip..).unwrap_or_default();
        let end = rest.partition_point(|e| e.employee_id == c.employee_id);
        let mine = rest.get(..end).unwrap_or_default();
        // Stored sessions of one employee do not overlap, so their ends grow
        // with their starts: the first one ending after this row's start is
        // the only one that can overlap it first.
        let first = mine.partition_point(|e| e.clock_out.is_some_and(|out| out <= c.clock_in));
        match mine.get(first) {
            Some(e) if c.clock_out.is_none_or(|out| e.clock_in < out) => {
                refused.push(RejectedRow {
                    line: c.line,
                    reason: RejectReason::OverlapsSession {
                        session_id: e.session_id,
                        open: e.clock_out.is_none(),
                    },
                });
            }
            _ => accepted.push(c),
        }
    }
    (accepted, refused)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn candidate(line: u64, employee: i64, from: &str, to: Option<&str>) -> Candidate {
        let clock_in = at(from);
        Candidate {
            line,
            employee_id: EmployeeId(employee),
            work_mode: WorkMode::Wfo,
            clock_in,
            clock_out: to.map(at),
            work_date: clock_in.date_naive(),
        }
    }

    #[test]
    fn the_earlier_of_two_overlapping_rows_is_kept() {
        let mut rows = vec![
            candidate(1, 1, "2026-03-02T09:00:00Z", Some("2026-03-02T12:00:00Z")),
            candidate(2, 1, "2026-03-02T08:00:00Z", Some("2026-03-02T10:00:00Z")),
            candidate(3, 1, "2026-03-02T12:00:00Z", None),
            candidate(4, 1, "2026-03-03T08:00:00Z", Some("2026-03-03T10:00:00Z")),
            candidate(5, 2, "2026-03-02T08:00:00Z", Some("2026-03-02T10:00:00Z")),
        ];
        rows.sort_unstable_by_key(|c| (c.employee_id, c.clock_in, c.line));
        let mut rejected = Vec::new();
        let kept: Vec<u64> = sweep_batch(rows, &mut rejected)
            .iter()
            .map(|c| c.line)
            .collect();
        assert_eq!(kept, [2, 3, 5]);
        assert_eq!(
            rejected,
            [
                RejectedRow {
                    line: 1,
                    reason: RejectReason::OverlapsRow {
                        line: 2,
                        open: false
                    }
                },
                RejectedRow {
                    line: 4,
                    reason: RejectReason::OverlapsRow {
                        line: 3,
                        open: true
                    }
                },
            ]
        );
    }

    #[test]
    fn stored_sessions_block_the_rows_they_meet() {
        let rows = vec![
            candidate(1, 1, "2026-03-02T06:00:00Z", Some("2026-03-02T08:00:00Z")),
            candidate(2, 1, "2026-03-02T07:00:00Z", Some("2026-03-02T08:30:00Z")),
            candidate(3, 1, "2026-03-02T12:00:00Z", Some("2026-03-02T13:00:00Z")),
            candidate(4, 2, "2026-03-02T08:00:00Z", Some("2026-03-02T10:00:00Z")),
            candidate(5, 3, "2026-03-02T08:00:00Z", None),
        ];
        let stored = vec![
            StoredSpan {
                employee_id: EmployeeId(1),
                session_id: SessionId(10),
                clock_in: at("2026-03-02T08:00:00Z"),
                clock_out: Some(at("2026-03-02T11:00:00Z")),
            },
            StoredSpan {
                employee_id: EmployeeId(3),
                session_id: SessionId(11),
                clock_in: at("2026-03-02T09:00:00Z"),
                clock_out: None,
            },
        ];
        let (accepted, refused) = sweep_stored(&rows, &stored);
        let accepted: Vec<u64> = accepted.iter().map(|c| c.line).collect();
        assert_eq!(accepted, [1, 3, 4]);
        let lines: Vec<(u64, i64)> = refused
            .iter()
            .map(|r| match r.reason {
                RejectReason::OverlapsSession { session_id, .. } => (r.line, session_id.0),
                _ => (r.line, 0),
            })
            .collect();
        assert_eq!(lines, [(2, 10), (5, 11)]);
    }

    #[test]
    fn sub_microsecond_digits_are_cut_before_the_checks() {
        // 07:00:00.0000005 → 07:00:00.000000: a row that ends within the
        // same microsecond it starts is refused here, not by the database.
        let start = at("2026-03-02T07:00:00Z");
        let row = ImportRow::new(
            EmployeeId(1),
            WorkMode::Wfo,
            start + TimeDelta::nanoseconds(100),
            Some(start + TimeDelta::nanoseconds(900)),
        );
        let late = ImportRow::new(
            EmployeeId(1),
            WorkMode::Wfo,
            start + TimeDelta::hours(1) + TimeDelta::nanoseconds(999),
            None,
        );
        let checked = ImportBatch::from_rows([row, late]).check(
            |_| Some(Tz::UTC),
            at("2026-03-03T00:00:00Z"),
            TimeDelta::zero(),
        );
        assert_eq!(checked.candidates().len(), 1);
        assert_eq!(
            checked.candidates()[0].clock_in,
            start + TimeDelta::hours(1)
        );
        let report = checked.finish(1, Vec::new());
        assert!(matches!(
            report.rejected[0].reason,
            RejectReason::ClockOutNotAfterClockIn { .. }
        ));
    }
}
