import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
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
  assert.match(t, /^delete table ip tswarm_esp_10_82_0_1$/m);
});
