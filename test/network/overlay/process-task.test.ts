import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TaskNetworks } from '../../../src/agent/task-networks.js';
import { ProcessExecutor } from '../../../src/executor/process/process.js';
import { IpRunner } from '../../../src/network/overlay/ip-runner.js';
import { OverlayHost } from '../../../src/network/overlay/overlay-host.js';
import type { NetworkView } from '../../../src/types/network-view.js';
import type { Task } from '../../../src/types/objects.js';
import { inNetns, netnsHosts, type NetnsHost } from '../../helpers/netns-hosts.js';

// The process executor on an overlay network: the namespace tswarm makes for
// the task exists at prepare, is joined to the overlay before the command
// starts, and the command runs in it; a task on another host reaches it.

const NET = 'proctasknet00000000000000';
let hosts: NetnsHost[];
let dir: string;
let peerNs: string;

function view(): NetworkView {
  return {
    NetworkID: NET, Name: 'pnet', VNI: 4343, Subnet: '10.99.8.0/24', Gateway: '10.99.8.1', Ingress: false, Attachable: false, Encrypted: false,
    Peers: [{ NodeID: 'n1', Addr: hosts[0].ip, Addresses: ['10.99.8.2'] }, { NodeID: 'n2', Addr: hosts[1].ip, Addresses: ['10.99.8.3'] }],
    Services: [{ ServiceID: 's', Name: 'psvc', EndpointMode: 'vip', VIP: '10.99.8.100', Aliases: [], Tasks: [{ TaskID: 'proctaskaaaaaaaaaaaaaaaaa', Name: 'psvc.1.proctaskaaaaaaaaaaaaaaaaa', NodeID: 'n1', Addr: '10.99.8.2' }] }],
  };
}
const attachment = (addr: string) => [{ Network: { ID: NET, Spec: { Name: 'pnet', DriverConfiguration: { Name: 'overlay' } } }, Addresses: [addr] }];

before(async () => {
  hosts = await netnsHosts(2);
  dir = await mkdtemp(join(tmpdir(), 'tswarm-proctask-'));
});

after(async () => {
  if (peerNs) await inNetns(undefined, ['umount', peerNs]);
  await rm(dir, { recursive: true, force: true });
});

test('a process task gets its own namespace, on the overlay before its command starts, reachable from another host', async () => {
  const www = join(dir, 'www');
  await mkdir(www);
  await writeFile(join(www, 'index.html'), 'process task\n');
  const exec = new ProcessExecutor(join(dir, 'exec'));
  const networks = new TaskNetworks(exec, join(dir, 'agent'), hosts[0].ip, () => 'n1', new IpRunner(hosts[0].netns));
  networks.setView(view());
  const task = {
    ID: 'proctaskaaaaaaaaaaaaaaaaa', ServiceID: 's', Slot: 1, NodeID: 'n1', DesiredState: 'running', Status: { State: 'assigned' },
    Spec: { ContainerSpec: { Image: 'x', Command: ['sh', '-c', `ip -o -4 addr show > addrs.tmp && mv addrs.tmp addrs; exec busybox httpd -f -p 8080 -h ${www}`] } },
    NetworksAttachments: attachment('10.99.8.2/24'),
  } as unknown as Task;
  await exec.prepare(task);
  assert.equal(await networks.attach(task), true);
  await exec.start(task);
  try {
    // What the command saw at its first instruction: its overlay address already there, nothing of the host's.
    const addrs = await (async () => { for (let i = 0; i < 50; i++) { try { return await readFile(join(dir, 'exec', 'tasks', task.ID, 'addrs'), 'utf8'); } catch { await new Promise((r) => setTimeout(r, 100)); } } return ''; })();
    assert.match(addrs, /eth0\s+inet 10\.99\.8\.2\/24/);
    assert.doesNotMatch(addrs, /10\.77\.0\./);

    // A task on the other host (a namespace joined by that host's data plane) reaches it over the VXLAN.
    const other = new OverlayHost({ root: join(dir, 'h2'), localAddr: hosts[1].ip, nodeId: () => 'n2', runner: new IpRunner(hosts[1].netns) });
    await other.setView(view());
    peerNs = join(dir, 'peer');
    await writeFile(peerNs, '');
    await inNetns(undefined, ['unshare', `--net=${peerNs}`, 'true']);
    await other.attach({ ID: 'peertaskbbbbbbbbbbbbbbbbb', NetworksAttachments: attachment('10.99.8.3/24') } as unknown as Task, peerNs);
    let body = '';
    for (let i = 0; i < 50 && body !== 'process task\n'; i++) {
      body = (await inNetns(peerNs, ['curl', '-s', '--max-time', '2', 'http://10.99.8.2:8080/'])).stdout;
      if (body !== 'process task\n') await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(body, 'process task\n');
    // Its VIP too: the balancer in the peer's namespace is the discovery module's; here the task's own resolver answers at 127.0.0.11.
    const q = await inNetns(join(dir, 'exec', 'tasks', task.ID, 'netns'), [process.execPath, '-e',
      "const {Resolver}=require('dns').promises;const r=new Resolver({timeout:2000,tries:1});r.setServers(['127.0.0.11']);r.resolve4('psvc').then((a)=>console.log(a.join()),(e)=>console.log(e.code))"]);
    assert.equal(q.stdout.trim(), '10.99.8.100');
    await other.detach('peertaskbbbbbbbbbbbbbbbbb');
  } finally {
    await exec.remove(task);
    await networks.detach(task.ID);
    networks.close();
  }
  // The task's namespace and the host's network namespace are gone with it.
  assert.deepEqual(await new OverlayHost({ root: join(dir, 'agent', 'netns'), localAddr: hosts[0].ip, nodeId: () => 'n1' }).sandboxIds(), []);
});
