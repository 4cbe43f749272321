#!/usr/bin/env bash
# Starts a second private Docker engine in swarm mode (own socket, data, bridge),
# the reference the invalid-input and fuzz tests compare tswarm with, unless one
# already answers. Prints the DOCKER_HOST to use.
set -euo pipefail
. "$(dirname "$0")/private-engine.sh"
dir=${TSWARM_SWARM_ENGINE_DIR:-/tmp/tswarm-ci-swarm-engine}
sock=$dir/docker.sock
start_private_engine "$dir" tswsw0 172.30.98.1/24 --iptables=false
swarm_state() { curl -sf --unix-socket "$sock" http://d/info | grep -o '"LocalNodeState":"[a-z]*"' | cut -d'"' -f4; }
if [ "$(swarm_state)" != active ]; then
  DOCKER_HOST="unix://$sock" docker swarm init --advertise-addr 127.0.0.1 >/dev/null
fi
echo "unix://$sock"
