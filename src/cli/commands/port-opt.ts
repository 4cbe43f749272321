/**
 * `-p/--publish`, `--publish-add` and `--publish-rm` values as docker 28.2
 * reads them (opts/swarmopts PortOpt.Set, go-connections' nat.ParsePortSpec):
 * the long syntax (`published=8080,target=80,protocol=udp,mode=host`) or
 * the short one (`8080:80/udp`, ranges `8000-8002:80` and `8000-8001:80-81`),
 * with docker's error words. One value can make several ports.
 */
import { isIP } from 'node:net';
import type { PortConfig } from '../../types/objects.js';
import { csvFields } from './util.js';

/** strconv.ParseUint(s, 10, 16)'s verdict: the number, or the NumError's reason. */
function parseUint16(s: string): number | 'invalid syntax' | 'value out of range' {
  if (!/^[0-9]+$/.test(s)) return 'invalid syntax';
  const n = Number(s);
  return n > 65535 ? 'value out of range' : n;
}

/** nat.ParsePortRange: "80" or "8000-8010". */
function portRange(s: string): [number, number] {
  if (s === '') throw new Error('empty string specified for ports');
  const [a, b] = s.includes('-') ? s.split('-') : [s, s];
  const start = parseUint16(a);
  const end = parseUint16(b);
  if (typeof start !== 'number') throw new Error(`strconv.ParseUint: parsing "${a}": ${start}`);
  if (typeof end !== 'number') throw new Error(`strconv.ParseUint: parsing "${b}": ${end}`);
  if (end < start) throw new Error(`invalid range specified for port: ${s}`);
  return [start, end];
}

function longSyntax(value: string): PortConfig {
  const c: Partial<PortConfig> = {};
  for (const field of csvFields(value)) {
    const lower = field.toLowerCase();
    const eq = lower.indexOf('=');
    if (eq <= 0) throw new Error(`invalid field: ${field}`);
    const [key, val] = [lower.slice(0, eq), lower.slice(eq + 1)];
    const port = (what: string) => {
      const n = parseUint16(val);
      if (typeof n !== 'number') throw new Error(`invalid ${what} port (${val}): value must be an integer: ${n}`);
      return n;
    };
    switch (key) {
      case 'protocol':
        if (val !== 'tcp' && val !== 'udp' && val !== 'sctp') throw new Error(`invalid protocol value '${val}'`);
        c.Protocol = val;
        break;
      case 'mode':
        if (val !== 'ingress' && val !== 'host') throw new Error(`invalid publish mode value (${val}): must be either 'ingress' or 'host'`);
        c.PublishMode = val;
        break;
      case 'target': c.TargetPort = port('target'); break;
      case 'published': c.PublishedPort = port('published'); break;
      default: throw new Error(`invalid field key: ${key}`);
    }
  }
  if (!c.TargetPort) throw new Error("missing mandatory field 'target'");
  return { Protocol: c.Protocol ?? 'tcp', TargetPort: c.TargetPort, ...(c.PublishedPort ? { PublishedPort: c.PublishedPort } : {}), PublishMode: c.PublishMode ?? 'ingress' };
}

/** nat.ParsePortSpec: [ip:][hostPort:]containerPort[/proto], each port of a range as its own mapping. */
function shortSyntax(raw: string): PortConfig[] {
  const parts = raw.split(':');
  const n = parts.length;
  let ip = n >= 3 ? parts.slice(0, n - 2).join(':') : '';
  const hostPort = n >= 2 ? parts[n - 2] : '';
  const protoParts = parts[n - 1].split('/');
  const [proto, containerPort] = parts[n - 1] === '' || protoParts[0] === '' ? ['', ''] : [protoParts.length === 1 || protoParts[1] === '' ? 'tcp' : protoParts[1], protoParts[0]];
  if (ip.startsWith('[')) {
    if (!ip.endsWith(']')) throw new Error(`invalid IP address ${ip}: address ${ip}:: missing ']' in address`);
    ip = ip.slice(1, -1);
  }
  if (ip !== '' && !isIP(ip)) throw new Error(`invalid IP address: ${ip}`);
  if (containerPort === '') throw new Error(`no port specified: ${raw}<empty>`);
  let start: number, end: number;
  try { [start, end] = portRange(containerPort); } catch { throw new Error(`invalid containerPort: ${containerPort}`); }
  let hostStart = 0, hostEnd = 0;
  if (hostPort !== '') {
    try { [hostStart, hostEnd] = portRange(hostPort); } catch { throw new Error(`invalid hostPort: ${hostPort}`); }
    if (end - start !== hostEnd - hostStart && end !== start) {
      throw new Error(`invalid ranges specified for container and host Ports: ${containerPort} and ${hostPort}`);
    }
  }
  if (!['tcp', 'udp', 'sctp'].includes(proto.toLowerCase())) throw new Error(`invalid proto: ${proto}`);
  // PortOpt refuses any host IP, valid or not.
  if (ip !== '') throw new Error('hostip is not supported');
  const ports: PortConfig[] = [];
  for (let i = 0; i <= end - start; i++) {
    // One container port with a host range: every host port of the range publishes it.
    const [from, to] = hostPort === '' ? [0, 0] : start === end ? [hostStart, hostEnd] : [hostStart + i, hostStart + i];
    for (let published = from; published <= to; published++) {
      ports.push({ Protocol: proto.toLowerCase() as NonNullable<PortConfig['Protocol']>, TargetPort: start + i, ...(published ? { PublishedPort: published } : {}), PublishMode: 'ingress' });
    }
  }
  return ports;
}

/** One flag value's ports; throws docker's words for a bad one. */
export function parsePortOpt(value: string): PortConfig[] {
  return /\w+=\w+/.test(value) ? [longSyntax(value)] : shortSyntax(value);
}
