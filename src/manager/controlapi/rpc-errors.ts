import { ApiError } from '../../types/errors.js';

/** Docker relays swarmkit's gRPC errors as "rpc error: code = X desc = …" with these statuses. */
const STATUS = { InvalidArgument: 400, NotFound: 404, AlreadyExists: 409, Unknown: 500, Unimplemented: 501, FailedPrecondition: 500 } as const;

export function rpcError(code: keyof typeof STATUS, desc: string): ApiError {
  return new ApiError(STATUS[code], `rpc error: code = ${code} desc = ${desc}`);
}
