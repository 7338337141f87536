//! The pgbench files of `benches/vs-pgbench.sh`, rendered from the store's
//! own clock-in and clock-out statements, so the baseline the library is
//! compared with cannot drift from what the library sends.
//!
//! The test fails when a checked-in file differs from its rendering;
//! `ATTENDANCE_BLESS=1 cargo test -p attendance-pg --lib bench_sql`
//! rewrites the files.

use std::path::PathBuf;

use crate::writes::{
    CLOSE_SESSION_ROW_SQL, CLOSE_SESSION_SQL, INSERT_SESSION_ROW_SQL, INSERT_SESSION_SQL,
};

/// What pgbench sends for each parameter of the clock-in. pgbench cannot
/// make timestamps, so `now()` stands in for the instants (the clock-out's
/// transaction starts after the clock-in's committed); the actor is the
/// system, as for a store call without a principal.
const CLOCK_IN_PARAMS: [&str; 11] = [
    ":e",
    "now()",
    "NULL::timestamptz",
    "'WFO'",
    "'clock_in'",
    "NULL::text",
    "now()",
    "'system'",
    "NULL::text",
    "NULL::bigint",
    "NULL::bigint",
];

/// The same for the clock-out.
const CLOCK_OUT_PARAMS: [&str; 7] = [
    ":e",
    "now()",
    "now()",
    "'system'",
    "NULL::text",
    "NULL::bigint",
    "NULL::bigint",
];

/// `sql` with each `$n` replaced by `params[n - 1]`.
pub(crate) fn substitute(sql: &str, params: &[&str]) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut rest = sql;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let digits = rest[at + 1..]
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len() - at - 1);
        let n: usize = rest[at + 1..at + 1 + digits].parse().unwrap();
        out.push_str(params[n - 1]);
        rest = &rest[at + 1 + digits..];
    }
    out.push_str(rest);
    out
}

fn render(what: &str, clock_in: &str, clock_out: &str) -> String {
    format!(
        "-- One clock-in + clock-out cycle for pgbench: {what}.\n\
         -- Rendered from attendance-pg/src/writes/mod.rs by attendance-pg/src/bench_sql.rs\n\
         -- (a test holds the two equal): do not edit by hand.\n\
         --   pgbench -n -M prepared -f THIS_FILE \\\n\
         --       -D first=1 -D clients=8 -D per=1250 -c 8 -j 2 -T 10 attendance_bench\n\
         -- on the store's search_path (the bench sets it on its database:\n\
         -- ALTER DATABASE attendance_bench SET search_path = attendance).\n\
         -- Each client keeps to its own slice of the employees, so no two clients\n\
         -- race for one employee. The store binds the instants as parameters;\n\
         -- pgbench cannot make timestamps, so now() stands in for them (the\n\
         -- clock-out's transaction starts after the clock-in's committed), and\n\
         -- the actor is the system.\n\
         \\set e :first + :client_id + :clients * random(0, :per - 1)\n\
         {};\n\
         {};\n",
        substitute(clock_in, &CLOCK_IN_PARAMS),
        substitute(clock_out, &CLOCK_OUT_PARAMS),
    )
}

/// Each file with what it should hold.
fn files() -> [(PathBuf, String); 2] {
    let benches = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../benches");
    [
        (
            benches.join("clock_cycle.pgbench.sql"),
            render(
                "the statements PgStore sends, audit entries included",
                INSERT_SESSION_SQL,
                CLOSE_SESSION_SQL,
            ),
        ),
        (
            benches.join("clock_cycle_no_audit.pgbench.sql"),
            render(
                "the same statements without their audit entries, to show what the entry costs",
                INSERT_SESSION_ROW_SQL,
                CLOSE_SESSION_ROW_SQL,
            ),
        ),
    ]
}

#[test]
fn the_pgbench_files_are_the_stores_statements() {
    let bless = std::env::var_os("ATTENDANCE_BLESS").is_some();
    for (path, expected) in files() {
        if bless {
            std::fs::write(&path, &expected).unwrap();
        }
        let found = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            found == expected,
            "{} is not the store's statements; rerun with ATTENDANCE_BLESS=1 to render it:\n{expected}",
            path.display()
        );
    }
}

#[test]
fn parameters_are_substituted_by_number() {
    assert_eq!(
        substitute(
            "$1, $10, $2::x",
            &["a", "b", "", "", "", "", "", "", "", "j"]
        ),
        "a, j, b::x"
    );
}

#[test]
fn the_audited_statements_wrap_the_bare_ones() {
    assert!(INSERT_SESSION_SQL.contains(INSERT_SESSION_ROW_SQL));
    assert!(CLOSE_SESSION_SQL.contains(CLOSE_SESSION_ROW_SQL));
    assert!(INSERT_SESSION_SQL.contains("INTO audit_log"));
    assert!(!INSERT_SESSION_ROW_SQL.contains("audit_log"));
    // Every parameter the store binds has its stand-in.
    assert!(INSERT_SESSION_SQL.contains("$11") && !INSERT_SESSION_SQL.contains("$12"));
    assert!(CLOSE_SESSION_SQL.contains("$7") && !CLOSE_SESSION_SQL.contains("$8"));
}
