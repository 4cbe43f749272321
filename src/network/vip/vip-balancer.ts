import { logger } from '../../log.js';
import { nftInNamespace } from './nft.js';
import { diffScript, fullScript, removeScript, type VipState } from './ruleset.js';

const log = logger('vip');
const RETRY_MS = 1000;

/** Runs an nft script in a namespace; a parameter so tests can count calls. */
export type NftRunner = (netnsPath: string, script: string) => Promise<void>;

interface NamespaceVips {
  netnsPath: string;
  /** What the kernel has; undefined: unknown (never programmed, or a change failed) → the next apply replaces the table. */
  applied?: VipState;
  wanted: VipState;
  /** The apply in progress; changes meanwhile set `again` and are applied after it, coalesced. */
  running?: Promise<void>;
  /** wanted changed since the loop last looked. */
  again: boolean;
  detached: boolean;
  retry?: NodeJS.Timeout;
}

/**
 * The VIP load balancing of each task's namespace (see ruleset.ts). set()
 * says what a task's namespace should have; the balancer applies only the
 * difference to what it last applied there, one nft transaction at a time
 * per namespace, coalescing changes that come while one runs.
 */
export class VipBalancer {
  private tasks = new Map<string, NamespaceVips>();

  constructor(private nft: NftRunner = nftInNamespace) {}

  /** Wants state in the task's namespace; resolves when the kernel has it (or the attempt failed and a retry is scheduled). */
  set(taskId: string, netnsPath: string, state: VipState): Promise<void> {
    let ns = this.tasks.get(taskId);
    if (!ns || ns.netnsPath !== netnsPath) {
      if (ns) ns.detached = true;
      ns = { netnsPath, wanted: state, again: false, detached: false };
      this.tasks.set(taskId, ns);
    }
    ns.wanted = state;
    return this.kick(ns);
  }

  /** Removes the task's table (its namespace may already be gone: then there is nothing to remove). */
  async remove(taskId: string, removeRules = true): Promise<void> {
    const ns = this.tasks.get(taskId);
    if (!ns) return;
    this.tasks.delete(taskId);
    ns.detached = true;
    clearTimeout(ns.retry);
    await ns.running;
    if (removeRules) await this.nft(ns.netnsPath, removeScript()).catch(() => { /* namespace gone */ });
  }

  /** Waits until every namespace has what was last set (tests). */
  async settled(): Promise<void> {
    for (const ns of this.tasks.values()) await ns.running;
  }

  /** Forgets every namespace without touching the kernel: the rules stay for the next daemon, which replaces them. */
  close(): void {
    for (const ns of this.tasks.values()) { ns.detached = true; clearTimeout(ns.retry); }
    this.tasks.clear();
  }

  private kick(ns: NamespaceVips): Promise<void> {
    ns.again = true;
    ns.running ??= this.applyLoop(ns);
    return ns.running;
  }

  /** Applies ns.wanted until no change came meanwhile; the last check of `again` and the end are in one tick, so no change is lost. */
  private async applyLoop(ns: NamespaceVips): Promise<void> {
    await Promise.resolve(); // ns.running is set before anything below
    try {
      while (ns.again && !ns.detached) {
        ns.again = false;
        const want = ns.wanted;
        const script = ns.applied ? diffScript(ns.applied, want) : fullScript(want);
        if (!script) continue;
        try {
          await this.nft(ns.netnsPath, script);
          ns.applied = want;
        } catch (err) {
          ns.applied = undefined;
          log.warn({ netns: ns.netnsPath, err: String(err) }, 'programming VIPs failed; retrying');
          clearTimeout(ns.retry);
          ns.retry = setTimeout(() => { if (!ns.detached) this.kick(ns).catch(() => { /* logged */ }); }, RETRY_MS);
          ns.retry.unref();
          return;
        }
      }
    } finally {
      ns.running = undefined;
    }
  }
}
