import { imageWithDefaultTag } from '../image-ref.js';
import type { Service } from '../../types/objects.js';
import type { Config, Secret } from '../../types/secrets.js';
import { all, has, one } from '../args.js';
import { T } from '../flagtypes.js';
import { checkArgs, parseCommand, subcommand, unknownSubcommand } from '../usage.js';
import { q, type Client } from '../client.js';
import { formatRows } from '../format.js';
import { LABEL_IMAGE, LABEL_NAMESPACE, networkPlan, payloadSpecs, readEnvFiles, serviceSpec } from '../stack/convert.js';
import { loadCompose } from '../stack/load.js';
import { serviceCommand } from './service.js';

const err = (s: string) => process.stderr.write(s);
const stackFilter = (ns: string) => q({ label: [`${LABEL_NAMESPACE}=${ns}`] });

interface Network { Id: string; Name: string; Labels?: Record<string, string>; Scope?: string }

async function stackObjects(c: Client, ns: string) {
  const f = stackFilter(ns);
  const [services, networks, secrets, configs] = await Promise.all([
    c.get<Service[]>(`/services?filters=${f}`), c.get<Network[]>(`/networks?filters=${f}`).catch(() => [] as Network[]),
    c.get<Secret[]>(`/secrets?filters=${f}`), c.get<Config[]>(`/configs?filters=${f}`),
  ]);
  return { services, networks: networks.filter((n) => n.Labels?.[LABEL_NAMESPACE] === ns), secrets, configs };
}

