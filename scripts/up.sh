#!/usr/bin/env bash
# Starts tswarm for real: builds it, makes sure a Docker engine is there for it
# (the one on /var/run/docker.sock when it answers, else a private one it
# starts, installing Debian's docker.io when missing), runs `tswarm daemon`
# with the docker executor on that engine and initializes a single-node swarm.
#   bash scripts/up.sh [daemon flags…]       stop everything with: bash scripts/down.sh
# TSWARM_EXECUTOR=process chooses host processes instead (no images run).
# The dashboard: TSWARM_WEB_ADDR (default 127.0.0.1:9080; empty: none).
# Paths: TSWARM_SOCKET, TSWARM_DATA_ROOT; the private engine: TSWARM_ENGINE_DIR, TSWARM_ENGINE_BRIDGE, TSWARM_ENGINE_CIDR.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/private-engine.sh
[ -d node_modules ] || npm ci --no-audit --no-fund
npm run build >/dev/null
sock=${TSWARM_SOCKET:-/run/tswarm/tswarm.sock}
data=${TSWARM_DATA_ROOT:-/var/lib/tswarm}
engine_dir=${TSWARM_ENGINE_DIR:-/var/lib/tswarm-engine}
executor=${TSWARM_EXECUTOR:-docker}
bridge=${TSWARM_ENGINE_BRIDGE:-tswup0}
bridge_cidr=${TSWARM_ENGINE_CIDR:-172.30.97.1/24}
web=${TSWARM_WEB_ADDR-127.0.0.1:9080}
web_flags=()
[ -z "$web" ] || web_flags=(--web-addr "$web")
mkdir -p "$(dirname "$sock")" "$data"
ping_sock() { curl -sf --unix-socket "$1" http://d/_ping >/dev/null 2>&1; }

engine_flags=()
if [ "$executor" = docker ]; then
  if ping_sock /var/run/docker.sock; then
    engine=unix:///var/run/docker.sock
    echo "Docker engine: the one answering on /var/run/docker.sock"
  else
    if ! command -v dockerd >/dev/null; then
      echo "Installing Debian's docker.io (no Docker engine here)…"
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q docker.io >/dev/null
    fi
    start_private_engine "$engine_dir" "$bridge" "$bridge_cidr"
    engine=unix://$engine_dir/docker.sock
    printf "%s\n%s\n" "$engine_dir" "$bridge" >"$data/private-engine"
    echo "Docker engine: a private one tswarm started ($engine, data in $engine_dir/data, bridge $bridge)"
  fi
  engine_flags=(--executor docker --docker-host "$engine")
else
  engine_flags=(--executor "$executor")
fi

if ! ping_sock "$sock"; then
  nohup node bin/tswarm.js daemon --data-root "$data" --host "unix://$sock" "${engine_flags[@]}" "${web_flags[@]}" "$@" >"$data/daemon.log" 2>&1 &
  echo $! >"$data/daemon.pid"
  for _ in $(seq 1 50); do ping_sock "$sock" && break; sleep 0.2; done
  ping_sock "$sock" || { echo "tswarm did not start; its log:" >&2; tail -20 "$data/daemon.log" >&2; exit 1; }
fi
export DOCKER_HOST=unix://$sock
state=$(node bin/tswarm.js info --format '{{.Swarm.LocalNodeState}}' 2>/dev/null || true)
if [ "$state" != active ] && ! init_err=$(node bin/tswarm.js swarm init --advertise-addr 127.0.0.1 2>&1 >/dev/null); then
  echo "$init_err" >&2
  case $init_err in
    *"address already in use"*) echo "Another program holds the cluster port: run again with a free one, e.g.  bash scripts/up.sh --listen-addr 127.0.0.1:2477" >&2 ;;
  esac
  exit 1
fi
head -1 "$data/daemon.log"
echo "tswarm is running (pid $(cat "$data/daemon.pid" 2>/dev/null || echo '?'), log $data/daemon.log), a single-node swarm."
echo "Use it with:  export DOCKER_HOST=unix://$sock   then  docker node ls / tswarm node ls"
[ -z "$web" ] || echo "Dashboard (read-only; --web-actions allows scale and drain):  http://$web/"
echo "Stop everything with:  bash scripts/down.sh   (add --purge to delete the swarm's data too)"
