#!/usr/bin/env bash
# Secondary indexes, Log beside a PostgreSQL in the same run (medians of 3 runs):
#  1. INSERT throughput into a table with 0, 1 and 3 secondary indexes: 40 statements of
#     500 rows each (INSERT ... SELECT FROM generate_series), a fresh table per run. (Log
#     counts every index entry against its 3,000-row transaction limit: 500 rows with 3
#     indexes write 2,000 keys.)
#  2. On a 1,000,000-row table (loaded in 3,000-row statements, Log's per-transaction limit):
#     a point lookup through a secondary index vs the same lookup that must scan the whole
#     table (on an unindexed column); one pgbench client, simple protocol.
#
# usage: tests/benchmarks/index.sh [lookup-rows] [seconds-per-lookup-run]
#   PGBASELINE: libpq connection string of the PostgreSQL to compare with
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
lookup_rows=${1:-1000000}
seconds=${2:-5}
runs=3
insert_statements=40
insert_statement_rows=500
load_statement_rows=3000
baseline=${PGBASELINE:-"host=127.0.0.1 port=5432 user=postgres password=postgres dbname=postgres"}
. "$here/start-log.sh"

median() { printf '%s\n' "$@" | sort -g | sed -n "$(( ($# + 1) / 2 ))p"; }
sql() { psql -X -q -v ON_ERROR_STOP=1 "$1" -c "SET client_min_messages = warning" -c "$2" > /dev/null; }
now() { date +%s.%N; }

# The CREATE INDEX statements of a table with n secondary indexes.
indexes() {
  local table=$1 count=$2
  [ "$count" -ge 1 ] && echo "CREATE INDEX ${table}_a ON $table (a);"
  [ "$count" -ge 3 ] && echo "CREATE INDEX ${table}_b ON $table (b); CREATE INDEX ${table}_c ON $table (c);"
  return 0
}

insert_rows_per_second() {
  local target=$1 count=$2 table=bench_insert
  sql "$target" "DROP TABLE IF EXISTS $table" 2> /dev/null
  sql "$target" "CREATE TABLE $table (id int PRIMARY KEY, a int, b int, c text)"
  local create; create=$(indexes "$table" "$count")
  [ -n "$create" ] && psql -X -q -v ON_ERROR_STOP=1 "$target" -c "$create" > /dev/null
  local script="$work/insert.sql"; : > "$script"
  for statement in $(seq 0 $((insert_statements - 1))); do
    local first=$((statement * insert_statement_rows + 1)) last=$(((statement + 1) * insert_statement_rows))
    echo "INSERT INTO $table SELECT g, (g * 7919) % 10007, g % 97, 'c' || (g * 31 % 1000) FROM generate_series($first, $last) g;" >> "$script"
  done
  local start; start=$(now)
  psql -X -q -v ON_ERROR_STOP=1 "$target" -f "$script" > /dev/null
  local end; end=$(now)
  sql "$target" "DROP TABLE $table"
  echo "$insert_statements $insert_statement_rows $start $end" | awk '{printf "%.0f", $1 * $2 / ($4 - $3)}'
}

echo "INSERT throughput, rows/s (median of $runs runs of $((insert_statements * insert_statement_rows)) rows)"
printf '%-18s %12s %12s\n' "secondary indexes" log postgresql
for target in "$log_target" "$baseline"; do insert_rows_per_second "$target" 3 > /dev/null; done # warm-up, not counted
for count in 0 1 3; do
  results=()
  for target in "$log_target" "$baseline"; do
    samples=()
    for _ in $(seq 1 $runs); do samples+=("$(insert_rows_per_second "$target" "$count")"); done
    results+=("$(median "${samples[@]}")")
  done
  printf '%-18s %12s %12s\n' "$count" "${results[0]}" "${results[1]}"
done

echo
echo "Loading $lookup_rows rows for the lookups"
for target in "$log_target" "$baseline"; do
  sql "$target" "DROP TABLE IF EXISTS bench_lookup" 2> /dev/null
  sql "$target" "CREATE TABLE bench_lookup (id int PRIMARY KEY, k int, unindexed int, pad text)"
  script="$work/load.sql"; : > "$script"
  for first in $(seq 1 "$load_statement_rows" "$lookup_rows"); do
    last=$((first + load_statement_rows - 1)); [ "$last" -gt "$lookup_rows" ] && last=$lookup_rows
    echo "INSERT INTO bench_lookup SELECT g, (g::bigint * 7919) % $lookup_rows, (g::bigint * 7919) % $lookup_rows, 'pad' || g FROM generate_series($first, $last) g;" >> "$script"
  done
  start=$(now); psql -X -q -v ON_ERROR_STOP=1 "$target" -f "$script" > /dev/null; end=$(now)
  build_start=$(now); sql "$target" "CREATE INDEX bench_lookup_k ON bench_lookup (k)"; build_end=$(now)
  sql "$target" "ANALYZE bench_lookup" 2>/dev/null || true
  echo "$start $end $build_start $build_end" | awk -v rows="$lookup_rows" '{printf "  load %.1f s (%.0f rows/s), CREATE INDEX %.1f s\n", $2 - $1, rows / ($2 - $1), $4 - $3}'
done

printf '\\set key random(0, %d)\nSELECT id, pad FROM bench_lookup WHERE k = :key;\n' $((lookup_rows - 1)) > "$work/point.sql"
printf '\\set key random(0, %d)\nSELECT id, pad FROM bench_lookup WHERE unindexed = :key;\n' $((lookup_rows - 1)) > "$work/scan.sql"
echo
echo "Lookup of one row among $lookup_rows, mean latency ms (median of $runs runs)"
printf '%-26s %12s %12s\n' query log postgresql
for query in point scan; do
  results=()
  for target in "$log_target" "$baseline"; do
    samples=()
    for _ in $(seq 1 $runs); do
      if [ "$query" = point ]; then options=(-T "$seconds"); else options=(-t 3); fi
      samples+=("$(pgbench -n -c 1 "${options[@]}" -f "$work/$query.sql" "$target" 2>/dev/null | sed -n 's/^latency average = \([0-9.]*\) ms/\1/p')")
    done
    results+=("$(median "${samples[@]}")")
  done
  label=$([ "$query" = point ] && echo "index point lookup" || echo "full scan (unindexed)")
  printf '%-26s %12s %12s\n' "$label" "${results[0]}" "${results[1]}"
done
sql "$baseline" "DROP TABLE IF EXISTS bench_lookup"
