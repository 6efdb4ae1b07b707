#!/usr/bin/env bash
# The share of a Python client's catalog round trips that Log answers exactly as PostgreSQL 15 does.
# usage: measure.sh LOG_PORT PROBE SCENARIO [-v]   (PROBE in ../, e.g. sqlalchemy_probe.py reflection; LOG_PORT a Log
# with no user objects yet, such as a fresh one from tests/benchmarks/start-log.sh, as PostgreSQL gets a new database)
# Runs the probe once through a logging proxy to PostgreSQL (127.0.0.1:5432, postgres/postgres, a scratch database)
# and once through one to Log (user admin), then compares the round trips that read the catalog: the same SQL
# (OIDs of user objects masked) must get the same error state and the same rows (OIDs, the user name and the build named by version() masked).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
log_port=$1 probe=$2 scenario=$3
work=$(mktemp -d)
python3 "$here/logging_proxy.py" 55601 5432 "$work/pg.jsonl" & pg_proxy=$!
python3 "$here/logging_proxy.py" 55602 "$log_port" "$work/log.jsonl" & log_proxy=$!
trap 'kill $pg_proxy $log_proxy; rm -rf "$work"' EXIT
sleep 1
export PGPASSWORD=postgres
psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS log_measure" -c "CREATE DATABASE log_measure"
PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3 "$here/../$probe" "$scenario" 127.0.0.1 55601 postgres postgres log_measure > /dev/null 2>&1 || true
PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3 "$here/../$probe" "$scenario" 127.0.0.1 55602 admin "" > /dev/null 2>&1 || true
sleep 0.5
psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE log_measure WITH (FORCE)"
python3 "$here/compare_catalog_round_trips.py" "$work/pg.jsonl" "$work/log.jsonl" "${4:-}"
