import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** What a node remembers of its swarm membership across restarts. */
export interface SwarmState {
  nodeId: string;
  role: 'manager' | 'worker';
  /** "ip:port" other nodes reach this node's cluster port at. */
  advertiseAddr: string;
  listenAddr: string;
  /** This manager's Raft member ID (never reused). */
  raftId?: string;
  /** Managers' cluster addresses, as last heard from them. */
  managers?: string[];
}

let saves = 0;

export class SwarmStateFile {
  constructor(readonly dir: string) {}
  private get path() { return join(this.dir, 'state.json'); }

  async load(): Promise<SwarmState | undefined> {
    try { return JSON.parse(await readFile(this.path, 'utf8')) as SwarmState; } catch { return undefined; }
  }
  async save(s: SwarmState): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    // A temp file per save: two saves at once (init and the agent's manager list) must not rename each other's.
    const tmp = `${this.path}.${++saves}.tmp`;
    await writeFile(tmp, JSON.stringify(s));
    await rename(tmp, this.path);
  }
  /** Leaving the swarm forgets everything about it. */
  async erase(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}
