#!/usr/bin/env bash
# Where a commit's time goes, hop by hop, for one or more builds of the all-in-one: the adjudicator's and the
# transactions' histograms (Log.Adjudicator, Log.Transactions meters) read with dotnet-counters while one pgbench
# workload runs, beside the cost per transaction (CPU ms from /proc, KiB allocated and thread-pool work items from the
# System.Runtime meter). Each build runs alone, one after the other. No PostgreSQL is needed.
#
#   session → the shard takes the request     log.commit.queue.duration  (0 when the caller processes it itself)
#   record sent → acknowledged                log.commit.append.duration (journal append, fsync, acknowledgement)
#   request → answer, at the supervisor       log.commit.duration
#   snapshot: end offset, replica caught up   log.snapshot.duration      (the previous commit visible to a read)
#   commits answered by one acknowledgement   log.commit.group.size
#   lost attempts, by where they were found   log.transaction.early_conflicts (a statement failed at once) and
#                                             log.commit.refusals (the adjudicator refused the COMMIT), per transaction
#
# usage: tests/benchmarks/commit-hops.sh [-w write|tpcb-1|tpcb-8] [-s seconds] BUILD_DIR...
#   BUILD_DIR: a folder holding a Release build of the query node (log.dll), e.g. dotnet build query-node -c Release -o DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/dev308-schema.sh"
workload=write
seconds=10
while getopts "w:s:" option; do
  case $option in
    w) workload=$OPTARG ;;
    s) seconds=$OPTARG ;;
    *) sed -n 2,15p "$0"; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || { sed -n 2,15p "$0"; exit 2; }
case $workload in
  write) arguments="-M simple -c 1 -f $here/dev308-write.sql" ;;
  tpcb-1) arguments="-M prepared -c 1" ;;
  tpcb-8) arguments="-M prepared -c 8 -j 2 --max-tries=20" ;;
  *) echo "unknown workload $workload" >&2; exit 2 ;;
esac
counters=$(command -v dotnet-counters || echo "$HOME/.dotnet/tools/dotnet-counters")
[ -x "$counters" ] || { echo "dotnet-counters is needed: dotnet tool install -g dotnet-counters" >&2; exit 1; }
work=$(mktemp -d)
pid=""
cleanup() {
  [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

median_of() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# The median over the intervals of one histogram percentile, in µs ($1: instrument name, $2: percentile).
hop() { awk -F, -v name="$1" -v p="Percentile=$2" 'index($3, name) == 1 && index($3, p) > 0 && $5 > 0 { printf "%.1f\n", 1e6 * $5 }' "$work/counters.csv" | median_of; }

echo "pgbench $arguments -T $seconds, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%Y-%m-%dT%H:%MZ)"
echo
echo "| build | queue µs p50 | append µs p50 (p95) | commit µs p50 (p95) | snapshot µs p50 (p95) | commits per acknowledgement p50 | CPU ms/txn | KiB/txn | thread-pool items/txn | tps | retries/txn | early conflicts/txn | refused commits/txn |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
for build in "$@"; do
  rm -rf "$work/data"
  dotnet "$build/log.dll" --port 0 --journal-port 0 --data "$work/data" > "$work/server.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 240); do grep -q "Log is ready" "$work/server.log" && break; sleep 0.5; done
  port=$(sed -n 's/.*Log is ready: postgresql=[^ ]*:\([0-9]*\) .*/\1/p' "$work/server.log")
  [ -n "$port" ] || { echo "Log ($build) did not start:"; cat "$work/server.log"; exit 1; }
  target="host=127.0.0.1 port=$port user=admin dbname=postgres sslmode=disable"
  PGOPTIONS="-c log.copy_batch_rows=2000" pgbench -i -q -s 2 "$target" > "$work/init.out" 2>&1 || { cat "$work/init.out"; exit 1; }
  dev308_schema "$target"
  # shellcheck disable=SC2086 # the arguments are words
  pgbench -n -T 3 $arguments "$target" > /dev/null 2>&1 || true  # warm-up
  rm -f "$work/counters.csv"
  "$counters" collect -p "$pid" --counters System.Runtime,Log.Adjudicator,Log.Transactions --format csv -o "$work/counters.csv" \
    --refresh-interval 1 --duration "$(printf '00:00:%02d:%02d' $(((seconds + 4) / 60)) $(((seconds + 4) % 60)))" > /dev/null 2>&1 < /dev/null &
  counters_pid=$!
  sleep 1.5
  before=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  # shellcheck disable=SC2086
  pgbench -n -T "$seconds" $arguments "$target" > "$work/run.out" 2>&1 || { cat "$work/run.out"; exit 1; }
  after=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  wait "$counters_pid" 2>/dev/null || true
  transactions=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$work/run.out")
  tps=$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' "$work/run.out" | head -1)
  retries=$(awk -v t="$transactions" '/^total number of retries:/ { r = $5 } END { printf "%.2f", (t > 0 ? r / t : 0) }' "$work/run.out")
  allocated=$(awk -F, '$3 ~ /^dotnet.gc.heap.total_allocated/ { s += $5 } END { print s + 0 }' "$work/counters.csv")
  items=$(awk -F, '$3 ~ /^dotnet.thread_pool.work_item.count/ { s += $5 } END { print s + 0 }' "$work/counters.csv")
  early=$(awk -F, -v t="$transactions" '$3 ~ /^log.transaction.early_conflicts/ { s += $5 } END { printf "%.2f", (t > 0 ? s / t : 0) }' "$work/counters.csv")
  refused=$(awk -F, -v t="$transactions" '$3 ~ /^log.commit.refusals/ { s += $5 } END { printf "%.2f", (t > 0 ? s / t : 0) }' "$work/counters.csv")
  group=$(awk -F, 'index($3, "log.commit.group.size") == 1 && index($3, "Percentile=50") > 0 && $5 > 0 { print $5 }' "$work/counters.csv" | median_of)
  cost=$(awk -v t="$transactions" -v ticks=$((after - before)) -v hz="$(getconf CLK_TCK)" -v a="$allocated" -v i="$items" \
    'BEGIN { t = t > 0 ? t : 1; printf "%.3f | %.1f | %.1f", 1000 * ticks / hz / t, a / 1024 / t, i / t }')
  echo "| $build | $(hop log.commit.queue.duration 50) | $(hop log.commit.append.duration 50) ($(hop log.commit.append.duration 95)) | $(hop log.commit.duration 50) ($(hop log.commit.duration 95)) | $(hop log.snapshot.duration 50) ($(hop log.snapshot.duration 95)) | $group | $cost | ${tps:-0} | $retries | $early | $refused |"
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  pid=""
done
echo
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
