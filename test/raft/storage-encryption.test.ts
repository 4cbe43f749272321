import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { AesGcmCodec, keyId } from '../../src/raft/storage/aes-gcm-codec.js';
import { FileRaftStorage } from '../../src/raft/storage/file-storage.js';
import { TamperedRecordError, WrongKeyError } from '../../src/raft/storage/records.js';
import type { Entry, Snapshot } from '../../src/raft/types.js';

const MARKER = 'MARKER-top-secret-7f3a';
const tmp = () => mkdtemp(join(tmpdir(), 'tswarm-enc-'));
const ents = (from: number, to: number, term = 1): Entry[] =>
  Array.from({ length: to - from + 1 }, (_, i) => ({ term, index: from + i, type: 'normal', data: `${MARKER}-${from + i}` }));
const indexes = (es: Entry[]) => es.map((e) => e.index).join(' ');
const snap = (index: number): Snapshot => ({ meta: { index, term: 1, conf: { voters: ['a'], removed: [] } }, data: `${MARKER}-state@${index}` });
const codec = (current: Buffer, ...previous: Buffer[]) => new AesGcmCodec({ current, previous });

async function files(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const sub of ['wal', 'snap']) for (const n of (await readdir(join(dir, sub))).sort()) out.push(join(dir, sub, n));
  return out;
}
/** Every file's name and hash, to show a refused open changed nothing. */
async function fingerprint(dir: string): Promise<string> {
  const parts: string[] = [];
  for (const f of await files(dir)) parts.push(`${f}:${createHash('sha256').update(await readFile(f)).digest('hex')}`);
  return parts.join('\n');
}
async function lastSegment(dir: string) {
  const segs = (await readdir(join(dir, 'wal'))).sort();
  return join(dir, 'wal', segs[segs.length - 1]);
}
/** [start, end) of each record in a WAL or snapshot file. */
function records(buf: Buffer): [number, number][] {
  const out: [number, number][] = [];
  for (let pos = 0; pos + 8 <= buf.length; pos += 8 + buf.readUInt32LE(pos)) out.push([pos, pos + 8 + buf.readUInt32LE(pos)]);
  return out;
}
/** Flips a byte in the middle of a record; with `fixCrc`, as someone who knows the format would. */
async function flip(file: string, which: number, fixCrc: boolean) {
  const buf = await readFile(file);
  const rs = records(buf);
  const [start, end] = rs[which < 0 ? rs.length + which : which];
  buf[(start + 8 + end) >> 1] ^= 0x01;
  if (fixCrc) buf.writeUInt32LE(crc32(buf.subarray(start + 8, end)), start + 4);
  await writeFile(file, buf);
}

async function written(dir: string, key: Buffer) {
  const s = new FileRaftStorage(dir, { codec: codec(key), segmentBytes: 400 });
  await s.open();
  await s.save({ term: 1, vote: `${MARKER}-vote`, commit: 0 }, ents(1, 10));
  await s.saveSnapshot(snap(6));
  await s.save({ term: 1, vote: `${MARKER}-vote`, commit: 12 }, ents(11, 12));
  await s.close();
}

test('WAL and snapshot files hold no plaintext; the right key restores everything', async () => {
  const dir = await tmp();
  const key = randomBytes(32);
  await written(dir, key);
  const fs = await files(dir);
  assert.ok(fs.some((f) => f.endsWith('.snap')) && fs.some((f) => f.endsWith('.wal')));
  for (const f of fs) {
    const bytes = (await readFile(f)).toString('latin1');
    assert.ok(!bytes.includes('MARKER'), `${f} holds plaintext`);
    assert.ok(!bytes.includes('"term"'), `${f} holds JSON`);
  }
  const s = new FileRaftStorage(dir, { codec: codec(key), segmentBytes: 400 });
  const st = await s.open();
  assert.equal(st.snapshot?.data, `${MARKER}-state@6`);
  assert.equal(indexes(st.entries), '7 8 9 10 11 12');
  assert.equal(st.entries[5].data, `${MARKER}-12`);
  assert.deepEqual(st.hardState, { term: 1, vote: `${MARKER}-vote`, commit: 12 });
  assert.equal(s.repaired, undefined);
  await s.close();
});

