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

/** nat.ParsePortRange: "80" or "8000-8010"; undefined for anything else (its callers say which part was bad). */
function portRange(s: string): [number, number] | undefined {
  const [a, b] = s.includes('-') ? s.split('-') : [s, s];
  const [start, end] = [parseUint16(a), parseUint16(b)];
  return typeof start === 'number' && typeof end === 'number' && start <= end ? [start, end] : undefined;
}

/** nat.SplitProtoPort: "80/udp" → ["udp", "80"]; no protocol is tcp; no port, nothing. */
function splitProtoPort(raw: string): [string, string] {
  const [port, proto] = raw.split('/');
  if (port === '') return ['', ''];
  return [proto || 'tcp', port];
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
  const [proto, containerPort] = splitProtoPort(parts[n - 1]);
  if (ip.startsWith('[')) {
    if (!ip.endsWith(']')) throw new Error(`invalid IP address ${ip}: address ${ip}:: missing ']' in address`);
    ip = ip.slice(1, -1);
  }
  if (ip !== '' && !isIP(ip)) throw new Error(`invalid IP address: ${ip}`);
  if (containerPort === '') throw new Error(`no port specified: ${raw}<empty>`);
  const container = portRange(containerPort);
  if (!container) throw new Error(`invalid containerPort: ${containerPort}`);
  const [start, end] = container;
  let hostStart = 0, hostEnd = 0;
  if (hostPort !== '') {
    const host = portRange(hostPort);
    if (!host) throw new Error(`invalid hostPort: ${hostPort}`);
    [hostStart, hostEnd] = host;
    if (end - start !== hostEnd - hostStart && end !== start) {
      throw new Error(`invalid ranges specified for container and host Ports: ${containerPort} and ${hostPort}`);
    }
  }
  if (!['tcp', 'udp', 'sctp'].includes(proto.toLowerCase())) throw new Error(`invalid proto: ${proto}`);
  // PortOpt refuses a host IP (a malformed one was refused above, as nat's).
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
