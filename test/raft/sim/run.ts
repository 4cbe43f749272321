import assert from 'node:assert/strict';
import { checkLinearizable } from '../../helpers/linearizability.js';
import { SimCluster } from './cluster.js';

/**
 * Runs RAFT_SIM_SCHEDULES / 2 (default 5,000) seeded fault schedules of
 * clusters of `size`; RAFT_SIM_SEED=n replays one and prints its events.
 */
export function runSchedules(size: 3 | 5): void {
  const only = process.env.RAFT_SIM_SEED !== undefined ? Number(process.env.RAFT_SIM_SEED) : undefined;
  const count = Math.ceil(Number(process.env.RAFT_SIM_SCHEDULES ?? 10_000) / 2);
  const base = Number(process.env.RAFT_SIM_BASE ?? Date.now() % 1_000_000_000);
  const seeds = only !== undefined ? [only] : Array.from({ length: count }, (_, i) => base + i);
  let applied = 0;
  let acked = 0;
  let ops = 0;
  const started = Date.now();
  for (const seed of seeds) {
    const r = new SimCluster(seed, size).run();
    if (only !== undefined) console.log(r.events.join('\n'));
    let error = r.error;
    if (!error) {
      const lin = checkLinearizable(r.history, { timeoutMs: 20_000 });
      if (!lin.ok) error = `not linearizable${lin.timedOut ? ' (checker timed out)' : ''}: key ${lin.key}: ${lin.explanation ?? ''}`;
    }
    const replay = `replay with: RAFT_SIM_SEED=${seed} node --test dist/test/raft/simulation-${size}.test.js`;
    assert.ok(!error, `seed ${seed} (${size} members): ${error}\n${replay}`);
    applied += r.applied;
    acked += r.acknowledged;
    ops += r.history.length;
  }
  console.log(`raft sim, ${size} members: ${seeds.length} schedules from seed ${seeds[0]}, ${applied} entries applied, ${acked} acknowledged writes, ${ops} client operations checked for linearizability, ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
