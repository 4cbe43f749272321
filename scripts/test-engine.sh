#!/usr/bin/env bash
# Starts the private Docker engine the tests drive (own socket, data, bridge),
# unless one already answers. Prints the DOCKER_HOST to use.
set -euo pipefail
dir=${TSWARM_TEST_ENGINE_DIR:-/tmp/tswarm-ci-engine}
sock=$dir/docker.sock
if curl -sf --unix-socket "$sock" http://d/_ping >/dev/null 2>&1; then echo "unix://$sock"; exit 0; fi
mkdir -p "$dir"
if ! ip link show tswci0 >/dev/null 2>&1; then
  ip link add tswci0 type bridge
  ip addr add 172.30.99.1/24 dev tswci0
  ip link set tswci0 up
fi
nohup dockerd --host "unix://$sock" --data-root "$dir/data" --exec-root "$dir/exec" \
  --pidfile "$dir/docker.pid" --bridge tswci0 --ip-forward=true >"$dir/dockerd.log" 2>&1 &
for _ in $(seq 1 60); do
  if curl -sf --unix-socket "$sock" http://d/_ping >/dev/null 2>&1; then
    # dockerd sets FORWARD to DROP: let our bridge forward.
    iptables -C FORWARD -i tswci0 -j ACCEPT 2>/dev/null || iptables -I FORWARD -i tswci0 -j ACCEPT
    iptables -C FORWARD -o tswci0 -j ACCEPT 2>/dev/null || iptables -I FORWARD -o tswci0 -j ACCEPT
    echo "unix://$sock"; exit 0
  fi
  sleep 0.5
done
echo "dockerd did not start; see $dir/dockerd.log" >&2
tail -20 "$dir/dockerd.log" >&2
exit 1
