-- Question answering on Citus. Nothing changes on PostgreSQL without Citus.
--
-- On a Citus coordinator a query over a tenant's views runs on the worker
-- holding the tenant, and Citus connects to that worker as the current
-- role, which for the model's query is the Q&A role: it must be able to
-- log in (inter-node authentication is the cluster's: trust, a password
-- file or certificates, as for any Citus role). There the view is already
-- expanded, so the worker checks the tables behind it against the Q&A role
-- rather than the view's owner: the role gets SELECT on exactly the tables
-- the Q&A views read (found through the views' dependencies, views of
-- views included), and nothing else of the schema (tokens, keys, the audit
-- trail, webhooks). `PgSqlRunner` switches to the role before it writes
-- the scope on Citus (a worker refuses a transaction in which two roles
-- touched one placement), so the role may also insert into `qa_scope`.
--
-- What is lost on Citus: a query that got past the guard could read the
-- tenant's own base tables unscoped (still not another tenant's: the role
-- has no USAGE on any other schema). The guard, the scoped views and the
-- read-only transaction stay.

DO $$
DECLARE
    t regclass;
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname = 'citus')
       OR NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'attendance_qa') THEN
        RETURN;
    END IF;
    BEGIN
        ALTER ROLE attendance_qa LOGIN;
        FOR t IN
            WITH RECURSIVE reads(rel) AS (
                SELECT c.oid FROM pg_catalog.pg_class c
                WHERE c.relnamespace = 'attendance'::regnamespace
                  AND c.relkind = 'v' AND c.relname LIKE 'qa\_%'
                UNION
                SELECT d.refobjid
                FROM reads
                JOIN pg_catalog.pg_rewrite r ON r.ev_class = reads.rel
                JOIN pg_catalog.pg_depend d
                  ON d.classid = 'pg_catalog.pg_rewrite'::regclass AND d.objid = r.oid
                 AND d.refclassid = 'pg_catalog.pg_class'::regclass
                WHERE d.refobjid <> reads.rel)
            SELECT DISTINCT c.oid::regclass
            FROM reads JOIN pg_catalog.pg_class c ON c.oid = reads.rel
            WHERE c.relkind IN ('r', 'p')
              AND c.relnamespace = 'attendance'::regnamespace
        LOOP
            EXECUTE format('GRANT SELECT ON %s TO attendance_qa', t);
        END LOOP;
        GRANT INSERT ON attendance.qa_scope TO attendance_qa;
    EXCEPTION
        WHEN insufficient_privilege THEN
            RAISE NOTICE 'attendance_qa could not be prepared for Citus; /ask needs it';
    END;
END
$$;
