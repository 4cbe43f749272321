import * as grpc from '@grpc/grpc-js';
import { logger } from '../log.js';
import { call, clusterClient, serverStream } from '../raft/transport/rpc.js';
import {
  DISPATCHER_RPC, LEADER_HINT, type AssignmentsHandler, type AssignmentsMessage, type DispatcherAPI, type HeartbeatResponse,
  type RegisterRequest, type RegisterResponse, type TaskStatusUpdate,
  type AttachNetworkRequest, type AttachNetworkResponse, type DetachNetworkRequest,
} from '../types/dispatcher.js';

const log = logger('remote-dispatcher');
const CALL_TIMEOUT_MS = 10_000;

export interface RemoteDispatcherOptions {
  /** Managers' cluster addresses to try, in order (a manager's own first). */
  managers: string[];
  credentials(): grpc.ChannelCredentials;
  /** Told whenever a manager hands over the current list of managers. */
  onManagers?(addrs: string[]): void;
}

/**
 * The dispatcher of the leading manager, reached over the cluster port. The
 * agent registers with whichever manager answers; a follower names the
 * leader and the next attempt goes there. The session's later calls go to
 * the manager that registered it; when that fails the agent re-registers.
 */
export class RemoteDispatcher implements DispatcherAPI {
  private managers: string[];
  private clients = new Map<string, grpc.Client>();
  private sessionAddr?: string;
  private leaderHint?: string;

  constructor(private o: RemoteDispatcherOptions) {
    this.managers = [...o.managers];
  }

  async register(req: RegisterRequest): Promise<RegisterResponse> {
    let lastErr: unknown = new Error('no manager to register with');
    for (let attempt = 0; attempt < this.managers.length + 2; attempt++) {
      const addr = this.leaderHint ?? this.managers[attempt % Math.max(1, this.managers.length)];
      this.leaderHint = undefined;
      if (!addr) break;
      try {
        const res = await call<RegisterRequest, RegisterResponse>(this.client(addr), DISPATCHER_RPC.register, req, CALL_TIMEOUT_MS);
        this.sessionAddr = addr;
        if (res.managers?.length) this.setManagers(res.managers, addr);
        return res;
      } catch (err) {
        lastErr = err;
        const hint = (err as grpc.ServiceError).metadata?.get(LEADER_HINT)[0];
        if (hint) this.leaderHint = String(hint);
        log.debug({ addr, err: (err as Error).message }, 'registration attempt failed');
      }
    }
    throw lastErr;
  }

  heartbeat(sessionId: string): Promise<HeartbeatResponse> {
    return call(this.sessionClient(), DISPATCHER_RPC.heartbeat, { sessionId }, CALL_TIMEOUT_MS);
  }

  async updateTaskStatus(sessionId: string, updates: TaskStatusUpdate[]): Promise<void> {
    await call(this.sessionClient(), DISPATCHER_RPC.updateTaskStatus, { sessionId, updates }, CALL_TIMEOUT_MS);
  }

  /** A plain container's address on an attachable swarm network (`docker run --network`), from the leader. */
  attachNetwork(req: AttachNetworkRequest): Promise<AttachNetworkResponse> {
    return call(this.sessionClient(), DISPATCHER_RPC.attachNetwork, req, CALL_TIMEOUT_MS);
  }

  async detachNetwork(req: DetachNetworkRequest): Promise<void> {
    await call(this.sessionClient(), DISPATCHER_RPC.detachNetwork, req, CALL_TIMEOUT_MS);
  }

  assignments(sessionId: string, handler: AssignmentsHandler): { close(): void } {
    const def = serverStream(DISPATCHER_RPC.assignments);
    const stream = this.sessionClient().makeServerStreamRequest(DISPATCHER_RPC.assignments, def.requestSerialize, def.responseDeserialize, { sessionId });
    let ended = false;
    const end = (err?: Error) => { if (!ended) { ended = true; handler.onClose(err); } };
    stream.on('data', (m: AssignmentsMessage) => handler.onMessage(m));
    stream.on('error', (err: Error) => end(err));
    stream.on('end', () => end(new Error('assignments stream ended')));
    return { close: () => { ended = true; stream.cancel(); } };
  }

  /** New credentials (a renewed certificate, a new root): later calls use fresh channels. */
  resetConnections(): void {
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }

  close(): void {
    this.resetConnections();
  }

  private setManagers(addrs: string[], current: string) {
    // The manager that answered stays first: it is the leader.
    this.managers = [current, ...addrs.filter((a) => a !== current)];
    this.o.onManagers?.(this.managers);
  }

  /** The channel to the manager holding the session: log subscriptions ride on it too. */
  sessionChannel(): grpc.Client {
    return this.sessionClient();
  }

  private sessionClient(): grpc.Client {
    if (!this.sessionAddr) throw new Error('no session');
    return this.client(this.sessionAddr);
  }

  private client(addr: string): grpc.Client {
    let c = this.clients.get(addr);
    if (!c) {
      c = clusterClient(addr, this.o.credentials());
      this.clients.set(addr, c);
    }
    return c;
  }
}
