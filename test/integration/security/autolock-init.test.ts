import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { dockerWithInput } from '../../helpers/tswarmd.js';
import { dk, startNodes } from '../../helpers/cluster.js';

test('swarm init --autolock: the CLI prints the unlock key, the keys are sealed, a restart is locked until swarm unlock', { timeout: 120_000 }, async (t) => {
  const [m] = await startNodes(1, { first: 68, prefix: 'al' });
  t.after(() => m.stop('SIGKILL'));
  const init = await dk(m, 'swarm', 'init', '--autolock', '--advertise-addr', m.listenAddr);
  assert.equal(init.code, 0, init.stderr);
  // What the docker CLI prints after init against a real Docker 20.10.24 engine with --autolock (checked side by side).
  const printed = /follow the instructions\.\nTo unlock a swarm manager after it restarts, run the `docker swarm unlock`\ncommand and provide the following key:\n\n {4}(SWMKEY-1-[A-Za-z0-9+/]{43})\n\nRemember to store this key in a password manager, since without it you\nwill not be able to restart the manager\.\n$/.exec(init.stdout);
  assert.ok(printed, init.stdout);
  const key = printed[1];
  assert.equal((await dk(m, 'swarm', 'unlock-key', '-q')).stdout.trim(), key);
  assert.equal((await dk(m, 'info', '--format', '{{.Swarm.Cluster.Spec.EncryptionConfig.AutoLockManagers}}')).stdout.trim(), 'true');
  const keys = JSON.parse(await readFile(join(m.dataRoot, 'swarm', 'keys.json'), 'utf8'));
  assert.equal(keys.sealed, true, 'sealed before init answered');
  assert.doesNotMatch(JSON.stringify(keys), /PRIVATE KEY/);

  await m.restart();
  assert.equal((await dk(m, 'info', '--format', '{{.Swarm.LocalNodeState}}')).stdout.trim(), 'locked');
  const refused = await dk(m, 'node', 'ls');
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /Swarm is encrypted and needs to be unlocked before it can be used/);
  const ok = await dockerWithInput(m.host, key + '\n', 'swarm', 'unlock');
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal((await dk(m, 'info', '--format', '{{.Swarm.LocalNodeState}}')).stdout.trim(), 'active');
  assert.equal((await dk(m, 'node', 'ls', '--format', '{{.Hostname}} {{.ManagerStatus}}')).stdout.trim(), 'al1 Leader');
});

test('swarm init without --autolock prints no key and a restart is not locked', { timeout: 60_000 }, async (t) => {
  const [m] = await startNodes(1, { first: 69, prefix: 'nal' });
  t.after(() => m.stop('SIGKILL'));
  const init = await dk(m, 'swarm', 'init', '--advertise-addr', m.listenAddr);
  assert.equal(init.code, 0, init.stderr);
  assert.doesNotMatch(init.stdout, /SWMKEY|unlock/);
  await m.restart();
  assert.equal((await dk(m, 'info', '--format', '{{.Swarm.LocalNodeState}}')).stdout.trim(), 'active');
});
