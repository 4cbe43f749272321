import { affinitiesOf, constraintsOf, whitelistsOf, type CreateBody } from './container-config.js';
import { exprMatch, exprText, parseExprs } from './expr.js';
import type { NodeContainer, SchedNode } from './node.js';

/** One of classic Swarm's filters: keeps the nodes a container may go to, or fails with its reason. */
export interface Filter {
  name: string;
  filter(config: CreateBody, nodes: SchedNode[], soft: boolean): SchedNode[];
  /** What the filter asks of this container, for the "Unable to find a node…" message. */
  describe(config: CreateBody): string[];
}

type Binding = { HostIp?: string; HostPort?: string };
type Bindings = Record<string, Binding[] | null>;

const health: Filter = {
  name: 'health',
  filter(_c, nodes) {
    const r = nodes.filter((n) => n.healthIndicator > 0);
    if (!r.length) throw new Error('No healthy node available in the cluster');
    return r;
  },
  describe: () => [],
};

const unspecified = (b: Binding) => !b.HostIp || b.HostIp === '0.0.0.0' || b.HostIp === '::';

function bound(requested: Binding, bindings: Bindings): boolean {
  for (const list of Object.values(bindings ?? {})) {
    for (const b of list ?? []) {
      if (!b.HostPort) continue;
      if (b.HostPort === requested.HostPort && (requested.HostIp === b.HostIp || unspecified(requested) || unspecified(b))) return true;
    }
  }
  return false;
}

const inUse = (c: NodeContainer, requested: Binding) => bound(requested, c.portBindings) || bound(requested, c.publishedPorts);

const port: Filter = {
  name: 'port',
  filter(config, nodes) {
    if (config.HostConfig?.NetworkMode === 'host') {
      for (const p of Object.keys(config.ExposedPorts ?? {})) {
        nodes = nodes.filter((n) => !n.containers.some((c) => c.networkMode === 'host' && c.exposedPorts.includes(p)));
        if (!nodes.length) throw new Error(`unable to find a node with port ${p} available in the Host mode`);
      }
      return nodes;
    }
    for (const list of Object.values(config.HostConfig?.PortBindings ?? {})) {
      for (const b of list ?? []) {
        nodes = nodes.filter((n) => !n.containers.some((c) => inUse(c, b)));
        if (!nodes.length) throw new Error(`unable to find a node with port ${b.HostPort ?? ''} available`);
      }
    }
    return nodes;
  },
  describe(config) {
    if (config.HostConfig?.NetworkMode === 'host') return Object.keys(config.ExposedPorts ?? {}).map((p) => `port ${p} (Host mode)`);
    return Object.values(config.HostConfig?.PortBindings ?? {}).flatMap((l) => (l ?? []).map((b) => `port ${b.HostPort ?? ''} (Bridge mode)`));
  },
};

const containerslots: Filter = {
  name: 'containerslots',
  filter(_c, nodes) {
    const r = nodes.filter((n) => {
      const s = n.labels.containerslots;
      if (s === undefined) return true;
      const slots = /^[+-]?\d+$/.test(s) ? Number(s) : NaN;
      return Number.isNaN(slots) || n.containers.length < slots;
    });
    if (!r.length) throw new Error('No node with enough open slots available in the cluster');
    return r;
  },
  describe: () => ['available container slots'],
};

function dependencies(config: CreateBody): { volumes: string[]; links: string[]; net: string[] } {
  const hc = config.HostConfig ?? {};
  const mode = String(hc.NetworkMode ?? '');
  return {
    volumes: (hc.VolumesFrom ?? []).map((v) => v.split(':')[0]),
    links: (hc.Links ?? []).map((l) => l.split(':')[0]),
    net: mode.startsWith('container:') ? [mode.slice('container:'.length)] : [],
  };
}

