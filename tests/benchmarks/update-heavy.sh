#!/usr/bin/env bash
# Storage size under an update-heavy workload (issue 11): ROWS rows, then UPDATES updates spread evenly over them (each
# statement updates every row once, so ROWS updates per transaction), on one all-in-one Log whose snapshot retention
# (the trim horizon's distance behind the resolved timestamp) is RETENTION. Prints the size of storage's log files
# (apparent bytes; allocated blocks in brackets):
#   live     after loading the rows and a checkpoint (the live data, one head record per row)
#   during   sampled every SAMPLE seconds while the updates run, beside the horizon's versions at that time: the updates
#            committed in the last RETENTION (interpolated between samples), each one version record of about a head
#            record's size (live / ROWS); the largest ratio of the files to live + horizon is printed
#   updated  right after the updates (and a checkpoint)
#   settled  once garbage collection has removed the versions below the horizon, compaction has copied what is live to
#            the log's tail and a checkpoint has deleted the files below its begin address (the horizon holds no
#            version then: every update is older than RETENTION)
# and the log in use (tail - begin) that the last collection reported, and what else the storage folder holds.
#
# usage: tests/benchmarks/update-heavy.sh
#   ROWS (1000), UPDATES (1000000), RETENTION (00:00:20), SAMPLE (2)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
rows=${ROWS:-1000}
updates=${UPDATES:-1000000}
sample_seconds=${SAMPLE:-2}
export LOG__SNAPSHOTRETENTION=${RETENTION:-00:00:20}

# Builds Log in Release and starts it (sets work, server_pid, port, log_target; kills it and removes the folder at exit).
source "$here/start-log.sh"
log_bytes() { du -sb "$work/data/storage/log" | cut -f1; }
allocated_bytes() { du -s -B1 "$1" | cut -f1; }
mib() { echo "scale=1; $1 / 1048576" | bc; }
sizes() { echo "$(mib "$(log_bytes)") MiB [$(mib "$(allocated_bytes "$work/data/storage/log")") MiB]"; }

psql "$log_target" -qc "CREATE TABLE update_heavy (id bigint PRIMARY KEY, counter bigint NOT NULL, note text NOT NULL)"
psql "$log_target" -qc "INSERT INTO update_heavy SELECT g, 0, 'row ' || g || ' ' || repeat('x', 40) FROM generate_series(1, $rows) g"
psql "$log_target" -Atc "SELECT sys.checkpoint()" > /dev/null
live=$(log_bytes)

live_sizes=$(sizes)
retention_seconds=$(echo "$LOG__SNAPSHOTRETENTION" | awk -F: '{ print $1 * 3600 + $2 * 60 + $3 }')

statements=$((updates / rows))
begin=$(date +%s.%N)
# Samples "seconds updates log-bytes" while the updates run (each statement commits ROWS updates at once).
( while true; do
    counted=$(psql "$log_target" -Atc "SELECT sum(counter) FROM update_heavy" 2>/dev/null) || counted=""
    echo "$(echo "$(date +%s.%N) - $begin" | bc) ${counted:-0} $(log_bytes)"
    sleep "$sample_seconds"
  done ) > "$work/samples" &
sampler_pid=$!
for ((statement = 1; statement <= statements; statement++)); do
  echo "UPDATE update_heavy SET counter = counter + 1;"
