// Injected time: anything that decides takes a Clock so tests can drive it.
export interface Clock {
  now(): number; // ms since epoch
  setTimeout(fn: () => void, ms: number): { cancel(): void };
}

/** Node's timers hold at most 2^31-1 ms (about 24.8 days); longer waits fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    // Long waits (certificate renewal, 90-day certificates) are chained timers.
    let t: NodeJS.Timeout;
    const end = Date.now() + ms;
    const arm = (left: number) => {
      t = setTimeout(() => {
        const rest = end - Date.now();
        if (rest > 0) arm(rest); else fn();
      }, Math.min(Math.max(0, left), MAX_TIMER_MS));
    };
    arm(ms);
    return { cancel: () => clearTimeout(t) };
  },
};

/** RFC 3339 with nanoseconds, as Docker prints CreatedAt/UpdatedAt. */
export function isoNano(ms: number): string {
  if (ms === lastIso.ms) return lastIso.text;
  const d = new Date(ms).toISOString(); // 2024-01-01T00:00:00.123Z
  lastIso = { ms, text: d.slice(0, -1) + '000000Z' };
  return lastIso.text;
}
/** Many objects are stamped within one millisecond. */
let lastIso = { ms: NaN, text: '' };
