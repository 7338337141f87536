-- The ledger's lines (see attendance_core::worktime and its reference,
-- worktime::ledger). Follows a CTE `emp (employee_id, current_team)`: the
-- employees to compute. $1 first date, $2 last date, $3 now.
-- For whoever works by a weekly threshold, every date from the Monday of
-- $1's ISO week is computed, so that weekly overtime sums from the week's
-- start; for the others from $1. `ledger` keeps dates >= $1.
bounds AS (
    SELECT $1::date - (extract(isodow FROM $1::date)::int - 1) AS first_day,
           $2::date AS last_day
), cal AS (
    -- The count of dates straight from the parameters, so that the planner
    -- knows it.
    SELECT n, b.first_day + n AS date,
           b.first_day + n - (extract(isodow FROM b.first_day + n)::int - 1) AS week,
           extract(isodow FROM b.first_day + n)::int AS isodow
    FROM bounds b
    CROSS JOIN generate_series(0, $2::date - $1::date + extract(isodow FROM $1::date)::int - 1)
        AS n
), hols AS (
    SELECT h.team_id, h.date, h.portion
    FROM holidays h CROSS JOIN bounds b
    WHERE h.date BETWEEN b.first_day AND b.last_day
), team_patterns AS (
    -- Each assignment until the next: [valid_from, valid_until).
    SELECT a.team_id, a.pattern_id, a.valid_from,
           lead(a.valid_from) OVER (PARTITION BY a.team_id ORDER BY a.valid_from)
               AS valid_until
    FROM pattern_assignments a
    WHERE a.team_id IS NOT NULL
), team_hols AS (
    -- Each team's holidays: the company's and its own; a full day wins.
    SELECT t.id AS team_id, h.date,
           CASE WHEN bool_or(h.portion = 'full') THEN 'full' ELSE 'half' END AS portion
    FROM teams t
    JOIN hols h ON h.team_id IS NULL OR h.team_id = t.id
    GROUP BY t.id, h.date
), team_days AS MATERIALIZED (
    -- Everything a date owes that depends on the team alone, once per team
    -- and date rather than per employee: the team's pattern in effect (its
    -- minutes that weekday, weekly threshold and start), its holiday, today
    -- in its zone, its late-after time and break rule (thresholds
    -- ascending, as arrays). `key` is (team, date) as one number: the
    -- planner misjudges a join on two columns of a CTE, on one it hashes.
    SELECT t.id::bigint * 1024 + c.n AS key, t.id AS team_id, c.date, t.timezone,
           t.late_after, ($3::timestamptz AT TIME ZONE t.timezone)::date AS today,
           coalesce(CASE c.isodow
                        WHEN 1 THEN p.minutes_mon WHEN 2 THEN p.minutes_tue
                        WHEN 3 THEN p.minutes_wed WHEN 4 THEN p.minutes_thu
                        WHEN 5 THEN p.minutes_fri WHEN 6 THEN p.minutes_sat
                        WHEN 7 THEN p.minutes_sun
                    END, 0)::bigint AS base,
           p.weekly_overtime_after, coalesce(p.starts_at, t.late_after) AS late_time,
           th.portion AS holiday, r.afters, r.breaks
    FROM teams t
    CROSS JOIN cal c
    LEFT JOIN team_patterns tp
           ON tp.team_id = t.id AND tp.valid_from <= c.date
          AND (tp.valid_until IS NULL OR c.date < tp.valid_until)
    LEFT JOIN work_patterns p ON p.id = tp.pattern_id
    LEFT JOIN team_hols th ON th.team_id = t.id AND th.date = c.date
    LEFT JOIN (
        SELECT team_id, array_agg(after_minutes ORDER BY after_minutes) AS afters,
               array_agg(break_minutes ORDER BY after_minutes) AS breaks
        FROM break_thresholds GROUP BY team_id
    ) r ON r.team_id = t.id
    WHERE t.id IN (SELECT current_team FROM emp)
       OR t.id IN (SELECT m.team_id FROM team_memberships m
                   WHERE m.employee_id IN (SELECT employee_id FROM emp))
), emp_x AS MATERIALIZED (
    -- Each employee's dated settings as arrays sorted by date, so that a
    -- date finds the one in effect by `width_bucket` (the number of
    -- starts on or before it) instead of a range join: their team
    -- memberships, their own pattern assignments (a pattern id, or NULL:
    -- the team's again) and their absences in the period (which never
    -- overlap). `by_week`: whether they work by a weekly threshold on some
    -- date, through a team they are or were in or their own pattern (true
    -- for a few more does no harm): only they need the dates before $1 and
    -- the week's running sum, a window over sorted lines.
    SELECT e.employee_id, e.current_team, m.froms AS team_froms, m.teams,
           o.froms AS own_froms, o.patterns AS own_patterns,
           a.froms AS away_froms, a.tos AS away_tos, a.kinds AS away_kinds,
           a.portions AS away_portions,
           e.current_team IN (SELECT team_id FROM team_days
                              WHERE weekly_overtime_after IS NOT NULL)
           OR coalesce(m.teams && ARRAY(SELECT team_id FROM team_days
                                        WHERE weekly_overtime_after IS NOT NULL), false)
           OR coalesce(o.patterns && ARRAY(SELECT id FROM work_patterns
                                           WHERE weekly_overtime_after IS NOT NULL), false)
               AS by_week
    FROM emp e
    LEFT JOIN (
        SELECT employee_id, array_agg(valid_from ORDER BY valid_from) AS froms,
               array_agg(team_id ORDER BY valid_from) AS teams
        FROM team_memberships
        WHERE employee_id IN (SELECT employee_id FROM emp)
        GROUP BY employee_id
    ) m ON m.employee_id = e.employee_id
    LEFT JOIN (
        SELECT employee_id, array_agg(valid_from ORDER BY valid_from) AS froms,
               array_agg(pattern_id ORDER BY valid_from) AS patterns
        FROM pattern_assignments
        WHERE employee_id IN (SELECT employee_id FROM emp)
        GROUP BY employee_id
    ) o ON o.employee_id = e.employee_id
    LEFT JOIN (
        SELECT a.employee_id, array_agg(a.from_date ORDER BY a.from_date) AS froms,
               array_agg(a.to_date ORDER BY a.from_date) AS tos,
               array_agg(a.kind ORDER BY a.from_date) AS kinds,
               array_agg(a.portion ORDER BY a.from_date) AS portions
        FROM absences a CROSS JOIN bounds b
        WHERE a.employee_id IN (SELECT employee_id FROM emp)
          AND a.to_date >= b.first_day AND a.from_date <= b.last_day
        GROUP BY a.employee_id
    ) a ON a.employee_id = e.employee_id
), day_team AS MATERIALIZED (
    -- Each employee's dates: the team on the date (the membership in
    -- effect, else the current team), their own pattern and absence on it,
    -- and the work of that date, read per employee through the
    -- (employee_id, work_date) index. Sessions never overlap and only the
    -- last of a day can be open, so the gaps between them are the day's
    -- span less its closed sessions: no sort by clock-in. Whole
    -- microseconds are summed per day before they are cut to minutes; an
    -- open session counts up to $3. Materialized, narrow, so that what
    -- follows joins small tables on one plain column each.
    SELECT e.employee_id, e.by_week, x.date, x.week, x.isodow, x.team_id,
           x.team_id::bigint * 1024 + x.n AS team_key,
           e.own_patterns[width_bucket(x.date, e.own_froms)] AS own_pattern,
           CASE WHEN x.date <= e.away_tos[x.away] THEN e.away_kinds[x.away] END AS absence_kind,
           CASE WHEN x.date <= e.away_tos[x.away] THEN e.away_portions[x.away] END
               AS absence_portion,
           x.gross, x.gaps, x.first_in, x.sessions, x.open
    FROM emp_x e
    CROSS JOIN LATERAL (
        SELECT c.n, c.date, c.week, c.isodow,
               coalesce(e.teams[width_bucket(c.date, e.team_froms)], e.current_team) AS team_id,
               width_bucket(c.date, e.away_froms) AS away,
               coalesce(w.gross_us, 0) / 60000000 AS gross,
               coalesce(w.gap_us, 0) / 60000000 AS gaps,
               w.first_in,
               coalesce(w.sessions, 0) AS sessions,
               coalesce(w.open, false) AS open
        FROM cal c
        LEFT JOIN (
            SELECT s.work_date,
                   sum(greatest(round(date_part('epoch',
                       coalesce(s.clock_out, $3::timestamptz) - s.clock_in) * 1000000), 0))::bigint
                       AS gross_us,
                   coalesce(round(date_part('epoch',
                       CASE WHEN bool_or(s.clock_out IS NULL) THEN max(s.clock_in)
                            ELSE max(s.clock_out) END - min(s.clock_in)) * 1000000), 0)::bigint
                   - coalesce(sum(round(date_part('epoch', s.clock_out - s.clock_in) * 1000000)),
                              0)::bigint
                       AS gap_us,
                   min(s.clock_in) AS first_in,
                   count(*) AS sessions,
                   bool_or(s.clock_out IS NULL) AS open
            FROM sessions s
            WHERE s.employee_id = e.employee_id
              AND s.work_date BETWEEN (SELECT first_day FROM bounds) AND (SELECT last_day FROM bounds)
              AND (e.by_week OR s.work_date >= $1::date)
            GROUP BY s.work_date
        ) w ON w.work_date = c.date
        WHERE e.by_week OR c.date >= $1::date
    ) x
), resolved AS NOT MATERIALIZED (
    SELECT d.employee_id, d.by_week, d.date, d.week, d.team_id, td.holiday,
           CASE WHEN d.own_pattern IS NULL THEN td.weekly_overtime_after
                ELSE op.weekly_overtime_after END AS weekly_overtime_after,
           CASE WHEN d.own_pattern IS NULL THEN td.base
                ELSE coalesce(CASE d.isodow
                                  WHEN 1 THEN op.minutes_mon WHEN 2 THEN op.minutes_tue
                                  WHEN 3 THEN op.minutes_wed WHEN 4 THEN op.minutes_thu
                                  WHEN 5 THEN op.minutes_fri WHEN 6 THEN op.minutes_sat
                                  WHEN 7 THEN op.minutes_sun
                              END, 0)::bigint
           END AS base,
           d.absence_kind, d.absence_portion,
           d.gross,
           -- The break of the highest threshold the day's work exceeds
           -- (strictly); only the shortfall of the gaps taken is deducted.
           greatest(coalesce(td.breaks[width_bucket((d.gross - 1)::int, td.afters)], 0)
                    - d.gaps, 0) AS deducted,
           coalesce((d.first_in AT TIME ZONE td.timezone)::time
                        > CASE WHEN d.own_pattern IS NULL THEN td.late_time
                               ELSE coalesce(op.starts_at, td.late_after) END, false) AS late,
           d.sessions, d.open
    FROM day_team d
    JOIN team_days td ON td.key = d.team_key
    -- The employee's own pattern in effect, else the team's.
    LEFT JOIN work_patterns op ON op.id = d.own_pattern
    -- A date after today in its team's timezone has not happened: no line.
    WHERE d.date <= td.today
), measured AS (
    SELECT r.employee_id, r.by_week, r.date, r.week, r.team_id, r.holiday, r.weekly_overtime_after,
           r.absence_kind, r.absence_portion, r.gross, r.deducted, r.late, r.sessions, r.open,
           r.base,
           r.gross - r.deducted AS net,
           CASE r.holiday WHEN 'full' THEN 0 WHEN 'half' THEN r.base / 2 ELSE r.base END
               AS expected,
           r.holiday IS NOT DISTINCT FROM 'full' AS full_holiday
    FROM resolved r
), credited AS (
    SELECT m.employee_id, m.by_week, m.date, m.week, m.team_id, m.holiday, m.weekly_overtime_after,
           m.absence_kind, m.absence_portion, m.gross, m.deducted, m.late, m.sessions, m.open,
           m.net, m.expected, m.full_holiday,
           CASE m.absence_portion
               WHEN 'full' THEN m.expected
               WHEN 'half' THEN least(m.base / 2, m.expected)
               ELSE 0
           END AS credit,
           NOT m.full_holiday AND m.base = 0 AS rest_day,
           NOT m.full_holiday AND m.base <> 0 AS owes
    FROM measured m
), met AS NOT MATERIALIZED (
    SELECT c.*, CASE WHEN c.owes THEN c.net + c.credit ELSE 0 END AS met
    FROM credited c
), weekly AS (
    SELECT m.*, 0::bigint AS week_before
    FROM met m
    WHERE NOT m.by_week
    UNION ALL
    SELECT m.*,
           sum(m.met) OVER (PARTITION BY m.employee_id, m.week ORDER BY m.date
                            ROWS UNBOUNDED PRECEDING) - m.met AS week_before
    FROM met m
    WHERE m.by_week
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
           l.late, l.sessions, l.open
    FROM weekly l
    WHERE l.date >= $1::date
)
