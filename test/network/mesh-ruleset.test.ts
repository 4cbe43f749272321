import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { keepSourceTaskScript, nsScript, MARK_KEEP, MARK_SNAT } from '../../src/network/mesh/ruleset.js';
import { isReplyTable, replyTable } from '../../src/network/mesh/names.js';
import { macFor } from '../../src/network/overlay/names.js';

/** nft's own check of a script (parsed and validated by the kernel, nothing committed), in a namespace of its own. */
const nftAccepts = (script: string) => execFileSync('unshare', ['--net', 'nft', '-c', '-f', '-'], { input: script, encoding: 'utf8' });

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

test('the ingress namespace SNATs ports of services without the label and leaves the source of kept-source ports', () => {
  const s = nsScript('br-x', [
    { Protocol: 'tcp', PublishedPort: 8080, TargetPort: 80, backends: ['10.0.0.5', '10.0.0.6'], keepSource: false },
    { Protocol: 'tcp', PublishedPort: 9090, TargetPort: 80, backends: ['10.0.0.7'], keepSource: true },
    { Protocol: 'udp', PublishedPort: 5353, TargetPort: 53, backends: [], keepSource: false },
  ]);
  assert.match(s, new RegExp(`add rule ip tswarm_mesh p_tcp_8080 ct mark set ${MARK_SNAT}\\n`));
  assert.match(s, new RegExp(`add rule ip tswarm_mesh p_tcp_9090 ct mark set ${MARK_KEEP}\\n`));
  assert.match(s, new RegExp(`oifname "br-x" ct mark ${MARK_SNAT} masquerade`));
  assert.match(s, /p_tcp_8080 meta l4proto tcp dnat to numgen inc mod 2 map \{ 0 : 10\.0\.0\.5, 1 : 10\.0\.0\.6 \} : 80/);
  // A port without running tasks is not translated (the namespace refuses it).
  assert.doesNotMatch(s, /5353/);
  nftAccepts(s);
});
