import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startSimEngines } from '../../bench/classic/sim-engine.js';
import { request } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { eventually } from '../helpers/tswarmd.js';
import { startManager } from './pool-hosts.js';

test('tswarm manage over simulated engines: pull on every engine, merged images and lists', { timeout: 60_000 }, async (t) => {
  const sims = await startSimEngines(2, 2);
  t.after(() => Promise.all(sims.map((s) => s.stop())));
  const m = await startManager([`nodes://${sims.map((s) => s.addr).join(',')}`], { engines: 2 });
  t.after(() => m.stop());

  await t.test('docker pull runs on every engine, each line tagged with its engine', async () => {
    const r = await m.docker('pull', 'busybox');
    assert.equal(r.code, 0, r.stderr);
    for (const s of sims) {
      // The CLI asks for the full reference (docker.io/library/busybox, tag latest).
      assert.deepEqual(s.pulls, ['docker.io/library/busybox:latest']);
      assert.ok(r.stdout.includes(`${s.name}: Pulling docker.io/library/busybox:latest... : Status: Downloaded newer image for docker.io/library/busybox:latest\n`), r.stdout);
    }
  });

  await t.test('images: one line per image ID across engines; ps -a: every engine\'s containers under its name', async () => {
    const images = await m.docker('images', '--format', '{{.Repository}}:{{.Tag}}');
    assert.equal(images.stdout, 'busybox:latest\n');
    const ps = await m.docker('ps', '-a', '--format', '{{.Names}}');
    assert.deepEqual(ps.stdout.trim().split('\n').sort(), ['sim1/sim1-c0', 'sim1/sim1-c1', 'sim2/sim2-c0', 'sim2/sim2-c1']);
    const filtered = await m.docker('ps', '-a', '--filter', 'node=sim2', '--format', '{{.Names}}');
    assert.deepEqual(filtered.stdout.trim().split('\n').sort(), ['sim2/sim2-c0', 'sim2/sim2-c1']);
    const info = await m.docker('info', '--format', '{{.Containers}} {{.NCPU}}');
    assert.equal(info.stdout.trim(), '4 8');
  });

  await t.test('ps -a answered from the kept list follows every change; gzip (as the docker CLI asks) gives the same list', async () => {
    const names = async () => (await m.docker('ps', '-a', '--format', '{{.Names}}')).stdout.trim().split('\n').sort();
    const c = await m.docker('create', '--name', 'fresh', '-e', 'constraint:node==sim1', 'busybox');
    assert.equal(c.code, 0, c.stderr);
    assert.ok((await names()).includes('sim1/fresh'), 'a container made through the front is listed at once');
    // One made behind the front's back (no event from a simulated engine): listed after the engine's next refresh.
    sims[1].add('behind', true);
    await eventually(async () => (await names()).includes('sim2/behind'), 10_000, 'listed after a refresh');
    assert.equal((await m.docker('rm', 'fresh')).code, 0);
    assert.ok(!(await names()).includes('sim1/fresh'), 'removed at once');
    const get = (gz: boolean) => new Promise<{ enc?: string; body: string }>((res, rej) => {
      request({ host: '127.0.0.1', port: m.port, path: '/v1.41/containers/json?all=1', headers: gz ? { 'Accept-Encoding': 'gzip' } : {} }, (r) => {
        const parts: Buffer[] = [];
        r.on('data', (x: Buffer) => parts.push(x));
        r.on('end', () => res({ enc: r.headers['content-encoding'], body: (gz ? gunzipSync(Buffer.concat(parts)) : Buffer.concat(parts)).toString() }));
      }).on('error', rej).end();
    });
    const [plain, packed] = [await get(false), await get(true)];
    assert.deepEqual([plain.enc, packed.enc], [undefined, 'gzip']);
    assert.equal(packed.body, plain.body);
    assert.equal((JSON.parse(plain.body) as unknown[]).length, 5);
  });

  await t.test('an endpoint classic Swarm does not have is refused clearly', async () => {
    const r = await m.docker('service', 'ls');
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /is not supported by tswarm manage/);
  });
});
