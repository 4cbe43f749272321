import { writeSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';

/**
 * The writer thread of bulk-writer.ts: writes one reply body at a time to a
 * socket's descriptor. The descriptor is non-blocking (libuv's): a full send
 * buffer answers EAGAIN, and the thread sleeps a little and tries again, up
 * to `stallMs` without progress.
 */
const { stallMs } = workerData as { stallMs: number };
const sleeper = new Int32Array(new SharedArrayBuffer(4));
/** Sleeps between tries: short while the client keeps reading, longer while it does not. */
const RETRY_MIN_MS = 0.1;
const RETRY_MAX_MS = 5;

function writeAll(fd: number, bytes: Uint8Array): string | undefined {
  let off = 0;
  let lastProgress = Date.now();
  let retryMs = RETRY_MIN_MS;
  while (off < bytes.length) {
    try {
      off += writeSync(fd, bytes, off);
      lastProgress = Date.now();
      retryMs = RETRY_MIN_MS;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'EAGAIN' && code !== 'EWOULDBLOCK') return code ?? String(e);
      if (Date.now() - lastProgress > stallMs) return 'client stalled';
      Atomics.wait(sleeper, 0, 0, retryMs);
      retryMs = Math.min(RETRY_MAX_MS, retryMs * 2);
    }
  }
  return undefined;
}

parentPort!.on('message', (m: { id: number; fd: number; bytes: Uint8Array }) => {
  parentPort!.postMessage({ id: m.id, err: writeAll(m.fd, m.bytes) });
});
