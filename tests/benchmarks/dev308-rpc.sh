#!/usr/bin/env bash
# The cost of the adjudicator's RPC on the DEV308 write transaction (BEGIN; 3 INSERTs; COMMIT; one pgbench client,
# simple protocol): the same query node over the same standalone journal node, once with its adjudicator in process
# and once with the adjudicator as its own process reached over the RPC (tests/cluster/start-cluster.sh -n 1).
# Each setup runs alone (the other is stopped) so they do not share the CPU. Prints the median over the runs of each
# run's median and p99 transaction latency.
#
# usage: tests/benchmarks/dev308-rpc.sh [seconds-per-run] [runs]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
seconds=${1:-20}
runs=${2:-3}
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  [ -f "$work/cluster/pids" ] && "$root/tests/cluster/stop-cluster.sh" "$work/cluster" > /dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
dotnet build "$root/query-node" -c Release -o "$work/bin" > "$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }

wait_for() { # log file, pattern
  for _ in $(seq 1 240); do grep -q "$2" "$1" && return 0; sleep 0.25; done
  echo "not ready:"; cat "$1"; exit 1
}

setup() { # libpq target
  psql -X -q -v ON_ERROR_STOP=1 "$1" > /dev/null <<'SQL'
DROP TABLE IF EXISTS dev308_orders;
DROP TABLE IF EXISTS dev308_audit;
CREATE TABLE dev308_orders (id bigint PRIMARY KEY, customer text, amount numeric);
CREATE TABLE dev308_audit (id bigint PRIMARY KEY, note text);
SQL
}

# Prints "median_ms p99_ms transactions" of one pgbench run, from its per-transaction log.
measure() { # libpq target
  rm -f "$work"/pgbench_log.*
  (cd "$work" && pgbench -n -M simple -f "$here/dev308-write.sql" -c 1 -T "$seconds" -l "$1" > "$work/pgbench.out" 2>&1) \
    || { cat "$work/pgbench.out"; exit 1; }
  cat "$work"/pgbench_log.* | awk '{print $3}' | sort -n | awk '
    { v[NR] = $1 }
    END {
      m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
      p = v[int(NR * 0.99 + 0.999999)]
      printf "%.3f %.3f %d\n", m / 1000, p / 1000, NR
    }'
}

median_of() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

report() { # label, target
  setup "$2"
  : > "$work/runs"
  for _ in $(seq 1 "$runs"); do measure "$2" >> "$work/runs"; done
  printf "%-24s %12s %12s %12s\n" "$1" "$(awk '{print $1}' "$work/runs" | median_of)" \
    "$(awk '{print $2}' "$work/runs" | median_of)" "$(awk '{print $3}' "$work/runs" | median_of)"
}

printf "%-24s %12s %12s %12s\n" "adjudicator" "median ms" "p99 ms" "txns/run"

# In process: a journal node alone, and a query node that hosts its adjudicator.
dotnet "$work/bin/Log.Journal.dll" --port 0 --data "$work/journal" > "$work/journal.log" 2>&1 &
pids+=($!)
wait_for "$work/journal.log" "Journal node is ready"
journal=$(sed -n 's/.*kafka=\([^ ]*\).*/\1/p' "$work/journal.log")
dotnet "$work/bin/log.dll" --journal "$journal" --port 0 --data "$work/query-node" > "$work/query-node.log" 2>&1 &
pids+=($!)
wait_for "$work/query-node.log" "Log is ready"
port=$(sed -n 's/.*postgresql=[^ ]*:\([0-9]*\) .*/\1/p' "$work/query-node.log")
report "in process" "host=127.0.0.1 port=$port user=admin dbname=postgres sslmode=disable"
for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
pids=()

# Over the RPC: the same roles, the adjudicator in its own process.
"$root/tests/cluster/start-cluster.sh" -n 1 -s 1 -r 0 -d "$work/cluster" -b "$work/bin" > "$work/cluster.out"
port=$(sed -n 's/^query-node [^ ]*:\([0-9]*\)$/\1/p' "$work/cluster.out")
report "RPC (own process)" "host=127.0.0.1 port=$port user=admin dbname=postgres sslmode=disable"
