#!/usr/bin/env bash
# The workload of the Aurora DSQL talk (re:Invent DEV308): a write transaction of three
# single-row INSERTs, and a read transaction of two point SELECTs, each run by one pgbench
# client over the simple protocol. Runs against Log in each topology asked for (each started
# fresh and alone, then stopped) and against a PostgreSQL in the same run, several times, and
# prints the median over the runs of each run's median and p99 transaction latency.
#
# usage: tests/benchmarks/dev308.sh [seconds-per-run] [runs] [topologies...]
#   topologies: all-in-one (one process; the default), cluster (tests/cluster/start-cluster.sh -n 1 -s 1: a journal
#               node, an adjudicator, storage replicas and a query node, each its own process), cluster-S (the same
#               with S adjudicator shards, e.g. cluster-2), regions (tests/cluster/start-regions.sh: two peered
#               regions and a witness, 10 ms one-way between regions; the workloads run through region a), regions-D
#               (the same with D ms one way). LOG_TOPOLOGY (one of them) is read when none is given.
#   PGBASELINE: libpq connection string of the PostgreSQL to compare with
#               (default "host=127.0.0.1 port=5432 user=postgres password=postgres dbname=postgres")
#   LOG_BIN: a folder holding a Release build of query-node (all roles) to use instead of building one
#   LOG_REGION_LEAD_MS: the adjudicators' --region-lead-ms in the regions topologies (default: start-regions.sh's)
#   LOG_REGION_OFFSET_MS, LOG_REGION_HEARTBEAT_MS: their --region-clock-offset-ms and --region-heartbeat-ms (the same)
#   LOG_STORAGE_REPLICAS: storage replicas of a cluster (default 2, read over the storage RPC; 0: the query node
#               keeps its own replica in process)
# Example, everything in one run: tests/benchmarks/dev308.sh 10 3 all-in-one cluster cluster-2
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/dev308-schema.sh"
root=$(cd "$here/../.." && pwd)
seconds=${1:-20}
runs=${2:-3}
shift $(( $# >= 2 ? 2 : $# ))
topologies=("$@")
[ ${#topologies[@]} -gt 0 ] || topologies=("${LOG_TOPOLOGY:-all-in-one}")
baseline=${PGBASELINE:-"host=127.0.0.1 port=5432 user=postgres password=postgres dbname=postgres"}

work=$(mktemp -d)
server_pid=""
cluster_dir=""
stop_log() {
  if [ -n "$server_pid" ]; then kill -9 "$server_pid" 2>/dev/null || true; fi
  if [ -n "$cluster_dir" ]; then "$root/tests/cluster/stop-cluster.sh" "$cluster_dir" > /dev/null 2>&1 || true; fi
  server_pid=""
  cluster_dir=""
}
cleanup() {
  stop_log
  rm -rf "$work"
}
trap cleanup EXIT

# One Release build for every topology.
. "$root/tests/benchmarks/log-bin.sh"

# Starts Log in a topology on ephemeral ports and its own folders; sets log_target.
start_log() { # topology
  local port=""
  case $1 in
    all-in-one)
      dotnet "$bin/log.dll" --port 0 --journal-port 0 --data "$work/$1" > "$work/$1.log" 2>&1 &
      server_pid=$!
      disown "$server_pid"  # killed by stop_log; no job report for it
      for _ in $(seq 1 240); do grep -q "Log is ready" "$work/$1.log" && break; sleep 0.25; done
      port=$(sed -n 's/.*Log is ready: postgresql=[^ ]*:\([0-9]*\) .*/\1/p' "$work/$1.log")
      [ -n "$port" ] || { echo "Log did not start:"; cat "$work/$1.log"; exit 1; }
      ;;
    cluster|cluster-[0-9]*)
      local shards=${1#cluster}
      shards=${shards#-}
      cluster_dir="$work/$1"
      "$root/tests/cluster/start-cluster.sh" -n 1 -s "${shards:-1}" -r "${LOG_STORAGE_REPLICAS:-2}" -d "$cluster_dir" \
        -b "$bin" > "$work/$1.out"
      port=$(sed -n 's/^query-node [^ ]*:\([0-9]*\)$/\1/p' "$work/$1.out")
      ;;
    regions|regions-[0-9]*)
      local delay=${1#regions}
      delay=${delay#-}
      cluster_dir="$work/$1"
      "$root/tests/cluster/start-regions.sh" -D "${delay:-10}" ${LOG_REGION_LEAD_MS:+-l "$LOG_REGION_LEAD_MS"} \
        ${LOG_REGION_OFFSET_MS:+-o "$LOG_REGION_OFFSET_MS"} ${LOG_REGION_HEARTBEAT_MS:+-H "$LOG_REGION_HEARTBEAT_MS"} -d "$cluster_dir" -b "$bin" \
        > "$work/$1.out"
      port=$(sed -n 's/^query-node a [^ ]*:\([0-9]*\)$/\1/p' "$work/$1.out")
      ;;
    *) echo "unknown topology $1 (all-in-one, cluster, cluster-S, regions, regions-D)" >&2; exit 2 ;;
  esac
  log_target="host=127.0.0.1 port=$port user=admin dbname=postgres sslmode=disable"
}

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

# Runs both workloads against one system; prints a line per workload.
report() { # label, libpq target
  dev308_schema "$2"
  for workload in write read; do
    : > "$work/runs"
    for _ in $(seq 1 "$runs"); do measure "$2" "$here/dev308-$workload.sql" >> "$work/runs"; done
    printf "%-8s %-12s %12s %12s %12s\n" "$workload" "$1" \
      "$(awk '{print $1}' "$work/runs" | median_of)" "$(awk '{print $2}' "$work/runs" | median_of)" \
      "$(awk '{print $3}' "$work/runs" | median_of)"
  done
}

echo "load average at start: $(cat /proc/loadavg)"
printf "%-8s %-12s %12s %12s %12s\n" workload system "median ms" "p99 ms" "txns/run"
for topology in "${topologies[@]}"; do
  start_log "$topology"
  report "$topology" "$log_target"
  # Where region a's commits spent their time (RegionCommitHops: a line per 10 s with commits; builds before it have none).
  case $topology in
    regions*) grep -ho "commit hops over .*" "$cluster_dir/adjudicator-a.log" | sed 's/^/  a: /' || true ;;
  esac
  stop_log
done
report postgresql "$baseline"
echo "load average at end: $(cat /proc/loadavg)"
