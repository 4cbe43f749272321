/**
 * One DNS query, as a client in a task's namespace would make it:
 *   node dns-ask.js SERVER PORT NAME TYPE udp|tcp
 * prints the decoded answer as JSON (or {"error": …}) and exits.
 */
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import * as packet from 'dns-packet';
import type { RecordType } from 'dns-packet';

const [server, port, name, type, proto] = process.argv.slice(2);
const query = { type: 'query' as const, id: 4242, flags: packet.RECURSION_DESIRED, questions: [{ type: type as RecordType, name }] };
const done = (out: unknown) => { process.stdout.write(JSON.stringify(out) + '\n'); process.exit(0); };
setTimeout(() => done({ error: 'timeout' }), 8000);

if (proto === 'tcp') {
  const c = connect(Number(port), server, () => c.write(packet.streamEncode(query)));
  let buf = Buffer.alloc(0);
  c.on('data', (d: Buffer) => {
    buf = Buffer.concat([buf, d]);
    if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) done(packet.streamDecode(buf));
  });
  c.on('error', (err) => done({ error: err.message }));
} else {
  const s = createSocket('udp4');
  s.on('message', (m) => done({ ...packet.decode(m), size: m.length }));
  s.on('error', (err) => done({ error: err.message }));
  s.send(packet.encode(query), Number(port), server);
}
