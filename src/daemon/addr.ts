import { networkInterfaces } from 'node:os';
import { badRequest } from '../types/errors.js';

const DEFAULT_PORT = 2377;

/** "ip", "ip:port" or "iface[:port]" → "ip:port", with the listen port as the default port. */
export function resolveAddr(addr: string | undefined, fallback: string): string {
  const listenPort = Number(fallback.split(':').pop()) || DEFAULT_PORT;
  const given = addr && addr.length > 0 ? addr : undefined;
  if (!given) {
    const host = fallback.split(':')[0];
    if (host && host !== '0.0.0.0') return `${host}:${listenPort}`;
    return `${firstAddress()}:${listenPort}`;
  }
  const m = /^(.*?)(?::(\d+))?$/.exec(given)!;
  const host = m[1];
  const port = m[2] ? Number(m[2]) : listenPort;
  if (/^\d+\.\d+\.\d+\.\d+$/.test(host)) return `${host}:${port}`;
  const iface = networkInterfaces()[host];
  const v4 = iface?.find((a) => a.family === 'IPv4');
  if (!v4) throw badRequest(`advertise address must be a non-zero IP address or network interface (with optional port number)`);
  return `${v4.address}:${port}`;
}

function firstAddress(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}
