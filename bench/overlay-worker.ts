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
 *   client                    stays up and runs the commands read from stdin, one JSON
 *                             line each, answering one JSON line each (bench/overlay's
 *                             short windows, taken in turn with another client, need
 *                             no process start between them):
 *                               {"op":"stream","host","port","ms"}  → {bytesPerSec}
 *                               {"op":"rtt","host","port","n"}      → {us} (one kept connection per host)
 *                               {"op":"pairs","a":[..],"b":[..],"port","n"} → {a, b}
 */
import { connect, createServer, type Socket } from 'node:net';
import { createInterface } from 'node:readline';

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

/** One stream of 256 KiB writes for `ms`: bytes per second (the connection is opened before the clock starts). */
async function stream(h: string, p: number, ms: number): Promise<number> {
  const s = await open(h, p);
  const chunk = Buffer.alloc(256 * 1024);
  const t0 = performance.now();
  const end = t0 + ms;
  let bytes = 0;
  while (performance.now() < end) {
    bytes += chunk.length;
    if (!s.write(chunk)) await new Promise((r) => s.once('drain', r));
  }
  const secs = (performance.now() - t0) / 1000;
  s.destroy();
  return bytes / secs;
}

/** N connections to each of a and b (hosts taken in turn), in pairs whose order alternates. */
async function pairs(as: string[], bs: string[], p: number, count: number) {
  const a: number[] = [], b: number[] = [];
  for (let i = 0; i < count; i++) {
    // Which goes first changes every pair: the second finds its server just woken by the first.
    if (i % 2 === 0) { a.push(await connectOnce(as[i % as.length], p)); b.push(await connectOnce(bs[i % bs.length], p)); }
    else { b.push(await connectOnce(bs[i % bs.length], p)); a.push(await connectOnce(as[i % as.length], p)); }
  }
  return { a, b };
}

interface Command { op: 'stream' | 'rtt' | 'pairs'; host?: string; port: number; ms?: number; n?: number; a?: string[]; b?: string[] }

async function client() {
  const kept = new Map<string, Socket>();
  for await (const line of createInterface({ input: process.stdin })) {
    const c = JSON.parse(line) as Command;
    let out: unknown;
    if (c.op === 'stream') out = { bytesPerSec: await stream(c.host!, c.port, c.ms!) };
    else if (c.op === 'pairs') out = await pairs(c.a!, c.b!, c.port, c.n!);
    else {
      const key = `${c.host}:${c.port}`;
      let s = kept.get(key);
      if (!s) kept.set(key, (s = await open(c.host!, c.port)));
      const us: number[] = [];
      for (let i = 0; i < c.n!; i++) { const t = performance.now(); await roundTrip(s); us.push((performance.now() - t) * 1000); }
      out = { us };
    }
    process.stdout.write(`${JSON.stringify(out)}\n`);
  }
  for (const s of kept.values()) s.destroy();
}

async function main() {
  if (mode === 'client') { await client(); return; }
  if (mode === 'serve') {
    createServer((c) => c.on('data', () => undefined).on('error', () => undefined)).listen(port, host);
    createServer({ noDelay: true }, (c) => c.on('data', (d) => c.write(d)).on('error', () => undefined)).listen(port + 1, host, () => console.log('ready'));
    return;
  }
  if (mode === 'stream') {
    console.log(JSON.stringify({ bytesPerSec: await stream(host, port, Number(arg) * 1000) }));
    return;
  }
  if (mode === 'pairs') {
    console.log(JSON.stringify(await pairs(host.split(','), portArg.split(','), Number(arg), Number(process.argv[6]))));
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
