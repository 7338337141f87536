#!/usr/bin/env bash
# The Q&A view of the ledger (attendance.qa_ledger_days) on the seed tool's
# 10,000-employee company with work time added: each question five times
# under EXPLAIN ANALYZE, run as PgSqlRunner runs it (the scope row written
# in the transaction, jit off, work_mem 16 MB). Prints the execution times
# in ms, lowest first. docs/PERFORMANCE.md has the results.
#
#   benches/qa-ledger.sh
#   SKIP_SEED=1 benches/qa-ledger.sh    # measure an already prepared database
#
# Environment (defaults in brackets):
#   DATABASE_URL  a role that may CREATE DATABASE [postgres://postgres@127.0.0.1:5432/postgres]
#   BENCH_DB      the database it (re)creates and leaves behind [attendance_qa_bench]
#   SKIP_SEED     1: keep the database as it is
set -euo pipefail
cd "$(dirname "$0")/.."

BASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
BENCH_DB=${BENCH_DB:-attendance_qa_bench}
DB_URL="${BASE_URL%/*}/$BENCH_DB"

if [ "${SKIP_SEED:-0}" != 1 ]; then
    psql -q "$BASE_URL" -c "DROP DATABASE IF EXISTS $BENCH_DB" -c "CREATE DATABASE $BENCH_DB"
    DATABASE_URL="$DB_URL" cargo run -q --release -p attendance-tools --bin seed -- \
        --employees 10000 --teams 100 --days 250 --until 2026-12-04 --seed 7
    # Work time, written straight to the tables: four patterns (one with a
    # weekly threshold), a change on 2026-07-01 for every fifth team, own
    # patterns for 1 % of employees, company and team holidays, absences
    # and the statutory break rule everywhere.
    psql -q -v ON_ERROR_STOP=1 "$DB_URL" <<'SQL'
INSERT INTO attendance.work_patterns (name, minutes_mon, minutes_tue, minutes_wed, minutes_thu,
    minutes_fri, minutes_sat, minutes_sun, starts_at, weekly_overtime_after) VALUES
 ('Full time', 480, 480, 480, 480, 480, 0, 0, NULL, NULL),
 ('4 x 6 h', 360, 360, 360, 360, 0, 0, 0, NULL, 1200),
 ('Early', 450, 450, 450, 450, 450, 0, 0, '08:00', NULL),
 ('Full time weekly', 480, 480, 480, 480, 480, 0, 0, NULL, 2400);
INSERT INTO attendance.pattern_assignments (team_id, pattern_id, valid_from)
SELECT t.id, 1 + (t.id % 4), DATE '2025-01-01' FROM attendance.teams t;
INSERT INTO attendance.pattern_assignments (team_id, pattern_id, valid_from)
SELECT t.id, 1 + ((t.id + 1) % 4), DATE '2026-07-01' FROM attendance.teams t WHERE t.id % 5 = 0;
INSERT INTO attendance.pattern_assignments (employee_id, pattern_id, valid_from)
SELECT e.id, 2, DATE '2026-03-01' FROM attendance.employees e WHERE e.id % 100 = 7;
INSERT INTO attendance.holidays (team_id, date, name, portion)
SELECT NULL, d, 'Company holiday', CASE WHEN d = DATE '2026-12-24' THEN 'half' ELSE 'full' END
FROM unnest(ARRAY['2026-01-01', '2026-04-03', '2026-04-06', '2026-05-01', '2026-05-14',
                  '2026-05-25', '2026-10-03', '2026-12-24', '2026-12-25', '2025-12-26']::date[]) d;
INSERT INTO attendance.holidays (team_id, date, name, portion)
SELECT t.id, d, 'Team holiday', CASE WHEN t.id % 2 = 0 THEN 'full' ELSE 'half' END
FROM attendance.teams t,
     unnest(ARRAY['2026-03-19', '2026-06-04', '2026-08-15', '2026-11-01']::date[]) d
