-- The role the model's queries run as (`PgSqlRunner` switches to it with
-- SET LOCAL ROLE inside each query's transaction): it cannot log in and may
-- read the four Q&A views and nothing else. Views run with their owner's
-- rights, so it needs no grant on the tables. Its limits (statement_timeout,
-- work_mem, temp_file_limit) are set by the runner in the same transaction:
-- a role's own settings apply only at login, never after SET ROLE.
--
-- Roles are cluster-wide and several databases of one cluster may migrate
-- at once, so the role is created only if missing, and a concurrent
-- creation is not an error. Without CREATEROLE (a hosted database) nothing
-- fails here: the runner's start-up check reports the missing role, and
-- an administrator can run the statements below by hand:
--
--   CREATE ROLE attendance_qa NOLOGIN;
--   GRANT USAGE ON SCHEMA attendance TO attendance_qa;
--   GRANT SELECT ON attendance.qa_teams, attendance.qa_employees,
--                   attendance.qa_sessions, attendance.qa_daily_attendance TO attendance_qa;
--   GRANT attendance_qa TO <the application's login role>;

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'attendance_qa') THEN
        BEGIN
            CREATE ROLE attendance_qa NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT;
        EXCEPTION
            WHEN duplicate_object OR unique_violation THEN NULL;
            WHEN insufficient_privilege THEN
                RAISE NOTICE 'attendance_qa could not be created (no CREATEROLE); /ask needs it';
                RETURN;
        END;
    END IF;
    GRANT USAGE ON SCHEMA attendance TO attendance_qa;
    GRANT SELECT ON attendance.qa_teams, attendance.qa_employees,
                    attendance.qa_sessions, attendance.qa_daily_attendance TO attendance_qa;
    IF NOT pg_catalog.pg_has_role(current_user, 'attendance_qa', 'MEMBER') THEN
        BEGIN
            EXECUTE format('GRANT attendance_qa TO %I', current_user);
        EXCEPTION
            WHEN duplicate_object OR unique_violation THEN NULL;
            WHEN insufficient_privilege THEN
                RAISE NOTICE 'attendance_qa could not be granted to %; /ask needs it', current_user;
        END;
    END IF;
END
$$;
