# Sourced after start-log.sh by the benchmarks that load a table and restart Log on the same folder (restart.sh,
# rss.sh). The caller sets rows, batch (LOAD_BATCH_ROWS), streams (LOAD_STREAMS) and table (the table they load).
# shellcheck shell=bash
kafka_port=$(sed -n 's/.*kafka=[^ ]*:\([0-9]*\) .*/\1/p' "$work/server.log")

# Starts Log again on the same folder and ports (so the journal's address stays the same) and sets server_pid; the build
# in $log_bin when set, else the one start-log.sh made.
start_log() {
  # shellcheck disable=SC2086 # LOG_ARGS is a list of switches
  dotnet "${log_bin:-$work/bin}/log.dll" --port "$port" --journal-port "$kafka_port" --data "$work/data" ${LOG_ARGS:-} > "$work/server.$1.log" 2>&1 &
  server_pid=$!
  disown "$server_pid"
}

# Publishes the all-in-one Log with ReadyToRun (the code compiled ahead of time for this machine's runtime, as the
# Dockerfile's image is) into $1; the starts then compile only what the ahead-of-time code leaves to the JIT.
publish_ready_to_run() {
  dotnet publish "$root/query-node" -c Release --use-current-runtime --self-contained false -p:PublishReadyToRun=true \
    -o "$1" > "$work/publish.log" 2>&1 || { cat "$work/publish.log"; exit 1; }
}

# Creates $table and starts loading $rows rows into it ($batch rows per INSERT ... SELECT, $streams connections at once)
# in the background; sets loaders (their pids: wait for them).
load_rows() {
  psql "$log_target" -qc "CREATE TABLE $table (id bigint PRIMARY KEY, amount bigint NOT NULL, note text)"
  local stream
  for ((stream = 0; stream < streams; stream++)); do load_stream "$stream" & done
  loaders=$(jobs -p)
}
# A statement that fails with the retryable "storage replica did not reach offset" (57P03: a replica behind on a loaded
# machine; nothing was written) is sent again, up to three times; a row written twice would fail its primary key, and
# the count after the load is checked.
load_stream() {
  local stream=$1 from
  for ((from = 1 + stream * batch; from <= rows; from += streams * batch)); do
    local until=$((from + batch - 1)); ((until > rows)) && until=$rows
    local statement="INSERT INTO $table SELECT g, g % 1000, 'note ' || g FROM generate_series(${from}::bigint, ${until}::bigint) g;"
    local attempt
    for attempt in 1 2 3; do
      psql "$log_target" -q -v ON_ERROR_STOP=1 -c "$statement" > /dev/null 2> "$work/load-error.$stream" && break
      grep -q "did not reach offset" "$work/load-error.$stream" || { cat "$work/load-error.$stream" >&2; break; }
      echo "retrying rows ${from} to ${until} (attempt $((attempt + 1))): $(head -c 120 "$work/load-error.$stream")" >&2
    done
  done
}

# Sets elapsed: seconds from the process start until a query that reads the table answers; and cpu: the CPU seconds
# the process had used by then (user and system), which a loaded machine stretches far less than the elapsed time.
timed_start() {
  local name=$1 begin
  begin=$(date +%s.%N)
  start_log "$name"
  until psql "$log_target" -Atc "SELECT amount FROM $table WHERE id = $rows" > /dev/null 2>&1; do
    kill -0 "$server_pid" 2>/dev/null || { echo "Log exited while starting:" >&2; tail -5 "$work/server.$name.log" >&2; exit 1; }
    sleep 0.02
  done
  elapsed=$(echo "$(date +%s.%N) - $begin" | bc)
  cpu=$(awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$server_pid/stat")
}
stop_kill() { kill -9 "$server_pid"; while kill -0 "$server_pid" 2>/dev/null; do sleep 0.05; done; server_pid=""; }
stop_clean() { kill -TERM "$server_pid"; while kill -0 "$server_pid" 2>/dev/null; do sleep 0.05; done; server_pid=""; }

# Where a start spent its time, from its log.
start_timeline() {
  grep -E "Starting:|Opened journal partition|its index file|Journal node started|Adjudicator shard 0 started|Adjudicator shard 0 start:|Adjudicator shard 0 read the decisions|Adjudicator started|recovered checkpoint|key file of|Storage recovery took|Waiting for storage|replayed the journal's tail|PostgreSQL protocol on|Log is ready" "$1" \
    | sed -E 's/^([0-9:.]+) [a-z]+: ([A-Za-z.]+)\[[0-9]+\] /  \1 /' | cut -c1-400
}
