#!/usr/bin/env bash
# Log's cost per transaction of two builds side by side: CPU ms (the whole process, from /proc), KiB allocated and
# thread-pool work items (dotnet-counters' System.Runtime meter) per pgbench transaction, for compare.sh's workloads, with both servers up and
# their runs alternating, so that the machine's load falls on both alike. No PostgreSQL is needed. Prints a Markdown
# table of the medians and the after/before ratio of each column.
#
# usage: tests/benchmarks/cost-ab.sh BEFORE_DIR AFTER_DIR [runs] [seconds-per-run]   (default 3 runs of 8 s)
#   BEFORE_DIR, AFTER_DIR: folders holding a Release build of the query node (log.dll), e.g. from
#     dotnet build query-node -c Release -o DIR   (on each commit to compare)
#   WORKLOADS: names among select1 select-only-1 read write tpcb-1 tpcb-8 select-only-8 select-only-8-simple
#     (default the first five)
#   BEFORE_ENV, AFTER_ENV: environment settings for one side's server (e.g. AFTER_ENV="DOTNET_GCgen0size=0x4000000"),
#     to compare two settings of one build (give the same folder twice)
#   PGBASELINE: a libpq connection string of a PostgreSQL 15 server: then a run on it (a scratch database, dropped at
#     exit; TPC-B at REPEATABLE READ, as compare.sh) goes beside each pair of runs, and the table ends with its tps,
#     each side's tps ratio to it and the retries per transaction of before, after and PostgreSQL
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/dev308-schema.sh"
[ $# -ge 2 ] || { sed -n 2,15p "$0"; exit 2; }
dirs=("$1" "$2")
runs=${3:-3}
seconds=${4:-8}
selected=${WORKLOADS:-"select1 select-only-1 read write tpcb-1"}
counters=$(command -v dotnet-counters || echo "$HOME/.dotnet/tools/dotnet-counters")
[ -x "$counters" ] || { echo "dotnet-counters is needed: dotnet tool install -g dotnet-counters" >&2; exit 1; }
work=$(mktemp -d)
pids=()
baseline_server=${PGBASELINE:-}
baseline_database="log_cost_ab_$$"
cleanup() {
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  if [ -n "$baseline_server" ]; then
    psql -X -q "$baseline_server dbname=postgres sslmode=disable" -c "DROP DATABASE IF EXISTS $baseline_database" > /dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

targets=()
for side in 0 1; do
  mkdir -p "$work/$side"
  side_env=$([ "$side" = 0 ] && echo "${BEFORE_ENV:-}" || echo "${AFTER_ENV:-}")
  # shellcheck disable=SC2086 # the settings are words
  env $side_env dotnet "${dirs[$side]}/log.dll" --port 0 --journal-port 0 --data "$work/$side/data" > "$work/$side/server.log" 2>&1 &
  pids+=($!)
  disown "${pids[$side]}"
  for _ in $(seq 1 240); do grep -q "Log is ready" "$work/$side/server.log" && break; sleep 0.5; done
  port=$(sed -n 's/.*Log is ready: postgresql=[^ ]*:\([0-9]*\) .*/\1/p' "$work/$side/server.log")
  [ -n "$port" ] || { echo "Log (${dirs[$side]}) did not start:"; cat "$work/$side/server.log"; exit 1; }
  targets+=("host=127.0.0.1 port=$port user=admin dbname=postgres sslmode=disable")
  PGOPTIONS="-c log.copy_batch_rows=2000" pgbench -i -q -s 2 "${targets[$side]}" > "$work/init.out" 2>&1 \
    || { echo "pgbench -i failed:"; cat "$work/init.out"; exit 1; }
  dev308_schema "${targets[$side]}"
done

baseline=""
if [ -n "$baseline_server" ]; then
  psql -X -q "$baseline_server dbname=postgres sslmode=disable" -c "CREATE DATABASE $baseline_database" > /dev/null
  baseline="$baseline_server dbname=$baseline_database sslmode=disable"
  pgbench -i -q -s 2 "$baseline" > "$work/init.out" 2>&1 || { echo "pgbench -i failed on PostgreSQL:"; cat "$work/init.out"; exit 1; }
  dev308_schema "$baseline"
fi

arguments_of() {
  case $1 in
    select1) echo "-M prepared -c 1 -f $here/pgbench-select1.sql" ;;
    select-only-1) echo "-M prepared -c 1 -S" ;;
    read) echo "-M prepared -c 1 -f $here/dev308-read.sql" ;;
    write) echo "-M simple -c 1 -f $here/dev308-write.sql" ;;
    tpcb-1) echo "-M prepared -c 1" ;;
    tpcb-8) echo "-M prepared -c 8 -j 2 --max-tries=20" ;;
    select-only-8) echo "-M prepared -c 8 -j 2 -S" ;;
    select-only-8-simple) echo "-M simple -c 8 -j 2 -S" ;;
    *) echo "unknown workload $1" >&2; exit 2 ;;
  esac
}

