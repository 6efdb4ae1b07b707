#!/bin/sh
# The journal node benchmark: raw fsync vs acknowledgement latency, producer throughput and
# consumer catch-up. It is a mode of the journal test assembly (see tests/journal.Tests/JournalBenchmark.cs).
set -eu
cd "$(dirname "$0")/../../.."
artifacts="${ARTIFACTS:-/tmp/art-journal-benchmark}"
dotnet build tests/journal.Tests -c Release --artifacts-path "$artifacts" >/dev/null
exec dotnet exec "$artifacts/bin/Log.Journal.Tests/release/Log.Journal.Tests.dll" benchmark "$@"
