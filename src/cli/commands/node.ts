import type { Node, Task } from '../../types/objects.js';
import { all, has, one } from '../args.js';
import { T } from '../flagtypes.js';
import { checkArgs, parseCommand, subcommand, unknownSubcommand } from '../usage.js';
import { daemonErrorText, q, type Client } from '../client.js';
import { FormatError, formatInspect, formatRows } from '../format.js';
import { prettyNode } from './node-pretty.js';
import { filtersOf } from './service.js';
import { printTasks, tasksWhere } from './task-table.js';

const cap = (s: string | undefined) => (s ? s.charAt(0).toUpperCase() + s.slice(1) : '');

async function selfId(c: Client): Promise<string> {
  return (await c.get<{ Swarm: { NodeID: string } }>('/info')).Swarm.NodeID;
}

async function resolve(c: Client, ref: string): Promise<Node> {
  return c.get<Node>(`/nodes/${encodeURIComponent(ref === 'self' ? await selfId(c) : ref)}`);
}

export async function nodeCommand(c: Client, argv: string[], out: (s: string) => void): Promise<number> {
  const [sub, rest] = subcommand('node', argv);
  switch (sub) {
    case 'ls': case 'list': {
      const cmd = { path: 'node ls', use: '[OPTIONS]' };
      const p = parseCommand(cmd, rest, { quiet: { short: 'q', value: false }, filter: { short: 'f', value: true, check: T.filter }, format: { value: true } });
      checkArgs(cmd, p.args, 0, 0);
      const nodes = await c.get<Node[]>(`/nodes?filters=${q(filtersOf(all(p, 'filter')))}`);
      if (has(p, 'quiet')) { out(nodes.map((n) => `${n.ID}\n`).join('')); return 0; }
      const info = (await c.get<{ Swarm: { NodeID: string; Cluster?: { TLSInfo?: Record<string, string> } } }>('/info')).Swarm;
      const self = info.NodeID;
      nodes.sort((a, b) => ((a.Description.Hostname ?? '') < (b.Description.Hostname ?? '') ? -1 : 1));
      const rows = nodes.map((n) => ({
        ID: n.ID, Hostname: n.Description.Hostname, Status: cap(n.Status.State),
        Availability: cap(n.Spec.Availability), Self: n.ID === self,
        ManagerStatus: n.ManagerStatus?.Leader ? 'Leader' : cap(n.ManagerStatus?.Reachability),
        EngineVersion: n.Description.Engine?.EngineVersion ?? '', TLSStatus: tlsStatus(n, info.Cluster?.TLSInfo),
      }));
      out(formatRows(rows, one(p, 'format'), 'table {{.ID}} {{if .Self}}*{{else}} {{ end }}\t{{.Hostname}}\t{{.Status}}\t{{.Availability}}\t{{.ManagerStatus}}\t{{.EngineVersion}}',
        { ManagerStatus: 'MANAGER STATUS', EngineVersion: 'ENGINE VERSION', Self: '', TLSStatus: 'TLS STATUS' }, 'node.nodeContext'));
      return 0;
    }
    case 'inspect': {
      const cmd = { path: 'node inspect', use: '[OPTIONS] self|NODE [NODE...]' };
      const p = parseCommand(cmd, rest, { format: { short: 'f', value: true }, pretty: { value: false } });
      checkArgs(cmd, p.args, 1);
      const f = has(p, 'pretty') ? 'pretty' : one(p, 'format');
      if (f?.startsWith('pretty') && f !== 'pretty') throw new FormatError('cannot supply extra formatting options to the pretty template');
      const list = await Promise.all(p.args.map((r) => resolve(c, r)));
      if (f === 'pretty') out(list.map(prettyNode).join(''));
      else formatInspect(list, f, 'swarm.Node', out);
      return 0;
    }
    case 'update': case 'promote': case 'demote': {
      const cmd = sub === 'update' ? { path: 'node update', use: '[OPTIONS] NODE' } : { path: `node ${sub}`, use: 'NODE [NODE...]' };
      const p = parseCommand(cmd, rest, sub === 'update'
        ? { availability: { value: true }, role: { value: true }, 'label-add': { value: true }, 'label-rm': { value: true } } : {});
      if (sub === 'update') checkArgs(cmd, p.args, 1, 1); else checkArgs(cmd, p.args, 1);
      for (const ref of p.args) {
        // docker resolves "self" for inspect and ps only: here it is a name like any other
        const n = await c.get<Node>(`/nodes/${encodeURIComponent(ref)}`);
        const spec = structuredClone(n.Spec);
        const role = sub === 'promote' ? 'manager' : sub === 'demote' ? 'worker' : undefined;
        if (role && spec.Role === role) { out(`Node ${n.ID} is already a ${role}.\n`); continue; }
        if (role) spec.Role = role;
        if (one(p, 'availability')) spec.Availability = one(p, 'availability') as 'active';
        if (one(p, 'role')) spec.Role = one(p, 'role') as 'worker';
        for (const l of all(p, 'label-add')) { const [k, ...v] = l.split('='); (spec.Labels ??= {})[k] = v.join('='); }
        for (const k of all(p, 'label-rm')) delete spec.Labels?.[k];
        await c.post(`/nodes/${n.ID}/update?version=${n.Version.Index}`, spec);
        if (sub === 'update') out(`${ref}\n`);
        else out(`Node ${ref} ${sub === 'promote' ? 'promoted to a manager' : 'demoted'} in the swarm.\n`);
      }
      return 0;
    }
    case 'rm': case 'remove': {
      const cmd = { path: 'node rm', use: '[OPTIONS] NODE [NODE...]' };
      const p = parseCommand(cmd, rest, { force: { short: 'f', value: false } });
      checkArgs(cmd, p.args, 1);
      for (const ref of p.args) { await c.del(`/nodes/${encodeURIComponent(ref)}?force=${has(p, 'force')}`); out(`${ref}\n`); }
      return 0;
    }
    case 'ps': {
      const p = parseCommand({ path: 'node ps', use: '[OPTIONS] [NODE...]' }, rest,
        { quiet: { short: 'q', value: false }, filter: { short: 'f', value: true, check: T.filter }, format: { value: true }, 'no-trunc': { value: false }, 'no-resolve': { value: false } });
      // docker's node ps: every node's tasks in one table; a node not found is reported after it (exit 1)
      const errors: string[] = [];
      const tasks: Task[] = [];
      const filters = filtersOf(all(p, 'filter'));
      for (const ref of p.args.length ? p.args : ['self']) {
        try {
          const n = await resolve(c, ref);
          tasks.push(...await tasksWhere(c, filters, 'node', [n.ID]));
        } catch (e) { errors.push(daemonErrorText(e)); }
      }
      if (errors.length === 0 || tasks.length) {
        await printTasks(c, tasks, { quiet: has(p, 'quiet'), noTrunc: has(p, 'no-trunc'), noResolve: has(p, 'no-resolve'), format: one(p, 'format') }, out);
      }
      if (errors.length) throw new FormatError(errors.join('\n'), 1);
      return 0;
    }
    default: throw unknownSubcommand('node', sub); // not reached: subcommand() knows the names
  }
}

/** As docker's node formatter: Ready when the node's TLS info is the swarm's, Unknown when either is missing. */
function tlsStatus(n: Node, cluster: Record<string, string> | undefined): string {
  const mine = n.Description.TLSInfo as Record<string, string> | undefined;
  const empty = (x?: Record<string, string>) => !x || !x.TrustRoot && !x.CertIssuerSubject && !x.CertIssuerPublicKey;
  if (empty(cluster) || empty(mine)) return 'Unknown';
  const same = ['TrustRoot', 'CertIssuerSubject', 'CertIssuerPublicKey'].every((k) => (mine![k] ?? '') === (cluster![k] ?? ''));
  return same ? 'Ready' : 'Needs Rotation';
}
