//! SQL with which one tenant's Q&A runner reaches for another's rows: the
//! tenant `alpha` reaching for `beta` and for the default tenant
//! (`attendance`). Shared by attendance-pg's tests, which run it past the
//! guard, and the root package's, which run it through the guard and
//! `POST /ask`.

/// SQL that reaches for another tenant's rows, each of which PostgreSQL
/// must refuse: "permission denied" for a schema named, "does not exist"
/// for a name looked up on a search_path through a schema the role may
/// not use (PostgreSQL skips such a schema), and no change of role.
pub const REFUSED: &[&str] = &[
    "SELECT * FROM tenant_beta.qa_sessions",
    "SELECT * FROM tenant_beta.sessions",
    "SELECT * FROM tenant_beta.qa_employees",
    "SELECT * FROM tenant_beta.employees",
    "SELECT * FROM tenant_beta.qa_execute('SELECT 1') AS t",
    "SELECT tenant_beta.qa_execute('SELECT name FROM tenant_beta.employees')",
    "SELECT * FROM attendance.qa_sessions",
    "SELECT * FROM attendance.qa_employees",
    "SELECT * FROM attendance.employees",
    "SELECT * FROM attendance.qa_execute('SELECT 1') AS t",
    "SELECT * FROM attendance_tenants.tenants",
    // Parsed after the search_path changed: names resolve in beta.
    "SELECT query_to_xml('SELECT * FROM qa_employees', true, false, '') \
     FROM (SELECT set_config('search_path', 'tenant_beta', true)) AS s",
    "SELECT query_to_xml('SELECT * FROM employees', true, false, '') \
     FROM (SELECT set_config('search_path', 'tenant_beta, pg_catalog', false)) AS s",
    "SELECT query_to_xml('SELECT * FROM tenant_beta.qa_sessions', true, false, '')",
    "SELECT query_to_xml('SELECT * FROM attendance.qa_sessions', true, false, '')",
    // Back to the login role first, then the same.
    "SELECT set_config('role', 'none', true) AS r, \
     query_to_xml('SELECT name FROM tenant_beta.employees', true, false, '') AS x",
    "SELECT 'tenant_beta.qa_employees'::regclass",
    "SELECT pg_get_viewdef('tenant_beta.qa_employees')",
];

/// SQL that PostgreSQL may run, and whose rows must show nothing of
/// another tenant's data: views that change search_path within the
/// statement (names already resolved in alpha), and the catalogs.
pub const ANSWERED: &[&str] = &[
    "SELECT employee_name FROM qa_employees WHERE \
     (SELECT set_config('search_path', 'tenant_beta', true)) IS NOT NULL",
    "SELECT s.*, e.employee_name FROM (SELECT set_config('search_path', 'tenant_beta', true)) AS x, \
     qa_employees AS e, qa_sessions AS s",
    "SELECT * FROM pg_stats WHERE schemaname IN ('tenant_beta', 'attendance')",
    "SELECT * FROM pg_stats",
    // These show how many rows each of beta's tables has (PostgreSQL's
    // statistics views are public); names and counts, no values. The
    // guard refuses every relation outside the Q&A views.
    "SELECT * FROM pg_stat_user_tables",
    "SELECT * FROM pg_statio_user_tables",
    "SELECT relname, reltuples FROM pg_class WHERE relnamespace = 'tenant_beta'::regnamespace",
    "SELECT nspname FROM pg_namespace",
    "SELECT * FROM pg_views WHERE schemaname = 'tenant_beta'",
    "SELECT usename, query FROM pg_stat_activity",
    "SELECT * FROM pg_prepared_statements",
    "SELECT * FROM pg_settings WHERE name = 'search_path'",
];

/// Whether the database's `message` refuses what the role may not read
/// (or, inside `qa_execute`, a change of role).
pub fn refusal(message: &str) -> bool {
    [
        "permission denied",
        "does not exist",
        "cannot set parameter \"role\"",
    ]
    .iter()
    .any(|m| message.contains(m))
}
