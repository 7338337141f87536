//! The best hand-written SQL for each answer the read-path benchmark asks
//! the library for: what a developer who knows the schema and its indexes
//! would write by hand, for one case each. `main.rs` times each one against
//! the library call that gives the same answer, and checks both answers
//! agree before timing.
//!
//! Listings take `$1, $2` = the cursor (`clock_in`, `id`; unused on a first
//! page) and `$3` =
//! the page size plus one (the library fetches one row more to know whether
//! another page exists), then the filters their [`Bind`] list names.
//!
//! The redundant `clock_in` range next to a `work_date` range is safe because
//! `sessions_work_date_near_clock_in` (migration 0001) keeps `work_date`
//! within a day of the UTC date of `clock_in`; it lets the planner start the
//! `clock_in` index at the range instead of at the newest row.

/// A filter value a listing statement takes, in the order of its list.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Bind {
    Employee,
    Team,
    From,
    To,
    Mode,
}

/// A first page (`$1`, `$2` unused) and a page after the cursor: a row
/// comparison on a first page would start the index scan at its bound
/// instead of at the range.
macro_rules! listing {
    ($($where:expr),+ $(,)?) => {
        (
            concat!(
                "SELECT s.id, s.employee_id, s.work_date, s.clock_in, s.clock_out, s.work_mode \
                 FROM attendance.sessions s WHERE ",
                $($where,)+
                " ORDER BY s.clock_in DESC, s.id DESC LIMIT $3"
            ),
            concat!(
                "SELECT s.id, s.employee_id, s.work_date, s.clock_in, s.clock_out, s.work_mode \
                 FROM attendance.sessions s WHERE ",
                $($where,)+
                " AND (s.clock_in, s.id) < ($1, $2) ORDER BY s.clock_in DESC, s.id DESC LIMIT $3"
            ),
        )
    };
}

/// `s.clock_in` within the UTC instants a `work_date` between `$a` and `$b`
/// can have (see the module docs).
macro_rules! near {
    ($a:literal, $b:literal) => {
        concat!(
            "s.clock_in >= (",
            $a,
            "::date - 1)::timestamp AT TIME ZONE 'UTC' AND s.clock_in < (",
            $b,
            "::date + 2)::timestamp AT TIME ZONE 'UTC'"
        )
    };
}

/// One listing case: its name (the filters in use), statement and binds.
pub(crate) struct Listing {
    pub(crate) name: &'static str,
    /// The first page, and a page after a cursor.
    pub(crate) sql: (&'static str, &'static str),
    pub(crate) binds: &'static [Bind],
}

/// Each filter alone, and each pair of them.
pub(crate) const LISTINGS: &[Listing] = &[
    Listing {
        name: "none",
        sql: listing!("true"),
        binds: &[],
    },
    Listing {
        name: "employee",
        sql: listing!("s.employee_id = $4"),
        binds: &[Bind::Employee],
    },
    Listing {
        name: "team",
        sql: listing!("s.employee_id IN (SELECT id FROM attendance.employees WHERE team_id = $4)"),
        binds: &[Bind::Team],
    },
    Listing {
        name: "range",
        sql: listing!("s.work_date BETWEEN $4 AND $5 AND ", near!("$4", "$5")),
        binds: &[Bind::From, Bind::To],
    },
    Listing {
        name: "mode",
        sql: listing!("s.work_mode = $4"),
        binds: &[Bind::Mode],
    },
    Listing {
        name: "employee_team",
        sql: listing!(
            "s.employee_id = $4 AND EXISTS \
             (SELECT 1 FROM attendance.employees WHERE id = $4 AND team_id = $5)"
        ),
        binds: &[Bind::Employee, Bind::Team],
    },
    Listing {
        name: "employee_range",
        sql: listing!(
            "s.employee_id = $4 AND s.work_date BETWEEN $5 AND $6 AND ",
            near!("$5", "$6")
        ),
        binds: &[Bind::Employee, Bind::From, Bind::To],
    },
    Listing {
        name: "employee_mode",
        sql: listing!("s.employee_id = $4 AND s.work_mode = $5"),
        binds: &[Bind::Employee, Bind::Mode],
    },
    Listing {
        name: "team_range",
        // The members' sessions through the (employee_id, work_date) index:
        // a month of one team is a few thousand rows.
        sql: listing!(
            "s.employee_id = ANY (ARRAY(SELECT id FROM attendance.employees WHERE team_id = $4)) \
             AND s.work_date BETWEEN $5 AND $6 AND ",
            near!("$5", "$6")
        ),
        binds: &[Bind::Team, Bind::From, Bind::To],
    },
    Listing {
        name: "team_mode",
        sql: listing!(
            "s.employee_id IN (SELECT id FROM attendance.employees WHERE team_id = $4) \
             AND s.work_mode = $5"
        ),
        binds: &[Bind::Team, Bind::Mode],
    },
    Listing {
        name: "range_mode",
        sql: listing!(
            "s.work_date BETWEEN $4 AND $5 AND ",
            near!("$4", "$5"),
            " AND s.work_mode = $6"
        ),
        binds: &[Bind::From, Bind::To, Bind::Mode],
    },
];

