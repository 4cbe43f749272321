import type { NetworkView } from '../../types/network-view.js';

/**
 * The names one network answers, as libnetwork's service records
 * (service_common.go addEndpointNameResolution): per service
 * `tasks.<name>` and `tasks.<alias>` → the task addresses; `<name>` and each
 * alias → the VIP (endpoint mode vip) or the task addresses (dnsrr); each
 * task's full name `<service>.<slot>.<task id>` → its address, and that
 * address → `<task name>.<network name>` for PTR; a plain container's name
 * and aliases → its address (PTR `<name>.<network>`). A service without a
 * running task has no records at all (Docker removes the service binding
 * with its last endpoint). The ingress network answers nothing: it is for
 * routing only.
 */
export interface NetworkRecords {
  networkId: string;
  /** The network's name: `<name>.<network>` asks this network only. */
  network: string;
  /** Lower-case name → IPv4 addresses, without duplicates. */
  names: Map<string, string[]>;
  /** IPv4 address → PTR target without the trailing dot. */
  ptr: Map<string, string>;
}

export function networkRecords(view: NetworkView): NetworkRecords {
  const names = new Map<string, string[]>();
  const ptr = new Map<string, string>();
  const add = (name: string, ips: string[]) => {
    const key = name.toLowerCase();
    const have = names.get(key) ?? [];
    for (const ip of ips) if (!have.includes(ip)) have.push(ip);
    names.set(key, have);
  };
  if (!view.Ingress) {
    for (const svc of view.Services) {
      const ips = svc.Tasks.map((t) => t.Addr);
      if (ips.length === 0) continue;
      const aliases = svc.Aliases ?? [];
      add(`tasks.${svc.Name}`, ips);
      for (const a of aliases) add(`tasks.${a}`, ips);
      const front = svc.EndpointMode === 'vip' && svc.VIP ? [svc.VIP] : ips;
      add(svc.Name, front);
      for (const a of aliases) add(a, front);
      for (const t of svc.Tasks) {
        if (!t.Name) continue;
        add(t.Name, [t.Addr]);
        if (!ptr.has(t.Addr)) ptr.set(t.Addr, `${t.Name}.${view.Name}`);
      }
    }
    // Plain containers (docker run --network): their name and aliases (the short ID among them), as Docker's.
    for (const c of view.Containers ?? []) {
      if (c.Name) add(c.Name, [c.Addr]);
      for (const a of c.Aliases) add(a, [c.Addr]);
      if (c.Name && !ptr.has(c.Addr)) ptr.set(c.Addr, `${c.Name}.${view.Name}`);
    }
  }
  return { networkId: view.NetworkID, network: view.Name, names, ptr };
}
