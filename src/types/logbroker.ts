import type { LogLine } from '../executor/executor.js';

/**
 * The log broker's protocol (swarmkit's LogBroker): a manager subscribes to
 * the logs of some tasks at the leader; the leader tells each node that runs
 * them through the node's session (ListenSubscriptions); the node's agent
 * publishes their lines back (PublishLogs), and the leader hands them to the
 * subscriber. Messages are JSON over the cluster port, like the dispatcher's.
 */
export const LOGBROKER_RPC = {
  /** A manager (the API's) asks the leader for logs: a stream of SubscribeLogsMessage. */
  subscribeLogs: '/tswarm.Logs/SubscribeLogs',
  /** A node's agent learns of the subscriptions it must serve: a stream of LogSubscription. */
  listenSubscriptions: '/tswarm.Logs/ListenSubscriptions',
  /** A node's agent sends lines of one subscription (and finally its close). */
  publishLogs: '/tswarm.Logs/PublishLogs',
} as const;

/** Which tasks: those of the services, and the tasks named. */
export interface LogSelector {
  serviceIds?: string[];
  taskIds?: string[];
}

/** LogOptions as they travel (no abort signal). */
export interface LogSubscriptionOptions {
  follow?: boolean;
  tail?: number;
  /** ms since 1970 */
  since?: number;
  stdout?: boolean;
  stderr?: boolean;
}

export interface SubscribeLogsRequest {
  selector: LogSelector;
  options: LogSubscriptionOptions;
}

/** What a node is told: serve this subscription, or (close) stop serving it. */
export interface LogSubscription {
  id: string;
  selector: LogSelector;
  options: LogSubscriptionOptions;
  close?: boolean;
}

/** Whose line it is. */
export interface LogContext { nodeId: string; serviceId: string; taskId: string }

export interface PublishedLog extends LogLine { context: LogContext }

export interface PublishLogsRequest {
  sessionId: string;
  subscriptionId: string;
  messages: PublishedLog[];
  /** The node has sent everything it will for this subscription (not following). */
  close?: boolean;
}

/** To the subscriber: lines, or (last) why the stream is incomplete. */
export interface SubscribeLogsMessage {
  messages?: PublishedLog[];
  error?: string;
}

/** A log stream that ended with parts missing (swarmkit's "incomplete log stream" warning). */
export class IncompleteLogs extends Error {}
