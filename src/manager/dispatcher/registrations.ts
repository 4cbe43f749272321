import type { Clock } from '../../clock.js';
import type { MemoryStore } from '../../store/store.js';
import type { Node } from '../../types/objects.js';
import type { RegisterRequest } from '../../types/dispatcher.js';

/** Registrations arriving within this window share transactions (a restarted leader meets every node at once). */
const WINDOW_MS = 20;

interface Waiting { nodeId: string; req: RegisterRequest; done: (err?: unknown) => void }

/**
 * Writes node registrations in batches: each node is created or marked ready
 * with its new description in a bounded batch transaction, so thousands of
 * nodes registering cost a few Raft entries instead of one each.
 */
export class RegistrationBatcher {
  private waiting: Waiting[] = [];
  private timer?: { cancel(): void };
  private writing: Promise<void> = Promise.resolve();

  constructor(private store: MemoryStore, private clock: Clock) {}

  add(nodeId: string, req: RegisterRequest): Promise<void> {
    const p = new Promise<void>((resolve, reject) => this.waiting.push({ nodeId, req, done: (err) => (err ? reject(err) : resolve()) }));
    this.timer ??= this.clock.setTimeout(() => { this.timer = undefined; this.flush(); }, WINDOW_MS);
    return p;
  }

  private flush() {
    const batch = this.waiting;
    this.waiting = [];
    if (batch.length === 0) return;
    this.writing = this.writing.then(async () => {
      try {
        await this.store.batch((b) => { for (const w of batch) b.update((tx) => write(tx, w)); });
        for (const w of batch) w.done();
      } catch (err) {
        for (const w of batch) w.done(err);
      }
    });
  }
}

function write(tx: Parameters<Parameters<MemoryStore['update']>[0]>[0], { nodeId, req }: Waiting) {
  const cur = tx.nodes.get(nodeId);
  const status = { State: 'ready' as const, Addr: req.addr ?? cur?.Status.Addr ?? '127.0.0.1' };
  if (cur) {
    // The CA records the node's TLS info when it issues; a registration keeps it.
    tx.update('nodes', { ...cur, Description: { ...req.description, TLSInfo: cur.Description?.TLSInfo ?? req.description?.TLSInfo }, Status: status });
  } else {
    tx.create('nodes', {
      ID: nodeId, Version: { Index: 0 }, CreatedAt: '', UpdatedAt: '',
      Spec: { Labels: {}, Role: 'worker', Availability: 'active' },
      Description: req.description,
      Status: status,
    } as Node);
  }
}
