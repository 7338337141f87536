-- Forgotten clock-outs (see `attendance_core::AttendanceService::close_forgotten_sessions`):
-- a team's policy, off by default, and the mark on a session it closed.
-- One ALTER TABLE per change: Citus refuses ADD CONSTRAINT beside other
-- subcommands.
ALTER TABLE attendance.teams
    ADD COLUMN auto_close_after_hours integer NULL;
-- The same bounds as `attendance_core::domain::check_auto_close_hours`.
ALTER TABLE attendance.teams
    ADD CONSTRAINT teams_auto_close_after_hours_range
        CHECK (auto_close_after_hours BETWEEN 1 AND 72);

ALTER TABLE attendance.sessions
    ADD COLUMN auto_closed boolean NOT NULL DEFAULT false;
-- Only a closed session can have been closed by the policy.
ALTER TABLE attendance.sessions
    ADD CONSTRAINT sessions_auto_closed_is_closed
        CHECK (NOT auto_closed OR clock_out IS NOT NULL);

-- No new index: the sweep reads the open sessions, which the partial unique
-- index `sessions_one_open_per_employee` (WHERE clock_out IS NULL) already
-- holds, and joins the (small) teams table for the policy.
