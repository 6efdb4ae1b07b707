#!/usr/bin/env bash
# Starts Log as two peered regions (a, b) and a witness region (w) on this machine, each region's roles as processes
# (adjudicator/README.md, "Regions"): a journal node per region (a, b, w); delay proxies between regions, one per
# region and journal it reaches in another region, adding a one-way delay to each direction (so a round trip between
# regions costs twice --delay-ms); per peered region one adjudicator (one shard, --regions: it writes log.<region>.txn
# to the three journals, two of three, and merges both peered regions' topics), one storage replica (applies the
# merge) and one query node (--multi-region, reading every region's topic from its region's journal to follow DDL run in
# either region). Every process of a region talks to the other regions only through the
# proxies.
#
# usage: tests/cluster/start-regions.sh [-D DELAY_MS] [-l LEAD_MS] [-o OFFSET_MS] [-H HEARTBEAT_MS] [-d DIR] [-b BIN_DIR]
#                                       [-c Debug|Release]
#   -D  one-way delay between regions in milliseconds (default 10)
#   -o  the adjudicators' --region-clock-offset-ms, the bound on clock differences (default 1: every region here reads
#       this machine's one clock)
#   -H  the adjudicators' --region-heartbeat-ms (default 4)
#   -l  the adjudicators' --region-lead-ms (default: the larger of delay + offset + heartbeat + 2, what a closed timestamp
#       must cover for reads in the other region not to wait plus 2 ms of slack, 2 x delay - offset - 1, the longest
#       lead whose commit wait still ends within the round trip a commit waits for anyway, and 2 x delay; 3 x delay was
#       the default while heartbeats queued in the journal producers behind their five requests in flight, which made a
#       promise about 3 x delay old when it reached the other region's replica; with at most two heartbeats in flight
#       and replicas learning a commit's second copy from their own region's journal, 2 x delay keeps the read at the
#       single region's median and costs the write one round trip plus about 3 ms on an idle machine
#       (adjudicator/README.md, "Figures (regions)")
#   -d  folder for data, logs and pids (default: a new temporary folder, printed)
#   -b  use binaries already built there (journal, adjudicator, storage node and query node outputs side by side)
#   -c  configuration to build when -b is not given (default Release)
# Prints "journal REGION HOST:PORT", "proxy FROM->TO HOST:PORT" (where region FROM reaches TO's journal), then per peered region "adjudicator REGION HOST:PORT",
# "storage REGION HOST:PORT", "query-node REGION HOST:PORT", and "dir DIR". Stop it with tests/cluster/stop-cluster.sh DIR.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
delay=10
lead=""
offset=1
heartbeat=4
dir=""
bin=""
configuration=Release
while getopts "D:l:o:H:d:b:c:" option; do
  case $option in
    D) delay=$OPTARG ;;
    l) lead=$OPTARG ;;
    o) offset=$OPTARG ;;
    H) heartbeat=$OPTARG ;;
    d) dir=$OPTARG ;;
    b) bin=$OPTARG ;;
    c) configuration=$OPTARG ;;
    *) sed -n '2,29p' "$0"; exit 2 ;;
  esac
done
[ "$delay" -ge 0 ] 2>/dev/null || { echo "-D $delay: a delay in milliseconds" >&2; exit 2; }
[ "$offset" -ge 0 ] 2>/dev/null || { echo "-o $offset: a clock offset in milliseconds" >&2; exit 2; }
[ "$heartbeat" -ge 1 ] 2>/dev/null || { echo "-H $heartbeat: a heartbeat interval in milliseconds" >&2; exit 2; }
if [ -z "$lead" ]; then
  lead=$((delay + offset + heartbeat + 2))
  hidden=$((2 * delay - offset - 1))
  [ "$hidden" -le "$lead" ] || lead=$hidden
  arrival=$((2 * delay))
  [ "$arrival" -le "$lead" ] || lead=$arrival
fi
. "$here/roles.sh"
prepare_dir_and_bin log-regions

regions=(a b w)
peers=(a b)
# Each peered region reaches every other region's journal through a proxy of its own, which forwards to a listener of
# that journal kept for the region: a Kafka client reconnects to the address the node advertises, so each listener
# advertises its proxy's port (--extra-listeners), and the region's own processes use the node's main port.
declare -A proxy extra
for from in "${peers[@]}"; do
  for to in "${regions[@]}"; do
    [ "$to" != "$from" ] || continue
    listener=$(free_port)
    line=$(start_role "proxy-$from-$to" "Delay proxy is ready" dotnet "$bin/Log.Journal.dll" proxy --listen 127.0.0.1:0 \
      --target "127.0.0.1:$listener" --delay-ms "$delay")
    proxy[$from,$to]=$(sed -n 's/.*listen=\([^ ]*\).*/\1/p' <<< "$line")
    extra[$to]="${extra[$to]:+${extra[$to]},}$listener:${proxy[$from,$to]##*:}"
  done
done
declare -A journal
for region in "${regions[@]}"; do
  line=$(start_role "journal-$region" "Journal node is ready" dotnet "$bin/Log.Journal.dll" --port 0 --data "$dir/journal-$region" \
    --http-port 0 --extra-listeners "${extra[$region]}")
  journal[$region]=$(sed -n 's/.*kafka=\([^ ]*\).*/\1/p' <<< "$line")
  echo "journal $region ${journal[$region]}"
done
declare -A journals
for from in "${peers[@]}"; do
  setting=""
  for to in "${regions[@]}"; do
    if [ "$to" = "$from" ]; then address=${journal[$to]}; else address=${proxy[$from,$to]}; echo "proxy $from->$to $address"; fi
    setting="${setting:+$setting,}$to=$address"
  done
  journals[$from]=$setting
done
# Both adjudicators first: a region's merge decides nothing (and its storage serves nothing) until every peered region
# has closed a timestamp.
declare -A adjudicator
for region in "${peers[@]}"; do
  line=$(start_role "adjudicator-$region" "Adjudicator is ready" dotnet "$bin/Log.Adjudicator.dll" --region "$region" \
    --regions "${journals[$region]}" --witness w --region-lead-ms "$lead" \
    --region-clock-offset-ms "$offset" --region-heartbeat-ms "$heartbeat" --port 0 --http-port 0)
  adjudicator[$region]=$(sed -n 's/.*rpc=\([^ ]*\).*/\1/p' <<< "$line")
  echo "adjudicator $region ${adjudicator[$region]}"
done
declare -A storage
for region in "${peers[@]}"; do
  line=$(start_role "storage-$region" "Storage node is ready" dotnet "$bin/Log.StorageNode.dll" serve --region "$region" \
    --regions "${journals[$region]}" --witness w --port 0 --data "$dir/storage-$region" --http-port 0)
  storage[$region]=$(sed -n 's/.*rpc=\([^ ]*\).*/\1/p' <<< "$line")
  echo "storage $region ${storage[$region]}"
done
for region in "${peers[@]}"; do
  line=$(start_role "query-node-$region" "Log is ready" dotnet "$bin/log.dll" --region "$region" --journal "${journal[$region]}" \
    --adjudicator "${adjudicator[$region]}" --storage "${storage[$region]}" --multi-region true --regions "${journals[$region]}" --witness w --port 0 \
    --data "$dir/query-node-$region")
  echo "query-node $region $(sed -n 's/.*postgresql=\([^ ]*\).*/\1/p' <<< "$line")"
done
echo "dir $dir"