# One run: "cpu_ms_per_txn kib_per_txn tps work_items_per_txn" of server $1 under pgbench arguments $2.
measure() {
  local pid=${pids[$1]} before after
  rm -f "$work/counters.csv"
  "$counters" collect -p "$pid" --counters System.Runtime --format csv -o "$work/counters.csv" --refresh-interval 1 \
    --duration "$(printf '00:00:%02d:%02d' $(((seconds + 4) / 60)) $(((seconds + 4) % 60)))" > /dev/null 2>&1 < /dev/null &
  local counters_pid=$!
  sleep 1.5
  before=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  # shellcheck disable=SC2086 # the arguments are words
  pgbench -n -T "$seconds" $2 "${targets[$1]}" > "$work/run.out" 2>&1 || { echo "pgbench $2 failed:"; cat "$work/run.out"; exit 1; }
  after=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  wait "$counters_pid" 2>/dev/null || true
  local transactions allocated tps items
  transactions=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$work/run.out")
  tps=$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' "$work/run.out" | head -1)
  allocated=$(awk -F, '$3 ~ /^dotnet.gc.heap.total_allocated/ { s += $5 } END { print s + 0 }' "$work/counters.csv")
  items=$(awk -F, '$3 ~ /^dotnet.thread_pool.work_item.count/ { s += $5 } END { print s + 0 }' "$work/counters.csv")
  awk -v t="$transactions" -v ticks=$((after - before)) -v hz="$(getconf CLK_TCK)" -v a="$allocated" -v tps="${tps:-0}" -v items="$items" \
    -v retries="$(retries_of "$work/run.out" | cut -d' ' -f2)" \
    'BEGIN { t = t > 0 ? t : 1; printf "%.3f %.1f %.1f %.2f %s\n", 1000 * ticks / hz / t, a / 1024 / t, tps, items / t, retries }'
}

# One run on PostgreSQL: "tps retries_per_txn" under pgbench arguments $1 (TPC-B with several clients at REPEATABLE READ).
measure_baseline() {
  local options=""
  case $1 in *--max-tries*) options="-c default_transaction_isolation=repeatable\\ read" ;; esac
  # shellcheck disable=SC2086 # the arguments are words
  PGOPTIONS="$options" pgbench -n -T "$seconds" $1 "$baseline" > "$work/pg.out" 2>&1 || { echo "pgbench $1 failed on PostgreSQL:"; cat "$work/pg.out"; exit 1; }
  retries_of "$work/pg.out"
}

# "tps retries_per_txn" of a pgbench output file.
retries_of() {
  local transactions tps
  transactions=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$1")
  tps=$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' "$1" | head -1)
  awk -v t="${transactions:-0}" -v tps="${tps:-0}" '/^total number of retries:/ { r = $5 } END { printf "%.1f %.2f\n", tps, (t > 0 ? r / t : 0) }' "$1"
}

median_of() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "pgbench -T $seconds, median of $runs alternating runs, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%Y-%m-%dT%H:%MZ)"
echo
if [ -n "$baseline" ]; then
  echo "| workload | CPU ms/txn before | after | after/before | KiB allocated/txn before | after | after/before | thread-pool items/txn before | after | tps before | after | PostgreSQL tps | before/PG | after/PG | retries/txn before, after, PG |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
else
  echo "| workload | CPU ms/txn before | after | after/before | KiB allocated/txn before | after | after/before | thread-pool items/txn before | after | tps before | after |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|"
fi
for name in $selected; do
  arguments=$(arguments_of "$name")
  for side in 0 1; do pgbench -n -T 2 $arguments "${targets[$side]}" > /dev/null 2>&1 || true; done  # warm-up
  : > "$work/0.runs"; : > "$work/1.runs"; : > "$work/pg.runs"
  for _ in $(seq 1 "$runs"); do
    for side in 0 1; do measure "$side" "$arguments" >> "$work/$side.runs"; done
    if [ -n "$baseline" ]; then measure_baseline "$arguments" >> "$work/pg.runs"; fi
  done
  cpu0=$(cut -d' ' -f1 "$work/0.runs" | median_of); cpu1=$(cut -d' ' -f1 "$work/1.runs" | median_of)
  kib0=$(cut -d' ' -f2 "$work/0.runs" | median_of); kib1=$(cut -d' ' -f2 "$work/1.runs" | median_of)
  tps0=$(cut -d' ' -f3 "$work/0.runs" | median_of); tps1=$(cut -d' ' -f3 "$work/1.runs" | median_of)
  items0=$(cut -d' ' -f4 "$work/0.runs" | median_of); items1=$(cut -d' ' -f4 "$work/1.runs" | median_of)
  row=$(awk -v n="$name" -v c0="$cpu0" -v c1="$cpu1" -v k0="$kib0" -v k1="$kib1" -v t0="$tps0" -v t1="$tps1" -v i0="$items0" -v i1="$items1" \
    'BEGIN { printf "| %s | %.3f | %.3f | %.2f× | %.1f | %.1f | %.2f× | %.1f | %.1f | %.0f | %.0f |", n, c0, c1, c1 / c0, k0, k1, k1 / k0, i0, i1, t0, t1 }')
  if [ -n "$baseline" ]; then
    tpspg=$(cut -d' ' -f1 "$work/pg.runs" | median_of)
    r0=$(cut -d' ' -f5 "$work/0.runs" | median_of); r1=$(cut -d' ' -f5 "$work/1.runs" | median_of); rpg=$(cut -d' ' -f2 "$work/pg.runs" | median_of)
    row="$row$(awk -v t0="$tps0" -v t1="$tps1" -v p="$tpspg" -v r0="$r0" -v r1="$r1" -v rp="$rpg" \
      'BEGIN { printf " %.0f | %.2f× | %.2f× | %.2f, %.2f, %.2f |", p, t0 / p, t1 / p, r0, r1, rp }')"
  fi
  echo "$row"
done
echo
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
