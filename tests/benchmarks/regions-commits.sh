#!/usr/bin/env bash
# Commits per second across regions: the DEV308 write transaction (dev308-write.sql: three single-row INSERTs, random
# keys, so no two clients conflict) run by 16 pgbench clients through region a alone, then by 16 clients in each of
# regions a and b at once, of two peered regions and a witness (tests/cluster/start-regions.sh) with a one-way delay
# between regions, at each adjudicator lead asked for; beside the single-region cluster (tests/cluster/start-cluster.sh
# -n 1 -s 1, 16 clients) in the same run. Each figure is the median over the runs of pgbench's transactions per second
# (without connection time), and the failed transactions of those runs.
#
# usage: tests/benchmarks/regions-commits.sh [seconds-per-run] [runs] [one-way-delay-ms] [lead-ms...]
#   (defaults 10, 3, 10, then the launcher's default lead and 50; a lead "default" is start-regions.sh's; LOG_BIN: a
#   folder holding a Release build of query-node, as for dev308.sh). After each regions topology, region a's adjudicator's
#   commit hops (adjudicator/README.md, "Figures (regions)") and its commits per record (every 10 s) are printed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/dev308-schema.sh"
root=$(cd "$here/../.." && pwd)
seconds=${1:-10}
runs=${2:-3}
delay=${3:-10}
shift $(( $# >= 3 ? 3 : $# ))
leads=("$@")
[ ${#leads[@]} -gt 0 ] || leads=(default 50)
clients=16

work=$(mktemp -d)
cluster_dir=""
stop_log() {
  if [ -n "$cluster_dir" ]; then "$root/tests/cluster/stop-cluster.sh" "$cluster_dir" > /dev/null 2>&1 || true; fi
  cluster_dir=""
}
cleanup() {
  stop_log
  rm -rf "$work"
}
trap cleanup EXIT

. "$root/tests/benchmarks/log-bin.sh"

target() { echo "host=127.0.0.1 port=$1 user=admin dbname=postgres sslmode=disable"; }
# The tables, made anew (DROP ... IF EXISTS notices kept out of the report).
schema() { dev308_schema "$(target "$1")" 2> >(grep -v '^NOTICE:' >&2); }

# Runs the write transaction with $clients clients on each port given, at once; prints "tps failed" per port.
run_once() { # ports...
  local index=0
  for port in "$@"; do
    (cd "$work" && pgbench -n -M simple -f "$here/dev308-write.sql" -c "$clients" -j 4 -T "$seconds" "$(target "$port")" \
      > "$work/pgbench.$index.out" 2>&1) &
    index=$((index + 1))
  done
  wait
  for index in $(seq 0 $(($# - 1))); do
    local tps failed
    tps=$(sed -n 's/^tps = \([0-9.]*\) (without initial connection time)/\1/p' "$work/pgbench.$index.out")
    failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$work/pgbench.$index.out")
    [ -n "$tps" ] || { cat "$work/pgbench.$index.out"; exit 1; }
    echo "$tps ${failed:-0}"
  done
}

median_of() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# Measures $runs runs through the ports given at once; prints one line: label, each port's median, their sum's median.
report() { # label, ports...
  local label=$1
  shift
  : > "$work/runs"
  for _ in $(seq 1 "$runs"); do
    run_once "$@" | paste -sd' ' >> "$work/runs"
  done
  local medians="" total failed
  for column in $(seq 1 $#); do
    medians="$medians $(awk -v c=$((2 * column - 1)) '{print $c}' "$work/runs" | median_of)"
  done
  total=$(awk '{ s = 0; for (i = 1; i <= NF; i += 2) s += $i; print s }' "$work/runs" | median_of)
  failed=$(awk '{ for (i = 2; i <= NF; i += 2) s += $i } END { print s + 0 }' "$work/runs")
  printf "%-44s %14s %12s %8s\n" "$label" "${medians# }" "$total" "$failed"
}

echo "load average at start: $(cat /proc/loadavg)"
printf "%-44s %14s %12s %8s\n" system "per region" "commits/s" failed

cluster_dir="$work/cluster"
"$root/tests/cluster/start-cluster.sh" -n 1 -s 1 -r 2 -d "$cluster_dir" -b "$bin" > "$work/cluster.out"
port=$(sed -n 's/^query-node [^ ]*:\([0-9]*\)$/\1/p' "$work/cluster.out")
schema "$port"
report "cluster (one region), $clients clients" "$port"
stop_log

for lead in "${leads[@]}"; do
  cluster_dir="$work/regions-$lead"
  lead_option=(-l "$lead")
  [ "$lead" != default ] || lead_option=()
  "$root/tests/cluster/start-regions.sh" -D "$delay" "${lead_option[@]}" -d "$cluster_dir" -b "$bin" > "$work/regions.out"
  a=$(sed -n 's/^query-node a [^ ]*:\([0-9]*\)$/\1/p' "$work/regions.out")
  b=$(sed -n 's/^query-node b [^ ]*:\([0-9]*\)$/\1/p' "$work/regions.out")
  schema "$a"
  report "regions ${delay} ms, lead $lead: a alone, $clients clients" "$a"
  report "regions ${delay} ms, lead $lead: a and b, $clients each" "$a" "$b"
  grep -ho "commit hops over .*" "$cluster_dir/adjudicator-a.log" | sed 's/^/  a: /' || true
  # Commits per record of region a's topic (several commits go out as one record while one is in flight).
  grep -ho "records of commits: .*" "$cluster_dir/adjudicator-a.log" | sed 's/^/  a: /' || true
  stop_log
done
echo "load average at end: $(cat /proc/loadavg)"
