#!/bin/sh
# The raw storage scan benchmark (issue 11: >= 5,000,000 visible versions/s on one core): a storage node applies
# KEYS table-like rows from an in-memory journal, then one thread scans them all, visiting in place and copying.
# It is a mode of the storage-node test assembly (see tests/storage-node.Tests/StorageScanBenchmark.cs).
# usage: tests/benchmarks/storage-scan.sh [--keys N] [--runs N] [--index-cache BYTES] [--log-memory BYTES]
# (--index-cache: checkpoint after the load and keep at most BYTES of the ordered index's pages in memory;
#  --log-memory: FASTER's in-memory log, a power of two, 128 MiB by default)
set -eu
cd "$(dirname "$0")/../.."
artifacts="${ARTIFACTS:-/tmp/art-storage-scan-benchmark}"
dotnet build tests/storage-node.Tests -c Release --artifacts-path "$artifacts" >/dev/null
exec dotnet exec "$artifacts/bin/Log.StorageNode.Tests/release/Log.StorageNode.Tests.dll" scan-benchmark "$@"
