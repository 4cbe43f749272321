/** Go's time.ParseDuration → nanoseconds ("1m30s", "500ms", "10s"). */
export function parseDuration(s: string): number {
  if (/^\d+$/.test(s)) return Number(s) === 0 ? 0 : NaN;
  const units: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };
  let total = 0;
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g;
  let consumed = 0;
  for (const m of s.matchAll(re)) { total += Number(m[1]) * units[m[2]]; consumed += m[0].length; }
  if (consumed !== s.length || consumed === 0) throw new Error(`invalid duration "${s}"`);
  return Math.round(total);
}

/** Go's time.Duration String(): 5s, 1m30s, 500ms. */
export function formatDuration(ns: number): string {
  if (ns === 0) return '0s';
  if (ns < 1e6) return `${ns / 1e3}µs`;
  if (ns < 1e9) return `${ns / 1e6}ms`;
  let s = ns / 1e9;
  const h = Math.floor(s / 3600); s -= h * 3600;
  const m = Math.floor(s / 60); s -= m * 60;
  return `${h ? `${h}h` : ''}${h || m ? `${m}m` : ''}${Number(s.toFixed(9))}s`;
}

export function parseUint(flag: string, v: string): number {
  if (!/^\d+$/.test(v)) throw new Error(`invalid argument "${v}" for "--${flag}" flag: strconv.ParseUint: parsing "${v}": invalid syntax`);
  return Number(v);
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
