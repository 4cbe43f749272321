/**
 * The campaign of `manage --replication`, the same for every store: take the
 * lock, keep it alive every third of its TTL, step down when it is lost (or
 * when the store has not confirmed it for half its TTL: better no primary for
 * a moment than two), and try again while a replica.
 */
export interface StoreLock {
  /** Tries to take the lock as candidate; true when now held. */
  acquire(candidate: string): Promise<boolean>;
  /** Keeps the held lock alive; false when the store says it is gone. */
  refresh(): Promise<boolean>;
  /** Gives up the lock if held (a replica may take it at once) and what the campaign holds open in the store. */
  release(): Promise<void>;
}

export function campaignLoop(
  lock: StoreLock,
  candidate: string,
  ttlMs: number,
  on: { elected(): void; lost(): void; error?(err: Error): void },
): { stop(): Promise<void> } {
  let stopped = false;
  let wake: (() => void) | undefined;
  const sleep = (ms: number) => new Promise<void>((resolve) => {
    const t = setTimeout(() => { wake = undefined; resolve(); }, ms);
    wake = () => { clearTimeout(t); wake = undefined; resolve(); };
  });
  const refreshMs = Math.max(50, Math.floor(ttlMs / 3));
  const retryMs = Math.max(50, Math.min(1000, Math.floor(ttlMs / 4)));
  let held = false;
  const report = (e: unknown) => on.error?.(e as Error);

  const run = async () => {
    while (!stopped) {
      try {
        held = await lock.acquire(candidate);
      } catch (e) {
        held = false;
        report(e);
      }
      if (stopped) break;
      if (!held) { await sleep(retryMs); continue; }
      on.elected();
      let lastOk = Date.now();
      while (!stopped) {
        await sleep(refreshMs);
        if (stopped) break;
        try {
          if (await lock.refresh()) { lastOk = Date.now(); continue; }
          held = false;
        } catch (e) {
          report(e);
          if (Date.now() - lastOk < ttlMs / 2) continue;
          held = false;
        }
        break;
      }
      if (!stopped) on.lost();
    }
  };
  const done = run();
  return {
    async stop() {
      stopped = true;
      wake?.();
      await done;
      // always: a replica's session or lease goes too
      await lock.release().catch(report);
      held = false;
    },
  };
}
