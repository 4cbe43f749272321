import { readFile, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import { all, has, one, parseArgs, type Parsed } from '../cli/args.js';
import { parseDuration } from '../cli/commands/util.js';
import { logger } from '../log.js';
import type { Front } from './api/front.js';
import { createFrontServer } from './api/server.js';
import { clusterStatus, eventMessage, publishEvent } from './api/system.js';
import { Cluster } from './cluster.js';
import { parseDiscovery } from './discovery/parse.js';
import type { EngineTls } from './engine/engine-api.js';
import { Pool } from './pool/pool.js';
import { Replication } from './replication.js';
import { FILTERS, filtersByName } from './scheduler/filters.js';
import { Scheduler } from './scheduler/scheduler.js';
import { STRATEGIES, strategyByName } from './scheduler/strategies.js';

const log = logger('classic-manage');

export const MANAGE_USAGE = `Usage: tswarm manage [OPTIONS] <discovery>

Manage a docker cluster (classic standalone Swarm)

Arguments:
   <discovery>    discovery service to use [$SWARM_DISCOVERY]
                   * ip1,ip2,ip3 / nodes://ip1,ip2,ip3, ranges nodes://10.0.0.[11:13]:2375
                   * file://path/to/file
                   * token://<token>, etcd://<ip>/<path>, consul://<ip>/<path>, zk://<ip1>,<ip2>/<path>

Options:
   --host, -H [--host option --host option]   ip/socket to listen on (default tcp://127.0.0.1:2375)
   --strategy "spread"                         placement strategy to use [${STRATEGIES.map((s) => s.name).join(', ')}]
   --filter, -f [--filter option ...]          filter to use [${FILTERS.map((f) => f.name).join(', ')}]
   --engine-refresh-min-interval "30s"         set engine refresh minimum interval
   --engine-refresh-max-interval "60s"         set engine refresh maximum interval
   --engine-failure-retry "3"                  set engine failure retry count
   --heartbeat "60s"                           period between each heartbeat
   --tls                                       use TLS; implied by --tlsverify=true
   --tlscacert                                 trust only remotes providing a certificate signed by the CA given here
   --tlscert                                   path to TLS certificate file
   --tlskey                                    path to TLS key file
   --tlsverify                                 use TLS and verify the remote
   --replication                               Enable Swarm manager replication
   --replication-ttl "20s"                     Leader lock release time on failure
   --advertise, --addr                         Address of the swarm manager joining the cluster
   --discovery-opt [--discovery-opt option]    discovery options (kv.path=…)
   --cluster-opt [--cluster-opt option]        cluster driver options (swarm.overcommit=0.05)
`;

const FLAGS = {
  host: { short: 'H', value: true }, strategy: { value: true }, filter: { short: 'f', value: true },
  'engine-refresh-min-interval': { value: true }, 'engine-refresh-max-interval': { value: true },
  'engine-failure-retry': { value: true }, 'engine-refresh-retry': { value: true }, heartbeat: { value: true },
  tls: { value: false }, tlsverify: { value: false }, tlscacert: { value: true }, tlscert: { value: true }, tlskey: { value: true },
  replication: { value: false }, 'replication-ttl': { value: true }, advertise: { value: true }, addr: { value: true },
  'discovery-opt': { value: true }, 'cluster-opt': { value: true }, 'cluster-driver': { short: 'c', value: true },
  help: { short: 'h', value: false },
} as const;

/** A usage error: printed, exit 1, nothing started. */
class Fatal extends Error {}

function duration(p: Parsed, flag: string, dflt: string): number {
  const v = one(p, flag) ?? dflt;
  try { return parseDuration(v) / 1e6; } catch { throw new Fatal(`invalid --${flag}: time: invalid duration "${v}"`); }
}

interface ManageConfig {
  hosts: string[];
  discovery: string;
  strategy: string;
  filters: string[];
  refreshMinMs: number;
  refreshMaxMs: number;
  failureRetry: number;
  heartbeatMs: number;
  overcommitPercent: number;
  kvPath?: string;
  tls?: { ca?: Buffer; cert: Buffer; key: Buffer; verify: boolean };
  replication?: { advertise: string; ttlMs: number };
}

async function configOf(argv: string[]): Promise<ManageConfig> {
  let p: Parsed;
  try { p = parseArgs(argv, FLAGS); } catch (e) { throw new Fatal((e as Error).message); }
  const tlsOn = has(p, 'tls') || has(p, 'tlsverify');
  let tls: ManageConfig['tls'];
  if (tlsOn) {
    if (!one(p, 'tlscert') || !one(p, 'tlskey')) throw new Fatal('--tlscert and --tlskey must be provided when using --tls');
    if (has(p, 'tlsverify') && !one(p, 'tlscacert')) throw new Fatal('--tlscacert must be provided when using --tlsverify');
    try {
      tls = {
        cert: await readFile(one(p, 'tlscert')!), key: await readFile(one(p, 'tlskey')!),
        ca: one(p, 'tlscacert') ? await readFile(one(p, 'tlscacert')!) : undefined, verify: has(p, 'tlsverify'),
      };
    } catch (e) { throw new Fatal(`Couldn't load X509 key pair (${one(p, 'tlscert')}, ${one(p, 'tlskey')}): ${(e as Error).message}`); }
  } else if (one(p, 'tlscert') || one(p, 'tlskey') || one(p, 'tlscacert')) {
    throw new Fatal('--tlscert, --tlskey and --tlscacert require the use of either --tls or --tlsverify');
  }
  const refreshMinMs = duration(p, 'engine-refresh-min-interval', '30s');
  const refreshMaxMs = duration(p, 'engine-refresh-max-interval', '60s');
  if (refreshMinMs <= 0) throw new Fatal('min refresh interval should be a positive number');
  if (refreshMaxMs < refreshMinMs) throw new Fatal('max refresh interval cannot be less than min refresh interval');
  if ((one(p, 'engine-refresh-retry') ?? '3') !== '3') throw new Fatal('--engine-refresh-retry is deprecated. Use --engine-failure-retry');
  const failureRetry = Number(one(p, 'engine-failure-retry') ?? '3');
  if (!Number.isInteger(failureRetry) || failureRetry <= 0) throw new Fatal('invalid failure retry count');
  const discovery = p.args[0] ?? process.env.SWARM_DISCOVERY ?? '';
  if (!discovery) throw new Fatal("discovery required to manage a cluster. See 'tswarm manage --help'.");
  const heartbeatMs = duration(p, 'heartbeat', '60s');
  if (heartbeatMs < 1000) throw new Fatal('--heartbeat should be at least one second');
  const strategy = one(p, 'strategy') ?? 'spread';
  const filters = p.flags.has('filter') ? all(p, 'filter') : FILTERS.map((f) => f.name);
  let overcommitPercent = 5;
  for (const o of all(p, 'cluster-opt')) {
    const [k, v] = o.split('=', 2);
    if (k === 'swarm.overcommit') {
      const r = Number(v);
      if (Number.isNaN(r) || r <= -1) throw new Fatal(`invalid value for swarm.overcommit: ${v}`);
      overcommitPercent = r * 100;
    } else if (k !== 'swarm.createretry' && k !== 'swarm.refreshretry') {
      throw new Fatal(`unsupported option ${k}`);
    }
  }
  let kvPath: string | undefined;
  for (const o of all(p, 'discovery-opt')) {
    if (!o.includes('=')) throw new Fatal('--discovery-opt must contain key=value strings');
    const [k, v] = [o.slice(0, o.indexOf('=')), o.slice(o.indexOf('=') + 1)];
    if (k === 'kv.path') kvPath = v;
  }
  if ((one(p, 'cluster-driver') ?? 'swarm') !== 'swarm') throw new Fatal(`unsupported cluster "${one(p, 'cluster-driver')}"`);
  let replication: ManageConfig['replication'];
  if (has(p, 'replication')) {
    const advertise = one(p, 'advertise') ?? one(p, 'addr') ?? '';
    if (!advertise) throw new Fatal('--advertise address must be provided when using --leader-election');
    if (!/^[^:\s]+:\d+$/.test(advertise) && !/^\[[^\]]+\]:\d+$/.test(advertise)) throw new Fatal('--advertise should be of the form ip:port or hostname:port');
    replication = { advertise, ttlMs: duration(p, 'replication-ttl', '20s') };
    if (replication.ttlMs <= 0) throw new Fatal('--replication-ttl should be a positive number');
  }
  const hosts = p.flags.has('host') ? all(p, 'host') : ['tcp://127.0.0.1:2375'];
  return {
    hosts, discovery, strategy, filters, refreshMinMs, refreshMaxMs, failureRetry, heartbeatMs, overcommitPercent, kvPath, tls, replication,
  };
}