/// One employee's days, then per period (`$4`: day, week or month).
pub(crate) const EMPLOYEE_PERIODS: &str = "
SELECT date_trunc($4, d.work_date::timestamp)::date AS period,
       count(*) AS days_present,
       sum(d.sessions)::bigint AS sessions,
       sum(d.worked)::bigint AS worked_seconds,
       floor(avg(date_part('epoch', (d.first_in AT TIME ZONE z.timezone)::time)))::bigint
           AS avg_clock_in_seconds,
       count(*) FILTER (WHERE d.wfh) AS wfh_days,
       count(*) FILTER (WHERE d.wfo) AS wfo_days,
       count(*) FILTER (WHERE (d.first_in AT TIME ZONE z.timezone)::time > z.late_after)
           AS late_arrivals,
       sum(d.open)::bigint AS open_sessions
FROM (SELECT work_date, min(clock_in) AS first_in, count(*) AS sessions,
             coalesce(sum(floor(date_part('epoch', clock_out - clock_in))), 0) AS worked,
             bool_or(work_mode = 'WFH') AS wfh, bool_or(work_mode = 'WFO') AS wfo,
             count(*) FILTER (WHERE clock_out IS NULL) AS open
      FROM attendance.sessions
      WHERE employee_id = $1 AND work_date BETWEEN $2 AND $3
      GROUP BY work_date) d
CROSS JOIN (SELECT t.timezone, t.late_after FROM attendance.employees e
            JOIN attendance.teams t ON t.id = e.team_id WHERE e.id = $1) z
GROUP BY 1 ORDER BY 1";

/// One team's employee-days (each member through the (employee_id,
/// work_date) index), then per period (`$4`).
pub(crate) const TEAM_PERIODS: &str = "
SELECT date_trunc($4, d.work_date::timestamp)::date AS period,
       count(*) AS days_present, sum(d.sessions)::bigint AS sessions,
       sum(d.worked)::bigint AS worked_seconds,
       floor(avg(date_part('epoch', d.first_local)))::bigint AS avg_clock_in_seconds,
       count(*) FILTER (WHERE d.wfh) AS wfh_days, count(*) FILTER (WHERE d.wfo) AS wfo_days,
       count(*) FILTER (WHERE d.first_local > t.late_after) AS late_arrivals,
       sum(d.open)::bigint AS open_sessions
FROM attendance.teams t
JOIN attendance.employees e ON e.team_id = t.id
CROSS JOIN LATERAL (
    SELECT work_date, (min(clock_in) AT TIME ZONE t.timezone)::time AS first_local,
           count(*) AS sessions,
           coalesce(sum(floor(date_part('epoch', clock_out - clock_in))), 0) AS worked,
           bool_or(work_mode = 'WFH') AS wfh, bool_or(work_mode = 'WFO') AS wfo,
           count(*) FILTER (WHERE clock_out IS NULL) AS open
    FROM attendance.sessions s
    WHERE s.employee_id = e.id AND s.work_date BETWEEN $2 AND $3
    GROUP BY work_date) d
WHERE t.id = $1
GROUP BY t.id, 1
ORDER BY 1";

