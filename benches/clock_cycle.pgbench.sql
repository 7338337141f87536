-- One clock-in + clock-out cycle, the statements PgStore sends (see
-- attendance-pg/src/store.rs: insert_session and clock_out), for pgbench:
--   pgbench -n -M prepared -f benches/clock_cycle.pgbench.sql \
--       -D first=1 -D clients=8 -D per=1250 -c 8 -j 2 -T 10 attendance_bench
-- Each client keeps to its own slice of the employees, so no two clients
-- race for one employee. The store binds the instants as parameters;
-- pgbench cannot make timestamps, so now() stands in for them (the
-- clock-out's transaction starts after the clock-in's committed).
\set e :first + :client_id + :clients * random(0, :per - 1)
INSERT INTO attendance.sessions (employee_id, work_date, clock_in, clock_out, work_mode) SELECT e.id, (now()::timestamptz AT TIME ZONE t.timezone)::date, now(), NULL::timestamptz, 'WFO' FROM attendance.employees e JOIN attendance.teams t ON t.id = e.team_id WHERE e.id = :e RETURNING id, employee_id, work_date, clock_in, clock_out, work_mode;
UPDATE attendance.sessions SET clock_out = now() WHERE employee_id = :e AND clock_out IS NULL AND clock_in < now() RETURNING id, employee_id, work_date, clock_in, clock_out, work_mode;
