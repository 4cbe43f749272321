import type { PortConfig } from '../../types/objects.js';

/**
 * `service ls`'s PORTS as the docker CLI prints them: only ports published
 * through the routing mesh, by protocol then published port, consecutive
 * ones joined into ranges (`*:8080-8081->80-81/tcp`).
 */
export function servicePortsColumn(ports: PortConfig[] | undefined): string {
  const mesh = (ports ?? []).filter((p) => (p.PublishMode ?? 'ingress') === 'ingress')
    .map((p) => ({ proto: p.Protocol ?? 'tcp', pub: p.PublishedPort ?? 0, target: p.TargetPort ?? 0 }))
    .sort((a, b) => (a.proto === b.proto ? a.pub - b.pub : a.proto < b.proto ? -1 : 1));
  const out: string[] = [];
  let r: { proto: string; pStart: number; pEnd: number; tStart: number; tEnd: number } | undefined;
  const text = (x: NonNullable<typeof r>) => `*:${span(x.pStart, x.pEnd)}->${span(x.tStart, x.tEnd)}/${x.proto}`;
  for (const p of mesh) {
    // A new range when the protocol changes, either port is not the next one, or a range's targets would overlap.
    const isRange = !!r && r.tEnd !== r.tStart;
    if (!r || p.proto !== r.proto || p.pub - r.pEnd > 1 || p.target - r.tEnd > 1 || (isRange && p.target <= r.tEnd)) {
      if (r && r.pStart > 0) out.push(text(r));
      r = { proto: p.proto, pStart: p.pub, pEnd: p.pub, tStart: p.target, tEnd: p.target };
      continue;
    }
    r.pEnd = p.pub;
    r.tEnd = p.target;
  }
  if (r && r.pStart > 0) out.push(text(r));
  return out.join(', ');
}

const span = (a: number, b: number) => (b > a ? `${a}-${b}` : `${a}`);

/** `service ps`'s PORTS: each port of the task's status, joined by a bare comma as docker's. */
export function taskPortsColumn(ports: PortConfig[] | undefined): string {
  return (ports ?? []).map((p) => `*:${p.PublishedPort ?? 0}->${p.TargetPort ?? 0}/${p.Protocol ?? 'tcp'}`).join(',');
}

/** `service ps`'s ERROR: quoted, cut to 30 columns with an ellipsis unless --no-trunc (docker's formatter.Ellipsis). */
export function taskErrorColumn(err: string | undefined, trunc: boolean): string {
  if (!err) return '';
  const chars = Array.from(err);
  const shown = trunc && chars.length > 30 ? `${chars.slice(0, 29).join('')}…` : err;
  return `"${shown}"`;
}
