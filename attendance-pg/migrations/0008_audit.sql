-- The audit trail (see `attendance_core::audit`): one row per write,
-- appended in the write's own statement or transaction, never changed.
CREATE TABLE attendance.audit_log (
    id                 bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- The service's clock at the write.
    at                 timestamptz NOT NULL,
    -- Who: 'system' (the host), an admin by name, or an employee by id.
    -- No foreign key: the trail outlives what it names.
    actor_kind         text        NOT NULL,
    actor_name         text,
    actor_employee_id  bigint,
    action             text        NOT NULL,
    employee_id        bigint,
    session_id         bigint,
    team_id            bigint,
    -- `attendance_core::idempotency::Written` as JSON: {"kind", "value"}.
    before             jsonb,
    after              jsonb,
    reason             text,
    CONSTRAINT audit_log_actor_valid CHECK (
        (actor_kind = 'system' AND actor_name IS NULL AND actor_employee_id IS NULL)
        OR (actor_kind = 'admin' AND actor_name IS NOT NULL AND actor_employee_id IS NULL)
        OR (actor_kind = 'employee' AND actor_name IS NULL AND actor_employee_id IS NOT NULL)
    ),
    CONSTRAINT audit_log_action_valid CHECK (action IN (
        'team_created', 'employee_created', 'manager_appointed', 'manager_dismissed',
        'clock_in', 'clock_out', 'backfill', 'correction', 'auto_close',
        'token_created', 'token_revoked'
    )),
    CONSTRAINT audit_log_reason_valid
        CHECK (reason IS NULL OR (reason = btrim(reason) AND char_length(reason) BETWEEN 1 AND 500))
);

-- `/audit?employee_id=` and the member scope (own entries, and those of
-- their teams' members), newest first.
CREATE INDEX audit_log_employee_idx ON attendance.audit_log (employee_id, id DESC);
-- `/audit?session_id=`.
CREATE INDEX audit_log_session_idx ON attendance.audit_log (session_id, id DESC)
    WHERE session_id IS NOT NULL;
-- `/audit?from=&to=`.
CREATE INDEX audit_log_at_idx ON attendance.audit_log (at);

-- Append-only, even for the table's owner (the application's role): no
-- privilege lets a statement past these triggers. Only a superuser who
-- disables triggers, or drops the table, can rewrite history.
CREATE FUNCTION attendance.audit_log_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only: % is refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;

-- Per statement, so that even one that would touch no row is refused.
CREATE TRIGGER audit_log_append_only
    BEFORE UPDATE OR DELETE OR TRUNCATE ON attendance.audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION attendance.audit_log_refuse_change();
