// Injected time: anything that decides takes a Clock so tests can drive it.
export interface Clock {
  now(): number; // ms since epoch
  setTimeout(fn: () => void, ms: number): { cancel(): void };
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const t = setTimeout(fn, ms);
    return { cancel: () => clearTimeout(t) };
  },
};

/** RFC 3339 with nanoseconds, as Docker prints CreatedAt/UpdatedAt. */
export function isoNano(ms: number): string {
  const d = new Date(ms).toISOString(); // 2024-01-01T00:00:00.123Z
  return d.replace(/\.(\d{3})Z$/, (_m, frac) => `.${frac}000000Z`);
}
