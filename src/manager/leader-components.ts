import type { ComponentDeps, LeaderComponent } from './component.js';
import { Orchestrator } from './orchestrator/orchestrator.js';
import { JobsOrchestrator } from './orchestrator/jobs.js';
import { TaskReaper } from './orchestrator/reaper.js';
import { Updater } from './orchestrator/updater.js';
import { Scheduler } from './scheduler/scheduler.js';
import { NetworkKeyManager } from './network-keys/key-manager.js';

/** The leader's converging components (after the dispatcher and allocator), in start order. */
export function leaderComponents(deps: ComponentDeps): LeaderComponent[] {
  return [new Orchestrator(deps), new JobsOrchestrator(deps), new Updater(deps), new Scheduler(deps), new TaskReaper(deps), new NetworkKeyManager(deps)];
}
