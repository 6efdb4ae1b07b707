# Shared by start-cluster.sh and start-regions.sh (sourced): the folder, the build and the start of one role.
# Expects $root, $dir (may be empty: a new temporary folder named after $1), $bin (empty: build) and $configuration.

# Makes $dir absolute (a new temporary folder when empty) and builds into $dir/bin when $bin is empty.
prepare_dir_and_bin() { # temporary folder prefix
  [ -n "$dir" ] || dir=$(mktemp -d -t "$1.XXXXXX")
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  if [ -z "$bin" ]; then
    bin="$dir/bin"
    # The query node's output holds the journal, adjudicator and storage node assemblies and their executables' runtime files.
    dotnet build "$root/query-node" -c "$configuration" -o "$bin" > "$dir/build.log" 2>&1 || { cat "$dir/build.log"; exit 1; }
  fi
}

# Starts a role in the background, records its pid in $dir/pids, waits for its ready line; prints the line.
start_role() { # name, ready pattern, command...
  local name=$1 pattern=$2
  shift 2
  "$@" > "$dir/$name.log" 2>&1 &
  local pid=$!
  disown "$pid" 2>/dev/null || true
  echo "$pid $name" >> "$dir/pids"
  for _ in $(seq 1 480); do
    if grep -qs "$pattern" "$dir/$name.log"; then grep -m1 "$pattern" "$dir/$name.log"; return 0; fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.25
  done
  echo "$name did not start; its log:" >&2
  cat "$dir/$name.log" >&2
  exit 1
}

# A TCP port free on loopback now (taken by the caller's process right after).
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}
