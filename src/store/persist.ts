import { open, readFile, rename, mkdir, type FileHandle } from 'node:fs/promises';
import { openSync, fsyncSync, closeSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { join } from 'node:path';
import type { ChangeLog, MemoryStore } from './store.js';
import type { Change, StoreSnapshot } from './tables.js';

/**
 * A single manager's durable state: snapshot.json plus an append-only
 * write-ahead log of committed transactions (one CRC-checked line each,
 * fdatasync'ed before the write is acknowledged). A torn tail is cut on open.
 */
export class FileChangeLog implements ChangeLog {
  private fh?: FileHandle;
  private entries = 0;
  /** Appends and compactions take turns: a compaction swaps the log file. */
  private io: Promise<unknown> = Promise.resolve();

  constructor(private dir: string, private store: MemoryStore, private snapshotEvery = 10_000) {}

  private get walPath() { return join(this.dir, 'wal.log'); }
  private get snapPath() { return join(this.dir, 'snapshot.json'); }

  /** Loads the snapshot and replays the log into the store; then accepts appends. */
  async open(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const snap = await readJson<StoreSnapshot>(this.snapPath);
    if (snap) this.store.restore(snap);
    let validBytes = 0;
    const wal = await readFile(this.walPath).catch(() => Buffer.alloc(0));
    let pos = 0;
    while (pos < wal.length) {
      const nl = wal.indexOf(0x0a, pos);
      if (nl < 0) break; // torn last line
      const rec = decodeRecord(wal.subarray(pos, nl));
      if (!rec) break; // corrupt record: nothing after it is trusted
      if (rec.version > this.store.version) this.store.applyCommitted(rec.version, rec.changes);
      this.entries++;
      pos = nl + 1;
      validBytes = pos;
    }
    this.fh = await open(this.walPath, 'a+');
    if (validBytes < wal.length) await this.fh.truncate(validBytes);
    this.store.log = this;
  }

  append(version: number, changes: Change[]): Promise<void> {
    return this.turn(async () => {
      if (!this.fh) throw new Error('change log is not open');
      await this.fh.write(encodeRecord(version, changes));
      await this.fh.datasync();
      // The entry just written is applied after this resolves; the snapshot
      // taken next turn may miss it, and the rewritten log keeps it.
      if (++this.entries >= this.snapshotEvery) void this.compact();
    });
  }

  /** Writes a snapshot of the applied state and keeps only later entries in the log. */
  compact(): Promise<void> {
    return this.turn(() => this.compactNow());
  }

  private turn<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.io.then(fn);
    this.io = run.catch(() => undefined);
    return run;
  }

  private async compactNow(): Promise<void> {
    const snap = this.store.snapshot();
    const tmp = this.snapPath + '.tmp';
    const fh = await open(tmp, 'w');
    await fh.writeFile(JSON.stringify(snap));
    await fh.sync();
    await fh.close();
    await rename(tmp, this.snapPath);
    fsyncDir(this.dir);
    // Entries up to snap.version are in the snapshot; rewrite the log with the rest.
    const wal = await readFile(this.walPath);
    const keep: Buffer[] = [];
    let pos = 0;
    while (pos < wal.length) {
      const nl = wal.indexOf(0x0a, pos);
      if (nl < 0) break;
      const line = wal.subarray(pos, nl + 1);
      const rec = decodeRecord(line.subarray(0, line.length - 1));
      if (rec && rec.version > snap.version) keep.push(line);
      pos = nl + 1;
    }
    const walTmp = this.walPath + '.tmp';
    const nf = await open(walTmp, 'w');
    await nf.writeFile(Buffer.concat(keep));
    await nf.sync();
    await nf.close();
    await this.fh?.close();
    await rename(walTmp, this.walPath);
    fsyncDir(this.dir);
    this.fh = await open(this.walPath, 'a+');
    this.entries = keep.length;
  }

  close(): Promise<void> {
    return this.turn(async () => {
      await this.fh?.close();
      this.fh = undefined;
    });
  }
}

function encodeRecord(version: number, changes: Change[]): string {
  const body = JSON.stringify({ version, changes });
  return `${crc32(body).toString(16).padStart(8, '0')} ${body}\n`;
}

function decodeRecord(line: Buffer): { version: number; changes: Change[] } | undefined {
  const s = line.toString('utf8');
  const sp = s.indexOf(' ');
  if (sp !== 8) return undefined;
  const body = s.slice(9);
  if (parseInt(s.slice(0, 8), 16) !== crc32(body)) return undefined;
  try { return JSON.parse(body); } catch { return undefined; }
}

async function readJson<T>(path: string): Promise<T | undefined> {
  try { return JSON.parse(await readFile(path, 'utf8')) as T; } catch { return undefined; }
}

function fsyncDir(dir: string) {
  const fd = openSync(dir, 'r');
  try { fsyncSync(fd); } finally { closeSync(fd); }
}
