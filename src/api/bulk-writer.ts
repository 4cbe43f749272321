import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { Worker } from 'node:worker_threads';

/**
 * Large plain replies written by a thread of their own. A socket takes what
 * its kernel send buffer holds (~200 KB on a unix socket) per write; the rest
 * waits for the next turn of the event loop, and while the manager converges
 * 100,000 tasks a turn lasts ~10 ms: `GET /nodes` of 5,000 nodes (2.3 MB, no
 * gzip over a unix socket) took a dozen turns, p99 over 100 ms. The writer
 * thread writes the body to the socket's descriptor as fast as the client
 * reads it, whatever the event loop does.
 *
 * While it writes, the socket is paused (not read), so the event loop cannot
 * see the client's EOF and close the descriptor under the writer; the writer
 * gives up on a client that reads nothing for BULK_STALL_MS, and the daemon
 * waits for writes in flight (`bulkWritesDone`) before closing connections.
 */
export const BULK_MIN_BYTES = 256 * 1024;
export const BULK_STALL_MS = 10_000;
const EMPTY = Buffer.alloc(0);

interface Done { (err?: string): void }
let worker: Worker | undefined;
let seq = 0;
const inFlight = new Map<number, Done>();
let idleWaiters: (() => void)[] = [];

function writer(): Worker {
  if (worker) return worker;
  const w = new Worker(new URL('./bulk-writer-thread.js', import.meta.url), { workerData: { stallMs: BULK_STALL_MS } });
  w.on('message', (m: { id: number; err?: string }) => {
    const done = inFlight.get(m.id);
    inFlight.delete(m.id);
    done?.(m.err);
    if (inFlight.size === 0) { for (const r of idleWaiters) r(); idleWaiters = []; }
  });
  // A writer that dies fails what it had in flight; the next reply starts another.
  w.on('error', () => undefined);
  w.on('exit', () => {
    worker = undefined;
    for (const [id, done] of inFlight) { inFlight.delete(id); done('bulk writer exited'); }
    for (const r of idleWaiters) r();
    idleWaiters = [];
  });
  w.unref(); // after the listeners: adding one refs the port again
  worker = w;
  return w;
}

/** The raw descriptor of a plain (not TLS) socket, when the platform gives one. */
function plainFd(s: Socket | null): number | undefined {
  if (!s || (s as Socket & { encrypted?: boolean }).encrypted) return undefined;
  const fd = (s as Socket & { _handle?: { fd?: number } })._handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : undefined;
}

/** Whether `bytes` can go through the writer thread on this response. */
export function canBulkWrite(res: ServerResponse, bytes: Buffer): boolean {
  return bytes.length >= BULK_MIN_BYTES && res.req?.method !== 'HEAD' && plainFd(res.socket) !== undefined;
}

/** Writes the head on the event loop, then the body from the writer thread; ends (or destroys) the response. */
export function sendBulk(res: ServerResponse, status: number, headers: Record<string, string | number>, bytes: Buffer): void {
  res.writeHead(status, { ...headers, 'Content-Length': bytes.length });
  res.flushHeaders();
  const socket = res.socket!;
  const start = () => {
    const fd = plainFd(socket);
    if (fd === undefined || res.destroyed) { res.destroy(); return; }
    socket.pause();
    const release = holdClose(socket);
    const id = ++seq;
    inFlight.set(id, (err) => {
      if (err) { release(); res.destroy(); return; }
      socket.resume();
      res.end();
      release();
    });
    writer().postMessage({ id, fd, bytes });
  };
  // The head must be on the wire before the writer's bytes. ('drain' would not come when the socket's
  // buffer holds less than its high-water mark; an empty write's callback comes once all before it is written.)
  if (socket.writableLength === 0) start();
  else socket.write(EMPTY, (err) => (err ? res.destroy() : start()));
}

/**
 * Defers the socket's end() and destroy() until `release`: the server ends a
 * connection whose client half-closed (an EOF read with the request, before
 * the pause), and closes sockets on shutdown or timeouts; either would close
 * the descriptor under the writer thread, or hand its number to another file.
 */
function holdClose(socket: Socket): () => void {
  const deferred: (() => void)[] = [];
  const own = socket as unknown as Record<'end' | 'destroy', (...a: unknown[]) => Socket>;
  for (const name of ['end', 'destroy'] as const) {
    const original = own[name];
    own[name] = (...a: unknown[]) => { deferred.push(() => original.apply(socket, a)); return socket; };
  }
  return () => {
    delete (own as Partial<typeof own>).end; // the prototype's methods again
    delete (own as Partial<typeof own>).destroy;
    for (const call of deferred) call();
  };
}

/** Resolves when no reply is being written by the writer thread. */
export function bulkWritesDone(): Promise<void> {
  return inFlight.size === 0 ? Promise.resolve() : new Promise((r) => idleWaiters.push(r));
}
