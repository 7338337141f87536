#!/usr/bin/env bash
# The company's month as a timesheet: the library's CSV against psql
# copying the same rows (benches/export.copy.sql), the library's peak
# memory while it streams, and the XLSX time, on the seed tool's company
# (10,000 employees, about 2.5 M sessions, with work time). What is
# measured and printed: the top of tools/src/bin/export_bench.rs.
# docs/PERFORMANCE.md has the results.
#
#   benches/export.sh
#   SKIP_SEED=1 benches/export.sh    # measure an already seeded database
#
# Environment (defaults in brackets):
#   DATABASE_URL  a role that may CREATE DATABASE, on a loopback address
#                 [postgres://postgres@127.0.0.1:5432/postgres]
#   BENCH_DB      the database it (re)creates and leaves behind [attendance_export_bench]
#   SAMPLES       timed runs per side [3]
#   SKIP_SEED     1: keep the database as it is
# Seeding takes a few minutes; each sample a few seconds per side.
set -euo pipefail
cd "$(dirname "$0")/.."

BASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
BENCH_DB=${BENCH_DB:-attendance_export_bench}
SAMPLES=${SAMPLES:-3}
SKIP_SEED=${SKIP_SEED:-0}
TARGET=${CARGO_TARGET_DIR:-target}

say() { printf '\n== %s\n' "$*" >&2; }
die() { printf 'export: %s\n' "$*" >&2; exit 1; }

case "$BENCH_DB" in *[!a-z0-9_]*|'') die "BENCH_DB must be a plain lower-case name" ;; esac
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
cargo build --release --quiet -p attendance-tools --bin seed --bin export_bench
BIN="$TARGET/release"

if [ "$SKIP_SEED" != 1 ]; then
    say "seeding $BENCH_DB"
    psql "$ADMIN_URL" -qc "DROP DATABASE IF EXISTS $BENCH_DB WITH (FORCE)" >/dev/null
    psql "$ADMIN_URL" -qc "CREATE DATABASE $BENCH_DB" >/dev/null
    DATABASE_URL=$BENCH_URL "$BIN/seed" --reset >&2
    psql "$BENCH_URL" -qc "VACUUM ANALYZE" >/dev/null
fi

say "measuring"
mkdir -p "${TMPDIR:-/tmp}/export-bench.$$"
DATABASE_URL=$BENCH_URL "$BIN/export_bench" --samples "$SAMPLES" --dir "${TMPDIR:-/tmp}/export-bench.$$"
rm -rf "${TMPDIR:-/tmp}/export-bench.$$"
