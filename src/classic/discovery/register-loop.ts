import type { Registration } from './discovery.js';

/**
 * join's loop: runs `refresh` at once and then every heartbeat until stopped;
 * a later failure is reported to onError and tried again at the next heartbeat (the store may
 * come back). `first` settles with the first attempt; `withdraw` runs on stop.
 */
export function registerLoop(
  refresh: () => Promise<void>,
  heartbeatMs: number,
  onError: (err: Error) => void,
  withdraw?: () => Promise<void>,
): Registration {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const once = () => refresh().then(
    () => {},
    (e: Error) => { if (!stopped) onError(e); },
  );
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = once().finally(schedule);
    }, heartbeatMs);
  };
  // the first attempt's failure goes to `first`, not to onError
  const first = refresh();
  running = first.catch(() => {}).finally(schedule);
  first.catch(() => {}); // a caller that ignores `first` must not crash the process
  return {
    first,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
      if (withdraw) await withdraw().catch(() => {});
    },
  };
}
