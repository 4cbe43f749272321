import { mkdir, readFile, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Server } from 'node:http';
import { createApiServer } from '../api/server.js';
import { systemClock } from '../clock.js';
import { selectExecutor } from '../executor/select.js';
import { logger } from '../log.js';
import { collectFrom } from '../metrics/collectors.js';
import { startMetricsServer } from '../metrics/server.js';
import { startDashboardServer, type DashboardServer } from '../dashboard/server.js';
import { Daemon } from './daemon.js';
import { INSECURE_TCP_WARNING, parseDaemonArgs, type ApiTls } from './options.js';
import type { ApiServerOptions } from '../api/server.js';
import { bulkWritesDone } from '../api/bulk-writer.js';

const log = logger('daemon');

/** The words a daemon logs an unhandled rejection with (tests look for them in every daemon's log). */
export const UNHANDLED_REJECTION = 'unhandled promise rejection';

/**
 * A promise nobody handles (a bug: lint refuses new ones) is a failure that
 * nobody waits for: logged loudly, as an error with its stack, and the daemon
 * goes on, as it would after an ignored error. Exceptions thrown outside
 * promises still end the process (they may leave state half-changed).
 */
function reportUnhandledRejections() {
  process.on('unhandledRejection', (reason) => {
    log.error({ err: String((reason as Error)?.stack ?? reason) }, `${UNHANDLED_REJECTION} (a bug in tswarm; please report it)`);
  });
}

/** `tswarm daemon`: serves the Engine API and runs this node's part of the swarm. */
export async function runDaemon(argv: string[]): Promise<number> {
  const parsed = parseDaemonArgs(argv);
  if ('help' in parsed) { process.stdout.write(parsed.help); return 0; }
  if ('error' in parsed) { process.stderr.write(`${parsed.error}\nSee 'tswarm daemon --help'.\n`); return 125; }
  const opts = parsed;
  reportUnhandledRejections();
  await mkdir(opts.dataRoot, { recursive: true });
  let tls: ApiServerOptions['tls'];
  try {
    tls = opts.tls && await tlsOptions(opts.tls);
  } catch (err) {
    process.stderr.write(`could not load the API's TLS material: ${(err as Error).message}\n`);
    return 1;
  }
  // Before anything else starts: a metrics address that cannot be used stops the daemon.
  let metrics: { close(): Promise<void> } | undefined;
  try {
    metrics = opts.metricsAddr ? await startMetricsServer(opts.metricsAddr) : undefined;
  } catch (err) {
    process.stderr.write(`tswarm: ${(err as Error).message}\n`);
    return 1;
  }
  // The same for the dashboard's address.
  let dashboard: DashboardServer | undefined;
  try {
    dashboard = opts.webAddr ? await startDashboardServer(opts.webAddr, { actions: !!opts.webActions }) : undefined;
  } catch (err) {
    await metrics?.close();
    process.stderr.write(`tswarm: ${(err as Error).message}\n`);
    return 1;
  }

  const { executor, reason, engineHost } = await selectExecutor({
    kind: opts.executor, dockerHost: opts.dockerHost, stateDir: `${opts.dataRoot}/executor`,
  });
  process.stderr.write(`tswarm: ${reason}\n`);
  const engineSocket = engineHost?.startsWith('unix://') ? engineHost.slice('unix://'.length) : undefined;

  const daemon = new Daemon(opts, executor, systemClock, engineSocket);
  collectFrom(daemon.metricsSource());
  dashboard?.attach(daemon, () => daemon.metricsSource().store());
  await daemon.start();

  const servers: Server[] = [];
  for (const host of opts.hosts) {
    const tcp = host.startsWith('tcp://');
    if (tcp && !tls) for (const w of INSECURE_TCP_WARNING) log.warn({ host }, w);
    const server = createApiServer(daemon, tcp ? { tls } : {});
    await listen(server, host);
    servers.push(server);
    process.stderr.write(`tswarm: API listening on ${host}\n`);
  }
  if (opts.webAddr) process.stderr.write(`tswarm: dashboard on http://${opts.webAddr}/ (${opts.webActions ? 'scale and drain allowed' : 'read-only'})\n`);

  await new Promise<void>((resolve) => {
    const shutdown = (sig: string) => {
      log.info({ signal: sig }, 'shutting down');
      resolve();
    };
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    process.once('SIGINT', () => shutdown('SIGINT'));
  });
  // A reply being written by the bulk writer holds its socket's descriptor: close sockets after it.
  for (const s of servers) s.close();
  await bulkWritesDone();
  for (const s of servers) s.closeAllConnections?.();
  await dashboard?.close();
  await daemon.stop();
  await metrics?.close();
  await executor.close?.();
  return 0;
}

/** dockerd's TLS for the API: its certificate and key; with --tlsverify, clients need a certificate from the CA. */
async function tlsOptions(t: ApiTls): Promise<NonNullable<ApiServerOptions['tls']>> {
  const [cert, key] = await Promise.all([readFile(t.certFile), readFile(t.keyFile)]);
  if (!t.verifyClientsWith) return { cert, key, minVersion: 'TLSv1.2' };
  const ca = await readFile(t.verifyClientsWith);
  return { cert, key, ca, requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.2' };
}

async function listen(server: Server, host: string): Promise<void> {
  if (host.startsWith('unix://')) {
    const path = host.slice('unix://'.length);
    await mkdir(dirname(path), { recursive: true });
    await rm(path, { force: true });
    await new Promise<void>((res, rej) => { server.once('error', rej); server.listen(path, () => res()); });
    return;
  }
  const m = /^tcp:\/\/(.*):(\d+)$/.exec(host);
  if (!m) throw new Error(`invalid --host ${host}: use unix://PATH or tcp://HOST:PORT`);
  await new Promise<void>((res, rej) => { server.once('error', rej); server.listen(Number(m[2]), m[1] || '0.0.0.0', () => res()); });
}
