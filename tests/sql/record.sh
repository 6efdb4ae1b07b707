#!/bin/sh
# Re-records the expected results of tests/sql/*.test from PostgreSQL 15 on 127.0.0.1:5432
# (postgres/postgres), rewriting the files in place. Arguments narrow it to some files:
#   tests/sql/record.sh              every file
#   tests/sql/record.sh joins cte    joins.test and cte.test
set -e
cd "$(dirname "$0")/../.."
LOG_SQL_RECORD=1 LOG_SQL_FILES="$*" exec dotnet test tests/integration \
  --filter "FullyQualifiedName=Log.Integration.Tests.Sql.SqlRecorderTests.RecordFromPostgres" \
  --logger "console;verbosity=detailed"
