#!/usr/bin/env bash
# Restart time and replay rate of the storage node (issue 11), on one all-in-one Log:
#   load ROWS rows (INSERT ... SELECT of LOAD_BATCH_ROWS rows per statement, LOAD_STREAMS connections at once), then
#   full    kill -9, delete the checkpoints' manifests, start: the node replays the journal from offset 0 (as every
#           start did before checkpoints)
#   crash   SELECT sys.checkpoint(), kill -9, start: the node recovers the checkpoint and replays what follows it
#   clean   SIGTERM (the node takes a last checkpoint), start: it recovers it and replays nothing
#   keyless the same with the checkpoint's key file deleted: the ordered index is rebuilt from a scan of FASTER's log
#           (once; the log lines say how long reading the key file and the scan took)
# each timed from the process start until the first answered query that reads the table (median of RUNS), and
#   replay  storage-node -- replay --from beginning of the same journal into a new folder: records/s and writes/s
# It prints the figures and the data folder's size.
#
# The timed starts run the build published with ReadyToRun (as the Dockerfile's image is; READY_TO_RUN=0: the plain
# build), and with COMPARE_JIT=1 (the default with ReadyToRun) each crash and clean run also starts the plain build,
# whose code the JIT compiles as it first runs, right after, on a checkpoint of its own.
# With BASELINE (the path of another source tree of Log, e.g. an export of main), each crash run also starts that
# build after kill -9 on the same checkpoint, right after this one, so the two compare under the same load.
#
# usage: tests/benchmarks/restart.sh
#   ROWS (1000000), RUNS (3), LOAD_BATCH_ROWS (3000), LOAD_STREAMS (2), READY_TO_RUN (1), COMPARE_JIT (1), BASELINE (none),
#   FULL_REPLAY (1; 0 skips the replay tool and the full replay and keyless starts), KEEP_LOGS (a folder to copy the
#   server's logs to)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
rows=${ROWS:-1000000}
runs=${RUNS:-3}
batch=${LOAD_BATCH_ROWS:-3000}
streams=${LOAD_STREAMS:-2}

# Builds Log in Release and starts it (sets work, server_pid, port, log_target; kills it and removes the folder at exit).
source "$here/start-log.sh"
keep_logs() { if [ -n "${KEEP_LOGS:-}" ]; then mkdir -p "$KEEP_LOGS" && cp "$work"/server*.log "$KEEP_LOGS"/; fi; }
trap 'keep_logs; cleanup' EXIT
table=restart_big
source "$here/restart-helpers.sh"
ready_to_run=${READY_TO_RUN:-1}
compare_jit=${COMPARE_JIT:-$ready_to_run}
if [ "$ready_to_run" = 1 ]; then
  publish_ready_to_run "$work/r2r-bin"
  log_bin="$work/r2r-bin"
fi
if [ -n "${BASELINE:-}" ]; then
  dotnet build "$BASELINE/query-node" -c Release -o "$work/base-bin" > "$work/base-build.log" 2>&1 || { cat "$work/base-build.log"; exit 1; }
fi

load_start=$(date +%s.%N)
load_rows
wait
load_seconds=$(echo "$(date +%s.%N) - $load_start" | bc)
count=$(psql "$log_target" -Atc "SELECT count(*) FROM $table")
[ "$count" = "$rows" ] || { echo "loaded $count rows, expected $rows"; exit 1; }
echo "loaded $rows rows in ${load_seconds} s"

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

# The replay tool, while the database (and its journal) runs.
if [ "${FULL_REPLAY:-1}" = 1 ]; then
  replay=$(dotnet "$work/bin/Log.StorageNode.dll" replay --journal "127.0.0.1:$kafka_port" --from beginning --data "$work/replay" 2>/dev/null)
  echo "$replay" | grep -E "^replayed|^digest"
  live=$(psql "$log_target" -Atc "SELECT sys.state_digest($(echo "$replay" | sed -n 's/^digest .* timestamp \([0-9]*\) .*/\1/p'))")
  [ "$live" = "$(echo "$replay" | sed -n 's/^digest \([0-9a-f]*\) .*/\1/p')" ] || { echo "replayed digest differs from the live one ($live)"; exit 1; }
  echo "the replayed digest equals the live database's"
  rm -rf "$work/replay"
