import client from 'prom-client';

/**
 * The daemon's Prometheus metrics. The swarm ones carry the names and help
 * texts dockerd exposes for swarmkit (docker/go-metrics: a timer is a
 * histogram in seconds with Prometheus' default buckets); tswarm's own start
 * with `tswarm_`. Timers are observed where the work happens; counts of
 * objects are read from the store when scraped (collectors.ts).
 */
export const registry = new client.Registry();

const timer = (name: string, help: string) => new client.Histogram({ name, help, registers: [registry] });

export const raftTransactionLatency = timer('swarm_raft_transaction_latency_seconds', 'Raft transaction latency.');
export const raftSnapshotLatency = timer('swarm_raft_snapshot_latency_seconds', 'Raft snapshot create latency.');
export const storeReadTxLatency = timer('swarm_store_read_tx_latency_seconds', 'Raft store read tx latency.');
export const storeWriteTxLatency = timer('swarm_store_write_tx_latency_seconds', 'Raft store write tx latency.');
export const storeBatchLatency = timer('swarm_store_batch_latency_seconds', 'Raft store batch latency.');
export const schedulingDelay = timer('swarm_dispatcher_scheduling_delay_seconds', 'Scheduling delay is the time a task takes to go from NEW to RUNNING state.');
export const walFsyncLatency = timer('tswarm_raft_wal_fsync_seconds', 'Time to make a batch of Raft log records durable (fdatasync).');

export const raftLeaderChanges = new client.Counter({
  name: 'tswarm_raft_leader_changes_total', help: 'Times this manager saw the Raft leader change.', registers: [registry],
});
export const agentTaskStarts = new client.Counter({
  name: 'tswarm_agent_task_starts_total', help: 'Tasks this node started, by outcome (started, failed).', labelNames: ['outcome'], registers: [registry],
});

/** Seconds since a start mark from process.hrtime.bigint(). */
export const secondsSince = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e9;
