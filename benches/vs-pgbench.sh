#!/usr/bin/env bash
# The library and its HTTP server against raw PostgreSQL, in one run against
# one PostgreSQL:
#   - bulk import: the seed tool's COPY import vs `psql \copy` of the same
#     rows (CSV) into the same schema, each into a fresh database;
#   - a clock-in + clock-out cycle over random employees at 1, 8 and 16
#     clients: pgbench running the store's own statements, audit entries
#     included (benches/clock_cycle.pgbench.sql, rendered from the store's
#     SQL by attendance-pg/src/bench_sql.rs, whose test holds them equal),
#     pgbench running them without their audit entries
#     (benches/clock_cycle_no_audit.pgbench.sql: what the entry costs the
#     cycle), the store through the library
#     (tools/src/bin/clock_driver.rs), and the HTTP server (examples/server.rs)
#     under wrk (benches/clock_cycle.wrk.lua), sending an admin bearer token
#     made with the server's own CLI (`server token create --admin`); in the
#     same rounds, a second server with ATTENDANCE_AUTH=off on
#     HTTP_OFF_PORT, for what checking the token costs; wrk runs as many threads as
#     pgbench (-j), and each load generator keeps one cycle in flight per
#     client; and, when PgBouncer is installed (or can be), pgbench again
#     through PgBouncer in session mode: what a middle tier that only
#     forwards the protocol's bytes costs on the same machine, the floor for
#     the HTTP server.
# It prints a table, the machine's CPU time per cycle in the pgbench and
# HTTP runs (and the server's share of it), then one `name=value` line per
# ratio (higher is better: the library's or server's throughput over
# PostgreSQL's own tool's).
#
#   benches/vs-pgbench.sh
#
# Environment (defaults in brackets):
#   DATABASE_URL      a role that may CREATE DATABASE, on a loopback address
#                     [postgres://postgres@127.0.0.1:5432/postgres]
#   BENCH_DB          the database it (re)creates and leaves behind [attendance_bench]
#   CLIENTS           client counts ["1 8 16"]
#   RUN_SECONDS       seconds per measured run [5]
#   ROUNDS            rounds per client count [3]; each round runs pgbench, the
#                     library, the server and pgbench through PgBouncer back to
#                     back, and the tables show each one's median, so that load
#                     from other processes falls on all of them alike
#   IMPORT_ROUNDS     rounds of the import comparison [3]; each round imports
#                     with the library, then psql \copy, then the library from
#                     the CSV file, and the table shows each one's median;
#                     0 seeds the bench database once, untimed, and skips the
#                     comparison
#   EMPLOYEES, DAYS   size of the seeded company [10000, 20]; DAYS=250 gives the
#                     full 2.5 M sessions (import runs then take a minute each)
#   HTTP_PORT         port for the server [18080]
#   HTTP_OFF_PORT     port for the server with authentication off [18081]
#   PGBOUNCER_PORT    port for PgBouncer [16432]
#   SERVER_THREADS    the server's tokio worker threads [1]: on 2 cores shared
#                     with PostgreSQL and the load generator, a second worker
#                     costs more server CPU per request (threads waking each
#                     other) for no clear gain (docs/PERFORMANCE.md)
# Needs pgbench and psql (Debian: postgresql, postgresql-client); installs wrk
# and pgbouncer with apt-get when missing (without pgbouncer the reference
# column is skipped; as root, PgBouncer runs as the postgres user). The load
# goes only to 127.0.0.1. Takes about seven minutes plus the release build.
set -euo pipefail
cd "$(dirname "$0")/.."

BASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
BENCH_DB=${BENCH_DB:-attendance_bench}
CLIENTS=${CLIENTS:-"1 8 16"}
RUN_SECONDS=${RUN_SECONDS:-5}
ROUNDS=${ROUNDS:-3}
IMPORT_ROUNDS=${IMPORT_ROUNDS:-3}
EMPLOYEES=${EMPLOYEES:-10000}
DAYS=${DAYS:-20}
HTTP_PORT=${HTTP_PORT:-18080}
HTTP_OFF_PORT=${HTTP_OFF_PORT:-18081}
SERVER_THREADS=${SERVER_THREADS:-1}
PGBOUNCER_PORT=${PGBOUNCER_PORT:-16432}
TARGET=${CARGO_TARGET_DIR:-target}

