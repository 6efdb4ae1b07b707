#!/usr/bin/env bash
# The time DBeaver takes to open its navigator on a schema of 200 tables of 20 columns each (every table with a
# primary key, a foreign key to the one before and an index on it): the queries DBeaver's PostgreSQL plugin sends for
# schemas, tables, columns, constraints and indexes (tests/integration/Drivers/dbeaver/navigator.sql), run through
# pgjdbc by DbeaverProbe, against Log and against PostgreSQL in the same run. Each side runs them 3 times on one
# connection; the median run is printed, and the ratio Log / PostgreSQL.
#
# usage: tests/benchmarks/dbeaver-navigator.sh [tables] [columns]
#   PGBASELINE_HOST/PORT/USER/PASSWORD: the PostgreSQL to compare with (default 127.0.0.1 5432 postgres postgres);
#   the schema goes into a scratch database there, dropped at exit.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
tables=${1:-200}
columns=${2:-20}
pg_host=${PGBASELINE_HOST:-127.0.0.1}
pg_port=${PGBASELINE_PORT:-5432}
pg_user=${PGBASELINE_USER:-postgres}
pg_password=${PGBASELINE_PASSWORD:-postgres}
jar=/usr/share/java/postgresql.jar
drivers="$root/tests/integration/Drivers"
scratch="log_dbeaver_bench_$$"
. "$here/start-log.sh"

pg_admin() { PGPASSWORD=$pg_password psql -X -q -v ON_ERROR_STOP=1 -h "$pg_host" -p "$pg_port" -U "$pg_user" -d postgres -c "$1" > /dev/null; }
finish() {
  pg_admin "DROP DATABASE IF EXISTS $scratch WITH (FORCE)" || true
  cleanup
}
trap finish EXIT

mkdir -p "$work/classes"
javac -encoding UTF-8 -cp "$jar" -d "$work/classes" "$drivers/java/DbeaverProbe.java"

# The schema: table i has id, a reference to table i-1 (indexed), and columns of a few common types.
{
  for table in $(seq 1 "$tables"); do
    name=$(printf "nav_%03d" "$table")
    definition="id int PRIMARY KEY, parent_id int"
    [ "$table" -gt 1 ] && definition="$definition REFERENCES $(printf "nav_%03d" $((table - 1))) (id)"
    for column in $(seq 3 "$columns"); do
      case $((column % 4)) in
        0) type="text" ;; 1) type="bigint" ;; 2) type="numeric(12,2)" ;; 3) type="timestamp" ;;
      esac
      definition="$definition, c$column $type"
    done
    echo "CREATE TABLE $name ($definition);"
    echo "CREATE INDEX ${name}_parent ON $name (parent_id);"
  done
} > "$work/schema.sql"

pg_admin "CREATE DATABASE $scratch"
echo "creating $tables tables of $columns columns on Log (port $port) and PostgreSQL ($pg_host:$pg_port/$scratch)"
psql -X -q -v ON_ERROR_STOP=1 "$log_target" -f "$work/schema.sql" > /dev/null
PGPASSWORD=$pg_password psql -X -q -v ON_ERROR_STOP=1 -h "$pg_host" -p "$pg_port" -U "$pg_user" -d "$scratch" -f "$work/schema.sql" > /dev/null

probe() { # host port user password database
  java -Duser.timezone=UTC -cp "$work/classes:$jar" DbeaverProbe navigator-time "$@" "$drivers/dbeaver/navigator.sql"
}
log_result=$(probe 127.0.0.1 "$port" admin "" postgres)
pg_result=$(probe "$pg_host" "$pg_port" "$pg_user" "$pg_password" "$scratch")
echo "Log:        $log_result"
echo "PostgreSQL: $pg_result"
log_ms=$(echo "$log_result" | awk '{print $3}')
pg_ms=$(echo "$pg_result" | awk '{print $3}')
awk -v log_ms="$log_ms" -v pg_ms="$pg_ms" 'BEGIN { printf "navigator, median of 3: Log %d ms, PostgreSQL %d ms, ratio %.2f\n", log_ms, pg_ms, (pg_ms > 0 ? log_ms / pg_ms : 0) }'
