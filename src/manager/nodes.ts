import type { Node, NodeDescription } from '../types/objects.js';

/** A manager's node object, as the leader records it when it joins (or founds) the swarm. */
export function newManagerNode(nodeId: string, addr: string, description: NodeDescription | undefined, availability: 'active' | 'pause' | 'drain' = 'active'): Node {
  return {
    ID: nodeId, Version: { Index: 0 }, CreatedAt: '', UpdatedAt: '',
    Spec: { Labels: {}, Role: 'manager', Availability: availability },
    Description: description,
    Status: { State: 'unknown', Addr: addr.split(':')[0] },
    ManagerStatus: { Leader: false, Reachability: 'reachable', Addr: addr },
  } as Node;
}

/** A worker's node object, recorded when it joins; it is ready once its agent registers. */
export function newWorkerNode(nodeId: string, addr: string, description: NodeDescription | undefined): Node {
  return {
    ID: nodeId, Version: { Index: 0 }, CreatedAt: '', UpdatedAt: '',
    Spec: { Labels: {}, Role: 'worker', Availability: 'active' },
    Description: description,
    Status: { State: 'unknown', Addr: addr.split(':')[0] },
  } as Node;
}

/** The node without its Raft membership status (demoted, or not yet in Raft). */
export function withoutManagerStatus(n: Node): Node {
  const { ManagerStatus: _none, ...rest } = n;
  return rest as Node;
}
