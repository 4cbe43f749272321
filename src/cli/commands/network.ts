/**
 * `tswarm network create|ls|inspect|rm|prune|connect|disconnect`, as the
 * docker CLI 28.2 (cli/command/network): the same requests, tables, inspect
 * output, prompts, messages and exit codes.
 */
import { all, has, one, parseBool, type FlagSpec } from '../args.js';
import { ClientError, daemonErrorText, type Client } from '../client.js';
import { FormatError, formatInspect, formatRows, INSPECT_TYPES } from '../format.js';
import { checkArgs, flagError, parseCommand, subcommand, unknownSubcommand, type Command } from '../usage.js';
import { compact, indent } from '../../format/gojson.js';
import { registry } from '../../format/dockertypes.js';
import { parseTime } from '../../format/gotime.js';
import { formatGoLayout } from '../../format/timefmt.js';
import { Template, TemplateError } from '../../format/template.js';
import { DOCKER_FUNCS } from '../../format/funcs.js';

registry.declare(`
package network
type IPAMConfig struct {
  Subnet string \`json:",omitempty"\`
  IPRange string \`json:",omitempty"\`
  Gateway string \`json:",omitempty"\`
  AuxAddress map[string]string \`json:"AuxiliaryAddresses,omitempty"\`
}
type IPAM struct {
  Driver string
  Options map[string]string
  Config []IPAMConfig
}
type EndpointResource struct {
  Name string
  EndpointID string
  MacAddress string
  IPv4Address string
  IPv6Address string
}
type PeerInfo struct {
  Name string
  IP string
}
type Task struct {
  Name string
  EndpointID string
  EndpointIP string
  Info map[string]string
}
type ServiceInfo struct {
  VIP string
  Ports []string
  LocalLBIndex int
  Tasks []Task
}
type Inspect struct {
  Name string
  ID string \`json:"Id"\`
  Created time.Time
  Scope string
  Driver string
  EnableIPv4 bool
  EnableIPv6 bool
  IPAM IPAM
  Internal bool
  Attachable bool
  Ingress bool
  ConfigFrom ConfigReference
  ConfigOnly bool
  Containers map[string]EndpointResource
  Options map[string]string
  Labels map[string]string
  Peers []PeerInfo \`json:",omitempty"\`
  Services map[string]ServiceInfo \`json:",omitempty"\`
}
`);
INSPECT_TYPES['network.Inspect'] = registry.get('network.Inspect');

interface NetworkSummary {
  Name: string; Id: string; Created?: string; Scope?: string; Driver?: string; EnableIPv4?: boolean; EnableIPv6?: boolean;
  Internal?: boolean; Ingress?: boolean; Labels?: Record<string, string> | null;
}

const V = { value: true };
const B = { value: false };
type Out = (s: string) => void;

/** Errors from the daemon as the docker client prints them. */

/** opts.FilterOpt: name=value pairs, sent as filters.Args' JSON ({"name":{"value":true}}). */
function filterQuery(c: Command, flag: string, list: string[]): string {
  const f: Record<string, Record<string, boolean>> = {};
  for (const x of list) {
    const i = x.indexOf('=');
    if (i < 0) throw flagError(c, `invalid argument "${x}" for "${flag}" flag: bad format of filter (expected name=value)`);
    const k = x.slice(0, i).trim().toLowerCase();
    const v = x.slice(i + 1).trim();
    (f[k] ??= {})[v] = true;
  }
  return Object.keys(f).length ? `filters=${encodeURIComponent(JSON.stringify(f))}` : '';
}

