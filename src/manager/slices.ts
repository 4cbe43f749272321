/**
 * Calls fn on consecutive slices of items, yielding to the event loop between
 * them: a leader component's walk over 100,000 tasks must not hold the API and
 * heartbeats behind it.
 */
export async function forEachSlice<T>(items: readonly T[], size: number, fn: (slice: readonly T[]) => void): Promise<void> {
  for (let i = 0; i < items.length; i += size) {
    if (i > 0) await new Promise<void>((r) => setImmediate(r));
    fn(items.slice(i, i + size));
  }
}
