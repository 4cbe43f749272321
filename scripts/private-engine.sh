# Sourced by the scripts that start a private Docker engine for tests.
# start_private_engine DIR BRIDGE CIDR [dockerd flags…]: starts dockerd with its own
# socket (DIR/docker.sock), data and exec roots, pidfile and bridge, unless one
# already answers there; waits until it does, else prints its log and fails.
engine_answers() { curl -sf --unix-socket "$1/docker.sock" http://d/_ping >/dev/null 2>&1; }

# clear_stale_engine DIR: before starting an engine in DIR that does not answer.
# A machine restored from a snapshot keeps /tmp but not its processes, so the
# pid files of dockerd and its containerd may name a PID some other process now
# has; dockerd then refuses to start ("pid file found") or waits on a containerd
# that is not there. Our own dockerd that is alive but not answering is stopped.
clear_stale_engine() {
  local dir=$1 f pid
  for f in "$dir/docker.pid" "$dir/exec/containerd/containerd.pid"; do
    [ -f "$f" ] || continue
    pid=$(cat "$f" 2>/dev/null || true)
    if [ -n "$pid" ] && { tr "\\0" " " <"/proc/$pid/cmdline"; } 2>/dev/null | grep -q -- "$dir"; then
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
      kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$f"
  done
}

start_private_engine() {
  local dir=$1 bridge=$2 cidr=$3
  shift 3
  engine_answers "$dir" && return 0
  clear_stale_engine "$dir"
  mkdir -p "$dir"
  if ! ip link show "$bridge" >/dev/null 2>&1; then
    ip link add "$bridge" type bridge
    ip addr add "$cidr" dev "$bridge"
    ip link set "$bridge" up
  fi
  nohup dockerd --host "unix://$dir/docker.sock" --data-root "$dir/data" --exec-root "$dir/exec" \
    --pidfile "$dir/docker.pid" --bridge "$bridge" "$@" >"$dir/dockerd.log" 2>&1 &
  for _ in $(seq 1 60); do engine_answers "$dir" && return 0; sleep 0.5; done
  echo "dockerd did not start; see $dir/dockerd.log" >&2
  tail -20 "$dir/dockerd.log" >&2
  return 1
}
