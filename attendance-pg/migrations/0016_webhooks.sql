-- Webhooks (see `attendance_core::webhooks`): the endpoints an admin
-- registers, and the outbox of deliveries a worker drains. An event is an
-- audit entry of a kind other systems hear of; its deliveries are written
-- by a trigger on the audit trail, in the write's own transaction.

CREATE TABLE attendance.webhook_endpoints (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    url            text        NOT NULL,
    -- Spelled as `EventType::as_str`, sorted, at least one.
    event_types    text[]      NOT NULL,
    -- `whsec_` and base64: the worker signs with it, so it is kept as
    -- given (it is shown once, at registration, and never read back by
    -- the API).
    secret         text        NOT NULL,
    state          text        NOT NULL DEFAULT 'active',
    created_at     timestamptz NOT NULL,
    failing_since  timestamptz,
    -- `webhooks::MAX_URL_LEN` bytes; the shape is `WebhookUrl::new`'s.
    CONSTRAINT webhook_endpoints_url_valid
        CHECK (octet_length(url) BETWEEN 1 AND 2048 AND url ~* '^https?://'),
    CONSTRAINT webhook_endpoints_event_types_valid CHECK (
        cardinality(event_types) >= 1
        AND array_position(event_types, NULL) IS NULL
        AND event_types <@ ARRAY[
            'session.clocked_in', 'session.clocked_out', 'session.recorded',
            'session.corrected', 'session.auto_closed',
            'request.created', 'request.approved', 'request.rejected',
            'period.locked', 'period.reopened',
            'employee.created', 'team.created'
        ]::text[]
    ),
    -- Base64 of 24 to 64 bytes: 32 to 88 characters.
    CONSTRAINT webhook_endpoints_secret_valid
        CHECK (secret ~ '^whsec_[A-Za-z0-9+/]{30,88}={0,2}$' AND octet_length(secret) <= 94),
    CONSTRAINT webhook_endpoints_state_valid CHECK (state IN ('active', 'failing')),
    CONSTRAINT webhook_endpoints_failing_since_valid
        CHECK ((state = 'failing') = (failing_since IS NOT NULL))
);

CREATE TABLE attendance.webhook_deliveries (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    endpoint_id       bigint      NOT NULL
        REFERENCES attendance.webhook_endpoints (id) ON DELETE CASCADE,
    -- The audit entry the event is (`Event::of`). No foreign key: the
    -- trail is append-only, so the entry outlives its deliveries, and a
    -- key would turn the trail's refusal of TRUNCATE into another error.
    event_id          bigint      NOT NULL,
    event_type        text        NOT NULL,
    state             text        NOT NULL DEFAULT 'pending',
    attempts          integer     NOT NULL DEFAULT 0,
    -- Pending: when it is due (or, claimed, when its lease ends).
    next_attempt_at   timestamptz,
    first_attempt_at  timestamptz,
    last_attempt_at   timestamptz,
    last_status       integer,
    last_error        text,
    delivered_at      timestamptz,
    CONSTRAINT webhook_deliveries_once_per_endpoint UNIQUE (endpoint_id, event_id),
    CONSTRAINT webhook_deliveries_event_type_valid CHECK (event_type IN (
        'session.clocked_in', 'session.clocked_out', 'session.recorded',
        'session.corrected', 'session.auto_closed',
        'request.created', 'request.approved', 'request.rejected',
        'period.locked', 'period.reopened',
        'employee.created', 'team.created'
    )),
    CONSTRAINT webhook_deliveries_state_valid
        CHECK (state IN ('pending', 'delivered', 'failed')),
    CONSTRAINT webhook_deliveries_attempts_valid CHECK (attempts >= 0),
    CONSTRAINT webhook_deliveries_pending_is_due
        CHECK ((state = 'pending') = (next_attempt_at IS NOT NULL)),
    CONSTRAINT webhook_deliveries_delivered_valid
        CHECK ((state = 'delivered') = (delivered_at IS NOT NULL)),
    CONSTRAINT webhook_deliveries_status_valid CHECK (last_status BETWEEN 100 AND 999),
    -- `webhooks::MAX_DELIVERY_ERROR` characters.
    CONSTRAINT webhook_deliveries_error_valid CHECK (char_length(last_error) <= 500)
);

-- Each endpoint's oldest pending delivery, in event order: what a claim
-- reads, one short index range per endpoint.
CREATE INDEX webhook_deliveries_pending_idx
    ON attendance.webhook_deliveries (endpoint_id, event_id) WHERE state = 'pending';
-- An endpoint's delivery log, newest first.
CREATE INDEX webhook_deliveries_endpoint_idx
    ON attendance.webhook_deliveries (endpoint_id, id DESC);

-- `EventType::of` in SQL: the event an audit action is, or NULL. The
-- store's tests compare it with the Rust mapping for every action.
CREATE FUNCTION attendance.event_type_of(action text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE action
        WHEN 'clock_in' THEN 'session.clocked_in'
        WHEN 'clock_out' THEN 'session.clocked_out'
        WHEN 'backfill' THEN 'session.recorded'
        WHEN 'correction' THEN 'session.corrected'
        WHEN 'auto_close' THEN 'session.auto_closed'
        WHEN 'request_created' THEN 'request.created'
        WHEN 'request_approved' THEN 'request.approved'
        WHEN 'request_rejected' THEN 'request.rejected'
        WHEN 'period_locked' THEN 'period.locked'
        WHEN 'period_reopened' THEN 'period.reopened'
        WHEN 'employee_created' THEN 'employee.created'
        WHEN 'team_created' THEN 'team.created'
    END
$$;

-- The outbox: one delivery per endpoint subscribed to an entry's type,
-- due at the write's own instant. In the write's transaction, so an event
-- exists if and only if its write committed. Per statement, over the new
-- entries: one call for a sweep that closes a thousand sessions, and with
-- no endpoint registered one look at an empty table. (A per-row trigger
-- would run the mapping through the SQL-function executor for every
-- entry in its WHEN clause, which the clock-in cycle feels; here the
-- mapping is inlined into a planned query.)
CREATE FUNCTION attendance.audit_log_enqueue_deliveries() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT FROM attendance.webhook_endpoints) THEN
        INSERT INTO attendance.webhook_deliveries
            (endpoint_id, event_id, event_type, next_attempt_at)
        SELECT e.id, a.id, t.kind, a.at
        FROM new_entries a
        CROSS JOIN LATERAL (SELECT attendance.event_type_of(a.action) AS kind) t
        JOIN attendance.webhook_endpoints e ON t.kind = ANY (e.event_types)
        ORDER BY a.id, e.id;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER audit_log_outbox AFTER INSERT ON attendance.audit_log
    REFERENCING NEW TABLE AS new_entries
    FOR EACH STATEMENT EXECUTE FUNCTION attendance.audit_log_enqueue_deliveries();

-- No grant to attendance_qa: it reads views only, and none reads these.
