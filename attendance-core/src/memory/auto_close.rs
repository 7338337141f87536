//! The in-memory store's forgotten clock-out sweep: each closed session and
//! its audit entry under the one lock.

use chrono::{DateTime, Utc};

use super::State;
use crate::audit::{AuditRecord, Stamp};
use crate::domain::AttendanceSession;

impl State {
    /// Closes every open session past its team's policy at clock-in plus
    /// the maximum, in id order, appending one entry each.
    pub(super) fn close_forgotten(
        &mut self,
        stamp: &Stamp,
        now: DateTime<Utc>,
    ) -> Vec<AttendanceSession> {
        // Sessions are stored at the index of their id, so this is id order.
        let due: Vec<(usize, DateTime<Utc>)> = self
            .sessions
            .iter()
            .enumerate()
            .filter(|(_, s)| s.is_open())
            .filter_map(|(i, s)| {
                let team_id = self.employee(s.employee_id).ok()?.team_id;
                let at = self.team(team_id).ok()?.auto_close_at(s.clock_in)?;
                // A lock never covers an open session (locking refuses
                // them, and clocking in on a locked date is refused), but
                // should one, the sweep leaves it rather than fail.
                let locked = self
                    .lock_over(s.employee_id, s.work_date, s.work_date)
                    .ok()
                    .flatten()
                    .is_some();
                (at <= now && !locked).then_some((i, at))
            })
            .collect();
        let mut closed = Vec::with_capacity(due.len());
        for (i, at) in due {
            let Some(session) = self.sessions.get_mut(i) else {
                continue;
            };
            let before = session.clone();
            session.clock_out = Some(at);
            session.auto_closed = true;
            let after = session.clone();
            self.append_audit(
                stamp.at,
                stamp.actor.clone(),
                AuditRecord::auto_close(&before, &after),
            );
            closed.push(after);
        }
        closed
    }
}
