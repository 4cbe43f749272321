// Simulated nodes that join a swarm from another process through the real path: the join
// token, the root CA check, a certificate each, mutual TLS on the cluster port, the
// dispatcher's gRPC calls. Usage: node dist/bench/remote-sim-nodes.js MANAGER_ADDR TOKEN COUNT
import { Agent } from '../src/agent/agent.js';
import { RemoteDispatcher } from '../src/agent/remote-dispatcher.js';
import { systemClock } from '../src/clock.js';
import { obtainCertificate } from '../src/daemon/joiner.js';
import { SimExecutor } from '../src/executor/sim/sim.js';
import { TlsMaterialProvider, clientCredentials } from '../src/pki/tls.js';

const [manager, token, countArg] = process.argv.slice(2);
const count = Number(countArg);
const JOIN_CONCURRENCY = 16;

async function startNode(i: number): Promise<Agent> {
  const hostname = `rsim-${String(i).padStart(4, '0')}`;
  const executor = new SimExecutor({ hostname });
  const description = await executor.describe();
  const { answer, material } = await obtainCertificate(manager, token, `127.0.0.1:${10000 + i}`, description);
  const provider = new TlsMaterialProvider(material);
  const creds = clientCredentials(provider);
  const dispatcher = new RemoteDispatcher({ managers: answer.managers.length ? answer.managers : [manager], credentials: () => creds });
  const agent = new Agent({ dispatcher, executor, clock: systemClock, description, nodeId: answer.nodeId });
  await agent.start();
  return agent;
}

const agents: Agent[] = [];
let next = 1;
await Promise.all(Array.from({ length: JOIN_CONCURRENCY }, async () => {
  while (next <= count) agents.push(await startNode(next++));
}));
process.stdout.write(`joined ${agents.length}\n`);
process.on('SIGTERM', () => process.exit(0));
