-- Closing a period (see `attendance_core::close`): correction requests,
-- period locks, and the rule that a lock freezes its work dates, kept by
-- PostgreSQL itself so that no statement bypasses it.

-- A standing lock over work dates from_date..=to_date of one team, or of
-- every team (team_id NULL). Reopening deletes the row; the audit trail
-- keeps both. Who locked it is written as in audit_log.
CREATE TABLE attendance.period_locks (
    id                     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    team_id                bigint REFERENCES attendance.teams (id),
    from_date              date        NOT NULL,
    -- Inclusive.
    to_date                date        NOT NULL,
    reason                 text,
    locked_by_kind         text        NOT NULL,
    locked_by_name         text,
    locked_by_employee_id  bigint,
    locked_by_token_id     bigint,
    locked_at              timestamptz NOT NULL,
    -- `close::MAX_LOCK_DAYS` (366) days at most, both ends counted.
    CONSTRAINT period_locks_range_valid
        CHECK (to_date >= from_date AND to_date - from_date < 366),
    CONSTRAINT period_locks_dates_supported
        CHECK (from_date >= DATE '1900-01-01' AND to_date <= DATE '9999-12-31'),
    CONSTRAINT period_locks_reason_valid
        CHECK (reason IS NULL OR (reason = btrim(reason) AND char_length(reason) BETWEEN 1 AND 500)),
    CONSTRAINT period_locks_locker_valid CHECK (
        (locked_by_kind = 'system' AND locked_by_name IS NULL AND locked_by_employee_id IS NULL
            AND locked_by_token_id IS NULL)
        OR (locked_by_kind = 'admin' AND locked_by_name IS NOT NULL
            AND locked_by_employee_id IS NULL)
        OR (locked_by_kind = 'employee' AND locked_by_name IS NULL
            AND locked_by_employee_id IS NOT NULL AND locked_by_token_id IS NULL)
    )
);

CREATE INDEX period_locks_team_idx ON attendance.period_locks (team_id) WHERE team_id IS NOT NULL;

-- A request for a correction, decided by someone other than the requester.
-- The requested change is kept as JSON in the serde shape of
-- `close::RequestedChange`: a change carries the whole session as the
-- requester saw it plus optional new values, which as columns would be a
-- dozen nullable ones whose combinations need CHECKs of their own, and
-- nothing but the store reads it back (approval compares it in Rust).
-- What queries filter on (employee, work date, state, session) are columns.
CREATE TABLE attendance.correction_requests (
    id                      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    employee_id             bigint      NOT NULL REFERENCES attendance.employees (id),
    -- A missing session's clock-in in the team's timezone; a change's, the
    -- session's: what locks and period filters compare.
    work_date               date        NOT NULL,
    change                  jsonb       NOT NULL,
    reason                  text        NOT NULL,
    state                   text        NOT NULL DEFAULT 'open',
    created_at              timestamptz NOT NULL,
    decided_by_kind         text,
    decided_by_name         text,
    decided_by_employee_id  bigint,
    decided_by_token_id     bigint,
    decided_at              timestamptz,
    decision_reason         text,
    -- The session a change changes, or the one an approved missing session
    -- recorded.
    session_id              bigint REFERENCES attendance.sessions (id),
    CONSTRAINT correction_requests_state_valid CHECK (state IN ('open', 'approved', 'rejected')),
    CONSTRAINT correction_requests_change_valid
        CHECK (jsonb_typeof(change) = 'object' AND change ->> 'kind' IN ('missing', 'change')),
    CONSTRAINT correction_requests_reason_valid
        CHECK (reason = btrim(reason) AND char_length(reason) BETWEEN 1 AND 500),
    CONSTRAINT correction_requests_work_date_supported
        CHECK (work_date BETWEEN DATE '1900-01-01' AND DATE '9999-12-31'),
    -- Open: undecided; decided: by someone, at some time.
    CONSTRAINT correction_requests_decision_valid CHECK (
        (state = 'open') = (decided_at IS NULL) AND (state = 'open') = (decided_by_kind IS NULL)
    ),
    CONSTRAINT correction_requests_decider_valid CHECK (
        decided_by_kind IS NULL
        OR (decided_by_kind = 'system' AND decided_by_name IS NULL
            AND decided_by_employee_id IS NULL AND decided_by_token_id IS NULL)
        OR (decided_by_kind = 'admin' AND decided_by_name IS NOT NULL
            AND decided_by_employee_id IS NULL)
        OR (decided_by_kind = 'employee' AND decided_by_name IS NULL
            AND decided_by_employee_id IS NOT NULL AND decided_by_token_id IS NULL)
    ),
    -- A rejection says why; an approval or an open request has no reason.
    CONSTRAINT correction_requests_decision_reason_valid CHECK (
        (state = 'rejected') = (decision_reason IS NOT NULL)
        AND (decision_reason IS NULL
             OR (decision_reason = btrim(decision_reason)
                 AND char_length(decision_reason) BETWEEN 1 AND 500))
    )
);

