#!/usr/bin/env bash
# Index-only and backward index scans, Log beside a PostgreSQL in the same run (mean latency of one
# pgbench client, simple protocol, median of 3 runs), on a table of [rows] rows (loaded in 3,000-row
# statements, Log's per-transaction limit) with an index on k:
#  1. count(*) over a range of 1,000 values of k: an index-only scan (the entries alone);
#  2. the same count of a column the index does not hold: an index scan that fetches each row;
#  3. the same count that the planner cannot take through the index (k + 0): a full scan;
#  4. ORDER BY k DESC LIMIT 10 (the index read backwards) and ORDER BY id DESC LIMIT 10 (the primary key read
#     backwards).
# PostgreSQL's table is vacuumed first, so its visibility map lets its index-only scan skip the heap too.
#
# usage: tests/benchmarks/index-only.sh [rows] [seconds-per-run]
#   PGBASELINE: libpq connection string of the PostgreSQL to compare with
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
rows=${1:-200000}
seconds=${2:-5}
runs=3
range_width=1000
load_statement_rows=3000
baseline=${PGBASELINE:-"host=127.0.0.1 port=5432 user=postgres password=postgres dbname=postgres"}
. "$here/start-log.sh"

median() { printf '%s\n' "$@" | sort -g | sed -n "$(( ($# + 1) / 2 ))p"; }
sql() { psql -X -q -v ON_ERROR_STOP=1 "$1" -c "SET client_min_messages = warning" -c "$2" > /dev/null; }

echo "Loading $rows rows"
for target in "$log_target" "$baseline"; do
  sql "$target" "DROP TABLE IF EXISTS bench_index_only" 2> /dev/null
  sql "$target" "CREATE TABLE bench_index_only (id int PRIMARY KEY, k int, pad text)"
  script="$work/load.sql"; : > "$script"
  for first in $(seq 1 "$load_statement_rows" "$rows"); do
    last=$((first + load_statement_rows - 1)); [ "$last" -gt "$rows" ] && last=$rows
    echo "INSERT INTO bench_index_only SELECT g, (g::bigint * 7919) % $rows, 'pad' || g FROM generate_series($first, $last) g;" >> "$script"
  done
  psql -X -q -v ON_ERROR_STOP=1 "$target" -f "$script" > /dev/null
  sql "$target" "CREATE INDEX bench_index_only_k ON bench_index_only (k)"
  sql "$target" "VACUUM ANALYZE bench_index_only" 2>/dev/null || true
done

low="\\set low random(0, $((rows - range_width)))"
printf '%s\nSELECT count(*) FROM bench_index_only WHERE k BETWEEN :low AND :low + %d;\n' "$low" $((range_width - 1)) > "$work/index_only.sql"
printf '%s\nSELECT count(pad) FROM bench_index_only WHERE k BETWEEN :low AND :low + %d;\n' "$low" $((range_width - 1)) > "$work/index_fetch.sql"
printf '%s\nSELECT count(*) FROM bench_index_only WHERE k + 0 BETWEEN :low AND :low + %d;\n' "$low" $((range_width - 1)) > "$work/full_scan.sql"
printf 'SELECT k FROM bench_index_only ORDER BY k DESC LIMIT 10;\n' > "$work/index_backward.sql"
printf 'SELECT id, pad FROM bench_index_only ORDER BY id DESC LIMIT 10;\n' > "$work/key_backward.sql"

echo
echo "Mean latency ms over $rows rows (median of $runs runs)"
printf '%-44s %12s %12s\n' query log postgresql
for query in index_only index_fetch full_scan index_backward key_backward; do
  results=()
  for target in "$log_target" "$baseline"; do
    samples=()
    for _ in $(seq 1 $runs); do
      if [ "$query" = full_scan ]; then options=(-t 3); else options=(-T "$seconds"); fi
      samples+=("$(pgbench -n -c 1 "${options[@]}" -f "$work/$query.sql" "$target" 2>/dev/null | sed -n 's/^latency average = \([0-9.]*\) ms/\1/p')")
    done
    results+=("$(median "${samples[@]}")")
  done
  case $query in
    index_only) label="count(*) of $range_width keys, index-only" ;;
    index_fetch) label="count(pad) of $range_width keys, index scan" ;;
    full_scan) label="count(*) of $range_width keys, full scan" ;;
    index_backward) label="ORDER BY k DESC LIMIT 10 (index backward)" ;;
    key_backward) label="ORDER BY id DESC LIMIT 10 (key backward)" ;;
  esac
  printf '%-44s %12s %12s\n' "$label" "${results[0]}" "${results[1]}"
done
sql "$baseline" "DROP TABLE IF EXISTS bench_index_only"
