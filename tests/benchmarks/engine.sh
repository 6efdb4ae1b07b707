#!/usr/bin/env bash
# The SQL engine's query workloads, against Log and a PostgreSQL in the same run (issue 8's
# performance goals, as Log/PostgreSQL time ratios):
#   scan    full scan with a filter and an aggregate over the big table (BIG_ROWS rows)
#           SELECT count(*), sum(amount) FROM engine_big WHERE amount % 10 < 3
#   sort    ORDER BY a non-key column of the small table (SMALL_ROWS rows), fully sorted, only the
#           last 10 rows returned (OFFSET SMALL_ROWS-10 LIMIT 10: a complete sort, not a top-N,
#           in both systems, and a client that does not dominate)
#   join    equi-join of the small and the big table (SMALL_ROWS x BIG_ROWS) on a non-key column of
#           the big one to the primary key of the small one, with an aggregate over the result
#   lookup  primary-key lookup join: the small table filtered to LOOKUP_ROWS rows by a key range,
#           the big table joined on its primary key, with an aggregate
#   pgbench pgbench -S (select-only, builtin) with CLIENTS clients over PGBENCH_SCALE*100,000
#           accounts, reported as transactions per second (ratio = Log tps / PostgreSQL tps)
# Each query workload is timed with pgbench (one client, simple protocol, TRANSACTIONS per run,
# "latency average"), median of RUNS runs, after one warm-up run; runs of the two systems alternate.
#
# Log limits a transaction to 3,000 modified rows, so tables are loaded with INSERT ... SELECT
# FROM generate_series of LOAD_BATCH_ROWS rows per statement, LOAD_STREAMS connections at once
# (pgbench -i does not work on Log yet). The load time of each system is printed.
#
# usage: tests/benchmarks/engine.sh [runs]
#   BIG_ROWS (1000000), SMALL_ROWS (100000), LOOKUP_ROWS (1000), PGBENCH_SCALE (1): data sizes;
#     a quick run: BIG_ROWS=100000 SMALL_ROWS=10000 PGBENCH_SCALE=1
#   TRANSACTIONS (1): queries per timed pgbench run; LOOKUP_TRANSACTIONS (10 x TRANSACTIONS) for the lookup
#   PGBENCH_SECONDS (10), CLIENTS (8), THREADS (2): the pgbench -S runs
#   WORKLOADS ("scan sort join lookup pgbench"): which ones to run
#   LOAD_BATCH_ROWS (3000), LOAD_STREAMS (2)
#   PGBASELINE: libpq connection string of the PostgreSQL to compare with
#               (default "host=127.0.0.1 port=5432 user=postgres password=postgres dbname=postgres")
#   LOG_TARGET: use an already running Log at this libpq connection string instead of building
#               and starting one; with SKIP_LOAD=1 its tables (and PostgreSQL's) are used as they are
#               (Log cannot drop a table of more than 3,000 rows yet, so a reload needs a fresh Log)
#   CPU_TIME=1: report CPU time per query instead of latency (on a loaded machine wall-clock time is
#               mostly waiting for a core): Log's is the CPU time of its process (LOG_PID with LOG_TARGET)
#               over CPU_QUERIES (20) runs of the query on one connection; PostgreSQL's is the CPU time of
#               the backend serving the same runs, read from its /proc/self/stat (superuser), with
#               parallel workers off (their time would not be counted). Both include
#               parsing and sending the result; Log's also the process's background work (journal
#               heartbeats) during the runs. The pgbench workload is not measured this way.
# Log's INSERT ... SELECT does not yet coerce an int4 expression into a bigint column, nor is
# generate_series(int, int) usable in int arithmetic, hence the bigint series and explicit casts.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
runs=${1:-3}
big_rows=${BIG_ROWS:-1000000}
small_rows=${SMALL_ROWS:-100000}
lookup_rows=${LOOKUP_ROWS:-1000}
scale=${PGBENCH_SCALE:-1}
transactions=${TRANSACTIONS:-1}
lookup_transactions=${LOOKUP_TRANSACTIONS:-$((transactions * 10))}
pgbench_seconds=${PGBENCH_SECONDS:-10}
clients=${CLIENTS:-8}
threads=${THREADS:-2}
workloads=${WORKLOADS:-"scan sort join lookup pgbench"}
batch_rows=${LOAD_BATCH_ROWS:-3000}
streams=${LOAD_STREAMS:-2}
baseline="${PGBASELINE:-"host=127.0.0.1 port=5432 user=postgres password=postgres dbname=postgres"} sslmode=disable"
cpu_time=${CPU_TIME:-0}
cpu_queries=${CPU_QUERIES:-20}
if [ -n "${LOG_TARGET:-}" ]; then
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  log_target=$LOG_TARGET
  server_pid=${LOG_PID:-}
  if [ "$cpu_time" = 1 ] && [ -z "$server_pid" ]; then echo "CPU_TIME=1 with LOG_TARGET needs LOG_PID"; exit 1; fi
