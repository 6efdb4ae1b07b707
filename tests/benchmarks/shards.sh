#!/usr/bin/env bash
# Commits per second with 16 pgbench clients over 1 and 2 adjudicator shards, in two topologies: the all-in-one
# database (--shards N, every shard in the query node's process) and the cluster of processes
# (tests/cluster/start-cluster.sh -n 1 -s N -r 0: a journal node, one adjudicator process per shard, one query node
# with its own replica). Each transaction of the first workload inserts one row into one of four tables; tables are
# routed to shards by id (TableShardRouter), so with 2 shards two tables commit on each shard, and every transaction
# stays on one shard. The second workload inserts into two tables of different shards in one transaction: with 2 shards
# every such commit is cross-shard (prepares on both shards, the decision on the first; between processes, over the
# adjudicator RPC).
#
# usage: tests/benchmarks/shards.sh [seconds-per-run] [runs] [topologies...]   (topologies: in-process cluster; default both)
# Prints one line per topology, shard count and workload: the median of the runs' commits per second, each run's figure,
# the transactions pgbench counted as failed after its retries, and the clients that stopped on an error (a run with
# aborted clients measured fewer clients) over all runs.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
seconds=${1:-15}
runs=${2:-3}
shift $(( $# >= 2 ? 2 : $# ))
topologies=("$@")
[ ${#topologies[@]} -gt 0 ] || topologies=(in-process cluster)
clients=16

work=$(mktemp -d)
server_pid=""
cluster_dir=""
cleanup() {
  if [ -n "$server_pid" ]; then kill -9 "$server_pid" 2>/dev/null || true; fi
  if [ -n "$cluster_dir" ]; then "$root/tests/cluster/stop-cluster.sh" "$cluster_dir" > /dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# One Release build for every run: its output holds every role.
dotnet build "$root/query-node" -c Release -o "$work/bin" > "$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }

median_of() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

for table in 0 1 2 3; do
  printf '\\set id random(1, 4000000000000000)\nINSERT INTO shards_t%s (id, note) VALUES (:id, %s);\n' "$table" "'x'" > "$work/one-$table.sql"
done
printf '\\set id random(1, 4000000000000000)\nBEGIN;\nINSERT INTO shards_t0 (id, note) VALUES (:id, %s);\nINSERT INTO shards_t1 (id, note) VALUES (:id, %s);\nCOMMIT;\n' "'x'" "'x'" > "$work/two.sql"

run_workloads() { # topology, shard count, libpq target
  local topology=$1 shards=$2 target=$3
  for table in 0 1 2 3; do
    psql "$target" -q -c "CREATE TABLE shards_t$table (id bigint PRIMARY KEY, note text)" > /dev/null
  done
  for workload in one-table two-tables; do
    : > "$work/runs"
    local failed=0 aborted=0
    for _ in $(seq 1 "$runs"); do
      if [ "$workload" = one-table ]; then
        files=(-f "$work/one-0.sql" -f "$work/one-1.sql" -f "$work/one-2.sql" -f "$work/one-3.sql")
      else
        files=(-f "$work/two.sql")
      fi
      # Conflicts (40001) are retried, as an application would; anything else aborts the client and is counted below.
      pgbench -n -M simple --max-tries 10 "${files[@]}" -c "$clients" -j 4 -T "$seconds" "$target" > "$work/pgbench.out" 2>&1 \
        || { cat "$work/pgbench.out"; exit 1; }
      sed -n 's/^tps = \([0-9.]*\) .*/\1/p' "$work/pgbench.out" >> "$work/runs"
      failed=$((failed + $(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$work/pgbench.out" | head -1 | grep . || echo 0)))
      aborted=$((aborted + $(grep -c 'aborted in command' "$work/pgbench.out" || true)))
    done
    printf "%-11s %-7s %-12s %12s   runs: %s  failed: %s  clients aborted: %s\n" "$topology" "$shards" "$workload" \
      "$(median_of < "$work/runs")" "$(tr '\n' ' ' < "$work/runs" | xargs printf '%.0f ')" "$failed" "$aborted"
  done
}

run_in_process() { # shard count
  local data="$work/data-$1"
  dotnet "$work/bin/log.dll" --port 0 --journal-port 0 --data "$data" --shards "$1" > "$work/server.log" 2>&1 &
  server_pid=$!
  disown "$server_pid"  # killed below or at exit; no job report for it
  for _ in $(seq 1 240); do
    grep -q "Log is ready" "$work/server.log" && break
    sleep 0.5
  done
  local port
  port=$(sed -n 's/.*Log is ready: postgresql=[^ ]*:\([0-9]*\) .*/\1/p' "$work/server.log")
  [ -n "$port" ] || { echo "Log did not start:"; cat "$work/server.log"; exit 1; }
  run_workloads in-process "$1" "host=127.0.0.1 port=$port user=admin dbname=postgres sslmode=disable"
  kill -9 "$server_pid" 2>/dev/null || true
  server_pid=""
  rm -rf "$data"
}

run_cluster() { # shard count
  cluster_dir="$work/cluster-$1"
  "$root/tests/cluster/start-cluster.sh" -n 1 -s "$1" -r 0 -d "$cluster_dir" -b "$work/bin" > "$work/cluster.out" \
    || { cat "$work/cluster.out"; exit 1; }
  local address
  address=$(sed -n 's/^query-node \(.*\)$/\1/p' "$work/cluster.out")
  run_workloads cluster "$1" "host=${address%:*} port=${address##*:} user=admin dbname=postgres sslmode=disable"
  "$root/tests/cluster/stop-cluster.sh" "$cluster_dir" --remove > /dev/null
  cluster_dir=""
}

printf "%-11s %-7s %-12s %12s\n" topology shards workload "commits/s"
echo "(load average at start: $(cut -d' ' -f1-3 /proc/loadavg))"
for topology in "${topologies[@]}"; do
  for shards in 1 2; do
    case $topology in
      in-process) run_in_process "$shards" ;;
      cluster) run_cluster "$shards" ;;
      *) echo "unknown topology $topology (in-process, cluster)" >&2; exit 2 ;;
    esac
  done
done