test('a wrong key, or none, is refused loudly and leaves every file as it was, torn tail included', async () => {
  const dir = await tmp();
  await written(dir, randomBytes(32));
  // A torn tail must not make a wrong key look like a tail to cut.
  const seg = await lastSegment(dir);
  await truncate(seg, (await stat(seg)).size - 3);
  const before = await fingerprint(dir);
  await assert.rejects(new FileRaftStorage(dir, { codec: codec(randomBytes(32)) }).open(),
    (e: Error) => e instanceof WrongKeyError && /raft snapshot .* written under data key [0-9a-f]{16}, which is not among the keys given .*wrong key/.test(e.message));
  await assert.rejects(new FileRaftStorage(dir).open(), (e: Error) => e instanceof WrongKeyError && /encrypted and no data key was given/.test(e.message));
  assert.equal(await fingerprint(dir), before);
});

test('a wrong key on a WAL without snapshots is refused at its first record, nothing cut', async () => {
  const dir = await tmp();
  const s = new FileRaftStorage(dir, { codec: codec(randomBytes(32)) });
  await s.open();
  await s.save(undefined, ents(1, 3));
  await s.close();
  const before = await fingerprint(dir);
  await assert.rejects(new FileRaftStorage(dir, { codec: codec(randomBytes(32)) }).open(), /raft WAL .*\.wal at byte 0: written under data key .*wrong key/);
  assert.equal(await fingerprint(dir), before);
});

test('a flipped byte in the middle of a record is never applied', async () => {
  const dir = await tmp();
  const key = randomBytes(32);
  let s = new FileRaftStorage(dir, { codec: codec(key) });
  await s.open();
  for (let i = 1; i <= 4; i++) await s.save(undefined, ents(i, i));
  await s.close();
  const seg = await lastSegment(dir);

  // Someone who recomputes the CRC: authentication catches it and the start stops, nothing cut.
  await flip(seg, 2, true);
  const before = await fingerprint(dir);
  await assert.rejects(new FileRaftStorage(dir, { codec: codec(key) }).open(),
    (e: Error) => e instanceof TamperedRecordError && /at byte \d+: record under data key .* failed authentication/.test(e.message));
  assert.equal(await fingerprint(dir), before);

  // Plain damage to the last record: the CRC catches it and it is cut like a torn write.
  await flip(seg, 2, true); // undo
  await flip(seg, -1, false);
  s = new FileRaftStorage(dir, { codec: codec(key) });
  const st = await s.open();
  assert.equal(indexes(st.entries), '1 2 3');
  assert.match(s.repaired ?? '', /checksum mismatch/);
  await s.close();
});

test('a tampered snapshot is not used', async () => {
  const dir = await tmp();
  const key = randomBytes(32);
  const s = new FileRaftStorage(dir, { codec: codec(key), segmentBytes: 200 });
  await s.open();
  for (let i = 1; i <= 20; i++) await s.save(undefined, ents(i, i));
  await s.saveSnapshot(snap(15));
  await s.close();
  const snapFile = (await files(dir)).find((f) => f.endsWith('.snap'))!;
  await flip(snapFile, 0, true);
  // Without it the log has a gap where the snapshot was: the start stops instead of applying it.
  await assert.rejects(new FileRaftStorage(dir, { codec: codec(key), segmentBytes: 200 }).open(), /gap before entry/);
});

