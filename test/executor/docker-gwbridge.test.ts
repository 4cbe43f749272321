import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EngineClient } from '../../src/executor/docker/engine-client.js';
import { ensureGwBridge } from '../../src/executor/docker/gwbridge.js';

/**
 * An engine that takes a while to create a network and refuses a second bridge of the same name made meanwhile,
 * as dockerd does ("conflicts with network …"): tasks prepared at once must not be rejected for it.
 */
test('docker_gwbridge: tasks prepared at once create it once, none fails', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'tswarm-gwb-'));
  const sock = join(dir, 'engine.sock');
  let exists = false;
  let creating = false;
  let posts = 0;
  /** Another process creates it at the moment we do: our create is refused, the network is there. */
  let otherProcess = false;
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/v1.41/networks/docker_gwbridge') {
      res.writeHead(exists ? 200 : 404, { 'Content-Type': 'application/json' }).end(exists ? '{"Name":"docker_gwbridge"}' : '{"message":"network docker_gwbridge not found"}');
      return;
    }
    if (req.method === 'POST' && req.url === '/v1.41/networks/create') {
      posts++;
      req.resume();
      if (creating || exists || otherProcess) {
        if (otherProcess) exists = true;
        res.writeHead(500, { 'Content-Type': 'application/json' }).end('{"message":"cannot create network 722e476 (docker_gwbridge): conflicts with network ec100ec (docker_gwbridge): networks have same bridge name"}');
        return;
      }
      creating = true;
      setTimeout(() => { creating = false; exists = true; res.writeHead(201, { 'Content-Type': 'application/json' }).end('{"Id":"ec100ec"}'); }, 100);
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(sock, r));
  t.after(async () => { server.close(); await rm(dir, { recursive: true, force: true }); });
  const engine = new EngineClient(sock);
  await Promise.all([ensureGwBridge(engine), ensureGwBridge(engine), ensureGwBridge(engine)]);
  assert.equal(posts, 1, 'created once');
  assert.equal(exists, true);
  // Another process made it between our look and our create: its presence is what counts.
  exists = false;
  otherProcess = true;
  await ensureGwBridge(new EngineClient(sock));
  assert.equal(posts, 2);
  // An engine that refuses for another reason: the error is the caller's.
  exists = false;
  otherProcess = false;
  creating = true;
  await assert.rejects(ensureGwBridge(engine), /conflicts with network/);
});
