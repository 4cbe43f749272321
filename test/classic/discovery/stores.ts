import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../helpers/tswarmd.js';

/**
 * Real discovery stores for the tests, each on a loopback port with a temp
 * data dir, started and stopped by the test (never the system services):
 * etcd (Debian's etcd-server) and ZooKeeper (Debian's zookeeper).
 */
export interface TestStore {
  /** host:port of the client port */
  addr: string;
  stop(): Promise<void>;
  /** Kills the server and starts it again on the same port and data (a store outage). */
  restart(downMs: number): Promise<void>;
}

/** Why a store cannot run here (missing package), or undefined. Outside CI the tests skip then; in CI they fail. */
export function missing(store: 'etcd' | 'zookeeper'): string | undefined {
  if (store === 'etcd' && !existsSync('/usr/bin/etcd')) return 'etcd is not installed (apt-get install etcd-server)';
  if (store === 'zookeeper' && !existsSync('/usr/share/java/zookeeper.jar')) return 'zookeeper is not installed (apt-get install zookeeper)';
  return undefined;
}

export const skipUnless = (store: 'etcd' | 'zookeeper') => (process.env.CI === 'true' ? false : missing(store) ?? false);

function until(what: string, ok: () => Promise<boolean>, ms: number, proc: ChildProcess, log: () => string): Promise<void> {
  const end = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const tick = () => {
      if (proc.exitCode !== null) return reject(new Error(`${what} exited ${proc.exitCode}: ${log().slice(-2000)}`));
      ok().then((up) => {
        if (up) return resolve();
        if (Date.now() > end) return reject(new Error(`${what} did not start within ${ms} ms: ${log().slice(-2000)}`));
        setTimeout(tick, 100);
      }, reject);
    };
    tick();
  });
}

function spawnLogged(cmd: string, args: string[]) {
  const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const keep = (c: Buffer) => { log = (log + c.toString()).slice(-20_000); };
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  return { proc, log: () => log };
}

async function kill(proc: ChildProcess) {
  if (proc.exitCode === null && proc.signalCode === null) {
    const gone = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGKILL');
    await gone;
  }
}

/** A server process that can be killed and started again with the same arguments. */
async function serve(what: string, cmd: string, args: string[], up: () => Promise<boolean>, ms: number, dir: string, addr: string): Promise<TestStore> {
  let cur = spawnLogged(cmd, args);
  await until(what, up, ms, cur.proc, cur.log);
  return {
    addr,
    async stop() {
      await kill(cur.proc);
      await rm(dir, { recursive: true, force: true });
    },
    async restart(downMs) {
      await kill(cur.proc);
      await new Promise((r) => setTimeout(r, downMs));
      cur = spawnLogged(cmd, args);
      await until(what, up, ms, cur.proc, cur.log);
    },
  };
}

/** etcd 3.4 with short timeouts (a 1 s lease is allowed with a 500 ms election timeout), v2 keys enabled unless said. */
export async function startEtcd(o: { v2?: boolean } = {}): Promise<TestStore> {
  const dir = await mkdtemp(join(tmpdir(), 'tswarm-etcd-'));
  const [client, peer] = [await freePort(), await freePort()];
  return serve('etcd', 'etcd', [
    '--name', 'test', '--data-dir', dir,
    '--listen-client-urls', `http://127.0.0.1:${client}`, '--advertise-client-urls', `http://127.0.0.1:${client}`,
    '--listen-peer-urls', `http://127.0.0.1:${peer}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${peer}`,
    '--initial-cluster', `test=http://127.0.0.1:${peer}`,
    '--election-timeout', '500', '--heartbeat-interval', '100', ...(o.v2 === false ? [] : ['--enable-v2']),
  ], async () => {
    try {
      return (await fetch(`http://127.0.0.1:${client}/health`, { signal: AbortSignal.timeout(1000) })).status === 200;
    } catch { return false; }
  }, 20_000, dir, `127.0.0.1:${client}`);
}

/** A standalone ZooKeeper with a 200 ms tick: sessions may time out from 400 ms to 4 s. */
export async function startZookeeper(): Promise<TestStore> {
  const dir = await mkdtemp(join(tmpdir(), 'tswarm-zk-'));
  const port = await freePort();
  // serving, not just listening: the `srvr` four-letter command (allowed by default) says so
  const open = () => new Promise<boolean>((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.setTimeout(1000, () => s.destroy());
    let out = '';
    s.once('connect', () => s.end('srvr'));
    s.on('data', (c: Buffer) => { out += c.toString(); });
    s.once('close', () => resolve(out.startsWith('Zookeeper version')));
    s.once('error', () => resolve(false));
  });
  return serve('zookeeper', 'java', [
    '-Xmx128m', '-Dzookeeper.admin.enableServer=false', '-cp', '/usr/share/java/*', 'org.apache.zookeeper.server.ZooKeeperServerMain', String(port), dir, '200',
  ], open, 30_000, dir, `127.0.0.1:${port}`);
}
