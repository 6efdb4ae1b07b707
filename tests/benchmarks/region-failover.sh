#!/usr/bin/env bash
# Failover time after the loss of a region (adjudicator/README.md, "Failover"): starts two peered regions and a witness
# (tests/cluster/start-regions.sh, 10 ms one-way between regions unless -D is given through START_REGIONS_ARGS), keeps
# one INSERT at a time committing through region a, kills every process of region b with SIGKILL (its proxies, journal,
# adjudicator, storage replica and query node, by the pids the launcher recorded), and measures the time from the kill
# to the first commit acknowledged in region a that began after it. Prints each run's figure and the median.
#
# usage: tests/benchmarks/region-failover.sh [runs]
#   (default 3; LOG_BIN: a folder holding a Release build of query-node (all roles) to use instead of building one;
#    the adjudicators run with their default --region-failover-ms)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
runs=${1:-3}
dir=""
bin=${LOG_BIN:-}
configuration=Release
. "$root/tests/cluster/roles.sh"
prepare_dir_and_bin log-region-failover
work=$dir
cleanup() {
  for started in "$work"/run-*; do
    if [ -f "$started/pids" ]; then "$root/tests/cluster/stop-cluster.sh" "$started" > /dev/null || true; fi
  done
  rm -rf "$work"
}
trap cleanup EXIT
now_ms() { date +%s%3N; }
figures=()
for run in $(seq 1 "$runs"); do
  dir="$work/run-$run"
  # shellcheck disable=SC2086
  "$root/tests/cluster/start-regions.sh" -b "$bin" -d "$dir" ${START_REGIONS_ARGS:-} > "$dir.addresses"
  address=$(sed -n 's/^query-node a //p' "$dir.addresses")
  url="postgresql://postgres@${address%:*}:${address##*:}/postgres"
  psql -qX "$url" -c "CREATE TABLE failover (id bigint PRIMARY KEY, at bigint)" > /dev/null
  id=0
  for _ in $(seq 1 20); do id=$((id + 1)); psql -qX "$url" -c "INSERT INTO failover VALUES ($id, $(now_ms))" > /dev/null; done
  echo "load before the kill: $(cat /proc/loadavg)"
  killed=$(now_ms)
  for name in query-node-b storage-b adjudicator-b journal-b proxy-b-a proxy-b-w; do
    pid=$(awk -v name="$name" '$2 == name { print $1 }' "$dir/pids")
    kill -KILL "$pid"
  done
  # The first INSERT begun after the kill waits for the seal; a failed one (none expected) is tried again.
  until id=$((id + 1)); psql -qX "$url" -c "INSERT INTO failover VALUES ($id, $(now_ms))" > /dev/null 2>> "$dir/failed.log"; do :; done
  acknowledged=$(now_ms)
  figures+=($((acknowledged - killed)))
  echo "run $run: failover ${figures[-1]} ms (kill to the first commit acknowledged in a); load $(cat /proc/loadavg)"
  # The seal's own part: from the decision to seal to the seal in both copies.
  grep -h "sealing its topic\|topic is sealed\|could not be sealed" "$dir/adjudicator-a.log" | cut -c1-100 || true
  "$root/tests/cluster/stop-cluster.sh" "$dir" > /dev/null
done
median=$(printf '%s\n' "${figures[@]}" | sort -n | awk '{ value[NR] = $1 } END { print (NR % 2) ? value[(NR + 1) / 2] : (value[NR / 2] + value[NR / 2 + 1]) / 2 }')
echo "failover ms: ${figures[*]}; median $median"
