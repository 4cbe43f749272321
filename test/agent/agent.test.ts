import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rmdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from '../../src/agent/agent.js';
import { AssignmentFile } from '../../src/agent/assignment-file.js';
import { systemClock } from '../../src/clock.js';
import type { Executor, RuntimeStatus } from '../../src/executor/executor.js';
import { Dispatcher } from '../../src/manager/dispatcher/dispatcher.js';
import { MemoryStore } from '../../src/store/store.js';
import type { Task } from '../../src/types/objects.js';

/** An in-memory executor for this unit test: tasks "run" until shut down or told to exit. */
class MemExecutor implements Executor {
  readonly name = 'sim' as const;
  running = new Map<string, { running: boolean; exit?: (code: number) => void; code?: number }>();
  starts = 0;
  async describe() { return { Hostname: 'mem', Platform: { OS: 'linux', Architecture: 'x86_64' } }; }
  async prepare(t: Task) { if (!this.running.has(t.ID)) this.running.set(t.ID, { running: false }); }
  async start(t: Task) { this.starts++; this.running.get(t.ID)!.running = true; }
  wait(t: Task) {
    const r = this.running.get(t.ID)!;
    if (!r.running) return Promise.resolve({ exitCode: r.code ?? 0 });
    return new Promise<{ exitCode: number }>((res) => { r.exit = (code) => { r.running = false; r.code = code; res({ exitCode: code }); }; });
  }
  async inspect(t: Task): Promise<RuntimeStatus | undefined> {
    const r = this.running.get(t.ID);
    return r && { containerId: `c-${t.ID}`, running: r.running, exitCode: r.code, endpoints: [] };
  }
  async shutdown(t: Task) { const r = this.running.get(t.ID); if (r?.running) (r.exit ?? (() => { r.running = false; }))(143); }
  async remove(t: Task) { this.running.delete(t.ID); }
  async *logs() { /* none */ }
  async list() { return [...this.running].map(([taskId, r]) => ({ taskId, containerId: `c-${taskId}`, running: r.running })); }
}

const until = async (cond: () => boolean, ms = 3000) => {
  const end = Date.now() + ms;
  while (!cond()) { if (Date.now() > end) throw new Error('timed out'); await new Promise((r) => setTimeout(r, 10)); }
};

function assigned(id: string, nodeId: string): Task {
  return {
    ID: id, Version: { Index: 0 }, CreatedAt: '', UpdatedAt: '', Spec: { ContainerSpec: { Image: 'x' } },
    ServiceID: 's1', Slot: 1, NodeID: nodeId, DesiredState: 'running', Status: { State: 'assigned' },
  };
}

test('an agent runs its assignments, reports states, and stops tasks on request', async () => {
  const store = new MemoryStore();
  const dispatcher = new Dispatcher(store, systemClock);
  dispatcher.start();
  const exec = new MemExecutor();
  const agent = new Agent({ dispatcher, executor: exec, clock: systemClock, nodeId: 'n1' });
  await agent.start();
  // Registration goes on in the background: the node turns ready once the dispatcher answers.
  await until(() => store.view((tx) => tx.nodes.get('n1'))?.Status.State === 'ready');
  await store.update((tx) => tx.create('tasks', assigned('t1', 'n1')));
  const state = () => store.view((tx) => tx.tasks.get('t1'))!.Status.State;
  await until(() => state() === 'running');
  assert.equal(store.view((tx) => tx.tasks.get('t1'))!.Status.ContainerStatus?.ContainerID, 'c-t1');
  // the task exits by itself with an error code
  exec.running.get('t1')!.exit!(3);
  await until(() => state() === 'failed');
  assert.equal(store.view((tx) => tx.tasks.get('t1'))!.Status.Err, 'task: non-zero exit (3)');
  // a second task is shut down when the manager asks
  await store.update((tx) => tx.create('tasks', assigned('t2', 'n1')));
  await until(() => store.view((tx) => tx.tasks.get('t2'))!.Status.State === 'running');
  const t2 = store.view((tx) => tx.tasks.get('t2'))!;
  await store.update((tx) => tx.update('tasks', { ...structuredClone(t2), DesiredState: 'shutdown' }));
  await until(() => store.view((tx) => tx.tasks.get('t2'))!.Status.State === 'shutdown');
  // removing the task from the store removes its runtime object
  await store.update((tx) => tx.remove('tasks', 't2'));
  await until(() => !exec.running.has('t2'));
  await agent.stop();
  await dispatcher.stop();
});

