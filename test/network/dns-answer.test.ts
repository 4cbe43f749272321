import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as packet from 'dns-packet';
import type { DecodedPacket, RecordType } from 'dns-packet';
import { answerQuery, encodeWithin, udpLimit } from '../../src/network/dns/answer.js';
import { HostResolvers, parseNameservers } from '../../src/network/dns/forward.js';
import { lookupName, reverseToIPv4 } from '../../src/network/dns/lookup.js';
import { networkRecords } from '../../src/network/dns/records.js';
import { taskDnsHostConfig, taskResolvConf } from '../../src/network/dns/resolv-conf.js';
import type { NetworkView } from '../../src/types/network-view.js';

function view(name: string, services: NetworkView['Services'], ingress = false): NetworkView {
  return { NetworkID: `${name}id`, Name: name, VNI: 4096, Subnet: '10.0.9.0/24', Gateway: '10.0.9.1', Ingress: ingress, Attachable: false, Encrypted: false, Peers: [], Services: services };
}
const t = (name: string, addr: string) => ({ TaskID: name.split('.')[2], Name: name, NodeID: 'n1', Addr: addr });
const net1 = networkRecords(view('front', [
  { ServiceID: 's1', Name: 'Web', EndpointMode: 'vip', VIP: '10.0.9.2', Aliases: ['www'], Tasks: [t('Web.1.aaa', '10.0.9.5'), t('Web.2.bbb', '10.0.9.6')] },
  { ServiceID: 's2', Name: 'db', EndpointMode: 'dnsrr', Aliases: ['store'], Tasks: [t('db.1.ccc', '10.0.9.7'), t('db.2.ddd', '10.0.9.8')] },
  { ServiceID: 's3', Name: 'idle', EndpointMode: 'vip', VIP: '10.0.9.3', Aliases: [], Tasks: [] },
]));
const net2 = networkRecords(view('back', [
  { ServiceID: 's4', Name: 'web', EndpointMode: 'vip', VIP: '10.0.10.2', Aliases: [], Tasks: [t('web.1.eee', '10.0.10.5')] },
  { ServiceID: 's5', Name: 'cache', EndpointMode: 'vip', VIP: '10.0.10.3', Aliases: [], Tasks: [t('cache.1.fff', '10.0.10.6')] },
]));

const query = (name: string, type: RecordType, extra: Partial<DecodedPacket> = {}): DecodedPacket =>
  packet.decode(packet.encode({ type: 'query', id: 7, flags: packet.RECURSION_DESIRED, questions: [{ type, name }], ...extra }));

test('names as libnetwork records them: VIP or task IPs, tasks.<name>, aliases, full task names, no service without tasks', () => {
  assert.deepEqual(lookupName('web', [net1]), ['10.0.9.2']);
  assert.deepEqual(lookupName('WEB.', [net1]), ['10.0.9.2']);
  assert.deepEqual(lookupName('www', [net1]), ['10.0.9.2']);
  assert.deepEqual(lookupName('tasks.web', [net1]), ['10.0.9.5', '10.0.9.6']);
  assert.deepEqual(lookupName('tasks.www', [net1]), ['10.0.9.5', '10.0.9.6']);
  assert.deepEqual(lookupName('db', [net1]), ['10.0.9.7', '10.0.9.8']);
  assert.deepEqual(lookupName('store', [net1]), ['10.0.9.7', '10.0.9.8']);
  assert.deepEqual(lookupName('web.1.aaa', [net1]), ['10.0.9.5']);
  assert.equal(lookupName('web.1', [net1]), undefined);
  assert.equal(lookupName('idle', [net1]), undefined);
  assert.equal(lookupName('tasks.idle', [net1]), undefined);
  assert.equal(lookupName('cache', [net1]), undefined);
});

test('the first network of the task that knows a name answers; <name>.<network> asks that network only', () => {
  assert.deepEqual(lookupName('web', [net1, net2]), ['10.0.9.2']);
  assert.deepEqual(lookupName('web', [net2, net1]), ['10.0.10.2']);
  assert.deepEqual(lookupName('web.back', [net1, net2]), ['10.0.10.2']);
  assert.deepEqual(lookupName('tasks.web.back', [net1, net2]), ['10.0.10.5']);
  assert.deepEqual(lookupName('web.1.aaa.front', [net2, net1]), ['10.0.9.5']);
  assert.equal(lookupName('web.Back', [net1, net2]), undefined, 'network names are compared with case');
  assert.equal(lookupName('web.nowhere', [net1, net2]), undefined);
  assert.deepEqual(lookupName('cache', [net1, net2]), ['10.0.10.3']);
});

test('the ingress network answers no names', () => {
  const ing = networkRecords(view('ingress', [{ ServiceID: 's', Name: 'pub', EndpointMode: 'vip', VIP: '10.0.0.2', Aliases: [], Tasks: [t('pub.1.x', '10.0.0.5')] }], true));
  assert.equal(lookupName('pub', [ing]), undefined);
  assert.equal(ing.ptr.size, 0);
});

