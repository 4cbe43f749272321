import { readFile } from 'node:fs/promises';
import type { Discovery } from './discovery.js';
import { checkAddress, expandRange } from './entries.js';
import { pollWatch } from './poll-watch.js';

/**
 * The engines a cluster file lists, as classic Swarm reads it: one address or
 * range per line; `#` starts a comment (whole line or the rest of one); blank
 * lines are skipped.
 */
export function parseClusterFile(content: string): string[] {
  const out: string[] = [];
  for (const raw of content.split('\n')) {
    const line = raw.split('#')[0].trim();
    if (line === '') continue;
    for (const addr of expandRange(line)) out.push(checkAddress(addr));
  }
  return out;
}

/** `file:///etc/swarm/cluster`: the pool is the file's lines, read again every refresh period. */
export class FileDiscovery implements Discovery {
  constructor(readonly url: string, readonly path: string, private readonly refreshMs: number) {}

  async list(): Promise<string[]> {
    let content: string;
    try {
      content = await readFile(this.path, 'utf8');
    } catch (e) {
      throw new Error(`failed to read '${this.path}': ${(e as Error).message}`);
    }
    try {
      return parseClusterFile(content);
    } catch (e) {
      throw new Error(`'${this.path}': ${(e as Error).message}`);
    }
  }

  watch(onEntries: (entries: string[]) => void, onError: (err: Error) => void): { stop(): void } {
    return pollWatch(() => this.list(), this.refreshMs, onEntries, onError);
  }

  register(): never {
    throw new Error('not implemented in this discovery service: file:// is read-only; edit the file instead');
  }
}
