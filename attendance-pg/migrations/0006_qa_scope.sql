-- Question answering scoped to the asking principal: the four Q&A views
-- show only the rows of the scope the runner wrote for the current
-- transaction, so a manager's or an employee's question cannot see other
-- rows whatever SQL the model writes.
--
-- Why a table and barrier views, not row-level security or a setting:
-- * A custom setting (`set_config('attendance.scope', …)`) can be changed
--   by any role, the model's query included.
-- * Row-level security on the base tables would not apply: the views read
--   them with their owner's rights, and the owner of a table (like a
--   superuser login, the case `ATTENDANCE_QA_ACCEPT_LOGIN_ROLE` allows)
--   bypasses its policies unless FORCEd, which would hide rows from the
--   application's own store as well.
-- * `PgSqlRunner` inserts one row here, as the login role, inside the
--   query's transaction and before it makes that transaction read only and
--   switches to `attendance_qa`. The row is keyed to the transaction's id,
--   never committed (the runner rolls back), so no other transaction sees
--   it, and the model's query cannot add, change or remove one: the
--   transaction is read only by then (PostgreSQL refuses to make it read
--   write again after a query), and `attendance_qa` has no privilege on the
--   table at all. The views, owned by the migration owner, read it with
--   their owner's rights.
-- * The views are `security_barrier`, so the planner applies their filter
--   before any condition of the model's query that is not leakproof: a
--   division by zero or a cast error cannot tell a hidden row exists.
-- * Outside the runner (no row for the transaction, or no transaction id
--   assigned) the views are empty: a missing scope hides everything.
--
-- UNLOGGED: its rows are never committed, so writing them to the WAL would
-- be waste. `all_rows` is an admin's scope; otherwise `employee_id` is the
-- asking employee and `team_ids` the teams they manage.

CREATE UNLOGGED TABLE attendance.qa_scope (
    xact        xid8     PRIMARY KEY,
    all_rows    boolean  NOT NULL,
    employee_id bigint,
    team_ids    bigint[] NOT NULL DEFAULT '{}'
);

REVOKE ALL ON attendance.qa_scope FROM PUBLIC;

COMMENT ON TABLE attendance.qa_scope IS
    'The scope of one Q&A query, written and rolled back inside its transaction.';

CREATE OR REPLACE VIEW attendance.qa_teams WITH (security_barrier = true) AS
SELECT t.id AS team_id,
       t.name AS team_name,
       t.timezone,
       t.late_after,
       (SELECT count(*) FROM attendance.employees e WHERE e.team_id = t.id) AS headcount
FROM attendance.teams t
WHERE EXISTS (
    SELECT FROM attendance.qa_scope q
    WHERE q.xact = pg_catalog.pg_current_xact_id_if_assigned()
      AND (q.all_rows
           OR t.id = ANY (q.team_ids)
           OR t.id = (SELECT me.team_id FROM attendance.employees me
                      WHERE me.id = q.employee_id)));

CREATE OR REPLACE VIEW attendance.qa_employees WITH (security_barrier = true) AS
SELECT e.id AS employee_id,
       e.name AS employee_name,
       e.role,
       e.is_manager,
       e.team_id,
       t.name AS team_name
FROM attendance.employees e
JOIN attendance.teams t ON t.id = e.team_id
WHERE EXISTS (
    SELECT FROM attendance.qa_scope q
    WHERE q.xact = pg_catalog.pg_current_xact_id_if_assigned()
      AND (q.all_rows OR e.id = q.employee_id OR e.team_id = ANY (q.team_ids)));

CREATE OR REPLACE VIEW attendance.qa_sessions WITH (security_barrier = true) AS
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
JOIN attendance.teams t ON t.id = e.team_id
WHERE EXISTS (
    SELECT FROM attendance.qa_scope q
    WHERE q.xact = pg_catalog.pg_current_xact_id_if_assigned()
      AND (q.all_rows OR e.id = q.employee_id OR e.team_id = ANY (q.team_ids)));

CREATE OR REPLACE VIEW attendance.qa_daily_attendance WITH (security_barrier = true) AS
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
WHERE EXISTS (
    SELECT FROM attendance.qa_scope q
    WHERE q.xact = pg_catalog.pg_current_xact_id_if_assigned()
      AND (q.all_rows OR e.id = q.employee_id OR e.team_id = ANY (q.team_ids)))
GROUP BY s.employee_id, e.name, e.team_id, t.name, t.timezone, t.late_after, s.work_date;
