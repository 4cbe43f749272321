import assert from 'node:assert/strict';
import type { NetnsHost } from './netns-hosts.js';
import { docker, eventually, startTswarmd, type Tswarmd } from './tswarmd.js';

export type HostNode = Tswarmd & { listenAddr: string; h: NetnsHost };

/**
 * A tswarm daemon (docker executor) on each simulated host, the first one's
 * swarm joined by the others as workers; returns once every node is Ready.
 * Nodes are pushed into `nodes` as they start, so the caller's after() stops
 * those already running when a later step fails.
 */
export async function swarmOnHosts(hosts: NetnsHost[], nodes: HostNode[]): Promise<void> {
  for (const h of hosts) {
    const d = await startTswarmd({ executor: 'docker', dockerHost: h.dockerHost, listenAddr: `${h.ip}:2377`, netns: h.netns, extra: ['--hostname', h.name] });
    nodes.push(Object.assign(d, { h }));
  }
  const manager = nodes[0];
  const init = await docker(manager.host, 'swarm', 'init', '--advertise-addr', manager.listenAddr);
  assert.equal(init.code, 0, init.stderr);
  const token = (await docker(manager.host, 'swarm', 'join-token', '-q', 'worker')).stdout.trim();
  for (const n of nodes.slice(1)) {
    const j = await docker(n.host, 'swarm', 'join', '--token', token, '--advertise-addr', n.listenAddr, manager.listenAddr);
    assert.equal(j.code, 0, j.stderr);
  }
  await eventually(async () => (await docker(manager.host, 'node', 'ls', '--format', '{{.Status}}')).stdout.trim().split('\n')
    .filter((s) => s === 'Ready').length === nodes.length, 30_000, `${nodes.length} Ready nodes`);
}
