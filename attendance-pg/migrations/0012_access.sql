-- Who an admin is, what an admin may change, and what an employee sees of
-- a team through question answering.

-- An admin acts as the token it authenticated with, whatever that token's
-- display name (`Principal::with_token`): two admin tokens named alike
-- write distinguishable entries, so a leaked and revoked token's writes
-- can be found. No foreign key: the trail outlives what it names.
ALTER TABLE attendance.audit_log ADD COLUMN actor_token_id bigint;

ALTER TABLE attendance.audit_log DROP CONSTRAINT audit_log_actor_valid;
ALTER TABLE attendance.audit_log
    ADD CONSTRAINT audit_log_actor_valid CHECK (
        (actor_kind = 'system' AND actor_name IS NULL AND actor_employee_id IS NULL
            AND actor_token_id IS NULL)
        OR (actor_kind = 'admin' AND actor_name IS NOT NULL AND actor_employee_id IS NULL)
        OR (actor_kind = 'employee' AND actor_name IS NULL AND actor_employee_id IS NOT NULL
            AND actor_token_id IS NULL)
    );

-- `PATCH /employees/{id}`, and the demotion of a manager of their own team.
ALTER TABLE attendance.audit_log DROP CONSTRAINT audit_log_action_valid;
ALTER TABLE attendance.audit_log
    ADD CONSTRAINT audit_log_action_valid CHECK (action IN (
        'team_created', 'employee_created', 'manager_appointed', 'manager_dismissed',
        'clock_in', 'clock_out', 'backfill', 'correction', 'auto_close',
        'token_created', 'token_revoked', 'employee_updated'
    ));

-- A team's headcount is a team figure: the routes show it (in team
-- trends) to the team's managers and to admins only, so the view shows it
-- to them only; every other principal who sees the team's record reads
-- NULL, as the routes show them no count.
CREATE OR REPLACE VIEW attendance.qa_teams WITH (security_barrier = true) AS
SELECT t.id AS team_id,
       t.name AS team_name,
       t.timezone,
       t.late_after,
       CASE WHEN EXISTS (
                SELECT FROM attendance.qa_scope q
                WHERE q.xact = pg_catalog.pg_current_xact_id_if_assigned()
                  AND (q.all_rows OR t.id = ANY (q.team_ids)))
            THEN (SELECT count(*) FROM attendance.employees e WHERE e.team_id = t.id)
       END AS headcount
FROM attendance.teams t
WHERE EXISTS (
    SELECT FROM attendance.qa_scope q
    WHERE q.xact = pg_catalog.pg_current_xact_id_if_assigned()
      AND (q.all_rows
           OR t.id = ANY (q.team_ids)
           OR t.id = (SELECT me.team_id FROM attendance.employees me
                      WHERE me.id = q.employee_id)));

COMMENT ON COLUMN attendance.qa_teams.headcount IS
    'Employees in the team now; NULL unless the asker manages the team (or is an admin).';