else
  . "$here/start-log.sh"
fi
[ "$lookup_rows" -le "$small_rows" ] || { echo "LOOKUP_ROWS must not exceed SMALL_ROWS"; exit 1; }

# Inserts rows first..last of a table with "INSERT INTO table SELECT <expressions over g> FROM
# generate_series(a::bigint, b) AS g" statements of batch_rows rows, on `streams` connections at once.
load_rows() { # connection string, table, select list over g, first, last
  local target=$1 table=$2 select_list=$3 first=$4 last=$5
  for stream in $(seq 0 $((streams - 1))); do
    awk -v first="$first" -v last="$last" -v batch="$batch_rows" -v streams="$streams" -v stream="$stream" \
        -v table="$table" -v list="$select_list" 'BEGIN {
      n = 0
      for (start = first; start <= last; start += batch) {
        end = start + batch - 1; if (end > last) end = last
        if (n++ % streams == stream)
          printf "INSERT INTO %s SELECT %s FROM generate_series(%d::bigint, %d) AS g;\n", table, list, start, end
      }
    }' > "$work/load.$stream.sql"
    psql -X -q -v ON_ERROR_STOP=1 "$target" -f "$work/load.$stream.sql" > "$work/load.$stream.out" 2>&1 &
  done
  local failed=0
  for stream in $(seq 0 $((streams - 1))); do wait -n || failed=1; done
  if [ "$failed" = 1 ]; then cat "$work"/load.*.out; exit 1; fi
}

check_count() { # connection string, table, expected rows
  local count
  count=$(psql -X -A -t -v ON_ERROR_STOP=1 "$1" -c "SELECT count(*) FROM $2")
  [ "$count" = "$3" ] || { echo "$2 holds $count rows, not $3, in $1"; exit 1; }
}

