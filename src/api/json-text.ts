/**
 * JSON text of a reply. Objects read from the store are frozen and never
 * change, so a list (`GET /nodes` of 5,000 nodes, `GET /tasks`) reuses each
 * object's text from the last time it was sent instead of serializing it again,
 * and a list of exactly the same objects as a recent reply reuses that reply's
 * bytes: polling an unchanged list costs a comparison of references, not a
 * join and an encoding of megabytes on the event loop.
 */
const textOf = new WeakMap<object, string>();

function itemText(v: unknown): string {
  if (!v || typeof v !== 'object' || !Object.isFrozen(v)) return JSON.stringify(v) ?? 'null';
  let t = textOf.get(v);
  if (t === undefined) { t = JSON.stringify(v); textOf.set(v, t); }
  return t;
}

export function jsonText(body: unknown): string {
  if (!Array.isArray(body)) return JSON.stringify(body);
  return `[${body.map(itemText).join(',')}]`;
}

/** Recent list replies of frozen items (a few: one per list being polled). */
const RECENT_LISTS = 4;
const MIN_CACHED_ITEMS = 64;
const recent: { items: readonly unknown[]; bytes: Buffer }[] = [];

const sameItems = (a: readonly unknown[], b: readonly unknown[]) =>
  a.length === b.length && a.every((x, i) => x === b[i]);

/** The reply's bytes, from a recent identical list when there is one. */
export function jsonBytes(body: unknown): Buffer {
  if (!Array.isArray(body) || body.length < MIN_CACHED_ITEMS || !body.every((x) => x && typeof x === 'object' && Object.isFrozen(x))) {
    return Buffer.from(jsonText(body));
  }
  const hit = recent.findIndex((r) => sameItems(r.items, body));
  if (hit >= 0) {
    const [r] = recent.splice(hit, 1);
    recent.unshift(r);
    return r.bytes;
  }
  const bytes = Buffer.from(jsonText(body));
  recent.unshift({ items: body.slice(), bytes });
  recent.length = Math.min(recent.length, RECENT_LISTS);
  return bytes;
}