test('a restarted agent adopts running tasks instead of starting them again', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tswarm-agent-'));
  const store = new MemoryStore();
  const dispatcher = new Dispatcher(store, systemClock);
  dispatcher.start();
  const exec = new MemExecutor();
  const a1 = new Agent({ dispatcher, executor: exec, clock: systemClock, nodeId: 'n1', stateDir: dir });
  await a1.start();
  await store.update((tx) => tx.create('tasks', assigned('t1', 'n1')));
  await until(() => store.view((tx) => tx.tasks.get('t1'))!.Status.State === 'running');
  await a1.stop();
  const a2 = new Agent({ dispatcher, executor: exec, clock: systemClock, nodeId: 'n1', stateDir: dir });
  await a2.start();
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(exec.starts, 1, 'not started twice');
  exec.running.get('t1')!.exit!(0);
  await until(() => store.view((tx) => tx.tasks.get('t1'))!.Status.State === 'complete');
  await a2.stop();
  await dispatcher.stop();
});

test('status reports never move a task backwards and only come from its node', async () => {
  const store = new MemoryStore();
  const dispatcher = new Dispatcher(store, systemClock);
  dispatcher.start();
  const { sessionId } = await dispatcher.register({ nodeId: 'n1', description: {} });
  const { sessionId: other } = await dispatcher.register({ nodeId: 'n2', description: {} });
  await store.update((tx) => tx.create('tasks', { ...assigned('t1', 'n1'), Status: { State: 'running' } }));
  await dispatcher.updateTaskStatus(sessionId, [{ taskId: 't1', status: { State: 'starting' } }]);
  await dispatcher.updateTaskStatus(other, [{ taskId: 't1', status: { State: 'failed' } }]);
  assert.equal(store.view((tx) => tx.tasks.get('t1'))!.Status.State, 'running');
  await dispatcher.updateTaskStatus(sessionId, [{ taskId: 't1', status: { State: 'complete' } }]);
  assert.equal(store.view((tx) => tx.tasks.get('t1'))!.Status.State, 'complete');
  await assert.rejects(dispatcher.heartbeat('nope'), /session invalid/);
  await dispatcher.stop();
});

test('a failed save of the assignments is retried and lands; the agent runs its tasks meanwhile', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tswarm-agent-'));
  // A directory where the temporary file goes: every write fails until it is gone.
  const blocker = join(dir, 'assignments.json.tmp');
  await mkdir(blocker);
  const store = new MemoryStore();
  const dispatcher = new Dispatcher(store, systemClock);
  dispatcher.start();
  const exec = new MemExecutor();
  const agent = new Agent({ dispatcher, executor: exec, clock: systemClock, nodeId: 'n1', stateDir: dir });
  await agent.start();
  await store.update((tx) => tx.create('tasks', assigned('t1', 'n1')));
  await until(() => store.view((tx) => tx.tasks.get('t1'))!.Status.State === 'running');
  const onDisk = new AssignmentFile(dir);
  assert.deepEqual(await onDisk.load(), [], 'nothing could be written yet');
  await rmdir(blocker);
  const saved = async () => (await onDisk.load()).find((t) => t.ID === 't1')?.Status.State;
  for (const end = Date.now() + 5000; (await saved()) !== 'running';) {
    if (Date.now() > end) assert.fail('the assignments were never saved after the failed write');
    await new Promise((r) => setTimeout(r, 50));
  }
  await agent.stop();
  await dispatcher.stop();
});

test('a task the executor fails to stop is reported failed with the reason; the agent goes on', async () => {
  class StuckExecutor extends MemExecutor {
    stopAttempts = 0;
    override async shutdown(): Promise<void> { this.stopAttempts++; throw new Error('cannot connect to the engine'); }
  }
  const store = new MemoryStore();
  const dispatcher = new Dispatcher(store, systemClock);
  dispatcher.start();
  const exec = new StuckExecutor();
  const agent = new Agent({ dispatcher, executor: exec, clock: systemClock, nodeId: 'n1' });
  await agent.start();
  await store.update((tx) => tx.create('tasks', assigned('t1', 'n1')));
  const task = () => store.view((tx) => tx.tasks.get('t1'))!;
  await until(() => task().Status.State === 'running');
  await store.update((tx) => tx.update('tasks', { ...structuredClone(task()), DesiredState: 'shutdown' }));
  await until(() => task().Status.State === 'failed');
  assert.equal(task().Status.Err, 'cannot connect to the engine');
  // Leaving the node, the task is stopped again and removed all the same.
  await store.update((tx) => tx.remove('tasks', 't1'));
  await until(() => !exec.running.has('t1'));
  assert.equal(exec.stopAttempts, 2);
  // The agent still runs new work.
  await store.update((tx) => tx.create('tasks', assigned('t2', 'n1')));
  await until(() => store.view((tx) => tx.tasks.get('t2'))!.Status.State === 'running');
  await agent.stop();
  await dispatcher.stop();
});
