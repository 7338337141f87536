-- Bearer API tokens (see `attendance_core::tokens`). Only the SHA-256 of a
-- secret is kept: a copy of this table lets no one in. A token names either
-- an admin (by the name the audit trail uses) or an employee, never both.
CREATE TABLE attendance.api_tokens (
    id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    hash         bytea       NOT NULL,
    admin_name   text,
    -- A deleted employee's tokens go with them.
    employee_id  bigint      REFERENCES attendance.employees (id) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz,
    -- Written at most once a minute per token, not on every request.
    last_used_at timestamptz,
    revoked_at   timestamptz,
    -- Looked up by hash on every cache miss of the authenticator.
    CONSTRAINT api_tokens_hash_key UNIQUE (hash),
    CONSTRAINT api_tokens_hash_valid CHECK (octet_length(hash) = 32),
    CONSTRAINT api_tokens_one_identity CHECK ((admin_name IS NULL) <> (employee_id IS NULL)),
    CONSTRAINT api_tokens_admin_name_valid
        CHECK (admin_name IS NULL OR char_length(btrim(admin_name)) BETWEEN 1 AND 100),
    CONSTRAINT api_tokens_expires_after_creation CHECK (expires_at IS NULL OR expires_at > created_at),
    CONSTRAINT api_tokens_revoked_after_creation CHECK (revoked_at IS NULL OR revoked_at >= created_at)
);

CREATE INDEX api_tokens_employee_idx ON attendance.api_tokens (employee_id) WHERE employee_id IS NOT NULL;
