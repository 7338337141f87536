-- API tokens in the audit trail: which token an entry about one names. No
-- foreign key, like the other subjects: the trail outlives what it names.
ALTER TABLE attendance.audit_log ADD COLUMN token_id bigint;

ALTER TABLE attendance.audit_log ADD CONSTRAINT audit_log_token_valid CHECK (
    (action IN ('token_created', 'token_revoked')) = (token_id IS NOT NULL)
);