/// The daily summary's facts per team for the whole company: counts, hours
/// and the names behind absences, late arrivals and open sessions, with the
/// forgotten clock-outs of earlier days.
pub(crate) const COMPANY_DAY: &str = "
WITH d AS (
    SELECT employee_id, min(clock_in) AS first_in, count(*) AS sessions,
           coalesce(sum(floor(date_part('epoch', clock_out - clock_in))), 0) AS worked,
           bool_or(work_mode = 'WFH') AS wfh, bool_or(work_mode = 'WFO') AS wfo,
           bool_or(clock_out IS NULL) AS open
    FROM attendance.sessions WHERE work_date = $1 GROUP BY employee_id
), r AS (
    SELECT e.id, e.name, e.team_id, t.name AS team,
           (d.first_in AT TIME ZONE t.timezone)::time AS first_local, t.late_after,
           d.sessions, d.worked, d.wfh, d.wfo, d.open
    FROM attendance.employees e
    JOIN attendance.teams t ON t.id = e.team_id
    LEFT JOIN d ON d.employee_id = e.id
)
SELECT team_id, count(*) AS headcount, count(sessions) AS present,
       count(*) FILTER (WHERE wfh) AS wfh, count(*) FILTER (WHERE wfo) AS wfo,
       count(*) FILTER (WHERE first_local > late_after) AS late,
       coalesce(sum(worked), 0)::bigint AS worked_seconds,
       array_agg(name ORDER BY id) FILTER (WHERE sessions IS NULL) AS absent,
       array_agg(name || ' ' || to_char(first_local, 'HH24:MI') ORDER BY id)
           FILTER (WHERE first_local > late_after) AS late_arrivals,
       array_agg(name ORDER BY id) FILTER (WHERE open) AS still_in,
       (SELECT array_agg(e.name || ' ' || s.work_date ORDER BY s.clock_in, s.id)
        FROM attendance.sessions s JOIN attendance.employees e ON e.id = s.employee_id
        WHERE s.clock_out IS NULL AND s.work_date < $1) AS forgotten
FROM r
GROUP BY team_id
ORDER BY team_id";

/// The same for one team (`$2`), each member through the (employee_id,
/// work_date) index.
pub(crate) const TEAM_DAY: &str = "
WITH r AS (
    SELECT e.id, e.name, e.team_id,
           (d.first_in AT TIME ZONE t.timezone)::time AS first_local, t.late_after,
           d.sessions, d.worked, d.wfh, d.wfo, d.open
    FROM attendance.employees e
    JOIN attendance.teams t ON t.id = e.team_id
    LEFT JOIN LATERAL (
        SELECT min(clock_in) AS first_in, count(*) AS sessions,
               coalesce(sum(floor(date_part('epoch', clock_out - clock_in))), 0) AS worked,
               bool_or(work_mode = 'WFH') AS wfh, bool_or(work_mode = 'WFO') AS wfo,
               bool_or(clock_out IS NULL) AS open
        FROM attendance.sessions s
        WHERE s.employee_id = e.id AND s.work_date = $1
        HAVING count(*) > 0
    ) d ON true
    WHERE e.team_id = $2
)
SELECT team_id, count(*) AS headcount, count(sessions) AS present,
       count(*) FILTER (WHERE wfh) AS wfh, count(*) FILTER (WHERE wfo) AS wfo,
       count(*) FILTER (WHERE first_local > late_after) AS late,
       coalesce(sum(worked), 0)::bigint AS worked_seconds,
       array_agg(name ORDER BY id) FILTER (WHERE sessions IS NULL) AS absent,
       array_agg(name || ' ' || to_char(first_local, 'HH24:MI') ORDER BY id)
           FILTER (WHERE first_local > late_after) AS late_arrivals,
       array_agg(name ORDER BY id) FILTER (WHERE open) AS still_in,
       (SELECT array_agg(e.name || ' ' || s.work_date ORDER BY s.clock_in, s.id)
        FROM attendance.sessions s JOIN attendance.employees e ON e.id = s.employee_id
        WHERE s.clock_out IS NULL AND s.work_date < $1 AND e.team_id = $2) AS forgotten
FROM r
GROUP BY team_id";

