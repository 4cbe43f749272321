import { isIP } from 'node:net';
import { RESOLVER_ADDRESS } from './ns-sockets.js';

/** What a task's resolv.conf has, as Docker's sandbox.rebuildDNS makes it for a container with the embedded resolver. */
export interface TaskDnsConfig {
  /** 127.0.0.11 first (IPv6 nameservers of the host follow: the resolver does not forward IPv6). */
  nameservers: string[];
  search: string[];
  /** The host's options, plus `ndots:0` unless the host sets ndots (service names before search domains). */
  options: string[];
}

export function taskDnsConfig(hostResolvConf: string): TaskDnsConfig {
  const search: string[] = [];
  const options: string[] = [];
  const v6: string[] = [];
  for (const line of hostResolvConf.split('\n')) {
    const [key, ...rest] = line.trim().split(/\s+/);
    if (key === 'search' || key === 'domain') search.splice(0, search.length, ...rest);
    else if (key === 'options') options.push(...rest);
    else if (key === 'nameserver' && rest[0] && isIP(rest[0].replace(/%.*$/, '')) === 6) v6.push(rest[0]);
  }
  if (!options.some((o) => o.startsWith('ndots:'))) options.push('ndots:0');
  return { nameservers: [RESOLVER_ADDRESS, ...v6], search: search.filter((s) => s !== '.'), options };
}

/** The resolv.conf text of a task (process executor: the file its mount namespace shows at /etc/resolv.conf). */
export function taskResolvConf(hostResolvConf: string): string {
  const c = taskDnsConfig(hostResolvConf);
  const lines: string[] = [];
  if (c.search.length) lines.push(`search ${c.search.join(' ')}`);
  for (const ns of c.nameservers) lines.push(`nameserver ${ns}`);
  if (c.options.length) lines.push(`options ${c.options.join(' ')}`);
  return lines.join('\n') + '\n';
}

/**
 * The HostConfig fields that give a Docker container that resolv.conf
 * (docker executor, a container on network mode `none` whose namespace the
 * overlay joins): Docker writes Dns, DnsSearch and DnsOptions into it as given.
 */
export function taskDnsHostConfig(hostResolvConf: string): { Dns: string[]; DnsSearch: string[]; DnsOptions: string[] } {
  const c = taskDnsConfig(hostResolvConf);
  return { Dns: c.nameservers, DnsSearch: c.search, DnsOptions: c.options };
}
