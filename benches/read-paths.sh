#!/usr/bin/env bash
# Every read path of the library (listings, trends, summaries) against the
# best hand-written SQL for the same answer, on the seed tool's company,
# twice: straight after the import, before the planner has any statistics,
# and after VACUUM ANALYZE. The cases, targets and output are described at
# the top of tools/src/bin/read_paths/main.rs; the SQL is tools/src/bin/read_paths/sql.rs.
#
#   benches/read-paths.sh
#   # a quicker look at a few cases on an already seeded database:
#   SKIP_SEED=1 SAMPLES=10 ONLY=list_ benches/read-paths.sh
#
# Environment (defaults in brackets):
#   DATABASE_URL      a role that may CREATE DATABASE, on a loopback address
#                     [postgres://postgres@127.0.0.1:5432/postgres]
#   BENCH_DB          the database it (re)creates and leaves behind [attendance_read_bench]
#   EMPLOYEES, DAYS   size of the seeded company [10000, 250]: about 2.5 M sessions
#   SAMPLES           timed calls per side and case [20]
#   DEEP              how many pages of 100 in the deep pages are [20]
#   ONLY              run only the cases whose name contains this text
#   SKIP_SEED         1: keep the database as it is and measure it once
# Seeding takes about two minutes. Autovacuum is off on the attendance
# tables between the import and the first measurement, so that run sees no
# statistics however long the import took; the script turns it back on.
set -euo pipefail
cd "$(dirname "$0")/.."

BASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
BENCH_DB=${BENCH_DB:-attendance_read_bench}
EMPLOYEES=${EMPLOYEES:-10000}
DAYS=${DAYS:-250}
SAMPLES=${SAMPLES:-20}
DEEP=${DEEP:-20}
ONLY=${ONLY:-}
SKIP_SEED=${SKIP_SEED:-0}
TARGET=${CARGO_TARGET_DIR:-target}

say() { printf '\n== %s\n' "$*" >&2; }
die() { printf 'read-paths: %s\n' "$*" >&2; exit 1; }

case "$BENCH_DB" in *[!a-z0-9_]*|'') die "BENCH_DB must be a plain lower-case name" ;; esac
# The server part of the URL, without the database and query.
server=${BASE_URL%%\?*}
server=${server%/*}
case "$server" in
    *@127.0.0.1:*|*@127.0.0.1|*@localhost:*|*@localhost|*@\[::1\]*) ;;
    *) die "DATABASE_URL must point at a loopback address (127.0.0.1, localhost, [::1])" ;;
esac
ADMIN_URL="$server/postgres?sslmode=disable"
BENCH_URL="$server/$BENCH_DB?sslmode=disable"
command -v psql >/dev/null || die "psql is missing (apt-get install postgresql-client)"
psql "$ADMIN_URL" -qAtc 'SELECT 1' >/dev/null || die "cannot connect to $ADMIN_URL"

say "building the release tools"
cargo build --release --quiet -p attendance-tools --bin seed --bin read_paths
BIN="$TARGET/release"

TABLES="attendance.sessions attendance.employees attendance.teams"
autovacuum() {
    for t in $TABLES; do
        if [ "$1" = off ]; then
            psql "$BENCH_URL" -qc "ALTER TABLE $t SET (autovacuum_enabled = false)" >/dev/null
        else
            psql "$BENCH_URL" -qc "ALTER TABLE $t RESET (autovacuum_enabled)" >/dev/null
        fi
    done
}
measure() {
    local args=(--samples "$SAMPLES" --deep "$DEEP")
    [ -n "$ONLY" ] && args+=(--only "$ONLY")
    DATABASE_URL=$BENCH_URL "$BIN/read_paths" "${args[@]}"
}

if [ "$SKIP_SEED" = 1 ]; then
    say "measuring $BENCH_DB as it is"
    measure
    exit 0
fi

say "seeding $BENCH_DB: $EMPLOYEES employees, $DAYS working days"
psql "$ADMIN_URL" -qc "DROP DATABASE IF EXISTS $BENCH_DB WITH (FORCE)" >/dev/null
psql "$ADMIN_URL" -qc "CREATE DATABASE $BENCH_DB" >/dev/null
# The schema first, so that autovacuum can be off before the rows arrive.
DATABASE_URL=$BENCH_URL "$BIN/seed" --employees 1 --teams 1 --no-sessions >/dev/null
autovacuum off
DATABASE_URL=$BENCH_URL "$BIN/seed" --employees "$EMPLOYEES" --days "$DAYS" --reset >&2

say "straight after the import (no statistics)"
measure | tee /dev/stderr | sed -n 's/^read_/fresh_read_/p' >"${TMPDIR:-/tmp}/read-paths-fresh.$$"

say "VACUUM ANALYZE"
psql "$BENCH_URL" -qc "VACUUM ANALYZE" >/dev/null
autovacuum on

say "after VACUUM ANALYZE"
measure | tee /dev/stderr | sed -n 's/^read_/analyzed_read_/p' >"${TMPDIR:-/tmp}/read-paths-analyzed.$$"

printf '\n'
cat "${TMPDIR:-/tmp}/read-paths-fresh.$$" "${TMPDIR:-/tmp}/read-paths-analyzed.$$"
rm -f "${TMPDIR:-/tmp}/read-paths-fresh.$$" "${TMPDIR:-/tmp}/read-paths-analyzed.$$"
