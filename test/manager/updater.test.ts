import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServiceSpec, UpdateConfig } from '../../src/types/objects.js';
import { leaderHarness } from '../helpers/leader-harness.js';

const SECOND = 1e9;

/** A service of n running tasks, then an update to image 'bad' with the given update settings. */
async function updating(n: number, update: UpdateConfig, rollback: UpdateConfig = {}) {
  const m = await leaderHarness(['a', 'b']);
  const { ID } = await m.control.createService({
    Name: 'web', Mode: { Replicated: { Replicas: n } },
    TaskTemplate: { ContainerSpec: { Image: 'good' }, RestartPolicy: { Condition: 'none' } }, UpdateConfig: update, RollbackConfig: rollback,
  });
  await m.clock.advance(0);
  await m.runAssigned();
  const s = m.control.getService(ID);
  const spec: ServiceSpec = { ...s.Spec, TaskTemplate: { ...s.Spec.TaskTemplate, ContainerSpec: { Image: 'bad' } } };
  await m.control.updateService(ID, s.Version.Index, spec);
  /** One step of the cluster: stopped tasks stop, assigned ones start, 'bad' ones fail at once. */
  const step = async (ms = 100) => {
    await m.clock.advance(ms);
    await m.stopShutdown();
    await m.runAssigned();
    await m.report((t) => t.ServiceID === ID && t.Spec.ContainerSpec?.Image === 'bad' && t.Status.State === 'running', 'failed',
      { Err: 'task: non-zero exit (1)', ContainerStatus: { ExitCode: 1 } });
  };
  const status = () => m.control.getService(ID).UpdateStatus;
  return { m, ID, step, status, startedAt: () => status()?.StartedAt };
}

test('failure action rollback: the first failed task rolls the service back by itself, with swarmkit\'s states and messages', async () => {
  const { m, ID, step, status } = await updating(2, { Parallelism: 1, FailureAction: 'rollback', Monitor: 5 * SECOND });
  await step();
  assert.equal(status()?.State, 'updating');
  assert.equal(status()?.Message, 'update in progress');
  const started = status()!.StartedAt;
  let failed: string | undefined;
  for (let i = 0; i < 20 && status()?.State === 'updating'; i++) {
    await step();
    failed ??= m.tasks(ID).find((t) => t.Status.State === 'failed')?.ID;
  }
  assert.equal(status()?.State, 'rollback_started');
  assert.equal(status()?.Message, `update rolled back due to failure or early termination of task ${failed}`);
  assert.equal(status()?.StartedAt, started, 'StartedAt stays');
  const s = m.control.getService(ID);
  assert.equal(s.Spec.TaskTemplate?.ContainerSpec?.Image, 'good', 'the previous spec is back');
  assert.equal(s.PreviousSpec, undefined);
  for (let i = 0; i < 100 && status()?.State === 'rollback_started'; i++) await step(200);
  assert.equal(status()?.State, 'rollback_completed');
  assert.equal(status()?.Message, 'rollback completed');
  assert.ok(status()?.CompletedAt);
  const running = m.tasks(ID).filter((t) => t.DesiredState === 'running');
  assert.equal(running.length, 2);
  assert.ok(running.every((t) => t.Spec.ContainerSpec?.Image === 'good' && t.Status.State === 'running'));
  await m.stop();
});

test('failure action pause: the update pauses with its message and replaces nothing more; a new update starts afresh', async () => {
  const { m, ID, step, status } = await updating(3, { Parallelism: 1, FailureAction: 'pause', Monitor: 5 * SECOND });
  for (let i = 0; i < 20 && status()?.State !== 'paused'; i++) await step();
  assert.equal(status()?.State, 'paused');
  const failed = m.tasks(ID).find((t) => t.Status.State === 'failed')!;
  assert.equal(status()?.Message, `update paused due to failure or early termination of task ${failed.ID}`);
  await step(10_000);
  assert.equal(m.tasks(ID).filter((t) => t.Spec.ContainerSpec?.Image === 'bad').length, 1, 'no second slot updated');
  assert.equal(m.tasks(ID).filter((t) => t.Spec.ContainerSpec?.Image === 'good' && t.Status.State === 'running').length, 2);
  const s = m.control.getService(ID);
  await m.control.updateService(ID, s.Version.Index, { ...s.Spec, TaskTemplate: { ...s.Spec.TaskTemplate, ContainerSpec: { Image: 'good2' } } });
  for (let i = 0; i < 200 && status()?.State !== 'completed'; i++) await step(200);
  assert.equal(status()?.State, 'completed');
  assert.equal(status()?.Message, 'update completed');
  await m.stop();
});

