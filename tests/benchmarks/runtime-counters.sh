# The .NET runtime's counters read around one benchmark run with dotnet-counters (sourced by compare.sh and
# commit-switches.sh). A session has a fixed length (it ignores signals without a terminal) that covers the run with a
# second to spare, and it attaches before the run starts.
#
# counters_start PID SECONDS CSV METERS: starts a session on PID for a run of SECONDS into CSV; sets counters_pid.
# counter_sum CSV NAME: the sum of a counter's increments per interval (the intervals before and after the run are idle
#   and add little).
counters_start() {
  rm -f "$3"
  "$counters" collect -p "$1" --counters "$4" --format csv -o "$3" --refresh-interval 1 \
    --duration "$(printf '00:00:%02d:%02d' $((($2 + 4) / 60)) $((($2 + 4) % 60)))" > /dev/null 2>&1 < /dev/null &
  counters_pid=$!
  sleep 1.5
}

counter_sum() {
  awk -F, -v name="$2" 'index($3, name) == 1 { s += $5 } END { print s + 0 }' "$1"
}

# counters_finish CSV: waits for the session of counters_start (none when counters_pid is empty) and sets allocated
#   and work_items, the bytes allocated and thread-pool work items it counted (nan without a session).
counters_finish() {
  allocated=nan
  work_items=nan
  [ -n "${counters_pid:-}" ] || return 0
  wait "$counters_pid" 2>/dev/null || true
  allocated=$(counter_sum "$1" dotnet.gc.heap.total_allocated)
  work_items=$(counter_sum "$1" dotnet.thread_pool.work_item.count)
}
