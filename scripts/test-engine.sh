#!/usr/bin/env bash
# Starts the private Docker engine the tests drive (own socket, data, bridge),
# unless one already answers. Prints the DOCKER_HOST to use.
set -euo pipefail
. "$(dirname "$0")/private-engine.sh"
dir=${TSWARM_TEST_ENGINE_DIR:-/tmp/tswarm-ci-engine}
start_private_engine "$dir" tswci0 172.30.99.1/24 --ip-forward=true
# dockerd sets FORWARD to DROP: let our bridge forward.
iptables -C FORWARD -i tswci0 -j ACCEPT 2>/dev/null || iptables -I FORWARD -i tswci0 -j ACCEPT
iptables -C FORWARD -o tswci0 -j ACCEPT 2>/dev/null || iptables -I FORWARD -o tswci0 -j ACCEPT
echo "unix://$dir/docker.sock"