function listen(server: Server, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    const done = () => { server.off('error', reject); resolve(); };
    if (host.startsWith('unix://')) {
      const path = host.slice('unix://'.length);
      rm(path, { force: true }).then(() => server.listen(path, done), reject);
      return;
    }
    const addr = host.replace(/^tcp:\/\//, '');
    const i = addr.lastIndexOf(':');
    if (i < 0) { reject(new Fatal(`invalid --host ${host}: missing port`)); return; }
    server.listen(Number(addr.slice(i + 1)), addr.slice(0, i).replace(/^\[|\]$/g, '') || '0.0.0.0', done);
  });
}

/** `tswarm manage`: the Docker API in front of the discovery's engines. Resolves with the exit code on SIGINT/SIGTERM. */
export async function runManage(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) { process.stdout.write(MANAGE_USAGE); return 0; }
  let cfg: ManageConfig;
  let scheduler: Scheduler;
  let discovery;
  try {
    cfg = await configOf(argv);
    scheduler = new Scheduler(strategyByName(cfg.strategy), filtersByName(cfg.filters));
    discovery = parseDiscovery(cfg.discovery, { refreshMs: cfg.heartbeatMs, kvPath: cfg.kvPath });
  } catch (e) {
    process.stderr.write(`tswarm manage: ${(e as Error).message}\n`);
    return 1;
  }
  // The store must answer once at start: an unreachable one is an error now, not a silent empty pool.
  try {
    await withTimeout(discovery.list(), 10_000, `no answer from ${cfg.discovery} in 10s`);
  } catch (e) {
    process.stderr.write(`tswarm manage: discovery ${cfg.discovery}: ${(e as Error).message}\n`);
    return 1;
  }
  let election;
  if (cfg.replication) {
    election = discovery.leaderElection?.({ ttlMs: cfg.replication.ttlMs });
    if (!election) {
      process.stderr.write('tswarm manage: Leader election is only supported with consul, etcd and zookeeper discovery.\n');
      return 1;
    }
  }
  const engineTls: EngineTls | undefined = cfg.tls ? { ca: cfg.tls.ca, cert: cfg.tls.cert, key: cfg.tls.key, verify: cfg.tls.verify } : undefined;
  const pool = new Pool({ refreshMinMs: cfg.refreshMinMs, refreshMaxMs: cfg.refreshMaxMs, failureRetry: cfg.failureRetry, overcommitPercent: cfg.overcommitPercent, tls: engineTls });
  const cluster = new Cluster(pool, scheduler);
  const replication = cfg.replication && election
    ? new Replication(election, cfg.replication.advertise, engineTls, (role) => log.info({ role }, 'role'))
    : undefined;
  const front: Front = {
    pool, cluster, execs: new Map(),
    status: () => [...(replication?.status() ?? [['Role', 'primary']]), ...clusterStatus(front, scheduler.strategy.name, scheduler.filterNames())],
  };
  // The watchdog (primary only): containers of a failed engine move; their old copies go when it comes back.
  pool.on((ev) => {
    publishEvent(eventMessage(ev));
    if (ev.kind !== 'engine' || (replication && replication.role !== 'primary')) return;
    const work = ev.status === 'engine_disconnect' ? cluster.reschedule(ev.engine) : cluster.removeDuplicates(ev.engine);
    work.catch((e: unknown) => log.error({ err: String(e) }, 'watchdog failed'));
  });
  const watch = discovery.watch((entries) => pool.setEntries(entries), (err) => log.error({ err: err.message }, 'discovery error'));
  const servers: Server[] = [];
  try {
    for (const h of cfg.hosts) {
      const s = createFrontServer(front, {
        tls: cfg.tls ? { cert: cfg.tls.cert, key: cfg.tls.key, ca: cfg.tls.ca, requestCert: cfg.tls.verify, rejectUnauthorized: cfg.tls.verify, minVersion: 'TLSv1.2' } : undefined,
        forwarding: replication,
      });
      await listen(s, h);
      servers.push(s);
      log.info({ host: h }, 'listening for HTTP');
    }
  } catch (e) {
    process.stderr.write(`tswarm manage: ${(e as Error).message}\n`);
    watch.stop(); pool.stop();
    for (const s of servers) s.close();
    return 1;
  }
  replication?.start();
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  log.info({ signal }, 'stopping');
  await replication?.stop().catch(() => undefined);
  watch.stop();
  pool.stop();
  for (const s of servers) { s.close(); s.closeAllConnections(); }
  await discovery.close?.().catch(() => undefined);
  return 0;
}

function withTimeout<T>(p: Promise<T>, ms: number, msg: string): Promise<T> {
  let t: NodeJS.Timeout;
  return Promise.race([p, new Promise<T>((_, rej) => { t = setTimeout(() => rej(new Error(msg)), ms); })]).finally(() => clearTimeout(t));
}
