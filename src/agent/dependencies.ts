import type { AssignmentChange } from '../types/dispatcher.js';
import type { Config, Secret } from '../types/secrets.js';

export type DependencyChange = Extract<AssignmentChange, { secret: Secret } | { secretId: string } | { config: Config } | { configId: string }>;

export function isDependencyChange(c: AssignmentChange): c is DependencyChange {
  return 'secret' in c || 'secretId' in c || 'config' in c || 'configId' in c;
}

/**
 * The secrets and configs the managers sent this node for its tasks, in
 * memory only: never written to the assignment file or anywhere else on disk.
 */
export class DependencyStore {
  private secrets = new Map<string, Secret>();
  private configs = new Map<string, Config>();

  apply(c: DependencyChange) {
    if ('secret' in c) this.secrets.set(c.secret.ID, c.secret);
    else if ('secretId' in c) this.secrets.delete(c.secretId);
    else if ('config' in c) this.configs.set(c.config.ID, c.config);
    else this.configs.delete(c.configId);
  }

  /** A complete assignment set: what it does not carry is gone. */
  reset(changes: AssignmentChange[]) {
    this.secrets.clear();
    this.configs.clear();
    for (const c of changes) if (isDependencyChange(c)) this.apply(c);
  }

  secret(id: string): Secret | undefined { return this.secrets.get(id); }
  config(id: string): Config | undefined { return this.configs.get(id); }
  /** How many of each the node holds (tests look at a worker's memory through this). */
  counts(): { secrets: string[]; configs: string[] } { return { secrets: [...this.secrets.keys()], configs: [...this.configs.keys()] }; }
}