WHERE t.id % 3 = 0;
INSERT INTO attendance.absences (employee_id, kind, from_date, to_date, portion)
SELECT e.id, 'vacation', DATE '2026-01-05' + (e.id % 40)::int * 7,
       DATE '2026-01-05' + (e.id % 40)::int * 7 + 4, 'full'
FROM attendance.employees e;
INSERT INTO attendance.absences (employee_id, kind, from_date, to_date, portion)
SELECT e.id, 'sick', DATE '2026-11-02' + (e.id % 20)::int, DATE '2026-11-02' + (e.id % 20)::int,
       'full'
FROM attendance.employees e WHERE e.id % 5 = 0;
INSERT INTO attendance.absences (employee_id, kind, from_date, to_date, portion)
SELECT e.id, 'other', DATE '2026-12-01' + (e.id % 3)::int, DATE '2026-12-01' + (e.id % 3)::int,
       'half'
FROM attendance.employees e WHERE e.id % 10 = 1;
INSERT INTO attendance.break_thresholds (team_id, after_minutes, break_minutes)
SELECT t.id, x.a, x.b FROM attendance.teams t, (VALUES (360, 30), (540, 45)) x (a, b);
SQL
    psql -q "$DB_URL" -c "VACUUM ANALYZE"
fi

# name, scope (all_rows, employee_id, team_ids), query
measure() {
    local times
    times=$(for _ in 1 2 3 4 5; do
        psql -q -At "$DB_URL" <<SQL | sed -n 's/^Execution Time: \([0-9.]*\) ms$/\1/p'
BEGIN;
INSERT INTO attendance.qa_scope (xact, all_rows, employee_id, team_ids)
VALUES (pg_current_xact_id(), $2);
SET LOCAL search_path = attendance;
SET LOCAL jit = off;
SET LOCAL work_mem = '16MB';
EXPLAIN (ANALYZE) $3;
ROLLBACK;
SQL
    done | sort -n | tr '\n' ' ')
    echo "$1: $times"
}

M="work_date BETWEEN DATE '2026-11-01' AND DATE '2026-11-30'"
BAL="sum(worked_minutes + absence_credit_minutes - expected_minutes)"
measure "admin, a team's month, daily pattern" "true, NULL, '{}'" \
    "SELECT employee_name, sum(overtime_minutes), $BAL FROM qa_ledger_days
     WHERE team_name = 'Engineering São Paulo' AND $M GROUP BY employee_id, employee_name"
measure "admin, a team's month, weekly threshold" "true, NULL, '{}'" \
    "SELECT employee_name, sum(overtime_minutes), $BAL FROM qa_ledger_days
     WHERE team_name = 'Engineering Tokyo' AND $M GROUP BY employee_id, employee_name"
measure "admin, a team's month by id" "true, NULL, '{}'" \
    "SELECT count(*) FILTER (WHERE absent_without_leave), sum(holiday_work_minutes)
     FROM qa_ledger_days WHERE team_id = 5 AND $M"
measure "manager of team 5, the month" "false, 1, '{5}'" \
    "SELECT count(*) FILTER (WHERE absent_without_leave), sum(holiday_work_minutes)
     FROM qa_ledger_days WHERE $M"
measure "manager of team 5, the month by timestamp (not pushed down)" "false, 1, '{5}'" \
    "SELECT sum(overtime_minutes) FROM qa_ledger_days
     WHERE work_date >= date_trunc('month', DATE '2026-11-13')
       AND work_date < date_trunc('month', DATE '2026-11-13') + interval '1 month'"
measure "employee, 2026-01-01 to 11-30" "false, 1, '{}'" \
    "SELECT sum(overtime_minutes), $BAL FROM qa_ledger_days
     WHERE work_date BETWEEN DATE '2026-01-01' AND DATE '2026-11-30'"
measure "employee, no date filter" "false, 1, '{}'" "SELECT $BAL FROM qa_ledger_days"
