// Every text from the swarm (names, images, labels, errors) goes through esc:
// they are the users' own strings.

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function esc(v: unknown): string {
  return String(v ?? '').replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

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

/** One page of a list, and the pager's text and buttons. */
export function page<T>(all: T[], pageNo: number, size: number): { items: T[]; pageNo: number; pager: string } {
  const pages = Math.max(1, Math.ceil(all.length / size));
  const p = Math.min(Math.max(0, pageNo), pages - 1);
  const items = all.slice(p * size, (p + 1) * size);
  const from = all.length ? p * size + 1 : 0;
  const pager = all.length <= size ? `${all.length}` : `${from}–${p * size + items.length} of ${all.length}`
    + ` <button data-page="-1" ${p === 0 ? 'disabled' : ''} aria-label="previous page">‹</button>`
    + `<button data-page="1" ${p === pages - 1 ? 'disabled' : ''} aria-label="next page">›</button>`;
  return { items, pageNo: p, pager };
}
