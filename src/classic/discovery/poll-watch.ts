import { sameEntries } from './entries.js';

/**
 * A watch for backends without change notification (file, token): fetches at
 * once, then every periodMs, and tells onEntries when the list differs from the
 * last one it was given. Fetches never overlap.
 */
export function pollWatch(
  fetch: () => Promise<string[]>,
  periodMs: number,
  onEntries: (entries: string[]) => void,
  onError: (err: Error) => void,
): { stop(): void } {
  let last: string[] | undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const tick = async () => {
    try {
      const entries = await fetch();
      if (stopped) return;
      if (!last || !sameEntries(last, entries)) {
        last = entries;
        onEntries(entries);
      }
    } catch (e) {
      if (!stopped) onError(e as Error);
    }
    if (!stopped) timer = setTimeout(() => { tick().catch(onError); }, periodMs);
  };
  tick().catch(onError);
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
