#!/bin/sh
# Checks tests/sql/*.test against a Log server (no PostgreSQL needed) and prints, per file,
# the skipped cases per reason. Arguments narrow it to some files, as for record.sh.
# LOG_SQL_RUN_SKIPPED=1 also runs the skipped cases and lists those that now pass.
set -e
cd "$(dirname "$0")/../.."
LOG_SQL_FILES="$*" exec dotnet test tests/integration \
  --filter "FullyQualifiedName~Log.Integration.Tests.Sql.SqlLogicTests" \
  --logger "console;verbosity=detailed"