/** `tswarm stack deploy|ls|services|ps|rm`, as the docker CLI does them through the API. */
export async function stackCommand(c: Client, argv: string[], out: (s: string) => void): Promise<number> {
  const [sub, rest] = subcommand('stack', argv);
  switch (sub) {
    case 'deploy': case 'up': return deploy(c, rest, out);
    case 'ls': case 'list': {
      const cmd = { path: 'stack ls', use: '[OPTIONS]' };
      const p = parseCommand(cmd, rest, { format: { value: true } });
      checkArgs(cmd, p.args, 0, 0);
      const services = await c.get<Service[]>(`/services?filters=${q({ label: [LABEL_NAMESPACE] })}`);
      const counts = new Map<string, number>();
      for (const s of services) { const ns = s.Spec.Labels?.[LABEL_NAMESPACE] ?? ''; counts.set(ns, (counts.get(ns) ?? 0) + 1); }
      const rows = [...counts].sort(([a], [b]) => a.localeCompare(b, undefined, { numeric: true })).map(([Name, n]) => ({ Name, Services: String(n) }));
      out(formatRows(rows, one(p, 'format'), 'table {{.Name}}\t{{.Services}}', {}));
      return 0;
    }
    case 'services': {
      const cmd = { path: 'stack services', use: '[OPTIONS] STACK' };
      const p = parseCommand(cmd, rest, { quiet: { short: 'q', value: false }, filter: { short: 'f', value: true, check: T.filter }, format: { value: true } });
      checkArgs(cmd, p.args, 1, 1);
      const ns = p.args[0];
      const services = await c.get<Service[]>(`/services?filters=${stackFilter(ns)}`);
      if (services.length === 0) { err(`Nothing found in stack: ${ns}\n`); return 0; }
      return serviceCommand(c, ['ls', '--filter', `label=${LABEL_NAMESPACE}=${ns}`, ...all(p, 'filter').flatMap((f) => ['--filter', f]),
        ...(has(p, 'quiet') ? ['-q'] : []), ...(one(p, 'format') ? ['--format', one(p, 'format')!] : [])], out);
    }
    case 'ps': {
      const cmd = { path: 'stack ps', use: '[OPTIONS] STACK' };
      const p = parseCommand(cmd, rest, { quiet: { short: 'q', value: false }, filter: { short: 'f', value: true, check: T.filter }, format: { value: true }, 'no-trunc': { value: false }, 'no-resolve': { value: false } });
      checkArgs(cmd, p.args, 1, 1);
      const ns = p.args[0];
      const services = (await c.get<Service[]>(`/services?filters=${stackFilter(ns)}`)).sort((a, b) => (a.Spec.Name! < b.Spec.Name! ? -1 : 1));
      if (services.length === 0) throw new Error(`nothing found in stack: ${ns}`);
      // The docker CLI's stack ps -q prints IDs truncated unless --no-trunc (its service ps -q does not truncate).
      const format = one(p, 'format') ?? (has(p, 'quiet') ? '{{.ID}}' : undefined);
      return serviceCommand(c, ['ps', ...services.map((s) => s.ID), ...all(p, 'filter').flatMap((f) => ['--filter', f]),
        ...['no-trunc', 'no-resolve'].filter((f) => has(p, f)).map((f) => `--${f}`), ...(format ? ['--format', format] : [])], out);
    }
    case 'rm': case 'remove': case 'down': {
      const cmd = { path: 'stack rm', use: '[OPTIONS] STACK [STACK...]' };
      const p = parseCommand(cmd, rest, { detach: { short: 'd', value: false } });
      checkArgs(cmd, p.args, 1);
      let failed = false;
      for (const ns of p.args) {
        const o = await stackObjects(c, ns);
        if (o.services.length + o.networks.length + o.secrets.length + o.configs.length === 0) { err(`Nothing found in stack: ${ns}\n`); continue; }
        const each = async <T>(list: T[], what: string, name: (x: T) => string, id: (x: T) => string, path: string) => {
          for (const x of list.sort((a, b) => (name(a) < name(b) ? -1 : 1))) {
            out(`Removing ${what} ${name(x)}\n`);
            try { await c.del(`${path}/${id(x)}`); } catch (e) { err(`Failed to remove ${what} ${id(x)}: ${(e as Error).message}`); failed = true; }
          }
        };
        await each(o.services, 'service', (s) => s.Spec.Name!, (s) => s.ID, '/services');
        await each(o.secrets, 'secret', (s) => s.Spec.Name!, (s) => s.ID, '/secrets');
        await each(o.configs, 'config', (s) => s.Spec.Name!, (s) => s.ID, '/configs');
        await each(o.networks, 'network', (n) => n.Name, (n) => n.Id, '/networks');
        if (failed) throw new Error(`failed to remove some resources from stack: ${ns}`);
      }
      return 0;
    }
    default: throw unknownSubcommand('stack', sub); // not reached: subcommand() knows the names
  }
}

