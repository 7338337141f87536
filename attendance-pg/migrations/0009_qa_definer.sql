-- The model's query runs inside this function, so that it cannot leave the
-- Q&A role.
--
-- Why: `SET ROLE`, `set_config('role', …)` and `RESET ROLE` may always go
-- back to the session's login role, whatever the current role, and a query
-- can call `set_config` itself. Switched back, a function that runs SQL
-- (`query_to_xml`, …) would read the base tables with the login role's
-- rights, around the scoped views of 0006. PostgreSQL refuses every change
-- of `role` or `session_authorization` inside a SECURITY DEFINER function,
-- so a query run here stays its owner, `attendance_qa`, to the end.
--
-- `PgSqlRunner` switches to the Q&A role, then runs
-- `SELECT t FROM attendance.qa_execute($1) AS t` with its wrapped query (one
-- text column) as the parameter. The function adds no right: its owner is
-- the role the query would run as anyway, and only that role may execute
-- it. (In the login-role mode the runner runs the query directly: it has
-- the login role's rights already, there is nothing to leave.)
--
-- Without `attendance_qa` (no CREATEROLE, see 0003), or where it cannot be
-- made the owner, the function stays SECURITY INVOKER, owned by the
-- migrating role: a definer function owned by the login role would run the
-- model's query with the login role's rights. The runner's start-up check
-- then refuses the Q&A role until an administrator runs:
--
--   ALTER FUNCTION attendance.qa_execute(text) OWNER TO attendance_qa;
--   ALTER FUNCTION attendance.qa_execute(text) SECURITY DEFINER;
--
-- Until then (or in the explicitly accepted login-role mode) the scoped
-- views, the read-only transaction and the guard remain; a query that
-- resets its role is stopped by the guard only.
--
-- search_path is pinned as the runner pins it for the query (pg_catalog
-- first, then attendance), with pg_temp last so no temporary object can
-- stand in for either.

CREATE FUNCTION attendance.qa_execute(query text) RETURNS SETOF text
    LANGUAGE plpgsql
    SET search_path = pg_catalog, attendance, pg_temp
AS $$
BEGIN
    RETURN QUERY EXECUTE query;
END
$$;

REVOKE ALL ON FUNCTION attendance.qa_execute(text) FROM PUBLIC;

COMMENT ON FUNCTION attendance.qa_execute(text) IS
    'Runs a Q&A query as its owner, attendance_qa, which it cannot leave (see migration 0009).';

DO $$
DECLARE
    superuser boolean := (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user);
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'attendance_qa') THEN
        RAISE NOTICE 'attendance_qa does not exist: attendance.qa_execute stays SECURITY INVOKER';
        RETURN;
    END IF;
    BEGIN
        GRANT EXECUTE ON FUNCTION attendance.qa_execute(text) TO attendance_qa;
        -- A new owner needs CREATE on the schema (a superuser excepted);
        -- the Q&A role gets it only for the change of owner.
        IF NOT superuser THEN
            GRANT CREATE ON SCHEMA attendance TO attendance_qa;
        END IF;
        ALTER FUNCTION attendance.qa_execute(text) OWNER TO attendance_qa;
        IF NOT superuser THEN
            REVOKE CREATE ON SCHEMA attendance FROM attendance_qa;
        END IF;
        -- Only once the owner is the Q&A role.
        ALTER FUNCTION attendance.qa_execute(text) SECURITY DEFINER;
    EXCEPTION
        WHEN insufficient_privilege THEN
            RAISE NOTICE 'attendance.qa_execute could not be given to attendance_qa; /ask needs it';
    END;
END
$$;
