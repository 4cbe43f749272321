/**
 * bench/etcd-client: the etcd side of bench/raft. Starts a 3-member etcd
 * cluster on loopback (default settings, so fsync on), and drives it through
 * etcd's v3 JSON gateway over plain HTTP — no etcd client library needed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, closeSync, openSync, readFileSync, rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { setMaxListeners } from 'node:events';
import * as http from 'node:http';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/** The etcd binary on the PATH, if any. */
export function etcdOnPath(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, 'etcd');
    try { accessSync(p, constants.X_OK); return p; } catch { /* not here */ }
  }
  return undefined;
}

interface EtcdMember {
  name: string; host: string; clientPort: number; peerPort: number; dir: string; log: string;
  proc?: ChildProcess; exited?: Promise<void>; dead?: boolean;
}

export interface Status { memberId: string; leader: string; raftIndex: number }

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const b64 = (s: string) => Buffer.from(s).toString('base64');

// Keep-alive so latency measures etcd, not TCP handshakes; no socket cap so 64 clients get 64 sockets.
const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });

/** POSTs JSON to the gateway; resolves the parsed body on 200, rejects on anything else. */
function post(host: string, port: number, path: string, body: string, timeoutMs: number, signal?: AbortSignal): Promise<any> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host, port, path, method: 'POST', agent, signal,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        if (res.statusCode === 200) { try { resolve(JSON.parse(text)); } catch (e) { reject(e); } }
        else reject(new Error(`etcd ${path}: HTTP ${res.statusCode} ${text.slice(0, 200)}`));
      });
    });
    // A put forwarded to a dead leader is dropped silently; don't wait for etcd's own 7 s request timeout.
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`etcd ${path}: timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

export class EtcdCluster {
  readonly members: EtcdMember[];
  private constructor(readonly bin: string, readonly base: string, readonly token: string) {
    this.members = [1, 2, 3].map((i) => ({
      name: `e${i}`, host: `127.0.0.${10 + i}`, clientPort: 24379, peerPort: 24380,
      dir: join(base, `e${i}`), log: join(base, `e${i}.log`),
    }));
  }

  static async start(bin: string): Promise<EtcdCluster> {
    const base = await mkdtemp(join(tmpdir(), 'tswarm-bench-etcd-'));
    const c = new EtcdCluster(bin, base, `tswarm-bench-${process.pid}-${Date.now()}`);
    try {
      for (const m of c.members) c.spawn(m);
      for (const m of c.members) await c.waitUp(m, 20_000);
      await c.waitLeader();
    } catch (e) { c.destroySync(); throw e; }
    return c;
  }

  private spawn(m: EtcdMember) {
    const peer = (x: EtcdMember) => `http://${x.host}:${x.peerPort}`;
    const client = `http://${m.host}:${m.clientPort}`;
    // On restart the data dir already holds a WAL, so etcd ignores the --initial-* flags.
    const args = [
      '--name', m.name, '--data-dir', m.dir,
      '--listen-client-urls', client, '--advertise-client-urls', client,
      '--listen-peer-urls', peer(m), '--initial-advertise-peer-urls', peer(m),
      '--initial-cluster', this.members.map((x) => `${x.name}=${peer(x)}`).join(','),
      '--initial-cluster-state', 'new', '--initial-cluster-token', this.token,
      '--logger', 'zap', '--log-level', 'error',
    ];
    // ETCD_* variables from the caller's environment would override these flags.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ETCD_')));
    const fd = openSync(m.log, 'a');
    try { m.proc = spawn(this.bin, args, { env, stdio: ['ignore', fd, fd] }); } finally { closeSync(fd); }
    const p = m.proc;
    m.dead = false;
    m.exited = new Promise((res) => {
      p.once('exit', () => { m.dead = true; res(); });
      p.once('error', () => { m.dead = true; res(); }); // failed to spawn: waitUp reports it with the log
    });
  }

  private alive(m: EtcdMember) { return !!m.proc && !m.dead && m.proc.exitCode === null && m.proc.signalCode === null; }
  liveMembers() { return this.members.filter((m) => this.alive(m)); }

  private logTail(m: EtcdMember) {
    try { return readFileSync(m.log, 'utf8').trim().split('\n').slice(-5).join('\n'); } catch { return '(no log)'; }
  }

  async status(m: EtcdMember, timeoutMs = 500): Promise<Status> {
    const r = await post(m.host, m.clientPort, '/v3/maintenance/status', '{}', timeoutMs);
    return { memberId: String(r.header?.member_id), leader: String(r.leader ?? '0'), raftIndex: Number(r.raftIndex ?? 0) };
  }

  /** Until `m` answers status and knows a leader. */
  private async waitUp(m: EtcdMember, timeoutMs: number) {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      if (!this.alive(m)) throw new Error(`etcd ${m.name} exited:\n${this.logTail(m)}`);
      try { if ((await this.status(m)).leader !== '0') return; } catch { /* not listening yet */ }
      if (performance.now() > deadline) throw new Error(`etcd ${m.name} not up after ${timeoutMs} ms:\n${this.logTail(m)}`);
      await sleep(20);
    }
  }

  /** The live member whose status says it is the leader (member_id == leader). */
  async waitLeader(timeoutMs = 30_000): Promise<EtcdMember> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      for (const m of this.liveMembers()) {
        try { const s = await this.status(m); if (s.leader !== '0' && s.memberId === s.leader) return m; } catch { /* retry */ }
      }
      if (performance.now() > deadline) throw new Error(`etcd: no leader after ${timeoutMs} ms`);
      await sleep(5);
    }
  }

  put(m: EtcdMember, key: string, value64: string, timeoutMs: number, signal?: AbortSignal): Promise<unknown> {
    return post(m.host, m.clientPort, '/v3/kv/put', `{"key":"${b64(key)}","value":"${value64}"}`, timeoutMs, signal);
  }

  /**
   * Time from SIGKILL of the current leader to the first acknowledged put
   * through the survivors. A put issued before the survivors notice is lost
   * with the old leader, so a fresh one goes out every `hedgeMs`, round-robin,
   * and the first 200 wins — what a client retrying promptly would see.
   */
  async failover(value64: string, key: string, hedgeMs = 10, putTimeoutMs = 1000): Promise<{ ms: number; killed: EtcdMember }> {
    const killed = await this.waitLeader();
    const survivors = this.liveMembers().filter((m) => m !== killed);
    const ac = new AbortController();
    setMaxListeners(Infinity, ac.signal); // one listener per hedged put in flight
    const t0 = performance.now();
    killed.proc!.kill('SIGKILL');
    const ms = await new Promise<number>((resolve, reject) => {
      let i = 0;
      const fire = () => {
        this.put(survivors[i++ % survivors.length], `${key}/${i}`, value64, putTimeoutMs, ac.signal)
          .then(() => { clearInterval(timer); clearTimeout(giveUp); resolve(performance.now() - t0); }, () => undefined);
      };
      const timer = setInterval(fire, hedgeMs);
      const giveUp = setTimeout(() => { clearInterval(timer); reject(new Error('etcd: no acknowledged put 60 s after killing the leader')); }, 60_000);
      fire();
    });
    ac.abort(); // drop the hedged puts still in flight
    await killed.exited;
    return { ms, killed };
  }

  /** Restarts a killed member on its old data dir and waits until it is back in the cluster. */
  async restart(m: EtcdMember) {
    this.spawn(m);
    await this.waitUp(m, 20_000);
  }

  /** Kills every member and removes the data dirs; synchronous so it also works from an 'exit' handler. */
  destroySync() {
    for (const m of this.members) if (this.alive(m)) { try { m.proc!.kill('SIGKILL'); } catch { /* gone */ } }
    agent.destroy();
    rmSync(this.base, { recursive: true, force: true });
  }

  /** destroySync, but waits for the processes to be reaped before removing their dirs. */
  async destroy() {
    const live = this.liveMembers();
    for (const m of live) m.proc!.kill('SIGKILL');
    await Promise.all(live.map((m) => m.exited));
    this.destroySync();
  }

  /** `etcd --version`'s first line, e.g. "etcd Version: 3.4.23". */
  static version(bin: string): Promise<string> {
    return new Promise((resolve) => {
      const p = spawn(bin, ['--version'], { stdio: ['ignore', 'pipe', 'ignore'] });
      let out = '';
      p.stdout.on('data', (c: Buffer) => { out += c; });
      p.on('close', () => resolve(out.split('\n')[0]?.trim() || 'etcd (version unknown)'));
      p.on('error', () => resolve('etcd (version unknown)'));
    });
  }
}
