#!/usr/bin/env bash
# Where reads wait in multi-region mode (storage-node/README.md, "Where reads wait"): starts two peered regions and a
# witness (tests/cluster/start-regions.sh) with a one-way delay, runs the DEV308 write and then read transactions
# through region a (one pgbench client, simple protocol), prints each run's median and p99, then region a's replica's
# and query node's wait summaries of those runs (RegionMergeWaits: per region, commits decided and shown after their
# commit timestamps, records held by a second copy after this region's, the resolved timestamp ahead of the clock;
# BEGIN's wait for the catalog feed). Builds are compared by running it with each, alternating.
#
# usage: tests/benchmarks/region-reads.sh [seconds-per-workload] [one-way-delay-ms] [bin-dir]
#   (defaults 10, 10, a Release build made here; LOG_REGION_LEAD_MS, LOG_REGION_OFFSET_MS, LOG_REGION_HEARTBEAT_MS as
#   for dev308.sh)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
. "$here/dev308-schema.sh"
seconds=${1:-10}
delay=${2:-10}
work=$(mktemp -d)
cluster_dir="$work/regions"
cleanup() {
  if [ -f "$cluster_dir/pids" ]; then "$root/tests/cluster/stop-cluster.sh" "$cluster_dir" > /dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
LOG_BIN=${3:-${LOG_BIN:-}}
. "$here/log-bin.sh"

echo "load average at start: $(cat /proc/loadavg)"
"$root/tests/cluster/start-regions.sh" -D "$delay" ${LOG_REGION_LEAD_MS:+-l "$LOG_REGION_LEAD_MS"} \
  ${LOG_REGION_OFFSET_MS:+-o "$LOG_REGION_OFFSET_MS"} ${LOG_REGION_HEARTBEAT_MS:+-H "$LOG_REGION_HEARTBEAT_MS"} \
  -d "$cluster_dir" -b "$bin" > "$work/start.out"
port=$(sed -n 's/^query-node a [^ ]*:\([0-9]*\)$/\1/p' "$work/start.out")
target="host=127.0.0.1 port=$port user=admin dbname=postgres sslmode=disable"
dev308_schema "$target"
for workload in write read; do
  rm -f "$work"/pgbench_log.*
  # The summaries of this workload only: the replica and the query node log one every 10 s.
  storage_from=$(wc -l < "$cluster_dir/storage-a.log")
  query_from=$(wc -l < "$cluster_dir/query-node-a.log")
  (cd "$work" && pgbench -n -M simple -f "$here/dev308-$workload.sql" -c 1 -T "$seconds" -l "$target" > "$work/pgbench.out" 2>&1) \
    || { cat "$work/pgbench.out"; exit 1; }
  sleep 11
  cat "$work"/pgbench_log.* | awk '{print $3}' | sort -n | awk -v name="$workload" '
    { v[NR] = $1 }
    END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; p = v[int(NR * 0.99 + 0.999999)]
          printf "%s: %d transactions, median %.3f ms, p99 %.3f ms\n", name, NR, m / 1000, p / 1000 }'
  tail -n +"$((storage_from + 1))" "$cluster_dir/storage-a.log" | grep -o "merge waits over .*" | sed 's/^/  replica a: /' || true
  tail -n +"$((query_from + 1))" "$cluster_dir/query-node-a.log" | grep -o "catalog feed waits.*" | sed 's/^/  query node a: /' || true
done
echo "load average at end: $(cat /proc/loadavg)"
