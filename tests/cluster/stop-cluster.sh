#!/usr/bin/env bash
# Stops a cluster started by start-cluster.sh, in the reverse order of its start (query nodes, storage replicas, adjudicator, journal):
# SIGTERM to each process it started (by the pid it recorded), SIGKILL if it has not exited 10 seconds later.
# Keeps the folder (data and logs) unless --remove is given.
# usage: tests/cluster/stop-cluster.sh DIR [--remove]
set -euo pipefail
dir=${1:?usage: stop-cluster.sh DIR [--remove]}
[ -f "$dir/pids" ] || { echo "no pids in $dir"; exit 1; }
tac "$dir/pids" | while read -r pid name; do
  kill -TERM "$pid" 2>/dev/null || continue
  for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  if kill -KILL "$pid" 2>/dev/null; then echo "killed $name ($pid)"; else echo "stopped $name ($pid)"; fi
done
rm -f "$dir/pids"
if [ "${2:-}" = "--remove" ]; then rm -rf "$dir"; fi
