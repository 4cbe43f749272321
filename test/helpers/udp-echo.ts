/**
 * UDP through a VIP, with a real process on each side:
 *   node udp-echo.js serve NAME PORT          answers every datagram with NAME
 *   node udp-echo.js ask HOST PORT COUNT      COUNT datagrams, each from a new socket (a new
 *                                             connection for conntrack); prints one reply per line,
 *                                             or the error (ECONNREFUSED, timeout)
 */
import { createSocket } from 'node:dgram';

const [mode, a, b, c] = process.argv.slice(2);
if (mode === 'serve') {
  const s = createSocket('udp4');
  s.on('message', (_m, r) => s.send(a, r.port, r.address));
  s.bind(Number(b));
} else {
  for (let i = 0; i < Number(c ?? 1); i++) {
    const line = await new Promise<string>((resolve) => {
      const s = createSocket('udp4');
      const done = (x: string) => { clearTimeout(timer); s.close(); resolve(x); };
      const timer = setTimeout(() => done('timeout'), 2000);
      s.on('message', (m) => done(m.toString()));
      s.on('error', (err) => done((err as NodeJS.ErrnoException).code ?? err.message));
      s.connect(Number(b), a, () => s.send('hi'));
    });
    process.stdout.write(line + '\n');
  }
}
