-- The ledger's days for question answering: `attendance.qa_ledger_days`,
-- one row per employee and date, equal to `AnalyticsStore::ledger_days`
-- (the rules: `attendance_core::worktime`; the same arithmetic as
-- `attendance-pg/src/ledger.sql`, where a test holds the two together).
--
-- A view takes no parameters, so every date is a row and the model's
-- filters must reach the dates before anything is computed: each line is
-- built from a calendar of dates joined to the membership in effect, and
-- every figure is looked up per employee and date (through the indexes of
-- 0001 and 0013), with no window or aggregate over the whole view in the
-- way. A leakproof filter on `work_date`, `team_name`, `employee_id`, …
-- (date and text comparisons are) is pushed through the security barrier
-- and becomes a filter on the calendar or on the team, so one team's
-- month reads one team's month. Weekly overtime, which needs the earlier
-- days of the week, reads them through the same view for the lines whose
-- pattern has a weekly threshold only.
--
-- The calendar runs from the first date anything was recorded (a session's
-- work date or an absence's first day) to today: a date after today in the
-- team's timezone has not happened and has no line, as in the ledger. The
-- view reads the database's clock: an open session counts up to now().

-- The lines before weekly overtime; read by `qa_ledger_days` with its
-- owner's rights, never granted. The scope of `qa_scope` (0006, keyed on
-- the employee and their current team, as in the other Q&A views) is
-- applied here, in each branch of who was where, so that the lines of
-- employees out of scope are never computed: as a filter above the
-- lookups it would compute everyone's first.
CREATE VIEW attendance.ledger_day_lines AS
SELECT l.employee_id, l.employee_name, l.current_team_id, l.team_id, l.team_name,
       l.work_date, l.week, l.weekly_overtime_after, l.holiday_portion,
       l.absence_kind, l.absence_portion, l.gross, l.deducted, l.net, l.expected,
       l.credit, l.owes, l.full_holiday, l.rest_day, l.late, l.sessions, l.open,
       CASE WHEN l.owes THEN l.net + l.credit ELSE 0 END AS met
