/**
 * Started by ns-sockets.ts inside a task's network namespace (nsenter
 * --net=…): brings lo up, binds the UDP socket and the TCP listener of the
 * embedded resolver there, hands both to the daemon over the IPC channel and
 * exits. A socket stays in the namespace it was made in, so the daemon serves
 * the task's namespace from its own.
 */
import { execFileSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';

const [address, portText] = process.argv.slice(2);
const port = Number(portText);

/** Tells the daemon why, then exits (the daemon also sees the exit). */
function fail(err: unknown): void {
  const message = err instanceof Error ? err.message : String(err);
  setTimeout(() => process.exit(1), 1000).unref();
  process.send?.({ kind: 'error', message }, undefined, undefined, () => process.exit(1));
}

function main(): void {
  try {
    execFileSync('ip', ['link', 'set', 'lo', 'up'], { stdio: 'ignore' });
  } catch (err) {
    return fail(err);
  }
  const udp = createSocket('udp4');
  udp.once('error', fail);
  udp.bind({ address, port }, () => {
    const tcp = createServer();
    tcp.once('error', fail);
    tcp.listen({ host: address, port, backlog: 128 }, () => {
      process.send!({ kind: 'udp' }, udp, undefined, (err) => {
        if (err) return fail(err);
        process.send!({ kind: 'tcp' }, tcp, undefined, (err2) => (err2 ? fail(err2) : process.exit(0)));
      });
    });
  });
}

main();
