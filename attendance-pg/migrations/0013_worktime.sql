-- Work time (see `attendance_core::worktime`): patterns of expected minutes,
-- who works by which from when, holiday calendars, absences, break rules,
-- and the team each employee was in on each date. The ledger is computed
-- from these and the sessions on every read; nothing derived is stored.

-- The team an employee is in from a date on, until their next row. Core's
-- `worktime::SINCE_ALWAYS` (1900-01-01) is the first row's date; a move
-- counts from its local date in the new team's timezone.
CREATE TABLE attendance.team_memberships (
    employee_id  bigint NOT NULL REFERENCES attendance.employees (id),
    valid_from   date   NOT NULL,
    team_id      bigint NOT NULL REFERENCES attendance.teams (id),
    PRIMARY KEY (employee_id, valid_from)
);

CREATE INDEX team_memberships_team_idx ON attendance.team_memberships (team_id);

INSERT INTO attendance.team_memberships (employee_id, valid_from, team_id)
SELECT id, DATE '1900-01-01', team_id FROM attendance.employees;

CREATE TABLE attendance.work_patterns (
    id                     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name                   text    NOT NULL,
    -- Expected minutes per ISO weekday.
    minutes_mon            integer NOT NULL,
    minutes_tue            integer NOT NULL,
    minutes_wed            integer NOT NULL,
    minutes_thu            integer NOT NULL,
    minutes_fri            integer NOT NULL,
    minutes_sat            integer NOT NULL,
    minutes_sun            integer NOT NULL,
    -- A first clock-in after this local time is late; NULL: the team's.
    starts_at              time,
    -- Overtime per ISO week past this many minutes instead of per day.
    weekly_overtime_after  integer,
    CONSTRAINT work_patterns_name_valid
        CHECK (name = btrim(name) AND char_length(name) BETWEEN 1 AND 100),
    CONSTRAINT work_patterns_minutes_valid CHECK (
        minutes_mon BETWEEN 0 AND 1440 AND minutes_tue BETWEEN 0 AND 1440
        AND minutes_wed BETWEEN 0 AND 1440 AND minutes_thu BETWEEN 0 AND 1440
        AND minutes_fri BETWEEN 0 AND 1440 AND minutes_sat BETWEEN 0 AND 1440
        AND minutes_sun BETWEEN 0 AND 1440
    ),
    CONSTRAINT work_patterns_weekly_overtime_after_range
        CHECK (weekly_overtime_after BETWEEN 1 AND 10080)
);

-- From `valid_from` on, a team or an employee works by a pattern (NULL:
-- none for a team; the team's again for an employee) until its next row.
CREATE TABLE attendance.pattern_assignments (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    team_id      bigint REFERENCES attendance.teams (id),
    employee_id  bigint REFERENCES attendance.employees (id),
    pattern_id   bigint REFERENCES attendance.work_patterns (id),
    valid_from   date   NOT NULL,
    CONSTRAINT pattern_assignments_one_target
        CHECK ((team_id IS NULL) <> (employee_id IS NULL)),
    CONSTRAINT pattern_assignments_valid_from_supported
        CHECK (valid_from BETWEEN DATE '1900-01-01' AND DATE '9999-12-31')
);

-- One assignment per target and date; each also serves its foreign key.
CREATE UNIQUE INDEX pattern_assignments_team_date_unique
    ON attendance.pattern_assignments (team_id, valid_from) WHERE team_id IS NOT NULL;
CREATE UNIQUE INDEX pattern_assignments_employee_date_unique
    ON attendance.pattern_assignments (employee_id, valid_from) WHERE employee_id IS NOT NULL;
CREATE INDEX pattern_assignments_pattern_idx ON attendance.pattern_assignments (pattern_id);

-- Holidays of the company's calendar (team_id NULL) and of teams'.
CREATE TABLE attendance.holidays (
    id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    team_id  bigint REFERENCES attendance.teams (id),
    date     date   NOT NULL,
    name     text   NOT NULL,
    portion  text   NOT NULL,
    CONSTRAINT holidays_name_valid
        CHECK (name = btrim(name) AND char_length(name) BETWEEN 1 AND 100),
    CONSTRAINT holidays_portion_valid CHECK (portion IN ('full', 'half')),
    CONSTRAINT holidays_date_supported
        CHECK (date BETWEEN DATE '1900-01-01' AND DATE '9999-12-31')
);

-- One holiday per calendar and date; team ids are positive, so 0 stands
-- for the company's calendar.
CREATE UNIQUE INDEX holidays_calendar_date_unique
    ON attendance.holidays ((coalesce(team_id, 0)), date);
CREATE INDEX holidays_team_idx ON attendance.holidays (team_id) WHERE team_id IS NOT NULL;
-- The ledger reads a period's holidays of every calendar.
CREATE INDEX holidays_date_idx ON attendance.holidays (date);

CREATE TABLE attendance.absences (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    employee_id  bigint NOT NULL REFERENCES attendance.employees (id),
    kind         text   NOT NULL,
    from_date    date   NOT NULL,
    -- Inclusive.
    to_date      date   NOT NULL,
    portion      text   NOT NULL,
    note         text,
    CONSTRAINT absences_kind_valid CHECK (kind IN ('vacation', 'sick', 'other')),
    CONSTRAINT absences_portion_valid CHECK (portion IN ('full', 'half')),
    -- `worktime::MAX_LEDGER_DAYS` (366) days at most.
    CONSTRAINT absences_range_valid
        CHECK (to_date >= from_date AND to_date - from_date < 366),
    CONSTRAINT absences_dates_supported
        CHECK (from_date >= DATE '1900-01-01' AND to_date <= DATE '9999-12-31'),
    CONSTRAINT absences_note_valid
        CHECK (note IS NULL OR (note = btrim(note) AND char_length(note) BETWEEN 1 AND 500)),
    -- No two absences of one employee share a day (btree_gist, from 0001,
    -- gives `=` on bigint). Also serves the foreign key.
    CONSTRAINT absences_no_overlap EXCLUDE USING gist (
        employee_id WITH =,
        daterange(from_date, to_date, '[]') WITH &&
    )
);

-- An employee's absences by start date (listing, the ledger).
CREATE INDEX absences_employee_from_idx ON attendance.absences (employee_id, from_date);

-- A team's break rule: a day with more than `after_minutes` of work needs
-- at least `break_minutes` of break. No rows: no rule. The order across
-- rows (break not decreasing as work grows) is core's `BreakRule::new`.
CREATE TABLE attendance.break_thresholds (
    team_id        bigint  NOT NULL REFERENCES attendance.teams (id),
    after_minutes  integer NOT NULL,
    break_minutes  integer NOT NULL,
    PRIMARY KEY (team_id, after_minutes),
    CONSTRAINT break_thresholds_after_range CHECK (after_minutes BETWEEN 1 AND 1439),
    CONSTRAINT break_thresholds_break_range
        CHECK (break_minutes >= 1 AND break_minutes < after_minutes)
);

ALTER TABLE attendance.audit_log DROP CONSTRAINT audit_log_action_valid;
ALTER TABLE attendance.audit_log
    ADD CONSTRAINT audit_log_action_valid CHECK (action IN (
        'team_created', 'employee_created', 'manager_appointed', 'manager_dismissed',
        'clock_in', 'clock_out', 'backfill', 'correction', 'auto_close',
        'token_created', 'token_revoked', 'employee_updated',
        'work_pattern_created', 'work_pattern_assigned', 'holiday_added', 'holiday_removed',
        'absence_recorded', 'absence_removed', 'break_rule_set'
    ));

-- No grant to attendance_qa: it reads views only, and none reads these yet.