done | psql "$log_target" -q > /dev/null
seconds=$(echo "$(date +%s.%N) - $begin" | bc)
kill "$sampler_pid" 2>/dev/null || true
wait "$sampler_pid" 2>/dev/null || true
total=$(psql "$log_target" -Atc "SELECT sum(counter) FROM update_heavy")
[ "$total" = "$((statements * rows))" ] || { echo "the rows count $total updates, expected $((statements * rows))"; exit 1; }
passes_during=$(grep -c "Garbage collection of partition" "$work/server.log" || true)
psql "$log_target" -Atc "SELECT sys.checkpoint()" > /dev/null
updated_sizes=$(sizes)
echo "$((statements * rows)) updates over $rows rows in ${seconds} s"
# The horizon's versions at sample i: updates(t_i) - updates(t_i - RETENTION), the latter interpolated between samples.
awk -v retention="$retention_seconds" -v live="$live" -v rows="$rows" '
  { t[NR] = $1; c[NR] = $2; b[NR] = $3 }
  END {
    if (NR == 0) { print "during the updates: no samples"; exit }
    worst = -1
    for (i = 1; i <= NR; i++) {
      at = t[i] - retention; before = 0
      for (j = NR; j >= 1; j--) {
        if (t[j] <= at) {
          before = c[j]
          if (j < NR && t[j + 1] > t[j]) before += (c[j + 1] - c[j]) * (at - t[j]) / (t[j + 1] - t[j])
          break
        }
      }
      versions = c[i] - before
      ratio = b[i] / (live + versions * live / rows)
      if (ratio > worst) { worst = ratio; w = i; worst_versions = versions }
      if (b[i] > largest) { largest = b[i]; l = i }
    }
    printf "during the updates (%d samples): largest files %.1f MiB at %.0f s; largest ratio to live + horizon %.2f (%.1f MiB at %.0f s, the horizon holding %d versions, about %.1f MiB)\n",
      NR, largest / 1048576, t[l], worst, b[w] / 1048576, t[w], worst_versions, worst_versions * live / rows / 1048576
  }' "$work/samples"
# The files lag the log while it is in memory (128 MiB); each pass reports where the log ends and where it began.
{ grep -h "Garbage collection of partition" "$work/server.log" || true; } | head -n "$passes_during" \
  | sed -n 's/.*log begins at [0-9]* (was \([0-9]*\)), ends at \([0-9]*\); \([0-9]*\) ms.*/\1 \2 \3/p' \
  | awk '{ if ($2 - $1 > largest) largest = $2 - $1; if ($3 > slowest) slowest = $3; n++ }
      END { printf "passes during the updates: %d; the largest log in use one found (its end less the begin before it) %.1f MiB; the slowest took %d ms\n", n, largest / 1048576, slowest }'

# Settles: the horizon passes the last update after RETENTION, the next collection (at most a quarter of RETENTION, or
# 30 s, later) removes what it superseded and compacts, and the checkpoint it asks for deletes the compacted files.
waited=$((retention_seconds + 45))
sleep "$waited"
psql "$log_target" -Atc "SELECT sys.checkpoint()" > /dev/null
settled_sizes=$(sizes)
in_use=$(grep -h "Garbage collection of partition" "$work/server.log" | tail -1 | sed -n 's/.*log begins at \([0-9]*\) (was [0-9]*), ends at \([0-9]*\).*/\2 - \1/p' | bc)
echo "storage log files: live $live_sizes, after the updates $updated_sizes, settled $settled_sizes after ${waited} s (retention $LOG__SNAPSHOTRETENTION)"
echo "log in use after the last collection (tail - begin): $(mib "${in_use:-0}") MiB; the files hold the log from the start of the page (16 MiB) it begins in"
grep -h "Garbage collection of partition" "$work/server.log" | sed 's/^.*Garbage collection/Garbage collection/' | tail -3
storage="$work/data/storage"
echo "storage folder: $(mib "$(allocated_bytes "$storage")") MiB allocated: log $(mib "$(allocated_bytes "$storage/log")"), FASTER checkpoints $(mib "$(allocated_bytes "$storage/faster")") ($(find "$storage/faster/index-checkpoints" -mindepth 1 -maxdepth 1 -type d | wc -l) index checkpoints), key files $(mib "$(allocated_bytes "$storage/keys")"), manifests $(find "$storage/manifests" -name 'manifest-*.json' | wc -l)"
echo "data folder: $(du -sh "$work/data" | cut -f1) (storage $(du -sh "$storage" | cut -f1), journal $(du -sh "$work/data" --exclude=storage | cut -f1))"
