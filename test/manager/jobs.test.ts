import { test } from 'node:test';
import assert from 'node:assert/strict';
import { leaderHarness, testNode as node } from '../helpers/leader-harness.js';

const SECOND = 1e9;

async function manager(nodes: string[]) {
  const m = await leaderHarness(nodes);
  const inProgress = (id: string) => m.tasks(id).filter((t) => t.DesiredState === 'complete' && t.Status.State !== 'complete');
  return { ...m, inProgress };
}

const job = (name: string, mode: object, extra: object = {}) => ({ Name: name, Mode: mode, TaskTemplate: { ContainerSpec: { Image: 'i' }, RestartPolicy: { Delay: 0 } }, ...extra });

test('a replicated job runs TotalCompletions tasks, never more than MaxConcurrent at once, each in its own slot', async () => {
  const m = await manager(['a', 'b']);
  const { ID } = await m.control.createService(job('j', { ReplicatedJob: { MaxConcurrent: 2, TotalCompletions: 5 } }));
  let peak = 0;
  for (let round = 0; round < 10 && m.tasks(ID).filter((t) => t.Status.State === 'complete').length < 5; round++) {
    await m.clock.advance(0);
    await m.runAssigned();
    peak = Math.max(peak, m.tasks(ID).filter((t) => t.Status.State === 'running').length);
    // one task at a time completes
    const one = m.tasks(ID).find((t) => t.Status.State === 'running');
    if (one) await m.report((t) => t.ID === one.ID, 'complete', { ContainerStatus: { ExitCode: 0 } });
  }
  await m.clock.advance(0);
  const all = m.tasks(ID);
  assert.equal(peak, 2, 'at most MaxConcurrent running');
  assert.equal(all.length, 5, 'no task beyond TotalCompletions');
  assert.deepEqual(all.map((t) => t.Slot).sort(), [0, 1, 2, 3, 4], 'slots 0…4 as swarmkit numbers them');
  assert.ok(all.every((t) => t.Status.State === 'complete' && t.DesiredState === 'complete' && t.JobIteration?.Index === undefined));
  const [st] = m.control.listServices({}, { status: true });
  assert.deepEqual(st.ServiceStatus, { RunningTasks: 0, DesiredTasks: 2, CompletedTasks: 5 });
  await m.stop();
});

test('a failed job task is retried after its restart delay; a completed one never runs again', async () => {
  const m = await manager(['a']);
  const { ID } = await m.control.createService(job('j', { ReplicatedJob: { MaxConcurrent: 1, TotalCompletions: 1 } }, {
    TaskTemplate: { ContainerSpec: { Image: 'i' }, RestartPolicy: { Condition: 'any', Delay: 3 * SECOND } },
  }));
  await m.clock.advance(0);
  await m.runAssigned();
  const [first] = m.tasks(ID);
  await m.report((t) => t.ID === first.ID, 'failed', { ContainerStatus: { ExitCode: 2 }, Err: 'task: non-zero exit (2)' });
  await m.clock.advance(0);
  const retry = m.tasks(ID).find((t) => t.ID !== first.ID)!;
  assert.ok(retry, 'a retry');
  assert.equal(retry.Slot, first.Slot);
  assert.equal(retry.DesiredState, 'ready', 'waits its delay prepared');
  assert.equal(m.store.view((tx) => tx.tasks.get(first.ID))!.DesiredState, 'shutdown');
  await m.clock.advance(2900);
  assert.equal(m.store.view((tx) => tx.tasks.get(retry.ID))!.DesiredState, 'ready', 'not before the delay');
  await m.clock.advance(200);
  assert.equal(m.store.view((tx) => tx.tasks.get(retry.ID))!.DesiredState, 'complete');
  await m.runAssigned();
  await m.report((t) => t.ID === retry.ID, 'complete', { ContainerStatus: { ExitCode: 0 } });
  await m.clock.advance(10_000);
  assert.equal(m.tasks(ID).length, 2, 'condition any: a completed job task is not restarted');
  await m.stop();
});

test('restart condition none: a failed job task is not retried and its slot stays taken', async () => {
  const m = await manager(['a']);
  const { ID } = await m.control.createService(job('j', { ReplicatedJob: { MaxConcurrent: 2, TotalCompletions: 2 } }, {
    TaskTemplate: { ContainerSpec: { Image: 'i' }, RestartPolicy: { Condition: 'none' } },
  }));
  await m.clock.advance(0);
  await m.runAssigned();
  await m.report((t) => t.ServiceID === ID && t.Slot === 0, 'failed', { ContainerStatus: { ExitCode: 1 } });
  await m.clock.advance(10_000);
  assert.equal(m.tasks(ID).length, 2);
  await m.stop();
});

