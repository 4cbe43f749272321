// `tswarm swarm`: docker's swarm commands (cli/command/swarm, 28.2) — the same
// flags, the same requests to the Engine API and the same output.
import type { Cluster, Node } from '../../types/objects.js';
import { all, goQuote, has, one, type Parsed } from '../args.js';
import { goParseDuration, goParseInt, goParseUint, T } from '../flagtypes.js';
import { checkArgs, parseCommand, subcommand, unknownSubcommand } from '../usage.js';
import { ClientError, daemonErrorText, type Client } from '../client.js';
import { caCommand, mergeCAFlags, updateQuery } from './swarm-ca.js';
import { commandHelp } from '../help.js';
import {
  DEFAULT_LISTEN_ADDR, goSpec, nodeAddrValue, parseExternalCA, parseIPNetSlice, parseNodeAddr, readPEMFile, type GoSpec,
} from './swarm-opts.js';

type Out = (s: string) => void;

async function joinCommand(c: Client, role: 'worker' | 'manager', quiet: boolean): Promise<string> {
  const sw = await c.get<Cluster>('/swarm');
  const token = role === 'worker' ? sw.JoinTokens.Worker : sw.JoinTokens.Manager;
  if (quiet) return `${token}\n`;
  const info = await c.get<{ Swarm: { NodeID: string } }>('/info');
  const node = await c.get<Node>(`/nodes/${info.Swarm.NodeID}`);
  return `To add a ${role} to this swarm, run the following command:\n\n    docker swarm join --token ${token} ${node.ManagerStatus?.Addr}\n\n`;
}

/** docker's printUnlockCommand. */
function unlockText(key: string): string {
  if (!key) return '';
  return 'To unlock a swarm manager after it restarts, run the `docker swarm unlock`\ncommand and provide the following key:\n\n'
    + `    ${key}\n\nRemember to store this key in a password manager, since without it you\nwill not be able to restart the manager.\n`;
}

/** GET /swarm/unlockkey, its error wrapped as docker wraps it. */
async function fetchUnlockKey(c: Client): Promise<string> {
  try {
    return (await c.get<{ UnlockKey: string }>('/swarm/unlockkey')).UnlockKey ?? '';
  } catch (e) {
    throw new Error(`could not fetch unlock key: ${daemonErrorText(e)}`);
  }
}

const nodeAddr = { value: true, check: (v: string) => { parseNodeAddr(v, DEFAULT_LISTEN_ADDR); } };
const externalCA = { value: true, check: (v: string) => { parseExternalCA(v); } };
const pemFile = { value: true, check: (v: string) => { readPEMFile(v); } };

/** addSwarmCAFlags */
const caFlags = { 'cert-expiry': { value: true, check: T.duration }, 'external-ca': externalCA };
/** addSwarmFlags */
const swarmFlags = {
  'task-history-limit': { value: true, check: T.int64 }, 'dispatcher-heartbeat': { value: true, check: T.duration },
  'max-snapshots': { value: true, check: T.uint64 }, 'snapshot-interval': { value: true, check: T.uint64 }, ...caFlags,
};

const duration = (v: string) => Number(goParseDuration(v));
const caOpts = (p: Parsed) => ({
  changed: new Set([...p.flags.keys()]),
  certExpiry: one(p, 'cert-expiry') !== undefined ? duration(one(p, 'cert-expiry')!) : undefined,
  externalCAs: all(p, 'external-ca').map(parseExternalCA),
});

/** docker's mergeSwarmSpec: the flags that were set, onto a spec. */
function mergeSwarmSpec(spec: GoSpec, p: Parsed, caCert: string | undefined): GoSpec {
  const v = (n: string) => one(p, n);
  if (v('task-history-limit') !== undefined) spec.Orchestration.TaskHistoryRetentionLimit = Number(goParseInt(v('task-history-limit')!));
  if (v('dispatcher-heartbeat') !== undefined) spec.Dispatcher.HeartbeatPeriod = duration(v('dispatcher-heartbeat')!);
  if (v('max-snapshots') !== undefined) spec.Raft.KeepOldSnapshots = Number(goParseUint(v('max-snapshots')!));
  if (v('snapshot-interval') !== undefined) spec.Raft.SnapshotInterval = Number(goParseUint(v('snapshot-interval')!));
  if (v('autolock') !== undefined) spec.EncryptionConfig.AutoLockManagers = has(p, 'autolock');
  mergeCAFlags(spec, caOpts(p), caCert);
  // Go's omitempty drops what a flag set to zero
  return goSpec(spec as never);
}

/** `--availability`: checked only when given, as docker does. */
function availability(p: Parsed): string {
  const a = one(p, 'availability');
  if (a === undefined) return '';
  const l = a.toLowerCase();
  if (!['active', 'pause', 'drain'].includes(l)) throw new Error(`invalid availability ${goQuote(a)}, only active, pause and drain are supported`);
  return l;
}

