import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { docker, freePort, startTswarmd } from '../helpers/tswarmd.js';
import { raw } from './invalid-input-engine.js';

// What `swarm init` answers, as Docker 20.10 (seen on the test engine): on a cluster port something else
// holds, a 500 with Docker's words ("manager stopped: failed to listen on remote API address: listen tcp
// 0.0.0.0:2377: bind: address already in use") and no swarm made; on a free port, an answer given once the
// node's own agent has its session, so `node ls` right after shows the node Ready.

test('swarm init on a busy cluster port: Docker\'s error, nothing made; on a free port the node is Ready when init answers', { timeout: 60_000 }, async (t) => {
  const d = await startTswarmd({ executor: 'process' });
  t.after(async () => { await docker(d.host, 'swarm', 'leave', '--force'); await d.stop().catch(() => undefined); });
  const port = await freePort();
  const holder = createServer();
  await new Promise<void>((resolve) => holder.listen(port, '127.0.0.1', resolve));
  t.after(() => holder.close());

  const r = await raw(d.socket, 'POST', '/v1.41/swarm/init', `{"ListenAddr":"127.0.0.1:${port}","AdvertiseAddr":"127.0.0.1"}`);
  assert.deepEqual([r.status, r.message], [500, `manager stopped: failed to listen on remote API address: listen tcp 127.0.0.1:${port}: bind: address already in use`]);
  const cli = await docker(d.host, 'swarm', 'init', '--listen-addr', `127.0.0.1:${port}`, '--advertise-addr', '127.0.0.1');
  assert.equal(cli.code, 1);
  assert.equal(cli.stderr.trim(), `Error response from daemon: manager stopped: failed to listen on remote API address: listen tcp 127.0.0.1:${port}: bind: address already in use`);
  assert.equal((await docker(d.host, 'info', '--format', '{{.Swarm.LocalNodeState}}')).stdout.trim(), 'inactive', 'no swarm after the refusals');

  const free = await freePort();
  const init = await docker(d.host, 'swarm', 'init', '--listen-addr', `127.0.0.1:${free}`, '--advertise-addr', '127.0.0.1');
  assert.equal(init.code, 0, init.stderr);
  assert.equal((await docker(d.host, 'node', 'ls', '--format', '{{.Status}} {{.ManagerStatus}}')).stdout.trim(), 'Ready Leader');
  assert.equal((await docker(d.host, 'info', '--format', '{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}')).stdout.trim(), 'active true');
});