-- An employee's requests, newest first (also serves the foreign key).
CREATE INDEX correction_requests_employee_idx
    ON attendance.correction_requests (employee_id, id DESC);
-- The open requests, newest first: a manager's inbox.
CREATE INDEX correction_requests_open_idx
    ON attendance.correction_requests (id DESC) WHERE state = 'open';
-- The foreign key to sessions.
CREATE INDEX correction_requests_session_idx
    ON attendance.correction_requests (session_id) WHERE session_id IS NOT NULL;

-- The locks that cover any date of p_from..=p_to of employee p_employee:
-- the company's, and those of the team the employee was in on such a date
-- (`team_memberships`: each row holds from its valid_from until the next
-- row's). The one statement of `close::lock_on` in SQL; a set-returning
-- SQL function the planner inlines, so the triggers below stay set-based.
-- A team's lock covers the employee when they were in the team on the
-- first date both ranges share, or joined it on a later one of them: two
-- probes of the membership key, whatever the history's length.
CREATE FUNCTION attendance.covering_locks(p_employee bigint, p_from date, p_to date)
RETURNS SETOF attendance.period_locks
LANGUAGE sql STABLE PARALLEL SAFE AS $$
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
                 AND m.team_id = l.team_id))
$$;

-- Refuses the statement for lock `hit`. SQLSTATE AL001 (class AL is no
-- standard one) and the lock's row as JSON in DETAIL, which the store
-- reads into `Conflict::PeriodLocked` without asking again.
CREATE FUNCTION attendance.refuse_locked(hit attendance.period_locks) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'work dates % to % are locked', hit.from_date, hit.to_date
        USING ERRCODE = 'AL001',
              DETAIL = to_jsonb(hit)::text,
              HINT = 'reopen the period first';
END
$$;

-- Per statement, over its transition tables: a COPY of 100k sessions
-- checks once, and a statement whose dates no lock comes near stops after
-- one comparison of spans. The rows' distinct work dates are compared
-- with the locks next,
-- so only rows on a date some lock covers are looked at one by one (an
-- import of a month next to closed ones reads no membership). The first
-- lock by id that any row meets is named. PostgreSQL allows transition
-- tables only on single-event triggers, hence one trigger per event.
CREATE FUNCTION attendance.sessions_refuse_locked() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    hit attendance.period_locks;
BEGIN
    -- The span of the statement's work dates against the locks' spans, in
    -- one query: a clock-in today, with the past months locked, stops here.
    IF TG_OP = 'INSERT' THEN
        IF NOT EXISTS (SELECT FROM attendance.period_locks l,
                       (SELECT min(work_date) AS lo, max(work_date) AS hi FROM new_rows) r
                       WHERE l.from_date <= r.hi AND r.lo <= l.to_date) THEN
            RETURN NULL;
        END IF;
    ELSIF TG_OP = 'UPDATE' THEN
        IF NOT EXISTS (SELECT FROM attendance.period_locks l,
                       (SELECT min(work_date) AS lo, max(work_date) AS hi
                        FROM (SELECT work_date FROM old_rows
                              UNION ALL SELECT work_date FROM new_rows) d) r
                       WHERE l.from_date <= r.hi AND r.lo <= l.to_date) THEN
            RETURN NULL;
        END IF;
    ELSIF NOT EXISTS (SELECT FROM attendance.period_locks l,
                      (SELECT min(work_date) AS lo, max(work_date) AS hi FROM old_rows) r
                      WHERE l.from_date <= r.hi AND r.lo <= l.to_date) THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' THEN
        WITH covered AS (
            SELECT d.work_date FROM (SELECT DISTINCT work_date FROM new_rows) d
            WHERE EXISTS (SELECT FROM attendance.period_locks l
                          WHERE d.work_date BETWEEN l.from_date AND l.to_date))
        SELECT l.* INTO hit
        FROM (SELECT DISTINCT s.employee_id, s.work_date
              FROM new_rows s JOIN covered USING (work_date)) s
        CROSS JOIN LATERAL attendance.covering_locks(s.employee_id, s.work_date, s.work_date) l
        ORDER BY l.id LIMIT 1;
    ELSIF TG_OP = 'UPDATE' THEN
        -- A session moved out of a locked date, or into one.
        WITH changed AS (
            SELECT employee_id, work_date FROM old_rows
            UNION SELECT employee_id, work_date FROM new_rows)
        SELECT l.* INTO hit
        FROM changed s
        CROSS JOIN LATERAL attendance.covering_locks(s.employee_id, s.work_date, s.work_date) l
        ORDER BY l.id LIMIT 1;
    ELSE
        WITH covered AS (
            SELECT d.work_date FROM (SELECT DISTINCT work_date FROM old_rows) d
            WHERE EXISTS (SELECT FROM attendance.period_locks l
                          WHERE d.work_date BETWEEN l.from_date AND l.to_date))
        SELECT l.* INTO hit
        FROM (SELECT DISTINCT s.employee_id, s.work_date
              FROM old_rows s JOIN covered USING (work_date)) s
        CROSS JOIN LATERAL attendance.covering_locks(s.employee_id, s.work_date, s.work_date) l
        ORDER BY l.id LIMIT 1;
    END IF;
    IF FOUND THEN
        PERFORM attendance.refuse_locked(hit);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER sessions_locked_insert AFTER INSERT ON attendance.sessions
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION attendance.sessions_refuse_locked();
CREATE TRIGGER sessions_locked_update AFTER UPDATE ON attendance.sessions
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION attendance.sessions_refuse_locked();
CREATE TRIGGER sessions_locked_delete AFTER DELETE ON attendance.sessions
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION attendance.sessions_refuse_locked();

