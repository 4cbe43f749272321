import { Allocator } from '../../src/manager/allocator/allocator.js';
import { Control } from '../../src/manager/controlapi/control.js';
import { JobsOrchestrator } from '../../src/manager/orchestrator/jobs.js';
import { Orchestrator } from '../../src/manager/orchestrator/orchestrator.js';
import { TaskReaper } from '../../src/manager/orchestrator/reaper.js';
import { Updater } from '../../src/manager/orchestrator/updater.js';
import { Scheduler } from '../../src/manager/scheduler/scheduler.js';
import { MemoryStore } from '../../src/store/store.js';
import type { Node, Task, TaskState } from '../../src/types/objects.js';
import { FakeClock, settle } from './fake-clock.js';

export function testNode(id: string): Node {
  return {
    ID: id, Version: { Index: 0 }, CreatedAt: '', UpdatedAt: '',
    Spec: { Role: 'worker', Availability: 'active', Labels: {} },
    Description: { Hostname: id, Resources: { NanoCPUs: 4e9, MemoryBytes: 8e9 } },
    Status: { State: 'ready' },
  };
}

/** The leader's components on a fake clock over an in-memory store, with nodes; the test plays the agents. */
export async function leaderHarness(nodes: string[]) {
  const clock = new FakeClock();
  const store = new MemoryStore(clock);
  await store.update((tx) => { for (const n of nodes) tx.create('nodes', testNode(n)); });
  const deps = { store, clock };
  const components = [new Allocator(deps), new Orchestrator(deps), new JobsOrchestrator(deps), new Updater(deps), new Scheduler(deps), new TaskReaper(deps)];
  for (const c of components) c.start();
  const control = new Control(store, { clock });
  const tasks = (serviceId: string) => store.view((tx) => tx.tasks.find({ serviceId }));
  const task = (id: string) => store.view((tx) => tx.tasks.get(id));
  /** Reports states as an agent would. */
  const report = (pick: (t: Task) => boolean, State: TaskState, extra: Partial<Task['Status']> = {}) => store.update((tx) => {
    for (const t of tx.tasks.all()) if (pick(t)) tx.update('tasks', { ...t, Status: { ...t.Status, State, ...extra } });
  });
  /** Assigned tasks start: those of services (desired running) and of jobs (desired complete). */
  const runAssigned = () => report((t) => t.Status.State === 'assigned' && (t.DesiredState === 'complete' || t.DesiredState === 'running'), 'running');
  /** Tasks asked to stop stop. */
  const stopShutdown = () => report((t) => (t.DesiredState === 'shutdown' || t.DesiredState === 'remove') && t.Status.State === 'running', 'shutdown');
  await settle();
  return { clock, store, control, tasks, task, report, runAssigned, stopShutdown, stop: () => Promise.all(components.map((c) => c.stop())) };
}
