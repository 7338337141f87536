//! The in-memory store's forgotten clock-out sweep: each closed session and
//! its audit entry under the one lock.

use chrono::{DateTime, Utc};

use super::{State, next_id};
use crate::audit::{AuditEntry, AuditRecord, Stamp};
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
                (at <= now).then_some((i, at))
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
            let id = next_id(self.audit.len());
            self.audit.push(AuditEntry {
                id,
                at: stamp.at,
                actor: stamp.actor.clone(),
                record: AuditRecord::auto_close(&before, &after),
            });
            closed.push(after);
        }
        closed
    }
}