-- An absence covers every date of from_date..=to_date.
CREATE FUNCTION attendance.absences_refuse_locked() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    hit attendance.period_locks;
BEGIN
    IF NOT EXISTS (SELECT FROM attendance.period_locks) THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' THEN
        SELECT l.* INTO hit
        FROM new_rows a
        CROSS JOIN LATERAL attendance.covering_locks(a.employee_id, a.from_date, a.to_date) l
        ORDER BY l.id LIMIT 1;
    ELSIF TG_OP = 'UPDATE' THEN
        SELECT l.* INTO hit
        FROM (SELECT employee_id, from_date, to_date FROM old_rows
              UNION SELECT employee_id, from_date, to_date FROM new_rows) a
        CROSS JOIN LATERAL attendance.covering_locks(a.employee_id, a.from_date, a.to_date) l
        ORDER BY l.id LIMIT 1;
    ELSE
        SELECT l.* INTO hit
        FROM old_rows a
        CROSS JOIN LATERAL attendance.covering_locks(a.employee_id, a.from_date, a.to_date) l
        ORDER BY l.id LIMIT 1;
    END IF;
    IF FOUND THEN
        PERFORM attendance.refuse_locked(hit);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER absences_locked_insert AFTER INSERT ON attendance.absences
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION attendance.absences_refuse_locked();
CREATE TRIGGER absences_locked_update AFTER UPDATE ON attendance.absences
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION attendance.absences_refuse_locked();
CREATE TRIGGER absences_locked_delete AFTER DELETE ON attendance.absences
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION attendance.absences_refuse_locked();

-- A new request for a locked date is refused; deciding one is checked by
-- the session it writes.
CREATE FUNCTION attendance.correction_requests_refuse_locked() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    hit attendance.period_locks;
BEGIN
    IF NOT EXISTS (SELECT FROM attendance.period_locks) THEN
        RETURN NULL;
    END IF;
    SELECT l.* INTO hit
    FROM new_rows r
    CROSS JOIN LATERAL attendance.covering_locks(r.employee_id, r.work_date, r.work_date) l
    ORDER BY l.id LIMIT 1;
    IF FOUND THEN
        PERFORM attendance.refuse_locked(hit);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER correction_requests_locked_insert AFTER INSERT ON attendance.correction_requests
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION attendance.correction_requests_refuse_locked();

-- TRUNCATE fires no row or transition-table trigger: refused outright
-- while any lock stands.
CREATE FUNCTION attendance.refuse_truncate_while_locked() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    hit attendance.period_locks;
BEGIN
    SELECT * INTO hit FROM attendance.period_locks ORDER BY id LIMIT 1;
    IF FOUND THEN
        PERFORM attendance.refuse_locked(hit);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER sessions_locked_truncate BEFORE TRUNCATE ON attendance.sessions
    FOR EACH STATEMENT EXECUTE FUNCTION attendance.refuse_truncate_while_locked();
CREATE TRIGGER absences_locked_truncate BEFORE TRUNCATE ON attendance.absences
    FOR EACH STATEMENT EXECUTE FUNCTION attendance.refuse_truncate_while_locked();

ALTER TABLE attendance.audit_log DROP CONSTRAINT audit_log_action_valid;
ALTER TABLE attendance.audit_log
    ADD CONSTRAINT audit_log_action_valid CHECK (action IN (
        'team_created', 'employee_created', 'manager_appointed', 'manager_dismissed',
        'clock_in', 'clock_out', 'backfill', 'correction', 'auto_close',
        'token_created', 'token_revoked', 'employee_updated',
        'work_pattern_created', 'work_pattern_assigned', 'holiday_added', 'holiday_removed',
        'absence_recorded', 'absence_removed', 'break_rule_set',
        'request_created', 'request_approved', 'request_rejected',
        'period_locked', 'period_reopened',
        'webhook_registered', 'webhook_removed', 'webhook_redelivered'
    ));

-- No grant to attendance_qa: it reads views only, and none reads these.
