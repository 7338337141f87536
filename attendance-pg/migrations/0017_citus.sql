-- The schema as Citus can serve it, with the same behaviour on plain
-- PostgreSQL. A tenant created on a Citus coordinator is a distributed
-- schema: each table is a single shard on one worker, and the coordinator
-- plans every statement, then sends it (or the parts it can) to that worker.
-- Four things did not survive the trip:
-- * Citus creates no trigger on a shard whose events include TRUNCATE, so
--   the audit trail's one trigger for UPDATE, DELETE and TRUNCATE existed
--   on the coordinator only, and UPDATE and DELETE went through.
-- * Citus cannot plan a query that joins a transition table with another
--   table ("unrecognized RTE kind"), so the lock triggers and the outbox
--   trigger failed every statement they fired on.
-- * A SQL function reading tenant tables is inlined into its caller's query,
--   which Citus refuses at the top level and, inside a query over tenant
--   tables pushed to the worker, silently runs against the worker's empty
--   shell tables.
-- * The Q&A scope row was keyed to the coordinator's transaction id, while
--   the views compare it with the worker's.

-- Two triggers, same function and messages: UPDATE and DELETE on one,
-- which Citus creates on the shard, TRUNCATE (checked on the coordinator)
-- on the other.
DROP TRIGGER audit_log_append_only ON attendance.audit_log;
CREATE TRIGGER audit_log_append_only
    BEFORE UPDATE OR DELETE ON attendance.audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION attendance.audit_log_refuse_change();
CREATE TRIGGER audit_log_no_truncate
    BEFORE TRUNCATE ON attendance.audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION attendance.audit_log_refuse_change();

-- The rule of 0015, unchanged, in PL/pgSQL: a PL/pgSQL function is planned
-- as a whole statement of its own at each call, which Citus routes to the
-- tenant's worker. So it may be called at the top level of a statement or
-- from a trigger, never per row of a query over tenant tables: there the
-- store writes the same SELECT inline (`covering_locks!` in the crate).
CREATE OR REPLACE FUNCTION attendance.covering_locks(p_employee bigint, p_from date, p_to date)
RETURNS SETOF attendance.period_locks
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
BEGIN
    RETURN QUERY
    SELECT l.*
    FROM attendance.period_locks l
    WHERE l.from_date <= p_to AND p_from <= l.to_date
      AND (l.team_id IS NULL
           OR (SELECT m.team_id FROM attendance.team_memberships m
               WHERE m.employee_id = p_employee
                 AND m.valid_from <= greatest(p_from, l.from_date)
               ORDER BY m.valid_from DESC LIMIT 1) = l.team_id
           OR EXISTS (
               SELECT FROM attendance.team_memberships m
               WHERE m.employee_id = p_employee
                 AND m.valid_from > greatest(p_from, l.from_date)
                 AND m.valid_from <= least(p_to, l.to_date)
                 AND m.team_id = l.team_id));
END
$$;

-- The triggers of 0015 and 0016 read their transition tables once, into
-- arrays, in a query that reads nothing else; then they query the tenant's
-- tables over unnest(...) of those arrays. Same statements refused, same
-- lock named (the first by id that any row meets), same error.
CREATE OR REPLACE FUNCTION attendance.sessions_refuse_locked() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    hit attendance.period_locks;
    lo date;
    hi date;
    emps bigint[];
    dates date[];
