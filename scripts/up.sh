#!/usr/bin/env bash
# Starts tswarm for real: builds it, runs `tswarm daemon` in the background
# (embedded default executor) and initializes a single-node swarm.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci --no-audit --no-fund
npm run build >/dev/null
sock=${TSWARM_SOCKET:-/run/tswarm/tswarm.sock}
data=${TSWARM_DATA_ROOT:-/var/lib/tswarm}
mkdir -p "$(dirname "$sock")" "$data"
if ! curl -sf --unix-socket "$sock" http://d/_ping >/dev/null 2>&1; then
  nohup node bin/tswarm.js daemon --data-root "$data" --host "unix://$sock" "$@" >"$data/daemon.log" 2>&1 &
  echo $! >"$data/daemon.pid"
  for _ in $(seq 1 50); do curl -sf --unix-socket "$sock" http://d/_ping >/dev/null 2>&1 && break; sleep 0.2; done
fi
export DOCKER_HOST=unix://$sock
state=$(node bin/tswarm.js info --format '{{.Swarm.LocalNodeState}}' 2>/dev/null || true)
[ "$state" = active ] || node bin/tswarm.js swarm init --advertise-addr 127.0.0.1 >/dev/null
head -1 "$data/daemon.log"
echo "tswarm is running (pid $(cat "$data/daemon.pid" 2>/dev/null || echo '?'), log $data/daemon.log)."
echo "Use it with:  export DOCKER_HOST=unix://$sock   then  docker node ls / tswarm node ls"
