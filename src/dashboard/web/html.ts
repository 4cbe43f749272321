// Small formatting helpers of the page. Text from the swarm (names, images,
// labels, errors) is rendered as text by Preact, never as HTML.

export function bytes(n: number): string {
  if (!n) return '';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return `${n >= 10 || i === 0 ? n.toFixed(0) : n.toFixed(1)} ${units[i]}`;
}

export function cpus(nano: number): string {
  if (!nano) return '';
  const c = nano / 1e9;
  return `${Number.isInteger(c) ? c : c.toFixed(1)} CPU`;
}

/** "12s ago", "3m ago": how long since an RFC 3339 time. */
export function ago(iso: string | undefined, now = Date.now()): string {
  if (!iso) return '';
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86400)}d ago`;
}

/** One page of a list: its items, the page shown (clamped) and how many pages there are. */
export interface PageOf<T> { items: T[]; pageNo: number; pages: number; from: number; total: number }

export function pageOf<T>(all: T[], pageNo: number, size: number): PageOf<T> {
  const pages = Math.max(1, Math.ceil(all.length / size));
  const p = Math.min(Math.max(0, pageNo), pages - 1);
  return { items: all.slice(p * size, (p + 1) * size), pageNo: p, pages, from: all.length ? p * size + 1 : 0, total: all.length };
}