/// The weekly summary's facts for the whole company: per team and ISO week,
/// over the week (`$1` is the Monday of the week before, `$2` the Sunday of
/// the week), each employee through the (employee_id, work_date) index.
pub(crate) const COMPANY_WEEK: &str = "
SELECT t.id AS team_id, date_trunc('week', d.work_date::timestamp)::date AS week,
       (SELECT count(*) FROM attendance.employees x WHERE x.team_id = t.id) AS headcount,
       count(*) AS days_present, sum(d.sessions)::bigint AS sessions,
       sum(d.worked)::bigint AS worked_seconds,
       sum(floor(date_part('epoch', d.first_local)))::bigint AS first_in_seconds,
       count(*) FILTER (WHERE d.wfh) AS wfh_days, count(*) FILTER (WHERE d.wfo) AS wfo_days,
       count(*) FILTER (WHERE d.first_local > t.late_after) AS late_arrivals,
       sum(d.open)::bigint AS open_sessions,
       count(*) FILTER (WHERE extract(isodow FROM d.work_date) < 6) AS on_working_days
FROM attendance.teams t
JOIN attendance.employees e ON e.team_id = t.id
CROSS JOIN LATERAL (
    SELECT work_date, (min(clock_in) AT TIME ZONE t.timezone)::time AS first_local,
           count(*) AS sessions,
           coalesce(sum(floor(date_part('epoch', clock_out - clock_in))), 0) AS worked,
           bool_or(work_mode = 'WFH') AS wfh, bool_or(work_mode = 'WFO') AS wfo,
           count(*) FILTER (WHERE clock_out IS NULL) AS open
    FROM attendance.sessions s
    WHERE s.employee_id = e.id AND s.work_date BETWEEN $1 AND $2
    GROUP BY work_date) d
GROUP BY t.id, 2
ORDER BY 1, 2";

/// The same for one team (`$3`).
pub(crate) const TEAM_WEEK: &str = "
SELECT t.id AS team_id, date_trunc('week', d.work_date::timestamp)::date AS week,
       (SELECT count(*) FROM attendance.employees x WHERE x.team_id = t.id) AS headcount,
       count(*) AS days_present, sum(d.sessions)::bigint AS sessions,
       sum(d.worked)::bigint AS worked_seconds,
       sum(floor(date_part('epoch', d.first_local)))::bigint AS first_in_seconds,
       count(*) FILTER (WHERE d.wfh) AS wfh_days, count(*) FILTER (WHERE d.wfo) AS wfo_days,
       count(*) FILTER (WHERE d.first_local > t.late_after) AS late_arrivals,
       sum(d.open)::bigint AS open_sessions,
       count(*) FILTER (WHERE extract(isodow FROM d.work_date) < 6) AS on_working_days
FROM attendance.teams t
JOIN attendance.employees e ON e.team_id = t.id
CROSS JOIN LATERAL (
    SELECT work_date, (min(clock_in) AT TIME ZONE t.timezone)::time AS first_local,
           count(*) AS sessions,
           coalesce(sum(floor(date_part('epoch', clock_out - clock_in))), 0) AS worked,
           bool_or(work_mode = 'WFH') AS wfh, bool_or(work_mode = 'WFO') AS wfo,
           count(*) FILTER (WHERE clock_out IS NULL) AS open
    FROM attendance.sessions s
    WHERE s.employee_id = e.id AND s.work_date BETWEEN $1 AND $2
    GROUP BY work_date) d
WHERE t.id = $3
GROUP BY t.id, 2
ORDER BY 1, 2";

/// The ledger by hand: `$1` first date, `$2` last, `$3` now, after a CTE
/// `emp (id, team_id)` of the employees. Each team's dates resolved once
/// (pattern by a lateral top-1 on the assignments, holiday by a scalar
/// subquery); each employee's dated settings as sorted arrays looked up by
/// `width_bucket`; each employee's sessions aggregated per work date through
/// the (employee_id, work_date) index (one hash aggregate over the
/// company's month was twice as slow); the team's date joined on a single
/// number key; the week's running sum only for employees who work by a
/// weekly threshold.
macro_rules! hand_ledger {
    ($emp:literal, $tail:expr) => {
        concat!("WITH emp AS (", $emp, "),\n", hand_ledger_body!(), $tail)
    };
}