fi

full=(); crash=(); clean=(); base=(); jit_crash=(); jit_clean=()
for ((run = 1; run <= runs; run++)); do
  if [ "${FULL_REPLAY:-1}" = 1 ]; then
    stop_kill; rm -rf "$work/data/storage/manifests"
    timed_start "full$run"; full+=("$elapsed")
  fi
  psql "$log_target" -Atc "SELECT sys.checkpoint()" > /dev/null
  stop_kill
  timed_start "crash$run"; crash+=("$elapsed")
  if [ -n "${BASELINE:-}" ]; then
    # A checkpoint of its own: one recovered and run on since may no longer pass its checks (see the log lines below).
    psql "$log_target" -Atc "SELECT sys.checkpoint()" > /dev/null
    stop_kill
    log_bin="$work/base-bin" timed_start "base$run"; base+=("$elapsed")
  fi
  if [ "$compare_jit" = 1 ]; then
    psql "$log_target" -Atc "SELECT sys.checkpoint()" > /dev/null
    stop_kill
    log_bin="$work/bin" timed_start "jitcrash$run"; jit_crash+=("$elapsed")
  fi
  stop_clean
  timed_start "clean$run"; clean+=("$elapsed")
  if [ "$compare_jit" = 1 ]; then
    stop_clean
    log_bin="$work/bin" timed_start "jitclean$run"; jit_clean+=("$elapsed")
  fi
done
# The ordered index from the log instead of the key file.
keyless=skipped
if [ "${FULL_REPLAY:-1}" = 1 ]; then stop_clean; rm -f "$work/data/storage/keys/"*.keys; timed_start keyless; keyless=$elapsed; fi
grep -h "recovered checkpoint\|replaying the journal from offset 0" "$work"/server*.log | sed 's/^.*Storage node/Storage node/' | sort | uniq -c
{ grep -h "is not used" "$work"/server*.log || true; } | sed 's/^.*Checkpoint/Checkpoint/' | sort | uniq -c
echo "restart until the first answered query, $rows rows, median of $runs$([ "$ready_to_run" = 1 ] && echo ", the build published with ReadyToRun"):"
[ "${FULL_REPLAY:-1}" = 1 ] && echo "  full replay (no checkpoint):     $(printf '%s\n' "${full[@]}" | median) s   (runs: ${full[*]})"
echo "  checkpoint after kill -9:        $(printf '%s\n' "${crash[@]}" | median) s   (runs: ${crash[*]})"
[ -z "${BASELINE:-}" ] || echo "  the same, BASELINE's build:      $(printf '%s\n' "${base[@]}" | median) s   (runs: ${base[*]})"
echo "  checkpoint after a clean stop:   $(printf '%s\n' "${clean[@]}" | median) s   (runs: ${clean[*]})"
if [ "$compare_jit" = 1 ]; then
  echo "  the plain build (JIT), kill -9:   $(printf '%s\n' "${jit_crash[@]}" | median) s   (runs: ${jit_crash[*]})"
  echo "  the plain build, clean stop:     $(printf '%s\n' "${jit_clean[@]}" | median) s   (runs: ${jit_clean[*]})"
fi
[ "${FULL_REPLAY:-1}" = 1 ] && echo "  checkpoint without its key file: $keyless s"
grep -h "key file of\|rebuilt the ordered index" "$work"/server*.log | sed 's/^.*Checkpoint/Checkpoint/' | tail -2
echo "where a start after kill -9 spends its time (its log):"
start_timeline "$work/server.crash1.log"
if [ "$compare_jit" = 1 ]; then echo "the same, the plain build:"; start_timeline "$work/server.jitcrash1.log"; fi
if [ -n "${BASELINE:-}" ]; then echo "the same, BASELINE's build:"; start_timeline "$work/server.base1.log"; fi
echo "data folder: $(du -sh "$work/data" | cut -f1) (storage $(du -sh "$work/data/storage" | cut -f1))"
grep -h "Checkpoint .* taken" "$work"/server*.log | sed 's/^.*(applying/(applying/' | tail -3
