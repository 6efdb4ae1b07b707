#!/usr/bin/env bash
# Replay rate of the storage node's replay tool (issue 11): loads ROWS rows into one all-in-one Log (INSERT ... SELECT of
# LOAD_BATCH_ROWS rows per statement, LOAD_STREAMS connections at once), then runs
# `storage-node -- replay --from beginning` of its journal, over the journal node's Kafka protocol, into a new folder
# RUNS times, and prints each run's writes/s (wall clock, from the first fetch to the last write applied) and writes per
# second of the tool's CPU time (every thread of the process over the same span: on a loaded machine the wall clock says
# how much of the cores the tool got, the CPU time what the replay costs), with their medians.
# The first run's digest is compared with the live database's.
#
# With BASELINE (the path of another source tree of Log, e.g. an export of main), each run also replays with that
# build's tool right after this one's, so the two compare under the same load.
#
# usage: tests/benchmarks/replay.sh
#   ROWS (1000000), RUNS (5), LOAD_BATCH_ROWS (3000), LOAD_STREAMS (2), BASELINE (none)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
rows=${ROWS:-1000000}
runs=${RUNS:-5}
batch=${LOAD_BATCH_ROWS:-3000}
streams=${LOAD_STREAMS:-2}

# Builds Log in Release and starts it (sets work, server_pid, port, log_target; kills it and removes the folder at exit).
source "$here/start-log.sh"
table=replay_big
source "$here/restart-helpers.sh"
dotnet build "$root/storage-node" -c Release -o "$work/tool" > "$work/tool-build.log" 2>&1 || { cat "$work/tool-build.log"; exit 1; }
if [ -n "${BASELINE:-}" ]; then
  dotnet build "$BASELINE/storage-node" -c Release -o "$work/base-tool" > "$work/base-build.log" 2>&1 || { cat "$work/base-build.log"; exit 1; }
fi

load_rows
wait
count=$(psql "$log_target" -Atc "SELECT count(*) FROM $table")
[ "$count" = "$rows" ] || { echo "loaded $count rows, expected $rows"; exit 1; }
echo "loaded $rows rows; load average $(cut -d' ' -f1-3 /proc/loadavg)"

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

# Prints the replay's output lines and sets rate (writes/s), cpu_rate (writes per CPU-second) and digest_line.
replay_with() {
  local bin=$1 output
  output=$(dotnet "$bin/Log.StorageNode.dll" replay --journal "127.0.0.1:$kafka_port" --from beginning --data "$work/replay" 2>/dev/null)
  rm -rf "$work/replay"
  rate=$(echo "$output" | sed -n 's/^replayed .* \([0-9]*\) writes\/s$/\1/p')
  local writes cpu
  writes=$(echo "$output" | sed -n 's/^replayed [0-9]* records (\([0-9]*\) writes).*/\1/p')
  cpu=$(echo "$output" | sed -n 's/^replayed .*(\([0-9.]*\) s of CPU).*/\1/p')
  cpu_rate=-  # a build whose tool does not print its CPU time
  if [ -n "$cpu" ]; then cpu_rate=$(echo "$writes / $cpu" | bc); fi
  digest_line=$(echo "$output" | grep "^digest")
  echo "$output" | grep "^replayed"
}

ours=() base=() ours_cpu=() base_cpu=()
for ((run = 1; run <= runs; run++)); do
  replay_with "$work/tool"
  ours+=("$rate") ours_cpu+=("$cpu_rate")
  if ((run == 1)); then
    live=$(psql "$log_target" -Atc "SELECT sys.state_digest($(echo "$digest_line" | sed -n 's/^digest .* timestamp \([0-9]*\) .*/\1/p'))")
    [ "$live" = "$(echo "$digest_line" | sed -n 's/^digest \([0-9a-f]*\) .*/\1/p')" ] || { echo "replayed digest differs from the live one ($live)"; exit 1; }
    echo "the replayed digest equals the live database's"
  fi
  if [ -n "${BASELINE:-}" ]; then
    echo -n "baseline: "
    replay_with "$work/base-tool"
    base+=("$rate") base_cpu+=("$cpu_rate")
  fi
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "replay: median $(printf '%s\n' "${ours[@]}" | median) writes/s (runs: ${ours[*]}), $(printf '%s\n' "${ours_cpu[@]}" | median) writes per CPU-second (runs: ${ours_cpu[*]})"
if [ -n "${BASELINE:-}" ]; then
  echo "baseline: median $(printf '%s\n' "${base[@]}" | median) writes/s (runs: ${base[*]}), per CPU-second: ${base_cpu[*]}"
fi
