import { execFile } from 'node:child_process';
import { request } from 'node:http';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { acquire } from '../helpers/process-lock.js';

const repo = resolve(fileURLToPath(import.meta.url), '../../../..');

/**
 * The reference: a real Docker 20.10 engine in swarm mode, private to the
 * tests (scripts/swarm-engine.sh; CI starts it in .ci/run and exports
 * TSWARM_REFERENCE_DOCKER_HOST). Started here when the variable is not set.
 */
export async function referenceEngine(): Promise<string> {
  const host = process.env.TSWARM_REFERENCE_DOCKER_HOST;
  if (host) return host;
  return new Promise((res, rej) => {
    execFile('bash', [resolve(repo, 'scripts/swarm-engine.sh')], { timeout: 120_000 }, (err, stdout, stderr) => {
      if (err) rej(new Error(`the reference engine did not start: ${stderr}`)); else res(stdout.trim());
    });
  });
}

export interface Answer { status: number; text: string; message?: string; json?: any }

/** One raw request on a unix socket: the body is sent as given (bytes, not re-encoded). */
export function raw(socket: string, method: string, path: string, body?: string | Buffer, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((res, rej) => {
    const r = request({ socketPath: socket, method, path, headers: { 'Content-Type': 'application/json', ...headers } }, (resp) => {
      const chunks: Buffer[] = [];
      resp.on('data', (c) => chunks.push(c));
      resp.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: any;
        try { json = text ? JSON.parse(text) : undefined; } catch { json = undefined; }
        res({ status: resp.statusCode!, text, json, message: json?.message });
      });
    });
    r.on('error', rej);
    r.end(body);
  });
}

export const socketOf = (host: string) => host.replace(/^unix:\/\//, '');

/** Everything a manager stores, as the API shows it: services, tasks, nodes, the swarm. */
export async function storeDump(socket: string): Promise<string> {
  const get = async (p: string) => (await raw(socket, 'GET', `/v1.41${p}`)).json;
  const [services, tasks, nodes, swarm] = await Promise.all([get('/services'), get('/tasks'), get('/nodes'), get('/swarm')]);
  const byId = (a: { ID: string }[]) => [...(a ?? [])].sort((x, y) => x.ID.localeCompare(y.ID));
  return JSON.stringify({ services: byId(services), tasks: byId(tasks), nodes: byId(nodes), swarm }, null, 1);
}

const ENGINES_LOCK = '/tmp/tswarm-test-engines.lock';

/**
 * Exclusive use of the private engines within one test run: tests that
 * count every task container on the test engine, or compare the whole
 * reference store before and after, must not run beside a test that
 * creates services there (node --test runs two files at once). Returns
 * the release; a lock whose holder died is taken over.
 */
export function lockEngines(): Promise<() => Promise<void>> {
  return acquire(ENGINES_LOCK);
}
