import { test } from 'node:test';
import assert from 'node:assert/strict';
import { docker, eventually, startTswarmd } from '../helpers/tswarmd.js';
import { raw } from './invalid-input-engine.js';

/**
 * Docker decodes bodies with Go's encoding/json: keys match the API's field
 * names without regard to case (SDKs rely on it). Sent in lower and mixed
 * case, a request does what it says and is stored in the canonical spelling.
 */
test('lower-case and mixed-case keys: swarm init and update, service create and scale, node update', { timeout: 120_000 }, async (t) => {
  const d = await startTswarmd({ executor: 'sim' });
  t.after(() => d.stop('SIGKILL'));

  const init = await raw(d.socket, 'POST', '/v1.47/swarm/init', JSON.stringify({
    listenaddr: d.listenAddr, ADVERTISEADDR: '127.0.0.1', spec: { orchestration: { taskhistoryretentionlimit: 7 }, Raft: { snapshotInterval: 5000 } },
  }));
  assert.equal(init.status, 200, init.text);
  let swarm = (await raw(d.socket, 'GET', '/v1.47/swarm')).json;
  assert.equal(swarm.Spec.Orchestration.TaskHistoryRetentionLimit, 7);
  assert.equal(swarm.Spec.Raft.SnapshotInterval, 5000);

  const upd = await raw(d.socket, 'POST', `/v1.47/swarm/update?version=${swarm.Version.Index}`, JSON.stringify({
    ...swarm.Spec, orchestration: { TASKHISTORYRETENTIONLIMIT: 3 }, labels: { Team: 'A' },
  }));
  assert.equal(upd.status, 200, upd.text);
  swarm = (await raw(d.socket, 'GET', '/v1.47/swarm')).json;
  assert.equal(swarm.Spec.Orchestration.TaskHistoryRetentionLimit, 3);
  assert.deepEqual(swarm.Spec.Labels, { Team: 'A' }, 'label keys and values keep their case');
  assert.equal(JSON.stringify(swarm).includes('"orchestration"'), false);

  // The example: before, this created a service with no tasks at all (0/0).
  const created = await raw(d.socket, 'POST', '/v1.47/services/create', JSON.stringify({
    name: 'web', tasktemplate: { containerSpec: { IMAGE: 'busybox', args: ['sleep', '1d'] } }, Mode: { replicated: { Replicas: 2 } },
  }));
  assert.equal(created.status, 201, created.text);
  await eventually(async () => (await docker(d.host, 'service', 'ls', '--format', '{{.Name}} {{.Replicas}}')).stdout.trim() === 'web 2/2', 30_000, 'web 2/2');
  let svc = (await raw(d.socket, 'GET', '/v1.47/services/web')).json;
  assert.deepEqual(svc.Spec.Mode, { Replicated: { Replicas: 2 } });
  assert.equal(svc.Spec.TaskTemplate.ContainerSpec.Image, 'busybox');
  assert.deepEqual(svc.Spec.TaskTemplate.ContainerSpec.Args, ['sleep', '1d']);

  // A scale sent the same way scales.
  const scale = await raw(d.socket, 'POST', `/v1.47/services/${svc.ID}/update?version=${svc.Version.Index}`, JSON.stringify({
    ...svc.Spec, Mode: undefined, mode: { REPLICATED: { replicas: 4 } },
  }));
  assert.equal(scale.status, 200, scale.text);
  await eventually(async () => (await docker(d.host, 'service', 'ls', '--format', '{{.Replicas}}')).stdout.trim() === '4/4', 30_000, 'web 4/4');
  svc = (await raw(d.socket, 'GET', '/v1.47/services/web')).json;
  assert.deepEqual(svc.Spec.Mode, { Replicated: { Replicas: 4 } });

  const node = (await raw(d.socket, 'GET', '/v1.47/nodes')).json[0];
  const nu = await raw(d.socket, 'POST', `/v1.47/nodes/${node.ID}/update?version=${node.Version.Index}`, JSON.stringify({
    role: 'manager', AVAILABILITY: 'Pause', Labels: { Zone: 'Eu' },
  }));
  assert.equal(nu.status, 200, nu.text);
  const n = (await raw(d.socket, 'GET', `/v1.47/nodes/${node.ID}`)).json;
  assert.deepEqual(n.Spec, { Role: 'manager', Availability: 'pause', Labels: { Zone: 'Eu' } });
  assert.match((await docker(d.host, 'node', 'ls', '--format', '{{.Availability}}')).stdout, /Pause/);
});
