import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { inNetns } from '../helpers/netns-hosts.js';
import { docker, eventually, startTswarmd, type Tswarmd } from '../helpers/tswarmd.js';
import { referenceEngine } from './invalid-input-engine.js';

// VXLAN IDs where several swarms meet: two swarms' daemons in this machine's
// own namespace (as tests run) hand out the same VXLAN ID, which the kernel
// allows once per namespace; and a network removed and another created at
// once do not share one (serial, as Docker 20.10).

const daemons: Tswarmd[] = [];
const sfx = Date.now().toString(36);

after(async () => {
  // Leaving the swarm ends the tasks (process executor: host processes) and removes the overlays.
  for (const d of daemons) { await docker(d.host, 'swarm', 'leave', '--force'); await d.stop().catch(() => undefined); }
});

const vniOf = async (host: string, net: string) =>
  Number((await docker(host, 'network', 'inspect', '-f', '{{index .Options "com.docker.network.driver.overlay.vxlanid_list"}}', net)).stdout.trim());

/** The VXLAN IDs of the devices in a daemon's network namespaces. */
async function deviceVnis(d: Tswarmd): Promise<number[]> {
  const dir = join(d.dataRoot, 'agent', 'netns');
  const out: number[] = [];
  for (const f of await readdir(dir).catch(() => [] as string[])) {
    const r = await inNetns(join(dir, f), ['ip', '-d', '-j', 'link', 'show', 'type', 'vxlan']);
    for (const l of JSON.parse(r.stdout || '[]') as { linkinfo?: { info_data?: { id?: number } } }[]) if (l.linkinfo?.info_data?.id) out.push(l.linkinfo.info_data.id);
  }
  return out;
}

const running = async (host: string, svc: string) => /Running/.test((await docker(host, 'service', 'ps', svc, '--format', '{{.CurrentState}}')).stdout);

test('two swarms in one namespace run tasks on overlays with the same VXLAN ID; a removed network\'s ID is not handed out again at once', async () => {
  for (let i = 0; i < 2; i++) {
    const d = await startTswarmd({ executor: 'process' });
    daemons.push(d);
    const init = await docker(d.host, 'swarm', 'init', '--advertise-addr', d.listenAddr.split(':')[0]);
    assert.equal(init.code, 0, init.stderr);
    assert.equal((await docker(d.host, 'network', 'create', '-d', 'overlay', `ov-${sfx}`)).code, 0);
    const s = await docker(d.host, 'service', 'create', '-d', '--name', 'sl', '--network', `ov-${sfx}`, '--stop-grace-period', '1s', 'busybox', 'sleep', '600');
    assert.equal(s.code, 0, s.stderr);
  }
  const [a, b] = daemons;
  const vni = await vniOf(a.host, `ov-${sfx}`);
  assert.equal(await vniOf(b.host, `ov-${sfx}`), vni, 'both swarms gave their network the same VXLAN ID');
  // Both tasks run on their overlay: each swarm's host has a VXLAN device with that ID.
  for (const d of daemons) await eventually(() => running(d.host, 'sl'), 30_000, 'the task on the overlay running');
  for (const d of daemons) assert.deepEqual(await deviceVnis(d), [vni]);

  // Serial IDs: the network removed, another created at once gets the next ID, as Docker's.
  assert.equal((await docker(a.host, 'service', 'rm', 'sl')).code, 0);
  await eventually(async () => (await docker(a.host, 'network', 'rm', `ov-${sfx}`)).code === 0, 20_000, 'the network removed');
  assert.equal((await docker(a.host, 'network', 'create', '-d', 'overlay', `ov2-${sfx}`)).code, 0);
  assert.equal(await vniOf(a.host, `ov2-${sfx}`), vni + 1);
  const ref = await referenceEngine();
  assert.equal((await docker(ref, 'network', 'create', '-d', 'overlay', `ov-${sfx}`)).code, 0);
  await eventually(async () => (await vniOf(ref, `ov-${sfx}`)) > 0, 10_000, 'the reference allocates its network');
  const refVni = await vniOf(ref, `ov-${sfx}`);
  await docker(ref, 'network', 'rm', `ov-${sfx}`);
  assert.equal((await docker(ref, 'network', 'create', '-d', 'overlay', `ov2-${sfx}`)).code, 0);
  await eventually(async () => (await vniOf(ref, `ov2-${sfx}`)) > 0, 10_000, 'the reference allocates its network');
  assert.ok((await vniOf(ref, `ov2-${sfx}`)) > refVni, 'Docker 20.10 does the same (serial)');
  await docker(ref, 'network', 'rm', `ov2-${sfx}`);
});
