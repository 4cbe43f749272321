/**
 * Run by mesh-one-host.test.ts inside `unshare --net` (a namespace of its
 * own, nothing shared): a one-host routing mesh (network/mesh) with one
 * task namespace serving on 8080; prints one line per request to the
 * published port from 127.0.0.1 and from the host's address: what the task
 * saw as the client's address. argv[2] 'keep': the service keeps the source.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { IngressMesh } from '../../src/network/mesh/ingress-mesh.js';
import { IpRunner } from '../../src/network/overlay/ip-runner.js';
import type { NetworkView } from '../../src/types/network-view.js';
import type { Task } from '../../src/types/objects.js';

const sh = (c: string) => execFileSync('sh', ['-c', c], { encoding: 'utf8' });
sh('ip link set lo up && ip link add hx0 type veth peer name hx1 && ip addr add 192.0.2.1/24 dev hx0 && ip link set hx0 up && ip link set hx1 up');
const dir = mkdtempSync('/tmp/tswarm-mesh-one-host-');
const NET = 'onehostingress00000000000';
const view: NetworkView = {
  NetworkID: NET, Name: 'ingress', VNI: 4600, Subnet: '10.98.0.0/24', Gateway: '10.98.0.1', Ingress: true, Attachable: false, Encrypted: false,
  Peers: [{ NodeID: 'onehost0', Addr: '192.0.2.1', Addresses: ['10.98.0.2', '10.98.0.10'], IngressAddr: '10.98.0.2' }],
  Services: [{ ServiceID: 'svc', Name: 'web', EndpointMode: 'vip', Aliases: [], KeepSourceIP: process.argv[2] === 'keep',
    Ports: [{ Protocol: 'tcp', TargetPort: 8080, PublishedPort: 18600 }],
    Tasks: [{ TaskID: 'onehosttask', Name: 'web.1.t', NodeID: 'onehost0', Addr: '10.98.0.10' }] }],
};
const mesh = new IngressMesh({ root: join(dir, 'ingress'), localAddr: '192.0.2.1', nodeId: () => 'onehost0', runner: new IpRunner(undefined) });
const taskNs = join(dir, 'task');
writeFileSync(taskNs, '');
sh(`unshare --net=${taskNs} true`);
const server = spawn('nsenter', [`--net=${taskNs}`, process.execPath, '-e', "require('net').createServer((c) => c.once('data', () => c.end(c.remoteAddress.replace('::ffff:', '')))).listen(8080)"], { stdio: 'inherit' });
try {
  await mesh.update([view]);
  await mesh.settled();
  await mesh.start({ ID: 'onehosttask', ServiceID: 'svc', NetworksAttachments: [{ Network: { ID: NET, Spec: { Name: 'ingress', Ingress: true } }, Addresses: ['10.98.0.10/24'] }] } as unknown as Task, taskNs);
  await new Promise((r) => setTimeout(r, 300));
  const request = (host: string) => new Promise<string>((resolve) => {
    const c = connect(18600, host, () => c.write('x'));
    let b = '';
    c.on('data', (d: Buffer) => { b += d.toString(); });
    c.on('end', () => resolve(b));
    c.on('error', (e) => resolve(`ERR ${e.message}`));
    setTimeout(() => { c.destroy(); resolve('ERR timeout'); }, 3000);
  });
  // Several from each: a connection's later packets take the path its first one did.
  for (const host of ['127.0.0.1', '192.0.2.1']) for (let i = 0; i < 3; i++) console.log(`${host} ${await request(host)}`);
} finally {
  server.kill('SIGKILL');
  await mesh.removeAll();
  sh(`umount ${taskNs}; rm -rf ${dir}`);
}