test('max failure ratio: failures up to the ratio are tolerated, one more acts', async () => {
  // 4 tasks, all at once, ratio 0.5: all four fail, so 3/4 > 0.5 pauses; the message names the third failure.
  const { m, step, status } = await updating(4, { Parallelism: 0, FailureAction: 'pause', MaxFailureRatio: 0.5 });
  for (let i = 0; i < 20 && status()?.State !== 'paused'; i++) await step();
  assert.equal(status()?.State, 'paused');
  await m.stop();
  // ratio 1: never more than all, so the update completes despite every failure.
  const all = await updating(2, { Parallelism: 0, FailureAction: 'pause', MaxFailureRatio: 1, Monitor: 1 * SECOND });
  for (let i = 0; i < 100 && all.status()?.State !== 'completed' && all.status()?.State !== 'paused'; i++) await all.step(200);
  assert.equal(all.status()?.State, 'completed');
  await all.m.stop();
});

test('a task that stops after the monitor period is not a failure of the update', async () => {
  const m = await leaderHarness(['a']);
  const { ID } = await m.control.createService({
    Name: 'web', TaskTemplate: { ContainerSpec: { Image: 'v1' }, RestartPolicy: { Condition: 'none' } },
    UpdateConfig: { FailureAction: 'pause', Monitor: 2 * SECOND, Delay: 0 },
  });
  await m.clock.advance(0);
  await m.runAssigned();
  const s = m.control.getService(ID);
  await m.control.updateService(ID, s.Version.Index, { ...s.Spec, TaskTemplate: { ...s.Spec.TaskTemplate, ContainerSpec: { Image: 'v2' } } });
  for (let i = 0; i < 30; i++) { await m.clock.advance(100); await m.stopShutdown(); await m.runAssigned(); }
  const fresh = m.tasks(ID).find((t) => t.Spec.ContainerSpec?.Image === 'v2')!;
  assert.equal(fresh.Status.State, 'running');
  // ran 3 s > monitor 2 s: its failure now is the restart policy's business, not the update's
  await m.report((t) => t.ID === fresh.ID, 'failed', { ContainerStatus: { ExitCode: 1 } });
  for (let i = 0; i < 60; i++) await m.clock.advance(100);
  assert.equal(m.control.getService(ID).UpdateStatus?.State, 'completed');
  await m.stop();
});

test('a rollback that fails pauses as rollback_paused; manual rollback swaps the specs', async () => {
  const m = await leaderHarness(['a']);
  const { ID } = await m.control.createService({
    Name: 'web', TaskTemplate: { ContainerSpec: { Image: 'bad' }, RestartPolicy: { Condition: 'none' } },
    RollbackConfig: { FailureAction: 'pause', Monitor: 5 * SECOND },
  });
  await m.clock.advance(0);
  const s = m.control.getService(ID);
  await m.control.updateService(ID, s.Version.Index, { ...s.Spec, TaskTemplate: { ...s.Spec.TaskTemplate, ContainerSpec: { Image: 'good' } } });
  for (let i = 0; i < 80; i++) { await m.clock.advance(100); await m.stopShutdown(); await m.runAssigned(); }
  assert.equal(m.control.getService(ID).UpdateStatus?.State, 'completed');
  const cur = m.control.getService(ID);
  await m.control.updateService(ID, cur.Version.Index, cur.Spec, { rollback: 'previous' });
  const back = m.control.getService(ID);
  assert.equal(back.Spec.TaskTemplate?.ContainerSpec?.Image, 'bad');
  assert.equal(back.PreviousSpec?.TaskTemplate?.ContainerSpec?.Image, 'good', 'swapped, as swarmkit');
  assert.equal(back.UpdateStatus?.State, 'rollback_started');
  assert.equal(back.UpdateStatus?.Message, 'manually requested rollback');
  for (let i = 0; i < 40 && m.control.getService(ID).UpdateStatus?.State === 'rollback_started'; i++) {
    await m.clock.advance(100); await m.stopShutdown(); await m.runAssigned();
    await m.report((t) => t.ServiceID === ID && t.Spec.ContainerSpec?.Image === 'bad' && t.Status.State === 'running', 'failed', { ContainerStatus: { ExitCode: 1 } });
  }
  const st = m.control.getService(ID).UpdateStatus;
  assert.equal(st?.State, 'rollback_paused');
  // swarmkit's words for a rollback whose FailureAction is pause: "update paused …" (only the state says rollback).
  assert.match(st?.Message ?? '', /^update paused due to failure or early termination of task \w+$/);
  await m.stop();
});

