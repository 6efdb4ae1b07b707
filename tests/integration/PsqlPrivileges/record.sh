#!/bin/bash
# Records describe.expected: the output of each command in commands.txt on PostgreSQL 15 for schema.sql (roles, grants,
# column grants, default privileges), in a scratch database that is dropped afterwards, with cleanup.sql removing the
# roles (which belong to the whole cluster). PsqlPrivilegeTests compares Log's output with it.
set -euo pipefail
cd "$(dirname "$0")"
export PGPASSWORD="${PGPASSWORD:-postgres}"
connection=(-X -q -h "${PGHOST:-127.0.0.1}" -p "${PGPORT:-5432}" -U postgres)
psql "${connection[@]}" -d postgres -c "DROP DATABASE IF EXISTS psqlpriv_record" -c "CREATE DATABASE psqlpriv_record"
psql "${connection[@]}" -d psqlpriv_record -v ON_ERROR_STOP=1 -f schema.sql
../PsqlCatalog/script.sh commands.txt | psql "${connection[@]}" -d psqlpriv_record -P format=aligned -P tuples_only=off > describe.expected
psql "${connection[@]}" -d psqlpriv_record -v ON_ERROR_STOP=1 -f cleanup.sql
psql "${connection[@]}" -d postgres -c "DROP DATABASE psqlpriv_record"
