import { all, one, parseArgs, type FlagSpec } from '../args.js';
import { parseDuration } from './util.js';
import { checkAddress } from '../../classic/discovery/entries.js';
import { parseDiscovery, type DiscoveryOptions } from '../../classic/discovery/parse.js';
import { TokenDiscovery, tokenServiceUrl } from '../../classic/discovery/token.js';
import { startTokenServer } from '../../classic/discovery/token-server.js';

/**
 * Classic Swarm's discovery commands: `create` (a token), `join` (register an
 * engine and keep it registered), `list` (the registered engines) and
 * `token-server` (the token service that Docker Hub used to host).
 */

type Out = (s: string) => void;

const DISCOVERY_FLAGS: FlagSpec = {
  'discovery-opt': { value: true },
  'discovery-url': { value: true },
};

/** urfave/cli (classic Swarm's flag parser) takes long flags with one dash too: `-addr=10.0.0.1:2375`. */
function singleDashLong(argv: string[], spec: FlagSpec): string[] {
  return argv.map((a) => {
    const m = /^-([a-z][a-z-]+)(=.*)?$/.exec(a);
    return m && spec[m[1]] ? `-${a}` : a;
  });
}

/** The discovery URL: the one argument, else $SWARM_DISCOVERY / $TSWARM_DISCOVERY (classic Swarm's variable first). */
function discoveryArg(args: string[], cmd: string): string {
  if (args.length > 1) throw new Error(`"tswarm ${cmd}" takes one discovery URL, got ${args.length}: ${args.join(' ')}`);
  const url = args[0] ?? process.env.SWARM_DISCOVERY ?? process.env.TSWARM_DISCOVERY;
  if (!url) throw new Error(`discovery required to ${cmd === 'join' ? 'join' : 'list'} a cluster. See 'tswarm ${cmd} --help'.`);
  return url;
}

/** --discovery-opt kv.path=… (the only option of classic Swarm's that applies without TLS to the store) and --discovery-url. */
function discoveryOptions(p: ReturnType<typeof parseArgs>): DiscoveryOptions {
  const o: DiscoveryOptions = { tokenServiceUrl: one(p, 'discovery-url') };
  for (const kv of all(p, 'discovery-opt')) {
    const eq = kv.indexOf('=');
    const [k, v] = eq < 0 ? [kv, ''] : [kv.slice(0, eq), kv.slice(eq + 1)];
    if (k === 'kv.path' && v) o.kvPath = v;
    else throw new Error(`unsupported discovery option "${kv}" (supported: kv.path=PATH)`);
  }
  return o;
}

/** A Go duration flag in milliseconds. */
function durationMs(p: ReturnType<typeof parseArgs>, flag: string, dflt: string): number {
  const v = one(p, flag) ?? dflt;
  try {
    return parseDuration(v) / 1e6;
  } catch {
    throw new Error(`invalid --${flag}: time: invalid duration "${v}"`);
  }
}

/** Resolves when the process is told to stop (SIGINT, SIGTERM). */
function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (s: NodeJS.Signals) => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      resolve(s);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}

const JOIN_HELP = `Usage:  tswarm join [OPTIONS] <discovery>

Join a cluster: register this engine's address in the discovery store and refresh it every heartbeat

Options:
      --advertise, --addr string   Address of the Docker Engine joining the cluster (host:port); managers must reach it there ($SWARM_ADVERTISE)
      --heartbeat duration         Period between each heartbeat (default 60s)
      --ttl duration               Expiration of the registration (default 180s)
      --delay duration             Random delay in [0s,delay] before the first registration (default 0s)
      --discovery-opt kv.path=P    Key path of the engines in etcd/consul/zk (default docker/swarm/nodes)
      --discovery-url string       Token service for token://TOKEN ($TSWARM_DISCOVERY_URL)
`;