# The big table: amount and small_id spread over their ranges by multiplying with primes, so
# neither follows the key. The small table: sort_key likewise, big_id points into the big table.
setup() { # connection string, system name
  local target=$1 started
  started=$(date +%s.%N)
  psql -X -q -v ON_ERROR_STOP=1 "$target" > /dev/null 2> "$work/setup.err" <<'SQL' || { cat "$work/setup.err"; exit 1; }
DROP TABLE IF EXISTS engine_big;
DROP TABLE IF EXISTS engine_small;
DROP TABLE IF EXISTS pgbench_accounts;
DROP TABLE IF EXISTS pgbench_branches;
DROP TABLE IF EXISTS pgbench_tellers;
DROP TABLE IF EXISTS pgbench_history;
CREATE TABLE engine_big (id bigint PRIMARY KEY, small_id int, amount int, note text);
CREATE TABLE engine_small (id int PRIMARY KEY, big_id bigint, sort_key int, category int, name text);
CREATE TABLE pgbench_branches (bid int PRIMARY KEY, bbalance int, filler char(88));
CREATE TABLE pgbench_tellers (tid int PRIMARY KEY, bid int, tbalance int, filler char(84));
CREATE TABLE pgbench_accounts (aid int PRIMARY KEY, bid int, abalance int, filler char(84));
CREATE TABLE pgbench_history (tid int, bid int, aid int, delta int, mtime timestamp, filler char(22));
SQL
  load_rows "$target" engine_big "g, ((g * 7919) % $small_rows + 1)::int, ((g * 104729) % 1000)::int, 'note ' || g" 1 "$big_rows"
  load_rows "$target" engine_small "g::int, (g * 15485863) % $big_rows + 1, ((g * 7919) % 1000003)::int, (g % 100)::int, 'name ' || g" 1 "$small_rows"
  load_rows "$target" pgbench_branches "g::int, 0, ''" 1 "$scale"
  load_rows "$target" pgbench_tellers "g::int, ((g - 1) / 10 + 1)::int, 0, ''" 1 $((scale * 10))
  load_rows "$target" pgbench_accounts "g::int, ((g - 1) / 100000 + 1)::int, 0, ''" 1 $((scale * 100000))
  check_count "$target" engine_big "$big_rows"
  check_count "$target" engine_small "$small_rows"
  check_count "$target" pgbench_accounts $((scale * 100000))
  if [ "$2" = PostgreSQL ]; then psql -X -q "$target" -c "VACUUM ANALYZE" > /dev/null; fi
  awk -v s="$started" -v e="$(date +%s.%N)" -v n=$((big_rows + small_rows + scale * 100010 + scale)) -v name="$2" \
    'BEGIN { printf "loaded %s: %d rows in %.1f s (%.0f rows/s)\n", name, n, e - s, n / (e - s) }'
}

echo "SELECT count(*), sum(amount) FROM engine_big WHERE amount % 10 < 3;" > "$work/scan.sql"
echo "SELECT id, sort_key FROM engine_small ORDER BY sort_key OFFSET $((small_rows - 10)) LIMIT 10;" > "$work/sort.sql"
echo "SELECT count(*), sum(s.category), sum(b.amount) FROM engine_big b JOIN engine_small s ON s.id = b.small_id;" > "$work/join.sql"
echo "SELECT count(*), sum(b.amount) FROM engine_small s JOIN engine_big b ON b.id = s.big_id WHERE s.id <= $lookup_rows;" > "$work/lookup.sql"

# Prints the mean latency in ms of one pgbench run of a query; fails on any failed transaction.
latency() { # connection string, workload
  local count=$transactions
  [ "$2" = lookup ] && count=$lookup_transactions
  pgbench -n -c 1 -t "$count" -f "$work/$2.sql" "$1" > "$work/pgbench.out" 2>&1 \
    || { echo "pgbench $2 failed against $1:" >&2; cat "$work/pgbench.out" >&2; exit 1; }
  if grep -q "number of failed transactions: [1-9]" "$work/pgbench.out"; then
    echo "failed transactions against $1:" >&2; cat "$work/pgbench.out" >&2; exit 1
  fi
  sed -n 's/^latency average = \([0-9.]*\) ms/\1/p' "$work/pgbench.out"
}

# Prints the TPS of one pgbench -S run (excluding connection time).
select_only() { # connection string
  pgbench -n -S -c "$clients" -j "$threads" -T "$pgbench_seconds" "$1" > "$work/pgbench.out" 2>&1 \
    || { echo "pgbench -S failed against $1:" >&2; cat "$work/pgbench.out" >&2; exit 1; }
  if grep -q "number of failed transactions: [1-9]" "$work/pgbench.out"; then
    echo "failed transactions against $1:" >&2; cat "$work/pgbench.out" >&2; exit 1
  fi
  sed -n 's/^tps = \([0-9.]*\) (without initial connection time)/\1/p' "$work/pgbench.out"
}