/** docker's prompt.Confirm: the message and " [y/N] ", then one line of input; anything but y/Y (or no input) is no. */
async function confirm(out: Out, message: string): Promise<boolean> {
  out(`${message} [y/N] `);
  const line = await new Promise<string>((resolve) => {
    let buf = '';
    const stdin = process.stdin;
    const done = (s: string) => { stdin.off('data', onData); stdin.off('end', onEnd); stdin.off('error', onEnd); stdin.pause(); resolve(s); };
    const onData = (chunk: Buffer) => { buf += chunk.toString('utf8'); const i = buf.indexOf('\n'); if (i >= 0) done(buf.slice(0, i)); };
    const onEnd = () => done(buf);
    stdin.on('data', onData); stdin.once('end', onEnd); stdin.once('error', onEnd);
    stdin.resume();
  });
  return line.trim().toLowerCase() === 'y';
}

/** cli.NoArgs. */
function noArgs(c: Command, args: string[]): void {
  if (args.length) throw new FormatError(`tswarm: 'tswarm ${c.path}' accepts no arguments\n\nUsage:  tswarm ${c.path} ${c.use}\n\nRun 'tswarm ${c.path} --help' for more information`, 1);
}

// --- create ---------------------------------------------------------------

const CREATE: Command = { path: 'network create', use: '[OPTIONS] NETWORK' };
const CREATE_FLAGS: FlagSpec = {
  driver: { short: 'd', value: true }, opt: { short: 'o', value: true }, label: V, internal: B, ipv4: B, ipv6: B, attachable: B,
  ingress: B, scope: V, 'config-only': B, 'config-from': V, 'ipam-driver': V, subnet: V, 'ip-range': V, gateway: V,
  'aux-address': V, 'ipam-opt': V,
};

/** A pflag bool flag's value (--flag, --flag=true|false|1|0|t|f…). */
function boolFlag(c: Command, p: ReturnType<typeof parseCommand>, name: string): boolean | undefined {
  const v = one(p, name);
  if (v === undefined) return undefined;
  try { return parseBool(v); } catch (e) { throw flagError(c, `invalid argument "${v}" for "--${name}" flag: ${(e as Error).message}`); }
}

/** pflag's StringSlice: each value read as a CSV line. */
const slice = (values: string[]) => values.flatMap((v) => (v === '' ? [] : v.split(',')));

