/**
 * A tiny DNS server standing for the host's resolver in tests (no internet
 * here): UDP and TCP on 127.0.0.1, a fixed zone, authoritative NXDOMAIN for
 * anything else. Counts the questions it got.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type AddressInfo, type Server } from 'node:net';
import * as packet from 'dns-packet';
import type { DecodedPacket, Packet } from 'dns-packet';

export interface FakeUpstream { port: number; asked: string[]; close(): Promise<void> }

export async function startFakeUpstream(zone: Record<string, string>): Promise<FakeUpstream> {
  const asked: string[] = [];
  const answer = (q: DecodedPacket): Packet => {
    const question = q.questions![0];
    asked.push(`${question.type} ${question.name}`);
    const ip = zone[question.name.toLowerCase()];
    const ok = ip && question.type === 'A';
    return {
      type: 'response', id: q.id, questions: q.questions,
      flags: packet.AUTHORITATIVE_ANSWER | packet.RECURSION_AVAILABLE | (ok || ip ? 0 : 3),
      answers: ok ? [{ type: 'A', name: question.name, ttl: 30, data: ip }] : [],
    };
  };
  const tcp: Server = createServer((c) => {
    c.on('data', (d: Buffer) => c.end(packet.streamEncode(answer(packet.streamDecode(d) as DecodedPacket))));
    c.on('error', () => c.destroy());
  });
  await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', () => r()));
  const port = (tcp.address() as AddressInfo).port;
  const udp: UdpSocket = createSocket('udp4');
  udp.on('message', (m, r) => udp.send(packet.encode(answer(packet.decode(m))), r.port, r.address));
  await new Promise<void>((r) => udp.bind(port, '127.0.0.1', () => r()));
  return {
    port, asked,
    close: async () => { udp.close(); await new Promise((r) => tcp.close(r)); },
  };
}
