import * as packet from 'dns-packet';
import type { Answer, DecodedPacket, Packet } from 'dns-packet';
import { lookupAddress, lookupName, reverseToIPv4 } from './lookup.js';
import type { NetworkRecords } from './records.js';

/** libnetwork's respTTL: every answer of the embedded resolver lives 600 s. */
export const RESPONSE_TTL = 600;
/** A UDP answer is at most 512 bytes unless the query's EDNS record allows more (libnetwork defaultRespSize). */
export const DEFAULT_UDP_SIZE = 512;
/** The largest DNS message over TCP. */
export const MAX_TCP_SIZE = 65535;

const OPCODE_AND_RD = 0x7800 | packet.RECURSION_DESIRED;
export const RCODE_SERVFAIL = 2;

/**
 * The answer of the embedded resolver to a query, or undefined when the name
 * is not one of the task's networks' and the query goes to the host's
 * resolvers. As libnetwork's resolver.ServeDNS: only the first question
 * counts; A → the addresses (shuffled); AAAA and MX for a known name → an
 * empty NOERROR answer (the networks have no IPv6, and the query must not
 * leak outside); PTR of a task address → `<task name>.<network>.`.
 */
export function answerQuery(query: DecodedPacket, nets: readonly NetworkRecords[]): Packet | undefined {
  const q = query.questions?.[0];
  if (!q || (q.class && q.class !== 'IN')) return undefined;
  switch (q.type) {
    case 'A': {
      const ips = lookupName(q.name, nets);
      if (!ips) return undefined;
      return reply(query, shuffle(ips).map((ip): Answer => ({ type: 'A', name: q.name, ttl: RESPONSE_TTL, class: 'IN', data: ip })));
    }
    case 'AAAA':
    case 'MX':
      return lookupName(q.name, nets) ? reply(query, []) : undefined;
    case 'PTR': {
      const ip = reverseToIPv4(q.name);
      const host = ip && lookupAddress(ip, nets);
      if (!host) return undefined;
      return reply(query, [{ type: 'PTR', name: q.name, ttl: RESPONSE_TTL, class: 'IN', data: host }]);
    }
    default:
      return undefined;
  }
}

/** A reply to query with these answers and rcode (NOERROR by default), recursion available (as Docker sets it). */
export function reply(query: DecodedPacket, answers: Answer[], rcode = 0): Packet {
  return {
    type: 'response',
    id: query.id,
    flags: ((query.flags ?? 0) & OPCODE_AND_RD) | packet.RECURSION_AVAILABLE | (rcode & 0xf),
    questions: query.questions,
    answers,
  };
}

/** The largest answer the client takes over UDP: its EDNS payload size, at least 512. */
export function udpLimit(query: DecodedPacket): number {
  const opt = query.additionals?.find((a) => a.type === 'OPT');
  const size = opt && 'udpPayloadSize' in opt ? opt.udpPayloadSize : 0;
  return Math.max(DEFAULT_UDP_SIZE, size);
}

/**
 * Encodes a reply within limit bytes: answers are dropped from the end until
 * it fits, and over UDP the TC bit tells the client to ask again over TCP
 * (libnetwork truncateResp).
 */
export function encodeWithin(resp: Packet, limit: number, udp: boolean): Buffer {
  let out = packet.encode(resp);
  if (out.length <= limit) return out;
  const answers = [...(resp.answers ?? [])];
  const flags = (resp.flags ?? 0) | (udp ? packet.TRUNCATED_RESPONSE : 0);
  do {
    answers.pop();
    out = packet.encode({ ...resp, flags, answers });
  } while (out.length > limit && answers.length > 0);
  return out;
}

function shuffle<T>(xs: readonly T[]): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}
