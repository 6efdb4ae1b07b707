#!/usr/bin/env bash
# Storage size under an update-heavy workload (issue 11): ROWS rows, then UPDATES updates spread evenly over them (each
# statement updates every row once, so ROWS updates per transaction), on one all-in-one Log whose snapshot retention
# (the trim horizon's distance behind the resolved timestamp) is RETENTION. Prints the size of storage's log:
#   live     after loading the rows and a checkpoint (the live data, one version per row)
#   updated  right after the updates (every version, most of them superseded)
#   settled  once garbage collection (every 30 s) has removed the versions below the horizon, compaction has copied what
#            is live to the log's tail and a checkpoint has deleted the files below its begin address
# and the versions the horizon still holds at that point (none once the updates are older than RETENTION).
#
# usage: tests/benchmarks/update-heavy.sh
#   ROWS (1000), UPDATES (1000000), RETENTION (00:00:20)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
rows=${ROWS:-1000}
updates=${UPDATES:-1000000}
export LOG__SNAPSHOTRETENTION=${RETENTION:-00:00:20}

# Builds Log in Release and starts it (sets work, server_pid, port, log_target; kills it and removes the folder at exit).
source "$here/start-log.sh"
log_bytes() { du -sb "$work/data/storage/log" | cut -f1; }
mib() { echo "scale=1; $1 / 1048576" | bc; }

psql "$log_target" -qc "CREATE TABLE update_heavy (id bigint PRIMARY KEY, counter bigint NOT NULL, note text NOT NULL)"
psql "$log_target" -qc "INSERT INTO update_heavy SELECT g, 0, 'row ' || g || ' ' || repeat('x', 40) FROM generate_series(1, $rows) g"
psql "$log_target" -Atc "SELECT sys.checkpoint()" > /dev/null
live=$(log_bytes)

statements=$((updates / rows))
begin=$(date +%s.%N)
for ((statement = 1; statement <= statements; statement++)); do
  echo "UPDATE update_heavy SET counter = counter + 1;"
done | psql "$log_target" -q > /dev/null
seconds=$(echo "$(date +%s.%N) - $begin" | bc)
total=$(psql "$log_target" -Atc "SELECT sum(counter) FROM update_heavy")
[ "$total" = "$((statements * rows))" ] || { echo "the rows count $total updates, expected $((statements * rows))"; exit 1; }
psql "$log_target" -Atc "SELECT sys.checkpoint()" > /dev/null
updated=$(log_bytes)
echo "$((statements * rows)) updates over $rows rows in ${seconds} s"

# Settles: the horizon passes the last update after RETENTION, the next collection (at most 30 s later) removes what it
# superseded and compacts, and the checkpoint it asks for deletes the compacted files.
retention_seconds=$(echo "$LOG__SNAPSHOTRETENTION" | awk -F: '{ print $1 * 3600 + $2 * 60 + $3 }')
waited=$((retention_seconds + 45))
sleep "$waited"
psql "$log_target" -Atc "SELECT sys.checkpoint()" > /dev/null
settled=$(log_bytes)
in_use=$(grep -h "Garbage collection of partition" "$work/server.log" | tail -1 | sed -n 's/.*log begins at \([0-9]*\) (was [0-9]*), ends at \([0-9]*\).*/\2 - \1/p' | bc)
echo "storage log: live $(mib "$live") MiB, after the updates $(mib "$updated") MiB, settled $(mib "$settled") MiB after ${waited} s (retention $LOG__SNAPSHOTRETENTION)"
echo "log in use after the last collection (tail - begin): $(mib "${in_use:-0}") MiB; files are whole 64 MiB segments, so the settled size is at most that plus the segment the log begins in"
grep -h "Garbage collection of partition" "$work/server.log" | sed 's/^.*Garbage collection/Garbage collection/' | tail -3
echo "data folder: $(du -sh "$work/data" | cut -f1) (storage $(du -sh "$work/data/storage" | cut -f1), journal $(du -sh "$work/data" --exclude=storage | cut -f1))"
