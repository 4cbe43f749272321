import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KEYS_FILE, KeyStore } from '../../../src/manager/keys/key-store.js';
import {
  ERR_INVALID_UNLOCK_KEY, ERR_SWARM_LOCKED, generateUnlockKey, LockedError, WrongUnlockKeyError,
} from '../../../src/manager/keys/unlock-key.js';
import { AesGcmCodec, keyId } from '../../../src/raft/storage/aes-gcm-codec.js';
import { FileRaftStorage } from '../../../src/raft/storage/file-storage.js';

const tmp = () => mkdtemp(join(tmpdir(), 'tswarm-keys-'));
const tlsKey = () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
const raw = async (dir: string) => readFile(join(dir, KEYS_FILE), 'utf8');

test('plain → sealed → reopening needs the key; a wrong key is refused; unseal', async () => {
  const dir = await tmp();
  const pem = tlsKey();
  let ks = await KeyStore.open(dir);
  assert.equal(ks.sealed, false);
  await ks.setTlsKey(pem);
  const plainDek = ks.dek;
  assert.equal(plainDek.length, 32);
  assert.ok((await raw(dir)).includes('BEGIN PRIVATE KEY'), 'plain while autolock is off');
  assert.equal((await stat(join(dir, KEYS_FILE))).mode & 0o777, 0o600);

  const unlock = generateUnlockKey();
  await ks.seal(unlock);
  assert.equal(ks.sealed, true);
  assert.notDeepEqual(ks.dek, plainDek, 'turning autolock on rotates the DEK that was in clear');
  assert.deepEqual(ks.dataKeys.previous, [plainDek], 'the old DEK still reads old data');
  const dek = ks.dek;
  const text = await raw(dir);
  for (const secret of ['PRIVATE KEY', dek.toString('base64'), plainDek.toString('base64')]) assert.ok(!text.includes(secret));
  assert.deepEqual(await readdir(dir), [KEYS_FILE], 'no temp file left');

  await assert.rejects(KeyStore.open(dir), (e: Error) => e instanceof LockedError && e.message === ERR_SWARM_LOCKED && (e as LockedError).status === 503);
  await assert.rejects(KeyStore.open(dir, generateUnlockKey()),
    (e: Error) => e instanceof WrongUnlockKeyError && e.message === ERR_INVALID_UNLOCK_KEY && (e as WrongUnlockKeyError).status === 401);
  await assert.rejects(KeyStore.open(dir, Buffer.from([1, 2, 3])), WrongUnlockKeyError);
  assert.equal(await raw(dir), text, 'a refused open changes nothing');

  ks = await KeyStore.open(dir, unlock);
  assert.deepEqual(ks.dek, dek);
  assert.equal(ks.tlsKeyPem, pem);

  // A new unlock key re-seals without touching the DEK; the old one no longer opens it.
  const unlock2 = generateUnlockKey();
  await ks.seal(unlock2);
  assert.deepEqual(ks.dek, dek);
  await assert.rejects(KeyStore.open(dir, unlock), WrongUnlockKeyError);
  ks = await KeyStore.open(dir, unlock2);

  await ks.unseal();
  ks = await KeyStore.open(dir);
  assert.equal(ks.sealed, false);
  assert.deepEqual(ks.dek, dek);
  assert.equal(ks.tlsKeyPem, pem);
});

test('created sealed when an unlock key is given; garbage is refused as a TLS key', async () => {
  const dir = await tmp();
  const unlock = generateUnlockKey();
  const ks = await KeyStore.open(join(dir, 'swarm'), unlock);
  assert.equal(ks.sealed, true);
  await assert.rejects(KeyStore.open(join(dir, 'swarm')), LockedError);
  await assert.rejects(ks.setTlsKey('not a key'));
  assert.equal(ks.tlsKeyPem, undefined);
  await assert.rejects(ks.seal(randomBytes(16)), /32 bytes/);
});

test('concurrent changes all land, in order', async () => {
  const dir = await tmp();
  const ks = await KeyStore.open(dir);
  const pem = tlsKey();
  await Promise.all([ks.rotateDek(), ks.setTlsKey(pem), ks.seal(generateUnlockKey()), ks.rotateDek()]);
  assert.equal(ks.dataKeys.previous?.length, 3);
  assert.equal(ks.tlsKeyPem, pem);
});

test('DEK rotation keeps old Raft data readable, and the old DEK goes once a snapshot covers it', async () => {
  const dir = await tmp();
  const unlock = generateUnlockKey();
  let ks = await KeyStore.open(join(dir, 'keys'), unlock);
  const codec = new AesGcmCodec(ks.dataKeys);
  let s = new FileRaftStorage(join(dir, 'raft'), { codec });
  await s.open();
  await s.save({ term: 1, vote: 'a', commit: 2 }, [{ term: 1, index: 1, type: 'normal', data: 'one' }, { term: 1, index: 2, type: 'normal', data: 'two' }]);
  const old = ks.dek;

  await ks.rotateDek(); // persisted first, then the codec switches
  codec.setKeys(ks.dataKeys);
  await s.save({ term: 1, vote: 'a', commit: 3 }, [{ term: 1, index: 3, type: 'normal', data: 'three' }]);
  await s.close();

  ks = await KeyStore.open(join(dir, 'keys'), unlock);
  s = new FileRaftStorage(join(dir, 'raft'), { codec: new AesGcmCodec(ks.dataKeys) });
  const st = await s.open();
  assert.deepEqual(st.entries.map((e) => e.data), ['one', 'two', 'three']);

  await ks.pruneDeks(await s.usedKeyIds());
  assert.deepEqual(ks.dataKeys.previous, [old], 'still in use: kept');
  await s.saveSnapshot({ meta: { index: 3, term: 1, conf: { voters: ['a'], removed: [] } }, data: 'state@3' });
  const used = await s.usedKeyIds();
  assert.deepEqual(used, new Set([keyId(ks.dek)]));
  await ks.pruneDeks(used);
  assert.deepEqual(ks.dataKeys.previous, []);
  await s.close();

  ks = await KeyStore.open(join(dir, 'keys'), unlock);
  assert.deepEqual(ks.dataKeys.previous, []);
  s = new FileRaftStorage(join(dir, 'raft'), { codec: new AesGcmCodec(ks.dataKeys) });
  assert.equal((await s.open()).snapshot?.data, 'state@3');
  await s.close();
});