async function deploy(c: Client, argv: string[], out: (s: string) => void): Promise<number> {
  const cmd = { path: 'stack deploy', use: '[OPTIONS] STACK' };
  const p = parseCommand(cmd, argv, {
    'compose-file': { short: 'c', value: true }, prune: { value: false }, 'resolve-image': { value: true },
    'with-registry-auth': { value: false }, detach: { short: 'd', value: false }, quiet: { short: 'q', value: false },
  });
  checkArgs(cmd, p.args, 1, 1);
  const ns = p.args[0];
  const resolveImage = one(p, 'resolve-image') ?? 'always';
  if (!['always', 'changed', 'never'].includes(resolveImage)) throw new Error(`Invalid option ${resolveImage} for flag --resolve-image`);
  const { config, workingDir, warnings } = await loadCompose(all(p, 'compose-file'));
  for (const w of warnings) err(w);
  if (!p.flags.has('detach')) err('Since --detach=false was not specified, tasks will be created in the background.\nIn a future release, --detach=false will become the default.\n');
  const info = await c.get<{ Swarm: { ControlAvailable: boolean } }>('/info');
  if (!info.Swarm.ControlAvailable) throw new Error('this node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again');

  const existing = await c.get<Service[]>(`/services?filters=${stackFilter(ns)}`);
  if (has(p, 'prune')) {
    for (const s of existing.filter((x) => !(x.Spec.Name!.slice(ns.length + 1) in config.services))) {
      out(`Removing service ${s.Spec.Name}\n`);
      await c.del(`/services/${s.ID}`);
    }
  }
  const nets = networkPlan(ns, config);
  for (const name of nets.external) {
    const n = await c.get<Network>(`/networks/${encodeURIComponent(name)}`).catch((e: { status?: number }) => {
      if (e.status === 404) throw new Error(`network ${JSON.stringify(name)} is declared as external, but could not be found. You need to create a swarm-scoped network before the stack is deployed`);
      throw e;
    });
    if (n.Scope !== 'swarm') throw new Error(`network ${JSON.stringify(name)} is declared as external, but it is not in the right scope: ${JSON.stringify(n.Scope)} instead of "swarm"`);
  }
  const haveNets = new Set((await stackObjects(c, ns)).networks.map((n) => n.Name));
  for (const n of nets.create) {
    if (haveNets.has(n.Name)) continue;
    out(`Creating network ${n.Name}\n`);
    try { await c.post('/networks/create', { ...n, Scope: 'swarm' }); } catch (e) { throw new Error(`failed to create network ${n.Name}: ${(e as Error).message}`); }
  }
  const payloads = await payloadSpecs(ns, config, workingDir);
  for (const [kind, specs] of [['secret', payloads.secrets], ['config', payloads.configs]] as const) {
    for (const spec of specs) {
      const path = kind === 'secret' ? '/secrets' : '/configs';
      const cur = await c.get<Secret>(`${path}/${encodeURIComponent(spec.Name!)}`).catch((e: { status?: number }) => { if (e.status === 404) return undefined; throw e; });
      try {
        if (cur) await c.post(`${path}/${cur.ID}/update?version=${cur.Version.Index}`, spec);
        else { out(`Creating ${kind} ${spec.Name}\n`); await c.post(`${path}/create`, spec); }
      } catch (e) { throw new Error(`failed to ${cur ? 'update' : 'create'} ${kind} ${spec.Name}: ${(e as Error).message}`); }
    }
  }
  const known = { secrets: await c.get<Secret[]>('/secrets'), configs: await c.get<Config[]>('/configs') };
  const byName = new Map(existing.map((s) => [s.Spec.Name!, s]));
  for (const name of Object.keys(config.services).sort()) {
    const s = config.services[name];
    const spec = serviceSpec(ns, name, s, config, known, workingDir, await readEnvFiles(s, workingDir));
    const cur = byName.get(spec.Name!);
    if (cur) {
      out(`Updating service ${spec.Name} (id: ${cur.ID})\n`);
      // An image the file did not change keeps the one the service runs (as the CLI does without resolving).
      if (spec.TaskTemplate!.ContainerSpec!.Image === cur.Spec.Labels?.[LABEL_IMAGE]) spec.TaskTemplate!.ContainerSpec!.Image = cur.Spec.TaskTemplate?.ContainerSpec?.Image;
      spec.TaskTemplate!.ForceUpdate = cur.Spec.TaskTemplate?.ForceUpdate;
      spec.TaskTemplate!.ContainerSpec!.Image = imageWithDefaultTag(spec.TaskTemplate!.ContainerSpec!.Image ?? '');
      try {
        const r = await c.post<{ Warnings?: string[] | null }>(`/services/${cur.ID}/update?version=${cur.Version.Index}`, spec);
        for (const w of r?.Warnings ?? []) err(`${w}\n`);
      } catch (e) { throw new Error(`failed to update service ${spec.Name}: ${(e as Error).message}`); }
    } else {
      out(`Creating service ${spec.Name}\n`);
      spec.TaskTemplate!.ContainerSpec!.Image = imageWithDefaultTag(spec.TaskTemplate!.ContainerSpec!.Image ?? '');
      try { await c.post('/services/create', spec); } catch (e) { throw new Error(`failed to create service ${spec.Name}: ${(e as Error).message}`); }
    }
  }
  return 0;
}