BEGIN
    -- An UPDATE is checked for both sides: a session moved out of a locked
    -- date, or into one.
    IF TG_OP = 'INSERT' THEN
        SELECT min(work_date), max(work_date), array_agg(employee_id), array_agg(work_date)
        INTO lo, hi, emps, dates
        FROM (SELECT DISTINCT employee_id, work_date FROM new_rows) r;
    ELSIF TG_OP = 'UPDATE' THEN
        SELECT min(work_date), max(work_date), array_agg(employee_id), array_agg(work_date)
        INTO lo, hi, emps, dates
        FROM (SELECT employee_id, work_date FROM old_rows
              UNION SELECT employee_id, work_date FROM new_rows) r;
    ELSE
        SELECT min(work_date), max(work_date), array_agg(employee_id), array_agg(work_date)
        INTO lo, hi, emps, dates
        FROM (SELECT DISTINCT employee_id, work_date FROM old_rows) r;
    END IF;
    -- The span of the statement's work dates against the locks' spans, in
    -- one query: a clock-in today, with the past months locked, stops here.
    IF NOT EXISTS (SELECT FROM attendance.period_locks l
                   WHERE l.from_date <= hi AND lo <= l.to_date) THEN
        RETURN NULL;
    END IF;
    -- Only rows on a date some lock covers are looked at one by one.
    WITH touched AS (
        SELECT u.employee_id, u.work_date FROM unnest(emps, dates) AS u(employee_id, work_date)),
    covered AS (
        SELECT d.work_date FROM (SELECT DISTINCT work_date FROM touched) d
        WHERE EXISTS (SELECT FROM attendance.period_locks l
                      WHERE d.work_date BETWEEN l.from_date AND l.to_date))
    SELECT l.* INTO hit
    FROM (SELECT s.employee_id, s.work_date FROM touched s JOIN covered USING (work_date)) s
    CROSS JOIN LATERAL attendance.covering_locks(s.employee_id, s.work_date, s.work_date) l
    ORDER BY l.id LIMIT 1;
    IF FOUND THEN
        PERFORM attendance.refuse_locked(hit);
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION attendance.absences_refuse_locked() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    hit attendance.period_locks;
    emps bigint[];
    froms date[];
    tos date[];
BEGIN
    IF NOT EXISTS (SELECT FROM attendance.period_locks) THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(employee_id), array_agg(from_date), array_agg(to_date)
        INTO emps, froms, tos FROM new_rows;
    ELSIF TG_OP = 'UPDATE' THEN
        SELECT array_agg(employee_id), array_agg(from_date), array_agg(to_date)
        INTO emps, froms, tos
        FROM (SELECT employee_id, from_date, to_date FROM old_rows
              UNION SELECT employee_id, from_date, to_date FROM new_rows) a;
    ELSE
        SELECT array_agg(employee_id), array_agg(from_date), array_agg(to_date)
        INTO emps, froms, tos FROM old_rows;
    END IF;
    SELECT l.* INTO hit
    FROM unnest(emps, froms, tos) AS a(employee_id, from_date, to_date)
    CROSS JOIN LATERAL attendance.covering_locks(a.employee_id, a.from_date, a.to_date) l
    ORDER BY l.id LIMIT 1;
    IF FOUND THEN
        PERFORM attendance.refuse_locked(hit);
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION attendance.correction_requests_refuse_locked() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    hit attendance.period_locks;
    emps bigint[];
    dates date[];
BEGIN
    IF NOT EXISTS (SELECT FROM attendance.period_locks) THEN
        RETURN NULL;
    END IF;
    SELECT array_agg(employee_id), array_agg(work_date) INTO emps, dates FROM new_rows;
    SELECT l.* INTO hit
    FROM unnest(emps, dates) AS r(employee_id, work_date)
    CROSS JOIN LATERAL attendance.covering_locks(r.employee_id, r.work_date, r.work_date) l
    ORDER BY l.id LIMIT 1;
    IF FOUND THEN
        PERFORM attendance.refuse_locked(hit);
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION attendance.audit_log_enqueue_deliveries() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    ids bigint[];
    actions text[];
    ats timestamptz[];
BEGIN
    IF EXISTS (SELECT FROM attendance.webhook_endpoints) THEN
        SELECT array_agg(id), array_agg(action), array_agg(at)
        INTO ids, actions, ats FROM new_entries;
        INSERT INTO attendance.webhook_deliveries
            (endpoint_id, event_id, event_type, next_attempt_at)
        SELECT e.id, a.id, t.kind, a.at
        FROM unnest(ids, actions, ats) AS a(id, action, at)
        CROSS JOIN LATERAL (SELECT attendance.event_type_of(a.action) AS kind) t
        JOIN attendance.webhook_endpoints e ON t.kind = ANY (e.event_types)
        ORDER BY a.id, e.id;
    END IF;
    RETURN NULL;
END
$$;

-- The scope row is keyed to the transaction that writes it, evaluated
-- where the row is written: on Citus the worker, whose transaction the
-- views' `pg_current_xact_id_if_assigned()` sees (the coordinator
-- evaluates an INSERT's VALUES in its own). On plain PostgreSQL this is
-- the value the runner's INSERT gave already.
CREATE FUNCTION attendance.qa_scope_key() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.xact := pg_catalog.pg_current_xact_id();
    RETURN NEW;
END
$$;

CREATE TRIGGER qa_scope_key BEFORE INSERT ON attendance.qa_scope
    FOR EACH ROW EXECUTE FUNCTION attendance.qa_scope_key();
