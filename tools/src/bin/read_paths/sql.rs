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
