/**
 * At most n of the calls run at once; the rest wait in order. Many tasks
 * starting together on one host must not start as many node helpers or nft
 * processes at the same moment.
 */
export function createLimit(n: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    if (active >= n) await new Promise<void>((r) => waiting.push(r));
    active++;
    try {
      return await fn();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}
