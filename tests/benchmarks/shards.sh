#!/usr/bin/env bash
# Commits per second with 16 pgbench clients over 1 and 2 adjudicator shards (the all-in-one database, --shards N).
# Each transaction inserts one row into one of four tables; tables are routed to shards by id (TableShardRouter), so
# with 2 shards two tables commit on each shard, and every transaction stays on one shard. A second workload inserts
# into two tables of different shards in one transaction: with 2 shards every such commit is cross-shard.
#
# usage: tests/benchmarks/shards.sh [seconds-per-run] [runs]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
seconds=${1:-15}
runs=${2:-3}
clients=16

median_of() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

run_with_shards() { # shard count
  (
    export LOG_ARGS="--shards $1"
    . "$here/start-log.sh"
    for table in 0 1 2 3; do
      psql "$log_target" -q -c "CREATE TABLE shards_t$table (id bigint PRIMARY KEY, note text)" > /dev/null
    done
    for table in 0 1 2 3; do
      printf '\\set id random(1, 4000000000000000)\nINSERT INTO shards_t%s (id, note) VALUES (:id, %s);\n' "$table" "'x'" > "$work/one-$table.sql"
    done
    printf '\\set id random(1, 4000000000000000)\nBEGIN;\nINSERT INTO shards_t0 (id, note) VALUES (:id, %s);\nINSERT INTO shards_t1 (id, note) VALUES (:id, %s);\nCOMMIT;\n' "'x'" "'x'" > "$work/two.sql"
    for workload in one-table two-tables; do
      : > "$work/runs"
      for _ in $(seq 1 "$runs"); do
        if [ "$workload" = one-table ]; then
          files=(-f "$work/one-0.sql" -f "$work/one-1.sql" -f "$work/one-2.sql" -f "$work/one-3.sql")
        else
          files=(-f "$work/two.sql")
        fi
        pgbench -n -M simple "${files[@]}" -c "$clients" -j 4 -T "$seconds" "$log_target" > "$work/pgbench.out" 2>&1 \
          || { cat "$work/pgbench.out"; exit 1; }
        sed -n 's/^tps = \([0-9.]*\) .*/\1/p' "$work/pgbench.out" >> "$work/runs"
      done
      printf "%-8s %-12s %12s\n" "$1" "$workload" "$(median_of < "$work/runs")"
    done
  )
}

printf "%-8s %-12s %12s\n" shards workload "commits/s"
run_with_shards 1
run_with_shards 2
