import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Executor } from '../../executor/executor.js';
import type { NodeDescription } from '../../types/objects.js';
import { DependencyStore } from '../dependencies.js';
import { FilesExecutor } from './files-executor.js';
import { TaskFiles } from './task-files.js';

/**
 * The daemon's run directory (dockerd's exec-root): memory-backed, one per
 * data root so daemons side by side on a host keep apart.
 */
export function runDir(dataRoot: string): string {
  const id = createHash('sha256').update(resolve(dataRoot)).digest('hex').slice(0, 12);
  const base = process.getuid?.() === 0 ? '/run/tswarm' : join(process.env.XDG_RUNTIME_DIR ?? tmpdir(), 'tswarm');
  return join(base, id);
}

/** What an agent needs to hand its tasks their secrets and configs: where they are kept, and an executor that mounts them. */
export function withTaskFiles(executor: Executor, dataRoot: string, node: () => NodeDescription | undefined): { executor: Executor; dependencies: DependencyStore } {
  const dependencies = new DependencyStore();
  return { executor: new FilesExecutor(executor, new TaskFiles(runDir(dataRoot), dependencies, node, { bindEachFile: executor.name === 'docker' }), node), dependencies };
}