/** Reads the unlock key as docker's readKey does: without echo from a terminal, else the first line of stdin. */
async function readKey(prompt: string): Promise<string> {
  const stdin = process.stdin;
  if (stdin.isTTY) {
    process.stdout.write(prompt);
    stdin.setRawMode(true);
    const key = await new Promise<string>((res) => {
      let s = '';
      const onData = (b: Buffer) => {
        for (const ch of b.toString('utf8')) {
          if (ch === '\r' || ch === '\n' || ch === '\u0004') { stdin.removeListener('data', onData); res(s); return; }
          if (ch === '\u0003') { stdin.setRawMode(false); process.stdout.write('\n'); process.exit(130); }
          if (ch === '\u007f' || ch === '\b') s = s.slice(0, -1); else s += ch;
        }
      };
      stdin.on('data', onData);
    });
    stdin.setRawMode(false);
    stdin.pause();
    process.stdout.write('\n');
    return key;
  }
  let text = '';
  for await (const chunk of stdin) {
    text += String(chunk);
    if (text.includes('\n')) break;
  }
  const nl = text.indexOf('\n');
  return (nl >= 0 ? text.slice(0, nl + 1) : text).trim();
}

export async function swarmCommand(c: Client, argv: string[], out: Out): Promise<number> {
  const [sub, rest] = subcommand('swarm', argv);
  switch (sub) {
    case 'init': {
      const cmd = { path: 'swarm init', use: '[OPTIONS]' };
      const p = parseCommand(cmd, rest, {
        'listen-addr': nodeAddr, 'advertise-addr': { value: true }, 'data-path-addr': { value: true }, 'data-path-port': { value: true, check: T.uint32 },
        'force-new-cluster': { value: false }, autolock: { value: false }, availability: { value: true },
        'default-addr-pool': { value: true, check: (v) => { parseIPNetSlice(v); } }, 'default-addr-pool-mask-length': { value: true, check: T.uint32 },
        ...swarmFlags,
      });
      checkArgs(cmd, p.args, 0, 0);
      const maskLength = one(p, 'default-addr-pool-mask-length');
      const autolock = has(p, 'autolock');
      const req = {
        ListenAddr: nodeAddrValue(all(p, 'listen-addr')),
        AdvertiseAddr: one(p, 'advertise-addr') ?? '',
        DataPathAddr: one(p, 'data-path-addr') ?? '',
        DataPathPort: Number(goParseUint(one(p, 'data-path-port') ?? '0', 32)),
        ForceNewCluster: has(p, 'force-new-cluster'),
        Spec: mergeSwarmSpec(goSpec(), p, undefined),
        AutoLockManagers: autolock,
        Availability: availability(p),
        DefaultAddrPool: all(p, 'default-addr-pool').flatMap(parseIPNetSlice),
        SubnetSize: maskLength === undefined ? 24 : Number(goParseUint(maskLength, 32)),
      };
      let nodeId: string;
      try {
        nodeId = await c.post<string>('/swarm/init', req);
      } catch (e) {
        if (e instanceof ClientError && /could not choose an IP address to advertise|could not find the system's IP address/.test(e.message)) {
          throw new ClientError(e.status, `${e.message} - specify one with --advertise-addr`);
        }
        throw e;
      }
      out(`Swarm initialized: current node (${nodeId}) is now a manager.\n\n`);
      // printJoinCommand(nodeID, worker)
      const node = await c.get<Node>(`/nodes/${nodeId}`);
      const sw = await c.get<Cluster>('/swarm');
      if (node.ManagerStatus) out(`To add a worker to this swarm, run the following command:\n\n    docker swarm join --token ${sw.JoinTokens.Worker} ${node.ManagerStatus.Addr}\n\n`);
      out(`To add a manager to this swarm, run 'docker swarm join-token manager' and follow the instructions.\n`);
      if (autolock) out(unlockText(await fetchUnlockKey(c)));
      return 0;
    }
    case 'join': {
      const cmd = { path: 'swarm join', use: '[OPTIONS] HOST:PORT' };
      const p = parseCommand(cmd, rest, {
        'listen-addr': nodeAddr, 'advertise-addr': { value: true }, 'data-path-addr': { value: true }, token: { value: true }, availability: { value: true },
      });
      checkArgs(cmd, p.args, 1, 1);
      const req = {
        JoinToken: one(p, 'token') ?? '',
        ListenAddr: nodeAddrValue(all(p, 'listen-addr')),
        AdvertiseAddr: one(p, 'advertise-addr') ?? '',
        DataPathAddr: one(p, 'data-path-addr') ?? '',
        RemoteAddrs: [p.args[0]],
        Availability: availability(p),
      };
      await c.post('/swarm/join', req);
      const info = await c.get<{ Swarm: { ControlAvailable: boolean } }>('/info');
      out(info.Swarm.ControlAvailable ? 'This node joined a swarm as a manager.\n' : 'This node joined a swarm as a worker.\n');
      return 0;
    }
    case 'join-token': {
      const cmd = { path: 'swarm join-token', use: '[OPTIONS] (worker|manager)' };
      const p = parseCommand(cmd, rest, { quiet: { short: 'q', value: false }, rotate: { value: false } });
      checkArgs(cmd, p.args, 1, 1);
      const role = p.args[0];
      if (role !== 'worker' && role !== 'manager') throw new Error('unknown role ' + role);
      if (has(p, 'rotate')) {
        const sw = await c.get<Cluster>('/swarm');
        await c.post(updateQuery(sw.Version.Index, { worker: role === 'worker', manager: role === 'manager' }), goSpec(sw.Spec));
        if (!has(p, 'quiet')) out(`Successfully rotated ${role} join token.\n\n`);
      }
      out(await joinCommand(c, role, has(p, 'quiet')));
      return 0;
    }
    case 'unlock-key': {
      const cmd = { path: 'swarm unlock-key', use: '[OPTIONS]' };
      const p = parseCommand(cmd, rest, { rotate: { value: false }, quiet: { short: 'q', value: false } });
      checkArgs(cmd, p.args, 0, 0);
      const quiet = has(p, 'quiet');
      if (has(p, 'rotate')) {
        const sw = await c.get<Cluster>('/swarm');
        if (!sw.Spec.EncryptionConfig?.AutoLockManagers) throw new Error('cannot rotate because autolock is not turned on');
        await c.post(updateQuery(sw.Version.Index, { unlockKey: true }), goSpec(sw.Spec));
        if (!quiet) out('Successfully rotated manager unlock key.\n');
      }
      const key = await fetchUnlockKey(c);
      if (key === '') throw new Error('no unlock key is set');
      out(quiet ? `${key}\n` : unlockText(key));
      return 0;
    }
    case 'unlock': {
      const cmd = { path: 'swarm unlock', use: '' };
      const p = parseCommand(cmd, rest, {});
      checkArgs(cmd, p.args, 0, 0);
      const info = await c.get<{ Swarm: { LocalNodeState: string } }>('/info');
      switch (info.Swarm.LocalNodeState) {
        case 'inactive': throw new Error('Error: This node is not part of a swarm');
        case 'pending': case 'active': case 'error': throw new Error('Error: swarm is not locked');
        default: break;
      }
      const key = await readKey('Enter unlock key: ');
      await c.post('/swarm/unlock', { UnlockKey: key });
      return 0;
    }
    case 'ca': {
      const cmd = { path: 'swarm ca', use: '[OPTIONS]' };
      const p = parseCommand(cmd, rest, {
        ...caFlags, rotate: { value: false }, 'ca-cert': pemFile, 'ca-key': pemFile,
        detach: { short: 'd', value: false }, quiet: { short: 'q', value: false },
      });
      checkArgs(cmd, p.args, 0, 0);
      const file = (n: string) => (one(p, n) !== undefined ? readPEMFile(one(p, n)!) : '');
      return caCommand(c, { rotate: has(p, 'rotate'), detach: has(p, 'detach'), quiet: has(p, 'quiet'), caCert: file('ca-cert'), caKey: file('ca-key'), ...caOpts(p) }, out);
    }
    case 'leave': {
      const cmd = { path: 'swarm leave', use: '[OPTIONS]' };
      const p = parseCommand(cmd, rest, { force: { short: 'f', value: false } });
      checkArgs(cmd, p.args, 0, 0);
      await c.post(`/swarm/leave?force=${has(p, 'force')}`);
      out('Node left the swarm.\n');
      return 0;
    }
    case 'update': {
      const cmd = { path: 'swarm update', use: '[OPTIONS]' };
      const flags = { autolock: { value: false }, ...swarmFlags };
      const p = parseCommand(cmd, rest, flags);
      checkArgs(cmd, p.args, 0, 0);
      // PreRunE: no flag at all (`--help=false` is one) is pflag.ErrHelp, which cobra answers with the help
      if (p.flags.size === 0) throw commandHelp(cmd, flags);
      const sw = await c.get<Cluster>('/swarm');
      const prevAutolock = !!sw.Spec.EncryptionConfig?.AutoLockManagers;
      const spec = mergeSwarmSpec(goSpec(sw.Spec), p, sw.TLSInfo?.TrustRoot ?? '');
      await c.post(updateQuery(sw.Version.Index), spec);
      out('Swarm updated.\n');
      if (spec.EncryptionConfig.AutoLockManagers && !prevAutolock) out(unlockText(await fetchUnlockKey(c)));
      return 0;
    }
    default: throw unknownSubcommand('swarm', sub); // not reached: subcommand() knows the names
  }
}