test('a torn tail is still cut under encryption, and writing goes on', async () => {
  const dir = await tmp();
  const key = randomBytes(32);
  let s = new FileRaftStorage(dir, { codec: codec(key) });
  await s.open();
  await s.save(undefined, ents(1, 3));
  await s.save(undefined, ents(4, 4));
  await s.close();
  const seg = await lastSegment(dir);
  await truncate(seg, (await stat(seg)).size - 3);
  s = new FileRaftStorage(dir, { codec: codec(key) });
  assert.equal(indexes((await s.open()).entries), '1 2 3');
  assert.match(s.repaired ?? '', /torn record/);
  await s.save(undefined, ents(4, 5));
  await s.close();
  s = new FileRaftStorage(dir, { codec: codec(key) });
  assert.equal(indexes((await s.open()).entries), '1 2 3 4 5');
  await s.close();
});

test('DEK rotation: new segments and snapshots under the new key, old data read with the previous one until a snapshot covers it', async () => {
  const dir = await tmp();
  const k1 = randomBytes(32);
  const k2 = randomBytes(32);
  const c = codec(k1);
  let s = new FileRaftStorage(dir, { codec: c });
  await s.open();
  await s.save({ term: 1, vote: 'a', commit: 3 }, ents(1, 5));
  const segsBefore = (await readdir(join(dir, 'wal'))).length;
  c.setKeys({ current: k2, previous: [k1] });
  await s.save({ term: 1, vote: 'a', commit: 7 }, ents(6, 8));
  assert.equal((await readdir(join(dir, 'wal'))).length, segsBefore + 1, 'a new key starts a new segment');
  assert.deepEqual(await s.usedKeyIds(), new Set([keyId(k1), keyId(k2)]));
  await s.close();

  s = new FileRaftStorage(dir, { codec: codec(k2, k1) });
  assert.equal(indexes((await s.open()).entries), '1 2 3 4 5 6 7 8');
  await s.close();
  await assert.rejects(new FileRaftStorage(dir, { codec: codec(k2) }).open(), WrongKeyError);

  // A snapshot past the last old-key entry drops the old segment: the old key is free.
  s = new FileRaftStorage(dir, { codec: codec(k2, k1) });
  await s.open();
  await s.saveSnapshot(snap(8));
  assert.deepEqual(await s.usedKeyIds(), new Set([keyId(k2)]));
  await s.close();
  s = new FileRaftStorage(dir, { codec: codec(k2) });
  const st = await s.open();
  assert.equal(st.snapshot?.meta.index, 8);
  assert.deepEqual(st.hardState, { term: 1, vote: 'a', commit: 7 });
  await s.close();
});

test('a plaintext WAL is read only when asked (migration), and continues encrypted', async () => {
  const dir = await tmp();
  let s = new FileRaftStorage(dir);
  await s.open();
  await s.save(undefined, ents(1, 2));
  await s.close();
  const key = randomBytes(32);
  const before = await fingerprint(dir);
  await assert.rejects(new FileRaftStorage(dir, { codec: codec(key) }).open(), /not encrypted .*plaintext is not accepted/);
  assert.equal(await fingerprint(dir), before);
  s = new FileRaftStorage(dir, { codec: new AesGcmCodec({ current: key }, { readPlaintext: true }) });
  await s.open();
  await s.save(undefined, ents(3, 3));
  assert.deepEqual(await s.usedKeyIds(), new Set(['plain', keyId(key)]));
  await s.close();
  s = new FileRaftStorage(dir, { codec: new AesGcmCodec({ current: key }, { readPlaintext: true }) });
  assert.equal(indexes((await s.open()).entries), '1 2 3');
  await s.close();
  assert.ok(!(await readFile(await lastSegment(dir))).toString('latin1').includes('MARKER'));
});

test('the codec: a random nonce per record, key ids name keys without being them', () => {
  const key = randomBytes(32);
  const c = codec(key);
  const a = c.encode(Buffer.from(MARKER));
  const b = c.encode(Buffer.from(MARKER));
  assert.notDeepEqual(a, b);
  assert.equal(c.decode(a).toString(), MARKER);
  assert.equal(a.length, MARKER.length + 1 + 8 + 12 + 16);
  assert.equal(c.keyIdOf(a), keyId(key));
  assert.ok(!a.includes(key.subarray(0, 8)));
  assert.throws(() => codec(randomBytes(16)), /32 bytes/);
});
