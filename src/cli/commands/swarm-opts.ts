// The docker CLI's swarm flag types and request shapes (cli/command/swarm/opts.go,
// opts/hosts.go, spf13/pflag's ipNetSlice, 28.2): node addresses, address pools,
// external CA specifications, PEM files, and the swarm spec as Go marshals it.
import { readFileSync } from 'node:fs';
import { isIPv4, isIPv6 } from 'node:net';
import { goQuote } from '../args.js';
import type { SwarmSpec } from '../../types/objects.js';

export const DEFAULT_LISTEN_ADDR = '0.0.0.0:2377';

/** Go's net.SplitHostPort, with its errors. */
function splitHostPort(hostport: string): [string, string] {
  const missing = () => new Error(`address ${hostport}: missing port in address`);
  const tooMany = () => new Error(`address ${hostport}: too many colons in address`);
  const i = hostport.lastIndexOf(':');
  if (i < 0) throw missing();
  let host: string;
  if (hostport[0] === '[') {
    const end = hostport.indexOf(']');
    if (end < 0) throw new Error(`address ${hostport}: missing ']' in address`);
    if (end + 1 === hostport.length) throw missing();
    if (end + 1 !== i) throw hostport[end + 1] === ':' ? tooMany() : missing();
    host = hostport.slice(1, end);
    if (host.includes('[')) throw new Error(`address ${hostport}: unexpected '[' in address`);
  } else {
    host = hostport.slice(0, i);
    if (host.includes(':')) throw tooMany();
  }
  return [host, hostport.slice(i + 1)];
}

const joinHostPort = (host: string, port: string) => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);

