import type { SwarmInfo } from '../api/backend.js';
import type { Manager } from '../manager/manager.js';
import type { SwarmState } from './swarm-state.js';

/** What the node knows of its swarm, as `docker info` and `GET /info` show it. */
export interface SwarmInfoSource {
  state?: SwarmState;
  /** The membership of a manager waiting, locked, for `swarm unlock`. */
  locked?: SwarmState;
  manager?: Pick<Manager, 'swarmSummary'>;
}

/** The Swarm section of `/info`: a manager tells the cluster; a worker, the managers it knows. */
export function swarmInfo({ state: st, locked, manager }: SwarmInfoSource): SwarmInfo {
  if (locked) {
    return { NodeID: locked.nodeId, NodeAddr: '', LocalNodeState: 'locked', ControlAvailable: false, Error: '', RemoteManagers: null };
  }
  if (!st) return { NodeID: '', NodeAddr: '', LocalNodeState: 'inactive', ControlAvailable: false, Error: '', RemoteManagers: null };
  const base = { NodeID: st.nodeId, NodeAddr: st.advertiseAddr.split(':')[0], LocalNodeState: 'active' as const, Error: '' };
  if (!manager) {
    return { ...base, ControlAvailable: false, RemoteManagers: (st.managers ?? []).map((Addr) => ({ NodeID: '', Addr })) };
  }
  const { cluster, managers, nodes } = manager.swarmSummary();
  return {
    ...base,
    ControlAvailable: true,
    RemoteManagers: managers,
    Nodes: nodes,
    Managers: managers.length,
    Cluster: cluster && {
      ID: cluster.ID, Version: cluster.Version, CreatedAt: cluster.CreatedAt, UpdatedAt: cluster.UpdatedAt,
      Spec: cluster.Spec, TLSInfo: cluster.TLSInfo ?? {}, RootRotationInProgress: cluster.RootRotationInProgress,
      DefaultAddrPool: cluster.DefaultAddrPool, SubnetSize: cluster.SubnetSize, DataPathPort: cluster.DataPathPort,
    },
  };
}
