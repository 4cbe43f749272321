/**
 * A map with its keys in the order Go's encoding/json writes them (sorted by
 * their bytes): Docker answers every map (labels, options, driver options)
 * that way, whatever order it was sent in. (JavaScript keeps keys that are
 * array indices, "0" to "4294967294", first and in numeric order: such keys
 * cannot follow Go's order in a plain object.)
 */
export function goMapOrder<T>(m: Record<string, T>): Record<string, T> {
  const keys = Object.keys(m);
  const sorted = [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  if (sorted.every((k, i) => k === keys[i])) return m;
  const out: Record<string, T> = {};
  // defineProperty: a key may be "__proto__".
  for (const k of sorted) Object.defineProperty(out, k, { value: m[k], enumerable: true, writable: true, configurable: true });
  return out;
}
