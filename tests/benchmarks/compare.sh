#!/usr/bin/env bash
# Every workload of issue 14's table against Log (Release build, started here) and a PostgreSQL 15 (default
# 127.0.0.1:5432; a scratch database there, dropped at exit), alternating runs of the two in one go. Prints a Markdown
# table of the medians and the Log/PostgreSQL ratio, then Log's cost per transaction (CPU time of the whole Log process
# from /proc, allocated bytes and thread-pool work items from dotnet-counters' System.Runtime meter, both divided by
# the transactions of the run; medians), the retries per transaction of each server (pgbench's serialization-failure
# retries: the abort rate under contention) and Log's median commit latency (the adjudicator's log.commit.duration, from
# the request to its answer), and draws the table as a PNG (tests/benchmarks/chart).
#
# Workloads (pgbench, data of pgbench -i -s 2 plus the DEV308 tables): SELECT 1, select-only (-S) with 1 and 8 clients,
# the DEV308 read transaction (BEGIN; 2 point SELECTs; COMMIT), the DEV308 write transaction (BEGIN; 3 INSERTs;
# COMMIT, simple protocol), TPC-B with 1 client and with 8 clients and --max-tries=20 (PostgreSQL at REPEATABLE READ,
# Log's isolation). -M prepared unless noted.
#
# usage: tests/benchmarks/compare.sh [runs] [seconds-per-run]     (default 3 runs of 10 s: about 10 minutes)
#   PGBASELINE: libpq connection string of the PostgreSQL server (default host=127.0.0.1 port=5432 user=postgres
#               password=postgres)
#   WORKLOADS:  the workloads to run, by name (default: all; see the list below)
#   OUTPUT:     folder for results.md, results.tsv and chart.png (default tests/benchmarks/results)
#   IDLE_SECONDS: how long Log's idle CPU is measured after the setup (default 20; 0 skips it)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/dev308-schema.sh"
. "$here/runtime-counters.sh"
root=$(cd "$here/../.." && pwd)
runs=${1:-3}
seconds=${2:-10}
baseline_server=${PGBASELINE:-"host=127.0.0.1 port=5432 user=postgres password=postgres"}
output=${OUTPUT:-"$here/results"}
idle_seconds=${IDLE_SECONDS:-20}
counters=$(command -v dotnet-counters || echo "$HOME/.dotnet/tools/dotnet-counters")
[ -x "$counters" ] || counters=""
baseline_database="log_compare_$$"
. "$here/start-log.sh"
baseline="$baseline_server dbname=$baseline_database sslmode=disable"
psql -X -q "$baseline_server dbname=postgres sslmode=disable" -c "CREATE DATABASE $baseline_database" > /dev/null
drop_baseline() { psql -X -q "$baseline_server dbname=postgres sslmode=disable" -c "DROP DATABASE IF EXISTS $baseline_database" > /dev/null 2>&1 || true; }
trap 'drop_baseline; cleanup' EXIT
mkdir -p "$output"

