import assert from 'node:assert/strict';
import { docker, eventually, freePort, startTswarmd, type Tswarmd } from './tswarmd.js';

export type Daemon = Tswarmd & { listenAddr: string; name: string };

export const dk = (d: Daemon, ...a: string[]) => docker(d.host, ...a);

/**
 * Starts n daemons on their own loopback addresses (127.0.0.<first+i>), a free
 * cluster port each, named <prefix><i>.
 */
export async function startNodes(n: number, o: { first: number; prefix: string; executor?: 'sim' | 'process'; extra?: string[] }): Promise<Daemon[]> {
  const ds: Daemon[] = [];
  for (let i = 1; i <= n; i++) {
    const ip = `127.0.0.${o.first + i - 1}`;
    const name = `${o.prefix}${i}`;
    const d = await startTswarmd({ executor: o.executor ?? 'sim', listenAddr: `${ip}:${await freePort(ip)}`, extra: ['--hostname', name, ...(o.extra ?? [])] });
    ds.push(Object.assign(d, { name }));
  }
  return ds;
}

export const isUp = (d: Daemon) => d.proc.exitCode === null && d.proc.signalCode === null;

/** The manager whose `node ls` marks itself Leader. */
export async function findLeader(ds: Daemon[]): Promise<Daemon> {
  return eventually(async () => {
    for (const d of ds) {
      if (!isUp(d)) continue;
      const r = await dk(d, 'node', 'ls', '--format', '{{.Self}} {{.ManagerStatus}}');
      if (r.code === 0 && /^true Leader$/m.test(r.stdout)) return d;
    }
    return undefined;
  }, 30_000, 'a leader');
}

/** `swarm init` on the first manager, then `swarm join` of the other managers and the workers, with the real docker CLI. */
export async function formSwarm(managers: Daemon[], workers: Daemon[] = []) {
  const init = await dk(managers[0], 'swarm', 'init', '--advertise-addr', managers[0].listenAddr);
  assert.equal(init.code, 0, init.stderr);
  const token = async (role: string) => (await dk(managers[0], 'swarm', 'join-token', '-q', role)).stdout.trim();
  const mt = await token('manager');
  const wt = await token('worker');
  for (const [d, tok, role] of [...managers.slice(1).map((d) => [d, mt, 'manager'] as const), ...workers.map((d) => [d, wt, 'worker'] as const)]) {
    const j = await dk(d, 'swarm', 'join', '--token', tok, '--advertise-addr', d.listenAddr, managers[0].listenAddr);
    assert.equal(j.code, 0, j.stderr);
    assert.match(j.stdout, new RegExp(`This node joined a swarm as a ${role}\\.`));
  }
}

/** `node ls` as "HOSTNAME STATUS MANAGERSTATUS" lines, sorted. */
export async function nodeList(d: Daemon): Promise<string[]> {
  const r = await dk(d, 'node', 'ls', '--format', '{{.Hostname}} {{.Status}} {{.ManagerStatus}}');
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim().split('\n').map((l) => l.trim()).sort();
}

/** Running tasks of a service by node name, from `service ps`. */
export async function runningByNode(d: Daemon, service: string): Promise<Map<string, number>> {
  const r = await dk(d, 'service', 'ps', service, '--filter', 'desired-state=running', '--format', '{{.Node}} {{.CurrentState}}');
  const out = new Map<string, number>();
  for (const l of r.stdout.trim().split('\n')) {
    const [node, state] = l.split(' ');
    if (state === 'Running') out.set(node, (out.get(node) ?? 0) + 1);
  }
  return out;
}
