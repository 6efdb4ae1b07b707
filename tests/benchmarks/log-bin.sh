# Sourced by the benchmarks that start roles as processes (needs $root and $work): sets $bin to LOG_BIN, a folder
# holding a Release build of query-node (whose output holds every role), or else builds one into $work/bin.
bin=${LOG_BIN:-$work/bin}
if [ -z "${LOG_BIN:-}" ]; then
  dotnet build "$root/query-node" -c Release -o "$bin" > "$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
fi
