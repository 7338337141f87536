#!/usr/bin/env bash
# The company's month as a timesheet: the library's CSV against psql
# copying the same rows (benches/export.copy.sql), the library's peak
# memory while it streams, and the XLSX time, on the seed tool's company
# (10,000 employees, about 2.5 M sessions, with work time). What is
# measured and printed: the top of tools/src/bin/export_bench.rs. Then the
# same CSV downloaded with curl from the server example
# (GET /exports/timesheet), with the server's peak memory (VmHWM) before and
# after, and the download compared with the library's file.
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
#   PORT          the server example's port on 127.0.0.1 [18089]
# Seeding takes a few minutes; each sample a few seconds per side.
set -euo pipefail
cd "$(dirname "$0")/.."

BASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
BENCH_DB=${BENCH_DB:-attendance_export_bench}
SAMPLES=${SAMPLES:-3}
SKIP_SEED=${SKIP_SEED:-0}
PORT=${PORT:-18089}
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
cargo build --release --quiet --example server
BIN="$TARGET/release"

if [ "$SKIP_SEED" != 1 ]; then
    say "seeding $BENCH_DB"
    psql "$ADMIN_URL" -qc "DROP DATABASE IF EXISTS $BENCH_DB WITH (FORCE)" >/dev/null
    psql "$ADMIN_URL" -qc "CREATE DATABASE $BENCH_DB" >/dev/null
    DATABASE_URL=$BENCH_URL "$BIN/seed" --reset >&2
    psql "$BENCH_URL" -qc "VACUUM ANALYZE" >/dev/null
fi

say "measuring the library"
DIR="${TMPDIR:-/tmp}/export-bench.$$"
mkdir -p "$DIR"
out=$(DATABASE_URL=$BENCH_URL "$BIN/export_bench" --samples "$SAMPLES" --dir "$DIR")
printf '%s\n' "$out"
from=$(printf '%s\n' "$out" | sed -n 's/^period \([0-9-]*\) to \([0-9-]*\) .*/\1/p')
to=$(printf '%s\n' "$out" | sed -n 's/^period \([0-9-]*\) to \([0-9-]*\) .*/\2/p')

say "measuring the server example while curl downloads the CSV"
hwm() { sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$1/status"; }
DATABASE_URL=$BENCH_URL BIND_ADDR=127.0.0.1:$PORT ATTENDANCE_AUTH=off RUST_LOG=warn \
    "$BIN/examples/server" 2>"$DIR/server.log" &
server=$!
trap 'kill "$server" 2>/dev/null || true; rm -rf "$DIR"' EXIT
for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break
    sleep 0.2
done
curl -sf "http://127.0.0.1:$PORT/health" >/dev/null || die "the server did not start: $(cat "$DIR/server.log")"
before=$(hwm "$server")
url="http://127.0.0.1:$PORT/exports/timesheet?from=$from&to=$to&format=csv"
for i in $(seq 1 "$SAMPLES"); do
    start=$(date +%s.%N)
    curl -sf -o "$DIR/http.csv" -D "$DIR/http.headers" "$url" || die "the download failed"
    end=$(date +%s.%N)
    echo "http_csv_seconds_$i=$(echo "$end - $start" | bc)"
done
after=$(hwm "$server")
cmp -s "$DIR/http.csv" "$DIR/export_bench_library.csv" || die "the download is not the library's file"
echo "http_csv_identical=true"
echo "http_period_locked=$(sed -n 's/^[Aa]ttendance-[Pp]eriod-[Ll]ocked: *\([a-z]*\).*/\1/p' "$DIR/http.headers")"
echo "http_server_rss_peak_before_mib=$(echo "scale=1; $before / 1024" | bc)"
echo "http_server_rss_peak_after_mib=$(echo "scale=1; $after / 1024" | bc)"