test('an update starts the next run: new JobIteration, tasks of the earlier run in progress are removed, finished ones stay', async () => {
  const m = await manager(['a']);
  const { ID } = await m.control.createService(job('j', { ReplicatedJob: { MaxConcurrent: 2, TotalCompletions: 2 } }));
  await m.clock.advance(0);
  await m.runAssigned();
  const [done, busy] = m.tasks(ID);
  await m.report((t) => t.ID === done.ID, 'complete', { ContainerStatus: { ExitCode: 0 } });
  const s = m.control.getService(ID);
  assert.deepEqual(s.JobStatus!.JobIteration, {});
  assert.ok(s.JobStatus!.LastExecution);
  assert.equal(s.Spec.UpdateConfig, undefined, 'a job stores no update config');
  await m.clock.advance(1000);
  await m.control.updateService(ID, s.Version.Index, { ...s.Spec, TaskTemplate: { ...s.Spec.TaskTemplate, ForceUpdate: 1 } });
  await m.clock.advance(0);
  const after = m.control.getService(ID);
  assert.deepEqual(after.JobStatus!.JobIteration, { Index: 1 });
  assert.notEqual(after.JobStatus!.LastExecution, s.JobStatus!.LastExecution);
  assert.equal(m.store.view((tx) => tx.tasks.get(busy.ID))!.DesiredState, 'remove', 'the earlier run stops');
  assert.equal(m.store.view((tx) => tx.tasks.get(done.ID))!.DesiredState, 'complete', 'its finished task is history');
  const fresh = m.tasks(ID).filter((t) => t.JobIteration?.Index === 1);
  assert.equal(fresh.length, 2, 'the new run');
  const [st] = m.control.listServices({}, { status: true });
  assert.equal(st.ServiceStatus!.CompletedTasks, 0, 'only the current run counts');
  await m.stop();
});

test('a global job runs once on every eligible node, and on a node that joins later', async () => {
  const m = await manager(['a', 'b']);
  const { ID } = await m.control.createService(job('g', { GlobalJob: {} }));
  await m.clock.advance(0);
  await m.runAssigned();
  assert.deepEqual(m.tasks(ID).map((t) => t.NodeID).sort(), ['a', 'b']);
  let [st] = m.control.listServices({}, { status: true });
  assert.deepEqual(st.ServiceStatus, { RunningTasks: 2, DesiredTasks: 2, CompletedTasks: 0 });
  await m.report((t) => t.ServiceID === ID, 'complete', { ContainerStatus: { ExitCode: 0 } });
  await m.clock.advance(10_000);
  assert.equal(m.tasks(ID).length, 2, 'complete: not run again');
  [st] = m.control.listServices({}, { status: true });
  assert.deepEqual(st.ServiceStatus, { RunningTasks: 0, DesiredTasks: 0, CompletedTasks: 2 });
  await m.store.update((tx) => tx.create('nodes', node('c')));
  await m.clock.advance(0);
  assert.deepEqual(m.tasks(ID).map((t) => t.NodeID).sort(), ['a', 'b', 'c']);
  await m.stop();
});

test('jobs refuse update settings with swarmkit\'s message and store nothing', async () => {
  const m = await manager(['a']);
  await assert.rejects(m.control.createService(job('j', { ReplicatedJob: {} }, { UpdateConfig: { Parallelism: 2 } })),
    { status: 400, message: 'rpc error: code = InvalidArgument desc = Jobs may not have an update config' });
  await assert.rejects(m.control.createService(job('g', { GlobalJob: {} }, { UpdateConfig: {} })),
    { status: 400, message: 'rpc error: code = InvalidArgument desc = Jobs may not have an update config' });
  assert.equal(m.control.listServices({}).length, 0);
  const { ID } = await m.control.createService(job('d', { ReplicatedJob: { MaxConcurrent: 3 } }));
  assert.deepEqual(m.control.getService(ID).Spec.Mode, { ReplicatedJob: { MaxConcurrent: 3, TotalCompletions: 3 } }, 'Docker\'s defaults');
  const s = m.control.getService(ID);
  await assert.rejects(m.control.updateService(ID, s.Version.Index, { ...s.Spec, UpdateConfig: { Parallelism: 1 } }),
    { status: 400, message: 'rpc error: code = InvalidArgument desc = Jobs may not have an update config' });
  assert.deepEqual(m.control.getService(ID), s, 'unchanged');
  await m.stop();
});
