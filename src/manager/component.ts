import type { Clock } from '../clock.js';
import type { MemoryStore } from '../store/store.js';

/** A leader-only part of the manager: started when this manager leads, stopped when it no longer does. */
export interface LeaderComponent {
  readonly name: string;
  start(): void;
  stop(): Promise<void>;
}

export interface ComponentDeps {
  store: MemoryStore;
  clock: Clock;
  /** Randomness for decisions (tie-breaks, ports), injectable for tests. */
  random?: () => number;
}
