#!/usr/bin/env bash
# pgbench's built-in TPC-B ("sort of") on Log beside PostgreSQL, in the same run: pgbench -i at
# scale SCALE on each (Log loads with PGOPTIONS='-c log.copy_batch_rows=...', as its README says),
# then RUNS alternating runs of pgbench -c CLIENTS -j THREADS -T SECONDS --max-tries=TRIES on each.
# Prints the median TPS of each, the Log/PostgreSQL ratio, the failed transactions (those that
# still conflicted after TRIES tries), and checks after each run on Log that sum(abalance) =
# sum(bbalance) = sum(tbalance) and that they moved by sum(history.delta) (pgbench empties
# pgbench_history before each run).
#
# Every TPC-B transaction updates its branch row, and scale 1 has one branch: under optimistic
# concurrency the clients' transactions conflict on it and are retried (PostgreSQL makes them wait
# on the row lock instead). pgbench's docs ask for a scale at least the number of clients; SCALE=4
# shows Log with the contention pgbench intends.
#
# usage: tests/benchmarks/pgbench-tpcb.sh [seconds-per-run] [runs]
#   PGBASELINE: libpq connection string of the PostgreSQL server to compare with; the benchmark
#               creates and drops a database of its own there (default host=127.0.0.1 port=5432
#               user=postgres password=postgres)
#   SCALE, CLIENTS, THREADS, TRIES: pgbench -s, -c, -j, --max-tries (default 1, 4, 2, 10)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
seconds=${1:-10}
runs=${2:-3}
baseline_server=${PGBASELINE:-"host=127.0.0.1 port=5432 user=postgres password=postgres"}
scale=${SCALE:-1}
clients=${CLIENTS:-4}
threads=${THREADS:-2}
tries=${TRIES:-10}
baseline_database="log_tpcb_$$"
. "$here/start-log.sh"
baseline="$baseline_server dbname=$baseline_database sslmode=disable"
psql -X -q "$baseline_server dbname=postgres sslmode=disable" -c "CREATE DATABASE $baseline_database" > /dev/null
drop_baseline() { psql -X -q "$baseline_server dbname=postgres sslmode=disable" -c "DROP DATABASE IF EXISTS $baseline_database" > /dev/null 2>&1 || true; }
trap 'drop_baseline; cleanup' EXIT

initialize() { # connection string, PGOPTIONS
  PGOPTIONS="$2" pgbench -i -q -s "$scale" "$1" > "$work/init.out" 2>&1 \
    || { echo "pgbench -i failed against $1:" >&2; cat "$work/init.out" >&2; exit 1; }
  sed -n 's/^done in \(.*\)/  \1/p' "$work/init.out"
}

# Prints "tps failed" of one run (TPS excluding connection time).
measure() { # connection string
  pgbench -c "$clients" -j "$threads" -T "$seconds" --max-tries="$tries" "$1" > "$work/run.out" 2>&1 \
    || { echo "pgbench failed against $1:" >&2; cat "$work/run.out" >&2; exit 1; }
  tps=$(sed -n 's/^tps = \([0-9.]*\) (without initial connection time)/\1/p' "$work/run.out")
  failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$work/run.out")
  echo "$tps ${failed:-0}"
}

balances() { psql -X -A -t "$log_target" -c "SELECT (SELECT sum(abalance) FROM pgbench_accounts), (SELECT sum(bbalance) FROM pgbench_branches), (SELECT sum(tbalance) FROM pgbench_tellers), (SELECT coalesce(sum(delta), 0) FROM pgbench_history)"; }

# After a run on Log: the three totals agree and moved by the run's history.
check_balances() { # totals before the run (a|b|t|h)
  after=$(balances)
  awk -F'|' -v before="$1" 'BEGIN { split(before, b, "|") } { exit !($1 == $2 && $2 == $3 && $1 - b[1] == $4) }' <<< "$after" \
    || { echo "balances disagree on Log: before $1, after $after (accounts|branches|tellers|history)" >&2; exit 1; }
}

median_of() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "pgbench -i -s $scale: Log (port $port, log.copy_batch_rows=2000), PostgreSQL (database $baseline_database)"
initialize "$log_target" "-c log.copy_batch_rows=2000"
initialize "$baseline" ""
echo "pgbench -c $clients -j $threads -T $seconds --max-tries=$tries (TPC-B), median of $runs runs, $(nproc) cores"
: > "$work/log.runs"
: > "$work/pg.runs"
for _ in $(seq 1 "$runs"); do
  before=$(balances)
  measure "$log_target" >> "$work/log.runs"
  check_balances "$before"
  measure "$baseline" >> "$work/pg.runs"
done
log_tps=$(cut -d' ' -f1 "$work/log.runs" | median_of)
pg_tps=$(cut -d' ' -f1 "$work/pg.runs" | median_of)
log_failed=$(cut -d' ' -f2 "$work/log.runs" | tr '\n' ' ')
pg_failed=$(cut -d' ' -f2 "$work/pg.runs" | tr '\n' ' ')
ratio=$(awk -v l="$log_tps" -v p="$pg_tps" 'BEGIN { printf "%.0f%%", (p > 0 ? 100 * l / p : 0) }')
printf "%-12s %10s %22s\n" server "tps" "failed per run"
printf "%-12s %10.0f %22s\n" Log "$log_tps" "$log_failed"
printf "%-12s %10.0f %22s\n" PostgreSQL "$pg_tps" "$pg_failed"
echo "Log/PostgreSQL: $ratio"

echo "Log balances agreed with the history after every run: $(balances) (accounts|branches|tellers|history)"
