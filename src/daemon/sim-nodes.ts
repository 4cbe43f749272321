import { Agent } from '../agent/agent.js';
import type { Clock } from '../clock.js';
import { SimExecutor } from '../executor/sim/sim.js';
import type { DispatcherAPI } from '../types/dispatcher.js';

/**
 * Registers n in-process simulated nodes through the same dispatcher calls a
 * remote agent makes (benchmarks with thousands of nodes).
 */
export async function startSimNodes(n: number, dispatcher: DispatcherAPI, clock: Clock): Promise<Agent[]> {
  const agents: Agent[] = [];
  for (let i = 1; i <= n; i++) {
    const hostname = `sim-${String(i).padStart(4, '0')}`;
    const executor = new SimExecutor({ hostname });
    const agent = new Agent({ dispatcher, executor, clock, description: await executor.describe() });
    await agent.start();
    agents.push(agent);
  }
  return agents;
}
