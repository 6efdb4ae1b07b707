#!/bin/sh
# The cost of one storage RPC hop: point reads and a full visiting scan in process and over loopback TCP to a storage
# RPC server (issue 12). A mode of the storage-node test assembly (see tests/storage-node.Tests/StorageRpcBenchmark.cs).
# usage: tests/benchmarks/storage-rpc.sh [--keys N] [--reads N]
set -eu
cd "$(dirname "$0")/../.."
artifacts="${ARTIFACTS:-/tmp/art-storage-rpc-benchmark}"
dotnet build tests/storage-node.Tests -c Release --artifacts-path "$artifacts" >/dev/null
exec dotnet exec "$artifacts/bin/Log.StorageNode.Tests/release/Log.StorageNode.Tests.dll" rpc-benchmark "$@"
