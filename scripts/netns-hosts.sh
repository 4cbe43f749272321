#!/usr/bin/env bash
# Simulated hosts for multi-host tests: network namespaces tswh1..tswhN, each
# with its own Docker engine, joined by veth pairs to one bridge in the root
# namespace (tswh0, 10.77.0.254/24; host i is 10.77.0.i on its eth0).
#   bash scripts/netns-hosts.sh up N [--tcp]   start (idempotent); --tcp: engines also on tcp://10.77.0.i:2375
#   bash scripts/netns-hosts.sh down [N]        stop the engines, delete the namespaces and the bridge
# Prints one line per host: NAME IP DOCKER_HOST. Engines run with nsenter --net
# (ip netns exec would remount /sys and hide the cgroups dockerd needs).
set -euo pipefail
. "$(dirname "$0")/private-engine.sh"
# TSWARM_HOSTS_NAME / TSWARM_HOSTS_NET give a second, separate set (other tests at the same time).
name=${TSWARM_HOSTS_NAME:-tswh}
net=${TSWARM_HOSTS_NET:-10.77.0}
root=${TSWARM_HOSTS_DIR:-/tmp/tswarm-hosts-$name}
bridge=${name}0
cmd=${1:-}; n=${2:-3}; tcp=${3:-}

bridge_up() {
  ip link show $bridge >/dev/null 2>&1 && return 0
  ip link add $bridge type bridge
  ip addr add $net.254/24 dev $bridge
  ip link set $bridge up
  # dockerd sets FORWARD to DROP: let the hosts' bridge forward.
  iptables -C FORWARD -i $bridge -o $bridge -j ACCEPT 2>/dev/null || iptables -I FORWARD -i $bridge -o $bridge -j ACCEPT
}

host_up() {
  local i=$1 ns=$name$1 dir=$root/$name$1
  if [ ! -e /var/run/netns/$ns ]; then
    ip netns add $ns
    ip link add "${ns}v" type veth peer name eth0 netns $ns
    ip link set "${ns}v" master $bridge up
    ip -n $ns addr add $net.$i/24 dev eth0
    ip -n $ns link set eth0 up
    ip -n $ns link set lo up
    ip -n $ns route add default via $net.254
  fi
  local sock=$dir/docker.sock
  if ! engine_answers "$dir" && ! clear_stale_engine "$dir"; then
    mkdir -p "$dir"
    local extra=()
    [ "$tcp" = --tcp ] && extra=(--host "tcp://$net.$i:2375")
    # TSWARM_HOSTS_LABELS_i: engine labels of host i ("k=v k2=v2"), e.g. what classic Swarm's constraints read.
    local labels="TSWARM_HOSTS_LABELS_$i"
    for l in ${!labels:-}; do extra+=(--label "$l"); done
    # Own UTS namespace too: each engine reports its own name (tswhN).
    engine_log "$dir" "starting dockerd in $ns"
    # A session of its own, as scripts/private-engine.sh: not ended with the caller's job.
    nohup setsid nsenter --net=/var/run/netns/$ns unshare --uts sh -c 'hostname "$0"; exec "$@"' $ns \
      dockerd --host "unix://$sock" "${extra[@]}" \
      --data-root "$dir/data" --exec-root "$dir/exec" --pidfile "$dir/docker.pid" \
      >>"$dir/dockerd.log" 2>&1 9>&- &
  fi
}

host_wait() {
  local i=$1 dir=$root/$name$1
  for _ in $(seq 1 90); do engine_answers "$dir" && break; sleep 0.5; done
  engine_answers "$dir" || { echo "dockerd in $name$i did not start; see $dir/dockerd.log" >&2; tail -20 "$dir/dockerd.log" >&2; exit 1; }
  echo "$name$i $net.$i unix://$dir/docker.sock"
}

host_down() {
  local ns=$name$1 dir=$root/$name$1
  # Only our engine: a pid file left by an engine that died may name any process now.
  local pid
  if pid=$(our_engine_pid "$dir" "$dir/docker.pid"); then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  fi
  ip netns del $ns 2>/dev/null || true
  ip link del "${ns}v" 2>/dev/null || true
}

# One caller at a time per set of hosts (fd 9 is closed for the engines, which must not hold the lock).
mkdir -p "$(dirname "$root")"
exec 9>"$root.lock"
flock 9
case $cmd in
  up)
    bridge_up
    for i in $(seq 1 "$n"); do host_up "$i"; done
    for i in $(seq 1 "$n"); do host_wait "$i"; done ;;
  down)
    for d in "$root"/$name*; do [ -d "$d" ] && host_down "${d##*/$name}"; done
    ip link del $bridge 2>/dev/null || true ;;
  *) echo "usage: $0 up N [--tcp] | down" >&2; exit 2 ;;
esac
