import type { DaemonBackend } from './backend.js';
import type { ApiRequest, Reply } from './http.js';

/**
 * What a route is, which decides where it runs:
 * - `cluster-write`: changes cluster state; a follower forwards it to the leader (a typed RPC);
 * - `cluster-read`: reads cluster state after a ReadIndex barrier (linearizable on any manager);
 * - `node`: this node's own business (membership, version, info), never forwarded.
 * Paths in no route go to the local engine (containers, images, …), see server.ts.
 */
export type RouteKind = 'cluster-write' | 'cluster-read' | 'node';

export interface Route {
  method: string;
  pattern: RegExp;
  kind: RouteKind;
  /**
   * When the request decides where it runs (/networks: swarm-scoped ones are
   * the cluster's, local ones the engine's): its kind, or 'engine' to forward
   * it to the local engine as a path of no route.
   */
  kindOf?(req: ApiRequest, b: DaemonBackend): Promise<RouteKind | 'engine'>;
  run(req: ApiRequest, b: DaemonBackend): Promise<Reply> | Reply;
}
