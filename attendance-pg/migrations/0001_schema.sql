-- Core schema of the attendance library. Everything lives in the schema
-- `attendance` (created by the migrator, which also keeps its tracking table
-- there), so nothing collides with a host application's own tables or
-- migrations.

-- Needed for the exclusion constraint that mixes `=` on bigint with `&&` on
-- ranges. A trusted extension since PostgreSQL 13: the database owner may
-- create it.
CREATE EXTENSION IF NOT EXISTS btree_gist;

CREATE TABLE attendance.teams (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text        NOT NULL,
    -- IANA name, validated by the library (chrono-tz) before it gets here.
    timezone    text        NOT NULL DEFAULT 'UTC',
    -- A first clock-in after this local time is a late arrival.
    late_after  time        NOT NULL DEFAULT '09:30',
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT teams_name_valid
        CHECK (name = btrim(name) AND char_length(name) BETWEEN 1 AND 100),
    CONSTRAINT teams_timezone_valid
        CHECK (timezone <> '' AND char_length(timezone) <= 64)
);

-- Team names are unique regardless of letter case.
CREATE UNIQUE INDEX teams_name_unique ON attendance.teams (lower(name));

CREATE TABLE attendance.employees (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    team_id     bigint      NOT NULL REFERENCES attendance.teams (id),
    name        text        NOT NULL,
    role        text        NOT NULL,
    is_manager  boolean     NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT employees_name_valid
        CHECK (name = btrim(name) AND char_length(name) BETWEEN 1 AND 200),
    CONSTRAINT employees_role_valid
        CHECK (role = btrim(role) AND char_length(role) BETWEEN 1 AND 100)
);

-- Listing a team's employees; also serves the foreign key from sessions'
-- team lookups.
CREATE INDEX employees_team_id_idx ON attendance.employees (team_id, id);

CREATE TABLE attendance.sessions (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    employee_id  bigint      NOT NULL REFERENCES attendance.employees (id),
    -- Local date of the clock-in in the team's timezone, fixed at clock-in:
    -- a night shift stays on the date it started.
    work_date    date        NOT NULL,
    clock_in     timestamptz NOT NULL,
    clock_out    timestamptz,
    work_mode    text        NOT NULL,
    CONSTRAINT sessions_work_mode_valid CHECK (work_mode IN ('WFH', 'WFO')),
    CONSTRAINT sessions_clock_out_after_clock_in CHECK (clock_out > clock_in),
    -- UTC offsets stay within ±14 h, so the local date is at most a day
    -- away from the UTC date.
    CONSTRAINT sessions_work_date_near_clock_in CHECK (
        work_date BETWEEN (clock_in AT TIME ZONE 'UTC')::date - 1
                      AND (clock_in AT TIME ZONE 'UTC')::date + 1
    ),
    -- No two sessions of one employee overlap; an open session reaches to
    -- the end of time, so nothing can start after it until it is closed.
    CONSTRAINT sessions_no_overlap EXCLUDE USING gist (
        employee_id WITH =,
        tstzrange(clock_in, clock_out, '[)') WITH &&
    )
);

-- At most one open session per employee, enforced under concurrency: of 50
-- simultaneous clock-ins, one inserts and 49 fail on this index.
CREATE UNIQUE INDEX sessions_one_open_per_employee
    ON attendance.sessions (employee_id) WHERE clock_out IS NULL;

-- Trends for one employee or a team's employees over a date range
-- (`employee_id = ANY($1) AND work_date BETWEEN $2 AND $3`); the INCLUDE
-- columns make it an index-only scan.
CREATE INDEX sessions_employee_work_date_idx
    ON attendance.sessions (employee_id, work_date)
    INCLUDE (clock_in, clock_out, work_mode);

-- One employee's sessions, newest first (listing and keyset pagination).
CREATE INDEX sessions_employee_clock_in_idx
    ON attendance.sessions (employee_id, clock_in DESC, id DESC);

-- Company-wide listing, newest first, and company-wide day summaries.
CREATE INDEX sessions_clock_in_idx ON attendance.sessions (clock_in DESC, id DESC);
CREATE INDEX sessions_work_date_idx ON attendance.sessions (work_date);
