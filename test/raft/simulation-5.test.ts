import { test } from 'node:test';
import { runSchedules } from './sim/run.js';

test('raft simulation: seeded fault schedules on 5 members keep every safety property and stay linearizable', { timeout: 1_500_000 }, () => {
  runSchedules(5);
});