macro_rules! hand_ledger_body {
    () => {
        "p AS (SELECT $1::date - (extract(isodow FROM $1::date)::int - 1) AS d0),
days AS (
    SELECT g.n, p.d0 + g.n AS date, extract(isodow FROM p.d0 + g.n)::int AS dow,
           p.d0 + g.n - (extract(isodow FROM p.d0 + g.n)::int - 1) AS week
    FROM p, generate_series(0, $2::date - $1::date + extract(isodow FROM $1::date)::int - 1) g(n)
),
pat AS (
    SELECT id, ARRAY[minutes_mon, minutes_tue, minutes_wed, minutes_thu, minutes_fri,
                     minutes_sat, minutes_sun] AS mins,
           weekly_overtime_after AS weekly, starts_at
    FROM attendance.work_patterns
),
team_day AS MATERIALIZED (
    SELECT t.id::bigint * 1024 + d.n AS key, t.timezone, t.late_after,
           ($3::timestamptz AT TIME ZONE t.timezone)::date AS today,
           coalesce(pat.mins[d.dow], 0) AS base, pat.weekly,
           coalesce(pat.starts_at, t.late_after) AS late_time,
           (SELECT CASE WHEN bool_or(h.portion = 'full') THEN 'full' ELSE 'half' END
            FROM attendance.holidays h
            WHERE h.date = d.date AND (h.team_id IS NULL OR h.team_id = t.id)
            HAVING count(*) > 0) AS holiday,
           br.afters, br.breaks
    FROM attendance.teams t
    CROSS JOIN days d
    LEFT JOIN LATERAL (
        SELECT a.pattern_id FROM attendance.pattern_assignments a
        WHERE a.team_id = t.id AND a.valid_from <= d.date
        ORDER BY a.valid_from DESC LIMIT 1
    ) tp ON true
    LEFT JOIN pat ON pat.id = tp.pattern_id
    LEFT JOIN (
        SELECT team_id, array_agg(after_minutes ORDER BY after_minutes) AS afters,
               array_agg(break_minutes ORDER BY after_minutes) AS breaks
        FROM attendance.break_thresholds GROUP BY team_id
    ) br ON br.team_id = t.id
    WHERE t.id IN (SELECT team_id FROM emp)
       OR t.id IN (SELECT m.team_id FROM attendance.team_memberships m
                   WHERE m.employee_id IN (SELECT id FROM emp))
),
weekly_teams AS (
    SELECT DISTINCT key / 1024 AS team_id FROM team_day WHERE weekly IS NOT NULL
),
who AS MATERIALIZED (
    SELECT e.id, e.team_id,
           (SELECT array_agg(m.valid_from ORDER BY m.valid_from) FROM attendance.team_memberships m WHERE m.employee_id = e.id) AS m_from,
           (SELECT array_agg(m.team_id ORDER BY m.valid_from) FROM attendance.team_memberships m WHERE m.employee_id = e.id) AS m_team,
           o.froms AS o_from, o.pats AS o_pat,
           a.froms AS a_from, a.tos AS a_to, a.kinds AS a_kind, a.portions AS a_portion,
           e.team_id IN (SELECT team_id FROM weekly_teams)
           OR EXISTS (SELECT 1 FROM attendance.team_memberships m
                      WHERE m.employee_id = e.id AND m.team_id IN (SELECT team_id FROM weekly_teams))
           OR coalesce(o.pats && ARRAY(SELECT id FROM pat WHERE weekly IS NOT NULL), false) AS by_week
    FROM emp e
    LEFT JOIN (
        SELECT employee_id, array_agg(valid_from ORDER BY valid_from) AS froms,
               array_agg(pattern_id ORDER BY valid_from) AS pats
        FROM attendance.pattern_assignments WHERE employee_id IS NOT NULL GROUP BY employee_id
    ) o ON o.employee_id = e.id
    LEFT JOIN (
        SELECT a.employee_id, array_agg(a.from_date ORDER BY a.from_date) AS froms,
               array_agg(a.to_date ORDER BY a.from_date) AS tos,
               array_agg(a.kind ORDER BY a.from_date) AS kinds,
               array_agg(a.portion ORDER BY a.from_date) AS portions
        FROM attendance.absences a, p
        WHERE a.to_date >= p.d0 AND a.from_date <= $2::date
        GROUP BY a.employee_id
    ) a ON a.employee_id = e.id
),
line AS MATERIALIZED (
    SELECT w.id, x.date, x.week, x.dow, x.n, w.by_week,
           coalesce(w.m_team[width_bucket(x.date, w.m_from)], w.team_id) AS team,
           coalesce(w.m_team[width_bucket(x.date, w.m_from)], w.team_id)::bigint * 1024 + x.n AS team_key,
           w.o_pat[width_bucket(x.date, w.o_from)] AS own,
           CASE WHEN x.date <= w.a_to[width_bucket(x.date, w.a_from)] THEN w.a_kind[width_bucket(x.date, w.a_from)] END AS kind,
           CASE WHEN x.date <= w.a_to[width_bucket(x.date, w.a_from)] THEN w.a_portion[width_bucket(x.date, w.a_from)] END AS portion,
           x.gross, x.gaps, x.first_in, x.sessions, x.open
    FROM who w
    CROSS JOIN LATERAL (
        SELECT d.n, d.date, d.week, d.dow,
               coalesce(wk.gross, 0) AS gross, coalesce(wk.gaps, 0) AS gaps, wk.first_in,
               coalesce(wk.sessions, 0) AS sessions, coalesce(wk.open, false) AS open
        FROM days d
        LEFT JOIN (
            SELECT s.work_date,
                   sum(greatest(round(date_part('epoch', coalesce(s.clock_out, $3::timestamptz) - s.clock_in) * 1000000), 0))::bigint / 60000000 AS gross,
                   (coalesce(round(date_part('epoch', CASE WHEN bool_or(s.clock_out IS NULL) THEN max(s.clock_in) ELSE max(s.clock_out) END - min(s.clock_in)) * 1000000), 0)::bigint
                    - coalesce(sum(round(date_part('epoch', s.clock_out - s.clock_in) * 1000000)), 0)::bigint) / 60000000 AS gaps,
                   min(s.clock_in) AS first_in, count(*) AS sessions, bool_or(s.clock_out IS NULL) AS open
            FROM attendance.sessions s
            WHERE s.employee_id = w.id
              AND s.work_date BETWEEN (SELECT d0 FROM p) AND $2::date
            GROUP BY s.work_date
        ) wk ON wk.work_date = d.date
    ) x
),
day AS (
    SELECT l.id, l.team, l.by_week, l.date, l.week, l.kind, l.portion, td.holiday,
           CASE WHEN l.own IS NULL THEN td.base ELSE coalesce(op.mins[l.dow], 0) END AS base,
           CASE WHEN l.own IS NULL THEN td.weekly ELSE op.weekly END AS weekly,
           l.gross, l.sessions, l.open,
           greatest(coalesce(td.breaks[width_bucket((l.gross - 1)::int, td.afters)], 0) - l.gaps, 0) AS deducted,
           coalesce((l.first_in AT TIME ZONE td.timezone)::time
                    > CASE WHEN l.own IS NULL THEN td.late_time ELSE coalesce(op.starts_at, td.late_after) END, false) AS late
    FROM line l
    JOIN team_day td ON td.key = l.team_key
    LEFT JOIN pat op ON op.id = l.own
    WHERE l.date <= td.today
),
figures AS (
    SELECT d.*, d.gross - d.deducted AS net,
           CASE d.holiday WHEN 'full' THEN 0 WHEN 'half' THEN d.base / 2 ELSE d.base END AS expected,
           d.holiday IS NOT DISTINCT FROM 'full' AS full_holiday,
           NOT (d.holiday IS NOT DISTINCT FROM 'full') AND d.base <> 0 AS owes
    FROM day d
),
owed AS (
    SELECT f.*,
           CASE f.portion WHEN 'full' THEN f.expected WHEN 'half' THEN least(f.base / 2, f.expected) ELSE 0 END AS credit
    FROM figures f
),
met AS NOT MATERIALIZED (
    SELECT o.*, CASE WHEN o.owes THEN o.net + o.credit ELSE 0 END AS met FROM owed o
),
weekly AS (
    SELECT m.*, 0 AS before FROM met m WHERE NOT m.by_week
    UNION ALL
    SELECT m.*,
           sum(m.met) OVER (PARTITION BY m.id, m.week ORDER BY m.date ROWS UNBOUNDED PRECEDING) - m.met
    FROM met m WHERE m.by_week"
    };
}

/// The totals per employee of `emp`'s lines, every employee of `emp`
/// listed (zeros when there is none).
macro_rules! hand_totals {
    () => {
        "), sums AS (
SELECT l.id,
       sum(l.expected) AS expected,
       sum(l.gross) AS gross,
       sum(l.deducted) AS deducted,
       sum(l.net) AS net,
       sum(l.credit) AS credit,
       sum(CASE WHEN l.weekly IS NOT NULL
                THEN greatest(l.before + l.met - l.weekly, 0) - greatest(l.before - l.weekly, 0)
                WHEN l.owes THEN greatest(l.met - l.expected, 0) ELSE 0 END) AS overtime,
       sum(CASE WHEN l.owes THEN greatest(l.expected - l.met, 0) ELSE 0 END) AS undertime,
       sum(l.net) FILTER (WHERE l.full_holiday) AS holiday_work,
       sum(l.net) FILTER (WHERE NOT l.full_holiday AND l.base = 0) AS rest_work,
       sum(CASE l.portion WHEN 'full' THEN 2 ELSE 1 END) FILTER (WHERE l.kind = 'vacation') AS vacation,
       sum(CASE l.portion WHEN 'full' THEN 2 ELSE 1 END) FILTER (WHERE l.kind = 'sick') AS sick,
       sum(CASE l.portion WHEN 'full' THEN 2 ELSE 1 END) FILTER (WHERE l.kind = 'other') AS other,
       count(*) FILTER (WHERE l.expected > 0 AND l.sessions = 0 AND l.kind IS NULL) AS awol,
       count(*) FILTER (WHERE l.late) AS late
FROM weekly l
WHERE l.date >= $1::date
GROUP BY l.id
)\nSELECT e.id,
       coalesce(l.expected, 0)::bigint, coalesce(l.gross, 0)::bigint,
       coalesce(l.deducted, 0)::bigint, coalesce(l.net, 0)::bigint,
       coalesce(l.credit, 0)::bigint, coalesce(l.overtime, 0)::bigint,
       coalesce(l.undertime, 0)::bigint, coalesce(l.holiday_work, 0)::bigint,
       coalesce(l.rest_work, 0)::bigint, coalesce(l.vacation, 0)::float8 / 2,
       coalesce(l.sick, 0)::float8 / 2, coalesce(l.other, 0)::float8 / 2,
       coalesce(l.awol, 0), coalesce(l.late, 0),
       coalesce(l.net + l.credit - l.expected, 0)::bigint
FROM emp e
LEFT JOIN sums l ON l.id = e.id
ORDER BY e.id"
    };
}

