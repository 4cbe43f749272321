import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Raft } from '../../src/raft/core/raft.js';
import { FileRaftStorage } from '../../src/raft/storage/file-storage.js';
import type { Entry } from '../../src/raft/types.js';

const tmp = () => mkdtemp(join(tmpdir(), 'tswarm-wal-'));
const ents = (from: number, to: number, term = 1): Entry[] =>
  Array.from({ length: to - from + 1 }, (_, i) => ({ term, index: from + i, type: 'normal', data: `v${from + i}t${term}` }));
const indexes = (es: Entry[]) => es.map((e) => `${e.index}/${e.term}`).join(' ');
async function lastSegment(dir: string) {
  const segs = (await readdir(join(dir, 'wal'))).sort();
  return join(dir, 'wal', segs[segs.length - 1]);
}

test('hard state and entries survive a reopen; a later write replaces the tail', async () => {
  const dir = await tmp();
  let s = new FileRaftStorage(dir);
  await s.open();
  await s.save({ term: 1, vote: 'a', commit: 0 }, ents(1, 10));
  await s.save({ term: 2, vote: 'b', commit: 5 }, ents(6, 7, 2));
  await s.close();
  s = new FileRaftStorage(dir);
  const st = await s.open();
  assert.deepEqual(st.hardState, { term: 2, vote: 'b', commit: 5 });
  assert.equal(indexes(st.entries), '1/1 2/1 3/1 4/1 5/1 6/2 7/2');
  assert.equal(st.entries[6].data, 'v7t2');
  await s.close();
});

test('segments roll over and reopen in order', async () => {
  const dir = await tmp();
  let s = new FileRaftStorage(dir, { segmentBytes: 300 });
  await s.open();
  for (let i = 1; i <= 40; i++) await s.save({ term: 1, vote: '', commit: i - 1 }, ents(i, i));
  await s.close();
  assert.ok((await readdir(join(dir, 'wal'))).length > 5);
  s = new FileRaftStorage(dir, { segmentBytes: 300 });
  const st = await s.open();
  assert.equal(st.entries.length, 40);
  assert.equal(st.hardState.commit, 39);
  await s.close();
});

test('a torn tail is cut on open and writing goes on; a corrupt last record is cut too', async () => {
  const dir = await tmp();
  let s = new FileRaftStorage(dir);
  await s.open();
  await s.save(undefined, ents(1, 3));
  await s.save(undefined, ents(4, 4));
  await s.close();
  const seg = await lastSegment(dir);
  await truncate(seg, (await stat(seg)).size - 3);
  s = new FileRaftStorage(dir);
  let st = await s.open();
  assert.equal(indexes(st.entries), '1/1 2/1 3/1');
  assert.match(s.repaired ?? '', /torn record/);
  await s.save(undefined, ents(4, 5));
  await s.close();
  // Flip a byte inside the last record's payload.
  const buf = await readFile(seg);
  buf[buf.length - 5] ^= 0xff;
  await writeFile(seg, buf);
  s = new FileRaftStorage(dir);
  st = await s.open();
  assert.equal(indexes(st.entries), '1/1 2/1 3/1');
  assert.match(s.repaired ?? '', /checksum mismatch/);
  await s.close();
});

test('corruption before the last segment stops the start instead of losing entries silently', async () => {
  const dir = await tmp();
  const s = new FileRaftStorage(dir, { segmentBytes: 200 });
  await s.open();
  for (let i = 1; i <= 10; i++) await s.save(undefined, ents(i, i));
  await s.close();
  const first = join(dir, 'wal', (await readdir(join(dir, 'wal'))).sort()[0]);
  const buf = await readFile(first);
  buf[buf.length - 2] ^= 0xff;
  await writeFile(first, buf);
  await assert.rejects(new FileRaftStorage(dir, { segmentBytes: 200 }).open(), /corrupt at byte \d+ .*refusing to start/);
});

test('a snapshot is loaded with the entries after it, and old segments go', async () => {
  const dir = await tmp();
  let s = new FileRaftStorage(dir, { segmentBytes: 200 });
  await s.open();
  for (let i = 1; i <= 30; i++) await s.save({ term: 3, vote: 'a', commit: i }, ents(i, i, 3));
  const before = (await readdir(join(dir, 'wal'))).length;
  await s.saveSnapshot({ meta: { index: 25, term: 3, conf: { voters: ['a'], removed: [] } }, data: 'state@25' });
  assert.ok((await readdir(join(dir, 'wal'))).length < before);
  await s.close();
  s = new FileRaftStorage(dir, { segmentBytes: 200 });
  const st = await s.open();
  assert.equal(st.snapshot?.data, 'state@25');
  assert.equal(indexes(st.entries), '26/3 27/3 28/3 29/3 30/3');
  assert.deepEqual(st.hardState, { term: 3, vote: 'a', commit: 30 });
  await s.close();
});

test('records go through the codec: nothing readable on disk with an encrypting one', async () => {
  const dir = await tmp();
  const xor = (b: Buffer) => Buffer.from(b.map((x) => x ^ 0x5a));
  const codec = { encode: xor, decode: xor };
  let s = new FileRaftStorage(dir, { codec });
  await s.open();
  await s.save({ term: 1, vote: 'secret-vote', commit: 0 }, [{ term: 1, index: 1, type: 'normal', data: 'top-secret' }]);
  await s.close();
  assert.ok(!(await readFile(await lastSegment(dir))).toString('latin1').includes('top-secret'));
  s = new FileRaftStorage(dir, { codec });
  assert.equal((await s.open()).entries[0].data, 'top-secret');
  await s.close();
  await assert.rejects(async () => { const p = new FileRaftStorage(dir); const st = await p.open(); if (!st.entries.length) throw new Error('nothing'); });
});

