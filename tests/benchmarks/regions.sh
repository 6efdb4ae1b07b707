#!/usr/bin/env bash
# The DEV308 write and read transactions (dev308-write.sql, dev308-read.sql: one pgbench client each) through region a
# of two peered regions and a witness with a one-way delay between regions (tests/cluster/start-regions.sh), beside the
# single-region cluster (tests/cluster/start-cluster.sh -n 1 -s 1) and PostgreSQL, in one run: each run's median and
# p99 transaction latency, the median over the runs. The goal (issue 16): the write costs one round trip between
# regions over the single-region figure, the read costs nothing extra.
#
# usage: tests/benchmarks/regions.sh [seconds-per-run] [runs] [one-way-delay-ms]
#   (defaults 20, 3, 10; LOG_BIN, PGBASELINE and LOG_REGION_LEAD_MS as for dev308.sh)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
exec "$here/dev308.sh" "${1:-20}" "${2:-3}" cluster "regions-${3:-10}"
