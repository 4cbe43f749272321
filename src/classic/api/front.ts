import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Cluster } from '../cluster.js';
import type { Engine } from '../pool/engine.js';
import type { Pool } from '../pool/pool.js';

/** One request as the front's handlers see it. */
export interface FrontRequest {
  req: IncomingMessage;
  res: ServerResponse;
  method: string;
  /** The path without its /vX.Y prefix. */
  path: string;
  /** The /vX.Y prefix as the client sent it ('' without). */
  version: string;
  query: URLSearchParams;
  params: string[];
}

/** What every handler of the front reaches. */
export interface Front {
  pool: Pool;
  cluster: Cluster;
  /** Classic's SystemStatus pairs: Role (and Primary), then the cluster's Strategy, Filters, Nodes and engine blocks. */
  status(): [string, string][];
  /** Exec IDs → the engine that made them. */
  execs: Map<string, Engine>;
}

export type Handler = (f: Front, r: FrontRequest) => Promise<void> | void;

/** A hijacked (upgraded) request: attach, exec start. */
export type UpgradeHandler = (f: Front, r: Omit<FrontRequest, 'res'>, socket: Duplex, head: Buffer) => Promise<void> | void;
