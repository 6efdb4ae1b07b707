#!/usr/bin/env bash
# SELECT ... ORDER BY the primary key LIMIT 10 on a 20,000-row table, against Log and a
# PostgreSQL in the same run: Log reads along the key and stops at the limit; the same query
# ordered by an expression (id + 0) reads and sorts every row, for comparison. One pgbench
# client, simple protocol, several runs; prints the mean latency of each run.
#
# usage: tests/benchmarks/order-by-key.sh [seconds-per-run] [runs]
#   PGBASELINE: libpq connection string of the PostgreSQL to compare with
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
seconds=${1:-5}
runs=${2:-3}
baseline=${PGBASELINE:-"host=127.0.0.1 port=5432 user=postgres password=postgres dbname=postgres"}
. "$here/start-log.sh"

for target in "$log_target" "$baseline"; do
  psql -X -q -v ON_ERROR_STOP=1 "$target" -c "DROP TABLE IF EXISTS order_by_key" -c "CREATE TABLE order_by_key (id int PRIMARY KEY, note text)" > /dev/null
  for batch in $(seq 0 9); do
    values=$(seq $((batch * 2000 + 1)) $((batch * 2000 + 2000)) | awk '{printf "%s(%d, '"'"'note %d'"'"')", (NR>1?", ":""), $1, $1}')
    psql -X -q -v ON_ERROR_STOP=1 "$target" -c "INSERT INTO order_by_key VALUES $values" > /dev/null
  done
done
echo "SELECT id, note FROM order_by_key ORDER BY id LIMIT 10;" > "$work/key.sql"
echo "SELECT id, note FROM order_by_key ORDER BY id + 0 LIMIT 10;" > "$work/sorted.sql"
printf '%-8s %-12s %s\n' run query "mean latency ms (log, postgresql)"
for run in $(seq 1 "$runs"); do
  for query in key sorted; do
    latencies=()
    for target in "$log_target" "$baseline"; do
      latencies+=("$(pgbench -n -c 1 -T "$seconds" -f "$work/$query.sql" "$target" 2>/dev/null | sed -n 's/^latency average = \([0-9.]*\) ms/\1/p')")
    done
    printf '%-8s %-12s %s %s\n' "$run" "$query" "${latencies[0]}" "${latencies[1]}"
  done
done
psql -X -q "$baseline" -c "DROP TABLE IF EXISTS order_by_key" > /dev/null