/** docker's opts.ParseTCPAddr as NodeAddrOption.Set uses it: "host:port" (no tcp://) or an Error with its words. */
export function parseNodeAddr(tryAddr: string, defaultAddr: string): string {
  if (tryAddr === '' || tryAddr === 'tcp://') return defaultAddr;
  let addr = tryAddr.startsWith('tcp://') ? tryAddr.slice('tcp://'.length) : tryAddr;
  if (addr.includes('://') || addr === '') throw new Error(`invalid proto, expected tcp: ${tryAddr}`);
  const [defHost, defPort] = splitHostPort(defaultAddr);
  if (addr.endsWith(']:')) addr += defPort;
  // url.Parse("tcp://" + addr): the authority runs to the first '/', '?' or '#'
  const cut = addr.search(/[/?#]/);
  const authority = cut < 0 ? addr : addr.slice(0, cut);
  const rest = cut < 0 ? '' : addr.slice(cut);
  const path = rest.split(/[?#]/)[0];
  const urlErr = (why: string) => new Error(`parse ${goQuote(`tcp://${addr}`)}: ${why}`);
  const hostPart = authority.includes('@') ? authority.slice(authority.lastIndexOf('@') + 1) : authority;
  let colonPort = '';
  if (hostPart.startsWith('[')) {
    const end = hostPart.lastIndexOf(']');
    if (end < 0) throw urlErr('missing \']\' in host');
    colonPort = hostPart.slice(end + 1);
    if (colonPort !== '' && !/^:\d*$/.test(colonPort)) throw urlErr(`invalid port ${goQuote(colonPort)} after host`);
  } else {
    const i = hostPart.lastIndexOf(':');
    if (i >= 0) {
      colonPort = hostPart.slice(i);
      if (!/^:\d*$/.test(colonPort)) throw urlErr(`invalid port ${goQuote(colonPort)} after host`);
    }
  }
  let host: string;
  let port: string;
  try {
    [host, port] = splitHostPort(hostPart);
  } catch {
    try {
      [host, port] = splitHostPort(joinHostPort(hostPart, defPort));
    } catch {
      throw new Error(`invalid bind address format: ${tryAddr}`);
    }
  }
  if (host === '') host = defHost;
  if (port === '') port = defPort;
  return `${joinHostPort(host, port)}${path}`;
}

/** The value of a repeated node-addr flag: each one parsed with the one before as its default. */
export function nodeAddrValue(values: string[], initial = DEFAULT_LISTEN_ADDR): string {
  return values.reduce((a, v) => parseNodeAddr(v, a), initial);
}

/** IPv6 text → 8 groups, or undefined. */
function v6Groups(ip: string): number[] | undefined {
  if (!isIPv6(ip) || ip.includes('%')) return undefined;
  let s = ip;
  const tail: number[] = [];
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (v4) {
    const b = v4[1].split('.').map(Number);
    tail.push((b[0] << 8) | b[1], (b[2] << 8) | b[3]);
    s = s.slice(0, -v4[1].length);
    if (s.endsWith(':') && !s.endsWith('::')) s = s.slice(0, -1);
  }
  const [a, b] = s.includes('::') ? s.split('::') : [s, undefined];
  const head = a ? a.split(':').map((x) => parseInt(x, 16)) : [];
  const back = b ? b.split(':').map((x) => parseInt(x, 16)) : [];
  const fill = 8 - tail.length - head.length - back.length;
  return [...head, ...(b !== undefined ? Array(fill).fill(0) : []), ...back, ...tail];
}

/** Go's net.ParseCIDR then IPNet.String(): the network address and prefix length, or undefined. */
export function parseCIDR(s: string): string | undefined {
  const slash = s.indexOf('/');
  if (slash < 0) return undefined;
  const ip = s.slice(0, slash);
  const bits = s.slice(slash + 1);
  if (!/^\d+$/.test(bits) || bits.length > 9) return undefined;
  const n = Number(bits);
  if (isIPv4(ip) && !/(^|\.)0\d/.test(ip)) {
    if (n > 32) return undefined;
    const v = ip.split('.').reduce((a, x) => a * 256 + Number(x), 0);
    const mask = n === 0 ? 0 : (0xffffffff << (32 - n)) >>> 0;
    const net = (v & mask) >>> 0;
    return `${[24, 16, 8, 0].map((sh) => (net >>> sh) & 255).join('.')}/${n}`;
  }
  const g = v6Groups(ip);
  if (!g || n > 128) return undefined;
  let v = g.reduce((a, x) => (a << 16n) | BigInt(x), 0n);
  const mask = n === 0 ? 0n : ((1n << 128n) - 1n) ^ ((1n << BigInt(128 - n)) - 1n);
  v &= mask;
  // an IPv4-mapped address is printed as IPv4 by Go
  if (v >> 32n === 0xffffn && n >= 96) {
    const w = Number(v & 0xffffffffn);
    return `${[24, 16, 8, 0].map((sh) => (w >>> sh) & 255).join('.')}/${n - 96}`;
  }
  const groups = Array.from({ length: 8 }, (_, i) => ((v >> BigInt(16 * (7 - i))) & 0xffffn).toString(16));
  const text = new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1);
  return `${text}/${n}`;
}

/** pflag's ipNetSlice: comma-separated CIDRs (quotes dropped), each as Go prints the network. */
export function parseIPNetSlice(val: string): string[] {
  const v = val.replace(/["'`]/g, '');
  if (v === '') return [];
  return v.split(',').map((x) => {
    const n = parseCIDR(x.trim());
    if (!n) throw new Error(`invalid string being converted to CIDR: ${x}`);
    return n;
  });
}

/** Go's encoding/csv Reader.Read of the first record (default settings), with its errors. */
function readCSV(s: string): string[] {
  const line = s.split('\n')[0].replace(/\r$/, '');
  if (s === '') throw new Error('EOF');
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let f = '';
      let j = i + 1;
      for (;;) {
        const q = line.indexOf('"', j);
        if (q < 0) throw new Error(`record on line 1; parse error on line 2, column 0: extraneous or missing " in quoted-field`);
        f += line.slice(j, q);
        if (line[q + 1] === '"') { f += '"'; j = q + 2; continue; }
        if (q + 1 < line.length && line[q + 1] !== ',') throw new Error(`parse error on line 1, column ${q + 2}: extraneous or missing " in quoted-field`);
        i = q + 1;
        break;
      }
      fields.push(f);
    } else {
      const c = line.indexOf(',', i);
      const f = c < 0 ? line.slice(i) : line.slice(i, c);
      const bare = f.indexOf('"');
      if (bare >= 0) throw new Error(`parse error on line 1, column ${i + bare + 1}: bare " in non-quoted-field`);
      fields.push(f);
      i = c < 0 ? line.length : c;
    }
    if (i >= line.length) break;
    i++; // the comma
    if (i === line.length) { fields.push(''); break; }
  }
  return fields;
}

export interface ExternalCA { Protocol: string; URL: string; Options?: Record<string, string>; CACert: string }

/** Go's os.ReadFile error text. */
function readError(path: string, e: NodeJS.ErrnoException): Error {
  const why: Record<string, string> = { ENOENT: 'no such file or directory', EACCES: 'permission denied', ENOTDIR: 'not a directory' };
  if (e.code === 'EISDIR') return new Error(`read ${path}: is a directory`);
  return new Error(`open ${path}: ${why[e.code ?? ''] ?? e.message}`);
}

function readText(path: string): string {
  try { return readFileSync(path, 'utf8'); } catch (e) { throw readError(path, e as NodeJS.ErrnoException); }
}

/** encoding/pem's Decode finds a block. */
const hasPEMBlock = (s: string) => /(^|\n)-----BEGIN [^\n-]*-----\r?\n[\s\S]*?\n-----END [^\n-]*-----/.test(s);

/** docker's parseExternalCA: protocol=cfssl,url=…[,cacert=FILE][,key=value…]. */
export function parseExternalCA(spec: string): ExternalCA {
  const ca: ExternalCA = { Protocol: '', URL: '', Options: {}, CACert: '' };
  let hasProtocol = false;
  let hasURL = false;
  for (const field of readCSV(spec)) {
    const eq = field.indexOf('=');
    if (eq < 0) throw new Error(`invalid field '${field}' must be a key=value pair`);
    const key = field.slice(0, eq);
    const value = field.slice(eq + 1);
    switch (key.toLowerCase()) {
      case 'protocol':
        hasProtocol = true;
        if (value.toLowerCase() !== 'cfssl') throw new Error(`unrecognized external CA protocol ${value}`);
        ca.Protocol = 'cfssl';
        break;
      case 'url': hasURL = true; ca.URL = value; break;
      case 'cacert': {
        let text: string;
        try { text = readText(value); } catch (e) { throw new Error(`unable to read CA cert for external CA: ${(e as Error).message}`); }
        if (!hasPEMBlock(text)) throw new Error('CA cert for external CA must be in PEM format');
        ca.CACert = text;
        break;
      }
      default: ca.Options![key] = value;
    }
  }
  if (!hasProtocol) throw new Error('the external-ca option needs a protocol= parameter');
  if (!hasURL) throw new Error('the external-ca option needs a url= parameter');
  return ca;
}

/** docker's PEMFile.Set: the file's contents, which must hold a PEM block. */
export function readPEMFile(path: string): string {
  const text = readText(path);
  if (!hasPEMBlock(text)) throw new Error('file contents must be in PEM format');
  return text;
}

/** A swarm spec as the docker CLI's Go types marshal it (zero values and omitempty as Go has them). */
export interface GoSpec {
  Name?: string;
  Labels: Record<string, string> | null;
  Orchestration: { TaskHistoryRetentionLimit?: number };
  Raft: { SnapshotInterval?: number; KeepOldSnapshots?: number; LogEntriesForSlowFollowers?: number; ElectionTick: number; HeartbeatTick: number };
  Dispatcher: { HeartbeatPeriod?: number };
  CAConfig: { NodeCertExpiry?: number; ExternalCAs?: ExternalCA[]; SigningCACert?: string; SigningCAKey?: string; ForceRotate?: number };
  TaskDefaults: { LogDriver?: { Name?: string; Options?: Record<string, string> } };
  EncryptionConfig: { AutoLockManagers: boolean };
}

const nz = <T>(v: T | undefined | null, keep: (v: T) => boolean) => (v !== undefined && v !== null && keep(v) ? v : undefined);
const nonEmptyMap = (m: Record<string, string> | undefined | null) => (m && Object.keys(m).length ? m : undefined);

/** The spec a docker CLI has after reading one from the daemon (or a zero one): what it sends back. */
export function goSpec(s: Partial<SwarmSpec> & Record<string, any> = {}): GoSpec {
  const drop = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
  const ld = s.TaskDefaults?.LogDriver;
  return {
    ...(s.Name ? { Name: s.Name } : {}),
    Labels: s.Labels ?? null,
    Orchestration: drop({ TaskHistoryRetentionLimit: nz(s.Orchestration?.TaskHistoryRetentionLimit, () => true) }),
    Raft: drop({
      SnapshotInterval: nz(s.Raft?.SnapshotInterval, (v: number) => v !== 0),
      KeepOldSnapshots: nz(s.Raft?.KeepOldSnapshots, () => true),
      LogEntriesForSlowFollowers: nz(s.Raft?.LogEntriesForSlowFollowers, (v: number) => v !== 0),
      ElectionTick: s.Raft?.ElectionTick ?? 0,
      HeartbeatTick: s.Raft?.HeartbeatTick ?? 0,
    }),
    Dispatcher: drop({ HeartbeatPeriod: nz(s.Dispatcher?.HeartbeatPeriod, (v: number) => v !== 0) }),
    CAConfig: drop({
      NodeCertExpiry: nz(s.CAConfig?.NodeCertExpiry, (v: number) => v !== 0),
      ExternalCAs: nz(s.CAConfig?.ExternalCAs as ExternalCA[] | undefined, (v) => v.length > 0)?.map((c) => drop({
        Protocol: c.Protocol ?? '', URL: c.URL ?? '', Options: nonEmptyMap(c.Options), CACert: c.CACert ?? '',
      })),
      SigningCACert: nz(s.CAConfig?.SigningCACert, (v: string) => v !== ''),
      SigningCAKey: nz(s.CAConfig?.SigningCAKey, (v: string) => v !== ''),
      ForceRotate: nz(s.CAConfig?.ForceRotate, (v: number) => v !== 0),
    }),
    TaskDefaults: ld ? { LogDriver: drop({ Name: ld.Name || undefined, Options: nonEmptyMap(ld.Options) }) } : {},
    EncryptionConfig: { AutoLockManagers: !!s.EncryptionConfig?.AutoLockManagers },
  };
}

/** Drops what Go's omitempty drops after a flag set a zero value. */
export function tidySpec(spec: GoSpec): GoSpec {
  return goSpec(spec as unknown as Partial<SwarmSpec>);
}
