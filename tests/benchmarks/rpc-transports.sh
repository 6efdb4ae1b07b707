#!/usr/bin/env bash
# The adjudicator's commit in process, over the framed MessagePack RPC and over gRPC (HTTP/2, h2c on loopback), on the
# DEV308 write transaction's commit request, all three in the same run and interleaved (tests/benchmarks/rpc-transports,
# Program.cs says how). Prints each phase, then the medians over the runs: latency of one caller (median, p99), calls/s
# of one and of 16 callers, CPU time and allocated bytes per call of the calling process and of the adjudicator's.
#
# usage: tests/benchmarks/rpc-transports.sh [seconds-per-phase] [runs] [--callers N] [--journal memory|node] [--warmup S]
#   --journal memory (default): the shard appends to an in-memory journal, so the figures are the transports' own;
#   --journal node: to a journal node hosted in each process over the Kafka clients, as the all-in-one process does.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dotnet build "$here/rpc-transports" -c Release -o "$work/bin" > "$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
dotnet "$work/bin/Log.RpcTransportsBenchmark.dll" "$@"
