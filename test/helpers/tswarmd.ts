import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UNHANDLED_REJECTION } from '../../src/daemon/main.js';
import { notrackTable } from '../../src/network/overlay/vxlan-notrack.js';
import { IngressMesh } from '../../src/network/mesh/ingress-mesh.js';
import { SwarmStateFile } from '../../src/daemon/swarm-state.js';
import { IpRunner } from '../../src/network/overlay/ip-runner.js';

const repo = resolve(fileURLToPath(import.meta.url), '../../../..');
export const TSWARM_BIN = join(repo, 'bin', 'tswarm.js');

export interface Tswarmd {
  socket: string;
  host: string;
  dataRoot: string;
  proc: ChildProcess;
  log: () => string;
  /** Stops the daemon for good: a killed one's overlay namespaces are unmounted too. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Stops the process and leaves everything it made in place, as a crash does, for a later restart(). */
  kill(signal?: NodeJS.Signals): Promise<void>;
  restart(signal?: NodeJS.Signals): Promise<void>;
}

function ping(socket: string): Promise<boolean> {
  return new Promise((res) => {
    const r = request({ socketPath: socket, path: '/_ping', timeout: 1000 }, (resp) => { resp.resume(); res(resp.statusCode === 200); });
    r.on('error', () => res(false));
    r.end();
  });
}

/** A TCP port nobody listens on right now, on ip. */
export function freePort(ip = '127.0.0.1'): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, ip, () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

/** Starts a real `tswarm daemon` process with its own data root, socket and cluster port. */
export async function startTswarmd(o: { executor: 'docker' | 'process' | 'sim'; dockerHost?: string; extra?: string[]; listenAddr?: string; netns?: string }): Promise<Tswarmd & { listenAddr: string }> {
  const dataRoot = await mkdtemp(join(tmpdir(), 'tswarmd-'));
  const socket = join(dataRoot, 'tswarm.sock');
  const listenAddr = o.listenAddr ?? `127.0.0.1:${await freePort()}`;
  const args = [TSWARM_BIN, 'daemon', '--data-root', dataRoot, '--host', `unix://${socket}`, '--executor', o.executor,
    '--listen-addr', listenAddr, ...(o.dockerHost ? ['--docker-host', o.dockerHost] : []), ...(o.extra ?? [])];
  let out = '';
  const d: Tswarmd & { listenAddr: string } = {
    socket, host: `unix://${socket}`, dataRoot, listenAddr, proc: undefined as unknown as ChildProcess,
    log: () => out,
    async stop(signal = 'SIGTERM') {
      await halt(signal);
      // The ingress mesh's host side (the host link, its nft table, routing rules), as the node leaving would remove it.
      const nodeId = (await new SwarmStateFile(join(dataRoot, 'swarm')).load())?.nodeId;
      if (nodeId) {
        const mesh = new IngressMesh({ root: join(dataRoot, 'agent', 'ingress'), localAddr: listenAddr.split(':')[0], nodeId: () => nodeId, runner: new IpRunner(o.netns) });
        await mesh.removeAll().catch(() => undefined);
      }
      // A daemon killed for good leaves its overlay namespaces mounted under its data root, and with them their
      // VXLAN IDs in this machine's namespace: a later test's swarm would collide on them.
      const mounts = (await readFile('/proc/mounts', 'utf8')).split('\n').map((l) => l.split(' ')[1] ?? '');
      for (const m of mounts.filter((m) => m.startsWith(`${dataRoot}/agent/netns/`) || m.startsWith(`${dataRoot}/agent/ingress/`))) await run('umount', ['-l', m]);
      // And its notrack rules of VXLAN (kept over a restart, gone only when the node leaves): none piles up run after run.
      const table = notrackTable(join(dataRoot, 'agent', 'netns'));
      await run(o.netns ? 'nsenter' : 'nft', [...(o.netns ? [`--net=${o.netns}`, 'nft'] : []), `add table ip ${table}; delete table ip ${table}`]);
    },
    async kill(signal = 'SIGKILL') {
      await halt(signal);
    },
    async restart(signal = 'SIGTERM') {
      await halt(signal);
      await launch();
    },
  };
  const halt = async (signal: NodeJS.Signals) => {
    const p = d.proc;
    if (p.exitCode === null && p.signalCode === null) {
      const exited = new Promise((r) => p.once('exit', r));
      p.kill(signal);
      await exited;
    }
    // The daemon logs a promise nobody handled and goes on: a test that caused one fails.
    const bug = out.split('\n').find((l) => l.includes(UNHANDLED_REJECTION));
    if (bug) throw new Error(`the daemon on ${listenAddr} had an unhandled promise rejection: ${bug}`);
  };
  const launch = async () => {
    // netns: a simulated host's namespace (nsenter execs node: the pid is the daemon's).
    const argv = o.netns ? ['nsenter', `--net=${o.netns}`, process.execPath, ...args] : [process.execPath, ...args];
    const p = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TSWARM_LOG_LEVEL: 'warn' } });
    p.stdout!.on('data', (c) => (out += c));
    p.stderr!.on('data', (c) => (out += c));
    d.proc = p;
    for (let i = 0; i < 100; i++) {
      if (await ping(socket)) return;
      if (p.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`tswarm daemon did not start:\n${out}`);
  };
  await launch();
  return d;
}

export interface RunResult { code: number; stdout: string; stderr: string }

/** Runs the real docker CLI (or any command) against a DOCKER_HOST. */
export function run(cmd: string, args: string[], env: Record<string, string> = {}, timeoutMs = 60_000): Promise<RunResult> {
  return new Promise((res) => {
    execFile(cmd, args, { env: { ...process.env, ...env }, timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      res({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

export const docker = (host: string, ...args: string[]) => run('docker', args, { DOCKER_HOST: host });

/** The docker CLI with `input` on its standard input (`swarm unlock` reads the key there). */
export function dockerWithInput(host: string, input: string, ...args: string[]): Promise<RunResult> {
  return new Promise((res) => {
    const p = execFile('docker', args, { env: { ...process.env, DOCKER_HOST: host }, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      res({ code, stdout: String(stdout), stderr: String(stderr) });
    });
    p.stdin!.end(input);
  });
}
export const tswarm = (host: string, ...args: string[]) => run(process.execPath, ['--', TSWARM_BIN, ...args], { DOCKER_HOST: host });

/** Polls until fn returns a truthy value. */
export async function eventually<T>(fn: () => Promise<T | undefined | false> | T | undefined | false, ms = 30_000, what = 'condition'): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as T;
    } catch (e) { last = e; }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${last}` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export function httpGet(port: number, host = '127.0.0.1'): Promise<string> {
  return new Promise((res, rej) => {
    const r = request({ host, port, path: '/', timeout: 3000 }, (resp) => {
      let b = '';
      resp.on('data', (c) => (b += c));
      resp.on('end', () => res(b));
    });
    r.on('error', rej);
    r.on('timeout', () => r.destroy(new Error('timeout')));
    r.end();
  });
}
