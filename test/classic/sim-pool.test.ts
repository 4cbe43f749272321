import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startSimEngines } from '../../bench/classic/sim-engine.js';
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

  await t.test('an endpoint classic Swarm does not have is refused clearly', async () => {
    const r = await m.docker('service', 'ls');
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /is not supported by tswarm manage/);
  });
});