# CPU time in clock ticks (user and system) of a process, all of its threads.
process_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# Prints the CPU time in ms per query of cpu_queries runs of a workload's query on one connection.
cpu_per_query() { # connection string, workload, system name
  local tick_ms=$((1000 / $(getconf CLK_TCK))) before after
  local ticks="SELECT split_part(pg_read_file('/proc/self/stat'), ' ', 14)::bigint + split_part(pg_read_file('/proc/self/stat'), ' ', 15)::bigint;"
  if [ "$3" = Log ]; then
    { echo '\o /dev/null'; for _ in $(seq 1 "$cpu_queries"); do cat "$work/$2.sql"; done; } > "$work/cpu.sql"
    before=$(process_ticks "$server_pid")
    psql -X -q -v ON_ERROR_STOP=1 "$1" -f "$work/cpu.sql" > /dev/null || exit 1
    after=$(process_ticks "$server_pid")
  else
    { echo "SET max_parallel_workers_per_gather = 0;"; echo "$ticks"; echo '\o /dev/null'; for _ in $(seq 1 "$cpu_queries"); do cat "$work/$2.sql"; done; echo '\o'; echo "$ticks"; } > "$work/cpu.sql"
    local output
    output=$(psql -X -A -t -q -v ON_ERROR_STOP=1 "$1" -f "$work/cpu.sql") || exit 1
    read -r before after <<< "$(echo $output)"
  fi
  awk -v b="$before" -v a="$after" -v n="$cpu_queries" -v t="$tick_ms" 'BEGIN { printf "%.2f\n", (a - b) * t / n }'
}

median_of() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

if [ "${SKIP_LOAD:-0}" != 1 ]; then
  echo "loading Log ($log_target) and PostgreSQL ($baseline)"
  setup "$log_target" Log
  setup "$baseline" PostgreSQL
fi

# The same answers from both, before anything is timed.
for workload in scan sort join lookup; do
  case " $workloads " in *" $workload "*) ;; *) continue ;; esac
  log_answer=$(psql -X -A -t -v ON_ERROR_STOP=1 "$log_target" -f "$work/$workload.sql")
  pg_answer=$(psql -X -A -t -v ON_ERROR_STOP=1 "$baseline" -f "$work/$workload.sql")
  [ "$log_answer" = "$pg_answer" ] || { printf 'different answers to %s:\nLog:\n%s\nPostgreSQL:\n%s\n' "$workload" "$log_answer" "$pg_answer"; exit 1; }
done

measure="latency"
[ "$cpu_time" = 1 ] && measure="CPU time per query over $cpu_queries queries"
echo "big $big_rows rows, small $small_rows rows, lookup $lookup_rows rows, pgbench scale $scale;" \
  "$measure, median of $runs runs after a warm-up, $(nproc) cores"
printf "%-8s %14s %14s %8s\n" workload Log PostgreSQL Log/PG
for workload in $workloads; do
  : > "$work/log.runs"
  : > "$work/pg.runs"
  if [ "$workload" = pgbench ]; then
    select_only "$log_target" > /dev/null
    select_only "$baseline" > /dev/null
    for _ in $(seq 1 "$runs"); do
      select_only "$log_target" >> "$work/log.runs"
      select_only "$baseline" >> "$work/pg.runs"
    done
    unit=tps
  elif [ "$cpu_time" = 1 ]; then
    cpu_per_query "$log_target" "$workload" Log > /dev/null
    cpu_per_query "$baseline" "$workload" PostgreSQL > /dev/null
    for _ in $(seq 1 "$runs"); do
      cpu_per_query "$log_target" "$workload" Log >> "$work/log.runs"
      cpu_per_query "$baseline" "$workload" PostgreSQL >> "$work/pg.runs"
    done
    unit=ms
  else
    latency "$log_target" "$workload" > /dev/null
    latency "$baseline" "$workload" > /dev/null
    for _ in $(seq 1 "$runs"); do
      latency "$log_target" "$workload" >> "$work/log.runs"
      latency "$baseline" "$workload" >> "$work/pg.runs"
    done
    unit=ms
  fi
  log_value=$(median_of < "$work/log.runs")
  pg_value=$(median_of < "$work/pg.runs")
  ratio=$(awk -v l="$log_value" -v p="$pg_value" 'BEGIN { printf "%.2f", (p > 0 ? l / p : 0) }')
  printf "%-8s %11.2f %-2s %11.2f %-2s %8s\n" "$workload" "$log_value" "$unit" "$pg_value" "$unit" "$ratio"
done
