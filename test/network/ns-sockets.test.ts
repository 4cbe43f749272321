import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openNamespaceSockets } from '../../src/network/dns/ns-sockets.js';
import { createLimit } from '../../src/network/vip/limit.js';

test('a namespace that does not exist is a clear error, not a hang', async () => {
  const t0 = performance.now();
  await assert.rejects(openNamespaceSockets('/var/run/netns/tswd-none-such'), /cannot bind 127\.0\.0\.11:53 in \/var\/run\/netns\/tswd-none-such/);
  assert.ok(performance.now() - t0 < 5000);
});

test('createLimit runs at most n at once, in order', async () => {
  const limit = createLimit(2);
  let running = 0;
  let most = 0;
  const order: number[] = [];
  await Promise.all([0, 1, 2, 3, 4].map((i) => limit(async () => {
    running++;
    most = Math.max(most, running);
    await new Promise((r) => setTimeout(r, 10));
    order.push(i);
    running--;
  })));
  assert.equal(most, 2);
  assert.deepEqual(order, [0, 1, 2, 3, 4]);
});
