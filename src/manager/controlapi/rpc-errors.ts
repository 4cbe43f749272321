import { OUT_OF_SEQUENCE } from '../../store/store.js';
import { ApiError } from '../../types/errors.js';

/** Docker relays swarmkit's gRPC errors as "rpc error: code = X desc = …" with these statuses (checked against 20.10). */
const STATUS = { InvalidArgument: 400, NotFound: 404, AlreadyExists: 409, Unknown: 500, Unimplemented: 501, FailedPrecondition: 400, ResourceExhausted: 500, PermissionDenied: 403 } as const;

export function rpcError(code: keyof typeof STATUS, desc: string): ApiError {
  return new ApiError(STATUS[code], `rpc error: code = ${code} desc = ${desc}`);
}

export const NO_LEADER =
  "The swarm does not have a leader. It's possible that too few managers are online. Make sure more than half of the managers are online.";

/** What Docker answers when the managers have no quorum (checked against 20.10: 500, code Unknown). */
export function noLeader(detail?: string): ApiError {
  return rpcError('Unknown', detail ? `${NO_LEADER} (${detail})` : NO_LEADER);
}

/** A write built on a version that is no longer the stored one. */
export const outOfSequence = (): ApiError => rpcError('Unknown', OUT_OF_SEQUENCE);
