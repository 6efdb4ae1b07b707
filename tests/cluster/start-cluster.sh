#!/usr/bin/env bash
# Starts Log as a cluster of processes on this machine, without Docker: one journal node, S adjudicator shards (one
# process each, journal partition i for shard i, each told every shard's address with --peers so that cross-shard
# commits between them are decided even when a coordinator dies), R storage replicas (storage-node serve) and N query
# nodes reading from them over the storage RPC, all on loopback. With -r 0 each query node keeps its own storage
# replica instead.
#
# usage: tests/cluster/start-cluster.sh [-n QUERY_NODES] [-s SHARDS] [-r STORAGE_REPLICAS] [-d DIR] [-b BIN_DIR] [-c Debug|Release]
#   -n  query nodes to start (default 2)
#   -s  adjudicator shards (default 2)
#   -r  storage replicas to start (default 2; each applies every partition of the topic)
#   -d  folder for data, logs and pids (default: a new temporary folder, printed)
#   -b  use binaries already built there (journal, adjudicator and query node outputs side by side)
#   -c  configuration to build when -b is not given (default Release)
# Prints one line per role ("journal 127.0.0.1:PORT", "adjudicator 127.0.0.1:PORT" (one per shard, in shard order),
# "storage 127.0.0.1:PORT", "query-node 127.0.0.1:PORT") and "dir DIR". Every role but the query nodes also serves
# /healthz, /readyz and /metrics on a free port, written in its log ("Health and metrics on http://..."). Stop it with
# tests/cluster/stop-cluster.sh DIR (kills the processes it started, by pid).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
query_nodes=2
shards=2
storage_replicas=""
dir=""
bin=""
configuration=Release
while getopts "n:s:r:d:b:c:" option; do
  case $option in
    n) query_nodes=$OPTARG ;;
    s) shards=$OPTARG ;;
    r) storage_replicas=$OPTARG ;;
    d) dir=$OPTARG ;;
    b) bin=$OPTARG ;;
    c) configuration=$OPTARG ;;
    *) sed -n '2,20p' "$0"; exit 2 ;;
  esac
done
[ "$shards" -ge 1 ] 2>/dev/null || { echo "-s $shards: at least one shard" >&2; exit 2; }
[ -n "$storage_replicas" ] || storage_replicas=2
. "$here/roles.sh"
prepare_dir_and_bin log-cluster

journal_line=$(start_role journal "Journal node is ready" dotnet "$bin/Log.Journal.dll" --port 0 --data "$dir/journal" --http-port 0)
journal=$(sed -n 's/.*kafka=\([^ ]*\).*/\1/p' <<< "$journal_line")
echo "journal $journal"
# Every shard must know every shard's address before it starts (--peers), so the ports are chosen here: free now, and
# taken by the shard right after.
adjudicator=""
if [ "$shards" -eq 1 ]; then
  line=$(start_role adjudicator-0 "Adjudicator is ready" dotnet "$bin/Log.Adjudicator.dll" --journal "$journal" --shard 0 --port 0 --http-port 0)
  adjudicator=$(sed -n 's/.*rpc=\([^ ]*\).*/\1/p' <<< "$line")
  echo "adjudicator $adjudicator"
else
  for shard in $(seq 0 $((shards - 1))); do adjudicator="${adjudicator:+$adjudicator,}127.0.0.1:$(free_port)"; done
  IFS=, read -r -a shard_addresses <<< "$adjudicator"
  for shard in $(seq 0 $((shards - 1))); do
    address=${shard_addresses[$shard]}
    start_role "adjudicator-$shard" "Adjudicator is ready" dotnet "$bin/Log.Adjudicator.dll" --journal "$journal" --shard "$shard" \
      --shards "$shards" --peers "$adjudicator" --port "${address##*:}" --http-port 0 > /dev/null
    echo "adjudicator $address"
  done
fi
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
