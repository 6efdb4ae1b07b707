#!/usr/bin/env bash
# Context switches and CPU per transaction of the all-in-one, by thread name, while one pgbench workload runs: read from
# /proc/PID/task/*/status (voluntary: a thread went to sleep and was woken; nonvoluntary: it was taken off a core, which
# is also what a thread-pool worker's sched_yield spin shows on a busy machine) and /proc/PID/stat. Counts per
# transaction move much less with the machine's load than latencies do. Each setting runs alone, one after the other,
# and the whole list is repeated ROUNDS times. No PostgreSQL is needed.
#
# With dotnet-counters installed it also gives KiB allocated and thread-pool work items per transaction.
#
# usage: tests/benchmarks/commit-switches.sh [-w write|tpcb-1|tpcb-8] [-s seconds] [-r rounds] BUILD_DIR [ENV...]
#   BUILD_DIR: a folder holding a Release build of the query node (log.dll)
#   ENV: one server setting per run, e.g. DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=0 ("" for none; default: none);
#     a setting BUILD=DIR runs another build instead (with the settings after it: "BUILD=/tmp/after X=1"), so that
#     two builds alternate in one run
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/dev308-schema.sh"
. "$here/runtime-counters.sh"
counters=$(command -v dotnet-counters || echo "$HOME/.dotnet/tools/dotnet-counters")
[ -x "$counters" ] || counters=""
workload=write
seconds=6
rounds=1
while getopts "w:s:r:" option; do
  case $option in
    w) workload=$OPTARG ;;
    s) seconds=$OPTARG ;;
    r) rounds=$OPTARG ;;
    *) sed -n 2,11p "$0"; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || { sed -n 2,11p "$0"; exit 2; }
build=$1
shift
settings=("$@")
[ ${#settings[@]} -gt 0 ] || settings=("")
case $workload in
  write) arguments="-M simple -c 1 -f $here/dev308-write.sql" ;;
  tpcb-1) arguments="-M prepared -c 1" ;;
  tpcb-8) arguments="-M prepared -c 8 -j 2 --max-tries=20" ;;
  *) echo "unknown workload $workload" >&2; exit 2 ;;
esac
work=$(mktemp -d)
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill -9 "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# "name|voluntary nonvoluntary" for every thread of the server
threads() {
  for task in /proc/"$pid"/task/*; do
    echo "$(cat "$task/comm" 2>/dev/null)|$(awk '/^voluntary_ctxt_switches/ { v = $2 } /^nonvoluntary_ctxt_switches/ { n = $2 } END { print v + 0, n + 0 }' "$task/status" 2>/dev/null)"
  done
}

echo "pgbench -T $seconds $arguments, $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ)"
echo
echo "| setting | load average | tps | CPU ms/txn | thread-pool workers' switches/txn (voluntary, other) | all threads' switches/txn | retries/txn | KiB allocated/txn | thread-pool work items/txn |"
echo "|---|---|---|---|---|---|---|---|---|"
for _ in $(seq 1 "$rounds"); do
  for setting in "${settings[@]}"; do
    rm -rf "$work/data"
    run_build=$build
    run_setting=$setting
    if [[ $setting == BUILD=* ]]; then
      run_build=${setting%% *}
      run_build=${run_build#BUILD=}
      run_setting=$([[ $setting == *" "* ]] && echo "${setting#* }" || echo "")
    fi
    # shellcheck disable=SC2086 # the setting is words
    env $run_setting dotnet "$run_build/log.dll" --port 0 --journal-port 0 --data "$work/data" > "$work/server.log" 2>&1 &
    pid=$!
    for _ in $(seq 1 240); do grep -q "Log is ready" "$work/server.log" && break; sleep 0.5; done
    port=$(sed -n 's/.*Log is ready: postgresql=[^ ]*:\([0-9]*\) .*/\1/p' "$work/server.log")
    [ -n "$port" ] || { echo "Log ($build) did not start:"; cat "$work/server.log"; exit 1; }
    target="host=127.0.0.1 port=$port user=admin dbname=postgres sslmode=disable"
    PGOPTIONS="-c log.copy_batch_rows=2000" pgbench -i -q -s 2 "$target" > "$work/init.out" 2>&1 \
      || { echo "pgbench -i failed:"; cat "$work/init.out"; exit 1; }
    dev308_schema "$target" 2> /dev/null
    # shellcheck disable=SC2086 # the arguments are words
    pgbench -n -T 3 $arguments "$target" > /dev/null 2>&1   # warm-up (JIT, first pages)
    counters_pid=""
    if [ -n "$counters" ]; then
      counters_start "$pid" "$seconds" "$work/counters.csv" System.Runtime
    fi
    threads > "$work/before"
    cpu_before=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
    # shellcheck disable=SC2086
    pgbench -n -T "$seconds" $arguments "$target" > "$work/run.out" 2>&1 || { echo "pgbench failed:"; cat "$work/run.out"; exit 1; }
    cpu_after=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
    threads > "$work/after"
    counters_finish "$work/counters.csv"
    load=$(cut -d' ' -f1 /proc/loadavg)
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    pid=""
    transactions=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$work/run.out")
    retries=$(sed -n 's/^total number of retries: \([0-9]*\).*/\1/p' "$work/run.out")
    tps=$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' "$work/run.out" | head -1)
    # Threads that ended between the two readings are not counted (thread-pool workers come and go under load).
    awk -F'|' -v t="${transactions:-0}" -v ticks=$((cpu_after - cpu_before)) -v hz="$(getconf CLK_TCK)" -v r="${retries:-0}" \
      -v setting="${setting:-default}" -v load="$load" -v tps="${tps:-0}" -v allocated="$allocated" -v items="$work_items" '
      FNR == NR { before[$1, ++seen[$1]] = $2; next }
      {
        split(before[$1, ++again[$1]], b, " "); split($2, a, " ")
        if (b[1] == "") next
        v = a[1] - b[1]; n = a[2] - b[2]; all += v + n
        if ($1 ~ /^\.NET TP Worker/) { pv += v; pn += n }
      }
      END {
        t = t > 0 ? t : 1
        printf "| %s | %s | %.0f | %.3f | %.1f, %.1f | %.1f | %.2f | %.1f | %.1f |\n", setting, load, tps, 1000 * ticks / hz / t, pv / t, pn / t, all / t, r / t,
          allocated / 1024 / t, items / t
      }' "$work/before" "$work/after"
  done
done
