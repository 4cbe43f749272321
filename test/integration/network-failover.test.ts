import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventually } from '../helpers/tswarmd.js';
import { dk, findLeader, formSwarm, isUp, startNodes, type Daemon } from '../helpers/cluster.js';
import { raw } from './invalid-input-engine.js';

interface Held { owner: string; network: string; addr: string }

/** Every address held in the swarm, as the API shows it: services' VIPs and the addresses of tasks still meant to run. */
async function heldAddresses(d: Daemon): Promise<{ held: Held[]; vnis: string[]; subnets: string[] }> {
  const get = async (p: string) => (await raw(d.socket, 'GET', `/v1.41${p}`)).json;
  const [services, tasks, networks] = await Promise.all([get('/services'), get('/tasks'), get('/networks')]);
  const held: Held[] = [];
  for (const s of services) for (const v of s.Endpoint?.VirtualIPs ?? []) held.push({ owner: `vip ${s.Spec.Name}`, network: v.NetworkID, addr: v.Addr });
  for (const t of tasks) {
    if (t.DesiredState !== 'running') continue;
    for (const a of t.NetworksAttachments ?? []) for (const addr of a.Addresses) held.push({ owner: `task ${t.ID}`, network: a.Network.ID, addr });
  }
  const swarm = networks.filter((n: { Scope: string }) => n.Scope === 'swarm');
  return {
    held,
    vnis: swarm.map((n: { Options: Record<string, string> }) => n.Options['com.docker.network.driver.overlay.vxlanid_list']),
    subnets: swarm.map((n: { IPAM: { Config: { Subnet: string }[] } }) => n.IPAM.Config[0].Subnet),
  };
}

function assertUnique({ held, vnis, subnets }: Awaited<ReturnType<typeof heldAddresses>>, when: string) {
  const seen = new Map<string, string>();
  for (const h of held) {
    const key = `${h.network} ${h.addr.split('/')[0]}`;
    assert.ok(!seen.has(key), `${when}: ${h.addr} on ${h.network} held by ${seen.get(key)} and ${h.owner}`);
    seen.set(key, h.owner);
  }
  assert.equal(new Set(vnis).size, vnis.length, `${when}: VXLAN IDs ${vnis.join(' ')}`);
  assert.equal(new Set(subnets).size, subnets.length, `${when}: subnets ${subnets.join(' ')}`);
}

test('network allocation survives the leader: after it is killed, the new leader hands out no address, VNI or subnet twice', { timeout: 180_000 }, async (t) => {
  const ds = await startNodes(3, { first: 61, prefix: 'nf' });
  t.after(() => Promise.all(ds.map((d) => d.stop('SIGKILL'))));
  await formSwarm(ds);
  const leader = await findLeader(ds);
  const other = ds.find((d) => d !== leader)!;
  for (const args of [
    ['network', 'create', '-d', 'overlay', 'front'],
    ['network', 'create', '-d', 'overlay', '--subnet', '10.50.0.0/24', 'side'],
    ['service', 'create', '-d', '--name', 'web', '--replicas', '8', '--network', 'front', '--network', 'side', 'busybox', 'sleep', '1d'],
    ['service', 'create', '-d', '--name', 'pub', '--replicas', '3', '-p', '8080:80', '--network', 'front', 'busybox', 'sleep', '1d'],
  ]) {
    const r = await dk(other, ...args);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
  }
  // Every task of both services has its addresses (they run on the sim executor).
  const before = await eventually(async () => {
    const h = await heldAddresses(other);
    return h.held.filter((x) => x.owner.startsWith('task')).length === 8 * 2 + 3 * 2 ? h : undefined;
  }, 30_000, 'tasks with addresses');
  assertUnique(before, 'before');

  await leader.stop('SIGKILL');
  const survivors = ds.filter(isUp);
  const next = await findLeader(survivors);
  assert.notEqual(next, leader);
  // More of everything on the new leader: networks, services, and tasks replacing the ones that ran on the dead node.
  for (const args of [
    ['network', 'create', '-d', 'overlay', 'back'],
    ['service', 'create', '-d', '--name', 'api', '--replicas', '6', '--network', 'front', '--network', 'back', 'busybox', 'sleep', '1d'],
    ['service', 'scale', '-d', 'web=14'],
  ]) {
    const r = await eventually(async () => { const x = await dk(survivors[0], ...args); return x.code === 0 ? x : undefined; }, 30_000, args.join(' '));
    assert.equal(r.code, 0);
  }
  const after = await eventually(async () => {
    const h = await heldAddresses(survivors[0]);
    const tasks = h.held.filter((x) => x.owner.startsWith('task')).length;
    // web: 14 × 2 networks, pub: 3 × 2 (ingress + front), api: 6 × 2.
    return tasks >= 14 * 2 + 3 * 2 + 6 * 2 ? h : undefined;
  }, 60_000, 'the new tasks with addresses');
  assertUnique(after, 'after failover');
  // The addresses held before the failover are still held by the same owners (nothing reallocated under them).
  const owners = new Map(after.held.map((h) => [`${h.network} ${h.addr}`, h.owner]));
  for (const h of before.held) if (owners.has(`${h.network} ${h.addr}`)) assert.equal(owners.get(`${h.network} ${h.addr}`), h.owner);
  assert.equal(after.vnis.length, 4, 'ingress, front, side, back');
});
