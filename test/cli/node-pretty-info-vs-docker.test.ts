import { test } from 'node:test';
import assert from 'node:assert/strict';
import { docker, eventually, startTswarmd, tswarm, type RunResult } from '../helpers/tswarmd.js';

// `node inspect --pretty` and `info --format` with json: the docker CLI renders both itself (its node pretty
// template; Go's encoding/json of its system.Info struct), so on the same daemon (sim executor) it is the
// reference for tswarm's CLI: the same stdout, byte for byte, and the same exit status.

const outcome = (r: RunResult) => ({ code: r.code, stdout: r.stdout });

test('tswarm node inspect --pretty and info --format: docker\'s output', { timeout: 120_000 }, async (t) => {
  const d = await startTswarmd({ executor: 'sim' });
  t.after(() => d.stop('SIGKILL'));
  assert.equal((await docker(d.host, 'swarm', 'init', '--advertise-addr', '127.0.0.1')).code, 0);
  // the node reports unknown until its agent's session is up: both CLIs must read the same state
  await eventually(async () => (await docker(d.host, 'node', 'inspect', '-f', '{{.Status.State}}', 'self')).stdout.trim() === 'ready', 30_000, 'node ready');
  const same = async (...args: string[]) => {
    const [a, b] = await Promise.all([docker(d.host, ...args), tswarm(d.host, ...args)]);
    assert.deepEqual(outcome(b), outcome(a), args.join(' '));
    return a;
  };

  await t.test('node inspect --pretty self, without labels', async () => {
    const r = await same('node', 'inspect', '--pretty', 'self');
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^ID:\t\t\t\w+\n/);
    assert.match(r.stdout, /\nJoined at: +\t\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)? \+0000 utc\n/);
    assert.match(r.stdout, /\nManager Status:\n/);
    assert.match(r.stdout, /\nTLS Info:\n TrustRoot:\n-----BEGIN CERTIFICATE-----/);
    assert.doesNotMatch(r.stdout, /\nLabels:/);
  });

  await t.test('node inspect --pretty ID of a node with labels, twice; --format pretty', async () => {
    const id = (await docker(d.host, 'info', '--format', '{{.Swarm.NodeID}}')).stdout.trim();
    for (const l of ['zone=b', 'a=1', 'flag']) assert.equal((await docker(d.host, 'node', 'update', '--label-add', l, id)).code, 0);
    const r = await same('node', 'inspect', '--pretty', id);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /\nLabels:\n - a=1\n - flag\n - zone=b\nHostname:/);
    assert.equal((await same('node', 'inspect', '--pretty', id, 'self')).code, 0);
    assert.equal((await same('node', 'inspect', '--format', 'pretty', id)).code, 0);
    assert.notEqual((await same('node', 'inspect', '--format', 'pretty{{.ID}}', id)).code, 0);
    assert.notEqual((await same('node', 'inspect', '--pretty', id, 'nosuchnode')).code, 0);
  });

  await t.test('info --format with json of the swarm, its cluster spec, a field', async () => {
    for (const f of ['{{json .Swarm}}', '{{json .Swarm.Cluster.Spec}}', '{{json .Swarm.Cluster}}', '{{.Swarm.NodeID}}',
      '{{json .Swarm.RemoteManagers}}', '{{.Swarm.Cluster.CreatedAt}}', '{{json .Plugins}}', '{{.Swarm.Cluster.Spec.Raft.ElectionTick}}']) {
      assert.equal((await same('info', '--format', f)).code, 0, f);
    }
    const r = await docker(d.host, 'info', '--format', '{{json .Swarm}}');
    assert.match(r.stdout, /^\{"NodeID":"\w+","NodeAddr":"127\.0\.0\.1","LocalNodeState":"active","ControlAvailable":true,"Error":"","RemoteManagers":\[/);
  });
});
