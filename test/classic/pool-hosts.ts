import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureBusyboxImage } from '../helpers/image.js';
import { TSWARM_BIN, eventually, freePort, run, type RunResult } from '../helpers/tswarmd.js';

const repo = resolve(fileURLToPath(import.meta.url), '../../../..');

/** The engines classic tests drive: tswc1..3 in their own network namespaces, on TCP, with labels the filters read. */
export const HOSTS = { name: 'tswc', net: '10.78.0' };
export const ENGINE_LABELS: Record<number, string> = {
  1: 'storage=ssd zone=east',
  2: 'storage=disk zone=east',
  3: 'storage=ssd zone=west containerslots=4',
};
export const engineAddr = (i: number) => `${HOSTS.net}.${i}:2375`;
export const engineHost = (i: number) => `tcp://${engineAddr(i)}`;

const hostsEnv = (): Record<string, string> => ({
  TSWARM_HOSTS_NAME: HOSTS.name, TSWARM_HOSTS_NET: HOSTS.net,
  ...Object.fromEntries(Object.entries(ENGINE_LABELS).map(([i, l]) => [`TSWARM_HOSTS_LABELS_${i}`, l])),
});

/** Starts the three engines (idempotent), imports the test image, removes every container left on them. */
export async function enginesUp(): Promise<void> {
  const up = await run('bash', [resolve(repo, 'scripts/netns-hosts.sh'), 'up', '3', '--tcp'], hostsEnv(), 180_000);
  if (up.code !== 0) throw new Error(`netns-hosts up: ${up.stderr}`);
  for (const i of [1, 2, 3]) {
    await ensureBusyboxImage(engineHost(i));
    await clearEngine(i);
  }
}

export async function clearEngine(i: number): Promise<void> {
  const ids = (await run('docker', ['ps', '-aq'], { DOCKER_HOST: engineHost(i) })).stdout.split('\n').filter(Boolean);
  if (ids.length) await run('docker', ['rm', '-f', ...ids], { DOCKER_HOST: engineHost(i) });
}

export interface Manager {
  port: number;
  host: string;
  proc: ChildProcess;
  log(): string;
  docker(...args: string[]): Promise<RunResult>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts `tswarm manage` on 127.0.0.1 with fast refreshes; resolves once it answers and lists `engines` healthy. */
export async function startManager(args: string[], o: { engines?: number; dockerArgs?: string[]; ip?: string; port?: number; nodeArgs?: string[]; readyMs?: number } = {}): Promise<Manager> {
  const ip = o.ip ?? '127.0.0.1';
  const port = o.port ?? await freePort(ip);
  const proc = spawn(process.execPath, [...(o.nodeArgs ?? []), TSWARM_BIN, 'manage', '-H', `tcp://${ip}:${port}`,
    '--engine-refresh-min-interval', '1s', '--engine-refresh-max-interval', '2s', '--engine-failure-retry', '2', ...args],
  { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TSWARM_LOG_LEVEL: 'info' } });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  proc.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
  const host = `tcp://${ip}:${port}`;
  const docker = (...a: string[]) => run('docker', ['-H', host, ...(o.dockerArgs ?? []), ...a], { DOCKER_HOST: '', DOCKER_TLS_VERIFY: '', DOCKER_CERT_PATH: '' });
  const m: Manager = {
    port, host, proc, log: () => out, docker,
    stop: async (signal = 'SIGTERM') => {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const gone = new Promise((r) => proc.once('exit', r));
      proc.kill(signal);
      await gone;
    },
  };
  const want = o.engines ?? 3;
  await eventually(async () => {
    if (proc.exitCode !== null) throw new Error(`manage exited: ${out}`);
    const r = await docker('info', '--format', '{{json .SystemStatus}}');
    if (r.code !== 0) return false;
    const status = JSON.parse(r.stdout) as [string, string][];
    return status.filter(([k, v]) => k === '  └ Status' && v === 'Healthy').length >= want;
  }, o.readyMs ?? 30_000, `manage with ${want} healthy engines`);
  return m;
}

/** Which engine each listed container is on (`tswc2/web` → tswc2), by container name. */
export async function placements(m: Manager): Promise<Map<string, string>> {
  const r = await m.docker('ps', '-a', '--format', '{{.Names}}');
  if (r.code !== 0) throw new Error(r.stderr);
  const out = new Map<string, string>();
  for (const line of r.stdout.split('\n').filter(Boolean)) {
    const [node, name] = line.split('/');
    out.set(name, node);
  }
  return out;
}

export function countByNode(p: Map<string, string>): Record<string, number> {
  const c: Record<string, number> = {};
  for (const n of p.values()) c[n] = (c[n] ?? 0) + 1;
  return c;
}

/** Removes every container of the pool through the manager. */
export async function clearPool(m: Manager): Promise<void> {
  const ids = (await m.docker('ps', '-aq')).stdout.split('\n').filter(Boolean);
  if (ids.length) await m.docker('rm', '-f', ...ids);
  await eventually(async () => (await m.docker('ps', '-aq')).stdout.trim() === '', 10_000, 'an empty pool');
}
