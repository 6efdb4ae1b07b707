# Sourced by the benchmark scripts: builds the query node in Release into a temporary folder,
# starts Log on ephemeral ports with its own data folder, and kills it (by process id) and
# removes the folder at exit. LOG_ARGS: more switches for the server (e.g. "--shards 2"). Sets: work (the folder), server_pid, port, log_target (a libpq
# connection string for Log). Expects: root (the repository).
work=$(mktemp -d)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill -9 "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

dotnet build "$root/query-node" -c Release -o "$work/bin" > "$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
# shellcheck disable=SC2086 # LOG_ARGS is a list of switches
dotnet "$work/bin/log.dll" --port 0 --journal-port 0 --data "$work/data" ${LOG_ARGS:-} > "$work/server.log" 2>&1 &
server_pid=$!
disown "$server_pid"  # killed at exit; no job report for it
for _ in $(seq 1 120); do
  grep -q "Log is ready" "$work/server.log" && break
  sleep 0.5
done
port=$(sed -n 's/.*Log is ready: postgresql=[^ ]*:\([0-9]*\) .*/\1/p' "$work/server.log")
[ -n "$port" ] || { echo "Log did not start:"; cat "$work/server.log"; exit 1; }
log_target="host=127.0.0.1 port=$port user=admin dbname=postgres sslmode=disable"
