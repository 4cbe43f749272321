import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServiceSpec, UpdateConfig } from '../../src/types/objects.js';
import { leaderHarness } from '../helpers/leader-harness.js';

const SECOND = 1e9;
type Harness = Awaited<ReturnType<typeof leaderHarness>>;

/**
 * The updater's failure handling as swarmkit's Run: failures of the tasks a run
 * created are counted against MaxFailureRatio of the slots it had to update,
 * then FailureAction applies (pause, rollback, or nothing for continue); a
 * rollback uses RollbackConfig the same way. The test plays the agents.
 */
async function service(m: Harness, replicas: number, update: UpdateConfig, rollback: UpdateConfig): Promise<string> {
  const { ID } = await m.control.createService({
    Name: 'web', Mode: { Replicated: { Replicas: replicas } }, TaskTemplate: { ContainerSpec: { Image: 'v1' }, RestartPolicy: { Condition: 'any', Delay: 60 * SECOND } },
    UpdateConfig: { Parallelism: 0, Monitor: SECOND, Order: 'stop-first', ...update },
    RollbackConfig: { Parallelism: 0, Monitor: SECOND, Order: 'stop-first', ...rollback },
  });
  await m.clock.advance(0);
  await m.runAssigned();
  return ID;
}

async function updateImage(m: Harness, id: string, image: string) {
  const s = m.control.getService(id);
  const spec: ServiceSpec = { ...s.Spec, TaskTemplate: { ...s.Spec.TaskTemplate, ContainerSpec: { Image: image } } };
  await m.control.updateService(id, s.Version.Index, spec);
}

/**
 * Time passes in steps; agents stop what is asked to stop and start what is assigned, except that the
 * first `fail[image]` tasks of an image to start fail at once (a restart is 60 s away: out of the picture).
 */
async function play(m: Harness, ms: number, fail: Record<string, number>) {
  for (let t = 0; t < ms; t += 500) {
    await m.stopShutdown();
    await m.report((x) => {
      const img = x.Spec.ContainerSpec?.Image ?? '';
      return x.Status.State === 'assigned' && x.DesiredState === 'running' && (fail[img] ?? 0) > 0 && fail[img]-- > 0;
    }, 'failed', { Err: 'task: non-zero exit (1)', ContainerStatus: { ExitCode: 1 } });
    await m.runAssigned();
    await m.clock.advance(500);
  }
}

const status = (m: Harness, id: string) => {
  const u = m.control.getService(id).UpdateStatus;
  return `${u?.State} ${u?.Message?.replace(/\w{25}$/, '<task>')}`;
};

// One v2 task fails: the update rolls back; the other v2 tasks, running, are replaced by v1 tasks, which all fail.
for (const [action, want] of [['pause', 'rollback_paused update paused due to failure or early termination of task <task>'], ['continue', 'rollback_completed rollback completed']] as const) {
  test(`a rollback whose tasks fail, --rollback-failure-action ${action}: ${want.replace(/ .*/, '')}, with swarmkit's message`, async () => {
    const m = await leaderHarness(['a', 'b']);
    const id = await service(m, 3, { FailureAction: 'rollback' }, { FailureAction: action });
    await updateImage(m, id, 'v2');
    await play(m, 1000, { v2: 1, v1: 99 });
    assert.equal(m.control.getService(id).Spec.TaskTemplate?.ContainerSpec?.Image, 'v1', 'rolled back');
    await play(m, 2000, { v1: 99 }); // the rollback's monitor period
    assert.equal(status(m, id), want);
    const failedV1 = m.tasks(id).filter((t) => t.Status.State === 'failed' && t.Spec.ContainerSpec?.Image === 'v1');
    assert.ok(failedV1.length >= 2, `the rollback's tasks failed: ${failedV1.length}`);
    await m.stop();
  });
}

test('--update-max-failure-ratio 0.5 over 4 tasks: one failure does not stop the update; at 0.2 it pauses', async () => {
  for (const [ratio, want] of [[0.5, 'completed update completed'], [0.2, 'paused update paused due to failure or early termination of task <task>']] as const) {
    const m = await leaderHarness(['a', 'b']);
    const id = await service(m, 4, { FailureAction: 'pause', MaxFailureRatio: ratio }, { FailureAction: 'pause' });
    await updateImage(m, id, 'v2');
    await play(m, 2500, { v2: 1 });
    assert.equal(status(m, id), want, `ratio ${ratio}`);
    const running = m.tasks(id).filter((t) => t.DesiredState === 'running' && t.Status.State === 'running').map((t) => t.Spec.ContainerSpec?.Image);
    assert.deepEqual(running, ['v2', 'v2', 'v2'], 'three v2 tasks run; the failed slot waits out its restart delay');
    await m.stop();
  }
});

test('--rollback-max-failure-ratio: one failed task of a rollback is tolerated at 0.5, pauses the rollback at 0', async () => {
  for (const [ratio, want] of [[0.5, 'rollback_completed rollback completed'], [0, 'rollback_paused update paused due to failure or early termination of task <task>']] as const) {
    const m = await leaderHarness(['a', 'b']);
    const id = await service(m, 4, { FailureAction: 'rollback' }, { FailureAction: 'pause', MaxFailureRatio: ratio });
    await updateImage(m, id, 'v2');
    // One v2 task fails (the update rolls back on it); then one of the rollback's three v1 tasks fails.
    await play(m, 3000, { v2: 1, v1: 1 });
    assert.equal(status(m, id), want, `ratio ${ratio}`);
    await m.stop();
  }
});
