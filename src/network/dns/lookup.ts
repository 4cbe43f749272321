import type { NetworkRecords } from './records.js';

/**
 * The addresses a task's resolver gives for name, searching the networks the
 * task is attached to (in its order, the first that knows the name wins), as
 * libnetwork's sandbox.ResolveName: `a.b.c` is tried as the name `a.b.c` on
 * every network, then `a.b` on network `c`, then `a` on network `b.c` — so
 * `web.my-net` and `tasks.web.my-net` ask my-net only. Names are compared
 * without case, network names with case (as Docker). undefined: not ours.
 */
export function lookupName(qname: string, nets: readonly NetworkRecords[]): string[] | undefined {
  const name = qname.endsWith('.') ? qname.slice(0, -1) : qname;
  if (name === '') return undefined;
  const tries: [string, string | undefined][] = [[name, undefined]];
  for (let i = name.lastIndexOf('.'); i > 0; i = name.lastIndexOf('.', i - 1)) {
    tries.push([name.slice(0, i), name.slice(i + 1)]);
  }
  for (const [req, network] of tries) {
    const key = req.toLowerCase();
    for (const n of nets) {
      if (network !== undefined && n.network !== network) continue;
      const ips = n.names.get(key);
      if (ips && ips.length > 0) return ips;
    }
  }
  return undefined;
}

/** The PTR target (no trailing dot) of an address of a task on one of nets. */
export function lookupAddress(ip: string, nets: readonly NetworkRecords[]): string | undefined {
  for (const n of nets) {
    const name = n.ptr.get(ip);
    if (name) return name;
  }
  return undefined;
}

/** `4.3.2.1.in-addr.arpa` → `1.2.3.4`; undefined for anything else. */
export function reverseToIPv4(qname: string): string | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.in-addr\.arpa\.?$/i.exec(qname);
  if (!m) return undefined;
  const parts = [m[4], m[3], m[2], m[1]].map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return parts.join('.');
}
