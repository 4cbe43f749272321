/**
 * JSON text of a reply. Objects read from the store are frozen and never
 * change, so a list (`GET /nodes` of 5,000 nodes, `GET /tasks`) reuses each
 * object's text from the last time it was sent instead of serializing it again.
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
