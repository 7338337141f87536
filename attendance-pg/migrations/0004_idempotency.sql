-- Idempotency keys (see `attendance_core::idempotency`): a write retried
-- with the same key replays the outcome stored here instead of writing
-- again. The key is claimed, the write done and its outcome stored in ONE
-- transaction, so a crash can separate none of them; a second claim of the
-- same key waits on the primary key until the first commits or rolls back.
CREATE TABLE attendance.idempotency_keys (
    -- The caller the key belongs to; keys of different callers never meet.
    scope        text        NOT NULL,
    key          text        NOT NULL,
    -- SHA-256 of the request, to refuse the key's reuse for another one.
    fingerprint  bytea       NOT NULL,
    -- The write's outcome; NULL only inside the claiming transaction.
    outcome      jsonb,
    -- The service's clock at the claim; the window is counted from it.
    created_at   timestamptz NOT NULL,
    CONSTRAINT idempotency_keys_pkey PRIMARY KEY (scope, key),
    CONSTRAINT idempotency_keys_key_valid CHECK (octet_length(key) BETWEEN 1 AND 255),
    CONSTRAINT idempotency_keys_scope_valid CHECK (octet_length(scope) <= 255),
    CONSTRAINT idempotency_keys_fingerprint_valid CHECK (octet_length(fingerprint) = 32)
);

-- Expired keys are deleted by age (`forget_keys`).
CREATE INDEX idempotency_keys_created_at ON attendance.idempotency_keys (created_at);
