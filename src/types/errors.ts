// Errors are values with an HTTP status and Docker's message text.
export class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
    this.name = 'ApiError';
  }
}

export const badRequest = (msg: string) => new ApiError(400, msg);
export const notFound = (msg: string) => new ApiError(404, msg);
export const conflict = (msg: string) => new ApiError(409, msg);
export const internal = (msg: string) => new ApiError(500, msg);
/** Not a manager / no leader / swarm not initialized. */
export const unavailable = (msg: string) => new ApiError(503, msg);
export const notImplemented = (msg: string) => new ApiError(501, msg);

export const NOT_A_SWARM_MANAGER =
  'This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again.';

export const WORKER_NOT_MANAGER =
  "This node is not a swarm manager. Worker nodes can't be used to view or modify cluster state. Please run this command on a manager node or promote the current node to a manager.";

export function isApiError(e: unknown): e is ApiError {
  return e instanceof ApiError;
}