say() { printf '\n== %s\n' "$*" >&2; }
die() { printf 'vs-pgbench: %s\n' "$*" >&2; exit 1; }

# --- URLs: same server, another database; TLS off on loopback for everyone.
base=${BASE_URL%%\?*}
query=${BASE_URL#"$base"}
server=${base%/*}
host=${server#*://}
host=${host#*@}
host=${host%:*}
case "$host" in
    127.*|localhost|\[::1\]|::1) ;;
    *) die "DATABASE_URL must point at a loopback address (127.0.0.1, localhost, ::1); got $host" ;;
esac
case "$query" in
    *sslmode=*) ;;
    '') query='?sslmode=disable' ;;
    *) query="$query&sslmode=disable" ;;
esac
ADMIN_URL="$base$query"
url_of() { printf '%s/%s%s' "$server" "$1" "$query"; }
BENCH_URL=$(url_of "$BENCH_DB")

# --- tools
command -v psql >/dev/null || die "psql is missing (apt-get install postgresql-client)"
command -v pgbench >/dev/null || die "pgbench is missing (apt-get install postgresql)"
psql "$ADMIN_URL" -qAtc 'SELECT 1' >/dev/null || die "cannot connect to $ADMIN_URL"
for tool in wrk pgbouncer; do
    if ! command -v "$tool" >/dev/null; then
        say "installing $tool"
        apt-get install -y -qq "$tool" >/dev/null 2>&1 ||
            { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq "$tool" >/dev/null 2>&1; } ||
            true
    fi
done

say "building the release tools and server"
cargo build --release --quiet -p attendance-tools --bin seed --bin clock_driver
have_server=no
if [ -f examples/server.rs ]; then
    cargo build --release --quiet --example server
    have_server=yes
fi
BIN="$TARGET/release"

scratch=()
server_pid=
off_pid=
bouncer_pid_file=
BOUNCER_URL=
tmp=$(mktemp -d)
cleanup() {
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
    [ -n "$off_pid" ] && kill "$off_pid" 2>/dev/null && wait "$off_pid" 2>/dev/null
    [ -n "$bouncer_pid_file" ] && [ -f "$bouncer_pid_file" ] && kill "$(cat "$bouncer_pid_file")" 2>/dev/null
    for db in "${scratch[@]}"; do
        psql "$ADMIN_URL" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
    done
    rm -rf "$tmp"
}
trap cleanup EXIT

# GET /health answers 200 on port $1 (default HTTP_PORT), with curl or,
# without it, bash's /dev/tcp.
healthy() {
    local port=${1:-$HTTP_PORT}
    if command -v curl >/dev/null; then
        curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1
        return
    fi
    local status
    exec 3<>"/dev/tcp/127.0.0.1/$port" 2>/dev/null || return 1
    printf 'GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' >&3
    status=$(head -n1 <&3)
    exec 3<&-
    case "$status" in *" 200 "*) return 0 ;; *) return 1 ;; esac
}
fresh_db() {
    psql "$ADMIN_URL" -qc "DROP DATABASE IF EXISTS $1 WITH (FORCE)" >/dev/null
    psql "$ADMIN_URL" -qc "CREATE DATABASE $1" >/dev/null
    # The store's statements name their tables unqualified, on the default
    # tenant's search_path; pgbench (directly or through PgBouncer) gets it
    # from the database.
    psql "$ADMIN_URL" -qc "ALTER DATABASE $1 SET search_path = attendance" >/dev/null
}
seconds_now() { date +%s.%N; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
median() { tr ' ' '\n' | { grep -v '^$' || true; } | sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print ""; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
field() { tr ' ' '\n' | sed -n "s/^$1=//p" | tail -n1; }
# CPU time so far, in µs: the whole machine's busy time (user, nice, system,
# interrupts; not idle, I/O wait or steal), and one process's (all threads).
HZ=$(getconf CLK_TCK)
machine_cpu() { awk -v hz="$HZ" '/^cpu / { printf "%.0f", ($2 + $3 + $4 + $7 + $8) * 1e6 / hz }' /proc/stat; }
process_cpu() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{ ns += $1 } END { printf "%.0f", ns / 1000 }'; }
# µs per cycle: per_cycle CPU_US CYCLES_PER_SECOND
per_cycle() { awk -v us="$1" -v rate="$2" -v s="$RUN_SECONDS" 'BEGIN { if (rate > 0) printf "%.0f", us / (rate * s); }'; }

# --- bulk import, IMPORT_ROUNDS times over; the last round's library import
# leaves the bench database seeded for the clock cycles.
SEED_ARGS=(--employees "$EMPLOYEES" --days "$DAYS" --open 0 --reset)
copy_db="${BENCH_DB}_copy"
scratch+=("$copy_db")
COPY_URL=$(url_of "$copy_db")
# A fresh copy database with the schema, employees and teams but no sessions.
fresh_copy_db() {
    fresh_db "$copy_db"
    DATABASE_URL=$COPY_URL "$BIN/seed" "${SEED_ARGS[@]}" --no-sessions >/dev/null
    psql "$COPY_URL" -qc CHECKPOINT >/dev/null 2>&1 || true
}
runs_li=; runs_pi=; runs_ci=
if [ "$IMPORT_ROUNDS" -lt 1 ]; then
    say "seeding $BENCH_DB, $EMPLOYEES employees, $DAYS working days (no import comparison)"
    fresh_db "$BENCH_DB"
    seed_out=$(DATABASE_URL=$BENCH_URL "$BIN/seed" "${SEED_ARGS[@]}")
    printf '%s\n' "$seed_out" >&2
    import_rows=$(printf '%s\n' "$seed_out" | field import_rows)
fi
for round in $(seq 1 "$IMPORT_ROUNDS"); do
    say "import round $round of $IMPORT_ROUNDS: seeding $BENCH_DB, $EMPLOYEES employees, $DAYS working days (COPY import)"
    fresh_db "$BENCH_DB"
    psql "$BENCH_URL" -qc CHECKPOINT >/dev/null 2>&1 || true
    seed_out=$(DATABASE_URL=$BENCH_URL "$BIN/seed" "${SEED_ARGS[@]}" --csv "$tmp/sessions.csv")
    printf '%s\n' "$seed_out" >&2
    import_rows=$(printf '%s\n' "$seed_out" | field import_rows)
    runs_li="$runs_li $(printf '%s\n' "$seed_out" | field import_seconds)"

    say "import round $round of $IMPORT_ROUNDS: the same rows with psql \\copy (CSV) into a fresh $copy_db"
    fresh_copy_db
    start=$(seconds_now)
    psql "$COPY_URL" -v ON_ERROR_STOP=1 -qc "\\copy attendance.sessions (employee_id, clock_in, clock_out, work_mode, work_date) FROM '$tmp/sessions.csv' WITH (FORMAT csv, HEADER true)"
    runs_pi="$runs_pi $(awk -v a="$(seconds_now)" -v b="$start" 'BEGIN { printf "%.3f", a - b }')"

    say "import round $round of $IMPORT_ROUNDS: the same CSV file through the library's import_csv into a fresh $copy_db"
    fresh_copy_db
    csv_out=$(DATABASE_URL=$COPY_URL "$BIN/seed" --import-csv "$tmp/sessions.csv")
    runs_ci="$runs_ci $(printf '%s\n' "$csv_out" | field import_seconds)"
done
psql "$ADMIN_URL" -qc "DROP DATABASE IF EXISTS $copy_db WITH (FORCE)" >/dev/null
rm -f "$tmp/sessions.csv"
lib_import=$(printf '%s' "$runs_li" | median)
psql_import=$(printf '%s' "$runs_pi" | median)
csv_import=$(printf '%s' "$runs_ci" | median)
printf 'import seconds: psql \\copy:%s library:%s library CSV:%s\n' "$runs_pi" "$runs_li" "$runs_ci" >&2

# --- clock cycles
read -r first count < <(psql "$BENCH_URL" -qAtF ' ' -c \
    "SELECT min(id), count(*) FROM attendance.employees")
[ "$count" -gt 0 ] || die "no employees in $BENCH_DB"
psql "$BENCH_URL" -qc "VACUUM ANALYZE" >/dev/null

# start_server PORT LOG [ENV ARGS...]: the server on PORT, logging to LOG,
# with env(1)'s ARGS first; sets started_pid.
start_server() {
    local port=$1 log=$2 pid
    shift 2
    ! healthy "$port" || die "something already answers on port $port; stop it or set HTTP_PORT / HTTP_OFF_PORT"
    env "$@" DATABASE_URL="$BENCH_URL" BIND_ADDR="127.0.0.1:$port" RUST_LOG="${RUST_LOG:-warn}" \
        TOKIO_WORKER_THREADS="$SERVER_THREADS" "$BIN/examples/server" >"$log" 2>&1 &
    pid=$!
    for _ in $(seq 1 100); do
        healthy "$port" && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if ! healthy "$port" || ! kill -0 "$pid" 2>/dev/null; then
        cat "$log" >&2
        die "the HTTP server on port $port did not come up"
    fi
    started_pid=$pid
}
TOKEN=
if [ "$have_server" = yes ]; then
    say "making an admin token with the server's CLI"
    TOKEN=$(DATABASE_URL=$BENCH_URL "$BIN/examples/server" token create --admin --name bench 2>"$tmp/token.log") ||
        { cat "$tmp/token.log" >&2; die "server token create failed"; }
    say "starting the HTTP server on 127.0.0.1:$HTTP_PORT (bearer tokens) and on 127.0.0.1:$HTTP_OFF_PORT (ATTENDANCE_AUTH=off)"
    start_server "$HTTP_PORT" "$tmp/server.log" -u ATTENDANCE_AUTH
    server_pid=$started_pid
    start_server "$HTTP_OFF_PORT" "$tmp/server-off.log" ATTENDANCE_AUTH=off
    off_pid=$started_pid
fi

# PgBouncer on 127.0.0.1:$PGBOUNCER_PORT in session mode (each client keeps
# one server connection), passing the bench database through; sets
# BOUNCER_URL. Fails, leaving it empty, when PgBouncer is missing or does not
# come up.
start_bouncer() {
    command -v pgbouncer >/dev/null || return 1
    if (exec 3<>"/dev/tcp/127.0.0.1/$PGBOUNCER_PORT") 2>/dev/null; then
        printf 'vs-pgbench: port %s is taken; set PGBOUNCER_PORT\n' "$PGBOUNCER_PORT" >&2
        return 1
    fi
    local rest=${server#*://} user=${PGUSER:-$(id -un)} pass= userinfo hostport pg_host pg_port
    local dir="$tmp/pgbouncer" run_as=()
    if [[ $rest == *@* ]]; then
        userinfo=${rest%%@*}
        user=${userinfo%%:*}
        [[ $userinfo == *:* ]] && pass=${userinfo#*:}
    fi
    hostport=${rest#*@}
    case "$hostport" in
        \[*\]:*|[!\[]*:*) pg_host=${hostport%:*}; pg_port=${hostport##*:} ;;
        *) pg_host=$hostport; pg_port=5432 ;;
    esac
    pg_host=${pg_host#[}
    pg_host=${pg_host%]}
    mkdir -p "$dir"
    printf '"%s" ""\n' "$user" >"$dir/users.txt"
    cat >"$dir/pgbouncer.ini" <<INI
[databases]
$BENCH_DB = host=$pg_host port=$pg_port dbname=$BENCH_DB user=$user${pass:+ password=$pass}
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $PGBOUNCER_PORT
unix_socket_dir =
auth_type = trust
auth_file = $dir/users.txt
pool_mode = session
max_client_conn = 100
default_pool_size = 32
logfile = $dir/pgbouncer.log
pidfile = $dir/pgbouncer.pid
INI
    chmod 700 "$dir"
    # PgBouncer refuses to run as root.
    if [ "$(id -u)" = 0 ]; then
        id postgres >/dev/null 2>&1 || return 1
        chmod 711 "$tmp"
        chown -R postgres "$dir"
        run_as=(runuser -u postgres --)
    fi
    "${run_as[@]}" pgbouncer -d "$dir/pgbouncer.ini" >/dev/null 2>&1 || return 1
    bouncer_pid_file="$dir/pgbouncer.pid"
    local url="postgres://$user@127.0.0.1:$PGBOUNCER_PORT/$BENCH_DB?sslmode=disable"
    for _ in $(seq 1 50); do
        if psql "$url" -qAtc 'SELECT 1' >/dev/null 2>&1; then
            BOUNCER_URL=$url
            return 0
        fi
        sleep 0.1
    done
    return 1
}
if command -v pgbouncer >/dev/null; then
    say "starting PgBouncer on 127.0.0.1:$PGBOUNCER_PORT"
    start_bouncer || printf 'vs-pgbench: PgBouncer did not start; its column is skipped\n' >&2
fi

# Before each run: no open session left over, dead rows gone, a checkpoint,
# so that every run starts from the same state.
settle() {
    psql "$BENCH_URL" -qc "UPDATE attendance.sessions SET clock_out = now() WHERE clock_out IS NULL" \
        -c "VACUUM attendance.sessions" >/dev/null
    # CHECKPOINT needs a superuser (or pg_checkpoint); without one, skip it.
    psql "$BENCH_URL" -qc CHECKPOINT >/dev/null 2>&1 || true
}

# pgbench_cycles URL [FILE]: runs the pgbench script FILE (the store's
# statements by default) at $c clients against URL and prints its
# transactions (cycles) per second.
pgbench_cycles() {
    local out
    out=$(pgbench -n -M prepared -f "${2:-benches/clock_cycle.pgbench.sql}" \
        -D first="$first" -D clients="$c" -D per="$per" \
        -c "$c" -j "$threads" -T "$RUN_SECONDS" "$1" 2>&1) ||
        { printf '%s\n' "$out" >&2; die "pgbench failed"; }
    printf '%s\n' "$out" | grep -E 'failed|tps' >&2
    printf '%s\n' "$out" | sed -n 's/^tps = \([0-9.]*\).*/\1/p' | head -n1
}

# wrk_cycles PORT TOKEN: runs the wrk script at $c clients against the
# server on PORT (sending TOKEN, if any) and prints its cycles per second.
wrk_cycles() {
    local out rps bad
    out=$(wrk -t "$threads" -c "$c" -d "${RUN_SECONDS}s" -s benches/clock_cycle.wrk.lua \
        "http://127.0.0.1:$1" -- "$first" "$count" "$threads" "$2")
    printf '%s\n' "$out" | grep -E 'Requests/sec|Non-2xx|Socket errors' >&2 || true
    rps=$(printf '%s\n' "$out" | sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p')
    bad=$(printf '%s\n' "$out" | sed -n 's/^ *Non-2xx or 3xx responses: *\([0-9]*\).*/\1/p')
    [ -z "$bad" ] || printf 'warning: %s HTTP requests failed\n' "$bad" >&2
    awk -v r="$rps" 'BEGIN { printf "%.1f", r / 2 }'
}

declare -A result
for c in $CLIENTS; do
    per=$((count / c))
    threads=$((c < 2 ? 1 : 2))
    runs_p=; runs_n=; runs_l=; runs_h=; runs_o=; runs_b=; cpu_p=; cpu_h=; cpu_s=
    for round in $(seq 1 "$ROUNDS"); do
        say "$c clients, round $round of $ROUNDS: pgbench"
        settle
        m0=$(machine_cpu)
        tps=$(pgbench_cycles "$BENCH_URL")
        runs_p="$runs_p $tps"
        cpu_p="$cpu_p $(per_cycle $(($(machine_cpu) - m0)) "$tps")"

        say "$c clients, round $round of $ROUNDS: pgbench without the audit entries"
        settle
        runs_n="$runs_n $(pgbench_cycles "$BENCH_URL" benches/clock_cycle_no_audit.pgbench.sql)"

        say "$c clients, round $round of $ROUNDS: library (clock_driver)"
        settle
        out=$(DATABASE_URL=$BENCH_URL "$BIN/clock_driver" --clients "$c" --seconds "$RUN_SECONDS")
        printf '%s\n' "$out" >&2
        runs_l="$runs_l $(printf '%s\n' "$out" | field cycles_per_second)"

        if [ "$have_server" = yes ] && command -v wrk >/dev/null; then
            say "$c clients, round $round of $ROUNDS: HTTP server (wrk)"
            settle
            m0=$(machine_cpu); s0=$(process_cpu "$server_pid")
            cycles=$(wrk_cycles "$HTTP_PORT" "$TOKEN")
            runs_h="$runs_h $cycles"
            cpu_h="$cpu_h $(per_cycle $(($(machine_cpu) - m0)) "$cycles")"
            cpu_s="$cpu_s $(per_cycle $(($(process_cpu "$server_pid") - s0)) "$cycles")"

            say "$c clients, round $round of $ROUNDS: HTTP server, ATTENDANCE_AUTH=off (wrk)"
            settle
            runs_o="$runs_o $(wrk_cycles "$HTTP_OFF_PORT" "")"
        fi

        if [ -n "$BOUNCER_URL" ]; then
            say "$c clients, round $round of $ROUNDS: pgbench through PgBouncer"
            settle
            runs_b="$runs_b $(pgbench_cycles "$BOUNCER_URL")"
        fi
    done
    result[pgbench_$c]=$(printf '%s' "$runs_p" | median)
    result[no_audit_$c]=$(printf '%s' "$runs_n" | median)
    result[library_$c]=$(printf '%s' "$runs_l" | median)
    result[http_$c]=$(printf '%s' "$runs_h" | median)
    result[http_off_$c]=$(printf '%s' "$runs_o" | median)
    result[bouncer_$c]=$(printf '%s' "$runs_b" | median)
    result[cpu_pgbench_$c]=$(printf '%s' "$cpu_p" | median)
    result[cpu_http_$c]=$(printf '%s' "$cpu_h" | median)
    result[cpu_server_$c]=$(printf '%s' "$cpu_s" | median)
    printf 'clients=%s pgbench:%s pgbench-no-audit:%s library:%s http:%s http-auth-off:%s pgbouncer:%s\n' \
        "$c" "$runs_p" "$runs_n" "$runs_l" "$runs_h" "$runs_o" "$runs_b" >&2
    printf 'clients=%s CPU µs per cycle: pgbench run:%s HTTP run:%s server:%s\n' \
        "$c" "$cpu_p" "$cpu_h" "$cpu_s" >&2
done
settle

# --- report
cores=$(nproc)
printf '\nClock-in + clock-out cycles per second, median of %s runs of %s s (%s cores, %s employees, %s sessions seeded)\n\n' \
    "$ROUNDS" "$RUN_SECONDS" "$cores" "$count" "$import_rows"
printf '| clients | pgbench | library | library/pgbench | HTTP (token) | HTTP/pgbench | HTTP, auth off | token/auth off |\n'
printf '|--:|--:|--:|--:|--:|--:|--:|--:|\n'
for c in $CLIENTS; do
    p=${result[pgbench_$c]}; l=${result[library_$c]}; h=${result[http_$c]}; o=${result[http_off_$c]}
    printf '| %s | %.0f | %.0f | %s | %s | %s | %s | %s |\n' "$c" "$p" "$l" "$(ratio "$l" "$p")" \
        "${h:-n/a}" "$([ -n "$h" ] && ratio "$h" "$p" || echo n/a)" \
        "${o:-n/a}" "$([ -n "$h" ] && [ -n "$o" ] && ratio "$h" "$o" || echo n/a)"
done
if [ "$have_server" = yes ] && command -v wrk >/dev/null; then
    printf '\nCPU time per cycle, µs (whole machine: PostgreSQL, load generator, server; medians)\n\n'
    printf '| clients | pgbench run | HTTP run | of which the server |\n|--:|--:|--:|--:|\n'
    for c in $CLIENTS; do
        printf '| %s | %s | %s | %s |\n' "$c" "${result[cpu_pgbench_$c]}" \
            "${result[cpu_http_$c]}" "${result[cpu_server_$c]}"
    done
fi
printf '\nWhat the audit entry costs the cycle: pgbench with the statements as the store sends them vs without their audit CTE\n\n'
printf '| clients | pgbench, audited | pgbench, no audit | audited/no audit |\n|--:|--:|--:|--:|\n'
for c in $CLIENTS; do
    p=${result[pgbench_$c]}; n=${result[no_audit_$c]}
    printf '| %s | %.0f | %.0f | %s |\n' "$c" "$p" "$n" "$(ratio "$p" "$n")"
done
if [ -n "$BOUNCER_URL" ]; then
    printf '\nThe same pgbench through PgBouncer (session mode): the cost of a middle tier that only forwards bytes\n\n'
    printf '| clients | pgbench | through PgBouncer | PgBouncer/pgbench | HTTP/pgbench |\n|--:|--:|--:|--:|--:|\n'
    for c in $CLIENTS; do
        p=${result[pgbench_$c]}; b=${result[bouncer_$c]}; h=${result[http_$c]}
        printf '| %s | %.0f | %.0f | %s | %s |\n' "$c" "$p" "$b" "$(ratio "$b" "$p")" \
            "$([ -n "$h" ] && ratio "$h" "$p" || echo n/a)"
    done
else
    printf '\nPgBouncer column skipped: pgbouncer is not installed or did not start.\n'
fi
if [ "$IMPORT_ROUNDS" -ge 1 ]; then
    printf '\nBulk import of %s sessions, median of %s rounds (seconds, lower is better)\n\n' \
        "$import_rows" "$IMPORT_ROUNDS"
    printf '| psql \\copy (CSV) | library, generated rows | library, same CSV file |\n|--:|--:|--:|\n'
    printf '| %s | %s | %s |\n\n' "$psql_import" "$lib_import" "$csv_import"
else
    printf '\nBulk import comparison skipped: IMPORT_ROUNDS=0.\n\n'
fi
if [ "$have_server" != yes ]; then
    printf 'HTTP column skipped: examples/server.rs does not exist yet.\n\n'
elif ! command -v wrk >/dev/null; then
    printf 'HTTP column skipped: wrk is not installed and could not be installed.\n\n'
fi

for c in $CLIENTS; do
    printf 'library_vs_pgbench_c%s=%s\n' "$c" "$(ratio "${result[library_$c]}" "${result[pgbench_$c]}")"
done
for c in $CLIENTS; do
    printf 'pgbench_audit_vs_no_audit_c%s=%s\n' "$c" "$(ratio "${result[pgbench_$c]}" "${result[no_audit_$c]}")"
done
for c in $CLIENTS; do
    if [ -n "${result[http_$c]}" ]; then
        printf 'http_vs_pgbench_c%s=%s\n' "$c" "$(ratio "${result[http_$c]}" "${result[pgbench_$c]}")"
    fi
done
for c in $CLIENTS; do
    if [ -n "${result[http_$c]}" ] && [ -n "${result[http_off_$c]}" ]; then
        printf 'http_token_vs_auth_off_c%s=%s\n' "$c" "$(ratio "${result[http_$c]}" "${result[http_off_$c]}")"
    fi
done
for c in $CLIENTS; do
    if [ -n "${result[bouncer_$c]}" ]; then
        printf 'pgbouncer_vs_pgbench_c%s=%s\n' "$c" "$(ratio "${result[bouncer_$c]}" "${result[pgbench_$c]}")"
    fi
done
if [ "$IMPORT_ROUNDS" -ge 1 ]; then
    printf 'import_vs_psql_copy=%s\n' "$(ratio "$psql_import" "$lib_import")"
    printf 'import_csv_vs_psql_copy=%s\n' "$(ratio "$psql_import" "$csv_import")"
fi
