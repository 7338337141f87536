-- Views for question answering. The SQL guard lets a model read these and
-- nothing else; a dedicated role can be limited to them as well:
--
--   CREATE ROLE attendance_qa NOLOGIN;
--   GRANT USAGE ON SCHEMA attendance TO attendance_qa;
--   GRANT SELECT ON attendance.qa_teams, attendance.qa_employees,
--                   attendance.qa_sessions, attendance.qa_daily_attendance TO attendance_qa;
--   GRANT attendance_qa TO <the application's login role>;
--
-- and `PgSqlRunner::with_role("attendance_qa")`. Views run with their
-- owner's rights, so the role needs no grant on the tables themselves.
-- Local times are in each team's timezone.

CREATE VIEW attendance.qa_teams AS
SELECT t.id AS team_id,
       t.name AS team_name,
       t.timezone,
       t.late_after,
       (SELECT count(*) FROM attendance.employees e WHERE e.team_id = t.id) AS headcount
FROM attendance.teams t;

COMMENT ON VIEW attendance.qa_teams IS 'One row per team.';
COMMENT ON COLUMN attendance.qa_teams.timezone IS 'IANA timezone of the team; local times are in it.';
COMMENT ON COLUMN attendance.qa_teams.late_after IS 'A first clock-in after this local time is a late arrival.';
COMMENT ON COLUMN attendance.qa_teams.headcount IS 'Employees in the team now.';

CREATE VIEW attendance.qa_employees AS
SELECT e.id AS employee_id,
       e.name AS employee_name,
       e.role,
       e.is_manager,
       e.team_id,
       t.name AS team_name
FROM attendance.employees e
JOIN attendance.teams t ON t.id = e.team_id;

COMMENT ON VIEW attendance.qa_employees IS 'One row per employee.';

CREATE VIEW attendance.qa_sessions AS
SELECT s.id AS session_id,
       s.employee_id,
       e.name AS employee_name,
       e.role,
       e.is_manager,
       e.team_id,
       t.name AS team_name,
       s.work_date,
       extract(isodow FROM s.work_date)::int AS iso_weekday,
       s.work_mode,
       s.clock_in AS clock_in_at,
       s.clock_out AS clock_out_at,
       (s.clock_in AT TIME ZONE t.timezone) AS clock_in_local,
       (s.clock_out AT TIME ZONE t.timezone) AS clock_out_local,
       round((extract(epoch FROM s.clock_out - s.clock_in) / 3600.0)::numeric, 2) AS hours,
       s.clock_out IS NULL AS is_open
FROM attendance.sessions s
JOIN attendance.employees e ON e.id = s.employee_id
JOIN attendance.teams t ON t.id = e.team_id;

COMMENT ON VIEW attendance.qa_sessions IS 'One row per clock-in/clock-out session.';
COMMENT ON COLUMN attendance.qa_sessions.work_date IS 'Local date of the clock-in in the team timezone.';
COMMENT ON COLUMN attendance.qa_sessions.iso_weekday IS '1 = Monday … 7 = Sunday.';
COMMENT ON COLUMN attendance.qa_sessions.work_mode IS '''WFH'' (from home) or ''WFO'' (from the office).';
COMMENT ON COLUMN attendance.qa_sessions.hours IS 'Hours worked; NULL while the session is open.';

CREATE VIEW attendance.qa_daily_attendance AS
SELECT s.employee_id,
       e.name AS employee_name,
       e.team_id,
       t.name AS team_name,
       s.work_date,
       extract(isodow FROM s.work_date)::int AS iso_weekday,
       (min(s.clock_in) AT TIME ZONE t.timezone)::time AS first_clock_in_local,
       (max(s.clock_out) AT TIME ZONE t.timezone)::time AS last_clock_out_local,
       count(*) AS sessions,
       round((coalesce(sum(extract(epoch FROM s.clock_out - s.clock_in)), 0) / 3600.0)::numeric, 2) AS hours,
       bool_or(s.work_mode = 'WFH') AS worked_from_home,
       bool_or(s.work_mode = 'WFO') AS worked_from_office,
       (min(s.clock_in) AT TIME ZONE t.timezone)::time > t.late_after AS is_late,
       bool_or(s.clock_out IS NULL) AS has_open_session
FROM attendance.sessions s
JOIN attendance.employees e ON e.id = s.employee_id
JOIN attendance.teams t ON t.id = e.team_id
GROUP BY s.employee_id, e.name, e.team_id, t.name, t.timezone, t.late_after, s.work_date;

COMMENT ON VIEW attendance.qa_daily_attendance IS 'One row per employee and day present.';
COMMENT ON COLUMN attendance.qa_daily_attendance.is_late IS 'First clock-in after the team''s late_after time.';
