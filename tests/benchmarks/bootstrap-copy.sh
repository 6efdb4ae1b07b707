#!/usr/bin/env bash
# How long a new storage replica takes to copy another replica's checkpoint over the storage RPC
# (storage-node serve --bootstrap-from), with one chunk call per round trip and with several in flight, in one run.
# Starts a cluster (tests/cluster/start-cluster.sh -n 1 -s 1 -r 1), loads ROWS rows through its query node, then starts a
# new replica for each setting on an empty folder, bootstrapping from the first one, and reads from its log (whose lines
# carry their times) how long the copy took, from "Copying a checkpoint" to "Copied checkpoint" (the source takes a new
# checkpoint first; that is inside the figure), and how long from its process start until it was ready. Each new replica
# is stopped before the next.
#
# usage: tests/benchmarks/bootstrap-copy.sh [rows] [chunks-in-flight settings...]   (default: 1000000 rows; 1 8)
#   LOG_BIN: a folder holding a Release build of query-node (all roles) to use instead of building one
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
rows=${1:-1000000}
shift $(( $# >= 1 ? 1 : 0 ))
settings=("$@")
[ ${#settings[@]} -gt 0 ] || settings=(1 8)
batch=3000    # rows per INSERT (a transaction modifies at most 3000)
streams=4    # loading connections

work=$(mktemp -d)
copy_pid=""
cleanup() {
  if [ -n "$copy_pid" ]; then kill -9 "$copy_pid" 2>/dev/null || true; fi
  [ -f "$work/cluster/pids" ] && "$root/tests/cluster/stop-cluster.sh" "$work/cluster" > /dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

. "$root/tests/benchmarks/log-bin.sh"
"$root/tests/cluster/start-cluster.sh" -n 1 -s 1 -r 1 -d "$work/cluster" -b "$bin" > "$work/cluster.out"
journal=$(sed -n 's/^journal //p' "$work/cluster.out")
source_replica=$(sed -n 's/^storage //p' "$work/cluster.out")
port=$(sed -n 's/^query-node [^ ]*:\([0-9]*\)$/\1/p' "$work/cluster.out")
target="host=127.0.0.1 port=$port user=admin dbname=postgres sslmode=disable"

echo "load average at start: $(cat /proc/loadavg)"
begin=$(date +%s)
psql "$target" -qc "CREATE TABLE bootstrap_copy (id bigint PRIMARY KEY, amount bigint NOT NULL, note text)"
for ((stream = 0; stream < streams; stream++)); do
  for ((from = 1 + stream * batch; from <= rows; from += streams * batch)); do
    until=$((from + batch - 1)); ((until > rows)) && until=$rows
    echo "INSERT INTO bootstrap_copy SELECT g, g % 1000, 'note ' || g FROM generate_series(${from}::bigint, ${until}::bigint) g;"
  done | psql -v ON_ERROR_STOP=1 "$target" -q > /dev/null &
done
wait
[ "$(psql "$target" -Atc "SELECT count(*) FROM bootstrap_copy")" = "$rows" ] || { echo "the load did not complete"; exit 1; }
echo "loaded $rows rows in $(( $(date +%s) - begin )) s"

# Seconds between the first lines matching two patterns of a log whose lines start with HH:MM:SS.fff.
seconds_between() { # log, first pattern, second pattern
  local first second
  first=$(grep -m1 "$2" "$1" | cut -d' ' -f1)
  second=$(grep -m1 "$3" "$1" | cut -d' ' -f1)
  awk -v a="$first" -v b="$second" 'function s(t, p) { split(t, p, ":"); return p[1] * 3600 + p[2] * 60 + p[3] }
    BEGIN { d = s(b) - s(a); if (d < 0) d += 86400; printf "%.2f", d }'
}

printf "%-18s %10s %12s %10s %12s\n" "chunks in flight" "copy s" "bytes" "MiB/s" "ready s"
run=0
for setting in "${settings[@]}"; do
  run=$((run + 1))
  log="$work/copy-$run.log"
  started=$(date +%s.%N)
  dotnet "$bin/Log.StorageNode.dll" serve --journal "$journal" --port 0 --data "$work/copy-$run" \
    --bootstrap-from "$source_replica" --bootstrap-chunks-in-flight "$setting" > "$log" 2>&1 &
  copy_pid=$!
  disown "$copy_pid"
  for _ in $(seq 1 6000); do
    grep -q "Storage node is ready" "$log" && break
    kill -0 "$copy_pid" 2>/dev/null || { echo "the new replica exited:"; tail -20 "$log"; exit 1; }
    sleep 0.05
  done
  ready=$(echo "$(date +%s.%N) - $started" | bc)
  grep -q "Copied checkpoint" "$log" || { echo "no checkpoint was copied:"; tail -20 "$log"; exit 1; }
  bytes=$(sed -n 's/.*Copied checkpoint.* files, \([0-9]*\) bytes.*/\1/p' "$log" | head -1)
  copy=$(seconds_between "$log" "Copying a checkpoint" "Copied checkpoint")
  printf "%-18s %10s %12s %10s %12.2f\n" "$setting" "$copy" "$bytes" \
    "$(awk -v b="$bytes" -v s="$copy" 'BEGIN { if (s > 0) printf "%.0f", b / 1048576 / s; else print "-" }')" "$ready"
  kill -TERM "$copy_pid"
  while kill -0 "$copy_pid" 2>/dev/null; do sleep 0.1; done
  copy_pid=""
done
echo "load average at end: $(cat /proc/loadavg)"
