#!/usr/bin/env bash
# Starts Log as a cluster of processes on this machine, without Docker: one journal node, one adjudicator shard,
# R storage replicas (storage-node serve) and N query nodes reading from them over the storage RPC, all on loopback
# with free ports. With -r 0 each query node keeps its own storage replica instead.
#
# usage: tests/cluster/start-cluster.sh [-n QUERY_NODES] [-r STORAGE_REPLICAS] [-d DIR] [-b BIN_DIR] [-c Debug|Release]
#   -n  query nodes to start (default 2)
#   -r  storage replicas to start (default 2; 0: none, each query node applies the journal itself)
#   -d  folder for data, logs and pids (default: a new temporary folder, printed)
#   -b  use binaries already built there (journal, adjudicator and query node outputs side by side)
#   -c  configuration to build when -b is not given (default Release)
# Prints one line per role ("journal 127.0.0.1:PORT", "adjudicator 127.0.0.1:PORT", "storage 127.0.0.1:PORT",
# "query-node 127.0.0.1:PORT") and "dir DIR". Every role but the query nodes also serves /healthz, /readyz and /metrics
# on a free port, written in its log ("Health and metrics on http://..."). Stop it with tests/cluster/stop-cluster.sh DIR
# (kills the processes it started, by pid).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
query_nodes=2
storage_replicas=2
dir=""
bin=""
configuration=Release
while getopts "n:r:d:b:c:" option; do
  case $option in
    n) query_nodes=$OPTARG ;;
    r) storage_replicas=$OPTARG ;;
    d) dir=$OPTARG ;;
    b) bin=$OPTARG ;;
    c) configuration=$OPTARG ;;
    *) sed -n '2,16p' "$0"; exit 2 ;;
  esac
done
[ -n "$dir" ] || dir=$(mktemp -d -t log-cluster.XXXXXX)
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
if [ -z "$bin" ]; then
  bin="$dir/bin"
  # The query node's output holds the journal, adjudicator and storage node assemblies and their executables' runtime files.
  dotnet build "$root/query-node" -c "$configuration" -o "$bin" > "$dir/build.log" 2>&1 || { cat "$dir/build.log"; exit 1; }
fi

# Starts a role in the background, records its pid, waits for its ready line; prints the line.
start_role() { # name, ready pattern, command...
  local name=$1 pattern=$2
  shift 2
  "$@" > "$dir/$name.log" 2>&1 &
  local pid=$!
  disown "$pid" 2>/dev/null || true
  echo "$pid $name" >> "$dir/pids"
  for _ in $(seq 1 240); do
    if grep -q "$pattern" "$dir/$name.log"; then grep -m1 "$pattern" "$dir/$name.log"; return 0; fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.25
  done
  echo "$name did not start; its log:" >&2
  cat "$dir/$name.log" >&2
  exit 1
}

journal_line=$(start_role journal "Journal node is ready" dotnet "$bin/Log.Journal.dll" --port 0 --data "$dir/journal" --http-port 0)
journal=$(sed -n 's/.*kafka=\([^ ]*\).*/\1/p' <<< "$journal_line")
echo "journal $journal"
adjudicator_line=$(start_role adjudicator-0 "Adjudicator is ready" dotnet "$bin/Log.Adjudicator.dll" --journal "$journal" --shard 0 --port 0 --http-port 0)
adjudicator=$(sed -n 's/.*rpc=\([^ ]*\).*/\1/p' <<< "$adjudicator_line")
echo "adjudicator $adjudicator"
storage=""
for index in $(seq 1 "$storage_replicas"); do
  line=$(start_role "storage-$index" "Storage node is ready" dotnet "$bin/Log.StorageNode.dll" serve --journal "$journal" --port 0 \
    --data "$dir/storage-$index" --http-port 0)
  replica=$(sed -n 's/.*rpc=\([^ ]*\).*/\1/p' <<< "$line")
  echo "storage $replica"
  storage="${storage:+$storage,}$replica"
done
storage_option=()
[ -z "$storage" ] || storage_option=(--storage "$storage")
for index in $(seq 1 "$query_nodes"); do
  line=$(start_role "query-node-$index" "Log is ready" dotnet "$bin/log.dll" --journal "$journal" --adjudicator "$adjudicator" \
    "${storage_option[@]}" --port 0 --data "$dir/query-node-$index")
  echo "query-node $(sed -n 's/.*postgresql=\([^ ]*\).*/\1/p' <<< "$line")"
done
echo "dir $dir"