const hasContainer = (n: SchedNode, idOrName: string) => n.containers.some((c) =>
  (c.id && (c.id === idOrName || c.id.startsWith(idOrName))) || c.names.includes(idOrName.replace(/^\//, '')));

const dependency: Filter = {
  name: 'dependency',
  filter(config, nodes) {
    if (!nodes.length) return nodes;
    const d = dependencies(config);
    const all = [...d.volumes, ...d.links, ...d.net];
    const r = nodes.filter((n) => all.every((x) => hasContainer(n, x)));
    if (!r.length) throw new Error(`Unable to find a node fulfilling all dependencies: ${this.describe(config).join(' ')}`);
    return r;
  },
  describe(config) {
    const hc = config.HostConfig ?? {};
    const out = [...(hc.VolumesFrom ?? []).map((v) => `--volumes-from=${v}`), ...(hc.Links ?? []).map((l) => `--link=${l}`)];
    if (String(hc.NetworkMode ?? '').startsWith('container:')) out.push(`--net=${hc.NetworkMode}`);
    return out;
  },
};

const affinity: Filter = {
  name: 'affinity',
  filter(config, nodes, soft) {
    for (const a of parseExprs(affinitiesOf(config))) {
      if (!soft && a.isSoft) continue;
      nodes = nodes.filter((n) => {
        if (a.key === 'container') return exprMatch(a, ...n.containers.filter((c) => c.names.length).flatMap((c) => [c.id, c.names[0]]));
        if (a.key === 'image') return exprMatch(a, ...n.images);
        return exprMatch(a, ...n.containers.map((c) => c.labels[a.key] ?? ''));
      });
      if (!nodes.length) throw new Error(`unable to find a node that satisfies the affinity ${exprText(a)}`);
    }
    return nodes;
  },
  describe: (config) => parseExprs(affinitiesOf(config)).map((a) => `${exprText(a)} (soft=${a.isSoft})`),
};

const constraint: Filter = {
  name: 'constraint',
  filter(config, nodes, soft) {
    for (const c of parseExprs(constraintsOf(config))) {
      if (!soft && c.isSoft) continue;
      nodes = nodes.filter((n) => (c.key === 'node' ? exprMatch(c, n.id, n.name) : exprMatch(c, n.labels[c.key] ?? '')));
      if (!nodes.length) throw new Error(`unable to find a node that satisfies the constraint ${exprText(c)}`);
    }
    return nodes;
  },
  describe: (config) => parseExprs(constraintsOf(config)).map(exprText),
};

const whitelist: Filter = {
  name: 'whitelist',
  filter(config, nodes, soft) {
    for (const w of parseExprs(whitelistsOf(config))) {
      if (!soft && w.isSoft) continue;
      const names = w.value.split('|');
      nodes = nodes.filter((n) => names.includes(n.name));
      if (!nodes.length) throw new Error(`unable to find a node that satisfies the whitelist ${exprText(w)}`);
    }
    return nodes;
  },
  describe: (config) => parseExprs(whitelistsOf(config)).map((w) => `${exprText(w)} (soft=${w.isSoft})`),
};

/** Every filter, in classic Swarm's order (also the default `--filter` list). */
export const FILTERS: Filter[] = [health, port, containerslots, dependency, affinity, constraint, whitelist];

/** The filters named on the command line; an unknown name is refused with classic's words. */
export function filtersByName(names: string[]): Filter[] {
  return names.map((n) => {
    const f = FILTERS.find((x) => x.name === n);
    if (!f) throw new Error('filter not supported');
    return f;
  });
}

/** Go's %v of a []string. */
const goList = (l: string[]) => `[${l.join(' ')}]`;

/**
 * Runs the filters in order; when one leaves nothing, classic Swarm's
 * message lists what each filter up to it asked of the container
 * (health's own message passes as it is).
 */
export function applyFilters(filters: Filter[], config: CreateBody, nodes: SchedNode[], soft: boolean): SchedNode[] {
  let candidates = nodes;
  for (const f of filters) {
    try {
      candidates = f.filter(config, candidates, soft);
    } catch (e) {
      if (f.name === 'health') throw e;
      throw new Error(`Unable to find a node that satisfies the following conditions ${listConditions(filters, config, f.name)}`);
    }
  }
  return candidates;
}

function listConditions(filters: Filter[], config: CreateBody, last: string): string {
  let all = '';
  for (const f of filters) {
    let list: string[];
    try { list = f.describe(config); } catch (e) { return `${all}\nerror from ${f.name} filter: ${(e as Error).message}`; }
    if (list.length) all += `\n${goList(list)}`;
    if (f.name === last) return all;
  }
  return all;
}
