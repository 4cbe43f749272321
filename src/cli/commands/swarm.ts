import type { Cluster, Node } from '../../types/objects.js';
import { has, one } from '../args.js';
import { goParseInt, goParseUint, T } from '../flagtypes.js';
import { checkArgs, parseCommand, unknownSubcommand } from '../usage.js';
import type { Client } from '../client.js';
import { parseDuration } from './util.js';

async function joinCommand(c: Client, role: 'worker' | 'manager', quiet: boolean): Promise<string> {
  const sw = await c.get<Cluster>('/swarm');
  const token = role === 'worker' ? sw.JoinTokens.Worker : sw.JoinTokens.Manager;
  if (quiet) return `${token}\n`;
  const info = await c.get<{ Swarm: { NodeID: string } }>('/info');
  const node = await c.get<Node>(`/nodes/${info.Swarm.NodeID}`);
  return `To add a ${role} to this swarm, run the following command:\n\n    docker swarm join --token ${token} ${node.ManagerStatus?.Addr}\n\n`;
}

export async function swarmCommand(c: Client, argv: string[], out: (s: string) => void): Promise<number> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'init': {
      const cmd = { path: 'swarm init', use: '[OPTIONS]' };
      const p = parseCommand(cmd, rest, { 'advertise-addr': { value: true }, 'listen-addr': { value: true }, 'task-history-limit': { value: true, check: T.int64 },
        'dispatcher-heartbeat': { value: true, check: T.duration }, 'cert-expiry': { value: true, check: T.duration }, 'default-addr-pool': { value: true },
        'force-new-cluster': { value: false }, autolock: { value: false } });
      checkArgs(cmd, p.args, 0, 0);
      const spec: Record<string, unknown> = {};
      if (one(p, 'task-history-limit')) spec.Orchestration = { TaskHistoryRetentionLimit: Number(goParseInt(one(p, 'task-history-limit')!)) };
      if (one(p, 'dispatcher-heartbeat')) spec.Dispatcher = { HeartbeatPeriod: parseDuration(one(p, 'dispatcher-heartbeat')!) };
      if (one(p, 'cert-expiry')) spec.CAConfig = { NodeCertExpiry: parseDuration(one(p, 'cert-expiry')!) };
      const nodeId = await c.post<string>('/swarm/init', {
        AdvertiseAddr: one(p, 'advertise-addr') ?? '', ListenAddr: one(p, 'listen-addr') ?? '0.0.0.0:2377',
        ForceNewCluster: has(p, 'force-new-cluster'), Spec: spec,
        ...(one(p, 'default-addr-pool') ? { DefaultAddrPool: [one(p, 'default-addr-pool')] } : {}),
      });
      out(`Swarm initialized: current node (${nodeId}) is now a manager.\n\n`);
      out(await joinCommand(c, 'worker', false));
      out(`To add a manager to this swarm, run 'docker swarm join-token manager' and follow the instructions.\n\n`);
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
        const flag = role === 'worker' ? 'rotateWorkerToken' : 'rotateManagerToken';
        await c.post(`/swarm/update?version=${sw.Version.Index}&${flag}=true`, sw.Spec);
        if (!has(p, 'quiet')) out(`Successfully rotated ${role} join token.\n\n`);
      }
      out(await joinCommand(c, role, has(p, 'quiet')));
      return 0;
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
      const p = parseCommand(cmd, rest, { 'task-history-limit': { value: true, check: T.int64 }, 'dispatcher-heartbeat': { value: true, check: T.duration },
        'cert-expiry': { value: true, check: T.duration }, 'snapshot-interval': { value: true, check: T.uint64 } });
      checkArgs(cmd, p.args, 0, 0);
      const sw = await c.get<Cluster>('/swarm');
      const spec = structuredClone(sw.Spec);
      if (one(p, 'task-history-limit')) spec.Orchestration = { ...spec.Orchestration, TaskHistoryRetentionLimit: Number(goParseInt(one(p, 'task-history-limit')!)) };
      if (one(p, 'dispatcher-heartbeat')) spec.Dispatcher = { HeartbeatPeriod: parseDuration(one(p, 'dispatcher-heartbeat')!) };
      if (one(p, 'cert-expiry')) spec.CAConfig = { ...spec.CAConfig, NodeCertExpiry: parseDuration(one(p, 'cert-expiry')!) };
      if (one(p, 'snapshot-interval')) spec.Raft = { ...spec.Raft, SnapshotInterval: Number(goParseUint(one(p, 'snapshot-interval')!)) };
      await c.post(`/swarm/update?version=${sw.Version.Index}`, spec);
      out('Swarm updated.\n');
      return 0;
    }
    default:
      if (sub !== undefined) throw unknownSubcommand('swarm', sub);
      throw new Error(`unknown command "${sub}" for "tswarm swarm"`);
  }
}
