#!/usr/bin/env bash
# Resident memory and restart time of the all-in-one Log at ROWS rows (issue 11: RSS < 1 GiB at 10,000,000 rows,
# restart to the first answered query within 3 s):
#   load ROWS rows (INSERT ... SELECT of LOAD_BATCH_ROWS rows per statement, LOAD_STREAMS connections at once),
#   printing the process's resident memory (VmRSS) every million rows; then its resident memory after the load,
#   after a full scan (SELECT count(*)), after a clean stop and start (timed until the first answered query) and a
#   full scan again, and the restart time after kill -9 following a checkpoint. VmHWM is the peak of each life.
#
# usage: tests/benchmarks/rss.sh
#   ROWS (1000000), LOAD_BATCH_ROWS (3000), LOAD_STREAMS (2), SETTLE_SECONDS (60: the wait after the load),
#   SCAN (1: time a full scan after the load and after the restart; 0: skip); LOG_ARGS: more switches for the server;
#   KEEP_LOGS (a folder to copy the server's logs to); READY_TO_RUN (1: the restarts run the build published with
#   ReadyToRun, as the Dockerfile's image is; 0: the plain build that loaded the rows)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
rows=${ROWS:-1000000}
batch=${LOAD_BATCH_ROWS:-3000}
streams=${LOAD_STREAMS:-2}

source "$here/start-log.sh"
keep_logs() { if [ -n "${KEEP_LOGS:-}" ]; then mkdir -p "$KEEP_LOGS" && cp "$work"/server*.log "$KEEP_LOGS"/; fi; }
trap 'keep_logs; cleanup' EXIT
table=rss_big
source "$here/restart-helpers.sh"
if [ "${READY_TO_RUN:-1}" = 1 ]; then publish_ready_to_run "$work/r2r-bin"; log_bin="$work/r2r-bin"; fi

# Resident and peak resident memory of the server in MiB.
memory() {
  awk '/^VmRSS/ { rss = $2 } /^VmHWM/ { peak = $2 } END { printf "RSS %d MiB (peak %d MiB)", rss / 1024, peak / 1024 }' "/proc/$server_pid/status"
}

load_start=$(date +%s.%N)
load_rows
# Progress from the storage node's checkpoints (a count(*) would scan the table every time).
while kill -0 $loaders 2>/dev/null; do
  sleep 30
  keys=$(grep -h "Checkpoint .* taken" "$work/server.log" | tail -1 | sed -n 's/.*, \([0-9]*\) keys,.*/\1/p' || true)
  echo "  $(date +%T) ${keys:-0} keys at the last checkpoint: $(memory)"
done
wait
load_seconds=$(echo "$(date +%s.%N) - $load_start" | bc)
# The newest rows are there (a full count is the scan below, which may read most rows from disk at 10,000,000).
count=$(psql "$log_target" -Atc "SELECT count(*) FROM $table WHERE id > $rows - 1000")
[ "$count" = 1000 ] || { echo "found $count of the last 1000 rows"; exit 1; }
echo "loaded $rows rows in ${load_seconds} s: $(memory)"
sleep "${SETTLE_SECONDS:-60}"
echo "${SETTLE_SECONDS:-60} s later: $(memory)"
scan() {
  if [ "${SCAN:-1}" = 1 ]; then
    local begin; begin=$(date +%s.%N)
    count=$(psql "$log_target" -Atc "SELECT count(*) FROM $table")
    [ "$count" = "$rows" ] || { echo "counted $count rows, expected $rows"; exit 1; }
    echo "after a full scan ($(echo "$(date +%s.%N) - $begin" | bc) s): $(memory)"
  fi
}
scan

stop_clean
timed_start clean
echo "restart after a clean stop: $elapsed s to the first answered query (CPU $cpu s); $(memory)"
scan
psql "$log_target" -Atc "SELECT sys.checkpoint()" > /dev/null
stop_kill
timed_start crash
echo "restart after kill -9 (checkpoint just taken): $elapsed s to the first answered query (CPU $cpu s); $(memory)"
grep -h "recovered checkpoint" "$work"/server.clean.log "$work"/server.crash.log | sed 's/^.*Storage node/  Storage node/' | cut -c1-200
echo "data folder: $(du -sh "$work/data" | cut -f1) (storage $(du -sh "$work/data/storage" | cut -f1))"
echo "where the start after kill -9 spent its time (its log):"
start_timeline "$work/server.crash.log"
