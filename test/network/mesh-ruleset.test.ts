import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { hostScript, keepSourceTaskScript, l2Script } from '../../src/network/mesh/ruleset.js';
import { isMeshRouteTable, isReplyTable, meshRoute, replyTable } from '../../src/network/mesh/names.js';
import { macFor } from '../../src/network/overlay/names.js';

/** nft's own check of a script (parsed and validated by the kernel, nothing committed), in a namespace of its own. */
const nftAccepts = (script: string) => execFileSync('unshare', ['--net', 'sh', '-c', 'ip link add host0 type veth peer name host0p && ip link add br-x type bridge && nft -c -f -'], { input: script, encoding: 'utf8' });

test('keep-source: a task marks each connection after its entry host\'s ingress MAC, one mark and routing table per entry address', () => {
  const entries = ['10.0.0.2', '10.0.0.3', '10.0.1.4'];
  const s = keepSourceTaskScript('eth1', entries.map((e) => ({ mac: macFor(e), mark: replyTable(e) })));
  // Marks are numbers (the MAC's bytes loaded as a mark would be byte-swapped on a little-endian host).
  assert.match(s, /ct state new ct mark set ether saddr map \{ 02:42:0a:00:00:02 : 65538, 02:42:0a:00:00:03 : 65539, 02:42:0a:00:01:04 : 65796 \}/);
  assert.match(s, /add rule ip tswarm_keepsrc out ct mark != 0 meta mark set ct mark/);
  assert.deepEqual(entries.map(replyTable), [0x10002, 0x10003, 0x10104]);
  assert.ok(entries.every((e) => isReplyTable(replyTable(e))));
  assert.ok(!isReplyTable(254) && !isReplyTable(0x20000));
  nftAccepts(s);
  // No entry host known yet: still a valid table, marking nothing.
  assert.doesNotMatch(keepSourceTaskScript('eth1', []), /saddr map/);
  nftAccepts(keepSourceTaskScript('eth1', []));
});

test('the host DNATs published ports to the tasks and marks them for the ingress link: SNAT for services without the label, the client\'s source kept with it', () => {
  const route = meshRoute('tsi-abc');
  assert.equal(route.keep, route.snat + 1);
  assert.ok(isMeshRouteTable(route.table) && !isMeshRouteTable(254) && route.table !== meshRoute('tsi-abd').table);
  const s = hostScript({ table: 'tswarm_mesh_abc', hostLink: 'tsi-abc', nsAddr: '169.254.1.2', ingressAddr: '10.0.0.2', route }, [
    { Protocol: 'tcp', PublishedPort: 8080, TargetPort: 80, backends: ['10.0.0.5', '10.0.0.6'], keepSource: false },
    { Protocol: 'tcp', PublishedPort: 9090, TargetPort: 80, backends: ['10.0.0.7'], keepSource: true },
    { Protocol: 'udp', PublishedPort: 5353, TargetPort: 53, backends: [], keepSource: false },
  ], { vni: 4096, port: 7789 });
  // The ingress VXLAN (its VNI on the swarm's data path port) is not tracked by the host, either way.
  assert.match(s, /add rule ip tswarm_mesh_abc raw_pre udp dport 7789 @th,96,24 4096 notrack\n/);
  assert.match(s, /add rule ip tswarm_mesh_abc raw_out udp dport 7789 @th,96,24 4096 notrack\n/);
  assert.match(s, new RegExp(`add rule ip tswarm_mesh_abc p_tcp_8080 ct mark set ${route.snat} meta mark set ct mark\n`));
  assert.match(s, new RegExp(`add rule ip tswarm_mesh_abc p_tcp_9090 ct mark set ${route.keep} meta mark set ct mark\n`));
  assert.match(s, /p_tcp_8080 meta l4proto tcp dnat to numgen inc mod 2 map \{ 0 : 10\.0\.0\.5, 1 : 10\.0\.0\.6 \} : 80/);
  assert.match(s, new RegExp(`post oifname "tsi-abc" ct mark ${route.snat} snat to 10\\.0\\.0\\.2\n`));
  assert.match(s, new RegExp(`mark_pre ct direction original ct mark \\{ ${route.snat}, ${route.keep} \\} meta mark set ct mark`));
  // A port without running tasks goes to the namespace's own link address (refused there), unmarked.
  assert.match(s, /add rule ip tswarm_mesh_abc p_udp_5353 dnat to 169\.254\.1\.2\n/);
  assert.match(s, /pre fib daddr type local meta l4proto \. th dport vmap \{ tcp \. 8080 : jump p_tcp_8080, tcp \. 9090 : jump p_tcp_9090, udp \. 5353 : jump p_udp_5353 \}/);
  nftAccepts(s);
});

test('the ingress namespace hands frames to the tasks\' MACs on the bridge and every IPv4 frame for itself back to the host link', () => {
  const l2 = { bridge: 'br-x', bridgeMac: macFor('10.0.0.2'), nsLink: 'host0', nsLinkMac: '02:42:a9:fe:01:02', hostLinkMac: '02:42:a9:fe:01:01' };
  const s = l2Script(l2, ['10.0.0.6', '10.0.0.5', '10.0.0.6']);
  assert.match(s, /from_host meta protocol ip ether saddr set 02:42:0a:00:00:02 ether daddr set ip daddr map \{ 10\.0\.0\.5 : 02:42:0a:00:00:05, 10\.0\.0\.6 : 02:42:0a:00:00:06 \} fwd to "br-x"/);
  assert.match(s, /to_host ether daddr 02:42:0a:00:00:02 meta protocol ip ether saddr set 02:42:a9:fe:01:02 ether daddr set 02:42:a9:fe:01:01 fwd to "host0"/);
  // The NAT table of the namespace's earlier versions goes.
  assert.match(s, /^add table ip tswarm_mesh\ndelete table ip tswarm_mesh\n/);
  nftAccepts(s);
  assert.doesNotMatch(l2Script(l2, []), /from_host meta/);
  nftAccepts(l2Script(l2, []));
});
