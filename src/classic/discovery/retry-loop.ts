/**
 * Runs `loop` (a long poll or a watch that returns only when stopped); when
 * it fails and the caller has not stopped, the failure is reported and the
 * loop runs again after retryMs (the store may come back).
 */
export function retryLoop(loop: () => Promise<void>, retryMs: number, onError: (e: Error) => void, isStopped: () => boolean): { stop(): void } {
  let timer: NodeJS.Timeout | undefined;
  const run = () => {
    loop().catch((e: Error) => {
      if (isStopped()) return;
      onError(e);
      timer = setTimeout(run, retryMs);
    });
  };
  run();
  return { stop: () => clearTimeout(timer) };
}
