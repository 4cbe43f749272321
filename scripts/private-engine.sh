# Sourced by the scripts that start a private Docker engine for tests.
# start_private_engine DIR BRIDGE CIDR [dockerd flags…]: starts dockerd with its own
# socket (DIR/docker.sock), data and exec roots, pidfile and bridge, unless one
# already answers there; waits until it does, else prints its log and fails.
engine_answers() { curl -sf --unix-socket "$1/docker.sock" http://d/_ping >/dev/null 2>&1; }

start_private_engine() {
  local dir=$1 bridge=$2 cidr=$3
  shift 3
  engine_answers "$dir" && return 0
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
