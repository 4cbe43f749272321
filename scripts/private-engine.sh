# Sourced by the scripts that start a private Docker engine for tests.
# start_private_engine DIR BRIDGE CIDR [dockerd flags…]: starts dockerd with its own
# socket (DIR/docker.sock), data and exec roots, pidfile and bridge, unless one
# already answers there; waits until it does, else prints its log and fails.
# A loaded engine may take seconds to answer; one that never does must not hang its caller.
engine_answers() { curl -sf --max-time 10 --unix-socket "$1/docker.sock" http://d/_ping >/dev/null 2>&1; }

# our_engine_pid DIR FILE: the PID in FILE when that process is alive and is ours (its command line names DIR).
our_engine_pid() {
  local pid
  pid=$(cat "$2" 2>/dev/null || true)
  [ -n "$pid" ] && { tr "\\0" " " <"/proc/$pid/cmdline"; } 2>/dev/null | grep -q -- "$1/" && echo "$pid"
}

# engine_log DIR MESSAGE: a line in the engine's log (kept across starts), so the log tells who stopped an engine.
engine_log() { mkdir -p "$1" && echo "time=\"$(date -u +%Y-%m-%dT%H:%M:%S.%NZ)\" level=warning msg=\"[private-engine.sh pid $$] $2\"" >>"$1/dockerd.log"; }

# clear_stale_engine DIR: before starting an engine in DIR that does not answer.
# A machine restored from a snapshot keeps /tmp but not its processes, so the
# pid files of dockerd and its containerd may name a PID some other process now
# has; dockerd then refuses to start ("pid file found") or waits on a containerd
# that is not there: such pid files go. Our own dockerd that is alive is never
# stopped because it is slow: it may be starting (another caller's) or loaded by
# a test suite using it. It is given two minutes to answer; only one that stays
# silent that long is stopped (SIGTERM, then SIGKILL), and the log says so.
# Returns 0 when the engine answers after all (nothing to start).
clear_stale_engine() {
  local dir=$1 f pid
  if pid=$(our_engine_pid "$dir" "$dir/docker.pid"); then
    local end=$((SECONDS + 120))
    while [ $SECONDS -lt $end ] && kill -0 "$pid" 2>/dev/null; do engine_answers "$dir" && return 0; sleep 1; done
    if kill -0 "$pid" 2>/dev/null; then
      engine_log "$dir" "dockerd $pid (alive) has not answered for 2 minutes: stopping it"
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
      if kill -0 "$pid" 2>/dev/null; then engine_log "$dir" "dockerd $pid did not stop in 15 s: SIGKILL"; kill -9 "$pid" 2>/dev/null || true; fi
    fi
  fi
  # What is left: a containerd whose dockerd is gone, and pid files naming other processes or none.
  if pid=$(our_engine_pid "$dir" "$dir/exec/containerd/containerd.pid"); then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    [ "$(our_engine_pid "$dir" "$dir/exec/containerd/containerd.pid")" = "$pid" ] && { kill -9 "$pid" 2>/dev/null || true; }
  fi
  for f in "$dir/docker.pid" "$dir/exec/containerd/containerd.pid"; do rm -f "$f"; done
  return 1
}

start_private_engine() {
  local dir=$1 bridge=$2 cidr=$3
  shift 3
  engine_answers "$dir" && return 0
  mkdir -p "$dir"
  # One caller at a time per engine: a second one would find the first's dockerd starting and not answering yet.
  # (fd 9 is closed for dockerd, which must not hold the lock.)
  exec 9>"$dir.lock"
  flock 9
  if engine_answers "$dir" || clear_stale_engine "$dir"; then exec 9>&-; return 0; fi
  if ! ip link show "$bridge" >/dev/null 2>&1; then
    ip link add "$bridge" type bridge
    ip addr add "$cidr" dev "$bridge"
    ip link set "$bridge" up
  fi
  engine_log "$dir" "starting dockerd"
  # A session of its own: the engine outlives its caller's job. In the caller's process group, a job control
  # that ends that job's group (kill -- -PGID, SIGKILL at a time limit) killed the engine every test was using.
  nohup setsid dockerd --host "unix://$dir/docker.sock" --data-root "$dir/data" --exec-root "$dir/exec" \
    --pidfile "$dir/docker.pid" --bridge "$bridge" "$@" >>"$dir/dockerd.log" 2>&1 9>&- &
  for _ in $(seq 1 60); do engine_answers "$dir" && { exec 9>&-; return 0; }; sleep 0.5; done
  exec 9>&-
  echo "dockerd did not start; see $dir/dockerd.log" >&2
  tail -20 "$dir/dockerd.log" >&2
  return 1
}