# name|label|metric (latency or tps)|pgbench arguments|PGOPTIONS for PostgreSQL
workloads="select1|\`SELECT 1\`, 1 client, latency|latency|-M prepared -c 1 -f $here/pgbench-select1.sql|
select-only-1|pgbench select-only, 1 client, latency|latency|-M prepared -c 1 -S|
select-only-8|pgbench select-only, 8 clients, tps|tps|-M prepared -c 8 -j 2 -S|
read|\`BEGIN; 2 point SELECTs; COMMIT\`, 1 client, latency|latency|-M prepared -c 1 -f $here/dev308-read.sql|
write|DEV308 write (\`BEGIN\`; 3 INSERTs; \`COMMIT\`), 1 client, simple, latency|latency|-M simple -c 1 -f $here/dev308-write.sql|
tpcb-1|pgbench TPC-B, 1 client, latency|latency|-M prepared -c 1|
tpcb-8|pgbench TPC-B, 8 clients, \`--max-tries=20\`, tps|tps|-M prepared -c 8 -j 2 --max-tries=20|-c default_transaction_isolation=repeatable\\ read"
selected=${WORKLOADS:-$(cut -d'|' -f1 <<< "$workloads" | tr '\n' ' ')}

setup() { # connection string, PGOPTIONS for pgbench -i
  PGOPTIONS="$2" pgbench -i -q -s 2 "$1" > "$work/init.out" 2>&1 \
    || { echo "pgbench -i failed against $1:" >&2; cat "$work/init.out" >&2; exit 1; }
  dev308_schema "$1"
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$server_pid/stat"; }

# Prints "value transactions failed retries_per_transaction" of one pgbench run: the average latency in ms or the tps
# (without the initial connection time), and pgbench's retries after serialization failures per processed transaction.
measure() { # connection string, pgbench arguments, PGOPTIONS
  # shellcheck disable=SC2086 # the arguments are words
  PGOPTIONS="$3" pgbench -n -T "$seconds" $2 "$1" > "$work/run.out" 2>&1 \
    || { echo "pgbench $2 failed against $1:" >&2; cat "$work/run.out" >&2; exit 1; }
  latency=$(sed -n 's/^latency average = \([0-9.]*\) ms/\1/p' "$work/run.out")
  tps=$(sed -n 's/^tps = \([0-9.]*\) (without initial connection time)/\1/p' "$work/run.out")
  transactions=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$work/run.out")
  failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$work/run.out")
  retries=$(sed -n 's/^total number of retries: \([0-9]*\).*/\1/p' "$work/run.out")
  if [ "$metric" = latency ]; then value=$latency; else value=$tps; fi
  awk -v v="$value" -v t="$transactions" -v f="${failed:-0}" -v r="${retries:-0}" 'BEGIN { printf "%s %s %s %.2f\n", v, t, f, (t > 0 ? r / t : 0) }'
}

# One run on Log, with its costs: "value transactions failed cpu_ms_per_txn alloc_kb_per_txn work_items_per_txn
# retries_per_txn commit_ms_p50".
measure_log() { # pgbench arguments
  if [ -n "$counters" ]; then
    counters_start "$server_pid" "$seconds" "$work/counters.csv" System.Runtime,Log.Adjudicator
  fi
  before=$(cpu_ticks)
  result=$(measure "$log_target" "$1" "")
  after=$(cpu_ticks)
  counters_finish "$work/counters.csv"
  commit_p50=nan
  if [ -n "$counters" ]; then
    # The histogram's median of each interval that had commits; the median of those.
    commit_p50=$(awk -F, '$3 ~ /^log.commit.duration.*Percentile=50/ && $5 > 0 { printf "%.3f\n", 1000 * $5 }' "$work/counters.csv" | median_of)
  fi
  awk -v r="$result" -v ticks=$((after - before)) -v hz="$(getconf CLK_TCK)" -v allocated="$allocated" -v items="$work_items" -v commit="$commit_p50" '
    BEGIN {
      split(r, f, " "); t = f[2] > 0 ? f[2] : 1
      printf "%s %s %s %.3f %s %s %s %s\n", f[1], f[2], f[3], 1000 * ticks / hz / t,
        (allocated == "nan" ? "nan" : sprintf("%.1f", allocated / 1024 / t)), (items == "nan" ? "nan" : sprintf("%.1f", items / t)), f[4], commit
    }'
}

median_of() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "setting up pgbench -i -s 2 and the DEV308 tables: Log (port $port), PostgreSQL ($baseline_database)"
setup "$log_target" "-c log.copy_batch_rows=2000"
setup "$baseline" ""
echo "pgbench -T $seconds, median of $runs runs, $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ)"

# Idle CPU of the all-in-one (goal: at most 0.5% of a core), after the setup has settled.
idle_line=""
if [ "$idle_seconds" -gt 0 ]; then
  sleep 10
  idle_before=$(cpu_ticks)
  sleep "$idle_seconds"
  idle_after=$(cpu_ticks)
  idle_line=$(awk -v t=$((idle_after - idle_before)) -v hz="$(getconf CLK_TCK)" -v s="$idle_seconds" \
    'BEGIN { printf "Log idle: %.2f%% of one core over %d s (process CPU time from /proc)", 100 * t / hz / s, s }')
  echo "$idle_line"
fi

: > "$output/results.tsv"
{
  echo "| workload | PostgreSQL 15 | Log | Log/PG | Log CPU ms/txn | Log KiB allocated/txn | Log thread-pool items/txn | failed Log/PG | retries/txn Log/PG | Log commit ms p50 |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
} > "$output/results.md"
while IFS='|' read -r name label metric arguments pg_options; do
  [[ " $selected " == *" $name "* ]] || continue
  # Warm-up, not measured: Log's JIT and both servers' caches.
  pgbench -n -T 2 $arguments "$log_target" > /dev/null 2>&1 || true
  PGOPTIONS="$pg_options" pgbench -n -T 2 $arguments "$baseline" > /dev/null 2>&1 || true
  : > "$work/log.runs"
  : > "$work/pg.runs"
  for _ in $(seq 1 "$runs"); do
    measure_log "$arguments" >> "$work/log.runs"
    measure "$baseline" "$arguments" "$pg_options" >> "$work/pg.runs"
  done
  log_value=$(cut -d' ' -f1 "$work/log.runs" | median_of)
  pg_value=$(cut -d' ' -f1 "$work/pg.runs" | median_of)
  cpu=$(cut -d' ' -f4 "$work/log.runs" | median_of)
  allocated=$(cut -d' ' -f5 "$work/log.runs" | median_of)
  items=$(cut -d' ' -f6 "$work/log.runs" | median_of)
  log_failed=$(cut -d' ' -f3 "$work/log.runs" | median_of)
  pg_failed=$(cut -d' ' -f3 "$work/pg.runs" | median_of)
  log_retries=$(cut -d' ' -f7 "$work/log.runs" | median_of)
  pg_retries=$(cut -d' ' -f4 "$work/pg.runs" | median_of)
  commit_ms=$(cut -d' ' -f8 "$work/log.runs" | { grep -v nan || true; } | median_of)
  if [ "$metric" = latency ]; then
    unit=ms
    cells=$(awk -v l="$log_value" -v p="$pg_value" 'BEGIN { printf "%.3f ms|%.3f ms|%.2f× %s", p, l, l / p, (l > p ? "slower" : "(faster or equal)") }')
  else
    unit=tps
    cells=$(awk -v l="$log_value" -v p="$pg_value" 'BEGIN { printf "%.0f|%.0f|%.2f×", p, l, l / p }')
  fi
  IFS='|' read -r pg_cell log_cell ratio_cell <<< "$cells"
  echo "| $label | $pg_cell | $log_cell | $ratio_cell | $cpu | $allocated | $items | $log_failed/$pg_failed | $log_retries/$pg_retries | $commit_ms |" >> "$output/results.md"
  printf '%s\t%s\t%s\t%s\n' "$name ($unit)" "$unit" "$pg_value" "$log_value" >> "$output/results.tsv"
  tail -1 "$output/results.md"
done <<< "$workloads"

[ -n "$idle_line" ] && printf '\n%s\n' "$idle_line" >> "$output/results.md"
echo
cat "$output/results.md"
if dotnet run -c Release --project "$here/chart" -- "$output/results.tsv" "$output/chart.png" > "$work/chart.out" 2>&1; then
  echo "chart: $output/chart.png"
else
  echo "the chart was not drawn:"; cat "$work/chart.out"
fi
