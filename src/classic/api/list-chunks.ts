import { promisify } from 'node:util';
import { gzip as gzipCb } from 'node:zlib';

const gzip = promisify(gzipCb);

/** Entries per chunk: a chunk is made anew (text, gzip) only when one of its entries' texts changed. */
const CHUNK_ENTRIES = 1000;

interface Chunk { entries: string[]; body: Buffer; gz?: Promise<Buffer> }

/**
 * A JSON array reply of many entry texts (30,000 containers are 24 MB) kept
 * in chunks: a status text that changed ("Up 5 minutes") makes one chunk
 * anew, not the whole body, and the gzip reply is the chunks' own gzip
 * members one after another (a valid gzip stream: Go's reader, which the
 * docker CLI uses, reads every member), each packed once.
 */
export class ChunkedList {
  private constructor(private chunks: Chunk[], readonly body: Buffer) {}

  /** The list of these entry texts, reusing the chunks of `prev` whose entries are the same. */
  static of(entries: string[], prev?: ChunkedList): ChunkedList {
    const chunks: Chunk[] = [];
    for (let i = 0, n = 0; i < entries.length; i += CHUNK_ENTRIES, n++) {
      const slice = entries.slice(i, i + CHUNK_ENTRIES);
      const old = prev?.chunks[n];
      if (old && old.entries.length === slice.length && old.entries.every((e, j) => e === slice[j])) chunks.push(old);
      else chunks.push({ entries: slice, body: Buffer.from(`${n === 0 ? '[' : ','}${slice.join(',')}`) });
    }
    const bodies = chunks.length ? [...chunks.map((c) => c.body), CLOSE] : [EMPTY];
    return new ChunkedList(chunks, Buffer.concat(bodies));
  }

  private gz?: Promise<Buffer>;

  /** The body in gzip, packed off the event loop (zlib's thread pool), unchanged chunks not packed again. */
  gzipped(): Promise<Buffer> {
    this.gz ??= this.chunks.length
      ? Promise.all([...this.chunks.map((c) => (c.gz ??= gzip(c.body, { level: 1 }))), GZ_CLOSE]).then((parts) => Buffer.concat(parts))
      : GZ_EMPTY;
    return this.gz;
  }
}

const CLOSE = Buffer.from(']');
const EMPTY = Buffer.from('[]');
const GZ_CLOSE = gzip(CLOSE);
const GZ_EMPTY = gzip(EMPTY);
