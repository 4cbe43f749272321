import type { Clock } from '../../clock.js';
import type { MemoryStore } from '../../store/store.js';
import type { Node } from '../../types/objects.js';

/** What every resource of the control API works with. */
export interface ControlDeps {
  store: MemoryStore;
  clock: Clock;
  /** Leader and reachability are Raft's live view, not stored fields. */
  managerStatus?: (n: Node) => Node['ManagerStatus'];
  /** Whether Raft keeps a quorum without this node's member (demotion). */
  canRemoveManager?: (nodeId: string) => boolean;
}
