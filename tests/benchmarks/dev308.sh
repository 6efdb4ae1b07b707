#!/usr/bin/env bash
# The workload of the Aurora DSQL talk (re:Invent DEV308): a write transaction of three
# single-row INSERTs, and a read transaction of two point SELECTs, each run by one pgbench
# client over the simple protocol. Runs against Log and against a PostgreSQL in the same run,
# several times, and prints the median and p99 transaction latency of each.
#
# usage: tests/benchmarks/dev308.sh [seconds-per-run] [runs]
#   PGBASELINE: libpq connection string of the PostgreSQL to compare with
#               (default "host=127.0.0.1 port=5432 user=postgres password=postgres dbname=postgres")
#   LOG_TOPOLOGY: "all-in-one" (default: one process) or "cluster" (tests/cluster/start-cluster.sh -n 1: a journal
#               node, an adjudicator, storage replicas and a query node, each its own process)
#   LOG_STORAGE_REPLICAS: storage replicas of the cluster (default 2, read over the storage RPC; 0: the query node
#               keeps its own replica in process)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/dev308-schema.sh"
root=$(cd "$here/../.." && pwd)
seconds=${1:-20}
runs=${2:-3}
baseline=${PGBASELINE:-"host=127.0.0.1 port=5432 user=postgres password=postgres dbname=postgres"}
if [ "${LOG_TOPOLOGY:-all-in-one}" = cluster ]; then
  work=$(mktemp -d)
  cleanup() {
    [ -f "$work/cluster/pids" ] && "$root/tests/cluster/stop-cluster.sh" "$work/cluster" > /dev/null || true
    rm -rf "$work"
  }
  trap cleanup EXIT
  "$root/tests/cluster/start-cluster.sh" -n 1 -s 1 -r "${LOG_STORAGE_REPLICAS:-2}" -d "$work/cluster" > "$work/cluster.out"
  port=$(sed -n 's/^query-node [^ ]*:\([0-9]*\)$/\1/p' "$work/cluster.out")
  log_target="host=127.0.0.1 port=$port user=admin dbname=postgres sslmode=disable"
else
  . "$here/start-log.sh"
fi

# Prints "median_ms p99_ms transactions" of one pgbench run, from its per-transaction log.
measure() { # connection string, script
  rm -f "$work"/pgbench_log.*
  (cd "$work" && pgbench -n -M simple -f "$2" -c 1 -T "$seconds" -l "$1" > "$work/pgbench.out" 2>&1) \
    || { cat "$work/pgbench.out"; exit 1; }
  cat "$work"/pgbench_log.* | awk '{print $3}' | sort -n | awk '
    { v[NR] = $1 }
    END {
      if (NR == 0) { print "nan nan 0"; exit }
      m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
      p = v[int(NR * 0.99 + 0.999999)]
      printf "%.3f %.3f %d\n", m / 1000, p / 1000, NR
    }'
}

median_of() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "setting up Log (port $port) and PostgreSQL ($baseline)"
dev308_schema "$log_target"
dev308_schema "$baseline"

printf "%-12s %-6s %12s %12s %12s\n" workload system "median ms" "p99 ms" "txns/run"
for workload in write read; do
  for system in log postgresql; do
    target=$log_target; [ "$system" = postgresql ] && target=$baseline
    : > "$work/runs"
    for _ in $(seq 1 "$runs"); do measure "$target" "$here/dev308-$workload.sql" >> "$work/runs"; done
    printf "%-12s %-6s %12s %12s %12s\n" "$workload" "$system" \
      "$(awk '{print $1}' "$work/runs" | median_of)" "$(awk '{print $2}' "$work/runs" | median_of)" \
      "$(awk '{print $3}' "$work/runs" | median_of)"
  done
done
