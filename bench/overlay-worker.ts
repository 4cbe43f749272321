/**
 * The bench/overlay processes that run inside a namespace (started with
 * nsenter by bench/overlay.ts): a server, or one measurement printed as JSON.
 *   serve ADDR PORT           sink on PORT, echo on PORT+1 (until killed)
 *   stream HOST PORT SECONDS  {bytesPerSec}: one connection writing 256 KiB chunks
 *   pingpong HOST PORT N      {us: [...]}: N 64-byte round trips on one connection
 *   connect HOST PORT N       {us: [...]}: N connections, each one 64-byte round trip
 *   pairs A B PORT N          {a: [...], b: [...]}: N connections to A and N to B, in pairs
 *                             (A B, B A, A B, …: drift falls on both alike); A and B are
 *                             comma lists of hosts taken in turn
 */
import { connect, createServer, type Socket } from 'node:net';

const [mode, host, portArg, arg] = process.argv.slice(2);
const port = Number(portArg);
const MSG = Buffer.alloc(64, 1);

function open(h: string, p: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: h, port: p, noDelay: true }, () => resolve(s));
    s.once('error', reject);
  });
}

function roundTrip(s: Socket): Promise<void> {
  return new Promise((resolve) => {
    let got = 0;
    const onData = (d: Buffer) => { got += d.length; if (got >= MSG.length) { s.off('data', onData); resolve(); } };
    s.on('data', onData);
    s.write(MSG);
  });
}

/** One connection, one 64-byte round trip: µs. */
async function connectOnce(h: string, p: number): Promise<number> {
  const t = performance.now();
  const s = await open(h, p);
  await roundTrip(s);
  const us = (performance.now() - t) * 1000;
  s.destroy();
  return us;
}

async function main() {
  if (mode === 'serve') {
    createServer((c) => c.on('data', () => undefined).on('error', () => undefined)).listen(port, host);
    createServer({ noDelay: true }, (c) => c.on('data', (d) => c.write(d)).on('error', () => undefined)).listen(port + 1, host, () => console.log('ready'));
    return;
  }
  if (mode === 'stream') {
    const s = await open(host, port);
    const chunk = Buffer.alloc(256 * 1024);
    const end = performance.now() + Number(arg) * 1000;
    let bytes = 0;
    const t0 = performance.now();
    while (performance.now() < end) {
      bytes += chunk.length;
      if (!s.write(chunk)) await new Promise((r) => s.once('drain', r));
    }
    const secs = (performance.now() - t0) / 1000;
    s.destroy();
    console.log(JSON.stringify({ bytesPerSec: bytes / secs }));
    return;
  }
  if (mode === 'pairs') {
    const [b, p, count] = [portArg, Number(arg), Number(process.argv[6])];
    const as = host.split(','), bs = b.split(',');
    const a: number[] = [], bb: number[] = [];
    for (let i = 0; i < count; i++) {
      // Which goes first changes every pair: the second finds its server just woken by the first.
      if (i % 2 === 0) { a.push(await connectOnce(as[i % as.length], p)); bb.push(await connectOnce(bs[i % bs.length], p)); }
      else { bb.push(await connectOnce(bs[i % bs.length], p)); a.push(await connectOnce(as[i % as.length], p)); }
    }
    console.log(JSON.stringify({ a, b: bb }));
    return;
  }
  const n = Number(arg);
  const us: number[] = [];
  if (mode === 'pingpong') {
    const s = await open(host, port);
    for (let i = 0; i < n; i++) { const t = performance.now(); await roundTrip(s); us.push((performance.now() - t) * 1000); }
    s.destroy();
  } else if (mode === 'connect') {
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      const s = await open(host, port);
      await roundTrip(s);
      us.push((performance.now() - t) * 1000);
      s.destroy();
    }
  }
  console.log(JSON.stringify({ us }));
}

main().catch((err) => { console.error(String(err)); process.exit(1); });
