/**
 * bench/logs: cluster-wide service logs through the leader's log broker.
 *   gather  — `GET /services/ID/logs` (no follow) of 3 tasks on 3 nodes, each
 *             having printed L lines: wall time and lines/s, from the leader
 *             and from a follower manager;
 *   follow  — with -f, the delay from a line's timestamp (taken by the node's
 *             executor) to its arrival at the API client, p50/p99/max.
 * tswarm: 2 managers + 1 worker (process executor) on 127.0.0.101..103.
 * Prints figures; asserts nothing.
 * Usage: node dist/bench/logs.js [L=20000] [followSeconds=5]
 */
import { request } from 'node:http';
import { dk, formSwarm, runningByNode, startNodes } from '../test/helpers/cluster.js';
import { eventually } from '../test/helpers/tswarmd.js';
import { killTaskProcesses } from '../test/helpers/processes.js';

const L = Number(process.argv[2] ?? 20_000);
const FOLLOW_S = Number(process.argv[3] ?? 5);
const MARK = 'tswarm-bench-logs';

/** Reads a logs stream's frames; onLine gets each payload; resolves when the stream ends or stop() is called. */
function logs(socket: string, path: string, onLine: (text: string) => void): { done: Promise<number>; stop(): void } {
  let req: ReturnType<typeof request>;
  const done = new Promise<number>((resolve, reject) => {
    let n = 0;
    let buf = Buffer.alloc(0);
    req = request({ socketPath: socket, path }, (res) => {
      res.on('data', (c: Buffer) => {
        buf = Buffer.concat([buf, c]);
        while (buf.length >= 8 && buf.length >= 8 + buf.readUInt32BE(4)) {
          const len = buf.readUInt32BE(4);
          onLine(buf.subarray(8, 8 + len).toString('utf8'));
          n++;
          buf = buf.subarray(8 + len);
        }
      });
      res.on('end', () => resolve(n));
      res.on('close', () => resolve(n));
    });
    req.on('error', (e) => (req.destroyed ? resolve(n) : reject(e)));
    req.end();
  });
  return { done, stop: () => req.destroy() };
}

const pct = (xs: number[], p: number) => xs.sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];

async function main() {
  const ds = await startNodes(3, { first: 101, prefix: 'bl', executor: 'process' });
  try {
    await formSwarm(ds.slice(0, 2), ds.slice(2));
    const [m1, m2] = ds;
    const script = `i=0; while [ $i -lt ${L} ]; do i=$((i+1)); echo "line $i of the bench"; done; exec sleep 86400`;
    await dk(m1, 'service', 'create', '-d', '--name', 'blog', '--replicas', '3', 'busybox', 'sh', '-c', script, MARK);
    await eventually(async () => (await runningByNode(m1, 'blog')).size === 3, 60_000, 'one task per node');
    const id = (await dk(m1, 'service', 'inspect', 'blog', '--format', '{{.ID}}')).stdout.trim();
    const path = `/v1.41/services/${id}/logs?stdout=1&stderr=1&details=1`;
    await eventually(async () => (await logs(m1.socket, `${path}&tail=1`, () => undefined).done) === 3, 60_000, 'three tasks logging');
    await eventually(async () => {
      let last = 0;
      await logs(m1.socket, `${path}&tail=1`, (t) => { if (t.includes(`line ${L} `)) last++; }).done;
      return last === 3;
    }, 120_000, 'every line printed');
    for (const [label, d] of [['leader', m1], ['follower', m2]] as const) {
      for (let trial = 0; trial < 3; trial++) {
        const t0 = performance.now();
        const n = await logs(d.socket, path, () => undefined).done;
        const s = (performance.now() - t0) / 1000;
        console.log(`gather from the ${label}: ${n} lines in ${s.toFixed(2)} s (${Math.round(n / s)} lines/s)`);
      }
    }
    await dk(m1, 'service', 'create', '-d', '--name', 'tick', '--replicas', '3', 'busybox', 'sh', '-c', 'while true; do echo tick; sleep 0.05; done', MARK);
    await eventually(async () => (await runningByNode(m1, 'tick')).size === 3, 60_000, 'tick on every node');
    const tid = (await dk(m1, 'service', 'inspect', 'tick', '--format', '{{.ID}}')).stdout.trim();
    for (const [label, d] of [['leader', m1], ['follower', m2]] as const) {
      const delays: number[] = [];
      const f = logs(d.socket, `/v1.41/services/${tid}/logs?stdout=1&follow=1&tail=0&timestamps=1`, (t) => {
        delays.push(Date.now() - Date.parse(t.slice(0, 30)));
      });
      await new Promise((r) => setTimeout(r, FOLLOW_S * 1000));
      f.stop();
      console.log(`follow via the ${label}: ${delays.length} lines in ${FOLLOW_S} s; delay p50 ${pct(delays, 0.5)} ms, p99 ${pct(delays, 0.99)} ms, max ${Math.max(...delays)} ms`);
    }
  } finally {
    for (const d of ds) await d.stop('SIGKILL').catch(() => undefined);
    await killTaskProcesses(MARK, ds.map((d) => d.dataRoot));
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
