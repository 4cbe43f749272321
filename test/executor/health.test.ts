import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HealthProbe, healthArgv } from '../../src/executor/process/health.js';

const MS = 1e6;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('health check commands as Docker reads them', () => {
  assert.deepEqual(healthArgv({ Test: ['CMD-SHELL', 'curl -f localhost'] }), ['/bin/sh', '-c', 'curl -f localhost']);
  assert.deepEqual(healthArgv({ Test: ['CMD', 'true', 'x'] }), ['true', 'x']);
  assert.equal(healthArgv({ Test: ['NONE'] }), undefined);
  assert.equal(healthArgv({}), undefined);
});

test('the process health probe: starting until a check passes, unhealthy after Retries failures in a row', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tswarm-health-'));
  try {
    const flag = join(dir, 'ok');
    const probe = new HealthProbe({ Test: ['CMD-SHELL', `test -f ${flag}`], Interval: 200 * MS, Retries: 2 }, ['/bin/sh', '-c', `test -f ${flag}`], { cwd: dir });
    await sleep(300);
    assert.equal(probe.status, 'starting', 'one failure of two allowed: still starting');
    await writeFile(flag, '');
    await sleep(300);
    assert.equal(probe.status, 'healthy');
    await rm(flag);
    const lost = Date.now();
    while (probe.status === 'healthy' && Date.now() - lost < 3000) await sleep(20);
    assert.equal(probe.status, 'unhealthy');
    assert.ok(Date.now() - lost >= 200, 'two failed checks take at least one interval more');
    probe.stop();
  } finally { await rm(dir, { recursive: true, force: true }); }
});

test('failures within the start period do not count; a check past its timeout fails', async () => {
  const probe = new HealthProbe({ Interval: 50 * MS, Retries: 1, StartPeriod: 400 * MS }, ['false'], {});
  await sleep(300);
  assert.equal(probe.status, 'starting', 'within the start period');
  await sleep(400);
  assert.equal(probe.status, 'unhealthy');
  probe.stop();
  const slow = new HealthProbe({ Interval: 50 * MS, Timeout: 100 * MS, Retries: 1 }, ['sleep', '5'], {});
  const t0 = Date.now();
  while (slow.status === 'starting' && Date.now() - t0 < 3000) await sleep(20);
  assert.equal(slow.status, 'unhealthy');
  assert.ok(Date.now() - t0 >= 150 && Date.now() - t0 < 2000, `killed at its timeout (${Date.now() - t0} ms)`);
  slow.stop();
});
