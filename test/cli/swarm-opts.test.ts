import { test } from 'node:test';
import assert from 'node:assert/strict';
import { goSpec, nodeAddrValue, parseCIDR, parseIPNetSlice, parseNodeAddr } from '../../src/cli/commands/swarm-opts.js';

// What the docker CLI's flag values become in the request (opts.ParseTCPAddr, net.ParseCIDR and IPNet.String,
// Go's JSON of swarm.Spec), which the side-by-side test sees only through the daemon.

test('--listen-addr: the default host and port filled in as opts.ParseTCPAddr does', () => {
  const d = '0.0.0.0:2377';
  assert.equal(parseNodeAddr('127.0.0.1', d), '127.0.0.1:2377');
  assert.equal(parseNodeAddr(':4000', d), '0.0.0.0:4000');
  assert.equal(parseNodeAddr('tcp://10.0.0.1:5', d), '10.0.0.1:5');
  assert.equal(parseNodeAddr('', d), d);
  assert.equal(parseNodeAddr('eth0', d), 'eth0:2377');
  assert.equal(parseNodeAddr('[::1]:', d), '[::1]:2377');
  assert.equal(parseNodeAddr('::1', d), '[::1]:2377');
  assert.equal(parseNodeAddr('10.0.0.1:', d), '10.0.0.1:2377');
  assert.equal(nodeAddrValue(['10.0.0.1:7000', ':8000']), '10.0.0.1:8000');
  assert.throws(() => parseNodeAddr('1.2.3.4:ab', d), { message: 'parse "tcp://1.2.3.4:ab": invalid port ":ab" after host' });
  assert.throws(() => parseNodeAddr('udp://1.2.3.4', d), { message: 'invalid proto, expected tcp: udp://1.2.3.4' });
});

test('--default-addr-pool: each CIDR as its network', () => {
  assert.equal(parseCIDR('10.20.1.7/16'), '10.20.0.0/16');
  assert.equal(parseCIDR('fd00:1:2::5/32'), 'fd00:1::/32');
  assert.equal(parseCIDR('::ffff:10.1.2.3/120'), '10.1.2.0/24');
  assert.equal(parseCIDR('10.0.0.0/33'), undefined);
  assert.equal(parseCIDR('010.0.0.0/8'), undefined);
  assert.deepEqual(parseIPNetSlice('"10.1.0.0/16", 10.2.3.0/16'), ['10.1.0.0/16', '10.2.0.0/16']);
  assert.deepEqual(parseIPNetSlice(''), []);
  assert.throws(() => parseIPNetSlice('10.1.0.0/16, x'), { message: 'invalid string being converted to CIDR:  x' });
});

test('the spec as Go marshals it: zero structs kept, omitempty fields dropped, pointers kept at zero', () => {
  assert.deepEqual(goSpec(), { Labels: null, Orchestration: {}, Raft: { ElectionTick: 0, HeartbeatTick: 0 }, Dispatcher: {}, CAConfig: {}, TaskDefaults: {}, EncryptionConfig: { AutoLockManagers: false } });
  const s = goSpec({ Name: 'default', Labels: {}, Orchestration: { TaskHistoryRetentionLimit: 0 }, Raft: { SnapshotInterval: 0, KeepOldSnapshots: 0, ElectionTick: 10, HeartbeatTick: 1 },
    Dispatcher: { HeartbeatPeriod: 5e9 }, CAConfig: { NodeCertExpiry: 0, ExternalCAs: [], ForceRotate: 2 }, EncryptionConfig: {} });
  assert.deepEqual(s, { Name: 'default', Labels: {}, Orchestration: { TaskHistoryRetentionLimit: 0 }, Raft: { KeepOldSnapshots: 0, ElectionTick: 10, HeartbeatTick: 1 },
    Dispatcher: { HeartbeatPeriod: 5e9 }, CAConfig: { ForceRotate: 2 }, TaskDefaults: {}, EncryptionConfig: { AutoLockManagers: false } });
});