FROM (
    SELECT r.*,
           r.gross - r.deducted AS net,
           CASE r.absence_portion
               WHEN 'full' THEN r.expected
               WHEN 'half' THEN least(r.base / 2, r.expected)
               ELSE 0
           END AS credit,
           NOT r.full_holiday AND r.base = 0 AS rest_day,
           NOT r.full_holiday AND r.base <> 0 AS owes
    FROM (
        SELECT d.*,
               CASE d.holiday_portion WHEN 'full' THEN 0 WHEN 'half' THEN d.base / 2
                                      ELSE d.base END AS expected,
               -- Only the shortfall of the gaps taken against the break
               -- the day's work needs.
               greatest(d.break_needed - d.gaps, 0) AS deducted,
               d.holiday_portion IS NOT DISTINCT FROM 'full' AS full_holiday
        FROM (
            SELECT x.employee_id,
                   x.employee_name,
                   x.current_team_id,
                   x.team_id,
                   x.team_name,
                   x.date AS work_date,
                   x.date - (extract(isodow FROM x.date)::int - 1) AS week,
                   p.weekly_overtime_after,
                   h.portion AS holiday_portion,
                   a.kind AS absence_kind,
                   a.portion AS absence_portion,
                   w.gross,
                   w.gaps,
                   coalesce(br.break_minutes, 0)::bigint AS break_needed,
                   coalesce(CASE extract(isodow FROM x.date)::int
                                WHEN 1 THEN p.minutes_mon WHEN 2 THEN p.minutes_tue
                                WHEN 3 THEN p.minutes_wed WHEN 4 THEN p.minutes_thu
                                WHEN 5 THEN p.minutes_fri WHEN 6 THEN p.minutes_sat
                                WHEN 7 THEN p.minutes_sun
                            END, 0)::bigint AS base,
                   coalesce((w.first_in AT TIME ZONE x.timezone)::time
                                > coalesce(p.starts_at, x.late_after), false) AS late,
                   w.sessions,
                   w.open
            FROM (
                -- Who was in which team on each date up to the team's
                -- today: the membership in effect (the latest from on or
                -- before the date) ...
                SELECT e.id AS employee_id, e.name AS employee_name,
                       e.team_id AS current_team_id, t.id AS team_id, t.name AS team_name,
                       t.timezone, t.late_after, c.date
                FROM (
                    -- The integers from the first date to tomorrow in UTC
                    -- (today somewhere east); a filter on the date is a
                    -- filter on this scan.
                    SELECT b.first_day + n AS date
                    FROM (
                        SELECT least((SELECT min(s.work_date) FROM attendance.sessions s),
                                     (SELECT min(a.from_date) FROM attendance.absences a))
                                   AS first_day,
                               (now() AT TIME ZONE 'UTC')::date + 1 AS last_day
                    ) b
                    CROSS JOIN generate_series(0, b.last_day - b.first_day) AS n
                ) c
                JOIN attendance.team_memberships m ON m.valid_from <= c.date
                JOIN attendance.employees e ON e.id = m.employee_id
                JOIN attendance.teams t ON t.id = m.team_id
                WHERE NOT EXISTS (
                          SELECT FROM attendance.team_memberships later
                          WHERE later.employee_id = m.employee_id
                            AND later.valid_from > m.valid_from
                            AND later.valid_from <= c.date)
                  AND c.date <= (now() AT TIME ZONE t.timezone)::date
                  AND EXISTS (
                          SELECT FROM attendance.qa_scope q
                          WHERE q.xact = pg_catalog.pg_current_xact_id_if_assigned()
                            AND (q.all_rows OR e.id = q.employee_id
                                 OR e.team_id = ANY (q.team_ids)))
                UNION ALL
                -- ... else, before any (or for an employee written
                -- without one), the current team, as in the ledger. The
                -- team is a column of each branch, so that a filter on it
                -- reaches both.
                SELECT e.id, e.name, e.team_id, t.id, t.name, t.timezone, t.late_after, c.date
                FROM (
                    -- The integers from the first date to tomorrow in UTC
                    -- (today somewhere east); a filter on the date is a
                    -- filter on this scan.
                    SELECT b.first_day + n AS date
                    FROM (
                        SELECT least((SELECT min(s.work_date) FROM attendance.sessions s),
                                     (SELECT min(a.from_date) FROM attendance.absences a))
                                   AS first_day,
                               (now() AT TIME ZONE 'UTC')::date + 1 AS last_day
                    ) b
                    CROSS JOIN generate_series(0, b.last_day - b.first_day) AS n
                ) c
                CROSS JOIN attendance.employees e
                JOIN attendance.teams t ON t.id = e.team_id
                WHERE NOT EXISTS (
                          SELECT FROM attendance.team_memberships m
                          WHERE m.employee_id = e.id AND m.valid_from <= c.date)
                  AND c.date <= (now() AT TIME ZONE t.timezone)::date
                  AND EXISTS (
                          SELECT FROM attendance.qa_scope q
                          WHERE q.xact = pg_catalog.pg_current_xact_id_if_assigned()
                            AND (q.all_rows OR e.id = q.employee_id
                                 OR e.team_id = ANY (q.team_ids)))
            ) x
            -- The team's pattern in effect, and the employee's own (NULL:
            -- the team's).
            LEFT JOIN LATERAL (
                SELECT pa.pattern_id FROM attendance.pattern_assignments pa
                WHERE pa.team_id = x.team_id AND pa.valid_from <= x.date
                ORDER BY pa.valid_from DESC LIMIT 1
            ) tp ON true
            LEFT JOIN LATERAL (
                SELECT pa.pattern_id FROM attendance.pattern_assignments pa
                WHERE pa.employee_id = x.employee_id AND pa.valid_from <= x.date
                ORDER BY pa.valid_from DESC LIMIT 1
            ) op ON true
            LEFT JOIN attendance.work_patterns p ON p.id = coalesce(op.pattern_id, tp.pattern_id)
            -- The company's and the team's holiday; a full day wins
            -- ('full' < 'half').
            CROSS JOIN LATERAL (
                SELECT min(hd.portion) AS portion FROM attendance.holidays hd
                WHERE hd.date = x.date AND (hd.team_id IS NULL OR hd.team_id = x.team_id)
            ) h
            -- At most one: absences of one employee never share a day.
            LEFT JOIN attendance.absences a
                   ON a.employee_id = x.employee_id
                  AND a.from_date <= x.date AND a.to_date >= x.date
            -- The day's work, as in ledger.sql: whole microseconds summed
            -- before they are cut to minutes; the gaps are the day's span
            -- less its closed sessions; an open session counts up to now().
            CROSS JOIN LATERAL (
                SELECT coalesce(sum(greatest(round(date_part('epoch',
                           coalesce(s.clock_out, now()) - s.clock_in) * 1000000), 0))::bigint,
                           0) / 60000000 AS gross,
                       (coalesce(round(date_part('epoch',
                            CASE WHEN bool_or(s.clock_out IS NULL) THEN max(s.clock_in)
                                 ELSE max(s.clock_out) END - min(s.clock_in)) * 1000000),
                            0)::bigint
                        - coalesce(sum(round(date_part('epoch', s.clock_out - s.clock_in)
                                             * 1000000)), 0)::bigint)
                           / 60000000 AS gaps,
                       min(s.clock_in) AS first_in,
                       count(*) AS sessions,
                       coalesce(bool_or(s.clock_out IS NULL), false) AS open
                FROM attendance.sessions s
                WHERE s.employee_id = x.employee_id AND s.work_date = x.date
            ) w
            -- The break of the highest threshold the day's work exceeds.
            LEFT JOIN LATERAL (
                SELECT bt.break_minutes FROM attendance.break_thresholds bt
                WHERE bt.team_id = x.team_id AND bt.after_minutes < w.gross
                ORDER BY bt.after_minutes DESC LIMIT 1
            ) br ON true
        ) d
    ) r
) l;

-- The calendar's first date.
CREATE INDEX absences_from_date_idx ON attendance.absences (from_date);

COMMENT ON VIEW attendance.ledger_day_lines IS
    'The ledger''s days in the Q&A scope, before weekly overtime; read by qa_ledger_days only.';

CREATE VIEW attendance.qa_ledger_days WITH (security_barrier = true) AS
SELECT l.employee_id,
       l.employee_name,
       l.team_id,
       l.team_name,
       l.work_date,
       l.expected AS expected_minutes,
       l.net AS worked_minutes,
       l.gross AS worked_gross_minutes,
       l.deducted AS break_deducted_minutes,
       l.credit AS absence_credit_minutes,
       (CASE
            WHEN l.weekly_overtime_after IS NOT NULL THEN
                greatest(wk.before + l.met - l.weekly_overtime_after, 0)
                - greatest(wk.before - l.weekly_overtime_after, 0)
            WHEN l.owes THEN greatest(l.met - l.expected, 0)
            ELSE 0
        END)::bigint AS overtime_minutes,
       (CASE WHEN l.owes THEN greatest(l.expected - l.met, 0) ELSE 0 END)::bigint
           AS undertime_minutes,
       (CASE WHEN l.full_holiday THEN l.net ELSE 0 END)::bigint AS holiday_work_minutes,
       (CASE WHEN l.rest_day THEN l.net ELSE 0 END)::bigint AS rest_day_work_minutes,
       l.absence_kind,
       l.absence_portion,
       l.holiday_portion,
       l.expected > 0 AND l.sessions = 0 AND l.absence_kind IS NULL AS absent_without_leave,
       l.late AS is_late,
       l.sessions,
       l.open
FROM attendance.ledger_day_lines l
-- What the week's earlier days met, for a weekly threshold only, and only
-- where it can matter: a day that met nothing has no overtime, and a
-- Monday has no earlier day.
CROSS JOIN LATERAL (
    SELECT coalesce(sum(x.met), 0) AS before
    FROM attendance.ledger_day_lines x
    WHERE l.weekly_overtime_after IS NOT NULL AND l.met > 0 AND l.work_date > l.week
      AND x.employee_id = l.employee_id
      AND x.work_date >= l.week AND x.work_date < l.work_date
) wk;

COMMENT ON VIEW attendance.qa_ledger_days IS
    'One row per employee and date up to today: hours owed and worked (the ledger).';
COMMENT ON COLUMN attendance.qa_ledger_days.team_id IS
    'The team the employee was in on that date.';
COMMENT ON COLUMN attendance.qa_ledger_days.expected_minutes IS
    'Minutes owed: the work pattern''s for the weekday, 0 on a full holiday, half on a half one.';
COMMENT ON COLUMN attendance.qa_ledger_days.worked_minutes IS
    'Net minutes worked: gross less the break deducted.';
COMMENT ON COLUMN attendance.qa_ledger_days.absence_credit_minutes IS
    'Minutes an absence counts as worked; balance = worked + credit - expected.';
COMMENT ON COLUMN attendance.qa_ledger_days.overtime_minutes IS
    'Minutes beyond those owed (per week where the pattern has a weekly threshold).';
COMMENT ON COLUMN attendance.qa_ledger_days.absent_without_leave IS
    'Minutes were owed and there was neither a session nor an absence.';

DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'attendance_qa') THEN
        GRANT SELECT ON attendance.qa_ledger_days TO attendance_qa;
    END IF;
EXCEPTION
    WHEN insufficient_privilege THEN
        RAISE NOTICE 'qa_ledger_days could not be granted to attendance_qa; /ask needs it';
END
$$;
