-- Managers of teams other than their own. A manager created with
-- `is_manager` manages the team they are in; an admin may appoint any
-- employee to manage more teams. The pair is the key, so appointing twice
-- changes nothing.
CREATE TABLE attendance.team_managers (
    team_id      bigint      NOT NULL REFERENCES attendance.teams (id),
    employee_id  bigint      NOT NULL REFERENCES attendance.employees (id),
    appointed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (team_id, employee_id)
);

-- What one employee manages: read when a request's principal is resolved.
CREATE INDEX team_managers_employee_idx ON attendance.team_managers (employee_id, team_id);
