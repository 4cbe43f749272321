#!/usr/bin/env bash
# Starts a second private Docker engine in swarm mode (own socket, data, bridge),
# the reference the invalid-input and fuzz tests compare tswarm with, unless one
# already answers. Prints the DOCKER_HOST to use.
set -euo pipefail
. "$(dirname "$0")/private-engine.sh"
dir=${TSWARM_SWARM_ENGINE_DIR:-/tmp/tswarm-ci-swarm-engine}
sock=$dir/docker.sock
# Another such engine beside the shared one (a test that changes its swarm) needs its own bridge, ports and hostname.
bridge=${TSWARM_SWARM_ENGINE_BRIDGE:-tswsw0}
cidr=${TSWARM_SWARM_ENGINE_CIDR:-172.30.98.1/24}
init_flags=${TSWARM_SWARM_ENGINE_INIT_FLAGS:-}
start_private_engine "$dir" "$bridge" "$cidr" --iptables=false
swarm_state() { curl -sf --unix-socket "$sock" http://d/info | grep -o '"LocalNodeState":"[a-z]*"' | cut -d'"' -f4; }
if [ "$(swarm_state)" != active ]; then
  # Another caller may have just done it.
  DOCKER_HOST="unix://$sock" docker swarm init --advertise-addr 127.0.0.1 $init_flags >/dev/null || [ "$(swarm_state)" = active ]
fi
echo "unix://$sock"