test('answers: A with TTL 600 and RA set, empty AAAA/MX for our names, PTR of task addresses only, others forwarded', () => {
  const a = answerQuery(query('tasks.web', 'A'), [net1])!;
  assert.equal(a.id, 7);
  assert.equal(a.flags! & packet.RECURSION_AVAILABLE, packet.RECURSION_AVAILABLE);
  assert.equal(a.flags! & packet.RECURSION_DESIRED, packet.RECURSION_DESIRED);
  assert.equal(a.flags! & packet.AUTHORITATIVE_ANSWER, 0);
  assert.deepEqual(a.answers!.map((x) => [x.type, x.name, (x as { ttl: number }).ttl]), [['A', 'tasks.web', 600], ['A', 'tasks.web', 600]]);
  assert.deepEqual(a.answers!.map((x) => (x as { data: string }).data).sort(), ['10.0.9.5', '10.0.9.6']);

  for (const type of ['AAAA', 'MX'] as const) {
    const r = answerQuery(query('web', type), [net1])!;
    assert.deepEqual(r.answers, []);
    assert.equal(r.flags! & 0xf, 0);
  }
  assert.equal(answerQuery(query('example.org', 'A'), [net1]), undefined);
  assert.equal(answerQuery(query('example.org', 'AAAA'), [net1]), undefined);
  assert.equal(answerQuery(query('web', 'TXT'), [net1]), undefined);

  const ptr = answerQuery(query('6.9.0.10.in-addr.arpa', 'PTR'), [net1])!;
  assert.deepEqual(ptr.answers!.map((x) => [x.type, (x as { data: string }).data, (x as { ttl: number }).ttl]), [['PTR', 'Web.2.bbb.front', 600]]);
  assert.equal(answerQuery(query('2.9.0.10.in-addr.arpa', 'PTR'), [net1]), undefined, 'a VIP has no PTR in Docker');
  assert.equal(reverseToIPv4('1.2.3.256.in-addr.arpa'), undefined);
  assert.equal(reverseToIPv4('4.3.2.1.in-addr.arpa.'), '1.2.3.4');
});

test('an answer too big for UDP is cut to fit and marked truncated; EDNS raises the limit', () => {
  const many = networkRecords(view('big', [{ ServiceID: 's', Name: 'many', EndpointMode: 'dnsrr', Aliases: [],
    Tasks: Array.from({ length: 100 }, (_, i) => t(`many.${i}.t${i}`, `10.0.${Math.floor(i / 200)}.${i + 2}`)) }]));
  const q = query('tasks.many', 'A');
  const r = answerQuery(q, [many])!;
  const udp = packet.decode(encodeWithin(r, 512, true));
  assert.ok(udp.flag_tc);
  assert.ok(packet.encode(udp).length <= 512 && udp.answers!.length >= 15, `${udp.answers!.length}`);
  const tcp = packet.decode(encodeWithin(r, 65535, false));
  assert.equal(tcp.answers!.length, 100);
  assert.equal(tcp.flag_tc, false);
  const edns = query('tasks.many', 'A', { additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 4096, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] }] });
  assert.equal(udpLimit(edns), 4096);
  assert.equal(udpLimit(query('x', 'A', { additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 100, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] }] })), 512);
  assert.equal(packet.decode(encodeWithin(r, udpLimit(edns), true)).answers!.length, 100);
});

test('host resolvers come from resolv.conf (three at most) and are read again when it changes', async () => {
  assert.deepEqual(parseNameservers('# x\nnameserver 10.0.0.1\nnameserver  fe80::1%eth0\nnameserver bogus\nnameserver 1.1.1.1\nnameserver 8.8.8.8\n'),
    [{ host: '10.0.0.1', port: 53 }, { host: 'fe80::1', port: 53 }, { host: '1.1.1.1', port: 53 }]);
  const dir = await mkdtemp(join(tmpdir(), 'tswd-rc-'));
  try {
    const file = join(dir, 'resolv.conf');
    await writeFile(file, 'nameserver 10.1.1.1\n');
    const h = new HostResolvers(file);
    assert.deepEqual(h.get(), [{ host: '10.1.1.1', port: 53 }]);
    await writeFile(file, 'nameserver 10.2.2.2\nnameserver 10.3.3.3\n');
    const { utimes } = await import('node:fs/promises');
    await utimes(file, new Date(), new Date(Date.now() + 5000));
    assert.deepEqual(h.get().map((u) => u.host), ['10.2.2.2', '10.3.3.3']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("a task's resolv.conf as Docker writes it: search kept, 127.0.0.11, ndots:0 unless the host sets ndots", () => {
  assert.equal(taskResolvConf('nameserver 10.255.255.53\nsearch a.example b.example\noptions edns0\n'),
    'search a.example b.example\nnameserver 127.0.0.11\noptions edns0 ndots:0\n');
  assert.equal(taskResolvConf('nameserver 127.0.0.53\noptions ndots:2\n'), 'nameserver 127.0.0.11\noptions ndots:2\n');
  assert.deepEqual(taskDnsHostConfig('nameserver 10.0.0.1\nnameserver 2001:db8::1\n'),
    { Dns: ['127.0.0.11', '2001:db8::1'], DnsSearch: [], DnsOptions: ['ndots:0'] });
});

test('plain containers on the network (docker run --network): their name, aliases and short ID, name.<network>, PTR to <name>.<network>', () => {
  const v = { ...view('anet', []), Containers: [{ ContainerID: '46e89b871322abcd', Name: 'pc1', Aliases: ['foo', '46e89b871322'], NodeID: 'n2', Addr: '10.0.9.20' }] };
  const recs = networkRecords(v);
  assert.deepEqual(lookupName('pc1', [recs]), ['10.0.9.20']);
  assert.deepEqual(lookupName('FOO', [recs]), ['10.0.9.20']);
  assert.deepEqual(lookupName('46e89b871322', [recs]), ['10.0.9.20']);
  assert.deepEqual(lookupName('pc1.anet', [recs]), ['10.0.9.20']);
  assert.equal(lookupName('pc1.other', [recs]), undefined);
  assert.equal(recs.ptr.get('10.0.9.20'), 'pc1.anet');
  // Gone from the view (stopped, disconnected): gone from DNS.
  assert.equal(lookupName('pc1', [networkRecords(view('anet', []))]), undefined);
});
