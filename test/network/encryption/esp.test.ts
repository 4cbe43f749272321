import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inNetns } from '../../helpers/netns-hosts.js';
import { ESP_ICV, open, outbound, saFor, seal, spiFor, spiOf } from '../../../src/network/encryption/esp.js';
import { rulesText } from '../../../src/network/encryption/esp-rules.js';

// ESP with rfc4106(gcm(aes)) as tswarm's userspace endpoint writes and reads it.

test('a sealed datagram opens with the same SA only, padded to 4 bytes, with SPI and sequence in clear', () => {
  const key = randomBytes(16);
  const tx = outbound(saFor('10.82.0.1', '10.82.0.2', 7, key));
  const rx = saFor('10.82.0.1', '10.82.0.2', 7, key);
  for (const len of [0, 1, 2, 3, 4, 57, 1400]) {
    const data = randomBytes(len);
    const p = seal(tx, data);
    assert.equal((p.length - 8 - 8 - ESP_ICV) % 4, 0, 'ciphertext with its trailer is a multiple of 4');
    assert.equal(spiOf(p), rx.spi);
    assert.equal(p.readUInt32BE(4), tx.seq);
    const got = open(rx, p);
    assert.ok(got);
    assert.deepEqual(got.payload, data);
    assert.equal(got.nextHeader, 17);
    assert.equal(p.includes(data) && len > 8, false, 'the data is not in clear');
  }
  assert.equal(tx.seq, 7, 'one sequence number per packet');
  const p = seal(tx, Buffer.from('hello'));
  assert.notDeepEqual(seal(tx, Buffer.from('hello')).subarray(16), p.subarray(16), 'a new IV per packet');
  assert.equal(open(saFor('10.82.0.1', '10.82.0.2', 7, randomBytes(16)), p), undefined, 'another key does not open it');
  const tampered = Buffer.from(p);
  tampered[20] ^= 1;
  assert.equal(open(rx, tampered), undefined, 'a changed byte fails authentication');
  const reseq = Buffer.from(p);
  reseq.writeUInt32BE(999, 4);
  assert.equal(open(rx, reseq), undefined, 'the header is authenticated too');
});

test('SPIs are per direction and per key, and the same on both hosts', () => {
  assert.equal(spiFor('10.82.0.1', '10.82.0.2', 1), spiFor('10.82.0.1', '10.82.0.2', 1));
  assert.notEqual(spiFor('10.82.0.1', '10.82.0.2', 1), spiFor('10.82.0.2', '10.82.0.1', 1));
  assert.notEqual(spiFor('10.82.0.1', '10.82.0.2', 1), spiFor('10.82.0.1', '10.82.0.2', 2));
  assert.ok(spiFor('10.82.0.1', '10.82.0.2', 1) >= 256);
});

test('the nftables rules send only the encrypted VNIs to the ESP endpoint and drop them in clear from other hosts', () => {
  const t = rulesText('10.82.0.1', 41000, [4097, 4099]);
  assert.match(t, /ip daddr != 10\.82\.0\.1 udp dport 4789 @th,96,24 \{ 4097, 4099 \} dnat to 10\.82\.0\.1:41000/);
  assert.match(t, /ip saddr != 10\.82\.0\.1 udp dport 4789 @th,96,24 \{ 4097, 4099 \} drop/);
  assert.match(t, /vxlan_guard \{\n\s+type filter hook output priority 0;.*\n\s+ip daddr != 10\.82\.0\.1 udp dport 4789 @th,96,24 \{ 4097, 4099 \} drop/);
  assert.match(t, /^delete table ip tswarm_esp_10_82_0_1$/m);
});

test('in the kernel: an encrypted VNI\'s datagram that would leave in clear (not tracked, so not turned to the endpoint) is dropped', async (t) => {
  // A namespace of its own: this host's address, a link towards another host, the rules, and a stale notrack of every VXLAN datagram.
  const dir = await mkdtemp(join(tmpdir(), 'tswarm-esp-guard-'));
  const ns = join(dir, 'ns');
  t.after(async () => { await inNetns(undefined, ['umount', ns]); await rm(dir, { recursive: true, force: true }); });
  await writeFile(ns, '');
  assert.equal((await inNetns(undefined, ['unshare', `--net=${ns}`, 'true'])).code, 0);
  const setup = await inNetns(ns, ['sh', '-c', 'ip link set lo up && ip link add d0 type veth peer name d1 && ip addr add 10.82.0.1/24 dev d0 && ip link set d0 up && ip link set d1 up']);
  assert.equal(setup.code, 0, setup.stderr);
  const nft = (text: string) => inNetns(ns, ['nft', text]);
  assert.equal((await inNetns(ns, ['sh', '-c', `printf '%s' '${rulesText('10.82.0.1', 41000, [4097]).replace(/'/g, '')}' | nft -f -`])).code, 0);
  assert.equal((await nft('add table ip stale; add chain ip stale out { type filter hook output priority raw; }; add rule ip stale out udp dport 4789 notrack')).code, 0);
  // One VXLAN datagram to another host's port 4789 per VNI: 4097 is encrypted here, 4098 is not.
  const send = (vni: number) => inNetns(ns, [process.execPath, '-e',
    `const s=require('dgram').createSocket('udp4');const b=Buffer.alloc(16);b[0]=8;b.writeUIntBE(${vni},4,3);` +
    "s.send(b,4789,'10.82.0.2',(e)=>{console.log(e?e.code:'sent');s.close()})"]);
  assert.equal((await send(4097)).stdout.trim(), 'EPERM', 'dropped on the way out, never in clear');
  assert.equal((await send(4098)).stdout.trim(), 'sent');
});
