import type { NetworkPeer, NetworkServiceView, NetworkTaskView, NetworkView, NetworkViewDelta } from '../../types/network-view.js';

const taskKey = (t: NetworkTaskView) => `${t.Name ?? ''} ${t.Addr}`;

/**
 * The view a delta makes of the view it was computed from (a new object: the
 * old one is left as it was), or undefined when `view` is not the version the
 * delta applies to (a message was missed: the node needs the whole view).
 */
export function applyViewDelta(view: NetworkView | undefined, d: NetworkViewDelta): NetworkView | undefined {
  if (!view || view.NetworkID !== d.NetworkID || view.Version !== d.BaseVersion) return undefined;

  const peers = new Map<string, NetworkPeer>(view.Peers.map((p) => [p.NodeID, p]));
  for (const id of d.RemovedPeers ?? []) peers.delete(id);
  for (const p of d.Peers ?? []) {
    const addrs = new Set(peers.get(p.NodeID)?.Addresses ?? []);
    for (const a of p.Removed ?? []) addrs.delete(a);
    for (const a of p.Added ?? []) addrs.add(a);
    peers.set(p.NodeID, { NodeID: p.NodeID, Addr: p.Addr, Addresses: [...addrs], ...(p.IngressAddr ? { IngressAddr: p.IngressAddr } : {}) });
  }

  const services = new Map<string, NetworkServiceView>(view.Services.map((s) => [s.ServiceID, s]));
  for (const id of d.RemovedServices ?? []) services.delete(id);
  for (const s of d.Services ?? []) {
    const tasks = new Map((services.get(s.ServiceID)?.Tasks ?? []).map((t) => [taskKey(t), t]));
    for (const t of s.RemovedTasks ?? []) tasks.delete(taskKey(t));
    for (const t of s.AddedTasks ?? []) tasks.set(taskKey(t), t);
    const { AddedTasks: _added, RemovedTasks: _removed, ...rest } = s;
    services.set(s.ServiceID, { ...rest, Tasks: [...tasks.values()] });
  }

  const containers = new Map((view.Containers ?? []).map((c) => [c.ContainerID, c]));
  for (const id of d.RemovedContainers ?? []) containers.delete(id);
  for (const c of d.Containers ?? []) containers.set(c.ContainerID, c);

  const { Containers: _c, ...head } = view;
  return { ...head, Peers: [...peers.values()], Services: [...services.values()], ...(containers.size ? { Containers: [...containers.values()] } : {}), Version: d.Version };
}
