import type { NetworkPeerDelta, NetworkServiceDelta, NetworkServiceView, NetworkTaskView, NetworkView, NetworkViewDelta } from '../../types/network-view.js';

/** What a view says of the network itself: a change of any of it goes as a whole view. */
const header = (v: NetworkView) => JSON.stringify([v.NetworkID, v.Name, v.VNI, v.Subnet, v.Gateway, v.Ingress, v.Attachable, v.Encrypted, v.MTU ?? null, v.DataPathPort ?? null]);
/** What a service entry says besides its tasks. */
const serviceHeader = (s: NetworkServiceView) => JSON.stringify([s.Name, s.EndpointMode, s.VIP ?? null, s.Aliases, s.Ports ?? null, s.KeepSourceIP ?? null]);
const taskKey = (t: NetworkTaskView) => `${t.Name ?? ''} ${t.Addr}`;

/** The entries of a view: what a delta is weighed against. */
export function viewEntries(v: NetworkView): number {
  let n = v.Peers.length + v.Services.length + (v.Containers?.length ?? 0);
  for (const p of v.Peers) n += p.Addresses.length;
  for (const s of v.Services) n += s.Tasks.length;
  return n;
}

/** The entries a delta carries (a peer, service or container entry, an address, a task). */
export function deltaEntries(d: NetworkViewDelta): number {
  let n = (d.RemovedPeers?.length ?? 0) + (d.RemovedServices?.length ?? 0) + (d.Containers?.length ?? 0) + (d.RemovedContainers?.length ?? 0);
  // A peer or service whose own fields changed but none of its addresses or tasks is one entry.
  for (const p of d.Peers ?? []) n += Math.max(1, (p.Added?.length ?? 0) + (p.Removed?.length ?? 0));
  for (const s of d.Services ?? []) n += Math.max(1, (s.AddedTasks?.length ?? 0) + (s.RemovedTasks?.length ?? 0));
  return n;
}

/** Items of `before` not in `after` and of `after` not in `before`, by key. */
function setDiff<T>(before: T[], after: T[], key: (x: T) => string): { added: T[]; removed: T[] } {
  const b = new Map(before.map((x) => [key(x), x]));
  const a = new Map(after.map((x) => [key(x), x]));
  return { added: [...a].filter(([k]) => !b.has(k)).map(([, x]) => x), removed: [...b].filter(([k]) => !a.has(k)).map(([, x]) => x) };
}

/**
 * The changes that turn view `from` into view `to` (both of one network), or
 * undefined when the whole view is the better message: the network itself
 * changed (name, VNI, subnet…) or the delta carries as many entries as the
 * view (a network emptied or filled at once). A delta of no entries: the
 * views say the same (nothing to send).
 */
export function diffViews(from: NetworkView, to: NetworkView): NetworkViewDelta | undefined {
  if (from.Version === undefined || to.Version === undefined || header(from) !== header(to)) return undefined;
  const d: NetworkViewDelta = { NetworkID: to.NetworkID, BaseVersion: from.Version, Version: to.Version };

  const peersBefore = new Map(from.Peers.map((p) => [p.NodeID, p]));
  const peers: NetworkPeerDelta[] = [];
  for (const p of to.Peers) {
    const old = peersBefore.get(p.NodeID);
    peersBefore.delete(p.NodeID);
    const { added, removed } = setDiff(old?.Addresses ?? [], p.Addresses, (a) => a);
    if (old && old.Addr === p.Addr && old.IngressAddr === p.IngressAddr && !added.length && !removed.length) continue;
    peers.push({ NodeID: p.NodeID, Addr: p.Addr, ...(p.IngressAddr ? { IngressAddr: p.IngressAddr } : {}), ...(added.length ? { Added: added } : {}), ...(removed.length ? { Removed: removed } : {}) });
  }
  if (peers.length) d.Peers = peers;
  if (peersBefore.size) d.RemovedPeers = [...peersBefore.keys()];

  const svcBefore = new Map(from.Services.map((s) => [s.ServiceID, s]));
  const services: NetworkServiceDelta[] = [];
  for (const s of to.Services) {
    const old = svcBefore.get(s.ServiceID);
    svcBefore.delete(s.ServiceID);
    const { added, removed } = setDiff(old?.Tasks ?? [], s.Tasks, taskKey);
    if (old && serviceHeader(old) === serviceHeader(s) && !added.length && !removed.length) continue;
    const { Tasks: _tasks, ...rest } = s;
    services.push({ ...rest, ...(added.length ? { AddedTasks: added } : {}), ...(removed.length ? { RemovedTasks: removed } : {}) });
  }
  if (services.length) d.Services = services;
  if (svcBefore.size) d.RemovedServices = [...svcBefore.keys()];

  const ctrBefore = new Map((from.Containers ?? []).map((c) => [c.ContainerID, JSON.stringify(c)]));
  const containers = (to.Containers ?? []).filter((c) => ctrBefore.get(c.ContainerID) !== JSON.stringify(c));
  for (const c of to.Containers ?? []) ctrBefore.delete(c.ContainerID);
  if (containers.length) d.Containers = containers;
  if (ctrBefore.size) d.RemovedContainers = [...ctrBefore.keys()];

  const n = deltaEntries(d);
  return n === 0 || n < viewEntries(to) ? d : undefined;
}
