-- Question answering on Citus: the temporary-file limit on the worker.
-- Nothing changes on PostgreSQL without Citus.
--
-- On a single node `PgSqlRunner` sets `temp_file_limit` (256MB) for the
-- model's query while the login role is still current. On Citus the query
-- runs on the worker in a session of the Q&A role, which may not set it,
-- and the coordinator's setting stays on the coordinator. A setting of the
-- role is applied when the role logs in, and Citus passes `ALTER ROLE ...
-- SET` on to the workers. Only a superuser may set it; without one, the
-- worker's own limit holds and a notice says so.

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname = 'citus')
       OR NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'attendance_qa') THEN
        RETURN;
    END IF;
    IF NOT (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) THEN
        RAISE NOTICE 'attendance_qa: temp_file_limit left to the workers (needs a superuser)';
        RETURN;
    END IF;
    ALTER ROLE attendance_qa SET temp_file_limit = '256MB';
END
$$;
