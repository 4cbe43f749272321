import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDiscovery } from '../../../src/classic/discovery/parse.js';

test('nodes:// lists and ranges, and a bare list is nodes as in classic Swarm', async () => {
  const d = parseDiscovery('nodes://10.0.0.[11:13]:2375,node4:2376');
  assert.deepEqual(await d.list(), ['10.0.0.11:2375', '10.0.0.12:2375', '10.0.0.13:2375', 'node4:2376']);
  assert.deepEqual(await parseDiscovery('10.0.0.1:2375,[::1]:2375').list(), ['10.0.0.1:2375', '[::1]:2375']);
  const seen = await new Promise<string[]>((resolve) => parseDiscovery('nodes://a:1').watch(resolve, assert.fail));
  assert.deepEqual(seen, ['a:1']);
  assert.throws(() => d.register('10.0.0.1:2375', { heartbeatMs: 1000, ttlMs: 3000 }), /not implemented in this discovery service/);
});

test('malformed URLs and unknown schemes are refused with clear errors', () => {
  assert.throws(() => parseDiscovery(''), /invalid discovery URL "": empty/);
  assert.throws(() => parseDiscovery('foo://x:1'), /^Error: discovery service not supported: unknown scheme "foo" in "foo:\/\/x:1" \(supported: nodes, file/);
  assert.throws(() => parseDiscovery('1+://x'), /malformed scheme "1\+"/);
  assert.throws(() => parseDiscovery('nodes://'), /nothing after "nodes:\/\/"/);
  assert.throws(() => parseDiscovery('file://'), /missing the file's path/);
  // a token given without token:// is read as a nodes list: classic Swarm's hint
  assert.throws(() => parseDiscovery('0123456789abcdef'), /^Error: address 0123456789abcdef: missing port in address, please check you are using the correct discovery \(missing token:\/\/ \?\)$/);
  assert.throws(() => parseDiscovery('nodes://a:1,,b:2'), /empty entry/);
  assert.throws(() => parseDiscovery('token:///abc'), /no host before the token's path/);
  assert.throws(() => parseDiscovery('token://a b'), /malformed token "a b"/);
  assert.throws(() => parseDiscovery('etcd://h:2379,/p'), /empty store address in the list/);
  assert.throws(() => parseDiscovery('consul:///p'), /no store address before the path/);
  assert.equal((parseDiscovery('zk://a,b:2182,[::1]/p') as unknown as { hosts: string[] }).hosts.join(' '), 'a:2181 b:2182 [::1]:2181');
  assert.throws(() => parseDiscovery('zk://h:x/p'), /invalid discovery URL "zk:\/\/h:x\/p": address h:x: invalid port "x"/);
  assert.throws(() => parseDiscovery('nodes://a:99999'), /invalid port "99999"/);
  assert.throws(() => parseDiscovery('nodes://10.0.0.[13:11]:2375'), /13 is greater than 11/);
  assert.throws(() => parseDiscovery('nodes://10.0.0.[a:b]:2375'), /want \[from:to\] with two numbers/);
  assert.throws(() => parseDiscovery('nodes://10.[0:1].0.[1:2]:2375'), /only one range/);
});

test('file:// reads engines and ranges per line, skips comments and blank lines, follows changes', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'tswarm-file-disc-'));
  let w: { stop(): void } | undefined;
  // The watch stops before its file goes (its next read would fail the test).
  t.after(() => { w?.stop(); return rm(dir, { recursive: true, force: true }); });
  const path = join(dir, 'cluster');
  await writeFile(path, '# the pool\n10.0.0.[1:2]:2375\n\n  node3:2375   # the big one\n#node4:2375\n');
  const d = parseDiscovery(`file://${path}`, { refreshMs: 50 });
  assert.deepEqual(await d.list(), ['10.0.0.1:2375', '10.0.0.2:2375', 'node3:2375']);
  const lists: string[][] = [];
  w = d.watch((e) => lists.push(e), assert.fail);
  while (lists.length < 1) await new Promise((r) => setTimeout(r, 10));
  await writeFile(path, 'node3:2375\nnode5:2375\n');
  const t0 = Date.now();
  while (lists.length < 2 && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(lists, [['10.0.0.1:2375', '10.0.0.2:2375', 'node3:2375'], ['node3:2375', 'node5:2375']]);

  await writeFile(path, 'node3\n');
  await assert.rejects(d.list(), new RegExp(`'${path}': address node3: missing port in address`));
  await assert.rejects(parseDiscovery(`file://${dir}/missing`).list(), /failed to read '.*\/missing': ENOENT/);
});
