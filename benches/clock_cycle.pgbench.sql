-- One clock-in + clock-out cycle for pgbench: the statements PgStore sends, audit entries included.
-- Rendered from attendance-pg/src/writes/mod.rs by attendance-pg/src/bench_sql.rs
-- (a test holds the two equal): do not edit by hand.
--   pgbench -n -M prepared -f THIS_FILE \
--       -D first=1 -D clients=8 -D per=1250 -c 8 -j 2 -T 10 attendance_bench
-- on the store's search_path (the bench sets it on its database:
-- ALTER DATABASE attendance_bench SET search_path = attendance).
-- Each client keeps to its own slice of the employees, so no two clients
-- race for one employee. The store binds the instants as parameters;
-- pgbench cannot make timestamps, so now() stands in for them (the
-- clock-out's transaction starts after the clock-in's committed), and
-- the actor is the system.
\set e :first + :client_id + :clients * random(0, :per - 1)
WITH s AS (INSERT INTO sessions (employee_id, work_date, clock_in, clock_out, work_mode) WITH e AS (SELECT e.id, t.timezone FROM employees e JOIN teams t ON t.id = e.team_id WHERE e.id = :e) SELECT e.id, (now()::timestamptz AT TIME ZONE e.timezone)::date, now(), NULL::timestamptz, 'WFO' FROM e RETURNING id, employee_id, work_date, clock_in, clock_out, work_mode, auto_closed), a AS (INSERT INTO audit_log (at, actor_kind, actor_name, actor_employee_id, actor_token_id, action, employee_id, session_id, after, reason) SELECT now(), 'system', NULL::text, NULL::bigint, NULL::bigint, 'clock_in', s.employee_id, s.id, jsonb_build_object('kind', 'session', 'value', jsonb_build_object('id', s.id, 'employee_id', s.employee_id, 'work_date', s.work_date, 'clock_in', s.clock_in, 'clock_out', s.clock_out, 'work_mode', s.work_mode, 'auto_closed', s.auto_closed)), NULL::text FROM s) SELECT id, employee_id, work_date, clock_in, clock_out, work_mode, auto_closed FROM s;
WITH s AS (UPDATE sessions SET clock_out = now() WHERE employee_id = :e AND clock_out IS NULL AND clock_in < now() RETURNING id, employee_id, work_date, clock_in, clock_out, work_mode, auto_closed), a AS (INSERT INTO audit_log (at, actor_kind, actor_name, actor_employee_id, actor_token_id, action, employee_id, session_id, before, after) SELECT now(), 'system', NULL::text, NULL::bigint, NULL::bigint, 'clock_out', s.employee_id, s.id, jsonb_set(jsonb_build_object('kind', 'session', 'value', jsonb_build_object('id', s.id, 'employee_id', s.employee_id, 'work_date', s.work_date, 'clock_in', s.clock_in, 'clock_out', s.clock_out, 'work_mode', s.work_mode, 'auto_closed', s.auto_closed)), '{value,clock_out}', 'null'::jsonb), jsonb_build_object('kind', 'session', 'value', jsonb_build_object('id', s.id, 'employee_id', s.employee_id, 'work_date', s.work_date, 'clock_in', s.clock_in, 'clock_out', s.clock_out, 'work_mode', s.work_mode, 'auto_closed', s.auto_closed)) FROM s) SELECT id, employee_id, work_date, clock_in, clock_out, work_mode, auto_closed FROM s;
