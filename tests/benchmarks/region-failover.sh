#!/usr/bin/env bash
# Failover time after the loss of a region (adjudicator/README.md, "Failover"): starts two peered regions and a witness
# (tests/cluster/start-regions.sh, 10 ms one-way between regions unless -D is given through START_REGIONS_ARGS), keeps
# one INSERT at a time committing through region a, kills every process of region b with SIGKILL (its proxies, journal,
# adjudicator, storage replica and query node, by the pids the launcher recorded), and measures the time from the kill
# to the first commit acknowledged in region a that began after it. Prints each run's figure and the median.
# With "return" as the second argument, region b is then started again (adjudicator/README.md, "A region's return"):
# its proxies and journal on their old ports and folder (without its copy of its own topic), its adjudicator (which
# fills that copy up to the seal and waits for a's rejoin), a new storage replica and query node; the figure is then
# the time from that restart to the first commit acknowledged in region b (one INSERT at a time, each a new psql).
#
# usage: tests/benchmarks/region-failover.sh [runs] [return]
#   (default 3; LOG_BIN: a folder holding a Release build of query-node (all roles) to use instead of building one;
#    the adjudicators run with their default --region-failover-ms)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
runs=${1:-3}
measure=${2:-failover}
case $measure in failover|return) ;; *) sed -n '2,15p' "$0"; exit 2 ;; esac
dir=""
bin=${LOG_BIN:-}
configuration=Release
. "$root/tests/cluster/roles.sh"
prepare_dir_and_bin log-region-failover
work=$dir
cleanup() {
  for started in "$work"/run-*; do
    if [ -f "$started/pids" ]; then "$root/tests/cluster/stop-cluster.sh" "$started" > /dev/null || true; fi
  done
  rm -rf "$work"
}
trap cleanup EXIT
now_ms() { date +%s%3N; }
figures=()
# Starts region b again (its old proxies and journal from their command lines, then an adjudicator, a storage replica and
# a query node as start-regions.sh does) and commits through b until one INSERT is acknowledged; prints the milliseconds
# from the restart to that acknowledgement.
restart_b_and_commit() {
  local new_journal setting line adjudicator storage address url started
  setting=$(awk '/^proxy b->/ { split($2, pair, "->"); printf "%s%s=%s", sep, pair[2], $3; sep="," }' "$dir.addresses")
  started=$(now_ms)
  for to in a w; do
    # On the port it listened on before (the one b's journal settings and the other journal's listener name), not 0.
    mapfile -t args < <(sed 's/^  //' <<< "${command[proxy-b-$to]}" | awk -v listen="$(sed -n "s/^proxy b->$to //p" "$dir.addresses")" \
      'after { print listen; after = 0; next } $0 == "--listen" { after = 1 } { print }')
    start_role "proxy-b-$to-2" "Delay proxy is ready" "${args[@]}" > /dev/null
  done
  # Without its copy of its own topic: it may hold records past the seal that were never acknowledged.
  rm -rf "$dir/journal-b/log.b.txn"
  mapfile -t args < <(sed 's/^  //' <<< "${command[journal-b]}")
  line=$(start_role journal-b-2 "Journal node is ready" "${args[@]}")
  new_journal=$(sed -n 's/.*kafka=\([^ ]*\).*/\1/p' <<< "$line")
  setting="$setting,b=$new_journal"
  line=$(start_role adjudicator-b-2 "Adjudicator is ready" dotnet "$bin/Log.Adjudicator.dll" --region b --regions "$setting" --witness w \
    --region-lead-ms "$(sed -n 's/.*--region-lead-ms \([0-9]*\).*/\1/p' <<< "$(tr '\0' ' ' < /proc/$(awk '$2 == "adjudicator-a" { print $1 }' "$dir/pids")/cmdline)")" \
    --port 0 --http-port 0)
  adjudicator=$(sed -n 's/.*rpc=\([^ ]*\).*/\1/p' <<< "$line")
  line=$(start_role storage-b-2 "Storage node is ready" dotnet "$bin/Log.StorageNode.dll" serve --region b --regions "$setting" --witness w \
    --port 0 --data "$dir/storage-b-2" --http-port 0)
  storage=$(sed -n 's/.*rpc=\([^ ]*\).*/\1/p' <<< "$line")
  line=$(start_role query-node-b-2 "Log is ready" dotnet "$bin/log.dll" --region b --journal "$new_journal" --adjudicator "$adjudicator" \
    --storage "$storage" --multi-region true --regions "$setting" --witness w --port 0 --data "$dir/query-node-b-2")
  address=$(sed -n 's/.*postgresql=\([^ ]*\).*/\1/p' <<< "$line")
  url="postgresql://postgres@${address%:*}:${address##*:}/postgres"
  until id=$((id + 1)); psql -qX "$url" -c "INSERT INTO failover VALUES ($id, $(now_ms))" > /dev/null 2>> "$dir/failed-b.log"; do :; done
  echo $(($(now_ms) - started))
}
for run in $(seq 1 "$runs"); do
  dir="$work/run-$run"
  # shellcheck disable=SC2086
  "$root/tests/cluster/start-regions.sh" -b "$bin" -d "$dir" ${START_REGIONS_ARGS:-} > "$dir.addresses"
  address=$(sed -n 's/^query-node a //p' "$dir.addresses")
  url="postgresql://postgres@${address%:*}:${address##*:}/postgres"
  psql -qX "$url" -c "CREATE TABLE failover (id bigint PRIMARY KEY, at bigint)" > /dev/null
  id=0
  for _ in $(seq 1 20); do id=$((id + 1)); psql -qX "$url" -c "INSERT INTO failover VALUES ($id, $(now_ms))" > /dev/null; done
  echo "load before the kill: $(cat /proc/loadavg)"
  # The command lines of b's proxies and journal, to start them again alike for "return".
  declare -A command=()
  for name in journal-b proxy-b-a proxy-b-w; do
    pid=$(awk -v name="$name" '$2 == name { print $1 }' "$dir/pids")
    command[$name]=$(tr '\0' '\n' < "/proc/$pid/cmdline" | sed 's/^/  /')
  done
  killed=$(now_ms)
  for name in query-node-b storage-b adjudicator-b journal-b proxy-b-a proxy-b-w; do
    pid=$(awk -v name="$name" '$2 == name { print $1 }' "$dir/pids")
    kill -KILL "$pid"
  done
  # The first INSERT begun after the kill waits for the seal; a failed one (none expected) is tried again.
  until id=$((id + 1)); psql -qX "$url" -c "INSERT INTO failover VALUES ($id, $(now_ms))" > /dev/null 2>> "$dir/failed.log"; do :; done
  acknowledged=$(now_ms)
  figures+=($((acknowledged - killed)))
  echo "run $run: failover ${figures[-1]} ms (kill to the first commit acknowledged in a); load $(cat /proc/loadavg)"
  # The seal's own part: from the decision to seal to the seal in both copies.
  grep -h "sealing its topic\|topic is sealed\|could not be sealed" "$dir/adjudicator-a.log" | cut -c1-100 || true
  if [ "$measure" = return ]; then
    figures[-1]=$(restart_b_and_commit)
    echo "run $run: return ${figures[-1]} ms (b's restart to its first commit acknowledged in b); load $(cat /proc/loadavg)"
    grep -h "rejoin\|taken again" "$dir/adjudicator-a.log" "$dir/adjudicator-b-2.log" | cut -c1-120 || true
  fi
  "$root/tests/cluster/stop-cluster.sh" "$dir" > /dev/null
done
median=$(printf '%s\n' "${figures[@]}" | sort -n | awk '{ value[NR] = $1 } END { print (NR % 2) ? value[(NR + 1) / 2] : (value[NR / 2] + value[NR / 2 + 1]) / 2 }')
echo "$measure ms: ${figures[*]}; median $median"
