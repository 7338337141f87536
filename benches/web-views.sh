#!/usr/bin/env bash
# Every view of the web app at company scale, in headless Chromium, next to
# the API requests each view makes sent straight to the server. What it
# measures and prints is described at the top of tools/src/bin/web_views.rs.
#
#   benches/web-views.sh
#   # on the database benches/read-paths.sh (or an earlier run) seeded:
#   SKIP_SEED=1 benches/web-views.sh
#   SKIP_SEED=1 ONLY=team SAMPLES=5 benches/web-views.sh
#
# Environment (defaults in brackets):
#   DATABASE_URL      a role that may CREATE DATABASE, on a loopback address
#                     [postgres://postgres@127.0.0.1:5432/postgres]
#   BENCH_DB          the database it (re)creates and leaves behind; the same
#                     as benches/read-paths.sh's [attendance_read_bench]
#   EMPLOYEES, DAYS   size of the seeded company [10000, 250]: about 2.5 M sessions
#   SAMPLES           loads per view and role, the first with an empty cache [10]
#   ONLY              only the views whose name contains this text
#   SKIP_SEED         1: use the database as it is
#   HTTP_PORT         the server's port [18090]
# It needs chromium and chromedriver (Debian: apt-get install chromium
# chromium-driver), or CHROME_BIN and CHROMEDRIVER naming them. Seeding
# takes about two minutes; the tokens it makes stay in the database.
set -euo pipefail
cd "$(dirname "$0")/.."

BASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
BENCH_DB=${BENCH_DB:-attendance_read_bench}
EMPLOYEES=${EMPLOYEES:-10000}
DAYS=${DAYS:-250}
SAMPLES=${SAMPLES:-10}
ONLY=${ONLY:-}
SKIP_SEED=${SKIP_SEED:-0}
HTTP_PORT=${HTTP_PORT:-18090}
TARGET=${CARGO_TARGET_DIR:-target}

say() { printf '\n== %s\n' "$*" >&2; }
die() { printf 'web-views: %s\n' "$*" >&2; exit 1; }

case "$BENCH_DB" in *[!a-z0-9_]*|'') die "BENCH_DB must be a plain lower-case name" ;; esac
case "$HTTP_PORT" in *[!0-9]*|'') die "HTTP_PORT must be a number" ;; esac
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
if curl -fsS -o /dev/null "http://127.0.0.1:$HTTP_PORT/health" 2>/dev/null; then
    die "something already answers on port $HTTP_PORT"
fi

say "building the release tools and the server example"
cargo build --release --quiet -p attendance-tools --bin seed --bin web_views
cargo build --release --quiet --example server
BIN="$TARGET/release"

if [ "$SKIP_SEED" = 1 ]; then
    say "using $BENCH_DB as it is"
else
    # As benches/read-paths.sh seeds it, then analyzed as after its first run.
    say "seeding $BENCH_DB: $EMPLOYEES employees, $DAYS working days"
    psql "$ADMIN_URL" -qc "DROP DATABASE IF EXISTS $BENCH_DB WITH (FORCE)" >/dev/null
    psql "$ADMIN_URL" -qc "CREATE DATABASE $BENCH_DB" >/dev/null
    DATABASE_URL=$BENCH_URL "$BIN/seed" --employees "$EMPLOYEES" --days "$DAYS" --reset >&2
    psql "$BENCH_URL" -qc "VACUUM ANALYZE" >/dev/null
fi

# A manager (who manages the team they are in) and a colleague of theirs
# who manages nothing, so that all three roles open the same team and person.
read -r MANAGER_ID TEAM_ID < <(psql "$BENCH_URL" -qAt -F ' ' -c \
    "SELECT id, team_id FROM attendance.employees WHERE is_manager ORDER BY id LIMIT 1")
EMPLOYEE_ID=$(psql "$BENCH_URL" -qAt -c \
    "SELECT id FROM attendance.employees WHERE team_id = $TEAM_ID AND NOT is_manager
     AND id NOT IN (SELECT employee_id FROM attendance.team_managers) ORDER BY id LIMIT 1")
[ -n "$MANAGER_ID" ] && [ -n "$EMPLOYEE_ID" ] || die "no manager with a colleague in $BENCH_DB"

token() { DATABASE_URL=$BENCH_URL RUST_LOG=warn "$BIN/examples/server" token create "$@"; }
ADMIN_TOKEN=$(token --admin --name "web-views bench")
MANAGER_TOKEN=$(token --employee "$MANAGER_ID")
EMPLOYEE_TOKEN=$(token --employee "$EMPLOYEE_ID")

say "starting the server on 127.0.0.1:$HTTP_PORT"
# The app as built into the binary, the template for summaries (no model).
env -u OPENAI_API_KEY -u ATTENDANCE_WEB_ASSETS -u ATTENDANCE_AUTH \
    DATABASE_URL=$BENCH_URL BIND_ADDR=127.0.0.1:$HTTP_PORT RUST_LOG=warn \
    "$BIN/examples/server" &
SERVER_PID=$!
trap 'kill "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null || true' EXIT
for _ in $(seq 600); do
    curl -fsS -o /dev/null "http://127.0.0.1:$HTTP_PORT/health" 2>/dev/null && break
    kill -0 "$SERVER_PID" 2>/dev/null || die "the server exited"
    sleep 0.1
done

# Today and the daily summary on the last day with sessions: the seed ends
# on the last working day before it ran, which may not be today.
LAST_DAY=$(psql "$BENCH_URL" -qAt -c "SELECT max(work_date) FROM attendance.sessions")

say "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
args=(--base "http://127.0.0.1:$HTTP_PORT" --admin "$ADMIN_TOKEN" --manager "$MANAGER_TOKEN"
      --employee "$EMPLOYEE_TOKEN" --samples "$SAMPLES" --date "$LAST_DAY")
[ -n "$ONLY" ] && args+=(--only "$ONLY")
"$BIN/web_views" "${args[@]}"
say "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
