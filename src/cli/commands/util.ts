import { goParseDuration, goParseUint } from '../flagtypes.js';

/** Go's time.ParseDuration → nanoseconds ("1m30s", "500ms", "-5s"), with its error messages; callers refuse what their flag must not be. */
export function parseDuration(s: string): number {
  return Number(goParseDuration(s));
}

/** A uint64 flag's value (checked when parsed, as docker's Uint64Opt: Go's base-0 syntax). */
export function parseUint(flag: string, v: string): number {
  try { return Number(goParseUint(v)); } catch (e) { throw new Error(`invalid argument "${v}" for "--${flag}" flag: ${(e as Error).message}`); }
}

/** `8080:80/udp` or `published=8080,target=80,mode=host,protocol=udp`. */
export function parsePublish(v: string) {
  if (v.includes('=')) {
    const p: Record<string, string> = {};
    for (const kv of v.split(',')) { const [k, val] = kv.split('='); p[k.trim()] = (val ?? '').trim(); }
    return {
      Protocol: (p.protocol ?? 'tcp') as 'tcp' | 'udp', TargetPort: Number(p.target),
      PublishedPort: p.published ? Number(p.published) : undefined, PublishMode: (p.mode ?? 'ingress') as 'ingress' | 'host',
    };
  }
  const [ports, proto = 'tcp'] = v.split('/');
  const [a, b] = ports.split(':');
  const target = Number(b ?? a);
  if (!Number.isInteger(target)) throw new Error(`invalid argument "${v}" for "-p, --publish" flag: invalid port`);
  return { Protocol: proto as 'tcp' | 'udp', TargetPort: target, PublishedPort: b !== undefined ? Number(a) : undefined, PublishMode: 'ingress' as const };
}