/// One employee's ledger over a year, day by day. `$4`: the employee.
pub(crate) const EMPLOYEE_LEDGER_DAYS: &str = hand_ledger!(
    "SELECT id, team_id FROM attendance.employees WHERE id = $4",
    ")
SELECT l.date, l.team, l.expected::bigint, l.gross::bigint, l.deducted::bigint, l.net::bigint,
       l.credit::bigint,
       (CASE WHEN l.weekly IS NOT NULL
             THEN greatest(l.before + l.met - l.weekly, 0) - greatest(l.before - l.weekly, 0)
             WHEN l.owes THEN greatest(l.met - l.expected, 0) ELSE 0 END)::bigint,
       (CASE WHEN l.owes THEN greatest(l.expected - l.met, 0) ELSE 0 END)::bigint,
       (CASE WHEN l.full_holiday THEN l.net ELSE 0 END)::bigint,
       (CASE WHEN NOT l.full_holiday AND l.base = 0 THEN l.net ELSE 0 END)::bigint,
       l.holiday, l.kind, l.portion,
       l.expected > 0 AND l.sessions = 0 AND l.kind IS NULL, l.late, l.sessions, l.open
FROM weekly l
WHERE l.date >= $1::date
ORDER BY l.date"
);

/// The ledger totals of a team's members. `$4`: the team.
pub(crate) const TEAM_LEDGER_TOTALS: &str = hand_ledger!(
    "SELECT id, team_id FROM attendance.employees WHERE team_id = $4",
    hand_totals!()
);

/// The ledger totals of every employee.
pub(crate) const COMPANY_LEDGER_TOTALS: &str = hand_ledger!(
    "SELECT id, team_id FROM attendance.employees",
    hand_totals!()
);
