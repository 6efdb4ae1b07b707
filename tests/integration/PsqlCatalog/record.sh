#!/bin/bash
# Records describe.expected: the output of each command in commands.txt on PostgreSQL 15 for schema.sql, in a
# scratch database that is dropped afterwards. PsqlCatalogTests compares Log's output with it.
set -euo pipefail
cd "$(dirname "$0")"
export PGPASSWORD="${PGPASSWORD:-postgres}"
connection=(-X -q -h "${PGHOST:-127.0.0.1}" -p "${PGPORT:-5432}" -U postgres)
psql "${connection[@]}" -d postgres -c "DROP DATABASE IF EXISTS psqlcat_record" -c "CREATE DATABASE psqlcat_record"
psql "${connection[@]}" -d psqlcat_record -v ON_ERROR_STOP=1 -f schema.sql
./script.sh | psql "${connection[@]}" -d psqlcat_record -P format=aligned -P tuples_only=off > describe.expected
psql "${connection[@]}" -d postgres -c "DROP DATABASE psqlcat_record"
