import type * as grpc from '@grpc/grpc-js';
import type { ForwardedReply, ForwardedWrite } from '../types/forwarded.js';
import { noLeader } from '../manager/controlapi/rpc-errors.js';
import type { Manager } from '../manager/manager.js';
import { FORWARD_WRITE, clusterCall, grpcMessage } from './cluster-server.js';

export type LeaderForwarder = (w: ForwardedWrite) => Promise<ForwardedReply>;

/**
 * On a follower: cluster writes go to the leader as a typed RPC
 * (api/forwarded.ts), which runs them. Undefined on the leader and on a
 * node without a manager: they run writes themselves or refuse them.
 */
export function leaderForwarder(
  manager: Pick<Manager, 'isFollower' | 'leaderMember'> | undefined,
  credentials: () => grpc.ChannelCredentials,
): LeaderForwarder | undefined {
  if (!manager?.isFollower()) return undefined;
  return async (w) => {
    // The leader as of this write: it may have changed since the forwarder was made.
    const leader = manager.leaderMember();
    if (!leader) throw noLeader();
    try {
      return await clusterCall<ForwardedWrite, ForwardedReply>(leader.addr, credentials(), FORWARD_WRITE, w);
    } catch (err) {
      throw noLeader(grpcMessage(err));
    }
  };
}
