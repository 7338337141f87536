-- One clock-in + clock-out cycle for pgbench: the same statements without their audit entries, to show what the entry costs.
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
INSERT INTO sessions (employee_id, work_date, clock_in, clock_out, work_mode) WITH e AS (SELECT e.id, t.timezone FROM employees e JOIN teams t ON t.id = e.team_id WHERE e.id = :e) SELECT e.id, (now()::timestamptz AT TIME ZONE e.timezone)::date, now(), NULL::timestamptz, 'WFO' FROM e RETURNING id, employee_id, work_date, clock_in, clock_out, work_mode, auto_closed;
UPDATE sessions SET clock_out = now() WHERE employee_id = :e AND clock_out IS NULL AND clock_in < now() RETURNING id, employee_id, work_date, clock_in, clock_out, work_mode, auto_closed;
