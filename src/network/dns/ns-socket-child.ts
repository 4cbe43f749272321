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

function fail(err: unknown): never {
  process.send?.({ kind: 'error', message: String((err as Error)?.message ?? err) }, undefined, undefined, () => process.exit(1));
  setTimeout(() => process.exit(1), 1000);
  throw err;
}

try {
  execFileSync('ip', ['link', 'set', 'lo', 'up'], { stdio: 'ignore' });
} catch (err) {
  fail(err);
}

const udp = createSocket('udp4');
udp.once('error', fail);
udp.bind({ address, port }, () => {
  const tcp = createServer();
  tcp.once('error', fail);
  tcp.listen({ host: address, port, backlog: 128 }, () => {
    process.send!({ kind: 'udp' }, udp, undefined, (err) => {
      if (err) fail(err);
      process.send!({ kind: 'tcp' }, tcp, undefined, (err2) => {
        if (err2) fail(err2);
        process.exit(0);
      });
    });
  });
});