test('a rollback follows the rollback settings: --rollback-parallelism, --rollback-delay, --rollback-order start-first', async () => {
  const m = await leaderHarness(['a', 'b']);
  const { ID } = await m.control.createService({
    Name: 'web', Mode: { Replicated: { Replicas: 4 } }, TaskTemplate: { ContainerSpec: { Image: 'v1' } },
    UpdateConfig: { Parallelism: 4 }, RollbackConfig: { Parallelism: 2, Delay: 2 * SECOND, Order: 'start-first', Monitor: SECOND / 2 },
  });
  const settle = async (n: number) => { for (let i = 0; i < n; i++) { await m.clock.advance(100); await m.stopShutdown(); await m.runAssigned(); } };
  await settle(1);
  const s = m.control.getService(ID);
  await m.control.updateService(ID, s.Version.Index, { ...s.Spec, TaskTemplate: { ...s.Spec.TaskTemplate, ContainerSpec: { Image: 'v2' } } });
  for (let i = 0; i < 100 && m.control.getService(ID).UpdateStatus?.State !== 'completed'; i++) await settle(1);
  assert.equal(m.control.getService(ID).UpdateStatus?.State, 'completed');
  const cur = m.control.getService(ID);
  await m.control.updateService(ID, cur.Version.Index, cur.Spec, { rollback: 'previous' });
  // Each step: when each v1 task of the rollback first shows, and how many v2 tasks were still desired running then.
  const seen = new Map<string, { at: number; v2Running: number }>();
  let now = 0;
  const old = new Set(m.tasks(ID).map((t) => t.ID));
  for (let i = 0; i < 200 && m.control.getService(ID).UpdateStatus?.State !== 'rollback_completed'; i++) {
    const v2Running = m.tasks(ID).filter((t) => t.Spec.ContainerSpec?.Image === 'v2' && t.DesiredState === 'running').length;
    for (const t of m.tasks(ID)) if (!old.has(t.ID) && !seen.has(t.ID)) seen.set(t.ID, { at: now, v2Running });
    await settle(1);
    now += 100;
  }
  assert.equal(m.control.getService(ID).UpdateStatus?.State, 'rollback_completed');
  const batches = [...new Set([...seen.values()].map((x) => x.at))].sort((a, b) => a - b);
  assert.equal(batches.length, 2, `two batches of two: ${JSON.stringify([...seen.values()])}`);
  for (const at of batches) assert.equal([...seen.values()].filter((x) => x.at === at).length, 2, 'two at a time');
  // the second batch starts once the first runs, after the delay (2 s), not before
  assert.ok(batches[1] - batches[0] >= 2000 && batches[1] - batches[0] <= 4000, `delay between batches: ${batches[1] - batches[0]} ms`);
  // start-first: the v2 tasks of a batch are still desired running when its v1 tasks are made
  assert.deepEqual([...seen.values()].map((x) => x.v2Running).sort(), [2, 2, 4, 4]);
  const running = m.tasks(ID).filter((t) => t.DesiredState === 'running');
  assert.deepEqual(running.map((t) => t.Spec.ContainerSpec?.Image), ['v1', 'v1', 'v1', 'v1']);
  await m.stop();
});
