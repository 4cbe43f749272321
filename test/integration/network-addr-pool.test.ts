import { test } from 'node:test';
import assert from 'node:assert/strict';
import { docker, startTswarmd } from '../helpers/tswarmd.js';
import { raw } from './invalid-input-engine.js';

test('swarm init --default-addr-pool/--default-addr-pool-mask-length: the ingress network and the next ones come from that pool; a bad pool is refused before anything starts', { timeout: 120_000 }, async (t) => {
  const d = await startTswarmd({ executor: 'sim' });
  t.after(() => d.stop('SIGKILL'));
  for (const [body, message] of [
    ['{"ListenAddr":"127.0.0.1:0","DefaultAddrPool":["10.20.0.0/33"]}', 'invalid default address pool 10.20.0.0/33: invalid CIDR address: 10.20.0.0/33'],
    ['{"ListenAddr":"127.0.0.1:0","DefaultAddrPool":["10.20.0.0/16"],"SubnetSize":8}', 'invalid default address pool 10.20.0.0/16: its mask length /16 is longer than the subnet size /8'],
    ['{"ListenAddr":"127.0.0.1:0","DefaultAddrPool":["10.20.0.0/16"],"SubnetSize":40}', 'invalid subnet size 40: the default address pool mask length must be between 1 and 32'],
    ['{"ListenAddr":"127.0.0.1:0","DefaultAddrPool":["fd00::/64"]}', 'invalid default address pool fd00::/64: IPv6 address pools are not supported by tswarm yet'],
  ]) {
    const r = await raw(d.socket, 'POST', '/v1.41/swarm/init', body);
    assert.deepEqual([r.status, r.message], [400, message], body);
  }
  assert.equal((await docker(d.host, 'info', '--format', '{{.Swarm.LocalNodeState}}')).stdout.trim(), 'inactive', 'no swarm after the refusals');
  const init = await docker(d.host, 'swarm', 'init', '--advertise-addr', '127.0.0.1', '--default-addr-pool', '10.20.0.0/16', '--default-addr-pool-mask-length', '26');
  assert.equal(init.code, 0, init.stderr);
  const ingress = await docker(d.host, 'network', 'inspect', '--format', '{{.Ingress}} {{json .IPAM.Config}} {{index .Options "com.docker.network.driver.overlay.vxlanid_list"}}', 'ingress');
  assert.equal(ingress.stdout.trim(), 'true [{"Subnet":"10.20.0.0/26","Gateway":"10.20.0.1"}] 4096');
  assert.equal((await docker(d.host, 'network', 'create', '-d', 'overlay', 'a')).code, 0);
  const a = await docker(d.host, 'network', 'inspect', '--format', '{{json .IPAM.Config}} {{index .Options "com.docker.network.driver.overlay.vxlanid_list"}}', 'a');
  assert.equal(a.stdout.trim(), '[{"Subnet":"10.20.0.64/26","Gateway":"10.20.0.65"}] 4097');
  const info = await docker(d.host, 'info', '--format', '{{json .Swarm.Cluster.DefaultAddrPool}} {{.Swarm.Cluster.SubnetSize}}');
  assert.equal(info.stdout.trim(), '["10.20.0.0/16"] 26');
});