export async function joinCommand(argv: string[], out: Out): Promise<number> {
  const spec: FlagSpec = {
    ...DISCOVERY_FLAGS, advertise: { value: true }, addr: { value: true }, heartbeat: { value: true },
    ttl: { value: true }, delay: { value: true }, help: { value: false },
  };
  const p = parseArgs(singleDashLong(argv, spec), spec);
  if (p.flags.has('help')) { out(JOIN_HELP); return 0; }
  const url = discoveryArg(p.args, 'join');
  const addr = one(p, 'advertise') ?? one(p, 'addr') ?? process.env.SWARM_ADVERTISE;
  if (!addr) throw new Error('missing mandatory --advertise flag');
  try {
    checkAddress(addr);
  } catch {
    throw new Error('--advertise should be of the form ip:port or hostname:port');
  }
  const heartbeatMs = durationMs(p, 'heartbeat', '60s');
  if (heartbeatMs < 1000) throw new Error('--heartbeat should be at least one second');
  const ttlMs = durationMs(p, 'ttl', '180s');
  if (ttlMs <= heartbeatMs) throw new Error('--ttl must be strictly superior to the heartbeat value');
  const delayMs = durationMs(p, 'delay', '0s');
  if (delayMs < 0) throw new Error('--delay should not be a negative number');
  const d = parseDiscovery(url, discoveryOptions(p));

  const stopping = untilSignal();
  if (delayMs > 0) {
    const wait = Math.floor(Math.random() * delayMs);
    process.stderr.write(`Add a random delay ${wait}ms to avoid synchronized registration\n`);
    if (await Promise.race([stopping, new Promise((r) => setTimeout(r, wait)).then(() => undefined)])) return 0;
  }
  // nodes:// and file:// refuse here, before anything is said of registering
  const reg = d.register(addr, {
    heartbeatMs, ttlMs,
    onError: (e) => process.stderr.write(`Error: ${e.message}\n`),
  });
  process.stderr.write(`Registering on the discovery service every ${heartbeatMs / 1000}s... addr=${addr} discovery=${url}\n`);
  try {
    await reg.first;
  } catch (e) {
    await reg.stop();
    await d.close?.();
    throw e;
  }
  await stopping;
  await reg.stop();
  await d.close?.();
  return 0;
}

export async function listCommand(argv: string[], out: Out): Promise<number> {
  const spec: FlagSpec = { ...DISCOVERY_FLAGS, timeout: { value: true }, help: { value: false } };
  const p = parseArgs(singleDashLong(argv, spec), spec);
  if (p.flags.has('help')) {
    out('Usage:  tswarm list [--timeout 10s] <discovery>\n\nList the engines registered in a discovery backend, one per line\n');
    return 0;
  }
  const url = discoveryArg(p.args, 'list');
  const timeoutMs = durationMs(p, 'timeout', '10s');
  if (timeoutMs <= 0) throw new Error('--timeout should be a positive number');
  const d = parseDiscovery(url, discoveryOptions(p));
  let timer: NodeJS.Timeout | undefined;
  try {
    const entries = await Promise.race([
      d.list(),
      new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error('Timed out')), timeoutMs); }),
    ]);
    for (const e of entries) out(`${e}\n`);
    return 0;
  } finally {
    clearTimeout(timer);
    await d.close?.();
  }
}

export async function createCommand(argv: string[], out: Out): Promise<number> {
  const spec: FlagSpec = { 'discovery-url': { value: true }, help: { value: false } };
  const p = parseArgs(singleDashLong(argv, spec), spec);
  if (p.flags.has('help')) {
    out('Usage:  tswarm create [--discovery-url URL]\n\nCreate a cluster token on the token discovery service ($TSWARM_DISCOVERY_URL)\n');
    return 0;
  }
  if (p.args.length) throw new Error("the `create` command takes no arguments. See 'tswarm create --help'.");
  out(`${await TokenDiscovery.createCluster(tokenServiceUrl(one(p, 'discovery-url')))}\n`);
  return 0;
}

export async function tokenServerCommand(argv: string[], out: Out): Promise<number> {
  const spec: FlagSpec = { listen: { value: true }, help: { value: false } };
  const p = parseArgs(singleDashLong(argv, spec), spec);
  if (p.flags.has('help')) {
    out('Usage:  tswarm token-server [--listen HOST:PORT]\n\nServe the token discovery service (token://) over HTTP (default --listen 127.0.0.1:2374)\n');
    return 0;
  }
  if (p.args.length) throw new Error(`"tswarm token-server" takes no arguments, got: ${p.args.join(' ')}`);
  const listen = one(p, 'listen') ?? '127.0.0.1:2374';
  try {
    checkAddress(listen);
  } catch (e) {
    throw new Error(`invalid --listen "${listen}": ${(e as Error).message}`);
  }
  const i = listen.lastIndexOf(':');
  const host = listen.slice(0, i).replace(/^\[|\]$/g, '');
  const stopping = untilSignal();
  const s = await startTokenServer({ host, port: Number(listen.slice(i + 1)) });
  process.stderr.write(`Token discovery service listening on ${s.url}\n`);
  await stopping;
  await s.close();
  return 0;
}
