import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diffScript, fullScript } from '../../src/network/vip/ruleset.js';
import { VipBalancer } from '../../src/network/vip/vip-balancer.js';

const st = (o: Record<string, string[]>) => new Map(Object.entries(o));

test('the full script replaces any table of that name and programs every VIP', () => {
  const s = fullScript(st({ '10.0.9.2': ['10.0.9.5', '10.0.9.6', '10.0.9.7'], '10.0.9.3': ['10.0.9.8'], '10.0.9.4': [] }));
  const lines = s.trim().split('\n');
  assert.deepEqual(lines.slice(0, 3), ['add table ip tswarm_vip', 'delete table ip tswarm_vip', 'add table ip tswarm_vip']);
  assert.ok(lines.includes('add rule ip tswarm_vip vip_10_0_9_2 dnat to numgen inc mod 3 map { 0 : 10.0.9.5, 1 : 10.0.9.6, 2 : 10.0.9.7 }'));
  assert.ok(lines.includes('add rule ip tswarm_vip vip_10_0_9_3 dnat to 10.0.9.8'));
  assert.ok(lines.includes('add element ip tswarm_vip empty_vips { 10.0.9.4 }'));
  assert.ok(!lines.some((l) => l.startsWith('add rule ip tswarm_vip vip_10_0_9_4')));
});

test('the diff touches only the VIPs that changed, and nothing when none did', () => {
  const a = st({ '10.0.9.2': ['10.0.9.5', '10.0.9.6'], '10.0.9.3': ['10.0.9.8'], '10.0.9.4': [] });
  assert.equal(diffScript(a, st({ '10.0.9.2': ['10.0.9.5', '10.0.9.6'], '10.0.9.3': ['10.0.9.8'], '10.0.9.4': [] })), undefined);
  const b = st({ '10.0.9.2': ['10.0.9.5'], '10.0.9.4': ['10.0.9.9'], '10.0.9.10': [] });
  assert.deepEqual(diffScript(a, b)!.trim().split('\n'), [
    'delete element ip tswarm_vip vips { 10.0.9.3 }',
    'flush chain ip tswarm_vip vip_10_0_9_3',
    'delete chain ip tswarm_vip vip_10_0_9_3',
    'flush chain ip tswarm_vip vip_10_0_9_2',
    'add rule ip tswarm_vip vip_10_0_9_2 dnat to 10.0.9.5',
    'flush chain ip tswarm_vip vip_10_0_9_4',
    'add rule ip tswarm_vip vip_10_0_9_4 dnat to 10.0.9.9',
    'delete element ip tswarm_vip empty_vips { 10.0.9.4 }',
    'add chain ip tswarm_vip vip_10_0_9_10',
    'add element ip tswarm_vip vips { 10.0.9.10 : jump vip_10_0_9_10 }',
    'add element ip tswarm_vip empty_vips { 10.0.9.10 }',
  ]);
});

test('changes that come while a transaction runs are coalesced into one; a failed one is followed by a full replace', async () => {
  const calls: string[] = [];
  let fail = false;
  let release: () => void = () => {};
  const b = new VipBalancer(async (_path, script) => {
    calls.push(script);
    await new Promise<void>((r) => { release = r; setTimeout(r, 20); });
    if (fail) throw new Error('nft failed');
  });
  const first = b.set('t1', '/ns/1', st({ '10.0.9.2': ['10.0.9.1'] }));
  await new Promise((r) => setTimeout(r, 5)); // the first transaction is running
  assert.equal(calls.length, 1);
  const later = [2, 3, 4, 5].map((i) => b.set('t1', '/ns/1', st({ '10.0.9.2': [`10.0.9.${i}`] })));
  await Promise.all([first, ...later]);
  assert.equal(calls.length, 2);
  assert.match(calls[0], /delete table/);
  assert.equal(calls[1], 'flush chain ip tswarm_vip vip_10_0_9_2\nadd rule ip tswarm_vip vip_10_0_9_2 dnat to 10.0.9.5\n');

  await b.set('t1', '/ns/1', st({ '10.0.9.2': ['10.0.9.5'] }));
  assert.equal(calls.length, 2, 'nothing changed: no transaction');

  fail = true;
  await b.set('t1', '/ns/1', st({ '10.0.9.2': ['10.0.9.6'] }));
  fail = false;
  await b.set('t1', '/ns/1', st({ '10.0.9.2': ['10.0.9.7'] }));
  assert.match(calls.at(-1)!, /^add table ip tswarm_vip\ndelete table/, 'after a failure the table is replaced whole');
  assert.match(calls.at(-1)!, /dnat to 10\.0\.9\.7/);
  release();
  await b.remove('t1');
  assert.equal(calls.at(-1), 'add table ip tswarm_vip\ndelete table ip tswarm_vip\n');
  b.close();
});

test('changes made before the first transaction starts are one transaction', async () => {
  const calls: string[] = [];
  const b = new VipBalancer((_path, script) => { calls.push(script); return Promise.resolve(); });
  await Promise.all([1, 2, 3].map((i) => b.set('t', '/ns/t', st({ '10.0.9.2': [`10.0.9.${i}`] }))));
  assert.equal(calls.length, 1);
  assert.match(calls[0], /dnat to 10\.0\.9\.3\n/);
  b.close();
});