/** An IPv4 or IPv6 address (net.ParseIP) as its bytes, or undefined. */
function parseIp(s: string): { v6: boolean; bytes: number[] } | undefined {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(s)) {
    const parts = s.split('.');
    if (parts.some((x) => Number(x) > 255 || (x.length > 1 && x.startsWith('0')))) return undefined;
    return { v6: false, bytes: parts.map(Number) };
  }
  if (!s.includes(':')) return undefined;
  let text = s;
  const v4 = /^(.*:)(\d{1,3}(?:\.\d{1,3}){3})$/.exec(s);
  if (v4) {
    const b = parseIp(v4[2]);
    if (!b) return undefined;
    text = `${v4[1]}${((b.bytes[0] << 8) | b.bytes[1]).toString(16)}:${((b.bytes[2] << 8) | b.bytes[3]).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (h: string) => (h === '' ? [] : h.split(':'));
  const head = groups(halves[0]);
  const rest = halves.length === 2 ? groups(halves[1]) : [];
  if ([...head, ...rest].some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
  if (halves.length === 1 ? head.length !== 8 : head.length + rest.length > 7) return undefined;
  const words = [...head, ...Array(8 - head.length - rest.length).fill('0'), ...rest].map((g) => parseInt(g, 16));
  return { v6: true, bytes: words.flatMap((w) => [w >> 8, w & 255]) };
}

/** net.ParseCIDR: the network and its prefix length, or Go's error. */
function parseCidr(s: string): { v6: boolean; bytes: number[]; bits: number } {
  const i = s.indexOf('/');
  const ip = i < 0 ? undefined : parseIp(s.slice(0, i));
  const bits = i < 0 ? NaN : /^\d+$/.test(s.slice(i + 1)) ? Number(s.slice(i + 1)) : NaN;
  if (!ip || !(bits <= (ip.v6 ? 128 : 32))) throw new Error(`invalid CIDR address: ${s}`);
  return { ...ip, bits };
}

function contains(net: { v6: boolean; bytes: number[]; bits: number }, ip: { v6: boolean; bytes: number[] } | undefined): boolean {
  if (!ip || ip.v6 !== net.v6) return false;
  for (let b = 0; b < net.bits; b++) {
    const m = 0x80 >> (b % 8);
    if ((net.bytes[b >> 3] & m) !== (ip.bytes[b >> 3] & m)) return false;
  }
  return true;
}

/** subnetMatches of docker's create.go. */
function subnetMatches(subnet: string, data: string): boolean {
  let net;
  try { net = parseCidr(subnet); } catch (e) { throw new Error(`invalid subnet: ${(e as Error).message}`); }
  const ip = data.includes('/') ? parseCidr(data) : parseIp(data);
  return contains(net, ip);
}

interface IpamConfig { Subnet: string; IPRange?: string; Gateway?: string; AuxiliaryAddresses?: Record<string, string> }

/** docker's createIPAMConfig. */
function ipamConfig(p: ReturnType<typeof parseCommand>) {
  const subnets = slice(all(p, 'subnet'));
  const ranges = slice(all(p, 'ip-range'));
  const gateways = slice(all(p, 'gateway'));
  if (subnets.length < ranges.length || subnets.length < gateways.length) throw new Error('every ip-range or gateway must have a corresponding subnet');
  const data = new Map<string, IpamConfig & { aux: Record<string, string> }>();
  for (const s of subnets) {
    for (const k of data.keys()) if (subnetMatches(s, k) || subnetMatches(k, s)) throw new Error('multiple overlapping subnet configuration is not supported');
    data.set(s, { Subnet: s, aux: {} });
  }
  for (const r of ranges) {
    let match = false;
    for (const s of subnets) {
      parseCidr(r);
      if (!subnetMatches(s, r)) continue;
      const d = data.get(s)!;
      if (d.IPRange) throw new Error(`cannot configure multiple ranges (${r}, ${d.IPRange}) on the same subnet (${s})`);
      d.IPRange = r; match = true;
    }
    if (!match) throw new Error(`no matching subnet for range ${r}`);
  }
  for (const g of gateways) {
    let match = false;
    for (const s of subnets) {
      if (!subnetMatches(s, g)) continue;
      const d = data.get(s)!;
      if (d.Gateway) throw new Error(`cannot configure multiple gateways (${g}, ${d.Gateway}) for the same subnet (${s})`);
      d.Gateway = g; match = true;
    }
    if (!match) throw new Error(`no matching subnet for gateway ${g}`);
  }
  for (const [key, aa] of Object.entries(mapOpt(all(p, 'aux-address')))) {
    let match = false;
    for (const s of subnets) {
      if (!subnetMatches(s, aa)) continue;
      data.get(s)!.aux[key] = aa; match = true;
    }
    if (!match) throw new Error(`no matching subnet for aux-address ${aa}`);
  }
  return {
    Driver: one(p, 'ipam-driver') ?? 'default', Options: mapOpt(all(p, 'ipam-opt')),
    Config: [...data.values()].map(({ aux, ...c }) => (Object.keys(aux).length ? { ...c, AuxiliaryAddresses: aux } : c)),
  };
}

/** opts.MapOpts: key=value pairs (a value without = is a key with an empty value). */
function mapOpt(values: string[]): Record<string, string> {
  const m: Record<string, string> = {};
  for (const v of values) { const i = v.indexOf('='); m[i < 0 ? v : v.slice(0, i)] = i < 0 ? '' : v.slice(i + 1); }
  return m;
}

async function create(c: Client, argv: string[], out: Out): Promise<number> {
  const p = parseCommand(CREATE, argv, CREATE_FLAGS);
  for (const l of all(p, 'label')) {
    const key = l.split('=')[0].replace(/^[ \t]+/, '');
    const why = key === '' ? `invalid label '${l}': empty name` : /[ \t]/.test(key) ? `label '${key}' contains whitespaces` : '';
    if (why) throw flagError(CREATE, `invalid argument "${l}" for "--label" flag: ${why}`);
  }
  const bools = Object.fromEntries(['internal', 'ipv4', 'ipv6', 'attachable', 'ingress', 'config-only'].map((b) => [b, boolFlag(CREATE, p, b)]));
  checkArgs(CREATE, p.args, 1, 1);
  const ipam = ipamConfig(p);
  const labels: Record<string, string> = {};
  for (const l of all(p, 'label')) { const i = l.indexOf('='); labels[i < 0 ? l : l.slice(0, i)] = i < 0 ? '' : l.slice(i + 1); }
  const from = one(p, 'config-from');
  const body = {
    Driver: one(p, 'driver') ?? 'bridge', Scope: one(p, 'scope') ?? '',
    ...(bools.ipv4 !== undefined ? { EnableIPv4: bools.ipv4 } : {}), ...(bools.ipv6 !== undefined ? { EnableIPv6: bools.ipv6 } : {}),
    IPAM: ipam, Internal: !!bools.internal, Attachable: !!bools.attachable, Ingress: !!bools.ingress, ConfigOnly: !!bools['config-only'],
    ConfigFrom: from ? { Network: from } : null, Options: mapOpt(all(p, 'opt')), Labels: labels, Name: p.args[0],
  };
  const r = await c.post<{ Id: string }>('/networks/create', body);
  out(`${r.Id}\n`);
  return 0;
}

// --- ls -------------------------------------------------------------------

/** sortorder.NaturalLess. */
function naturalLess(a: string, b: string): number {
  const pa = a.match(/\d+|\D+/g) ?? [];
  const pb = b.match(/\d+|\D+/g) ?? [];
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i]; const y = pb[i];
    if (x === y) continue;
    if (/^\d/.test(x) && /^\d/.test(y)) {
      const nx = x.replace(/^0+/, ''); const ny = y.replace(/^0+/, '');
      if (nx.length !== ny.length) return nx.length - ny.length;
      if (nx !== ny) return nx < ny ? -1 : 1;
      return x.length - y.length;
    }
    return x < y ? -1 : 1;
  }
  return pa.length - pb.length;
}

const goTimeString = (s: string | undefined) => (s ? formatGoLayout(parseTime(s), '2006-01-02 15:04:05.999999999 -0700 MST') : '0001-01-01 00:00:00 +0000 UTC');

async function list(c: Client, argv: string[], out: Out): Promise<number> {
  const cmd: Command = { path: 'network ls', use: '[OPTIONS]' };
  const p = parseCommand(cmd, argv, { quiet: { short: 'q', value: false }, 'no-trunc': B, format: V, filter: { short: 'f', value: true } });
  noArgs(cmd, p.args);
  const query = filterQuery(cmd, '-f, --filter', all(p, 'filter'));
  const nets = await c.get<NetworkSummary[]>(`/networks${query ? `?${query}` : ''}`);
  nets.sort((a, b) => naturalLess(a.Name, b.Name));
  const trunc = !has(p, 'no-trunc');
  let format = one(p, 'format') || 'table';
  const quiet = has(p, 'quiet');
  if (format === 'table') format = quiet ? '{{.ID}}' : 'table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}';
  else if (format === 'raw') format = quiet ? 'network_id: {{.ID}}' : 'network_id: {{.ID}}\\nname: {{.Name}}\\ndriver: {{.Driver}}\\nscope: {{.Scope}}\\n';
  const rows = nets.map((n) => ({
    ID: trunc ? n.Id.slice(0, 12) : n.Id, Name: n.Name, Driver: n.Driver ?? '', Scope: n.Scope ?? '',
    IPv4: String(!!n.EnableIPv4), IPv6: String(!!n.EnableIPv6), Internal: String(!!n.Internal),
    Labels: n.Labels ? Object.entries(n.Labels).map(([k, v]) => `${k}=${v}`).join(',') : '', CreatedAt: goTimeString(n.Created),
  }));
  out(formatRows(rows, format, format, { ID: 'NETWORK ID', CreatedAt: 'CREATED AT', IPv4: 'IPV4', IPv6: 'IPV6' }, 'network.networkContext'));
  return 0;
}

// --- inspect --------------------------------------------------------------

async function inspect(c: Client, argv: string[], out: Out): Promise<number> {
  const cmd: Command = { path: 'network inspect', use: '[OPTIONS] NETWORK [NETWORK...]' };
  const p = parseCommand(cmd, argv, { format: { short: 'f', value: true }, verbose: { short: 'v', value: false } });
  checkArgs(cmd, p.args, 1);
  const f = one(p, 'format') ?? '';
  if (f !== '' && f !== 'json') {
    // a template that does not parse: exit status 64 before any request, as docker's inspect.Inspect
    try { Template.parse(f, DOCKER_FUNCS); } catch (e) {
      if (e instanceof TemplateError) throw new FormatError(`template parsing error: ${e.message}`, 64);
      throw e;
    }
  }
  const verbose = has(p, 'verbose');
  const found: string[] = [];
  const errors: string[] = [];
  for (const ref of p.args) {
    try {
      found.push((await c.text('GET', `/networks/${encodeURIComponent(ref)}${verbose ? '?verbose=true' : ''}`)).trim());
    } catch (e) {
      if (!(e instanceof ClientError)) throw e;
      errors.push(daemonErrorText(e));
    }
  }
  if (f === '' || f === 'json') {
    const joined = `[${found.join(',')}]`;
    out(found.length === 0 ? '[]\n' : `${f === 'json' ? compact(joined, false) : indent(joined, '    ')}\n`);
  } else {
    try {
      formatInspect(found.map((t) => JSON.parse(t)), f, 'network.Inspect', out, true);
    } catch (e) {
      if (!(e instanceof FormatError)) throw e;
      errors.push(e.message);
    }
  }
  if (errors.length) throw new FormatError(errors.join('\n'));
  return 0;
}

// --- rm, prune ------------------------------------------------------------

const INGRESS_WARNING = 'WARNING! Before removing the routing-mesh network, make sure all the nodes in your swarm run the same docker engine version. '
  + 'Otherwise, removal may not be effective and functionality of newly create ingress networks will be impaired.\nAre you sure you want to continue?';

async function remove(c: Client, argv: string[], out: Out): Promise<number> {
  const cmd: Command = { path: 'network rm', use: 'NETWORK [NETWORK...]' };
  const p = parseCommand(cmd, argv, { force: { short: 'f', value: false } });
  checkArgs(cmd, p.args, 1);
  let status = 0;
  for (const name of p.args) {
    const n = await c.get<NetworkSummary>(`/networks/${encodeURIComponent(name)}`).catch(() => undefined);
    if (n?.Ingress && !(await confirm(out, INGRESS_WARNING))) continue;
    try {
      await c.del(`/networks/${encodeURIComponent(name)}`);
    } catch (e) {
      if (has(p, 'force') && e instanceof ClientError && e.status === 404) continue;
      process.stderr.write(`${daemonErrorText(e)}\n`);
      status = 1;
      continue;
    }
    out(`${name}\n`);
  }
  if (status) throw new FormatError(`exit status ${status}`, status);
  return 0;
}

const PRUNE_WARNING = 'WARNING! This will remove all custom networks not used by at least one container.\nAre you sure you want to continue?';

async function prune(c: Client, argv: string[], out: Out): Promise<number> {
  const cmd: Command = { path: 'network prune', use: '[OPTIONS]' };
  const p = parseCommand(cmd, argv, { force: { short: 'f', value: false }, filter: V });
  noArgs(cmd, p.args);
  const query = filterQuery(cmd, '--filter', all(p, 'filter'));
  // a "no" cancels quietly, exit status 0, as docker's cancelled prune
  if (!has(p, 'force') && !(await confirm(out, PRUNE_WARNING))) return 0;
  const r = await c.post<{ NetworksDeleted?: string[] | null }>(`/networks/prune${query ? `?${query}` : ''}`);
  const deleted = r?.NetworksDeleted ?? [];
  if (deleted.length) out(`Deleted Networks:\n${deleted.map((d) => `${d}\n`).join('')}\n`);
  return 0;
}

// --- connect, disconnect --------------------------------------------------

async function connect(c: Client, argv: string[]): Promise<number> {
  const cmd: Command = { path: 'network connect', use: '[OPTIONS] NETWORK CONTAINER' };
  const p = parseCommand(cmd, argv, { ip: V, ip6: V, link: V, alias: V, 'link-local-ip': V, 'driver-opt': V, 'gw-priority': V });
  checkArgs(cmd, p.args, 2, 2);
  const gw = one(p, 'gw-priority') ?? '0';
  if (!/^[+-]?\d+$/.test(gw)) throw flagError(cmd, `invalid argument "${gw}" for "--gw-priority" flag: strconv.ParseInt: parsing "${gw}": invalid syntax`);
  const driverOpts: Record<string, string> = {};
  for (const o of slice(all(p, 'driver-opt'))) {
    const i = o.indexOf('=');
    const k = (i < 0 ? o : o.slice(0, i)).trim();
    if (i < 0 || k === '') throw new Error('invalid key/value pair format in driver options');
    driverOpts[k] = o.slice(i + 1).trim();
  }
  const [network, container] = p.args;
  await c.post(`/networks/${encodeURIComponent(network)}/connect`, {
    Container: container,
    EndpointConfig: {
      IPAMConfig: { ...(one(p, 'ip') ? { IPv4Address: one(p, 'ip') } : {}), ...(one(p, 'ip6') ? { IPv6Address: one(p, 'ip6') } : {}),
        ...(all(p, 'link-local-ip').length ? { LinkLocalIPs: slice(all(p, 'link-local-ip')) } : {}) },
      Links: all(p, 'link').length ? all(p, 'link') : null, Aliases: slice(all(p, 'alias')), DriverOpts: driverOpts, GwPriority: Number(gw),
      NetworkID: '', EndpointID: '', Gateway: '', IPAddress: '', IPPrefixLen: 0, IPv6Gateway: '', GlobalIPv6Address: '', GlobalIPv6PrefixLen: 0,
      MacAddress: '', DNSNames: null,
    },
  });
  return 0;
}

async function disconnect(c: Client, argv: string[]): Promise<number> {
  const cmd: Command = { path: 'network disconnect', use: '[OPTIONS] NETWORK CONTAINER' };
  const p = parseCommand(cmd, argv, { force: { short: 'f', value: false } });
  checkArgs(cmd, p.args, 2, 2);
  const [network, container] = p.args;
  await c.post(`/networks/${encodeURIComponent(network)}/disconnect`, { Container: container, Force: has(p, 'force') });
  return 0;
}

/** `tswarm network …`. */
export async function networkCommand(c: Client, argv: string[], out: Out): Promise<number> {
  try {
    const [sub, rest] = subcommand('network', argv);
    switch (sub) {
      case 'create': return await create(c, rest, out);
      case 'ls': case 'list': return await list(c, rest, out);
      case 'inspect': return await inspect(c, rest, out);
      case 'rm': case 'remove': return await remove(c, rest, out);
      case 'prune': return await prune(c, rest, out);
      case 'connect': return await connect(c, rest);
      case 'disconnect': return await disconnect(c, rest);
      default: throw unknownSubcommand('network', sub); // not reached: subcommand() knows the names
    }
  } catch (e) {
    if (e instanceof FormatError || e instanceof ClientError) throw e;
    // a plain error: printed as docker prints a RunE error
    throw new FormatError((e as Error).message, 1);
  }
}
