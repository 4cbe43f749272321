#!/usr/bin/env bash
# Stops what scripts/up.sh started: the tswarm daemon, the containers of its
# tasks, and the private Docker engine if up.sh started one (with its bridge).
# The swarm's data stays unless --purge is given.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/private-engine.sh
sock=${TSWARM_SOCKET:-/run/tswarm/tswarm.sock}
data=${TSWARM_DATA_ROOT:-/var/lib/tswarm}
purge=${1:-}

engine=unix:///var/run/docker.sock
[ -f "$data/private-engine" ] && engine=unix://$(sed -n 1p "$data/private-engine")/docker.sock

# Signals go only to the processes up.sh started: a pid file of one that is gone may name any process now.
if [ -f "$data/daemon.pid" ]; then
  pid=$(cat "$data/daemon.pid")
  ours() { { tr "\\0" " " <"/proc/$pid/cmdline"; } 2>/dev/null | grep -q -- "--data-root $data "; }
  if ours; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 40); do ours || break; sleep 0.25; done
    ours && { kill -9 "$pid" 2>/dev/null || true; }
  fi
  rm -f "$data/daemon.pid"
  echo "tswarm daemon stopped"
fi
rm -f "$sock"

if curl -sf --unix-socket "${engine#unix://}" http://d/_ping >/dev/null 2>&1; then
  ids=$(DOCKER_HOST=$engine docker ps -aq --filter label=com.docker.swarm.task.id)
  if [ -n "$ids" ]; then
    # shellcheck disable=SC2086
    DOCKER_HOST=$engine docker rm -f $ids >/dev/null
    echo "removed $(echo "$ids" | wc -l) task container(s)"
  fi
fi

# What the daemon left in this host's kernel for its tasks goes with them: the namespaces under its data
# root (the routing mesh's ingress one, overlays'), then the mesh's nftables table and FORWARD rules whose
# host link (tsi-…) went with its namespace. Those of other daemons, whose links remain, stay.
for ns in "$data"/agent/ingress/* "$data"/agent/netns/*; do
  [ -e "$ns" ] || continue
  umount "$ns" 2>/dev/null || true
  rm -f "$ns"
done
if command -v nft >/dev/null; then
  for t in $(nft list tables ip 2>/dev/null | awk '$3 ~ /^tswarm_mesh_/ {print $3}'); do
    ip link show "tsi-${t#tswarm_mesh_}" >/dev/null 2>&1 || nft delete table ip "$t" 2>/dev/null || true
  done
fi
if command -v iptables >/dev/null; then
  for l in $(iptables -w -S FORWARD 2>/dev/null | awk '$3 == "-i" || $3 == "-o" {print $4}' | grep '^tsi-' | sort -u); do
    ip link show "$l" >/dev/null 2>&1 && continue
    for dir in -i -o; do while iptables -w -D FORWARD "$dir" "$l" -j ACCEPT 2>/dev/null; do :; done; done
  done
fi

if [ -f "$data/private-engine" ]; then
  dir=$(sed -n 1p "$data/private-engine")
  bridge=$(sed -n 2p "$data/private-engine")
  if pid=$(our_engine_pid "$dir" "$dir/docker.pid"); then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  fi
  ip link del "$bridge" 2>/dev/null || true
  rm -f "$data/private-engine"
  [ "$purge" = --purge ] && rm -rf "$dir"
  echo "private Docker engine stopped"
fi
[ "$purge" = --purge ] && rm -rf "$data" && echo "swarm data deleted ($data)"
exit 0