test('SIGKILL while writing loses no acknowledged entry', async () => {
  const dir = await tmp();
  const writer = fileURLToPath(new URL('./fixtures/wal-writer.js', import.meta.url));
  const child = spawn(process.execPath, [writer, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  let acked = 0;
  let buf = '';
  await new Promise<void>((resolve) => {
    child.stdout.on('data', (c) => {
      buf += c;
      const lines = buf.split('\n');
      buf = lines.pop()!;
      for (const l of lines) acked = Number(l);
      if (acked >= 300) { child.kill('SIGKILL'); resolve(); }
    });
  });
  await new Promise((r) => child.once('exit', r));
  const s = new FileRaftStorage(dir, { segmentBytes: 16 * 1024 });
  const st = await s.open();
  const last = st.entries[st.entries.length - 1].index;
  assert.ok(last >= acked, `acknowledged ${acked}, found ${last}`);
  for (let i = 0; i < st.entries.length; i++) assert.equal(st.entries[i].index, i + 1);
  await s.close();
});

// etcd-io/etcd#22442, in this WAL: open() must not skip the truncation an entry at or below
// the snapshot implies, and saveSnapshot(s, true) must not keep a stored tail after a snapshot
// from the leader that replaced the log. The core ignores a tail that breaks the log
// (pitfalls.test.ts), but storage does not return one either.
const conf = { voters: ['a', 'b', 'c'], removed: [] };

test('an overwrite at or below a later snapshot still truncates on replay', async () => {
  const dir = await tmp();
  let s = new FileRaftStorage(dir);
  await s.open();
  await s.save({ term: 1, vote: '', commit: 2 }, ents(1, 5));
  await s.save({ term: 2, vote: '', commit: 4 }, ents(3, 4, 2)); // a new leader replaced 3.. : 5/1 is gone
  await s.saveSnapshot({ meta: { index: 4, term: 2, conf }, data: '{}' });
  await s.close();
  s = new FileRaftStorage(dir);
  const st = await s.open();
  await s.close();
  assert.equal(indexes(st.entries), '', '5/1 was replaced and must not come back');
});

test('a snapshot that conflicts with the stored log replaces all of it', async () => {
  const dir = await tmp();
  let s = new FileRaftStorage(dir);
  await s.open();
  await s.save({ term: 1, vote: '', commit: 2 }, ents(1, 5));
  await s.saveSnapshot({ meta: { index: 3, term: 2, conf }, data: '{}' }, true); // the leader's 3/2, not our 3/1
  await s.close();
  s = new FileRaftStorage(dir);
  const st = await s.open();
  await s.close();
  assert.equal(indexes(st.entries), '', '4/1 5/1 followed 3/1, which the snapshot replaced');
});

test('a snapshot that matches the stored log keeps the entries after it', async () => {
  const dir = await tmp();
  let s = new FileRaftStorage(dir);
  await s.open();
  await s.save({ term: 1, vote: '', commit: 3 }, ents(1, 5));
  await s.saveSnapshot({ meta: { index: 3, term: 1, conf }, data: '{}' }); // our own compaction
  await s.close();
  s = new FileRaftStorage(dir);
  const st = await s.open();
  await s.close();
  assert.equal(indexes(st.entries), '4/1 5/1');
});

test('whatever the replay brings back, the core starts from the snapshot and the log that follows it', async () => {
  const dir = await tmp();
  let s = new FileRaftStorage(dir);
  await s.open();
  await s.save({ term: 1, vote: '', commit: 2 }, ents(1, 5));
  await s.save({ term: 2, vote: '', commit: 4 }, ents(3, 4, 2));
  await s.saveSnapshot({ meta: { index: 4, term: 2, conf }, data: '{}' });
  await s.close();
  s = new FileRaftStorage(dir);
  const r = new Raft({ id: 'a', electionTick: 10, heartbeatTick: 1, random: () => 0, restore: await s.open() });
  await s.close();
  assert.equal(`${r.log.lastIndex}/${r.log.lastTerm}`, '4/2');
});

test('a large snapshot is written as bounded parts and read back whole; a torn part makes the file unusable, not wrong', async () => {
  const dir = await tmp();
  let s = new FileRaftStorage(dir);
  await s.open();
  const data = Array.from({ length: 12 * 1024 * 1024 / 64 }, (_, i) => `${String(i).padStart(10, '0')}"quoted\\n`.padEnd(64, 'x')).join('');
  await s.saveSnapshot({ meta: { index: 7, term: 2, conf: { voters: ['a'], removed: [] } }, data });
  await s.close();
  const snaps = (await readdir(join(dir, 'snap'))).filter((n) => n.endsWith('.snap'));
  const file = join(dir, 'snap', snaps[0]);
  const size = (await stat(file)).size;
  assert.ok(size < data.length * 1.01, `stored without escaping (${size} bytes for ${data.length} characters)`);
  s = new FileRaftStorage(dir);
  const st = await s.open();
  assert.equal(st.snapshot?.data, data);
  await s.close();
  await truncate(file, size - 100);
  s = new FileRaftStorage(dir);
  assert.equal((await s.open()).snapshot, undefined, 'the torn snapshot is skipped');
  await s.close();
});
