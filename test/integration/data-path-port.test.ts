import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { inNetns } from '../helpers/netns-hosts.js';
import { docker, eventually, startTswarmd } from '../helpers/tswarmd.js';
import { raw } from './invalid-input-engine.js';

// `swarm init --data-path-port`: Docker's range and words for a bad port (a
// 500 from Docker 20.10's daemon, seen on the test engine: "Datapath port
// number is not in valid range (1024-49151) : 70000"), and a good one is the
// UDP port of every overlay's VXLAN on the nodes.

test('swarm init --data-path-port: outside 1024-49151 refused as Docker, nothing made; a port in range carries the overlays\' VXLAN', { timeout: 120_000 }, async (t) => {
  const d = await startTswarmd({ executor: 'process' });
  t.after(async () => { await docker(d.host, 'swarm', 'leave', '--force'); await d.stop().catch(() => undefined); });
  for (const port of [70000, 80, 1023, 49152]) {
    const r = await raw(d.socket, 'POST', '/v1.41/swarm/init', `{"ListenAddr":"127.0.0.1:0","DataPathPort":${port}}`);
    assert.deepEqual([r.status, r.message], [500, `Datapath port number is not in valid range (1024-49151) : ${port}`]);
  }
  assert.equal((await docker(d.host, 'info', '--format', '{{.Swarm.LocalNodeState}}')).stdout.trim(), 'inactive', 'no swarm after the refusals');

  const init = await docker(d.host, 'swarm', 'init', '--advertise-addr', d.listenAddr.split(':')[0], '--data-path-port', '7789');
  assert.equal(init.code, 0, init.stderr);
  assert.equal((await docker(d.host, 'info', '--format', '{{.Swarm.Cluster.DataPathPort}}')).stdout.trim(), '7789');
  const net = `dpp-${Date.now().toString(36)}`;
  assert.equal((await docker(d.host, 'network', 'create', '-d', 'overlay', net)).code, 0);
  const s = await docker(d.host, 'service', 'create', '-d', '--name', 'dpp', '--network', net, '--stop-grace-period', '1s', 'busybox', 'sleep', '600');
  assert.equal(s.code, 0, s.stderr);
  await eventually(async () => /Running/.test((await docker(d.host, 'service', 'ps', 'dpp', '--format', '{{.CurrentState}}')).stdout), 30_000, 'the task on the overlay running');
  // The node's VXLAN device for the network sends and listens on the swarm's port.
  const dir = join(d.dataRoot, 'agent', 'netns');
  const [sandbox] = await readdir(dir);
  const vx = JSON.parse((await inNetns(join(dir, sandbox), ['ip', '-d', '-j', 'link', 'show', 'type', 'vxlan'])).stdout) as { linkinfo: { info_data: { port: number } } }[];
  assert.deepEqual(vx.map((l) => l.linkinfo.info_data.port), [7789]);
});
