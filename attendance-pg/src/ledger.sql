-- The ledger's lines (see attendance_core::worktime and its reference,
-- worktime::ledger). Follows a CTE `emp (employee_id, current_team)`: the
-- employees to compute. $1 first date, $2 last date, $3 now.
-- Every date from the Monday of $1's ISO week is computed, so that weekly
-- overtime sums from the week's start; the caller keeps dates >= $1.
bounds AS (
    SELECT $1::date - (extract(isodow FROM $1::date)::int - 1) AS first_day,
           $2::date AS last_day
), cal AS (
    SELECT b.first_day + n AS date,
           b.first_day + n - (extract(isodow FROM b.first_day + n)::int - 1) AS week,
           extract(isodow FROM b.first_day + n)::int AS isodow
    FROM bounds b CROSS JOIN generate_series(0, b.last_day - b.first_day) AS n
), memberships AS (
    -- Each membership until the next: [valid_from, valid_until).
    SELECT m.employee_id, m.team_id, m.valid_from,
           lead(m.valid_from) OVER (PARTITION BY m.employee_id ORDER BY m.valid_from)
               AS valid_until
    FROM attendance.team_memberships m
    WHERE m.employee_id IN (SELECT employee_id FROM emp)
), own_patterns AS (
    SELECT a.employee_id, a.pattern_id, a.valid_from,
           lead(a.valid_from) OVER (PARTITION BY a.employee_id ORDER BY a.valid_from)
               AS valid_until
    FROM attendance.pattern_assignments a
    WHERE a.employee_id IN (SELECT employee_id FROM emp)
), team_patterns AS (
    SELECT a.team_id, a.pattern_id, a.valid_from,
           lead(a.valid_from) OVER (PARTITION BY a.team_id ORDER BY a.valid_from)
               AS valid_until
    FROM attendance.pattern_assignments a
    WHERE a.team_id IS NOT NULL
), hols AS (
    SELECT h.team_id, h.date, h.portion
    FROM attendance.holidays h CROSS JOIN bounds b
    WHERE h.date BETWEEN b.first_day AND b.last_day
), aways AS (
    SELECT a.employee_id, a.kind, a.portion, a.from_date, a.to_date
    FROM attendance.absences a CROSS JOIN bounds b
    WHERE a.employee_id IN (SELECT employee_id FROM emp)
      AND a.to_date >= b.first_day AND a.from_date <= b.last_day
), breaks AS (
    -- Each threshold applies to work in (after_minutes, next_after].
    SELECT r.team_id, r.after_minutes, r.break_minutes,
           lead(r.after_minutes) OVER (PARTITION BY r.team_id ORDER BY r.after_minutes)
               AS next_after
    FROM attendance.break_thresholds r
), worked AS (
    -- One row per employee and work date with sessions, read per employee
    -- through the (employee_id, work_date) index. Microseconds are summed
    -- per day before they are cut to minutes; an open session counts to
    -- $3; gaps are between a session's clock-out and the next clock-in.
    SELECT emp.employee_id, w.*
    FROM emp CROSS JOIN bounds b
    CROSS JOIN LATERAL (
        SELECT x.work_date,
               sum(x.gross_us)::bigint AS gross_us,
               coalesce(sum(x.gap_us), 0)::bigint AS gap_us,
               min(x.clock_in) AS first_in,
               count(*) AS sessions,
               bool_or(x.clock_out IS NULL) AS open
        FROM (
            SELECT s.work_date, s.clock_in, s.clock_out,
                   greatest(round(date_part('epoch',
                       coalesce(s.clock_out, $3::timestamptz) - s.clock_in) * 1000000), 0)
                       AS gross_us,
                   greatest(round(date_part('epoch',
                       s.clock_in - lag(s.clock_out) OVER (PARTITION BY s.work_date
                                                           ORDER BY s.clock_in)) * 1000000), 0)
                       AS gap_us
            FROM attendance.sessions s
            WHERE s.employee_id = emp.employee_id
              AND s.work_date BETWEEN b.first_day AND b.last_day
        ) x
        GROUP BY x.work_date
    ) w
), day_team AS (
    SELECT emp.employee_id, c.date, c.week, c.isodow,
           coalesce(m.team_id, emp.current_team) AS team_id
    FROM emp CROSS JOIN cal c
    LEFT JOIN memberships m
           ON m.employee_id = emp.employee_id AND m.valid_from <= c.date
          AND (m.valid_until IS NULL OR c.date < m.valid_until)
), resolved AS (
    SELECT d.employee_id, d.date, d.week, d.team_id, t.timezone, t.late_after,
           p.starts_at, p.weekly_overtime_after,
           coalesce(CASE d.isodow
                        WHEN 1 THEN p.minutes_mon WHEN 2 THEN p.minutes_tue
                        WHEN 3 THEN p.minutes_wed WHEN 4 THEN p.minutes_thu
                        WHEN 5 THEN p.minutes_fri WHEN 6 THEN p.minutes_sat
                        WHEN 7 THEN p.minutes_sun
                    END, 0)::bigint AS base,
           -- The company's and the team's calendar: a full day wins.
           CASE WHEN 'full' IN (hc.portion, ht.portion) THEN 'full'
                WHEN 'half' IN (hc.portion, ht.portion) THEN 'half'
           END AS holiday,
           a.kind AS absence_kind, a.portion AS absence_portion,
           coalesce(w.gross_us, 0) / 60000000 AS gross,
           coalesce(w.gap_us, 0) / 60000000 AS gaps,
           w.first_in,
           coalesce(w.sessions, 0) AS sessions,
           coalesce(w.open, false) AS open
    FROM day_team d
    JOIN attendance.teams t ON t.id = d.team_id
    -- The employee's own pattern in effect, else (also when their own
    -- assignment names none) the team's.
    LEFT JOIN own_patterns op
           ON op.employee_id = d.employee_id AND op.valid_from <= d.date
          AND (op.valid_until IS NULL OR d.date < op.valid_until)
    LEFT JOIN team_patterns tp
           ON tp.team_id = d.team_id AND tp.valid_from <= d.date
          AND (tp.valid_until IS NULL OR d.date < tp.valid_until)
    LEFT JOIN attendance.work_patterns p ON p.id = coalesce(op.pattern_id, tp.pattern_id)
    LEFT JOIN hols hc ON hc.team_id IS NULL AND hc.date = d.date
    LEFT JOIN hols ht ON ht.team_id = d.team_id AND ht.date = d.date
    LEFT JOIN aways a
           ON a.employee_id = d.employee_id AND d.date BETWEEN a.from_date AND a.to_date
    LEFT JOIN worked w ON w.employee_id = d.employee_id AND w.work_date = d.date
    -- A date after today in its team's timezone has not happened: no line.
    WHERE d.date <= ($3::timestamptz AT TIME ZONE t.timezone)::date
), measured AS (
    SELECT r.*,
           CASE r.holiday WHEN 'full' THEN 0 WHEN 'half' THEN r.base / 2 ELSE r.base END
               AS expected,
           -- Only the shortfall of the break taken (the gaps) is deducted.
           greatest(coalesce(br.break_minutes, 0) - r.gaps, 0) AS deducted,
           r.holiday IS NOT DISTINCT FROM 'full' AS full_holiday
    FROM resolved r
    LEFT JOIN breaks br
           ON br.team_id = r.team_id AND r.gross > br.after_minutes
          AND (br.next_after IS NULL OR r.gross <= br.next_after)
), credited AS (
    SELECT m.*,
           m.gross - m.deducted AS net,
           CASE m.absence_portion
               WHEN 'full' THEN m.expected
               WHEN 'half' THEN least(m.base / 2, m.expected)
               ELSE 0
           END AS credit,
           NOT m.full_holiday AND m.base = 0 AS rest_day,
           NOT m.full_holiday AND m.base <> 0 AS owes
    FROM measured m
), met AS (
    SELECT c.*, CASE WHEN c.owes THEN c.net + c.credit ELSE 0 END AS met
    FROM credited c
), weekly AS (
    SELECT m.*,
           coalesce(sum(m.met) OVER (PARTITION BY m.employee_id, m.week ORDER BY m.date
                                     ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING),
                    0) AS week_before
    FROM met m
), ledger AS (
    SELECT l.employee_id, l.date, l.team_id,
           l.expected::bigint AS expected_minutes,
           l.gross::bigint AS worked_gross_minutes,
           l.deducted::bigint AS break_deducted_minutes,
           l.net::bigint AS worked_net_minutes,
           l.credit::bigint AS absence_credit_minutes,
           (CASE
                WHEN l.weekly_overtime_after IS NOT NULL THEN
                    greatest(l.week_before + l.met - l.weekly_overtime_after, 0)
                    - greatest(l.week_before - l.weekly_overtime_after, 0)
                WHEN l.owes THEN greatest(l.met - l.expected, 0)
                ELSE 0
            END)::bigint AS overtime_minutes,
           (CASE WHEN l.owes THEN greatest(l.expected - l.met, 0) ELSE 0 END)::bigint
               AS undertime_minutes,
           (CASE WHEN l.full_holiday THEN l.net ELSE 0 END)::bigint AS holiday_work_minutes,
           (CASE WHEN l.rest_day THEN l.net ELSE 0 END)::bigint AS rest_day_work_minutes,
           l.holiday, l.absence_kind, l.absence_portion,
           l.expected > 0 AND l.sessions = 0 AND l.absence_kind IS NULL
               AS absent_without_leave,
           coalesce((l.first_in AT TIME ZONE l.timezone)::time
                        > coalesce(l.starts_at, l.late_after), false) AS late,
           l.sessions, l.open
    FROM weekly l
    WHERE l.date >= $1::date
)
