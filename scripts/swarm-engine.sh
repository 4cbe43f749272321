#!/usr/bin/env bash
# Starts a second private Docker engine in swarm mode (own socket, data, bridge),
# the reference the invalid-input and fuzz tests compare tswarm with, unless one
# already answers. Prints the DOCKER_HOST to use.
set -euo pipefail
dir=${TSWARM_SWARM_ENGINE_DIR:-/tmp/tswarm-ci-swarm-engine}
sock=$dir/docker.sock
ping() { curl -sf --unix-socket "$sock" http://d/_ping >/dev/null 2>&1; }
swarm_state() { curl -sf --unix-socket "$sock" http://d/info | grep -o '"LocalNodeState":"[a-z]*"' | cut -d'"' -f4; }
if ! ping; then
  mkdir -p "$dir"
  if ! ip link show tswsw0 >/dev/null 2>&1; then
    ip link add tswsw0 type bridge
    ip addr add 172.30.98.1/24 dev tswsw0
    ip link set tswsw0 up
  fi
  nohup dockerd --host "unix://$sock" --data-root "$dir/data" --exec-root "$dir/exec" \
    --pidfile "$dir/docker.pid" --bridge tswsw0 --iptables=false >"$dir/dockerd.log" 2>&1 &
  for _ in $(seq 1 60); do ping && break; sleep 0.5; done
  if ! ping; then
    echo "dockerd (swarm reference) did not start; see $dir/dockerd.log" >&2
    tail -20 "$dir/dockerd.log" >&2
    exit 1
  fi
fi
if [ "$(swarm_state)" != active ]; then
  DOCKER_HOST="unix://$sock" docker swarm init --advertise-addr 127.0.0.1 >/dev/null
fi
echo "unix://$sock"
