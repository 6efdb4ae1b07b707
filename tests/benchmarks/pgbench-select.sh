#!/usr/bin/env bash
# Read-only throughput of the query node's protocol path: pgbench with a one-statement custom
# script, `SELECT 1` (pgbench-select1.sql) and a point SELECT on a 1,000-row table
# (pgbench-select-point.sql), in each query mode (simple, extended, prepared), 8 clients on 2
# threads. Runs against Log and against a PostgreSQL in the same run, alternating runs of the
# two, and prints the median transactions per second of each and the Log/PostgreSQL ratio.
# Goal: Log reaches at least 80% of PostgreSQL's TPS for SELECT 1.
#
# usage: tests/benchmarks/pgbench-select.sh [seconds-per-run] [runs]
#   PGBASELINE: libpq connection string of the PostgreSQL to compare with
#               (default "host=127.0.0.1 port=5432 user=postgres password=postgres dbname=postgres")
#   MODES:      the pgbench query modes to run (default "simple extended prepared")
#   CLIENTS, THREADS: pgbench -c and -j (default 8 and 2)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
seconds=${1:-10}
runs=${2:-3}
baseline=${PGBASELINE:-"host=127.0.0.1 port=5432 user=postgres password=postgres dbname=postgres"}
modes=${MODES:-"simple extended prepared"}
clients=${CLIENTS:-8}
threads=${THREADS:-2}
. "$here/start-log.sh"
baseline="$baseline sslmode=disable"

setup() { # connection string
  psql -X -q -v ON_ERROR_STOP=1 "$1" > /dev/null 2> "$work/setup.err" <<'SQL' || { cat "$work/setup.err"; exit 1; }
DROP TABLE IF EXISTS pgbench_select_items;
CREATE TABLE pgbench_select_items (id int PRIMARY KEY, name text, amount numeric);
SQL
  values=$(seq 1 1000 | awk '{printf "%s(%d, '"'"'item%d'"'"', %d.25)", (NR>1?", ":""), $1, $1, $1}')
  psql -X -q -v ON_ERROR_STOP=1 "$1" -c "INSERT INTO pgbench_select_items VALUES $values" > /dev/null
  [ "$(psql -X -A -t "$1" -c "SELECT count(*) FROM pgbench_select_items")" = 1000 ] \
    || { echo "setup of $1 did not load 1000 rows"; exit 1; }
}

# Prints the TPS of one pgbench run (excluding connection time); fails on any failed transaction.
measure() { # connection string, script, mode
  pgbench -n -c "$clients" -j "$threads" -T "$seconds" -M "$3" -f "$2" "$1" > "$work/pgbench.out" 2>&1 \
    || { echo "pgbench -M $3 -f $(basename "$2") failed against $1:" >&2; cat "$work/pgbench.out" >&2; exit 1; }
  if grep -q "number of failed transactions: [1-9]" "$work/pgbench.out"; then
    echo "failed transactions against $1:" >&2; cat "$work/pgbench.out" >&2; exit 1
  fi
  sed -n 's/^tps = \([0-9.]*\) (without initial connection time)/\1/p' "$work/pgbench.out"
}

median_of() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "setting up Log (port $port) and PostgreSQL ($baseline)"
setup "$log_target"
setup "$baseline"
# Warm-up, not measured: Log's JIT, both servers' caches.
for mode in $modes; do
  for workload in select1 select-point; do
    for target in "$log_target" "$baseline"; do
      pgbench -n -c "$clients" -j "$threads" -T 1 -M "$mode" -f "$here/pgbench-$workload.sql" "$target" > /dev/null 2>&1 || true
    done
  done
done
echo "pgbench -n -c $clients -j $threads -T $seconds -M MODE -f SCRIPT, median of $runs runs, $(nproc) cores"

: > "$work/goal.met"
: > "$work/goal.missed"
printf "%-8s %-9s %12s %12s %8s\n" script mode "Log tps" "PG tps" "Log/PG"
for workload in select1 select-point; do
  script="$here/pgbench-$workload.sql"
  for mode in $modes; do
    : > "$work/log.runs"
    : > "$work/pg.runs"
    for _ in $(seq 1 "$runs"); do
      measure "$log_target" "$script" "$mode" >> "$work/log.runs"
      measure "$baseline" "$script" "$mode" >> "$work/pg.runs"
    done
    log_tps=$(median_of < "$work/log.runs")
    pg_tps=$(median_of < "$work/pg.runs")
    ratio=$(awk -v l="$log_tps" -v p="$pg_tps" 'BEGIN { printf "%.0f%%", (p > 0 ? 100 * l / p : 0) }')
    printf "%-8s %-9s %12.0f %12.0f %8s\n" "${workload#select-}" "$mode" "$log_tps" "$pg_tps" "$ratio"
    if [ "$workload" = select1 ]; then
      awk -v l="$log_tps" -v p="$pg_tps" 'BEGIN { exit !(l >= 0.8 * p) }' \
        && echo "$mode" >> "$work/goal.met" || echo "$mode" >> "$work/goal.missed"
    fi
  done
done
echo "goal (Log >= 80% of PostgreSQL's tps for SELECT 1): met in [ $(tr '\n' ' ' < "$work/goal.met")]," \
  "missed in [ $(tr '\n' ' ' < "$work/goal.missed")]"
